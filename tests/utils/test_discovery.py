import sparsestat
from sparsestat.utils import all_estimators


def test_registry_finds_estimators_of_every_family_package():
    names = [name for name, _ in all_estimators()]
    assert names == sorted(names)
    assert "NonconvexLasso" in names


def test_every_registered_estimator_is_importable_from_its_family():
    for name, cls in all_estimators():
        family = cls.__module__.split(".")[1]
        module = getattr(sparsestat, family, None) or __import__(
            f"sparsestat.{family}", fromlist=[name]
        )
        assert getattr(module, name) is cls
