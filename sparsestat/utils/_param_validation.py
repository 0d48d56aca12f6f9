"""The one place where scikit-learn's parameter-constraint objects are imported.

scikit-learn exposes ``Interval``/``StrOptions`` only from a private module.
Every estimator imports them from here, so that a future move upstream is a
one-line change.

Also the bounds and checks shared by every estimator's hyper-parameters:
``C_INT_MAX`` bounds every integer that reaches a kernel as a C ``int``
(iteration counts), so that ``max_iter=2**31`` is a parameter error naming
``max_iter`` rather than an ``OverflowError`` from deep inside ``fit``; and
:func:`check_float_grid` parses the number-or-sequence parameters (grids of
``gamma``, CoLiDE's ``s``) with messages that name the parameter.
"""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import (  # noqa: F401
    HasMethods,
    Hidden,
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)

__all__ = [
    "C_INT_MAX",
    "HasMethods",
    "Hidden",
    "Interval",
    "Options",
    "StrOptions",
    "c_int_interval",
    "check_float_grid",
    "validate_parameter_constraints",
]

# largest value of a C int (32 bits on every supported platform), the type
# of the kernels' iteration counters
C_INT_MAX = 2**31 - 1


def c_int_interval(low):
    """``Interval(Integral, low, C_INT_MAX, closed="both")``: an integer
    parameter that the kernels receive as a C ``int``."""
    return Interval(Integral, low, C_INT_MAX, closed="both")


def check_float_grid(value, name):
    """A number or a non-empty 1-D sequence of finite real numbers, as float64.

    Parameters
    ----------
    value : float or array-like
        The parameter's value. Booleans, strings and other non-numeric
        entries are refused (``"3"`` is not a number here, as it is not for
        scikit-learn's ``Interval``).
    name : str
        The parameter's name, used in the error message.

    Returns
    -------
    values : ndarray of shape (n_values,)
        ``np.atleast_1d`` of the value.

    Raises
    ------
    ValueError
        Naming ``name`` when the value is not such a number or sequence.
    """
    message = (
        f"{name} must be a finite real number or a non-empty 1-D sequence of "
        f"finite real numbers, got {value!r}."
    )
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        # ragged nesting, unusual objects
        raise ValueError(message) from None
    if raw.dtype.kind not in "iuf":
        if raw.dtype.kind != "O":
            raise ValueError(message)
        # a list mixing Python and numpy numbers: every entry must be real
        if not all(
            isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, bool)
            for v in raw.ravel()
        ):
            raise ValueError(message)
    values = np.atleast_1d(raw.astype(np.float64))
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(message)
    return values
