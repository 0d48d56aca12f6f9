"""Turn validated (X, y, sample_weight) into the arrays the CD kernels take.

The intercept is handled without centring X: the kernels receive the
weighted column means and variances and centre implicitly, so a dense
Fortran X or a CSC matrix reaches them without a copy.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sparsestat.utils.validation import csc_int32

PENALTY_CODES = {"l1": 0, "mcp": 1, "scad": 2}

# Relative size of a column's weighted variance below which the column is
# treated as constant: its coefficient is held at zero instead of dividing
# by a rounding error.
_CONSTANT_COLUMN_RTOL = 1e3


@dataclass
class Design:
    """A design matrix as the kernels see it (dense or CSC, never both)."""

    matrix: object
    dense: np.ndarray
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    is_sparse: bool
    X_mean: np.ndarray
    norms2: np.ndarray

    def kernel_args(self):
        return (self.dense, self.data, self.indices, self.indptr, self.is_sparse)


def make_design(X, sw, fit_intercept, squared=None):
    """Kernel view of ``X`` with its weighted column means and variances.

    Parameters
    ----------
    X : ndarray (Fortran-ordered) or sparse matrix, float32 or float64
    sw : ndarray of shape (n_samples,), weights summing to one
    fit_intercept : bool
        Whether the columns are centred (implicitly) by their weighted means.
    squared : sparse matrix, optional
        ``X.multiply(X)`` for sparse X, when the caller builds designs for
        many weight vectors (the proximal Newton loop) and squares X once.
    """
    dtype = X.dtype
    placeholder = np.zeros(1, dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        stats = _column_stats(X, sw, fit_intercept, dtype, squared)
    X_mean, second_moment, norms2 = stats
    if not (np.all(np.isfinite(second_moment)) and np.all(np.isfinite(norms2))):
        raise ValueError(
            f"X has values too large for {dtype}: the squared column norms "
            f"overflow (largest |X| = {float(_abs_max(X)):.3g}). Rescale X, "
            "e.g. with sklearn.preprocessing.StandardScaler or MaxAbsScaler."
        )
    if sp.issparse(X):
        X = csc_int32(X)
        dense = np.zeros((1, 1), dtype=dtype, order="F")
        data, indices, indptr = X.data, X.indices, X.indptr
        is_sparse = True
    else:
        dense, data = X, placeholder
        indices = indptr = np.zeros(1, dtype=np.intc)
        is_sparse = False
    constant = norms2 <= _CONSTANT_COLUMN_RTOL * np.finfo(dtype).eps * second_moment
    norms2 = np.where(constant, 0, norms2).astype(dtype)
    return Design(
        X,
        dense,
        data,
        indices,
        indptr,
        is_sparse,
        np.ascontiguousarray(X_mean, dtype=dtype),
        np.ascontiguousarray(norms2, dtype=dtype),
    )


def _abs_max(X):
    if sp.issparse(X):
        return np.abs(X.data).max() if X.nnz else 0.0
    return np.abs(X).max() if X.size else 0.0


def _column_stats(X, sw, fit_intercept, dtype, squared=None):
    """Weighted column means, second moments and centred variances."""
    if sp.issparse(X):
        squared = X.multiply(X) if squared is None else squared
        second_moment = np.asarray(squared.T @ sw, dtype=dtype).ravel()
        if fit_intercept:
            X_mean = np.asarray(X.T @ sw, dtype=dtype).ravel()
            norms2 = second_moment - X_mean**2
        else:
            X_mean = np.zeros(X.shape[1], dtype=dtype)
            norms2 = second_moment
        return X_mean, second_moment, norms2
    X_mean = (sw @ X).astype(dtype) if fit_intercept else np.zeros(X.shape[1], dtype)
    second_moment = np.empty(X.shape[1], dtype=dtype)
    norms2 = np.empty(X.shape[1], dtype=dtype)
    # blocks of columns keep the temporary small for large X
    for start in range(0, X.shape[1], 256):
        block = X[:, start : start + 256]
        second_moment[start : start + 256] = sw @ block**2
        centred = block - X_mean[start : start + 256]
        norms2[start : start + 256] = sw @ centred**2
    return X_mean, second_moment, norms2


def as_target(y, dtype):
    """``y`` in the dtype of X; values beyond its range become inf, which
    :func:`center_target` reports."""
    with np.errstate(over="ignore"):
        return np.asarray(y, dtype=dtype)


def center_target(y, sw, fit_intercept):
    """Return ``(y - weighted mean, weighted mean)`` (or ``(y, 0)``).

    Raises ValueError when the squared residuals of y overflow its dtype.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if fit_intercept:
            y_mean = float(sw @ y)
            y_c = np.ascontiguousarray(y - y_mean, dtype=y.dtype)
        else:
            y_mean, y_c = 0.0, np.ascontiguousarray(y)
    # the kernels square residuals in y's dtype
    largest = float(np.abs(y_c).max(initial=0.0))
    if not largest < np.sqrt(float(np.finfo(y.dtype).max) / max(y_c.size, 1)):
        raise ValueError(
            f"y has values too large for {y.dtype} (the dtype of X): the "
            "squared residuals overflow. Rescale y."
        )
    return y_c, y_mean


def precision_floor(design, residual_norm=1.0):
    """Smallest KKT tolerance that rounding in X's dtype lets a solver reach.

    Gradients are sums of products of X and residual entries, so they carry
    an error of order eps * ||residual|| * max_j ||x_j|| (weighted norms);
    asking for less than a hundred times that (reachable in float64, not
    always in float32 at large scales) would only spin until max_iter. The
    log-loss residuals y - p are at most 1, the default.
    """
    eps = float(np.finfo(design.X_mean.dtype).eps)
    x_norm = float(np.sqrt(design.norms2.max(initial=0.0)))
    return 100 * eps * residual_norm * x_norm
