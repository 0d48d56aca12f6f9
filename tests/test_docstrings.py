"""Every public class and function has a numpydoc docstring with an Examples
section holding a doctest (which ``--doctest-modules`` then runs).

Public = every estimator of the registry, plus every name in ``__all__`` of
the package (its configuration functions) and of the public sub-packages
(families, datasets, metrics, utils).
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


def public_modules():
    """The package and its public sub-packages, as the API reference lists them."""
    return [sparsestat] + [
        import_module(f"sparsestat.{info.name}")
        for info in pkgutil.iter_modules(sparsestat.__path__)
        if not info.name.startswith("_") and info.ispkg]


def public_objects():
    found = dict(all_estimators())
    for module in public_modules():
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


_SECTION = re.compile(r"^(\S[^\n]*)\n-{3,}\s*$", re.MULTILINE)


def documented_parameters(doc):
    """``(name, description)`` of each entry of the numpydoc Parameters
    section of ``doc`` (an entry "a, b : int" documents both names)."""
    doc = inspect.cleandoc(doc or "")
    headers = list(_SECTION.finditer(doc))
    for k, header in enumerate(headers):
        if header.group(1).strip() == "Parameters":
            end = headers[k + 1].start() if k + 1 < len(headers) else len(doc)
            body = doc[header.end():end]
            break
    else:
        return []
    entries = []
    lines = iter(body.splitlines())
    for line in lines:
        if not line.strip():
            continue
        if line[0].isspace():
            if entries:
                entries[-1][1].append(line.strip())
            continue
        while line.rstrip().endswith("\\"):  # "a, b, \" continued below
            line = line.rstrip()[:-1] + next(lines).strip()
        names = line.split(" : ")[0]
        for name in names.split(","):
            entries.append((name.strip(), []))
        # every name of a combined entry shares the description
        shared = entries[-1][1]
        for i in range(len(entries) - len(names.split(",")), len(entries)):
            entries[i] = (entries[i][0], shared)
    return [(name, " ".join(desc)) for name, desc in entries]


def signature_parameters(func):
    out = []
    for p in inspect.signature(func).parameters.values():
        if p.name in ("self", "cls"):
            continue
        prefix = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        out.append(prefix + p.name)
    return out


def documented_callables():
    """``(label, callable, docstring)``: each public function, each class
    (its ``__init__`` with the class docstring) and each public method a
    sparsestat class defines itself (not inherited from scikit-learn)."""
    for name, obj in public_objects():
        if inspect.isfunction(obj):
            yield name, obj, inspect.getdoc(obj)
            continue
        yield name, obj.__init__, obj.__doc__
        for attr in dir(obj):
            if attr.startswith("_"):
                continue
            owner = next(c for c in obj.__mro__ if attr in vars(c))
            member = vars(owner)[attr]
            if owner.__module__.startswith("sparsestat") and inspect.isfunction(member):
                yield f"{name}.{attr}", member, member.__doc__


def _unique_callables():
    seen = {}
    for label, func, doc in documented_callables():
        seen.setdefault(label, (func, doc))
    return [pytest.param(label, func, doc, id=label)
            for label, (func, doc) in sorted(seen.items())]


@pytest.mark.parametrize("label, func, doc", _unique_callables())
def test_parameters_section_lists_exactly_the_signature(label, func, doc):
    documented = documented_parameters(doc)
    names = [name for name, _ in documented]
    expected = signature_parameters(func)
    assert names == expected, (
        f"{label}: the Parameters section lists {names}, the signature has "
        f"{expected}"
    )
    empty = [name for name, desc in documented if not desc]
    assert not empty, f"{label}: parameters without a description: {empty}"


def test_parameter_parser_on_a_known_docstring():
    doc = """Summary.

    Parameters
    ----------
    a : int
        First.
    b, c : float, \\
            default=1
        Shared.
    **params : dict
        Rest.

    Returns
    -------
    out : int
        Not a parameter.
    """
    assert documented_parameters(doc) == [
        ("a", "First."), ("b", "Shared."), ("c", "Shared."), ("**params", "Rest.")]
    assert documented_parameters("No sections.") == []


_PRIVATE = re.compile(r"sparsestat(?:\.\w+)*\._\w+")


def test_api_pages_name_no_private_module():
    # what the API reference renders: the docstrings of the public modules
    # (automodule) and of every public object and method
    texts = [(module.__name__, module.__doc__) for module in public_modules()]
    texts += [(label, doc) for label, _, doc in documented_callables()]
    named = {label: _PRIVATE.findall(doc) for label, doc in texts
             if doc and _PRIVATE.search(doc)}
    assert not named, named
