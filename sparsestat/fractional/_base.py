"""Pieces shared by the fractional estimators: fit plumbing, design preparation."""

import warnings
from collections import namedtuple
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from sparsestat._config import user_stacklevel
from sparsestat._kernels._fractional import Selection, Solver, Status
from sparsestat.utils._param_validation import Interval, StrOptions, c_int_interval
from sparsestat.utils.validation import (
    check_finite_scalar,
    check_sparse_input,
    csc_int32,
)


def option_codes(codes, prefix):
    """Option names of a kernel enum: ``SELECTION_GREEDY_LIPSCHITZ`` is
    ``"greedy-lipschitz"``."""
    return {
        code.name.removeprefix(prefix).lower().replace("_", "-"): code
        for code in codes
    }


# the kernel's codes under the names the estimators take
SOLVERS = option_codes(Solver, "SOLVER_")
SELECTIONS = option_codes(Selection, "SELECTION_")

COMMON_CONSTRAINTS = {
    "alpha": [Interval(Real, 0, None, closed="neither")],
    "bound": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
    "solver": [StrOptions(set(SOLVERS))],
    "selection": [StrOptions(set(SELECTIONS))],
    "theta": [Interval(Real, 0, None, closed="neither")],
    "max_iter": [c_int_interval(1)],
    "tol": [Interval(Real, 0, None, closed="left")],
    "max_time": [None, Interval(Real, 0, None, closed="neither")],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


# what the kernels return: the final ratio F, the epochs run, the largest
# move of the last epoch (kernel units), a Status, the histories
KernelResult = namedtuple(
    "KernelResult",
    "ratio n_iter max_step status obj_path time_path rec_idx rec_val",
)


class DegenerateRatioWarning(UserWarning):
    """The fractional ratio has no minimiser at finite weights on these data.

    Raised by :class:`FractionalSparseRegression` when its solution puts
    large weights on near-zero columns (the ratio then tends to 1 as those
    weights grow) or presses against the automatic box.
    """


class FractionalFitMixin:
    """Validation, kernel call and fitted attributes of the fractional estimators.

    The estimators differ in their problem set-up (design, scales, start);
    they share the checks of the parameters and data, the kernel's common
    arguments, the fitted ``n_iter_``, ``objective_``, ``relative_step_``
    and histories, and the convergence warning.
    """

    def _check_params(self):
        self._validate_params()
        names = ["alpha", "theta", "tol", "max_time"]
        check_finite_params(self, names + ([] if self.bound == "auto" else ["bound"]))

    def _check_data(self, X, y, **kwargs):
        """Validated ``X`` (float, dense or canonical CSC with int32 indices), ``y``."""
        X = check_sparse_input(X)
        X, y = validate_data(
            self, X, y, accept_sparse="csc", dtype=[np.float64, np.float32], **kwargs
        )
        if sp.issparse(X):
            X = csc_int32(X)
        return X, y

    def _run_kernel(self, kernel, model_args, dtype):
        """``kernel(*model_args, <the options every kernel takes>)``."""
        rng = check_random_state(self.random_state)
        return KernelResult(*kernel(
            *model_args, SOLVERS[self.solver], SELECTIONS[self.selection],
            self.max_iter, dtype.type(self.tol), float(self.max_time or 0.0),
            seed_from(rng), bool(self.verbose), self.verbose >= 2,
        ))

    def _store_result(self, result, coef, unscale, dtype, elapsed):
        """Fitted attributes and warnings of a kernel run.

        ``coef`` are the coefficients in the caller's units; ``unscale``
        maps float64 values (coefficients, moves) from the kernel's units to
        the caller's.
        """
        max_w = float(np.max(np.abs(coef))) if coef.size else 0.0
        n_iter = int(result.n_iter)
        self.n_iter_ = n_iter
        self.objective_ = float(result.ratio)
        max_step = unscale(float(result.max_step))
        self.relative_step_ = float(max_step) / max_w if max_w > 0 else 0.0
        if self.verbose:
            self.objective_path_ = result.obj_path[: n_iter + 1].copy()
            self.time_path_ = result.time_path[: n_iter + 1].copy()
            if self.verbose >= 2:
                self.update_path_ = (
                    result.rec_idx.copy(),
                    unscale(result.rec_val.astype(np.float64)).astype(dtype),
                )
            print(
                f"[{type(self).__name__}] {n_iter} epochs, objective "
                f"{self.objective_:.6g}, relative step {self.relative_step_:.2e}, "
                f"{elapsed:.3f} s"
            )
        if result.status == Status.STATUS_MAX_ITER:
            warnings.warn(
                f"{type(self).__name__} did not converge in max_iter="
                f"{self.max_iter} epochs (relative step "
                f"{self.relative_step_:.2e} > tol={self.tol}); increase max_iter.",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def check_representable(values, what, dtype):
    """Squared column norms must be finite and not all underflowed."""
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"The {what} of X overflow in {np.dtype(dtype).name}: rescale X."
        )


def weights_too_large(what, dtype=np.float64):
    """The error of weighted sums that overflow only because of the weights."""
    return ValueError(
        f"sample_weight is too large: {what} overflows {np.dtype(dtype).name} "
        "(the loss is a "
        "weighted sum of squares); rescale sample_weight."
    )


def check_finite_params(estimator, names):
    """``Interval`` accepts inf; the fractional solvers need finite scalars."""
    for name in names:
        check_finite_scalar(getattr(estimator, name), name)


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


def contrast(X, w):
    """``w @ X`` for weights summing to zero, free of the columns' offsets.

    Each dense column is first shifted by its first entry (exact for
    entries within a factor 2 of it), so that at an offset of 1e15 spreads
    the difference of two class means keeps the digits the means lose.
    """
    n_samples, n_features = X.shape
    if sp.issparse(X) or n_samples == 0:
        return np.asarray(X.T @ w, dtype=np.float64).ravel()
    out = np.empty(n_features)
    for cols in column_blocks(n_features, n_samples):
        block = np.asarray(X[:, cols], dtype=np.float64)
        out[cols] = w @ (block - block[0])
    return out


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


def check_data_term(x_scale, what):
    """The data term in the caller's units must be representable in float64.

    The kernels work at unit scale, but ``theta_`` and the loss the user
    reads are in the caller's units, which scale with ``x_scale**2``.
    """
    with np.errstate(over="ignore"):
        if not np.isfinite(np.float64(x_scale) * x_scale):
            raise ValueError(
                f"X has values too large (column norms of order {x_scale:.3g}): "
                f"{what} overflows float64; rescale X."
            )


def unit_scale(norms, active):
    """Root mean square of the active column norms, computed without overflow."""
    values = norms[active]
    top = float(np.max(values))
    return top * float(np.sqrt(np.mean((values / top) ** 2)))


def working_design(X, centre, scale, dtype):
    """Kernel arguments of ``(X - centre) / scale`` for the kernels.

    Dense ``X``: one Fortran copy of the centred, scaled design (the centring
    in float64, block by block, then rounded to ``dtype``); ``centre`` is a
    vector of column means or a callable as in ``scaled_norms``. Sparse
    ``X`` is only scaled (copy of its data), never centred: the recovery
    kernel centres it implicitly. Returns ``(X_dense, data, indices,
    indptr, is_sparse)``; the unused side is a one-element placeholder.
    """
    if sp.issparse(X):
        data = (X.data / scale).astype(dtype) if X.nnz else np.zeros(1, dtype=dtype)
        indices = X.indices if X.nnz else np.zeros(1, dtype=np.int32)
        return (np.zeros((1, 1), dtype=dtype, order="F"), data, indices,
                np.ascontiguousarray(X.indptr, dtype=np.int32), True)
    n_samples, n_features = X.shape
    out = np.empty((n_samples, n_features), dtype=dtype, order="F")
    inverse = 1.0 / scale
    with np.errstate(over="ignore", invalid="ignore"):
        for cols in column_blocks(n_features, n_samples):
            if dtype == np.float64:
                block = out[:, cols]
                np.subtract(X[:, cols], centre(cols), out=block)
            else:
                block = np.subtract(X[:, cols], centre(cols), dtype=np.float64)
            if np.isfinite(inverse):
                block *= inverse
            else:
                block /= scale
            if dtype != np.float64:
                out[:, cols] = block
    if not np.all(np.isfinite(out)):
        raise ValueError(
            f"X has values too large for {np.dtype(dtype).name} arithmetic once "
            "centred: rescale X."
        )
    return (out, np.zeros(1, dtype=dtype), np.zeros(1, dtype=np.int32),
            np.zeros(2, dtype=np.int32), False)


def seed_from(random_state):
    """A non-zero 64-bit seed for the kernel's generator."""
    return int(random_state.randint(1, np.iinfo(np.int32).max))
