"""The design matrix as the kernels see it: one builder for every family.

:func:`column_view` is the kernel-side view of a dense (Fortran) or CSC
matrix, what the column accessors of ``sparsestat/_kernels/_design.pxd``
read; :func:`make_design` adds the weighted column means and variances of
the linear models' implicit centring; :func:`weighted_mean`,
:func:`scaled_norms` and :func:`sparse_centred_norms` are the column
statistics of the fractional family's unit-scale designs.

The intercept is handled by centring X implicitly: the kernels receive the
weighted column means and variances and centre on the fly, so a dense
Fortran X or a CSC matrix reaches them without a copy. Implicit centring
computes ``x_j^T r - m_j sum(r)``, which cancels catastrophically when a
column's mean is large against its spread (a ``year`` column, UTM
coordinates, ``X + 3e6``); such dense designs are centred explicitly, on a
copy, and sparse ones (which cannot be centred without densifying) are
refused with a message.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sparsestat.utils.validation import csc_int32

# A column whose weighted centred spread is at most this many units of
# rounding of its largest value (eps * max |x_ij|) holds no information the
# dtype can represent: if its values are not all equal, the fit is refused
# rather than its coefficient silently held at zero.
_NOISE_ULPS = 100
# Implicit centring loses about eps * (|m_j| / s_j)^2 of relative gradient
# accuracy (m_j the mean, s_j the spread), which raises the reachable KKT
# tolerance (Design.precision). Dense designs where this loss exceeds
# _COPY_LOSS, or the dtype's own rounding when that is larger (float32), are
# centred on a copy, so that tolerances down to about 1e-9 stay reachable in
# float64; sparse ones where it exceeds _SPARSE_LOSS are refused (below that,
# the tolerance floor absorbs it).
_COPY_LOSS = 1e-11
_SPARSE_LOSS = 1e-4
# Columns per block in the dense statistics (keeps float64 temporaries small).
_BLOCK = 256


@dataclass(frozen=True)
class ColumnView:
    """The arrays of X that a kernel's column accessors read.

    ``dense`` is the (n, p) Fortran array, or a (1, 1) placeholder when
    ``is_sparse``; ``data``, ``indices``, ``indptr`` the int32 CSC arrays,
    or length-1 placeholders when dense (see ``_kernels/_design.pxd``).
    """

    dense: np.ndarray
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    is_sparse: bool


def column_view(X):
    """The :class:`ColumnView` of a Fortran ndarray or a CSC matrix (no copy
    of a Fortran array; sparse index arrays converted to int32 if needed)."""
    dtype = X.dtype
    if sp.issparse(X):
        X = csc_int32(X)
        return ColumnView(np.zeros((1, 1), dtype=dtype, order="F"), X.data,
                          X.indices, X.indptr, True)
    placeholder = np.zeros(1, dtype=np.intc)
    return ColumnView(X, np.zeros(1, dtype=dtype), placeholder, placeholder, False)


@dataclass(frozen=True)
class KernelDesign:
    """The design bundle a kernel reads (``_cd.pyx``, ``_apg.pyx``,
    ``_fractional.pyx``; unpacked by ``read_design`` in ``_design.pxd``).

    ``view`` is the :class:`ColumnView` of X; ``sw`` the sample weights,
    summing to ``sw_sum`` (``weighted`` False when all are equal);
    ``X_mean`` and ``norms2`` the weighted column means (zeros: no
    centring) and centred sums of squares. Arrays are in X's dtype.
    """

    view: ColumnView
    sw: np.ndarray
    weighted: bool
    sw_sum: float
    X_mean: np.ndarray
    norms2: np.ndarray


@dataclass
class Design:
    """A design matrix as the linear models' kernels see it.

    ``matrix`` is X itself, or X minus ``shift`` (a centred copy) when the
    implicit centring would be inaccurate. ``X_mean`` and ``norms2`` are the
    weighted means and centred variances of ``matrix`` (the kernels' implicit
    centring); ``X_offset = shift + X_mean`` is the mean of the original X,
    which the intercept needs. ``cancellation`` is the largest
    ``(m_j / s_j)^2`` the kernels see (see ``precision``).
    """

    matrix: object
    view: ColumnView
    X_mean: np.ndarray
    norms2: np.ndarray
    X_offset: np.ndarray
    shift: object = None
    cancellation: float = 0.0

    @property
    def is_sparse(self):
        return self.view.is_sparse

    @property
    def dense(self):
        return self.view.dense

    @property
    def data(self):
        return self.view.data

    @property
    def indices(self):
        return self.view.indices

    @property
    def indptr(self):
        return self.view.indptr

    def kernel(self, sw, *, weighted=True, sw_sum=1.0, centred=True):
        """The :class:`KernelDesign` for weights ``sw`` summing to ``sw_sum``.

        ``X_mean``/``norms2`` were computed with ``sw / sw_sum``; the sums
        of squares are rescaled to ``sw``. ``centred=False`` gives zero
        means (the logistic gradient solver centres nothing).
        """
        dtype = self.X_mean.dtype
        norms2 = self.norms2 if sw_sum == 1.0 else self.norms2 * dtype.type(sw_sum)
        X_mean = self.X_mean if centred else np.zeros_like(self.X_mean)
        return KernelDesign(self.view, np.ascontiguousarray(sw, dtype=dtype),
                            bool(weighted), float(sw_sum), X_mean, norms2)

    def precision(self):
        """Smallest relative KKT tolerance that rounding lets a solver reach.

        A gradient entry is a sum of products of column and residual
        entries: relative to the column's spread times the residual's size
        it carries an error of order eps, plus eps (m_j / s_j)^2 from the
        implicit centring. Asking for less than a hundred times that would
        only spin until max_iter.
        """
        eps = float(np.finfo(self.X_mean.dtype).eps)
        return 100 * eps * (1.0 + self.cancellation)

    def kkt_scale(self, residual_scale):
        """Per-column inverse scale of the KKT violation (zero for held columns).

        The violation of coordinate j is a gradient entry, of the size of
        ``s_j * residual_scale`` (``s_j`` the weighted spread of the column);
        dividing by it makes the tolerance independent of the units of X
        and y. ``residual_scale`` is the weighted RMS of the centred y
        (least squares) or 1 (log-loss residuals are probabilities).
        """
        scale = np.sqrt(self.norms2.astype(np.float64)) * float(residual_scale)
        with np.errstate(divide="ignore"):
            inv = np.where(scale > 0, 1.0 / scale, 0.0)
        # a residual scale at the underflow limit of float32 (y of 1e-45)
        # would make the inverse overflow the kernel's dtype
        dtype = self.X_mean.dtype
        return np.ascontiguousarray(np.minimum(inv, np.finfo(dtype).max), dtype=dtype)


def residual_scale(y_c, sw):
    """Weighted RMS of the centred target (1 when it is zero), for kkt_scale."""
    y64 = y_c.astype(np.float64)
    scale = float(np.sqrt(sw.astype(np.float64) @ (y64 * y64) / float(sw.sum())))
    return scale if scale > 0 and np.isfinite(scale) else 1.0


def make_design(X, sw, fit_intercept, checked=False):
    """Kernel view of ``X`` with its weighted column means and variances.

    Parameters
    ----------
    X : ndarray (Fortran-ordered) or CSC matrix (canonical, from
        :func:`~sparsestat.utils.validation.check_sparse_input`), float32
        or float64
    sw : ndarray of shape (n_samples,), weights summing to one
    fit_intercept : bool
        Whether the columns are centred by their weighted means.
    checked : bool, default=False
        True for a matrix that already passed these checks with other
        weights (the centred copy itself, the reweighted designs of the
        proximal Newton loop): no copy is made and nothing is refused;
        offsets only raise the precision floor, and columns of rounding
        noise are held at zero.

    Raises
    ------
    ValueError
        If the squared column norms overflow, if a non-constant column
        varies by less than the rounding of its values (an offset beyond
        what the dtype represents), or if a sparse column's offset is too
        large for implicit centring.
    """
    dtype = X.dtype
    if sp.issparse(X):
        X = csc_int32(X)
    with np.errstate(over="ignore", invalid="ignore"):
        X_mean, norms2, amax = _column_stats(X, sw, fit_intercept, need_amax=not checked)
    if not np.all(np.isfinite(norms2)) or np.any(norms2 > np.finfo(dtype).max):
        raise ValueError(
            f"X has values too large for {dtype}: the squared column norms "
            f"overflow (largest |X| = {float(amax.max(initial=0.0)):.3g}). Rescale X, "
            "e.g. with sklearn.preprocessing.StandardScaler or MaxAbsScaler."
        )
    eps = float(np.finfo(dtype).eps)
    spread = np.sqrt(norms2)
    cancellation = 0.0
    if fit_intercept:
        held = spread <= _NOISE_ULPS * eps * amax
        if held.any() and not checked:
            _check_rounding_noise(X, sw, np.flatnonzero(held), X_mean, spread,
                                  eps * amax)
            norms2[held] = 0.0
        live = ~held
        if live.any():
            cancellation = float(np.max((X_mean[live] / spread[live]) ** 2))
    if sp.issparse(X):
        if not checked and eps * cancellation > _SPARSE_LOSS:
            j = _worst_column(X_mean, spread, norms2)
            raise ValueError(
                f"Column {j} of the sparse X has a mean {abs(X_mean[j]):.6g} that "
                f"is {abs(X_mean[j]) / spread[j]:.3g} times its spread: centring "
                "it implicitly (a sparse matrix is not densified) would lose "
                f"the precision of {dtype}. Pass X as a dense array (it is "
                "then centred on a copy) or subtract the column's offset."
            )
    elif not checked and eps * cancellation > max(_COPY_LOSS, eps):
        return _centred_copy(X, sw, X_mean, norms2 > 0)
    return Design(
        X,
        column_view(X),
        np.ascontiguousarray(X_mean, dtype=dtype),
        np.ascontiguousarray(norms2, dtype=dtype),
        np.ascontiguousarray(X_mean, dtype=np.float64),
        None,
        cancellation,
    )


def _worst_column(X_mean, spread, norms2):
    ratio = np.where(norms2 > 0, np.abs(X_mean) / np.where(spread > 0, spread, 1), 0)
    return int(np.argmax(ratio))


def _centred_copy(X, sw, X_mean, live):
    """Design on ``X - X_mean`` (a Fortran copy in X's dtype)."""
    shift = np.where(live, X_mean, 0.0)
    centred = np.empty(X.shape, dtype=X.dtype, order="F")
    for start in range(0, X.shape[1], _BLOCK):
        stop = start + _BLOCK
        centred[:, start:stop] = X[:, start:stop].astype(np.float64) - shift[start:stop]
    design = make_design(centred, sw, True, checked=True)
    design.norms2[~live] = 0
    design.shift = shift
    design.X_offset = shift + design.X_offset
    return design


def _check_rounding_noise(X, sw, columns, X_mean, spread, rounding):
    """Raise unless every column in ``columns`` is exactly constant."""
    weighted = sw > 0
    for j in columns:
        if sp.issparse(X):
            col = np.zeros(X.shape[0])
            col[X.indices[X.indptr[j]:X.indptr[j + 1]]] = X.data[X.indptr[j]:X.indptr[j + 1]]
        else:
            col = np.asarray(X[:, j])
        col = col[weighted]
        if col.size == 0 or col.min() == col.max():
            continue
        raise ValueError(
            f"Column {j} of X varies by {spread[j]:.3g} (weighted standard "
            f"deviation) around a mean of {X_mean[j]:.6g}: within "
            f"{_NOISE_ULPS} units of rounding of its values in {X.dtype} "
            f"({rounding[j]:.3g}), so its centred values are mostly rounding "
            "error and no coefficient can be estimated from it. Subtract the "
            "column's offset before storing X"
            + (" in float32, or use float64." if X.dtype == np.float32 else ".")
        )


def _column_stats(X, sw, fit_intercept, need_amax=True):
    """Weighted column means, centred second moments and largest |x_ij|.

    Two passes (mean, then squares of the centred values), accumulated in
    float64 whatever X's dtype: the one-pass ``E[x^2] - E[x]^2`` loses
    every digit once a column's mean is 1e8 times its spread.
    Rows of zero weight are left out of the largest |x_ij| (zeros when
    ``need_amax`` is False).
    """
    sw64 = np.asarray(sw, dtype=np.float64)
    p = X.shape[1]
    weighted = sw64 > 0
    all_weighted = bool(weighted.all())
    amax = np.zeros(p)
    if sp.issparse(X):
        counts = np.diff(X.indptr)

        def column_sums(values, weights):
            # sum over the stored entries of each column of weights_i * values
            M = sp.csc_matrix((values, X.indices, X.indptr), shape=X.shape)
            return np.asarray(M.T @ weights, dtype=np.float64).ravel()

        data = X.data.astype(np.float64)
        X_mean = column_sums(data, sw64) if fit_intercept else np.zeros(p)
        centred = data - np.repeat(X_mean, counts) if fit_intercept else data
        norms2 = column_sums(centred * centred, sw64)
        if fit_intercept:
            ones = np.ones_like(data)
            # the implicit zeros of each column, all at distance |m_j|
            zero_w = np.maximum(float(sw64.sum()) - column_sums(ones, sw64), 0)
            # exactly zero when every weighted row is stored (the difference
            # above is rounding then, which times m_j^2 would fake a spread)
            stored = column_sums(ones, weighted.astype(np.float64))
            zero_w[stored >= np.count_nonzero(weighted)] = 0.0
            norms2 += zero_w * X_mean**2
        if need_amax and data.size:
            absdata = np.abs(data) if all_weighted else np.abs(data) * weighted[X.indices]
            nonempty = counts > 0
            amax[nonempty] = np.maximum.reduceat(absdata, X.indptr[:-1][nonempty])
        return X_mean, norms2, amax
    X_mean = np.zeros(p)
    norms2 = np.empty(p)
    for start in range(0, p, _BLOCK):
        stop = start + _BLOCK
        block = X[:, start:stop].astype(np.float64)
        if fit_intercept:
            X_mean[start:stop] = sw64 @ block
            block -= X_mean[start:stop]
        norms2[start:stop] = sw64 @ (block * block)
        if need_amax and fit_intercept and block.shape[0]:
            raw = X[:, start:stop] if all_weighted else X[weighted, start:stop]
            if raw.shape[0]:
                amax[start:stop] = np.maximum(raw.max(axis=0), -raw.min(axis=0))
    return X_mean, norms2, amax


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


# ---------------------------------------------------------------------------
# Column statistics of the fractional family's unit-scale designs (two-pass
# weighted means, overflow-safe centred norms)

# squares of numbers in this range neither overflow nor lose precision
SAFE_LOW, SAFE_HIGH = 1e-100, 1e100


def column_blocks(n_features, n_samples):
    """Column slices of about 2**22 entries: bounded float64 temporaries."""
    step = max(1, (1 << 22) // max(n_samples, 1))
    return [slice(j, min(j + step, n_features)) for j in range(0, n_features, step)]


def weighted_mean(X, w):
    """Two-pass weighted column means in float64 (``w`` sums to one).

    The second pass removes the rounding of the first, so that a column of
    mean 1e8 and spread 1 keeps its spread (the single pass loses it).
    """
    n_samples, n_features = X.shape
    if sp.issparse(X):
        # a sparse column is mostly exact zeros: one pass over its entries
        return np.asarray(X.T @ w, dtype=np.float64).ravel()
    mean = np.empty(n_features)
    for cols in column_blocks(n_features, n_samples):
        block = np.asarray(X[:, cols], dtype=np.float64)
        first = w @ block
        mean[cols] = first + w @ (block - first)
    return mean


def scaled_norms(X, sw, centre):
    """Weighted norms and largest entries of the columns of ``X - centre``.

    ``centre(cols)`` gives the centre of a column block: a row of column
    means or an ``(n_samples, len(cols))`` array of per-row centres. Blocks
    whose entries are far from 1 are divided by their largest entry before
    squaring, so that columns near the float limits neither overflow nor
    underflow.
    """
    n_samples, n_features = X.shape
    norms = np.empty(n_features)
    tops = np.empty(n_features)
    for cols in column_blocks(n_features, n_samples):
        block = np.array(X[:, cols], dtype=np.float64, order="F")
        block -= centre(cols)
        tops[cols] = top = np.max(np.abs(block), axis=0, initial=0.0)
        if np.all((top == 0) | ((top > SAFE_LOW) & (top < SAFE_HIGH))):
            norms[cols] = np.sqrt(np.einsum("i,ij,ij->j", sw, block, block))
            continue
        block /= np.where(top > 0, top, 1.0)
        norms[cols] = top * np.sqrt(np.einsum("i,ij,ij->j", sw, block, block))
    return norms, tops


def sparse_centred_norms(X, sw, groups, centres):
    """Weighted norms of ``X - C`` for sparse ``X`` without densifying it.

    Row ``s`` of column ``j`` is centred by ``centres[groups[s], j]`` (one
    group for a plain mean, the two classes for the Fisher spreads). The
    zeros of a column contribute their centre squared times their weight,
    which is taken as exactly 0 when a group has no zero in that column
    (subtracting the weights would leave a rounding residue).
    """
    X = X.tocsc()
    n_features = X.shape[1]
    cols = np.repeat(np.arange(n_features), np.diff(X.indptr))
    rows = X.indices
    g = groups[rows]
    c = centres[g, cols]
    data = X.data.astype(np.float64)
    top = max(float(np.max(np.abs(data), initial=0.0)),
              float(np.max(np.abs(centres), initial=0.0)))
    top = top if top > 0 else 1.0
    d, c, scaled = data / top, c / top, centres / top
    # (bincount of no entries is an int array: hence the float casts)
    total = np.bincount(cols, weights=sw[rows] * (d - c) ** 2,
                        minlength=n_features).astype(np.float64)
    for group in range(centres.shape[0]):
        in_group = g == group
        count = np.bincount(cols[in_group], minlength=n_features)
        weight = np.bincount(cols[in_group], weights=sw[rows][in_group],
                             minlength=n_features).astype(np.float64)
        members = groups == group
        zero_weight = np.where(
            count == np.count_nonzero(members), 0.0,
            np.maximum(float(sw[members].sum()) - weight, 0.0),
        )
        total += zero_weight * scaled[group] ** 2
    return top * np.sqrt(total)
