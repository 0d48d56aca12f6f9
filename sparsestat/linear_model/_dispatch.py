"""One problem, one solver: cd, apg or pgd for every datafit of the linear models.

``"cd"`` is working-set coordinate descent for least squares
(:mod:`~sparsestat.linear_model._least_squares`) and proximal Newton with
that CD on each quadratic model for the log-loss and Poisson
(:mod:`~sparsestat.linear_model._prox_newton`); ``"apg"`` and ``"pgd"`` are
the accelerated and plain proximal gradient kernels
(:mod:`~sparsestat.linear_model._apg_solver`), which take every datafit of
:data:`~sparsestat.utils.datafits.DATAFITS` with a bounded curvature (not
Poisson: their fixed step needs a global Lipschitz constant).
"""

from dataclasses import dataclass

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot

from sparsestat.linear_model._apg_solver import solve_apg
from sparsestat.linear_model._glm import GLM_LOSSES
from sparsestat.linear_model._least_squares import cd_least_squares
from sparsestat.linear_model._prox_newton import prox_newton
from sparsestat.utils._design import residual_scale

# the estimators' `loss` and the datafit each one is
LOSS_DATAFITS = {"squared_error": "quadratic", "log_loss": "logistic",
                 "poisson": "poisson"}

# Default iteration budgets: outer working-set (or Newton) iterations for
# "cd", gradient steps for "apg"/"pgd".
DEFAULT_MAX_ITER = {"cd": 100, "apg": 20_000, "pgd": 20_000}


def resolve_max_iter(max_iter, solver):
    """The estimator's ``max_iter``, or the solver's default when None."""
    return DEFAULT_MAX_ITER[solver] if max_iter is None else int(max_iter)


@dataclass(frozen=True)
class SolveConstants:
    """What every solve on one design, target and weights computes alike.

    ``scale`` is the residual scale of the loss (the weighted RMS of the
    centred y for least squares, 1 for the log-loss, the weighted mean
    count for Poisson: functions of y and the weights, never of the fit),
    ``kkt_scale`` the design's :meth:`~sparsestat.utils._design.Design.kkt_scale`
    at it, and ``y_norm2`` the weighted sum of squares of the centred y
    (least squares: the duality-gap rule; None otherwise). A path computes
    them once (:func:`solve_constants`) and passes them to every solve.
    """

    scale: float
    kkt_scale: np.ndarray
    y_norm2: float = None


def solve_constants(design, y, sw, loss):
    """The :class:`SolveConstants` of ``design`` with target ``y`` (centred
    for ``"squared_error"``) and weights ``sw``."""
    if loss == "squared_error":
        scale = residual_scale(y, sw)
        return SolveConstants(scale, design.kkt_scale(scale), float(sw @ (y * y)))
    scale = GLM_LOSSES[loss].residual_scale(y, sw)
    return SolveConstants(scale, design.kkt_scale(scale))


def solve(design, y, sw, uniform, w, *, loss, solver, damping, penalty, alpha,
          gamma, positive, max_iter, tol, intercept=0.0, fit_intercept=True,
          live=None, grad=None, strong=None, cache=None, trace=None,
          saturation=None, weighting=None, constants=None):
    """Solve one penalised problem in place on ``w``.

    Parameters
    ----------
    design : Design
        :func:`~sparsestat.utils._design.make_design` of X with ``sw``.
    y : ndarray of shape (n_samples,)
        The centred target (``"squared_error"``) or labels in {0, 1}
        (``"log_loss"``), of X's dtype.
    loss : {"squared_error", "log_loss", "poisson"}
    intercept : float
        Log-loss and Poisson: the starting intercept (the least-squares
        intercept is recovered by the caller from the centring).
    live : ndarray of bool, optional
        Log-loss and Poisson with ``"cd"``: the non-constant columns
        (default ``design.norms2 > 0``).
    grad, strong, cache
        Least squares with ``"cd"``: the gradient at ``w`` when known, the
        strong-rule mask of the first working set, the Gram cache of a path
        (see :func:`~sparsestat.linear_model._least_squares.cd_least_squares`).
    trace : list, optional
        ``"apg"``/``"pgd"``: the objective after each gradient step (first
        entry: the start) is appended to it as an array.
    saturation : Saturation, optional
        Log-loss and Poisson with ``"cd"``: the separation monitor of the
        path (:class:`~sparsestat.linear_model._prox_newton.Saturation`).
    weighting : PenaltyWeighting, optional
        Per-feature penalty weights and ``l1_ratio`` of the penalty
        (:class:`~sparsestat.utils.penalties.PenaltyWeighting`, built by
        :func:`~sparsestat.utils.penalties.make_weighting`), passed to
        every solver; None is the plain penalty.
    constants : SolveConstants, optional
        :func:`solve_constants` of ``design``, ``y``, ``sw`` and ``loss``
        (a path passes the same ones to every alpha); computed when None.

    Returns
    -------
    n_iter, kkt, gap, converged, intercept, grad
        ``gap`` is the L1 duality gap of least-squares CD (NaN otherwise);
        ``grad`` the least-squares gradient at the solution for ``"cd"``
        (else None); ``intercept`` the log-loss intercept (the input one
        for least squares).

    Notes
    -----
    The tolerance is relative, floored at the precision of X's dtype: each
    coordinate's KKT violation is divided by its column's spread times the
    RMS of the centred y (1 for the log-loss, whose residuals are
    probabilities; the weighted mean count for Poisson), so that ``fit(c X, d y)`` with alpha scaled by ``c d``
    stops at coefficients scaled by ``d / c``.
    """
    tol = max(tol, design.precision())
    damping = damping if solver == "apg" else None
    if constants is None:
        constants = solve_constants(design, y, sw, loss)
    if loss == "squared_error":
        kkt_scale = constants.kkt_scale
        if solver == "cd":
            n_iter, kkt, gap, converged, _, grad = cd_least_squares(
                design, y, sw, uniform, w, penalty=penalty, alpha=alpha,
                gamma=gamma, positive=positive, max_iter=max_iter, tol=tol,
                kkt_scale=kkt_scale, grad=grad, strong=strong, cache=cache,
                weighting=weighting, y_norm2=constants.y_norm2,
            )
            return n_iter, kkt, gap, converged, intercept, grad
        n_iter, kkt, converged, _, *objective = solve_apg(
            design, y, sw, w, datafit="quadratic", penalty=penalty,
            alpha=alpha, gamma=gamma, positive=positive, damping=damping,
            max_iter=max_iter, tol=tol, kkt_scale=kkt_scale,
            return_trace=trace is not None, weighting=weighting,
        )
        if trace is not None:
            trace.append(objective[0])
        return n_iter, kkt, float("nan"), converged, intercept, None
    return (*_solve_glm(design, y, sw, w, intercept, loss=loss, solver=solver,
                        damping=damping, penalty=penalty, alpha=alpha,
                        gamma=gamma, positive=positive, max_iter=max_iter,
                        tol=tol, fit_intercept=fit_intercept, live=live,
                        trace=trace, saturation=saturation,
                        weighting=weighting, constants=constants), None)


def _solve_glm(design, y, sw, w, intercept, *, loss, solver, damping, penalty,
               alpha, gamma, positive, max_iter, tol, fit_intercept, live,
               trace, saturation, constants, weighting=None):
    """Log-loss and Poisson part of :func:`solve`: ``n_iter, kkt, gap,
    converged, intercept``.

    When ``design`` holds a centred copy of X (offsets too large for
    accurate products), the problem is solved on that copy with the
    intercept reparametrised as ``b + shift^T w`` and mapped back; the
    design's centring is otherwise unused (the log-loss intercept is a
    variable of the solvers). ``constants``: :func:`solve_constants`.
    """
    scale = constants.scale
    kkt_scale = constants.kkt_scale
    shift = 0.0 if design.shift is None else float(design.shift @ w)
    intercept = intercept + shift
    if solver == "cd":
        n_iter, kkt, converged, b = prox_newton(
            loss, design.matrix, y, sw, w, intercept,
            live=design.norms2 > 0 if live is None else live,
            fit_intercept=fit_intercept, penalty=penalty, alpha=alpha,
            gamma=gamma, positive=positive, max_iter=max_iter, tol=tol,
            kkt_scale=kkt_scale, b_scale=1.0 / scale, saturation=saturation,
            weighting=weighting,
        )
    else:
        # the labels in {-1, +1} of the logistic datafit (the only GLM
        # datafit of bounded curvature, see the module docstring)
        n_iter, kkt, converged, b, *objective = solve_apg(
            design, 2 * y - 1, sw, w, datafit=LOSS_DATAFITS[loss],
            intercept=intercept,
            fit_intercept=fit_intercept, penalty=penalty, alpha=alpha,
            gamma=gamma, positive=positive, damping=damping, max_iter=max_iter,
            tol=tol, kkt_scale=kkt_scale, return_trace=trace is not None,
            weighting=weighting,
        )
        if trace is not None:
            trace.append(objective[0])
        if saturation is not None:
            # the gradient solvers are not stopped early; the monitor names
            # a saturated end point
            eta = np.asarray(safe_sparse_dot(design.matrix, w)).ravel() + b
            if saturation.check(GLM_LOSSES[loss], eta, y, sw, penalty, alpha,
                                gamma):
                converged = False
    if design.shift is not None:
        b = b - float(design.shift @ w)
    return n_iter, kkt, float("nan"), converged, b
