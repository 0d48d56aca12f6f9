"""Sufficient statistics of least squares: fits from a Gram matrix.

The penalised least-squares problem of :class:`NonconvexLasso` depends on
the data only through, with ``s`` the sample weights, ``m`` and ``ybar``
the weighted means (zeros without intercept) and ``S = sum_i s_i``,

    gram = sum_i s_i (x_i - m)(x_i - m)^T / S        (p x p)
    Xy   = sum_i s_i (x_i - m)(y_i - ybar) / S       (p,)
    yy   = sum_i s_i (y_i - ybar)^2 / S

since ``1/(2S) sum_i s_i (y_i - ybar - (x_i - m)^T w)^2 = yy/2 - Xy^T w +
w^T gram w / 2``, and the intercept is ``ybar - m^T w``.

The solver is the working-set CD kernel of the data-based fits, unchanged:
with the pivoted Cholesky factorisation ``gram = R^T R`` (rank ``r``) and
``z`` solving ``R^T z = Xy``, the ``(r + 1) x p`` design ``[R; 0]`` with the
target ``[z; sqrt(yy - |z|^2)]`` has exactly these statistics, so every fit
on it (path, strong rules, warm starts, duality gap, positivity) is the fit
on the original data, at O(r) per coordinate move instead of O(n). Its
Gram cache is filled with ``gram`` itself before the solve, so the working
set's epochs read the user's statistics directly. The factorisation also
checks that ``gram`` is positive semi-definite.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack, solve_triangular
from sklearn.utils.validation import check_array, check_consistent_length, validate_data

from sparsestat._config import limit_blas_threads
from sparsestat.linear_model._least_squares import GramCache
from sparsestat.utils._design import as_target, center_target, make_design
from sparsestat.utils.validation import check_sample_weight, check_sparse_input

# A column whose centred second moment is at most (this many units of
# rounding of its mean)^2 is constant up to rounding: its coefficient is
# held at zero, as make_design holds the constant columns of X.
_NOISE_ULPS = 100
# Rows per block of the dense statistics (bounded float64 temporaries).
_BLOCK_ENTRIES = 1 << 22


@dataclass(frozen=True, eq=False, repr=False)
class SufficientStatistics:
    r"""Sufficient statistics of penalised least squares.

    What :class:`NonconvexLasso` and :func:`nonconvex_path` need to fit
    from ``precompute`` alone, without the data: with sample weights
    :math:`s_i` (all one by default), :math:`S = \sum_i s_i`, the weighted
    means :math:`m = \sum_i s_i x_i / S` and :math:`\bar y` (zeros when
    ``fit_intercept=False``),

    .. math::

        G = \frac{1}{S} \sum_i s_i (x_i - m)(x_i - m)^\top, \quad
        X^\top y = \frac{1}{S} \sum_i s_i (x_i - m)(y_i - \bar y), \quad
        y^\top y = \frac{1}{S} \sum_i s_i (y_i - \bar y)^2.

    Build it with :func:`sufficient_statistics` (from numpy, scipy.sparse
    or dask arrays), or directly from statistics computed elsewhere (a
    database, Spark): the fit checks every field.

    Parameters
    ----------
    gram : ndarray of shape (n_features, n_features)
        The centred weighted Gram matrix :math:`G` (symmetric, positive
        semi-definite), float64 or float32: the fit runs in this dtype.
    Xy : ndarray of shape (n_features,)
        The centred weighted cross-products :math:`X^\top y`.
    yy : float
        The weighted mean of squares of the centred target
        :math:`y^\top y` (the duality gap and the relative tolerance need
        it).
    X_mean : ndarray of shape (n_features,)
        The weighted column means :math:`m` (zeros without intercept).
    y_mean : float
        The weighted mean of the target :math:`\bar y` (0 without intercept).
    n_samples : int
        Number of samples (rows) summarised.
    sample_weight_sum : float
        :math:`S`, the sum of the sample weights (``n_samples`` when
        unweighted).
    fit_intercept : bool
        Whether the statistics are centred; it must equal the
        ``fit_intercept`` of the estimator that uses them.

    See Also
    --------
    sufficient_statistics : compute them from data.
    NonconvexLasso : fit from them with ``precompute``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.linear_model import NonconvexLasso, sufficient_statistics
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((1000, 5))
    >>> y = X @ [2.0, 0, 0, -1.0, 0] + 0.1 * rng.standard_normal(1000) + 3
    >>> stats = sufficient_statistics(X, y)
    >>> stats.n_samples, stats.n_features, stats.gram.shape
    (1000, 5, (5, 5))
    >>> model = NonconvexLasso(alpha=0.1, precompute=stats).fit(None, None)
    >>> np.round(model.coef_, 2).tolist(), round(model.intercept_, 1)
    ([2.0, 0.0, 0.0, -1.0, 0.0], 3.0)
    """

    gram: np.ndarray
    Xy: np.ndarray
    yy: float
    X_mean: np.ndarray
    y_mean: float
    n_samples: int
    sample_weight_sum: float
    fit_intercept: bool

    @property
    def n_features(self):
        """Number of features, ``gram.shape[0]`` (None for a scalar ``gram``)."""
        shape = np.shape(self.gram)
        return shape[0] if shape else None

    def __repr__(self):
        # short, and safe on the malformed statistics a fit will refuse
        dtype = getattr(self.gram, "dtype", None)
        return (f"SufficientStatistics(n_samples={self.n_samples}, "
                f"n_features={self.n_features}, "
                f"fit_intercept={self.fit_intercept}, dtype={dtype})")


@limit_blas_threads
def sufficient_statistics(X, y, *, sample_weight=None, fit_intercept=True):
    """Compute the sufficient statistics of penalised least squares.

    The centred weighted Gram matrix ``X^T X / n``, the cross-products
    ``X^T y / n``, ``y^T y / n`` and the means (see
    :class:`SufficientStatistics`), from which :class:`NonconvexLasso` and
    :func:`nonconvex_path` fit with ``precompute`` without the data. Only
    matrix products and sums are used, so ``X``, ``y`` and
    ``sample_weight`` may be :mod:`dask.array` arrays (chunked by rows):
    the statistics are then computed where the data live, in two passes
    over it (the means, then the centred products; one pass without
    intercept), and only the ``p x p`` result comes back.

    Parameters
    ----------
    X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
        Training data.
    y : {array-like, dask array} of shape (n_samples,)
        Target values.
    sample_weight : {array-like, dask array} of shape (n_samples,), default=None
        Non-negative sample weights, not all zero.
    fit_intercept : bool, default=True
        Whether to centre by the weighted means (for a fit with intercept).

    Returns
    -------
    stats : SufficientStatistics
        In the dtype of ``X`` when it is float32, else float64 (products
        are accumulated in float64 either way).

    Notes
    -----
    For numpy and scipy.sparse input the statistics are those the
    data-based fit uses internally: the same checks of ``X`` and ``y``,
    the same weighted means and column norms, constant columns recognised
    the same way, and dense columns with a large offset centred before
    the products are formed. A sparse ``X`` is not densified: its Gram
    matrix is ``X^T diag(s) X / S - m m^T``. Memory and time are
    ``p^2`` floats and ``O(n p^2)``. BLAS runs with one thread inside this
    function by default, as in the fits that use the statistics (for dask
    input: in this process; the workers keep their own settings); opt out
    with ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.linear_model import sufficient_statistics
    >>> X = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0]])
    >>> stats = sufficient_statistics(X, [1.0, 2.0, 4.0])
    >>> (3 * stats.gram).round(12).tolist(), stats.X_mean.tolist()
    ([[2.0, 4.0], [4.0, 8.0]], [1.0, 3.0])
    >>> round(float(3 * stats.Xy[0]), 12), round(stats.y_mean, 12)
    (3.0, 2.333333333333)
    """
    if not isinstance(fit_intercept, (bool, np.bool_)):
        raise TypeError(
            f"fit_intercept must be a bool, got {type(fit_intercept).__name__}."
        )
    if any(_is_dask(a) for a in (X, y, sample_weight)):
        return _dask_statistics(X, y, sample_weight, bool(fit_intercept))
    X = check_array(check_sparse_input(X), accept_sparse="csc",
                    dtype=[np.float64, np.float32], order="F")
    y = _check_target(y, X)
    return _statistics(X, y, sample_weight, bool(fit_intercept))


def _check_target(y, X):
    y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    check_consistent_length(X, y)
    return as_target(y, X.dtype)


@dataclass
class _Moments:
    """The O(n p) part of the statistics of validated data: the design
    (means, column norms), the normalised weights and the centred target."""

    design: object
    sw: np.ndarray
    y_c: np.ndarray
    y_mean: float
    weight_sum: float

    def centre(self):
        """Float64 means of the columns of ``design.matrix`` (X, or X minus
        a shift)."""
        shift = 0.0 if self.design.shift is None else self.design.shift
        return self.design.X_offset - shift

    def cross(self, v):
        """``(M - centre)^T (sw * v)`` in float64, O(n p), held columns 0."""
        M, centre = self.design.matrix, self.centre()
        swv = self.sw * v
        if sp.issparse(M):
            out = np.asarray(M.T @ swv, dtype=np.float64).ravel()
        else:
            out = np.empty(M.shape[1])
            step = max(1, _BLOCK_ENTRIES // max(M.shape[0], 1))
            for start in range(0, M.shape[1], step):
                cols = slice(start, start + step)
                out[cols] = np.asarray(M[:, cols], dtype=np.float64).T @ swv
        out -= centre * swv.sum()
        out[self.design.norms2 == 0] = 0.0
        return out

    def column(self, j):
        """Column ``j`` of the centred weighted Gram matrix, O(n p)."""
        M = self.design.matrix
        if sp.issparse(M):
            x = np.asarray(M[:, [j]].toarray(), dtype=np.float64).ravel()
        else:
            x = np.asarray(M[:, j], dtype=np.float64)
        return self.cross(x - self.centre()[j])


def _moments(X, y, sample_weight, fit_intercept):
    n_samples = X.shape[0]
    sw, _ = check_sample_weight(sample_weight, n_samples, np.float64)
    design = make_design(X, sw, fit_intercept)
    y_c, y_mean = center_target(y.astype(np.float64), sw, fit_intercept)
    return _Moments(design, sw, y_c, float(y_mean),
                    _weight_sum(sample_weight, n_samples))


def _statistics(X, y, sample_weight, fit_intercept, gram=None):
    """The statistics of a validated X (Fortran or canonical CSC) and y;
    with ``gram`` given (float64, already checked), only the O(n p) rest."""
    mom = _moments(X, y, sample_weight, fit_intercept)
    design, sw, y_c = mom.design, mom.sw, mom.y_c
    if gram is None:
        if sp.issparse(design.matrix):
            gram = _sparse_products(design.matrix, mom.centre(), sw)
        else:
            gram = _dense_products(design.matrix, mom.centre(), sw)
        live = design.norms2 > 0
        # the diagonal is the data-based fit's own curvature (two-pass
        # column norms); held columns have no cross-products
        gram[np.diag_indices_from(gram)] = design.norms2
        gram[~live, :] = 0.0
        gram[:, ~live] = 0.0
    dtype = X.dtype
    return SufficientStatistics(
        gram=np.ascontiguousarray(gram, dtype=dtype),
        Xy=mom.cross(y_c).astype(dtype),
        yy=float(sw @ (y_c * y_c)),
        X_mean=design.X_offset.astype(dtype),
        y_mean=mom.y_mean,
        n_samples=int(X.shape[0]),
        sample_weight_sum=mom.weight_sum,
        fit_intercept=fit_intercept,
    )


def _weight_sum(sample_weight, n_samples):
    if sample_weight is None:
        return float(n_samples)
    raw = np.broadcast_to(np.asarray(sample_weight, dtype=np.float64), (n_samples,))
    return float(raw.sum())


def _dense_products(M, centre, sw):
    """``(M - centre)^T diag(sw) (M - centre)`` in float64, by blocks of rows."""
    n_samples, n_features = M.shape
    gram = np.zeros((n_features, n_features))
    step = max(1, _BLOCK_ENTRIES // max(n_features, 1))
    for start in range(0, n_samples, step):
        rows = slice(start, start + step)
        block = np.asarray(M[rows], dtype=np.float64) - centre
        root = np.sqrt(sw[rows])
        block *= root[:, None]
        # B^T B is a symmetric rank-k update
        gram += block.T @ block
    return _symmetric(gram)


def _sparse_products(M, X_mean, sw):
    """The centred Gram matrix of a CSC matrix, without densifying it: the
    implicit centring of the kernels' Gram cache (sw sums to one)."""
    M64 = sp.csc_matrix(M, dtype=np.float64)
    weighted = sp.diags(sw) @ M64
    gram = np.asarray((M64.T @ weighted).todense()) - np.outer(X_mean, X_mean)
    return _symmetric(gram)


def _symmetric(A):
    return 0.5 * (A + A.T)


def _is_dask(a):
    # the dask collection protocol: nothing is imported for other arrays
    return hasattr(a, "__dask_graph__") and a.__dask_graph__() is not None


def _dask_statistics(X, y, sample_weight, fit_intercept):
    """The statistics of dask arrays: two lazy passes, computed by dask."""
    import dask
    import dask.array as da

    X = da.asarray(X)
    y = da.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got a dask array of shape {X.shape}.")
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    if X.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        raise TypeError(
            f"X and y must be numeric, got dtypes {X.dtype} and {y.dtype}."
        )
    n_samples, n_features = X.shape
    if y.shape[0] != n_samples:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: "
            f"[{n_samples}, {y.shape[0]}]"
        )
    if n_samples < 1 or n_features < 1:
        raise ValueError(f"X of shape {X.shape}: at least one sample and one "
                         "feature are required.")
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    X64 = X.astype(np.float64)
    # y is rounded to X's dtype, as the data-based fit does
    y64 = y.astype(dtype).astype(np.float64)
    if sample_weight is None:
        sw = da.ones(n_samples, chunks=X.chunks[0])
    else:
        sw = da.asarray(sample_weight).astype(np.float64)
        if sw.ndim != 1 or sw.shape[0] != n_samples:
            raise ValueError(
                f"sample_weight.shape == {sw.shape}, expected ({n_samples},)."
            )
        sw = sw.rechunk(X.chunks[0])
    y64 = y64.rechunk(X.chunks[0])
    weight_sum, smallest, sx, sy = dask.compute(
        sw.sum(), sw.min(), sw @ X64, sw @ y64)
    if not (np.isfinite(weight_sum) and smallest >= 0 and weight_sum > 0):
        raise ValueError(
            "sample_weight must be finite, non-negative and not all zero "
            f"(smallest {smallest:.3g}, sum {weight_sum:.3g})."
        )
    X_mean = sx / weight_sum if fit_intercept else np.zeros(n_features)
    y_mean = float(sy / weight_sum) if fit_intercept else 0.0
    Xc = X64 - X_mean
    yc = y64 - y_mean
    Xw = Xc * (sw / weight_sum)[:, None]
    gram, Xy, yy = dask.compute(Xc.T @ Xw, Xw.T @ yc,
                                (sw * yc * yc).sum() / weight_sum)
    gram = _symmetric(np.asarray(gram, dtype=np.float64))
    Xy = np.asarray(Xy, dtype=np.float64)
    if not (np.all(np.isfinite(gram)) and np.all(np.isfinite(Xy))
            and np.all(np.isfinite(X_mean)) and np.isfinite(yy)):
        raise ValueError(
            "The statistics are not finite: X, y or sample_weight contain "
            "NaN or infinity, or values too large."
        )
    return SufficientStatistics(
        gram=np.ascontiguousarray(gram, dtype=dtype),
        Xy=Xy.astype(dtype),
        yy=float(yy),
        X_mean=np.asarray(X_mean, dtype=dtype),
        y_mean=y_mean,
        n_samples=int(n_samples),
        sample_weight_sum=float(weight_sum),
        fit_intercept=fit_intercept,
    )


# ---------------------------------------------------------------------------
# Checks of the statistics a fit receives


def _error(message):
    return ValueError(f"precompute: {message}")


def _float_array(value, field, dtype=None):
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - reported with the field name
        raise TypeError(f"precompute: {field} is not an array ({exc}).") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"precompute: {field} must be numeric, got dtype {arr.dtype}.")
    if dtype is None:
        dtype = np.float32 if arr.dtype == np.float32 else np.float64
    return arr.astype(dtype)


def _float_scalar(value, field):
    arr = _float_array(value, field, np.float64)
    if arr.ndim != 0:
        raise _error(f"{field} must be a scalar, got shape {arr.shape}.")
    if not np.isfinite(arr):
        raise _error(f"{field} is not finite ({float(arr)}).")
    return float(arr)


def check_statistics(stats):
    """Validate a :class:`SufficientStatistics`; return it with numpy arrays
    (``gram`` symmetrised, constant columns' rows and columns zeroed).

    Raises ValueError or TypeError naming ``precompute`` for wrong shapes,
    non-finite values, a ``gram`` that is not symmetric, and negative
    moments; positive semi-definiteness is checked by :func:`gram_design`.
    """
    if not isinstance(stats, SufficientStatistics):
        raise TypeError(
            "precompute must be False, True, an array-like Gram matrix or a "
            f"SufficientStatistics, got {type(stats).__name__}."
        )
    gram = _float_array(stats.gram, "gram")
    dtype = gram.dtype
    if gram.ndim != 2 or gram.shape[0] != gram.shape[1] or gram.shape[0] < 1:
        raise _error(f"gram must be a square matrix with at least one row, got "
                     f"shape {gram.shape}.")
    p = gram.shape[0]
    Xy = _float_array(stats.Xy, "Xy", dtype)
    X_mean = _float_array(stats.X_mean, "X_mean", np.float64)
    for field, arr in (("Xy", Xy), ("X_mean", X_mean)):
        if arr.shape != (p,):
            raise _error(f"{field} must have shape ({p},) to match gram of shape "
                         f"{gram.shape}, got {arr.shape}.")
    for field, arr in (("gram", gram), ("Xy", Xy), ("X_mean", X_mean)):
        if not np.all(np.isfinite(arr)):
            raise _error(f"{field} contains NaN or infinity.")
    yy = _float_scalar(stats.yy, "yy")
    y_mean = _float_scalar(stats.y_mean, "y_mean")
    weight_sum = _float_scalar(stats.sample_weight_sum, "sample_weight_sum")
    n_samples = stats.n_samples
    if (isinstance(n_samples, (bool, np.bool_))
            or not isinstance(n_samples, (int, np.integer)) or n_samples < 1):
        raise _error(f"n_samples must be a positive integer, got {n_samples!r}.")
    if not isinstance(stats.fit_intercept, (bool, np.bool_)):
        raise _error(f"fit_intercept must be a bool, got {stats.fit_intercept!r}.")
    if yy < 0 or weight_sum <= 0:
        raise _error(f"yy must be >= 0 and sample_weight_sum > 0, got {yy} and "
                     f"{weight_sum}.")
    if not stats.fit_intercept and (y_mean != 0 or np.any(X_mean != 0)):
        raise _error("statistics without intercept (fit_intercept=False) must "
                     "have zero X_mean and y_mean.")
    diag = np.diag(gram).astype(np.float64)
    if np.any(diag < 0):
        j = int(np.argmin(diag))
        raise _error(f"gram is not positive semi-definite: gram[{j}, {j}] = "
                     f"{diag[j]:.3g} < 0.")
    eps = float(np.finfo(dtype).eps)
    g64 = gram.astype(np.float64)
    scale = np.sqrt(np.outer(diag, diag))
    asym = np.abs(g64 - g64.T)
    bad = asym > np.sqrt(eps) * scale
    if bad.any():
        a, b = np.unravel_index(int(np.argmax(np.where(bad, asym, -1))), gram.shape)
        raise _error(f"gram is not symmetric: gram[{a}, {b}] = {g64[a, b]:.6g} but "
                     f"gram[{b}, {a}] = {g64[b, a]:.6g}.")
    g64 = _symmetric(g64)
    held = diag <= (_NOISE_ULPS * eps * np.abs(X_mean)) ** 2
    if held.any():
        # a positive semi-definite matrix has |G_ab| <= sqrt(G_aa G_bb):
        # what a constant column correlates with is rounding at most
        bound = 2 * np.sqrt(np.outer(diag, np.maximum(diag, (
            _NOISE_ULPS * eps * np.abs(X_mean)) ** 2)))
        cross = np.abs(g64[:, held]) > bound[:, held]
        if cross.any():
            a, b = np.argwhere(cross)[0]
            j = int(np.flatnonzero(held)[b])
            raise _error(f"gram is not positive semi-definite: gram[{j}, {j}] = "
                         f"{diag[j]:.3g} but gram[{a}, {j}] = {g64[a, j]:.3g}.")
        g64[held, :] = 0.0
        g64[:, held] = 0.0
    Xy64 = Xy.astype(np.float64)
    Xy64[held] = 0.0
    return SufficientStatistics(
        gram=g64.astype(dtype), Xy=Xy64.astype(dtype), yy=yy, X_mean=X_mean,
        y_mean=y_mean, n_samples=int(n_samples), sample_weight_sum=weight_sum,
        fit_intercept=bool(stats.fit_intercept),
    )


@dataclass
class GramDesign:
    """A least-squares problem with the statistics of :class:`SufficientStatistics`.

    ``X`` (Fortran, ``(r + 1) x p``), ``y`` and the uniform weights ``sw``
    (summing to one) are the square-root design of the module docstring,
    to be solved without intercept; ``cache`` the Gram cache filled with
    the statistics' ``gram``; the intercept of coefficients ``w`` is
    :meth:`intercept`.
    """

    X: np.ndarray
    y: np.ndarray
    sw: np.ndarray
    cache: GramCache
    X_mean: np.ndarray
    y_mean: float
    fit_intercept: bool

    def intercept(self, w):
        """``y_mean - X_mean^T w`` (0 without intercept); ``w`` may hold
        one column per alpha."""
        if not self.fit_intercept:
            return 0.0 if np.ndim(w) == 1 else np.zeros(np.shape(w)[1])
        return self.y_mean - self.X_mean @ np.asarray(w, dtype=np.float64)


def gram_design(stats):
    """The :class:`GramDesign` of checked statistics (:func:`check_statistics`).

    Raises ValueError naming ``precompute`` when ``gram`` is not positive
    semi-definite (an eigenvalue below ``-sqrt(eps)`` on the scale of its
    diagonal) or when ``Xy`` and ``yy`` cannot come from the same data as
    ``gram`` (``Xy`` outside its range, or more than ``yy`` explained).
    """
    gram = np.asarray(stats.gram)
    dtype = gram.dtype
    eps = float(np.finfo(dtype).eps)
    p = gram.shape[0]
    g64 = gram.astype(np.float64)
    diag = np.diag(g64).copy()
    live = np.flatnonzero(diag > 0)
    yy = stats.yy
    Xy = np.asarray(stats.Xy, dtype=np.float64)
    rank, explained = 0, 0.0
    # uniform weights 1/n_rows with rows scaled by sqrt(n_rows): the
    # kernel's 1/2 sum sw r^2 is then yy/2 - Xy^T w + w^T gram w/2
    if live.size:
        # unit diagonal: rank and definiteness decided on the correlation
        # scale, whatever the units of the columns
        root = np.sqrt(diag[live])
        corr = g64[np.ix_(live, live)] / np.outer(root, root)
        # corr is symmetric: its transpose is the Fortran array LAPACK
        # factors in place
        c, piv, rank, info = lapack.dpstrf(corr.T, tol=live.size * eps, lower=0,
                                           overwrite_a=1)
        del corr
        if info < 0:  # pragma: no cover - LAPACK argument error
            raise RuntimeError(f"dpstrf failed (info={info}).")
        piv = piv - 1
        factor = np.triu(c[:rank])
        del c
        if rank < live.size:
            # what the factor leaves of corr: its Schur complement, whose
            # smallest eigenvalue bounds corr's from below
            rest = piv[rank:]
            schur = (g64[np.ix_(live[rest], live[rest])]
                     / np.outer(root[rest], root[rest])
                     - factor[:, rank:].T @ factor[:, rank:])
            lowest = float(np.linalg.eigvalsh(_symmetric(schur))[0])
            if lowest < -np.sqrt(eps):
                raise _error(
                    "gram is not positive semi-definite (an eigenvalue of "
                    f"{lowest:.3g} on the scale of its diagonal): it is not "
                    "the Gram matrix of any data."
                )
        # factor^T z = Xy on the correlation scale, permuted
        b = (Xy[live] / root)[piv]
        ytil = solve_triangular(factor[:, :rank], b[:rank], trans="T", lower=False)
        tol = eps ** 0.25
        if rank < live.size:
            miss = np.abs(b[rank:] - factor[:, rank:].T @ ytil)
            if miss.max() > tol * max(np.sqrt(yy), np.abs(b).max()):
                raise _error(
                    "Xy is not in the range of gram: the cross-products "
                    "cannot come from the same data as the Gram matrix."
                )
        explained = float(ytil @ ytil)
        if explained > yy * (1 + tol) + eps * np.abs(b).max() ** 2:
            raise _error(
                f"yy = {yy:.6g} is smaller than the part of it that gram and "
                f"Xy explain ({explained:.6g}): the statistics cannot come "
                "from one data set (is every one centred and divided by the "
                "same sum of weights?)."
            )
        lift = np.sqrt(rank + 1)
        X = np.zeros((rank + 1, p), dtype=dtype, order="F")
        X[:rank, live[piv]] = factor * (root[piv] * lift)
        y = np.zeros(rank + 1)
        y[:rank] = ytil * lift
    else:
        lift = 1.0
        X = np.zeros((1, p), dtype=dtype, order="F")
        y = np.zeros(1)
    y[rank] = np.sqrt(max(yy - explained, 0.0)) * lift
    y = np.ascontiguousarray(y, dtype=dtype)
    sw = np.full(rank + 1, 1.0 / (rank + 1), dtype=dtype)
    return GramDesign(X, y, sw, _filled_cache(g64, dtype),
                      np.asarray(stats.X_mean, dtype=np.float64), stats.y_mean,
                      stats.fit_intercept)


def _filled_cache(gram, dtype):
    """A GramCache holding every feature: the statistics' own Gram matrix."""
    p = gram.shape[0]
    cache = GramCache(p, dtype, capacity=p)
    cache.gram = np.ascontiguousarray(gram, dtype=dtype).ravel()
    cache.cache_pos[:] = np.arange(p, dtype=np.intc)
    cache.cache_feat[:] = np.arange(p, dtype=np.intc)
    cache.n_cached[0] = p
    return cache


# ---------------------------------------------------------------------------
# The estimators' entry point


def _gram_from_array(precompute, X, y, sample_weight, fit_intercept):
    """Statistics from X and y with the user's Gram matrix (scikit-learn's
    ``Lasso(precompute=array)``: ``(X - m)^T diag(s') (X - m)`` with the
    weights ``s'`` rescaled to sum to n_samples), checked against X (its
    diagonal and middle column: O(n p), as the rest of the statistics)."""
    p = X.shape[1]
    gram = _float_array(precompute, "the Gram matrix")
    if gram.shape != (p, p):
        raise _error(f"the Gram matrix must have shape ({p}, {p}) to match X, got "
                     f"{gram.shape}.")
    if not np.all(np.isfinite(gram)):
        raise _error("the Gram matrix contains NaN or infinity.")
    given = gram.astype(np.float64) / X.shape[0]
    mom = _moments(X, y, sample_weight, fit_intercept)
    _check_against(given, mom, X.dtype,
                   "the Gram matrix does not match X (it must be that of X "
                   "centred by its weighted means when fit_intercept=True, "
                   "as in scikit-learn's Lasso(precompute=...))")
    return _statistics(X, y, sample_weight, fit_intercept, gram=given)


def _rtol(dtype):
    # scikit-learn's tolerances for its single-element Gram check
    return 1e-4 if dtype == np.float32 else 1e-7


def _check_against(given, mom, dtype, message):
    """Compare the diagonal and the middle column of a given Gram matrix
    with those of the data (:class:`_Moments`)."""
    diag = mom.design.norms2.astype(np.float64)
    j = given.shape[0] // 2
    scale = np.sqrt(diag * diag[j])
    rtol = _rtol(dtype)
    tiny = 1e-12 * max(float(diag.max()), 1e-300)
    for got, want, bound in ((np.diag(given), diag, diag),
                             (given[:, j], mom.column(j), scale)):
        off = np.abs(got - want) > rtol * bound + tiny
        if off.any():
            k = int(np.flatnonzero(off)[0])
            raise _error(f"{message}: entry {k} differs ({got[k]:.6g} given, "
                         f"{want[k]:.6g} from X).")


def _check_consistent(stats, X, y, sample_weight):
    """Check statistics against the X, y (and weights) of the same fit."""
    if X.shape[1] != stats.n_features:
        raise _error(f"the statistics have {stats.n_features} features but X has "
                     f"{X.shape[1]}.")
    if X.shape[0] != stats.n_samples:
        raise _error(f"the statistics summarise {stats.n_samples} samples but X has "
                     f"{X.shape[0]}.")
    # the O(n p) part of the statistics, recomputed
    mom = _moments(X, y, sample_weight, stats.fit_intercept)
    design, sw, y_c = mom.design, mom.sw, mom.y_c
    rtol = _rtol(X.dtype)
    norms2 = design.norms2.astype(np.float64)
    spread = np.sqrt(norms2)
    yscale = np.sqrt(float(sw @ (y_c * y_c)))
    checks = [
        ("X_mean", stats.X_mean, design.X_offset, spread + np.abs(design.X_offset)),
        ("the diagonal of gram", np.diag(stats.gram), norms2, norms2),
        ("y_mean", stats.y_mean, mom.y_mean, yscale + abs(mom.y_mean)),
        ("yy", stats.yy, yscale**2, yscale**2),
        ("Xy", stats.Xy, mom.cross(y_c), spread * yscale),
    ]
    for name, got, want, bound in checks:
        got = np.atleast_1d(np.asarray(got, dtype=np.float64))
        want = np.atleast_1d(np.asarray(want, dtype=np.float64))
        off = np.abs(got - want) > rtol * np.atleast_1d(bound) + 1e-300
        if off.any():
            k = int(np.flatnonzero(off)[0])
            raise _error(f"the statistics do not match X and y: {name} "
                         f"({got[k]:.6g}) differs from the value computed from "
                         f"the data ({want[k]:.6g}).")


def resolve_precompute(precompute, X, y, sample_weight, *, fit_intercept,
                       estimator=None):
    """The :class:`GramDesign` of a fit with ``precompute`` (True, a Gram
    array or :class:`SufficientStatistics`).

    Validates X and y (with ``validate_data`` on ``estimator`` when given,
    which sets ``n_features_in_``); both may be None when ``precompute``
    holds statistics, and ``estimator.n_features_in_`` is then set from them.
    """
    from_stats = isinstance(precompute, SufficientStatistics)
    if from_stats:
        stats = check_statistics(precompute)
        if stats.fit_intercept != fit_intercept:
            raise _error(
                f"the statistics were computed with fit_intercept="
                f"{stats.fit_intercept} but the fit has fit_intercept="
                f"{fit_intercept}: compute them with the fit's setting."
            )
    if (X is None) != (y is None):
        raise ValueError("precompute: pass both X and y, or neither (with "
                         "SufficientStatistics in precompute).")
    if X is None:
        if not from_stats:
            raise ValueError(
                "X and y are required unless precompute is a "
                "SufficientStatistics (see sufficient_statistics)."
            )
        if sample_weight is not None:
            raise ValueError(
                "precompute: sample_weight must be None when fitting from "
                "statistics alone: the weights are part of the statistics "
                "(pass them to sufficient_statistics)."
            )
        if estimator is not None:
            estimator.n_features_in_ = stats.n_features
            if hasattr(estimator, "feature_names_in_"):
                del estimator.feature_names_in_
        return gram_design(stats)
    X = check_sparse_input(X)
    if estimator is not None:
        X, y = validate_data(estimator, X, y, accept_sparse="csc",
                             dtype=[np.float64, np.float32], order="F",
                             y_numeric=True)
    else:
        X = check_array(X, accept_sparse="csc", dtype=[np.float64, np.float32],
                        order="F")
    y = _check_target(y, X)
    if from_stats:
        _check_consistent(stats, X, y, sample_weight)
    elif precompute is True:
        stats = _statistics(X, y, sample_weight, fit_intercept)
    else:
        stats = _gram_from_array(precompute, X, y, sample_weight, fit_intercept)
    return gram_design(check_statistics(stats))
