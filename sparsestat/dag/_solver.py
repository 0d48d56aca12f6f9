"""CoLiDE solver: central path of accelerated proximal-gradient stages.

Stage ``k`` minimises, over ``W`` with zero diagonal and
``rho(W∘W) < s_k``,

    F(W) = mu_k * (S(W) + alpha * ||W||_1) + h_{s_k}(W),
    h_s(W) = -log det(sI - W∘W) + d log s,

where ``S`` is the CoLiDE score with the noise scales at their closed-form
minimisers (DESIGN section 4). Minimising the joint score in the scales
first is exact (block minimisation), and by the envelope theorem the
gradient of ``S`` in ``W`` is the partial gradient at those scales:
``-C(I-W) diag(1/sigma)``. The smooth part ``f = mu S + h_s`` is handled by
gradient steps, the L1 term by its prox (soft thresholding), with FISTA
momentum, a backtracking line search that also rejects points outside the
M-matrix domain (the unpivoted LU of ``_kernels._colide``), and a restart of
the momentum whenever the objective goes up.

The iteration loop of a stage is ``_kernels._colide.fista_stage`` (without
the GIL: at d = 20..50 Python overhead was a third to most of an iteration,
profiled); this module keeps the central path and ``_Point``, the same
quantities evaluated through the kernel's building blocks, for the stage
starts and for the tests. Cost per iteration: one product ``C @ W`` per
trial point (``C(I-W)`` at the extrapolated point is the same combination of
stored products, since it is linear in W), one LU per trial point, one
inverse (LAPACK getri on the LU already computed) per gradient.
"""

import numpy as np
from scipy.linalg.lapack import dgetri

from sparsestat._kernels._colide import (
    StageStatus,
    colide_score,
    fista_stage,
    gradient_and_metric,
    mmatrix_factor,
    noise_scales,
    residual_variances,
)

# Step-size growth after an accepted step, so that a step shrunk near the
# domain boundary can grow back when the iterates move away from it.
_STEP_GROWTH = 1.1


def _empty(d):
    return np.empty((d, d), order="F")


class _Point:
    """Everything the solver knows at one W: products, scales, LU, objective.

    All matrices are Fortran-ordered float64 (the kernels' layout).
    """

    __slots__ = ("W", "CW", "P", "sigma", "score", "lu", "h", "smooth", "_inv")

    def __init__(self, W, CW, problem):
        self.W = W = np.asfortranarray(W, dtype=np.float64)
        self.CW = CW = np.asfortranarray(CW, dtype=np.float64)
        self._inv = None
        d = W.shape[0]
        # A = sI - W∘W, factored without pivoting: the M-matrix test
        self.lu = _empty(d)
        n_positive, logdet = mmatrix_factor(W, problem.s, self.lu)
        if n_positive < d:
            self.lu = None
            return
        self.h = -logdet + d * np.log(problem.s)
        self.P = _empty(d)  # C (I - W)
        resid = np.empty(d)
        residual_variances(problem.C, W, CW, self.P, resid)
        self.sigma = noise_scales(resid, problem.equal, problem.sigma_min)
        self.score = colide_score(resid, self.sigma)
        self.smooth = problem.mu * self.score + self.h

    @property
    def feasible(self):
        return self.lu is not None

    def gradient_and_metric(self, problem):
        """Gradient of the smooth part ``mu S + h_s`` and its diagonal metric.

        The metric is the diagonal of the Hessian: ``d^2 h / dW_ij^2 =
        2 A^{-1}_ji + 4 W_ij^2 (A^{-1}_ji)^2`` exactly (``A^{-1} >= 0`` on the
        domain), and ``mu C_ii / sigma_j`` for the score at fixed scales. The
        log-det barrier makes the problem badly conditioned near the DAG
        boundary (``A^{-1}`` grows like products of ``w^2/s`` along paths);
        this scaling of the proximal step absorbs most of it at no cost,
        since ``A^{-1}`` is already computed for the gradient.
        """
        d = self.W.shape[0]
        if self._inv is None:
            # A^{-1} from the unpivoted LU: getri with the identity permutation
            self._inv, info = dgetri(self.lu, problem.identity_piv)
            if info != 0:
                raise np.linalg.LinAlgError("getri failed on an M-matrix factor.")
        grad = _empty(d)
        metric = _empty(d)
        gradient_and_metric(
            self.W, self.P, self._inv, self.sigma, problem.C_diag,
            problem.mu, grad, metric,
        )
        return grad, metric


class _Problem:
    """Data and constants of one stage of the central path."""

    def __init__(self, C, noise, alpha, sigma_min, forbidden=None, required=None):
        self.C = np.asfortranarray(C, dtype=np.float64)
        # prior knowledge, in the kernel's layout; None keeps the plain
        # problem (and its arithmetic) unchanged
        self.frozen = (None if forbidden is None
                       else np.asfortranarray(forbidden, dtype=np.uint8))
        self.l1_weights = (None if required is None
                           else np.asfortranarray(~np.asarray(required, dtype=bool),
                                                  dtype=np.float64))
        self.C_diag = np.ascontiguousarray(np.diagonal(self.C))
        self.d = C.shape[0]
        self.identity_piv = np.arange(self.d, dtype=np.int32)
        self.equal = noise == "equal"
        self.alpha = alpha
        self.sigma_min = sigma_min
        self.mu = 1.0
        self.s = 1.0


def residual_variances_of(C, W):
    """``diag((I-W)^T C (I-W))``: the residual variance of each node (>= 0)."""
    C = np.asfortranarray(C, dtype=np.float64)
    W = np.asfortranarray(W, dtype=np.float64)
    d = W.shape[0]
    resid = np.empty(d)
    residual_variances(C, W, np.asfortranarray(C @ W), _empty(d), resid)
    return resid


def noise_scales_and_score(C, W, equal, sigma_min):
    """Closed-form noise scales and the CoLiDE score ``S`` at ``W``.

    With ``r = diag((I-W)^T C (I-W))``: EV ``sigma = sqrt(sum(r) / d)``, NV
    ``sigma_j = sqrt(r_j)``, both floored at ``sigma_min``; then
    EV ``S = sum(r)/(2 sigma) + d sigma/2``,
    NV ``S = sum_j r_j/(2 sigma_j) + sigma_j/2``. The kernel's functions, the
    ones every iteration of the stages evaluates.

    Returns
    -------
    sigma : ndarray of shape (1,) (EV) or (d,) (NV)
    score : float
    """
    resid = residual_variances_of(C, W)
    sigma = noise_scales(resid, equal, sigma_min)
    return sigma, colide_score(resid, sigma)


def solve_stage(problem, start, max_iter, tol, step):
    """Minimise one stage from a feasible point (``_kernels._colide.fista_stage``).

    The entries of ``problem.frozen`` stay zero if they are zero in ``start``.

    Parameters
    ----------
    problem : _Problem
        With ``mu`` and ``s`` of the stage set.
    start : _Point
        Feasible starting point, evaluated for this stage.
    max_iter : int
    tol : float
        Stop when the relative decrease of the objective is below ``tol``.
    step : float
        Initial step size (adapted by the line search).

    Returns
    -------
    point : _Point
        The last iterate.
    n_iter : int
    converged : bool
    step : float
        The last accepted step, to start the next stage with.
    """
    W, CW, n_iter, status, step = fista_stage(
        problem.C, problem.s, problem.mu, problem.mu * problem.alpha,
        problem.equal, problem.sigma_min, start.W, start.CW, max_iter, tol, step,
        _STEP_GROWTH, problem.l1_weights, problem.frozen,
    )
    if status == StageStatus.INFEASIBLE_START:
        raise ValueError("solve_stage needs a start inside the domain of h_s.")
    return _Point(W, CW, problem), n_iter, status == StageStatus.CONVERGED, step


def colide_central_path(
    C, *, noise, alpha, s, mu_init, mu_factor, max_iter, tol, sigma_min, verbose=0,
    forbidden=None, required=None, start=None,
):
    """Run the stages of the central path from ``W = 0`` (or ``start``).

    Parameters
    ----------
    C : ndarray of shape (d, d)
        Sample covariance of the centred data (float64).
    noise : {"equal", "nonequal"}
    alpha : float
    s : sequence of float
        One ``s`` per stage (its length is the number of stages).
    mu_init, mu_factor : float
    max_iter : int
        Iterations per stage.
    tol : float
    sigma_min : float
    verbose : int
    forbidden : ndarray of shape (d, d), dtype=bool, default=None
        Entries held at exactly zero at every iterate.
    required : ndarray of shape (d, d), dtype=bool, default=None
        Entries without the L1 term.
    start : ndarray of shape (d, d), default=None
        Start of the first stage (zero diagonal, zero at ``forbidden``, with
        ``rho(start∘start)`` finite: ``s`` is raised until it is inside the
        domain); ``None`` is ``W = 0``. The warm start of ``colide_path``.

    Returns
    -------
    W : ndarray of shape (d, d)
    s_used : list of float
        The ``s`` of each stage, raised by 0.1 steps where the warm start lay
        outside the domain of ``h_s``.
    n_iter : int
        Iterations summed over the stages.
    converged : bool
        Whether every stage met ``tol`` before ``max_iter``.
    """
    from sparsestat.utils.progress import progress

    d = C.shape[0]
    problem = _Problem(C, noise, alpha, sigma_min, forbidden, required)
    if start is None:
        W = np.zeros((d, d), order="F")
        CW = np.zeros((d, d), order="F")
    else:
        W = np.array(start, dtype=np.float64, order="F")
        CW = np.asfortranarray(problem.C @ W)
    mu = mu_init
    step = 1.0
    s_used = []
    n_iter_total = 0
    converged = True
    stages = progress(list(s), verbose=verbose, desc="CoLiDE stages", unit="stages")
    for s_k in stages:
        problem.mu = mu
        problem.s = s_k
        start = _Point(W, CW, problem)
        while not start.feasible:
            # the warm start is outside {rho(W∘W) < s}; it was inside for the
            # previous (larger) s, so a few 0.1 increments get back in
            problem.s += 0.1
            start = _Point(W, CW, problem)
        s_used.append(problem.s)
        point, n_iter, stage_converged, step = solve_stage(
            problem, start, max_iter, tol, step
        )
        W, CW = point.W, point.CW
        n_iter_total += n_iter
        converged &= stage_converged
        stages.set_postfix(s=float(problem.s), mu=float(mu), score=float(point.score),
                           h=float(point.h), iters=int(n_iter))
        mu *= mu_factor
    return W, s_used, n_iter_total, converged

