"""scikit-learn's estimator checks on every public estimator of the registry."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sparsestat.utils import all_estimators

# Settings that keep the checks fast; an estimator absent from this dict is
# checked with its defaults.
CHECK_PARAMS = {
    "MTP2GraphicalModelCV": {"alphas": 3, "cv": 3},
}


def _instances():
    for name, cls in all_estimators():
        yield cls(**CHECK_PARAMS.get(name, {}))


@parametrize_with_checks(list(_instances()))
def test_sklearn_compatible(estimator, check):
    check(estimator)
