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

Cost per iteration: one product ``C @ W`` per trial point (``C(I-W)`` at
the extrapolated point is the same combination of stored products, since it
is linear in W), one LU per trial point, one inverse (LAPACK getri on the LU
already computed) per gradient.
"""

import numpy as np
from scipy.linalg.lapack import dgetri

from sparsestat._kernels._colide import lu_nopivot

# Largest number of step halvings in one line search: 2**-60 is below the
# float64 resolution of any step that could still change W.
_MAX_HALVINGS = 60
# Step-size growth after an accepted step, so that a step shrunk near the
# domain boundary can grow back when the iterates move away from it.
_STEP_GROWTH = 1.5


class _Point:
    """Everything the solver knows at one W: products, scales, LU, objective."""

    __slots__ = ("W", "CW", "P", "sigma", "score", "lu", "h", "smooth", "l1", "_inv")

    def __init__(self, W, CW, problem):
        self.W = W
        self.CW = CW
        self.lu = None
        self._inv = None
        d = W.shape[0]
        # A = sI - W∘W, factored in place (Fortran order for the kernel)
        A = np.multiply(W, W, order="F")
        A *= -1.0
        A.flat[:: d + 1] += problem.s
        n_positive, logdet = lu_nopivot(A)
        if n_positive < d:
            return
        self.lu = A
        self.h = -logdet + d * np.log(problem.s)
        self.P = problem.C - CW  # C (I - W)
        self.sigma, self.score = problem.scales_and_score(W, self.P)
        self.smooth = problem.mu * self.score + self.h
        self.l1 = np.abs(W).sum()

    @property
    def feasible(self):
        return self.lu is not None

    def objective(self, problem):
        return self.smooth + problem.mu * problem.alpha * self.l1

    def gradient(self, problem):
        """Gradient of the smooth part mu * S + h_s (zero diagonal)."""
        if self._inv is None:
            piv = np.arange(self.W.shape[0], dtype=np.int32)
            # A^{-1} from the unpivoted LU: getri with the identity permutation
            self._inv, info = dgetri(self.lu, piv)
            if info != 0:
                raise np.linalg.LinAlgError("getri failed on an M-matrix factor.")
        grad = self.P / self.sigma
        grad *= -problem.mu
        grad += 2.0 * self.W * self._inv.T
        np.fill_diagonal(grad, 0.0)
        return grad


class _Problem:
    """Data and constants of one stage of the central path."""

    def __init__(self, C, noise, alpha, sigma_min):
        self.C = C
        self.d = C.shape[0]
        self.equal = noise == "equal"
        self.alpha = alpha
        self.sigma_min = sigma_min
        self.mu = 1.0
        self.s = 1.0

    def scales_and_score(self, W, P):
        """Closed-form noise scales at W and the CoLiDE score (no penalty)."""
        return noise_scales_and_score(W, P, self.equal, self.sigma_min)


def noise_scales_and_score(W, P, equal, sigma_min):
    """Closed-form noise scales and the score ``S`` given ``P = C (I - W)``.

    ``diag((I-W)^T C (I-W))_j = sum_i (I-W)_ij P_ij``; EV:
    ``sigma = sqrt(tr / d)``, NV: ``sigma_j = sqrt(diag_j)``, both floored
    at ``sigma_min``; then
    EV ``S = tr/(2 sigma) + d sigma/2``, NV ``S = sum_j diag_j/(2 sigma_j) + sigma_j/2``.
    """
    resid = np.einsum("ij,ij->j", P, W)
    resid = np.diagonal(P) - resid
    np.maximum(resid, 0.0, out=resid)  # round-off on a PSD quadratic form
    if equal:
        total = resid.sum()
        sigma = max(np.sqrt(total / W.shape[0]), sigma_min)
        score = 0.5 * total / sigma + 0.5 * W.shape[0] * sigma
        return sigma, score
    sigma = np.maximum(np.sqrt(resid), sigma_min)
    score = 0.5 * np.sum(resid / sigma + sigma)
    return sigma, score


def _diagonal_metric(point, problem):
    """Diagonal of the Hessian of the smooth part at ``point`` (a variable metric).

    ``d^2 h / dW_ij^2 = 2 A^{-1}_ji + 4 W_ij^2 (A^{-1}_ji)^2`` exactly (A^{-1} >= 0
    on the domain), and ``mu C_ii / sigma_j`` for the score at fixed scales.
    The log-det barrier makes the problem badly conditioned near the DAG
    boundary (``A^{-1}`` grows like products of ``w^2/s`` along paths); this
    scaling of the proximal step absorbs most of it at no cost, since
    ``A^{-1}`` is already computed for the gradient.
    """
    inv_t = point._inv.T
    sigma = np.broadcast_to(point.sigma, (point.W.shape[0],))
    metric = np.multiply(point.W, inv_t)
    metric *= metric
    metric *= 4.0
    metric += 2.0 * inv_t
    metric += (problem.mu * np.diagonal(problem.C))[:, None] / sigma[None, :]
    return metric


def _soft_threshold(Z, thresh):
    out = np.abs(Z)
    out -= thresh
    np.maximum(out, 0.0, out=out)
    out *= np.sign(Z)
    np.fill_diagonal(out, 0.0)
    return out


def solve_stage(problem, start, max_iter, tol, step):
    """Minimise one stage from a feasible point.

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
    C = problem.C
    x = start
    x_prev = start
    F_x = x.objective(problem)
    theta = 1.0
    converged = False
    thresh_per_step = problem.mu * problem.alpha
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        theta_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * theta * theta))
        beta = (theta - 1.0) / theta_next
        y = x
        if beta > 0.0 and x_prev is not x:
            # C (I - Y) is the same extrapolation of the stored products
            Y = x.W + beta * (x.W - x_prev.W)
            CY = x.CW + beta * (x.CW - x_prev.CW)
            y = _Point(Y, CY, problem)
            if not y.feasible:
                y = x
                theta_next = 1.0
        grad = y.gradient(problem)
        metric = _diagonal_metric(y, problem)
        for _ in range(_MAX_HALVINGS):
            inv_metric = step / metric
            Z = _soft_threshold(y.W - inv_metric * grad, inv_metric * thresh_per_step)
            z = _Point(Z, C @ Z, problem)  # the one O(d^3) product per trial
            if z.feasible:
                diff = Z - y.W
                model = (
                    y.smooth
                    + np.vdot(grad, diff)
                    + np.vdot(diff * metric, diff) / (2.0 * step)
                )
                if z.smooth <= model:
                    break
            step *= 0.5
        else:
            # no step of any length decreases the model: x is stationary to
            # machine precision
            converged = True
            break
        F_z = z.objective(problem)
        if F_z > F_x:
            # momentum overshot: restart from x with a plain proximal step
            x_prev = x
            theta = 1.0
            if y is x:
                converged = True
                break
            continue
        rel_change = (F_x - F_z) / max(abs(F_x), 1e-300)
        x_prev, x, F_x = x, z, F_z
        theta = theta_next
        step *= _STEP_GROWTH
        if rel_change <= tol:
            converged = True
            break
    return x, n_iter, converged, step


def colide_central_path(
    C, *, noise, alpha, s, mu_init, mu_factor, max_iter, tol, sigma_min, verbose=0
):
    """Run the T stages of the central path from ``W = 0``.

    Parameters
    ----------
    C : ndarray of shape (d, d)
        Sample covariance of the centred data (float64).
    noise : {"equal", "nonequal"}
    alpha : float
    s : sequence of float
        One ``s`` per stage (its length is the number of stages ``T``).
    mu_init, mu_factor : float
    max_iter : int
        Iterations per stage.
    tol : float
    sigma_min : float
    verbose : int

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
    problem = _Problem(C, noise, alpha, sigma_min)
    W = np.zeros((d, d))
    CW = np.zeros((d, d))
    mu = mu_init
    step = 1.0
    s_used = []
    n_iter_total = 0
    converged = True
    for s_k in progress(list(s), verbose=verbose, desc="CoLiDE stages"):
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
        mu *= mu_factor
    return W, s_used, n_iter_total, converged
