"""Pieces shared by the fractional estimators: fit plumbing, design preparation."""

import warnings
from collections import namedtuple
from dataclasses import dataclass
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from sparsestat._config import user_stacklevel
from sparsestat._kernels._fractional import Selection, Solver, Status
from sparsestat.utils._design import KernelDesign, column_blocks, column_view
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


@dataclass(frozen=True)
class RatioProblem:
    """The constants of one fractional solve, in the kernel's units.

    ``alpha`` weighs the L1 norm, ``bound`` is the box, ``theta`` the
    proximal constant; ``lipschitz`` the exact curvature of the smooth
    numerator along each coordinate (in X's dtype), ``active`` the int32
    coordinates the kernel moves (see ``_kernels/_fractional.pyx``).
    """

    alpha: float
    bound: float
    theta: float
    lipschitz: np.ndarray
    active: np.ndarray


@dataclass(frozen=True)
class FractionalControl:
    """The run options every fractional kernel takes.

    ``solver`` and ``selection`` are kernel codes (``Solver``,
    ``Selection``); the solve stops after ``max_iter`` epochs, once an
    epoch's largest move is at most ``tol * max|w|`` or after ``max_time``
    seconds (0: no limit); ``seed`` starts the kernel's generator;
    ``keep_path`` records the ratio and time per epoch, ``record`` every
    coordinate move.
    """

    solver: int
    selection: int
    max_iter: int
    tol: float
    max_time: float
    seed: int
    keep_path: bool
    record: bool


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

    def _control(self):
        """The :class:`FractionalControl` of the estimator's options (draws
        the kernel's seed from ``random_state``)."""
        rng = check_random_state(self.random_state)
        return FractionalControl(
            SOLVERS[self.solver], SELECTIONS[self.selection], int(self.max_iter),
            float(self.tol), float(self.max_time or 0.0), seed_from(rng),
            bool(self.verbose), self.verbose >= 2,
        )

    def _run_kernel(self, kernel, design, problem, **model_arrays):
        """``kernel(design, problem, control, **model_arrays)`` as a
        :data:`KernelResult`."""
        return KernelResult(*kernel(design, problem, self._control(), **model_arrays))

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
    callable giving the centre of a column block, as in
    ``sparsestat.utils._design.scaled_norms``. Sparse ``X`` (canonical CSC,
    int32 indices, with entries: the estimators reject all-zero designs
    before) is only scaled (copy of its data), never centred: the recovery
    kernel centres it implicitly. Returns the
    :class:`~sparsestat.utils._design.ColumnView` of the working design.
    """
    if sp.issparse(X):
        return column_view(sp.csc_matrix(
            ((X.data / scale).astype(dtype), X.indices, X.indptr), shape=X.shape
        ))
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
    return column_view(out)


def kernel_design(view, sw, uniform, X_mean, norms2, dtype):
    """The :class:`~sparsestat.utils._design.KernelDesign` of a working design.

    ``view`` is the :class:`~sparsestat.utils._design.ColumnView` from
    :func:`working_design`, ``sw`` the sample weights (``uniform`` when all
    are equal), ``X_mean`` the means the kernel centres by implicitly
    (zeros: none) and ``norms2`` the centred sums of squares of the
    columns; the arrays are stored in ``dtype``.
    """
    sw = np.ascontiguousarray(sw, dtype=dtype)
    return KernelDesign(
        view, sw, not uniform, float(np.sum(sw, dtype=np.float64)),
        np.ascontiguousarray(X_mean, dtype=dtype),
        np.ascontiguousarray(norms2, dtype=dtype),
    )


def seed_from(random_state):
    """A non-zero 64-bit seed for the kernel's generator."""
    return int(random_state.randint(1, np.iinfo(np.int32).max))
