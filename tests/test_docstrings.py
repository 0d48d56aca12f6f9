"""Every public class and function has a numpydoc docstring with an Examples
section holding a doctest (which ``--doctest-modules`` then runs).

Public = every estimator of the registry, plus every name in ``__all__`` of
the public sub-packages (families, datasets, metrics, utils).
"""

import inspect
import pkgutil
import re
from importlib import import_module

import pytest

import sparsestat
from sparsestat.utils import all_estimators

_EXAMPLES = re.compile(r"^\s*Examples\s*\n\s*-{8,}\s*\n(.*?)(?=^\s*\S.*\n\s*-{3,}\s*\n|\Z)",
                       re.MULTILINE | re.DOTALL)


def public_objects():
    found = dict(all_estimators())
    for info in pkgutil.iter_modules(sparsestat.__path__):
        if info.name.startswith("_") or not info.ispkg:
            continue
        module = import_module(f"sparsestat.{info.name}")
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                found.setdefault(name, obj)
    return sorted(found.items())


@pytest.mark.parametrize("name, obj", public_objects(), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_docstring_has_runnable_examples(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{name} has no docstring"
    match = _EXAMPLES.search(doc)
    assert match, f"{name}: no Examples section"
    assert ">>>" in match.group(1), f"{name}: Examples section without a doctest"
    module = inspect.getmodule(obj)
    assert module.__name__.startswith("sparsestat."), name
