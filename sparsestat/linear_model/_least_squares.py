"""Working-set coordinate descent for penalised weighted least squares.

Builds the kernel's bundles (design, penalty, Gram cache, stopping rule) and
calls ``cd_solve`` of ``sparsestat/_kernels/_cd.pyx``; the least-squares
problem of the estimators and the quadratic models of the proximal Newton
loop (:mod:`~sparsestat.linear_model._prox_newton`) both come here.
"""

from dataclasses import dataclass

import numpy as np

from sparsestat._kernels._cd import cd_solve
from sparsestat.utils._design import residual_scale
from sparsestat.utils.penalties import get_penalty

# Epoch budget of one working-set phase; the outer max_iter bounds the rest.
MAX_EPOCHS = 10_000
# Smallest working set, as in skglm.
WS_START = 10


@dataclass(frozen=True)
class CDControl:
    """The stopping bundle of ``cd_solve`` (see its docstring)."""

    max_iter: int
    max_epochs: int
    tol: float
    gap_tol: float
    ws_start: int
    column_cost: float

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


def cd_least_squares(design, y_c, sw, uniform, w, *, penalty, alpha, gamma,
                     positive, max_iter, tol, kkt_scale=None, sw_sum=1.0,
                     grad=None, strong=None, cache=None, gap_stop=True,
                     weighting=None, y_norm2=None):
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
        only the KKT violation stops the solve. With ``l1_ratio < 1`` the
        elastic-net gap is computed but does not stop the solve; no gap
        exists when a feature is unpenalised (weight 0).
    weighting : PenaltyWeighting, optional
        Per-feature penalty weights and ``l1_ratio``
        (:class:`~sparsestat.utils.penalties.PenaltyWeighting`); None is
        the plain penalty.
    y_norm2 : float, optional
        ``sum(sw * y_c**2)`` when already known (a path computes it once);
        computed when None.

    Returns
    -------
    n_iter, kkt, gap, converged, n_epochs, grad
    """
    if kkt_scale is None:
        kkt_scale = design.kkt_scale(residual_scale(y_c, sw))
    grad_valid = grad is not None
    if grad is None:
        grad = np.empty(w.shape[0], dtype=design.X_mean.dtype)
    screen = _NO_SCREENING if strong is None else strong.astype(np.uint8)
    if cache is None:
        cache = GramCache(w.shape[0], design.X_mean.dtype,
                          n_samples=None if design.is_sparse else y_c.shape[0])
    if design.is_sparse:
        column_cost = design.data.shape[0] / max(w.shape[0], 1)
    else:
        column_cost = y_c.shape[0]
    control = CDControl(
        max_iter=int(max_iter),
        max_epochs=MAX_EPOCHS,
        tol=float(tol),
        gap_tol=tol * (float(sw @ (y_c * y_c)) if y_norm2 is None else y_norm2)
        if gap_stop else -1.0,
        ws_start=WS_START,
        column_cost=float(column_cost),
    )
    n_iter, kkt, gap, converged, n_epochs = cd_solve(
        design.kernel(sw, weighted=not uniform, sw_sum=sw_sum),
        get_penalty(penalty).params(alpha, gamma, positive, weighting, w.shape[0]),
        cache,
        y_c,
        w,
        grad,
        grad_valid,
        kkt_scale,
        screen,
        control,
    )
    return n_iter, kkt, gap, converged, n_epochs, grad
