"""Link of an estimator's HTML representation to its page of the API reference."""

import os

# The API reference of the Sphinx docs (doc/conf.py) has one page per public
# name, ``gen_modules/<public module>.<name>.html`` under the documentation
# root. The default root is relative to the pages of the built documentation
# that display estimators (the gallery, ``auto_examples/*.html``); a hosted
# copy or a local build elsewhere is chosen with this environment variable.
DOC_URL_VARIABLE = "SPARSESTAT_DOC_URL"
DEFAULT_DOC_URL = ".."


def doc_root():
    """The documentation root used in the links: ``$SPARSESTAT_DOC_URL`` when
    set (e.g. ``file:///path/to/doc/_build/html``), else ``".."``.

    Returns
    -------
    root : str
        URL without a trailing slash.

    Examples
    --------
    >>> from sparsestat.utils._repr import doc_root
    >>> isinstance(doc_root(), str)
    True
    """
    return (os.environ.get(DOC_URL_VARIABLE) or DEFAULT_DOC_URL).rstrip("/")


class DocLinkMixin:
    """Makes scikit-learn's ``estimator_html_repr`` link to our API page.

    scikit-learn builds the "?" link of the HTML diagram from
    ``_doc_link_module`` (the root package an estimator must belong to) and
    ``_doc_link_template``, filled with the public module (the module path
    up to its first private part, e.g. ``sparsestat.linear_model``) and the
    class name. The template is read at each call, so setting
    ``SPARSESTAT_DOC_URL`` takes effect without re-importing.
    """

    _doc_link_module = "sparsestat"

    @property
    def _doc_link_template(self):
        return doc_root() + "/gen_modules/{estimator_module}.{estimator_name}.html"
