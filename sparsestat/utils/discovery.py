"""The single registry of public estimators: discovered, never listed by hand."""

import inspect
import pkgutil
from importlib import import_module

from sklearn.base import BaseEstimator

_SKIP = ("_kernels", "tests", "utils", "datasets", "metrics")


def _family_packages():
    """Names of the public sub-packages of sparsestat that hold estimators."""
    import sparsestat

    return [info.name for info in pkgutil.iter_modules(sparsestat.__path__)
            if info.ispkg and not info.name.startswith("_")
            and info.name not in _SKIP]


def estimator_families():
    """Return the public estimator classes of sparsestat by family package.

    Returns
    -------
    families : dict of str to list of (str, type)
        ``{package: [(name, class), ...]}`` with ``package`` the family's
        sub-package (``"linear_model"``, ...), in package order, and each
        list sorted by name. A class re-exported by two packages is listed
        under the first.

    Examples
    --------
    >>> from sparsestat.utils.discovery import estimator_families
    >>> [name for name, _ in estimator_families()["dag"]]
    ['CoLiDE', 'CoLiDECV', 'CoLiDEIC']
    """
    families, seen = {}, set()
    for package in _family_packages():
        module = import_module(f"sparsestat.{package}")
        found = []
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if (
                not name.startswith("_")
                and name not in seen
                and issubclass(obj, BaseEstimator)
                and obj.__module__.startswith("sparsestat.")
            ):
                found.append((name, obj))
                seen.add(name)
        if found:
            families[package] = found
    return families


def all_estimators():
    """Return every public estimator class of sparsestat.

    A class is public when a public sub-package of ``sparsestat`` exports it
    under a name without a leading underscore. Adding an estimator to a
    family's ``__init__`` adds it to the common checks and to every suite
    that iterates this registry.

    Returns
    -------
    estimators : list of (str, type)
        ``(name, class)`` pairs sorted by name.

    Examples
    --------
    >>> from sparsestat.utils import all_estimators
    >>> names = [name for name, _ in all_estimators()]
    >>> "NonconvexLasso" in names
    True
    """
    return sorted(pair for pairs in estimator_families().values() for pair in pairs)
