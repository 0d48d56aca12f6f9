"""Validation of the ``alphas`` grids of the CV classes and path functions,
and the choice of a grid point by an information criterion."""

from numbers import Integral

import numpy as np


def check_alpha_grid(alphas, name="alphas"):
    """Validate ``alphas``: a number of grid points or explicit values.

    Parameters
    ----------
    alphas : int or array-like of shape (n_alphas,)
        A positive integer (the number of values of an automatic grid), or
        explicit values: a non-empty 1-D array-like of finite, non-negative
        numbers.
    name : str, default="alphas"
        Name of the parameter in the error messages.

    Returns
    -------
    alphas : int or ndarray of shape (n_alphas,)
        The integer unchanged, or the values as float64 in the given order.

    Examples
    --------
    >>> from sparsestat.utils._grid import check_alpha_grid
    >>> check_alpha_grid(5)
    5
    >>> check_alpha_grid([0.1, 1.0])
    array([0.1, 1. ])
    """
    if isinstance(alphas, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be a positive integer or an array-like of floats, "
            f"got {alphas!r}."
        )
    if isinstance(alphas, Integral):
        if alphas < 1:
            raise ValueError(
                f"{name} must be a positive integer (the number of grid points) "
                f"or an array-like of floats, got {alphas!r}."
            )
        return int(alphas)
    if isinstance(alphas, str):
        raise TypeError(
            f"{name} must be a positive integer or an array-like of floats, "
            f"got the string {alphas!r}."
        )
    try:
        values = np.asarray(alphas, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a positive integer or an array-like of floats; "
            f"{alphas!r} cannot be converted to floats ({exc})."
        ) from None
    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            f"{name} must be a positive integer or a non-empty 1-D array-like, "
            f"got shape {values.shape}."
        )
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"{name} must be finite and non-negative, got {values!r}.")
    return values


def select_first_minimum(criteria, rtol=1e-8):
    """Flat index of the first entry within ``rtol`` (relative to the
    minimum's magnitude, at least 1) of the minimum, in the order of
    ``criteria``: for rows of decreasing alphas, one row per gamma, the
    first gamma, then its largest alpha (the sparsest model). MCP and SCAD
    paths hold plateaus of one model (every coefficient past ``gamma *
    alpha`` is unpenalised, so the solution does not move with alpha), whose
    criteria differ only by rounding; without the slack, which of them wins
    would depend on the order of the rows."""
    flat = np.ravel(criteria)
    best = float(flat.min())
    slack = rtol * max(abs(best), 1.0)
    return int(np.flatnonzero(flat <= best + slack)[0])


def geometric_grid(alpha_max, n_alphas, ratio=1e-2):
    """``n_alphas`` log-spaced values from ``alpha_max`` down to
    ``ratio * alpha_max`` (decreasing; ``[alpha_max]`` for one value).

    Parameters
    ----------
    alpha_max : float
        Largest value, positive.
    n_alphas : int
        Number of values, at least 1.
    ratio : float, default=1e-2
        Smallest value over the largest, in ``(0, 1]``.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)

    Examples
    --------
    >>> from sparsestat.utils._grid import geometric_grid
    >>> geometric_grid(1.0, 3)
    array([1.  , 0.1 , 0.01])
    """
    return np.logspace(np.log10(alpha_max), np.log10(alpha_max * ratio), n_alphas)


def decreasing_grid(alphas, make_grid):
    """The candidate values of a selection class, in decreasing order.

    ``alphas`` is validated by :func:`check_alpha_grid`; an integer is
    passed to ``make_grid`` (which returns that many values), explicit
    values are sorted in decreasing order.

    Examples
    --------
    >>> from sparsestat.utils._grid import decreasing_grid
    >>> decreasing_grid([0.1, 1.0, 0.5], None)
    array([1. , 0.5, 0.1])
    """
    alphas = check_alpha_grid(alphas)
    if isinstance(alphas, int):
        return np.asarray(make_grid(alphas), dtype=np.float64)
    return np.sort(alphas)[::-1]


def criterion_n_samples(n_samples, X, precomputed):
    """The ``n`` of an information criterion: ``n_samples`` for a
    precomputed covariance (required there), else the number of rows of
    ``X`` (a given ``n_samples`` must then agree with it)."""
    if precomputed:
        if n_samples is None:
            raise ValueError(
                "With covariance='precomputed', n_samples (the number of "
                "samples behind the covariance, at least 2) is required: "
                "the information criterion needs it."
            )
        return int(n_samples)
    if n_samples is not None and n_samples != X.shape[0]:
        raise ValueError(
            f"n_samples={n_samples} is for covariance='precomputed'; "
            f"X has {X.shape[0]} rows, which are the samples. Leave "
            "n_samples=None with data."
        )
    return X.shape[0]
