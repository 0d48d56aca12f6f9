"""Proximal Newton (IRLS) for penalised GLMs: log-loss and Poisson.

Each outer step builds the quadratic model of the weighted mean data term
at the current point, a weighted least-squares problem with weights
``sw * mu'(eta)`` (log-loss ``p (1 - p)``, Poisson ``mu = exp(eta)``) and
working response ``z = eta + (y - mu) / mu'``, solves it with the
working-set CD kernel (intercept handled by implicit centring, as for
least squares) and accepts the model's solution when the true objective
decreases, damping the model otherwise (see :func:`prox_newton`). The
datafit's pieces come from :mod:`~sparsestat.linear_model._glm`. The
objective solved is the fixed-``gamma`` one: ncvreg's "adaptive rescaling"
of MCP/SCAD for GLMs is a different objective and is not used.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot

from sparsestat.linear_model._glm import (
    GLM_LOSSES,
    SATURATED_DEVIANCE,
    penalty_is_bounded,
)
from sparsestat.linear_model._least_squares import cd_least_squares
from sparsestat.utils._design import center_target, make_design
from sparsestat.utils.penalties import get_penalty

_ARMIJO = 1e-4
# Damping increases tried per Newton step before the point is declared
# stationary: the log-loss reaches its majorising damping 1/4 in 7, Poisson
# damping grows by 4^60 before giving up.
_MAX_DAMPING_TRIES = 60


def kkt_violation(w, grad, grad_b, live, fit_intercept, penalty, alpha, gamma,
                  positive, kkt_scale, weighting=None, b_scale=1.0):
    """Largest scaled distance of -grad to the subdifferential, intercept
    included (``kkt_scale``: inverse gradient scale of each column;
    ``b_scale`` that of the intercept: 1 for the log-loss, whose gradient
    in b is a mean of probabilities; ``weighting``: per-feature weights and
    l1_ratio, None for plain)."""
    viol = get_penalty(penalty).weighted_subdiff_distance(
        w, grad, float(alpha), float(gamma), weighting, bool(positive)) * kkt_scale
    kkt = float(viol[live].max()) if live.any() else 0.0
    return max(kkt, abs(grad_b) * b_scale) if fit_intercept else kkt


@dataclass
class Saturation:
    """Separation / saturation monitor of one path (see :func:`prox_newton`).

    ``null_deviance`` is the data term of the null model and ``reference``
    the linear predictor of the data's mean; a solve sets ``saturated``
    (and ``cause``) when its iterate saturates.
    """

    null_deviance: float
    reference: float
    saturated: bool = False
    cause: str = ""

    def check(self, glm, eta, y, sw, penalty, alpha, gamma, weighting=None):
        """Whether the iterate at ``eta`` saturated (only where the penalty
        cannot keep the coefficients bounded)."""
        if not penalty_is_bounded(penalty, alpha, gamma, weighting):
            return False
        deviance = glm.data_term(eta, y, sw)
        if (glm.diverged(eta, y, self.reference)
                and deviance <= glm.diverged_deviance * self.null_deviance):
            self.cause = "fitted means at the limit of the precision"
        elif (self.null_deviance > 0
              and deviance <= SATURATED_DEVIANCE * self.null_deviance):
            self.cause = (f"deviance below {SATURATED_DEVIANCE:g} of the null "
                          "deviance")
        else:
            return False
        self.saturated = True
        return True


def prox_newton(loss, X, y, sw, w, intercept, *, live, fit_intercept, penalty,
                alpha, gamma, positive, max_iter, tol, kkt_scale, b_scale=1.0,
                saturation=None, weighting=None):
    """Proximal Newton in place on ``w``.

    Parameters
    ----------
    loss : {"log_loss", "poisson"}
        The datafit (:data:`~sparsestat.linear_model._glm.GLM_LOSSES`).
    X : Fortran ndarray or CSC matrix
    y : ndarray of {0, 1} labels (log-loss) or non-negative counts
        (Poisson), dtype of X
    sw : weights summing to one
    w : coefficients, updated in place
    intercept : float, starting intercept
    live : bool mask of the non-constant columns (others stay at zero)
    tol : relative tolerance on the KKT violation scaled by ``kkt_scale``
    kkt_scale : inverse gradient scale of each column
    b_scale : inverse gradient scale of the intercept
    weighting : PenaltyWeighting or None, per-feature weights and l1_ratio
    saturation : Saturation, optional
        When given, the solve stops as soon as the iterate saturates
        (:meth:`Saturation.check` at each iterate, before the KKT test)
        and flags it there; the solve is then not converged.

    Returns
    -------
    n_iter, kkt, converged, intercept
    """
    glm = GLM_LOSSES[loss]
    b = float(intercept) if fit_intercept else 0.0
    eta = np.asarray(safe_sparse_dot(X, w)).ravel() + b
    objective = glm.objective(eta, y, sw, w, penalty, alpha, gamma, weighting)
    kkt, converged, n_iter = np.inf, False, 0
    damping = 0.0
    for it in range(max_iter + 1):
        grad, grad_b = glm.gradient(X, eta, y, sw)
        kkt = kkt_violation(w, grad, grad_b, live, fit_intercept, penalty, alpha,
                            gamma, positive, kkt_scale, weighting, b_scale)
        # before the KKT test: on separable data the gradient vanishes as
        # the coefficients diverge, so a saturated point can pass it
        if saturation is not None and saturation.check(glm, eta, y, sw, penalty,
                                                       alpha, gamma, weighting):
            break
        if kkt <= tol:
            converged = True
            break
        if it == max_iter:
            break
        n_iter += 1
        mu = glm.mean(eta)
        curvature = glm.curvature(mu)
        # Levenberg-Marquardt damping instead of a line search: points on the
        # segment to a model solution are not stationary for a nonconvex
        # penalty (a feature entering at a fraction of its step is penalised
        # at full rate), so shortened steps zig-zag. Only full steps to a
        # model solution are taken; where one does not lower the objective
        # (CD went to a far basin along directions of tiny curvature),
        # `damping` is added to the curvature and the model solved again.
        # The last resort must be a model that majorises the loss, whose
        # solution (reached by CD from w) cannot raise the objective. The
        # log-loss has one everywhere: damping 1/4 bounds p (1 - p). The
        # Poisson curvature exp(eta) has no bound, so no damping majorises
        # globally; instead each step is tested a posteriori
        # (`glm.majorises`: the curvature along the step is at most
        # mu exp(step)), and the damping grows until the test passes, which
        # it does because the step shrinks like the inverse damping. A step
        # that overflows exp(eta) has an infinite objective and is damped
        # like any other: the linear predictor stays finite.
        for _ in range(_MAX_DAMPING_TRIES):
            step = _model_step(X, y, sw, w, b, eta, mu, curvature + damping,
                               live, fit_intercept, penalty, alpha, gamma,
                               positive, inner_tol=max(0.1 * tol, 0.1 * kkt),
                               kkt_scale=kkt_scale, weighting=weighting)
            majorising = glm.majorises(damping, mu, curvature, step[2])
            candidate = _decreased_objective(
                glm, y, sw, w, eta, objective, step, penalty, alpha, gamma,
                armijo=0.0 if majorising else _ARMIJO, weighting=weighting,
            )
            if candidate is not None or majorising:
                break
            damping = glm.next_damping(damping, curvature, sw)
        if candidate is None:
            break  # stationary to the precision of the objective
        damping = damping / 3 if damping > 1e-8 else 0.0
        step_w, step_b, step_eta, _ = step
        w += step_w
        b += step_b
        eta = eta + step_eta
        objective = candidate
    return n_iter, kkt, converged, b


def _model_step(X, y, sw, w, b, eta, mu, curvature, live, fit_intercept,
                penalty, alpha, gamma, positive, inner_tol, kkt_scale,
                weighting=None):
    """Solve the penalised quadratic model with the given curvature by CD.

    The model's gradient at ``w`` is the data term's gradient, so its KKT
    violation is scaled as the outer one (``kkt_scale``). Returns the step
    ``(step_w, step_b, step_eta, decrease)``, where
    ``decrease`` is half the model's curvature along the step.
    """
    dtype = X.dtype
    hw = sw * curvature
    h_sum = float(hw.sum())
    z = (eta + (y - mu) / curvature).astype(dtype)
    hw = hw.astype(dtype)
    design = make_design(X, hw / dtype.type(h_sum), fit_intercept, checked=True)
    design.norms2[~live] = 0
    z_c, z_mean = center_target(z, hw / h_sum, fit_intercept)
    w_model = w.copy()
    cd_least_squares(
        design, z_c, hw, False, w_model, penalty=penalty, alpha=alpha,
        gamma=gamma, positive=positive, max_iter=100, tol=inner_tol,
        kkt_scale=kkt_scale, sw_sum=h_sum, gap_stop=False, weighting=weighting,
    )
    b_model = z_mean - float(design.X_offset @ w_model) if fit_intercept else 0.0
    step_w = w_model - w
    step_b = b_model - b
    step_eta = np.asarray(safe_sparse_dot(X, step_w)).ravel() + step_b
    return step_w, step_b, step_eta, 0.5 * float(hw @ step_eta**2)


def _decreased_objective(glm, y, sw, w, eta, objective, step, penalty, alpha,
                         gamma, armijo, weighting=None):
    """Objective after the full step if it decreases sufficiently, else None."""
    step_w, step_b, step_eta, decrease = step
    if not np.any(step_w) and step_b == 0:
        return None
    candidate = glm.objective(eta + step_eta, y, sw, w + step_w, penalty, alpha,
                              gamma, weighting)
    return candidate if candidate <= objective - armijo * decrease else None
