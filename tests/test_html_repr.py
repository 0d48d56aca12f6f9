"""The HTML representation of every estimator links to its API page."""

import pytest
from sklearn.utils import estimator_html_repr

from sparsestat.utils import all_estimators
from sparsestat.utils._repr import DOC_URL_VARIABLE, DocLinkMixin

@pytest.mark.parametrize("name, cls", all_estimators())
def test_html_repr_links_to_the_api_page(name, cls, monkeypatch):
    assert issubclass(cls, DocLinkMixin)
    public_module = ".".join(
        part for part in cls.__module__.split(".") if not part.startswith("_"))
    page = f"gen_modules/{public_module}.{name}.html"
    monkeypatch.delenv(DOC_URL_VARIABLE, raising=False)
    est = cls()
    # relative to the gallery pages of the built documentation by default
    assert est._get_doc_link() == f"../{page}"
    assert f'href="../{page}"' in estimator_html_repr(est)
    # a hosted or local copy of the documentation, set at run time
    monkeypatch.setenv(DOC_URL_VARIABLE, "https://example.org/sparsestat/")
    assert est._get_doc_link() == f"https://example.org/sparsestat/{page}"
    assert f"https://example.org/sparsestat/{page}" in estimator_html_repr(est)


def test_api_pages_exist_under_that_name():
    # doc/conf.py generates the API reference with autosummary into
    # gen_modules/, one page per name of each family's __all__
    from importlib import import_module

    for name, cls in all_estimators():
        public_module = ".".join(
            part for part in cls.__module__.split(".") if not part.startswith("_"))
        assert name in import_module(public_module).__all__
