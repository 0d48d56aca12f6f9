"""Hyper-parameter edge values give a parameter error naming the parameter.

Discovered from the estimator registry: every integer hyper-parameter
bounded in ``_parameter_constraints`` (iteration counts reach the kernels
as C ints) refuses ``C_INT_MAX + 1`` with an error naming it (it used to be
an OverflowError from inside ``fit``), and every number-or-sequence
hyper-parameter (``gamma`` grids, CoLiDE's ``s``) refuses non-numbers with
a message naming it.
"""

import warnings
from numbers import Integral

import numpy as np
import pytest
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval

from sparsestat.utils import all_estimators
from sparsestat.utils._param_validation import C_INT_MAX
from tests import _reliability as rel

ESTIMATORS = all_estimators()


def _data(cls):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))
    y = (X[:, 0] > 0).astype(int) if is_classifier(cls()) else X[:, 0] + X[:, 1]
    if rel.positive_target(cls):
        y = rel.counts_like(y, rng)
    return X, y


def _integer_params(cls):
    for name, constraints in cls._parameter_constraints.items():
        for c in constraints:
            if isinstance(c, Interval) and c.type is Integral:
                yield name, c


INTEGER_CASES = [
    (name, cls, param, c)
    for name, cls in ESTIMATORS
    for param, c in _integer_params(cls)
]


def test_every_estimator_has_bounded_integer_parameters():
    # max_iter at least, for every estimator that has one
    with_max_iter = [name for name, cls in ESTIMATORS
                     if "max_iter" in cls._parameter_constraints]
    assert with_max_iter
    for name, cls, param, c in INTEGER_CASES:
        if param == "max_iter":
            assert c.right is not None and c.right <= C_INT_MAX, name


@pytest.mark.parametrize(
    "name, cls, param, constraint",
    [case for case in INTEGER_CASES if case[3].right is not None],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_integer_above_c_int_is_a_named_error(name, cls, param, constraint):
    assert constraint.right <= C_INT_MAX
    X, y = _data(cls)
    est = cls(**{param: int(constraint.right) + 1})
    with pytest.raises(ValueError, match=f"'{param}' parameter"):
        est.fit(X, y)
    # the 64-bit numpy integer of the same value too
    est = cls(**{param: np.int64(constraint.right) + 1})
    with pytest.raises(ValueError, match=f"'{param}' parameter"):
        est.fit(X, y)


@pytest.mark.parametrize("name, cls", ESTIMATORS, ids=[n for n, _ in ESTIMATORS])
def test_largest_max_iter_runs(name, cls):
    # C_INT_MAX itself is valid: kernels looping to max_iter + 1 must not
    # overflow (the CD loop would have run zero times); these small fits
    # converge long before
    if "max_iter" not in cls._parameter_constraints:
        pytest.skip("no max_iter")
    if name.startswith("Fractional") or name.startswith("SparseFisher"):
        pytest.skip("fractional histories are sized by max_iter (helper frac)")
    X, y = _data(cls)
    extra = {"cv": 2} if "cv" in cls().get_params() else {}
    with warnings.catch_warnings():
        # not reaching max_iter is the point: no ConvergenceWarning
        warnings.simplefilter("error", ConvergenceWarning)
        est = cls(max_iter=C_INT_MAX, **extra).fit(X, y)
    assert np.all(np.isfinite(getattr(est, "coef_", getattr(est, "precision_", 0))))


# number-or-sequence hyper-parameters and values that are not numbers
GRID_PARAMS = [
    (name, cls, param)
    for name, cls in ESTIMATORS
    for param in ("gamma", "gammas", "s")
    if param in cls().get_params()
]
BAD_NUMBERS = [np.array(3.0), "3", ["a"], [[3.0, 4.0]], [3.0, "a"], [], [np.nan],
               {"a": 1}]


@pytest.mark.parametrize("name, cls, param", GRID_PARAMS,
                         ids=[f"{n}-{p}" for n, _, p in GRID_PARAMS])
@pytest.mark.parametrize("value", BAD_NUMBERS, ids=repr)
def test_number_parameters_name_themselves(name, cls, param, value):
    X, y = _data(cls)
    est = cls(**{param: value})
    try:
        est.fit(X, y)
    except (ValueError, TypeError) as exc:
        assert param in str(exc), str(exc)
    else:
        # accepted: only values that are numbers (a 0-d array is one), and
        # the fit used them
        assert np.asarray(value).dtype.kind in "if", (name, param, value)
