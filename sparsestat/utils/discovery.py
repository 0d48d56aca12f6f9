"""The single registry of public estimators: discovered, never listed by hand."""

import inspect
import pkgutil
from importlib import import_module

from sklearn.base import BaseEstimator

_SKIP = ("_kernels", "tests", "utils", "datasets", "metrics")


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
    import sparsestat

    found = {}
    for info in pkgutil.iter_modules(sparsestat.__path__):
        if info.name.startswith("_") or info.name in _SKIP or not info.ispkg:
            continue
        module = import_module(f"sparsestat.{info.name}")
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if (
                not name.startswith("_")
                and issubclass(obj, BaseEstimator)
                and obj.__module__.startswith("sparsestat.")
            ):
                found[name] = obj
    return sorted(found.items())
