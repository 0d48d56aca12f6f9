"""Pieces shared by the fractional estimators: design preparation, codes."""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from sparsestat.utils._param_validation import Interval, StrOptions, c_int_interval
from sparsestat.utils.validation import check_finite_scalar, csc_int32

# mirrored by the enums of sparsestat/_kernels/_fractional.pyx
SOLVERS = {"pcd": 0, "fcd": 1}
SELECTIONS = {"cyclic": 0, "random": 1, "greedy": 2, "greedy-lipschitz": 3}

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


def finish_fit(estimator, w, F, n_iter, n_rec, max_step, obj_path, time_path,
               rec_idx, rec_val):
    """Fitted attributes and warnings shared by both fractional estimators."""
    max_w = float(np.max(np.abs(w))) if w.size else 0.0
    estimator.n_iter_ = int(n_iter)
    estimator.objective_ = float(F)
    estimator.stop_crit_ = float(max_step) / max_w if max_w > 0 else 0.0
    if estimator.verbose:
        estimator.objective_path_ = obj_path[: n_iter + 1].copy()
        estimator.time_path_ = time_path[: n_iter + 1].copy()
        if estimator.verbose >= 2:
            estimator.update_path_ = (rec_idx[:n_rec].copy(), rec_val[:n_rec].copy())
        print(
            f"[{type(estimator).__name__}] {n_iter} epochs, objective "
            f"{float(F):.6g}, relative step {estimator.stop_crit_:.2e}, "
            f"{time_path[n_iter]:.3f} s"
        )
    stopped_by_time = (
        estimator.max_time is not None and time_path[n_iter] > estimator.max_time
    )
    if (
        n_iter == estimator.max_iter
        and not stopped_by_time
        and max_step > estimator.tol * max_w
    ):
        warnings.warn(
            f"{type(estimator).__name__} did not converge in max_iter="
            f"{estimator.max_iter} epochs (relative step "
            f"{estimator.stop_crit_:.2e} > tol={estimator.tol}); increase max_iter.",
            ConvergenceWarning,
            stacklevel=3,
        )


def check_representable(values, what, dtype):
    """Squared column norms must be finite and not all underflowed."""
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"The {what} of X overflow in {np.dtype(dtype).name}: rescale X."
        )


def check_finite_params(estimator, names):
    """``Interval`` accepts inf; the fractional solvers need finite scalars."""
    for name in names:
        check_finite_scalar(getattr(estimator, name), name)


def design_arrays(X):
    """Kernel arguments for dense (Fortran) or CSC ``X``.

    Returns ``(X_dense, data, indices, indptr, is_sparse)``; the unused side
    is a one-element placeholder that the kernel never reads.
    """
    dtype = X.dtype
    if sp.issparse(X):
        X = csc_int32(X)
        data = X.data if X.nnz else np.zeros(1, dtype=dtype)
        indices = X.indices if X.nnz else np.zeros(1, dtype=np.int32)
        return np.zeros((1, 1), dtype=dtype, order="F"), data, indices, X.indptr, True
    return (
        np.asfortranarray(X),
        np.zeros(1, dtype=dtype),
        np.zeros(1, dtype=np.int32),
        np.zeros(2, dtype=np.int32),
        False,
    )


def weighted_col_sq(X, sw):
    """``(X ** 2).T @ sw``: each column's curvature of the weighted squares.

    Overflow gives inf, which ``check_representable`` turns into an error.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if sp.issparse(X):
            return np.asarray(X.multiply(X).T @ sw).ravel()
        return (X * X).T @ sw


def record_buffers(record, n_updates, dtype):
    """Buffers for the per-update history (one slot when not recording)."""
    size = n_updates if record else 1
    return np.zeros(size, dtype=np.int32), np.zeros(size, dtype=dtype)


def seed_from(random_state):
    """A non-zero 64-bit seed for the kernel's generator."""
    return int(random_state.randint(1, np.iinfo(np.int32).max))
