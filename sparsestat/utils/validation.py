"""Input validation shared by every estimator (the kernels trust its output)."""

import numbers

import numpy as np
import scipy.sparse as sp
from scipy import linalg

# the check of gamma lives with the penalty table that holds its bounds
from sparsestat.utils.penalties import check_gamma  # noqa: F401


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
    largest = sw.max(initial=0.0)
    if largest <= 0:
        raise ValueError("sample_weight must have a positive sum (not all zero).")
    # dividing by the largest weight first keeps the sum finite for weights
    # near the float64 maximum (and away from underflow for tiny ones)
    sw = sw / largest
    uniform = bool(np.all(sw == sw[0]))
    return np.ascontiguousarray(sw / sw.sum(), dtype=dtype), uniform


def check_finite_scalar(value, name):
    """Raise ``ValueError`` naming ``name`` if ``value`` is NaN or infinite.

    Examples
    --------
    >>> from sparsestat.utils.validation import check_finite_scalar
    >>> check_finite_scalar(1.0, "alpha")
    """
    if isinstance(value, numbers.Real) and not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}.")


def check_sparse_input(X, *, name="X"):
    """Validate the structure of a sparse ``X`` and return it in canonical CSC.

    Every estimator that accepts sparse input calls this on the caller's
    matrix before anything else touches it (scipy's own conversions trust
    the index arrays and can crash on corrupt ones). Dense input is returned
    unchanged.

    The checks are complete: index arrays of an integer dtype, ``indptr``
    of the right length, starting at 0 and non-decreasing, every index
    within the shape (scipy's ``check_format(full_check=True)``; for COO the
    row and column bounds). The result is a ``csc_matrix`` with int32 index
    arrays, indices sorted within each column and duplicate entries summed
    (scipy allows duplicates and unsorted indices; the kernels need
    neither). The caller's matrix is never modified: a canonical CSC input
    shares its data (read only), anything else is converted into new arrays.

    Parameters
    ----------
    X : array-like or sparse matrix
    name : str, default="X"
        Name used in error messages.

    Returns
    -------
    X : ndarray or csc_matrix
        ``X`` itself when it is not sparse.

    Raises
    ------
    ValueError
        If the sparse structure is invalid, or X has 2**31 or more
        non-zeros, rows or columns.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> from sparsestat.utils.validation import check_sparse_input
    >>> D = sp.csc_matrix((np.array([1., 2.]), np.array([0, 0]),
    ...                    np.array([0, 2])), shape=(2, 1))
    >>> check_sparse_input(D).toarray().ravel().tolist()
    [3.0, 0.0]
    """
    if not sp.issparse(X):
        return X
    int32_max = np.iinfo(np.int32).max
    if max(X.shape) >= int32_max:
        raise ValueError(f"Sparse {name} with 2**31 or more rows or columns is not supported.")
    fmt = X.format
    try:
        if fmt in ("csr", "csc"):
            for part in ("indices", "indptr"):
                if np.asarray(getattr(X, part)).dtype.kind not in "iu":
                    raise ValueError(f"{part} must be an integer array")
            cls = sp.csc_matrix if fmt == "csc" else sp.csr_matrix
            # a shallow object of our own: check_format may reassign its
            # attributes (never the caller's arrays)
            shallow = cls((X.data, X.indices, X.indptr), shape=X.shape, copy=False)
            shallow.check_format(full_check=True)
        elif fmt == "coo":
            shallow = sp.coo_matrix((X.data, (X.row, X.col)), shape=X.shape)
        else:
            shallow = X.tocoo()
            shallow = sp.coo_matrix((shallow.data, (shallow.row, shallow.col)),
                                    shape=X.shape)
    except (ValueError, TypeError, IndexError) as exc:
        raise ValueError(f"{name} is a sparse matrix with an invalid structure: {exc}") from None
    Y = shallow.tocsc()
    if Y.nnz >= int32_max:
        raise ValueError(f"Sparse {name} with 2**31 or more non-zeros is not supported.")
    indices = np.asarray(Y.indices[: Y.nnz])
    indptr = np.asarray(Y.indptr)
    if not _is_canonical(indices, indptr):
        Y = sp.csc_matrix((np.array(Y.data[: Y.nnz]), indices.astype(np.int32),
                           indptr.astype(np.int32)), shape=X.shape, copy=False)
        # in place on the new arrays: sorts each column and sums duplicates
        Y.sum_duplicates()
    Y = csc_int32(Y)
    Y.has_canonical_format = True
    return Y


def _is_canonical(indices, indptr):
    """Whether indices strictly increase within every CSC column."""
    if indices.size < 2:
        return True
    increasing = np.diff(indices) > 0
    # a decrease is allowed across a column boundary
    boundary = indptr[1:-1]
    boundary = boundary[(boundary > 0) & (boundary < indices.size)]
    increasing[boundary - 1] = True
    return bool(increasing.all())


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


def check_count_target(y, dtype):
    """A Poisson target: finite, non-negative values (counts or rates, not
    necessarily integers), as scikit-learn's ``PoissonRegressor`` accepts.

    Returns ``y`` in ``dtype``; raises ValueError naming ``y`` otherwise.
    """
    with np.errstate(over="ignore"):
        y = np.asarray(y, dtype=dtype)
    if not np.all(np.isfinite(y)):
        raise ValueError("y contains NaN or infinity (in the dtype of X).")
    if np.any(y < 0):
        raise ValueError(
            f"y must be non-negative for the Poisson loss (counts or rates), "
            f"got min(y) = {float(y.min()):g}."
        )
    return y


def check_covariance_matrix(S, name, *, prefix="", psd=True, zero_variance=""):
    """Validate a covariance matrix given by the user.

    Square, finite, positive diagonal, symmetric up to rounding and, when
    ``psd``, positive semi-definite up to rounding (by a Cholesky
    factorisation of ``S + 1e-8 max(diag S) I``, never by eigenvalues).
    Messages read ``{prefix}{name} must ...``; ``zero_variance`` is added to
    the positive-diagonal one (what a zero variance means to the caller).
    Returns the symmetric part in float64.
    """
    S = np.asarray(S, dtype=np.float64)
    if S.ndim != 2 or S.shape[0] != S.shape[1] or S.shape[0] == 0:
        raise ValueError(
            f"{prefix}{name} must be a square covariance matrix, got shape {S.shape}."
        )
    if not np.all(np.isfinite(S)):
        # before the symmetry test, which NaN would fail with a wrong reason
        raise ValueError(
            f"{prefix}{name} must be finite; it holds NaN or infinite values."
        )
    diag = np.diag(S)
    if not np.all(diag > 0):
        bad = np.flatnonzero(~(diag > 0))
        raise ValueError(
            f"{prefix}{name} must have a positive diagonal (variances); entries "
            f"{bad[:10].tolist()} are <= 0.{zero_variance}"
        )
    scale = max(float(np.max(diag)), np.finfo(np.float64).tiny)
    if not np.allclose(S, S.T, rtol=1e-7, atol=1e-10 * scale):
        raise ValueError(f"{prefix}{name} must be symmetric (a covariance matrix).")
    S = (S + S.T) / 2
    if psd:
        try:
            linalg.cholesky(S + 1e-8 * scale * np.eye(S.shape[0]), lower=True)
        except linalg.LinAlgError:
            raise ValueError(
                f"{prefix}{name} must be positive semi-definite (a covariance "
                "matrix): its Cholesky factorisation fails beyond rounding."
            ) from None
    return S
