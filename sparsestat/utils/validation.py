"""Input validation shared by every estimator (the kernels trust its output)."""

import numbers

import numpy as np
import scipy.sparse as sp


def check_sample_weight(sample_weight, n_samples, dtype):
    """Validate ``sample_weight`` and return it normalised to sum to one.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        Non-negative, finite weights, not all zero. ``None`` means uniform.
    n_samples : int
        Number of samples the weights must match.
    dtype : numpy dtype
        Floating dtype of the returned array.

    Returns
    -------
    sw : ndarray of shape (n_samples,)
        C-contiguous weights of ``dtype`` that sum to one.
    is_uniform : bool
        Whether all weights are equal (the kernels then use BLAS dots).

    Examples
    --------
    >>> from sparsestat.utils.validation import check_sample_weight
    >>> sw, uniform = check_sample_weight([1, 1, 2], 3, float)
    >>> sw.tolist(), uniform
    ([0.25, 0.25, 0.5], False)
    """
    if sample_weight is None:
        return np.full(n_samples, 1.0 / n_samples, dtype=dtype), True
    if sp.issparse(sample_weight):
        raise TypeError("sample_weight must be a dense array-like, got a sparse matrix.")
    sw = np.asarray(sample_weight)
    if sw.dtype.kind not in "biuf":
        raise TypeError(
            f"sample_weight must be numeric, got an array of dtype {sw.dtype}."
        )
    sw = sw.astype(np.float64, copy=False)
    if sw.ndim == 0:
        sw = np.full(n_samples, float(sw))
    if sw.ndim != 1 or sw.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight.shape == {sw.shape}, expected ({n_samples},)."
        )
    if not np.all(np.isfinite(sw)):
        raise ValueError("sample_weight must be finite (no NaN or inf).")
    if np.any(sw < 0):
        raise ValueError("sample_weight must be non-negative.")
    total = sw.sum()
    if total <= 0:
        raise ValueError("sample_weight must have a positive sum (not all zero).")
    uniform = bool(np.all(sw == sw[0]))
    return np.ascontiguousarray(sw / total, dtype=dtype), uniform


def check_gamma(penalty, gamma):
    """Check the concavity parameter ``gamma`` against the penalty.

    MCP needs ``gamma > 1`` and SCAD ``gamma > 2`` so that each coordinate
    problem on standardized features is convex (DESIGN section 3).

    Parameters
    ----------
    penalty : {"l1", "mcp", "scad"}
        Penalty name.
    gamma : float
        Concavity parameter (unused by ``"l1"``).

    Examples
    --------
    >>> from sparsestat.utils.validation import check_gamma
    >>> check_gamma("mcp", 3.0)
    >>> check_gamma("scad", 2.0)
    Traceback (most recent call last):
    ...
    ValueError: gamma must be > 2 for penalty='scad', got gamma=2.0.
    """
    bounds = {"mcp": 1.0, "scad": 2.0}
    if penalty in bounds and not gamma > bounds[penalty]:
        raise ValueError(
            f"gamma must be > {bounds[penalty]:g} for penalty={penalty!r}, "
            f"got gamma={gamma!r}."
        )


def check_finite_scalar(value, name):
    """Raise ``ValueError`` naming ``name`` if ``value`` is NaN or infinite.

    Examples
    --------
    >>> from sparsestat.utils.validation import check_finite_scalar
    >>> check_finite_scalar(1.0, "alpha")
    """
    if isinstance(value, numbers.Real) and not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}.")


def csc_int32(X):
    """Return a CSC copy-free view of ``X`` with int32 index arrays.

    The kernels take ``int`` indices; index arrays are converted only when
    scipy stored them as int64 (the data array is never copied).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from sparsestat.utils.validation import csc_int32
    >>> csc_int32(sp.eye(3, format="csc")).indices.dtype
    dtype('int32')
    """
    X = X.tocsc() if X.format != "csc" else X
    if X.nnz >= np.iinfo(np.int32).max:
        raise ValueError("Sparse X with 2**31 or more non-zeros is not supported.")
    indices = np.ascontiguousarray(X.indices, dtype=np.int32)
    indptr = np.ascontiguousarray(X.indptr, dtype=np.int32)
    data = np.ascontiguousarray(X.data)
    return sp.csc_matrix((data, indices, indptr), shape=X.shape, copy=False)
