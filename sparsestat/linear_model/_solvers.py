"""Calls into the Cython kernels for the penalised linear problems."""

import warnings

import numpy as np

from sparsestat._config import user_stacklevel
from sparsestat._kernels._cd import cd_solve
from sparsestat.linear_model._apg_solver import solve_apg
from sparsestat.utils._design import residual_scale
from sparsestat.utils.penalties import get_penalty

# Epoch budget of one working-set phase; the outer max_iter bounds the rest.
MAX_EPOCHS = 10_000
# Smallest working set, as in skglm.
WS_START = 10

_NO_SCREENING = np.zeros(0, dtype=np.uint8)
# Most features whose centred cross-products the Gram cache holds (the
# cache's memory is at most GRAM_CAPACITY^2 floats, touched only as filled).
GRAM_CAPACITY = 4096
# Largest compact copy of cached dense columns (floats), 256 MB in float64.
COMPACT_ENTRIES = 2**25


class GramCache:
    """Centred weighted cross-products of the features CD has worked on.

    Valid for one design and one set of sample weights; a path keeps one
    across its alphas so that each feature's products are computed once.
    """

    def __init__(self, n_features, dtype, capacity=GRAM_CAPACITY, n_samples=None):
        capacity = min(n_features, capacity)
        self.gram = np.empty(capacity * capacity, dtype=dtype)
        self.cache_pos = np.full(n_features, -1, dtype=np.intc)
        self.cache_feat = np.empty(capacity, dtype=np.intc)
        self.n_cached = np.zeros(1, dtype=np.intc)
        # dense designs keep a compact copy of the cached columns (batched
        # products); only while it stays within COMPACT_ENTRIES
        if n_samples is not None and n_samples * capacity <= COMPACT_ENTRIES:
            self.compact = np.empty(n_samples * capacity, dtype=dtype)
        else:
            self.compact = np.zeros(1, dtype=dtype)

    def kernel_args(self):
        return (self.gram, self.cache_pos, self.cache_feat, self.n_cached,
                self.compact)


def solve_least_squares(design, y_c, sw, uniform, w, *, penalty, alpha, gamma,
                        positive, max_iter, tol, kkt_scale=None, sw_sum=1.0, grad=None,
                        strong=None, cache=None, gap_stop=True):
    """Run working-set CD in place on ``w``; return the kernel's counters.

    Parameters
    ----------
    design : Design
        Kernel view of X whose ``X_mean``/``norms2`` were computed with the
        weights ``sw / sw_sum``; ``norms2`` is rescaled here.
    tol : float
        Relative tolerance on the KKT violation scaled by ``kkt_scale``.
    kkt_scale : ndarray of shape (n_features,), optional
        Inverse gradient scale of each column (:meth:`Design.kkt_scale`);
        default: from the weighted RMS of ``y_c``.
    grad : ndarray of shape (n_features,), optional
        The data-term gradient at ``w`` when known (reused, then overwritten
        with the gradient at the solution); ``None`` computes it.
    strong : ndarray of bool, optional
        Strong-rule screening mask for the first working set.
    cache : GramCache, optional
        Reused across calls on the same design and weights; a fresh one is
        made otherwise.
    gap_stop : bool, default=True
        For the L1 penalty, also stop once the duality gap is at most
        ``tol * sum(sw * y_c**2)`` (scikit-learn's Lasso rule); otherwise
        only the KKT violation stops the solve.

    Returns
    -------
    n_iter, kkt, gap, converged, n_epochs, grad
    """
    dtype = design.X_mean.dtype.type
    if kkt_scale is None:
        kkt_scale = design.kkt_scale(residual_scale(y_c, sw))
    grad_valid = grad is not None
    if grad is None:
        grad = np.empty(w.shape[0], dtype=design.X_mean.dtype)
    norms2 = design.norms2 if sw_sum == 1.0 else design.norms2 * dtype(sw_sum)
    screen = _NO_SCREENING if strong is None else strong.astype(np.uint8)
    if cache is None:
        cache = GramCache(w.shape[0], design.X_mean.dtype,
                          n_samples=None if design.is_sparse else y_c.shape[0])
    if design.is_sparse:
        column_cost = design.data.shape[0] / max(w.shape[0], 1)
    else:
        column_cost = y_c.shape[0]
    n_iter, kkt, gap, converged, n_epochs = cd_solve(
        *design.kernel_args(),
        y_c,
        sw,
        not uniform,
        dtype(sw_sum),
        design.X_mean,
        norms2,
        kkt_scale,
        w,
        grad,
        grad_valid,
        screen,
        *cache.kernel_args(),
        get_penalty(penalty).code,
        dtype(alpha),
        dtype(gamma),
        bool(positive),
        int(max_iter),
        MAX_EPOCHS,
        dtype(tol),
        dtype(tol * float(sw @ (y_c * y_c)) if gap_stop else -1.0),
        WS_START,
        float(column_cost),
    )
    return n_iter, kkt, gap, converged, n_epochs, grad


# Default iteration budgets: outer working-set (or Newton) iterations for
# "cd", gradient steps for "apg"/"pgd".
DEFAULT_MAX_ITER = {"cd": 100, "apg": 20_000, "pgd": 20_000}


def resolve_max_iter(max_iter, solver):
    """The estimator's ``max_iter``, or the solver's default when None."""
    return DEFAULT_MAX_ITER[solver] if max_iter is None else int(max_iter)


def solve_squared(design, y_c, sw, uniform, w, *, solver, damping, penalty,
                  alpha, gamma, positive, max_iter, tol, grad=None, strong=None,
                  cache=None):
    """Dispatch the least-squares problem to CD or (accelerated) gradient.

    Returns
    -------
    n_iter, kkt, gap, converged, grad
        ``gap`` is the L1 duality gap for "cd" (NaN otherwise); ``grad``
        is the data-term gradient at the solution for "cd" (else None).
    """
    # the tolerance is relative: each coordinate's KKT violation is divided
    # by its column's spread times the RMS of y, so fit(c X, d y) with alpha
    # scaled by c d stops at coefficients scaled by d / c
    kkt_scale = design.kkt_scale(residual_scale(y_c, sw))
    tol = max(tol, design.precision())
    if solver == "cd":
        n_iter, kkt, gap, converged, _, grad = solve_least_squares(
            design, y_c, sw, uniform, w, penalty=penalty, alpha=alpha,
            gamma=gamma, positive=positive, max_iter=max_iter, tol=tol,
            kkt_scale=kkt_scale, grad=grad, strong=strong, cache=cache,
        )
        return n_iter, kkt, gap, converged, grad
    n_iter, kkt, converged, _ = solve_apg(
        design, y_c, sw, uniform, w, datafit="quadratic", penalty=penalty,
        alpha=alpha, gamma=gamma, positive=positive,
        damping=damping if solver == "apg" else None, max_iter=max_iter, tol=tol,
        kkt_scale=kkt_scale,
    )
    return n_iter, kkt, float("nan"), converged, None


def initial_coef(estimator, n_features, dtype):
    """Warm-start coefficients when allowed and compatible, else zeros.

    A previous ``coef_`` holding NaN or inf cannot start a solve (every
    residual would be NaN): it is ignored with a warning and the solve
    starts from zeros. Returns ``(w, warm)``, ``warm`` telling whether the
    previous coefficients were used.
    """
    coef = getattr(estimator, "coef_", None)
    if not estimator.warm_start or coef is None:
        return np.zeros(n_features, dtype=dtype), False
    coef = np.asarray(coef)
    if coef.size != n_features or coef.ndim > 2:
        return np.zeros(n_features, dtype=dtype), False
    with np.errstate(over="ignore"):
        w = coef.astype(dtype).ravel()
    if not np.all(np.isfinite(w)):
        warnings.warn(
            f"warm_start=True but the previous coef_ holds NaN or inf (in "
            f"{dtype}); starting from zeros instead.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
        return np.zeros(n_features, dtype=dtype), False
    return w, True

