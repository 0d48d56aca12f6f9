"""Proximal Newton (IRLS) for penalised logistic regression.

Each outer step builds the quadratic model of the mean log-loss at the
current point, a weighted least-squares problem with weights
``sw * p (1 - p)`` and working response ``z = eta + (y - p) / (p (1 - p))``,
solves it with the working-set CD kernel (intercept handled by implicit
centring, as for least squares) and backtracks along the segment to the
model's solution until the true objective decreases. The objective solved
is the fixed-``gamma`` one: ncvreg's "adaptive rescaling" of MCP/SCAD for
GLMs is a different objective and is not used.
"""

import numpy as np
from scipy.special import expit
from sklearn.utils.extmath import safe_sparse_dot

from sparsestat.linear_model._least_squares import cd_least_squares
from sparsestat.utils._design import center_target, make_design
from sparsestat.utils.penalties import get_penalty

# Curvature floor: keeps the working response finite where p(1-p) underflows.
_MIN_CURVATURE = 1e-10
_ARMIJO = 1e-4
# p (1 - p) <= 1/4: with this curvature the quadratic model majorises the loss
_MAJORISING_CURVATURE = 0.25


def log_loss_objective(eta, y01, sw, w, penalty, alpha, gamma, weighting=None):
    """Weighted mean log-loss at linear predictor ``eta`` plus the penalty
    (``weighting``: per-feature weights and l1_ratio, None for plain)."""
    loss = np.logaddexp(0, eta) - y01 * eta
    pen = get_penalty(penalty).weighted_value(w, float(alpha), float(gamma),
                                              weighting).sum()
    return float(sw @ loss) + pen


def logistic_gradient(X, eta, y01, sw):
    """Gradient of the weighted mean log-loss in (w, b)."""
    resid = sw * (expit(eta) - y01)
    return np.asarray(safe_sparse_dot(X.T, resid)).ravel(), float(resid.sum())


def kkt_violation(w, grad, grad_b, live, fit_intercept, penalty, alpha, gamma,
                  positive, kkt_scale, weighting=None):
    """Largest scaled distance of -grad to the subdifferential, intercept
    included (``kkt_scale``: inverse gradient scale of each column; the
    intercept's gradient is a mean of probabilities, of scale 1)."""
    viol = get_penalty(penalty).weighted_subdiff_distance(
        w, grad, float(alpha), float(gamma), weighting, bool(positive)) * kkt_scale
    kkt = float(viol[live].max()) if live.any() else 0.0
    return max(kkt, abs(grad_b)) if fit_intercept else kkt


def null_intercept(y01, sw, fit_intercept):
    """Intercept of the model with w = 0: the log-odds of the weighted mean
    label (0 without intercept), clipped away from 0 and 1."""
    p = float(sw @ y01) if fit_intercept else 0.5
    p = min(max(p, 1e-12), 1 - 1e-12)
    return float(np.log(p / (1 - p)))


def prox_newton_logistic(X, y01, sw, w, intercept, *, live, fit_intercept, penalty,
                   alpha, gamma, positive, max_iter, tol, kkt_scale,
                   weighting=None):
    """Proximal Newton in place on ``w``.

    Parameters
    ----------
    X : Fortran ndarray or CSC matrix
    y01 : ndarray of {0, 1} labels, dtype of X
    sw : weights summing to one
    w : coefficients, updated in place
    intercept : float, starting intercept
    live : bool mask of the non-constant columns (others stay at zero)
    tol : relative tolerance on the KKT violation scaled by ``kkt_scale``
    kkt_scale : inverse gradient scale of each column
    weighting : PenaltyWeighting or None, per-feature weights and l1_ratio

    Returns
    -------
    n_iter, kkt, converged, intercept
    """
    b = float(intercept) if fit_intercept else 0.0
    eta = np.asarray(safe_sparse_dot(X, w)).ravel() + b
    objective = log_loss_objective(eta, y01, sw, w, penalty, alpha, gamma,
                                   weighting)
    kkt, converged, n_iter = np.inf, False, 0
    damping = 0.0
    for it in range(max_iter + 1):
        grad, grad_b = logistic_gradient(X, eta, y01, sw)
        kkt = kkt_violation(w, grad, grad_b, live, fit_intercept, penalty, alpha,
                            gamma, positive, kkt_scale, weighting)
        if kkt <= tol:
            converged = True
            break
        if it == max_iter:
            break
        n_iter += 1
        prob = expit(eta)
        curvature = np.maximum(prob * (1 - prob), _MIN_CURVATURE)
        # Levenberg-Marquardt damping instead of a line search: points on the
        # segment to a model solution are not stationary for a nonconvex
        # penalty (a feature entering at a fraction of its step is penalised
        # at full rate), so shortened steps zig-zag. Only full steps to a
        # model solution are taken; where one does not lower the objective
        # (CD went to a far basin along directions of tiny curvature),
        # `damping` is added to the curvature and the model solved again. At
        # damping 1/4 the model majorises the log-loss, so its solution
        # (reached by CD from w) cannot raise the objective: the last resort
        # always succeeds unless w is stationary.
        while True:
            majorising = damping >= _MAJORISING_CURVATURE
            step = _model_step(X, y01, sw, w, b, eta, prob, curvature + damping,
                               live, fit_intercept, penalty, alpha, gamma,
                               positive, inner_tol=max(0.1 * tol, 0.1 * kkt),
                               kkt_scale=kkt_scale, weighting=weighting)
            candidate = _decreased_objective(
                y01, sw, w, eta, objective, step, penalty, alpha, gamma,
                armijo=0.0 if majorising else _ARMIJO, weighting=weighting,
            )
            if candidate is not None or majorising:
                break
            damping = min(max(4 * damping, 1e-4), _MAJORISING_CURVATURE)
        if candidate is None:
            break  # stationary to the precision of the objective
        damping = damping / 3 if damping > 1e-8 else 0.0
        step_w, step_b, step_eta, _ = step
        w += step_w
        b += step_b
        eta = eta + step_eta
        objective = candidate
    return n_iter, kkt, converged, b


def _model_step(X, y01, sw, w, b, eta, prob, curvature, live, fit_intercept,
                penalty, alpha, gamma, positive, inner_tol, kkt_scale,
                weighting=None):
    """Solve the penalised quadratic model with the given curvature by CD.

    The model's gradient at ``w`` is the log-loss gradient, so its KKT
    violation is scaled as the outer one (``kkt_scale``). Returns the step
    ``(step_w, step_b, step_eta, decrease)``, where
    ``decrease`` is half the model's curvature along the step.
    """
    dtype = X.dtype
    hw = sw * curvature
    h_sum = float(hw.sum())
    z = (eta + (y01 - prob) / curvature).astype(dtype)
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


def _decreased_objective(y01, sw, w, eta, objective, step, penalty, alpha,
                         gamma, armijo, weighting=None):
    """Objective after the full step if it decreases sufficiently, else None."""
    step_w, step_b, step_eta, decrease = step
    if not np.any(step_w) and step_b == 0:
        return None
    candidate = log_loss_objective(eta + step_eta, y01, sw, w + step_w, penalty,
                                   alpha, gamma, weighting)
    return candidate if candidate <= objective - armijo * decrease else None
