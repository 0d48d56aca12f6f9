"""Checks of the MTP2 family's inputs (covariance, variances) and estimates."""

import numpy as np

from sparsestat.utils.validation import check_covariance_matrix


def _check_covariance(S, name="X"):
    """Validate a covariance matrix given with covariance="precomputed"
    (see ``check_covariance_matrix``); returns its symmetric part."""
    return check_covariance_matrix(
        S, name, prefix="With covariance='precomputed', ",
        zero_variance=" A zero variance is a constant column, for which no MTP2 "
        "estimate exists: remove it.",
    )


def _check_estimate(precision):
    """The returned precision must be finite and positive definite."""
    ok = bool(np.all(np.isfinite(precision)))
    diag = np.diag(precision).astype(np.float64)
    ok = ok and bool(np.all(diag > 0))
    if ok:
        # on the unit-diagonal matrix, so that the test does not depend on
        # the units of the columns (T of X D is D^-1 T D^-1)
        root = np.sqrt(diag)
        scaled = precision / root[:, None] / root[None, :]
        try:
            pivots = np.diag(np.linalg.cholesky(scaled.astype(np.float64)))
        except np.linalg.LinAlgError:
            ok = False
        else:
            # a pivot ratio below the dtype's precision means numerically
            # singular: log-likelihoods and inverses would be garbage
            ratio = pivots.min() / pivots.max() if pivots.max() > 0 else 0.0
            ok = ratio**2 > 10 * np.finfo(precision.dtype).eps
    if not ok:
        raise ValueError(
            "No positive definite MTP2 estimate could be computed for this X in "
            f"{precision.dtype}: the estimate does not exist or is not "
            "representable (e.g. columns that are perfectly correlated, such "
            "as duplicates up to scale, with a zero penalty weight). Remove "
            "such columns or increase alpha."
        )


def _check_variances(S, magnitude=None):
    """Finite covariance without constant columns.

    A column is constant when its variance is at the rounding level of its
    own values (``magnitude``: the largest ``|X_ij|`` of each column; zero
    for a precomputed covariance), not when it is small next to another
    column's: the estimate of ``X D`` is ``D^-1 T D^-1`` whatever the
    scales.
    """
    if not np.all(np.isfinite(S)):
        raise ValueError(
            "X has values too large: its covariance overflows float64; rescale "
            "X (e.g. standardize its columns)."
        )
    zero = _constant_columns(S, magnitude)
    if zero.size:
        raise ValueError(
            f"X has constant columns (zero variance, or a spread below the "
            f"precision of the column's values, e.g. under a huge offset) at "
            f"indices {zero[:10].tolist()}; the MTP2 maximum likelihood "
            "estimate does not exist. Remove them (or centre them in higher "
            "precision)."
        )


def _constant_columns(S, magnitude=None):
    """Indices of the columns whose variance ``S_jj`` is at the rounding
    level of their own values (``magnitude``: the largest ``|X_ij|`` of each
    column, zero when unknown), or not positive."""
    diag = np.diag(S)
    if magnitude is None:
        magnitude = np.zeros_like(diag)
    rounding = (16 * np.finfo(np.float64).eps * magnitude) ** 2
    return np.flatnonzero((diag <= rounding) | (diag <= 0))
