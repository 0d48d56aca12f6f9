"""Regularisation paths: warm starts, strong-rule screening, gradient reuse."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_array, check_consistent_length

from sparsestat._config import limit_blas_threads, user_stacklevel
from sparsestat.linear_model._logistic_solver import alpha_max_logistic, solve_log_loss
from sparsestat.utils._design import center_target, make_design
from sparsestat.linear_model._solvers import (
    GramCache,
    resolve_max_iter,
    solve_squared,
)
from sparsestat.utils._grid import check_alpha_grid
from sparsestat.utils._param_validation import C_INT_MAX
from sparsestat.utils.penalties import get_penalty
from sparsestat.utils.progress import progress
from sparsestat.utils.validation import (
    check_gamma,
    check_sample_weight,
    check_sparse_input,
)

LOSSES = ("squared_error", "log_loss")


def strong_rule_threshold(penalty, gamma, alpha, alpha_prev):
    """|grad_j| below which a zero coefficient is screened out at ``alpha``.

    The sequential strong rules: the gradient is assumed to move by at most
    the penalty's strong-rule factor times the change of alpha (1 for the
    Lasso, gamma/(gamma-1) for MCP, gamma/(gamma-2) for SCAD; see
    :attr:`~sparsestat.utils.penalties.PenaltySpec.strong_rule`).
    """
    factor = get_penalty(penalty).strong_rule_factor(gamma)
    return alpha - factor * (alpha_prev - alpha)


def alpha_grid(alpha_max, n_alphas, eps):
    """``n_alphas`` values from ``alpha_max`` down to ``eps * alpha_max`` (log scale)."""
    if alpha_max <= 0:
        return np.full(n_alphas, np.finfo(float).eps)
    return np.geomspace(alpha_max, alpha_max * eps, n_alphas)


def resolve_alphas(alphas, alpha_max, eps):
    """The grid of ``alphas``: ``alphas`` log-spaced values from ``alpha_max``
    down to ``eps * alpha_max`` when it is an integer, else the given values
    sorted decreasingly."""
    alphas = check_alpha_grid(alphas)
    if isinstance(alphas, int):
        return alpha_grid(alpha_max, alphas, eps)
    return np.sort(alphas)[::-1]


def _validate_path_params(penalty, gamma, loss, alphas, eps, tol, max_iter, solver,
                          damping):
    get_penalty(penalty)
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}.")
    if not isinstance(gamma, Real) or not np.isfinite(gamma):
        raise ValueError(f"gamma must be a finite number, got {gamma!r}.")
    check_gamma(penalty, gamma)
    check_alpha_grid(alphas)
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


@limit_blas_threads
def nonconvex_path(
    X,
    y,
    *,
    penalty="mcp",
    gamma=3.0,
    loss="squared_error",
    alphas=100,
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
        Training data; sparse input is converted to CSC.
    y : array-like of shape (n_samples,)
        Targets; for ``loss="log_loss"`` binary labels (the larger one is
        the positive class).
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        The penalty (see :class:`NonconvexLasso`).
    gamma : float, default=3.0
        Concavity (``> 1`` for MCP, ``> 2`` for SCAD).
    loss : {"squared_error", "log_loss"}, default="squared_error"
        Data term: ``1/2`` weighted mean squared error, or weighted mean
        log-loss.
    alphas : int or array-like of shape (n_alphas,), default=100
        The number of alphas, log-spaced from ``alpha_max`` (the smallest
        alpha giving zero coefficients) down to ``eps * alpha_max``, or the
        alphas themselves (solved in decreasing order), as in scikit-learn's
        :func:`~sklearn.linear_model.enet_path`.
    eps : float, default=1e-3
        Ratio ``alpha_min / alpha_max`` of an automatic grid (an integer
        ``alphas``); unused with explicit alphas.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept at each alpha.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, not all zero.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    tol : float, default=1e-4
        Relative tolerance of each solve: on the KKT violation of each
        coefficient divided by its column's weighted spread times the RMS
        of the centred y (1 for the log-loss), and for L1 with the squared
        loss also on the duality gap relative to the weighted sum of squares
        of y, as in :class:`NonconvexLasso`.
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
        The alphas, in decreasing order.
    coefs : ndarray of shape (n_features, n_alphas)
        Coefficients at each alpha (column ``k`` for ``alphas[k]``).
    intercepts : ndarray of shape (n_alphas,)
        Intercepts at each alpha; only when ``return_intercept``.
    stop_crits : ndarray of shape (n_alphas,)
        Scaled KKT violation at each solution (compared with ``tol``).

    Notes
    -----
    BLAS runs with one thread inside this function by default, whatever the
    number of cores; opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> from sparsestat.datasets import make_sparse_regression
    >>> from sparsestat.linear_model import nonconvex_path
    >>> X, y, _ = make_sparse_regression(50, 30, 3, random_state=0)
    >>> alphas, coefs, crits = nonconvex_path(X, y, alphas=5)
    >>> coefs.shape, bool((coefs[:, 0] == 0).all()), bool((crits <= 1e-4).all())
    ((30, 5), True, True)
    """
    _validate_path_params(penalty, gamma, loss, alphas, eps, tol, max_iter, solver,
                          damping)
    X = check_array(check_sparse_input(X), accept_sparse="csc",
                    dtype=[np.float64, np.float32], order="F")
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
        eps=eps, fit_intercept=fit_intercept, positive=positive,
        tol=tol, max_iter=max_iter, solver=solver, damping=damping,
        return_intercept=return_intercept, verbose=verbose,
    )


def _path(X, y, sw, uniform, *, penalty, gamma, loss, alphas, eps,
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
        alpha_max, intercept0 = alpha_max_logistic(design.matrix, y, sw, fit_intercept,
                                                   live)
    alphas = resolve_alphas(alphas, alpha_max, eps)
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
    steps = progress(range(alphas.size), verbose=verbose, desc="path", unit="alphas")
    for k in steps:
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
            b = y_mean - float(design.X_offset @ w) if fit_intercept else 0.0
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
        steps.set_postfix(alpha=alpha, nnz=int(np.count_nonzero(w)), kkt=float(kkt))
    if unconverged:
        warnings.warn(
            f"{len(unconverged)} of the {alphas.size} path problems did not "
            f"reach tol={tol:g} within max_iter={max_iter} iterations (smallest "
            f"such alpha: {min(unconverged):.3g}). Increase max_iter or tol; "
            "for MCP/SCAD logistic paths on separable data no bounded "
            "solution exists.",
            ConvergenceWarning,
            stacklevel=user_stacklevel(),
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
