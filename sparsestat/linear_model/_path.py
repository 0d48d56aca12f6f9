"""Regularisation paths: warm starts, strong-rule screening, gradient reuse."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_array, check_consistent_length

from sparsestat.linear_model._logistic_solver import alpha_max_logistic, solve_log_loss
from sparsestat.linear_model._preprocess import center_target, make_design
from sparsestat.linear_model._solvers import (
    GramCache,
    resolve_max_iter,
    solve_squared,
)
from sparsestat.utils._param_validation import C_INT_MAX
from sparsestat.utils.progress import progress
from sparsestat.utils.validation import check_gamma, check_sample_weight

LOSSES = ("squared_error", "log_loss")


def strong_rule_threshold(penalty, gamma, alpha, alpha_prev):
    """|grad_j| below which a zero coefficient is screened out at ``alpha``.

    The sequential strong rules: the gradient is assumed to move by at most
    the penalty derivative's Lipschitz factor times the change of alpha
    (1 for the Lasso, gamma/(gamma-1) for MCP, gamma/(gamma-2) for SCAD).
    """
    if penalty == "mcp":
        factor = gamma / (gamma - 1)
    elif penalty == "scad":
        factor = gamma / (gamma - 2)
    else:
        factor = 1.0
    return alpha - factor * (alpha_prev - alpha)


def alpha_grid(alpha_max, n_alphas, eps):
    """``n_alphas`` values from ``alpha_max`` down to ``eps * alpha_max`` (log scale)."""
    if alpha_max <= 0:
        return np.full(n_alphas, np.finfo(float).eps)
    return np.geomspace(alpha_max, alpha_max * eps, n_alphas)


def check_alphas(alphas):
    """Validate a user alpha grid: 1-D, non-empty, finite, >= 0; sorted decreasing."""
    alphas = np.asarray(alphas, dtype=np.float64)
    if alphas.ndim != 1 or alphas.size == 0:
        raise ValueError(f"alphas must be a non-empty 1-D array, got shape {alphas.shape}.")
    if not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
        raise ValueError("alphas must be finite and non-negative.")
    return np.sort(alphas)[::-1]


def _validate_path_params(penalty, gamma, loss, n_alphas, eps, tol, max_iter, solver,
                          damping):
    if penalty not in ("l1", "mcp", "scad"):
        raise ValueError(f"penalty must be 'l1', 'mcp' or 'scad', got {penalty!r}.")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}.")
    if not isinstance(gamma, Real) or not np.isfinite(gamma):
        raise ValueError(f"gamma must be a finite number, got {gamma!r}.")
    check_gamma(penalty, gamma)
    if not isinstance(n_alphas, Integral) or n_alphas < 1:
        raise ValueError(f"n_alphas must be a positive integer, got {n_alphas!r}.")
    if not isinstance(eps, Real) or not 0 < eps <= 1:
        raise ValueError(f"eps must be in (0, 1], got {eps!r}.")
    if not isinstance(tol, Real) or not tol > 0:
        raise ValueError(f"tol must be positive, got {tol!r}.")
    if max_iter is not None and (
        not isinstance(max_iter, Integral) or not 1 <= max_iter <= C_INT_MAX
    ):
        raise ValueError(
            f"max_iter must be an integer in [1, {C_INT_MAX}], got {max_iter!r}."
        )
    if solver not in ("cd", "apg", "pgd"):
        raise ValueError(f"solver must be 'cd', 'apg' or 'pgd', got {solver!r}.")
    if damping not in ("tuned", "ghadimi-lan"):
        raise ValueError(f"damping must be 'tuned' or 'ghadimi-lan', got {damping!r}.")


def nonconvex_path(
    X,
    y,
    *,
    penalty="mcp",
    gamma=3.0,
    loss="squared_error",
    alphas=None,
    n_alphas=100,
    eps=1e-3,
    fit_intercept=True,
    sample_weight=None,
    positive=False,
    tol=1e-4,
    max_iter=None,
    solver="cd",
    damping="tuned",
    return_intercept=False,
    verbose=0,
):
    """Compute the L1/MCP/SCAD regularisation path of a linear model.

    The problems are solved from the largest alpha down, each warm started
    at the previous solution. For the squared loss, zero coefficients whose
    gradient is below the sequential strong-rule threshold are left out of
    the first working set (lasso ``2 a_l - a_{l-1}``, MCP
    ``a_l - gamma/(gamma-1) (a_{l-1} - a_l)``, SCAD with ``gamma/(gamma-2)``)
    and the gradient at the previous solution is reused instead of
    recomputed; every feature is checked before a solution is accepted.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Targets; for ``loss="log_loss"`` binary labels (the larger one is
        the positive class).
    penalty : {"mcp", "scad", "l1"}, default="mcp"
    gamma : float, default=3.0
        Concavity (``> 1`` for MCP, ``> 2`` for SCAD).
    loss : {"squared_error", "log_loss"}, default="squared_error"
        Data term: ``1/2`` weighted mean squared error, or weighted mean
        log-loss.
    alphas : array-like, default=None
        Grid of alphas (sorted decreasingly); default: ``n_alphas`` values
        on a log scale from ``alpha_max`` (the smallest alpha giving zero
        coefficients) to ``eps * alpha_max``.
    n_alphas : int, default=100
    eps : float, default=1e-3
    fit_intercept : bool, default=True
    sample_weight : array-like of shape (n_samples,), default=None
    positive : bool, default=False
    tol : float, default=1e-4
        KKT-violation tolerance of each solve (and duality gap for L1 with
        the squared loss, as in :class:`NonconvexLasso`).
    max_iter : int, default=None
        Per alpha: outer working-set or Newton iterations for ``"cd"``
        (default 100), gradient steps for ``"apg"``/``"pgd"`` (default 20000).
    solver : {"cd", "apg", "pgd"}, default="cd"
        See :class:`NonconvexLasso`.
    damping : {"tuned", "ghadimi-lan"}, default="tuned"
        Schedule of ``solver="apg"``.
    return_intercept : bool, default=False
        Also return the intercepts.
    verbose : int, default=0
        Progress bar over the alphas when positive.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas)
    intercepts : ndarray of shape (n_alphas,)
        Only when ``return_intercept``.
    stop_crits : ndarray of shape (n_alphas,)
        KKT violation at each solution.

    Examples
    --------
    >>> from sparsestat.datasets import make_sparse_regression
    >>> from sparsestat.linear_model import nonconvex_path
    >>> X, y, _ = make_sparse_regression(50, 30, 3, random_state=0)
    >>> alphas, coefs, crits = nonconvex_path(X, y, n_alphas=5)
    >>> coefs.shape, bool((coefs[:, 0] == 0).all()), bool((crits <= 1e-4).all())
    ((30, 5), True, True)
    """
    _validate_path_params(penalty, gamma, loss, n_alphas, eps, tol, max_iter, solver,
                          damping)
    X = check_array(X, accept_sparse="csc", dtype=[np.float64, np.float32], order="F")
    y = check_array(y, ensure_2d=False, dtype=None)
    check_consistent_length(X, y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    dtype = X.dtype
    sw, uniform = check_sample_weight(sample_weight, X.shape[0], dtype)
    if loss == "log_loss":
        classes = np.unique(y)
        if classes.size != 2:
            raise ValueError(
                f"loss='log_loss' needs exactly 2 classes in y, got {classes.size}."
            )
        y = (y == classes[1]).astype(dtype)
    else:
        y = np.asarray(y, dtype=dtype)
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinity.")
    return _path(
        X, y, sw, uniform, penalty=penalty, gamma=gamma, loss=loss, alphas=alphas,
        n_alphas=n_alphas, eps=eps, fit_intercept=fit_intercept, positive=positive,
        tol=tol, max_iter=max_iter, solver=solver, damping=damping,
        return_intercept=return_intercept, verbose=verbose,
    )


def _path(X, y, sw, uniform, *, penalty, gamma, loss, alphas, n_alphas, eps,
          fit_intercept, positive, tol, max_iter, solver, damping,
          return_intercept, verbose, coef_init=None):
    """The path on validated arrays (shared with the CV classes)."""
    dtype = X.dtype
    max_iter = resolve_max_iter(max_iter, solver)
    n_features = X.shape[1]
    design = make_design(X, sw, fit_intercept)
    live = design.norms2 > 0
    if loss == "squared_error":
        y_c, y_mean = center_target(y, sw, fit_intercept)
        grad = _gradient_at_zero(design, y_c, sw)
        alpha_max = float(np.abs(grad[live]).max()) if live.any() else 0.0
        intercept0 = 0.0
    else:
        alpha_max, intercept0 = alpha_max_logistic(X, y, sw, fit_intercept, live)
    if alphas is None:
        alphas = alpha_grid(alpha_max, n_alphas, eps)
    else:
        alphas = check_alphas(alphas)
    w = np.zeros(n_features, dtype=dtype) if coef_init is None else coef_init.astype(dtype)
    if coef_init is not None and loss == "squared_error":
        grad = None
    b = intercept0
    coefs = np.empty((n_features, alphas.size), dtype=dtype)
    intercepts = np.empty(alphas.size)
    stop_crits = np.empty(alphas.size)
    alpha_prev = max(alpha_max, alphas[0])
    cache = None
    if solver == "cd":
        cache = GramCache(n_features, dtype,
                          n_samples=None if design.is_sparse else X.shape[0])
    unconverged = []
    for k in progress(range(alphas.size), verbose=verbose, desc="path"):
        alpha = float(alphas[k])
        if loss == "squared_error":
            strong = None
            if grad is not None:
                threshold = strong_rule_threshold(penalty, gamma, alpha, alpha_prev)
                strong = np.abs(grad) >= threshold
            _, kkt, _, converged, grad = solve_squared(
                design, y_c, sw, uniform, w, solver=solver, damping=damping,
                penalty=penalty, alpha=alpha, gamma=gamma, positive=positive,
                max_iter=max_iter, tol=tol, grad=grad, strong=strong, cache=cache,
            )
            b = y_mean - float(design.X_mean @ w) if fit_intercept else 0.0
        else:
            _, kkt, converged, b = solve_log_loss(
                X, design, y, sw, w, b, live=live, fit_intercept=fit_intercept,
                solver=solver, damping=damping, penalty=penalty, alpha=alpha,
                gamma=gamma, positive=positive, max_iter=max_iter, tol=tol,
            )
        if not converged:
            unconverged.append(alpha)
        coefs[:, k] = w
        intercepts[k] = b
        stop_crits[k] = kkt
        alpha_prev = alpha
    if unconverged:
        warnings.warn(
            f"{len(unconverged)} of the {alphas.size} path problems did not "
            f"reach tol={tol:g} within max_iter={max_iter} iterations (smallest "
            f"such alpha: {min(unconverged):.3g}). Increase max_iter or tol; "
            "for MCP/SCAD logistic paths on separable data no bounded "
            "solution exists.",
            ConvergenceWarning,
            stacklevel=3,
        )
    if return_intercept:
        return alphas, coefs, intercepts, stop_crits
    return alphas, coefs, stop_crits


def _gradient_at_zero(design, y_c, sw):
    """Data-term gradient at w = 0: -(X - 1 m^T)^T (sw * y_c)."""
    swy = sw * y_c
    grad = -np.asarray(design.matrix.T @ swy).ravel() + design.X_mean * swy.sum()
    grad[design.norms2 == 0] = 0
    return np.ascontiguousarray(grad, dtype=design.X_mean.dtype)
