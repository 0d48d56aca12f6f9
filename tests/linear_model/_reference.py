"""Reference computations in plain numpy that several linear-model tests check
the kernels against."""

import numpy as np


def penalty_derivative_reference(t, penalty, alpha, gamma):
    if penalty == "l1":
        return np.full_like(t, alpha)
    if penalty == "mcp":
        return np.maximum(alpha - t / gamma, 0)
    return np.where(t <= alpha, alpha, np.maximum(gamma * alpha - t, 0) / (gamma - 1))


def kkt_violation_reference(X, y, sw, model):
    """KKT violation recomputed from scratch with numpy."""
    sw = sw / sw.sum()
    r = y - X @ model.coef_ - model.intercept_
    grad = -(X.T @ (sw * r))
    w = model.coef_
    deriv = penalty_derivative_reference(
        np.abs(w), model.penalty, model.alpha, model.gamma
    )
    viol = np.where(
        w == 0,
        np.maximum(np.abs(grad) - model.alpha, 0),
        np.abs(grad + np.sign(w) * deriv),
    )
    intercept_grad = np.sum(sw * r) if model.fit_intercept else 0.0
    return viol.max(), abs(intercept_grad)
