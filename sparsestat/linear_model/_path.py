"""The one path of the linear models: estimators, CV and nonconvex_path.

As scikit-learn's ``ElasticNet.fit`` calls ``enet_path``, every fit goes
through :func:`compute_path`: ``NonconvexLasso.fit`` and
``NonconvexLogisticRegression.fit`` (a path of one alpha), each CV fold
and the CV refit (through ``fit``), and :func:`nonconvex_path`. Warm
starts, strong-rule screening and gradient reuse along the alphas live
here; the null model at the top of the path and ``alpha_max`` come from
:mod:`~sparsestat.linear_model._alpha_max` only.
"""

import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_array, check_consistent_length

from sparsestat._config import limit_blas_threads, user_stacklevel
from sparsestat.linear_model._alpha_max import (
    glm_null_intercept,
    null_model,
    path_alpha_max,
)
from sparsestat.linear_model._base import PENALTY_CONSTRAINTS, WEIGHTING_CONSTRAINTS
from sparsestat.linear_model._dispatch import (
    LOSS_DATAFITS,
    resolve_max_iter,
    solve,
    solve_constants,
)
from sparsestat.linear_model._glm import GLM_LOSSES
from sparsestat.linear_model._least_squares import GramCache
from sparsestat.linear_model._precompute import SufficientStatistics, resolve_precompute
from sparsestat.linear_model._prox_newton import Saturation
from sparsestat.utils._design import center_target, make_design
from sparsestat.utils._grid import check_alpha_grid
from sparsestat.utils._param_validation import (
    Interval,
    StrOptions,
    c_int_interval,
    validate_parameter_constraints,
)
from sparsestat.utils.penalties import PLAIN, get_penalty, make_weighting
from sparsestat.utils.progress import progress
from sparsestat.utils.validation import (
    check_count_target,
    check_finite_scalar,
    check_gamma,
    check_sample_weight,
    check_sparse_input,
)

# nonconvex_path's parameters, validated as the estimators' are
PATH_CONSTRAINTS = {
    **PENALTY_CONSTRAINTS,
    "loss": [StrOptions(set(LOSS_DATAFITS))],
    "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
    "eps": [Interval(Real, 0, 1, closed="right")],
    "positive": ["boolean"],
    "max_iter": [c_int_interval(1), None],
    "return_intercept": ["boolean"],
    **WEIGHTING_CONSTRAINTS,
    "precompute": ["boolean", "array-like", SufficientStatistics],
}


def strong_rule_threshold(penalty, gamma, alpha, alpha_prev, factor=None):
    """|grad_j| below which a zero coefficient is screened out at ``alpha``.

    The sequential strong rules: the gradient is assumed to move by at most
    the penalty's strong-rule factor times the change of alpha (1 for the
    Lasso, gamma/(gamma-1) for MCP, gamma/(gamma-2) for SCAD; see
    :attr:`~sparsestat.utils.penalties.PenaltySpec.strong_rule`). ``factor``
    is that factor when already known (a path computes it once).
    """
    if factor is None:
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


def check_auto_grid(top, l1_ratio):
    """Refuse an automatic alpha grid whose top is infinite (``l1_ratio=0``:
    a ridge penalty never zeroes a coefficient), as scikit-learn's
    ``enet_path`` does."""
    if not np.isfinite(top):
        raise ValueError(
            f"An automatic alpha grid (an integer alphas) needs l1_ratio > 0: "
            f"with l1_ratio={l1_ratio!r} no finite alpha zeroes the "
            "coefficients. Pass the alphas themselves."
        )


def strong_rule_mask(grad, threshold, weighting):
    """The features kept in the first working set: ``|grad_j|`` at least the
    strong-rule ``threshold`` scaled by ``l1_ratio * pw_j`` (features of
    weight 0 are always kept)."""
    if weighting.is_plain:
        return np.abs(grad) >= threshold
    if weighting.l1_ratio == 0:
        return None
    scale = weighting.l1_ratio * weighting.factors(grad.shape[0])
    return np.abs(grad) >= threshold * scale


@dataclass
class Path:
    """What :func:`compute_path` returns, one entry per alpha (decreasing)."""

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    stop_crits: np.ndarray
    n_iters: np.ndarray
    gaps: np.ndarray
    converged: np.ndarray
    # objective after each gradient step of each solve ("apg"/"pgd" with
    # record_objective; otherwise empty)
    objectives: list
    # the GLMs' separation monitor; when it saturated, the path stops at
    # that alpha (the arrays hold the alphas fitted, the saturated one last)
    saturation: Saturation = None

    @property
    def saturated(self):
        return self.saturation is not None and self.saturation.saturated


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
    penalty_weights=None,
    l1_ratio=1.0,
    precompute=False,
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
    X : {array-like, sparse matrix} of shape (n_samples, n_features) or None
        Training data; sparse input is converted to CSC. None (with ``y``
        None) when ``precompute`` holds the statistics.
    y : array-like of shape (n_samples,) or None
        Targets; for ``loss="log_loss"`` binary labels (the larger one is
        the positive class), for ``loss="poisson"`` non-negative counts or
        rates.
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        The penalty (see :class:`NonconvexLasso`).
    gamma : float, default=3.0
        Concavity (``> 1`` for MCP, ``> 2`` for SCAD).
    loss : {"squared_error", "log_loss", "poisson"}, default="squared_error"
        Data term: ``1/2`` weighted mean squared error, weighted mean
        log-loss, or half the weighted mean Poisson deviance (log link;
        ``solver="cd"`` only, see :class:`NonconvexPoissonRegression`).
    alphas : int or array-like of shape (n_alphas,), default=100
        The number of alphas, log-spaced from ``alpha_max`` (the smallest
        alpha giving zero penalised coefficients, :func:`alpha_max`) down to
        ``eps * alpha_max``, or the alphas themselves (solved in decreasing
        order), as in scikit-learn's :func:`~sklearn.linear_model.enet_path`.
        An integer needs ``l1_ratio > 0`` (as in scikit-learn).
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
    penalty_weights : array-like of shape (n_features,), default=None
        Non-negative finite per-feature weights ``pw_j`` multiplying alpha
        (see :class:`NonconvexLasso`): rescaled so that their mean over the
        penalised (non-zero) features is one; 0 leaves a feature
        unpenalised (it is in the model from the first alpha).
    l1_ratio : float, default=1.0
        Elastic-net mixing in [0, 1]: the penalty of feature ``j`` is
        ``l1_ratio * p(|w_j|; alpha pw_j, gamma) + (1 - l1_ratio) * alpha
        pw_j / 2 * w_j^2``.
    precompute : bool, array-like or SufficientStatistics, default=False
        ``loss="squared_error"`` only: solve the path from the sufficient
        statistics instead of the data, as
        :class:`NonconvexLasso(precompute=...) <NonconvexLasso>` does
        (``True``: computed from X; an array: scikit-learn's Gram matrix;
        :func:`sufficient_statistics`: X, y and ``sample_weight`` None).
        The path is the ordinary one.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The alphas, in decreasing order. Shorter than requested when a
        log-loss or Poisson MCP/SCAD path saturates (see Notes); then
        ``coefs``, ``intercepts`` and ``stop_crits`` are as short.
    coefs : ndarray of shape (n_features, n_alphas)
        Coefficients at each alpha (column ``k`` for ``alphas[k]``).
    intercepts : ndarray of shape (n_alphas,)
        Intercepts at each alpha; only when ``return_intercept``.
    stop_crits : ndarray of shape (n_alphas,)
        Scaled KKT violation at each solution (compared with ``tol``).

    Notes
    -----
    Separation: with a bounded penalty (MCP, SCAD) the penalised log-loss
    of separable data, or the Poisson loss of counts that a feature can fit
    by a mean tending to zero, has no minimiser at small alphas. When a
    solve's deviance falls below 1e-3 of the null deviance, or a fitted
    mean reaches the limit of double precision, the path stops at that
    alpha with one ``ConvergenceWarning`` ("model saturated", as ncvreg
    says) and returns the alphas fitted so far, the saturated fit last.

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
    params = dict(penalty=penalty, gamma=gamma, loss=loss, alphas=alphas, eps=eps,
                  fit_intercept=fit_intercept, positive=positive, tol=tol,
                  max_iter=max_iter, solver=solver, damping=damping,
                  return_intercept=return_intercept, verbose=verbose,
                  penalty_weights=penalty_weights, l1_ratio=l1_ratio,
                  precompute=precompute)
    validate_parameter_constraints(PATH_CONSTRAINTS, params,
                                   caller_name="nonconvex_path")
    check_finite_scalar(gamma, "gamma")
    check_gamma(penalty, gamma)
    alphas = check_alpha_grid(alphas)
    if not isinstance(alphas, int):
        alphas = np.sort(alphas)[::-1]
    if precompute is not False:
        if loss != "squared_error":
            raise ValueError(
                f"precompute needs loss='squared_error' (the log-loss has no "
                f"sufficient statistics), got loss={loss!r}."
            )
        problem = resolve_precompute(precompute, X, y, sample_weight,
                                     fit_intercept=fit_intercept)
        weighting = make_weighting(penalty_weights, l1_ratio, problem.X.shape[1])
        # the statistics are centred: intercepts come from their means
        path = compute_path(
            problem.X, problem.y, problem.sw, True, loss=loss, penalty=penalty,
            gamma=gamma, alphas=alphas, eps=eps, fit_intercept=False,
            positive=positive, tol=tol, max_iter=max_iter, solver=solver,
            damping=damping, verbose=verbose, weighting=weighting,
            gram_cache=problem.cache if solver == "cd" else None,
        )
        path.intercepts = np.asarray(problem.intercept(path.coefs), dtype=np.float64)
        return _path_result(path, tol, max_iter, solver, return_intercept,
                            alphas)
    X = check_array(check_sparse_input(X), accept_sparse="csc",
                    dtype=[np.float64, np.float32], order="F")
    y = check_array(y, ensure_2d=False, dtype=None)
    check_consistent_length(X, y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    dtype = X.dtype
    weighting = make_weighting(penalty_weights, l1_ratio, X.shape[1])
    sw, uniform = check_sample_weight(sample_weight, X.shape[0], dtype)
    if loss == "log_loss":
        classes = np.unique(y)
        if classes.size != 2:
            raise ValueError(
                f"loss='log_loss' needs exactly 2 classes in y, got {classes.size}."
            )
        y = (y == classes[1]).astype(dtype)
    elif loss == "poisson":
        if solver != "cd":
            raise ValueError(
                f"loss='poisson' needs solver='cd' (the proximal gradient "
                f"solvers need a bounded curvature), got solver={solver!r}."
            )
        y = check_count_target(y, dtype)
    else:
        y = np.asarray(y, dtype=dtype)
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinity.")
    path = compute_path(
        X, y, sw, uniform, loss=loss, penalty=penalty, gamma=gamma, alphas=alphas,
        eps=eps, fit_intercept=fit_intercept, positive=positive, tol=tol,
        max_iter=max_iter, solver=solver, damping=damping, verbose=verbose,
        weighting=weighting,
    )
    return _path_result(path, tol, max_iter, solver, return_intercept, alphas)


def _path_result(path, tol, max_iter, solver, return_intercept, alphas):
    """What nonconvex_path returns, after its convergence warning (naming
    the number of alphas requested when a saturated path stopped early)."""
    warn_unconverged(path, tol, max_iter, solver,
                     n_requested=alphas if isinstance(alphas, int) else len(alphas))
    if return_intercept:
        return path.alphas, path.coefs, path.intercepts, path.stop_crits
    return path.alphas, path.coefs, path.stop_crits


def compute_path(X, y, sw, uniform, *, loss, penalty, gamma, alphas, eps=1e-3,
                 fit_intercept, positive, tol, max_iter, solver, damping,
                 coef_init=None, intercept_init=None, screening=True,
                 record_objective=False, verbose=0, weighting=None,
                 gram_cache=None, desc="path"):
    """The path on validated arrays: every linear fit comes here.

    Parameters
    ----------
    X : Fortran ndarray or canonical CSC matrix, float32 or float64
    y : ndarray of X's dtype
        The target (squared error), {0, 1} labels (log-loss) or
        non-negative counts (Poisson).
    sw : ndarray of shape (n_samples,)
        Weights summing to one; ``uniform`` whether they are all equal.
    alphas : int or ndarray
        A number of alphas (log grid from ``alpha_max`` down to ``eps``
        times it) or the alphas themselves, already in decreasing order.
    coef_init, intercept_init : optional
        Warm start of the first solve (default: the null model, zeros but
        for the unpenalised features, and its intercept).
    screening : bool, default=True
        Least squares: skip the strong rules and the gradient at zero for
        the first alpha (the setting of a single fit, whose first working
        set starts from the kernel's own gradient); later alphas always
        reuse the previous solution's gradient.
    record_objective : bool, default=False
        ``"apg"``/``"pgd"``: keep the objective after every gradient step
        of every solve in ``Path.objectives``.
    weighting : PenaltyWeighting, optional
        Per-feature penalty weights and ``l1_ratio``
        (:func:`~sparsestat.utils.penalties.make_weighting`), passed to
        every solve; None is the plain penalty.
    gram_cache : GramCache, optional
        Least squares with ``"cd"``: a Gram cache already filled for this
        design (the precomputed statistics of ``_precompute.py``); a fresh
        one is made otherwise.
    desc : str, default="path"
        Label of the progress bar of ``verbose > 0`` (a caller that runs
        several paths names the one running).

    Returns
    -------
    Path
    """
    dtype = X.dtype
    max_iter = resolve_max_iter(max_iter, solver)
    n_features = X.shape[1]
    design = make_design(X, sw, fit_intercept)
    live = design.norms2 > 0
    squared = loss == "squared_error"
    if squared:
        y, y_mean = center_target(y, sw, fit_intercept)
    weighting = PLAIN if weighting is None else weighting
    # the null model differs from zero when a live feature is unpenalised
    free = bool(np.any(live & ~weighting.penalised(n_features)))
    grad = null = None
    if screening or isinstance(alphas, int) or (free and coef_init is None):
        null = null_model(design, y, sw, loss=loss, fit_intercept=fit_intercept,
                          weighting=weighting)
        top = path_alpha_max(design, null.grad, weighting)
        grad = null.grad if squared else None
        if isinstance(alphas, int):
            check_auto_grid(top, weighting.l1_ratio)
            alphas = alpha_grid(top, alphas, eps)
        alpha_prev = max(top, alphas[0]) if np.isfinite(top) else alphas[0]
    alphas = np.asarray(alphas, dtype=np.float64)
    if coef_init is None:
        w = np.zeros(n_features, dtype=dtype) if null is None else null.coef.copy()
    else:
        w = coef_init.astype(dtype)
        grad = None
    glm = None if squared else GLM_LOSSES[loss]
    if intercept_init is not None:
        b = intercept_init
    elif null is not None and not squared:
        b = null.intercept
    else:
        b = 0.0 if squared else glm_null_intercept(loss, y, sw, fit_intercept)
    path = Path(alphas, np.empty((n_features, alphas.size), dtype=dtype),
                *(np.empty(alphas.size) for _ in range(4)),
                np.empty(alphas.size, dtype=bool), [])
    if not squared:
        # the intercept-only model is the deviance's reference, also
        # without intercept
        b_null = glm.null_intercept(y, sw, True)
        path.saturation = Saturation(
            glm.data_term(np.full(y.shape[0], b_null), y, sw),
            glm.reference_eta(y, sw))
    trace = path.objectives if record_objective and solver != "cd" else None
    cache = None
    if solver == "cd" and squared:
        cache = gram_cache if gram_cache is not None else GramCache(
            n_features, dtype, n_samples=None if design.is_sparse else X.shape[0])
    # functions of X, y and the weights only, the same at every alpha
    constants = solve_constants(design, y, sw, loss)
    factor = get_penalty(penalty).strong_rule_factor(gamma)
    steps = progress(range(alphas.size), verbose=verbose, desc=desc, unit="alphas")
    for k in steps:
        alpha = float(alphas[k])
        strong = None
        if grad is not None:
            strong = strong_rule_mask(
                grad, strong_rule_threshold(penalty, gamma, alpha, alpha_prev,
                                            factor=factor),
                weighting)
        n_iter, kkt, gap, converged, b, grad = solve(
            design, y, sw, uniform, w, loss=loss, solver=solver, damping=damping,
            penalty=penalty, alpha=alpha, gamma=gamma, positive=positive,
            max_iter=max_iter, tol=tol, intercept=b, fit_intercept=fit_intercept,
            live=live, grad=grad, strong=strong, cache=cache, trace=trace,
            saturation=path.saturation, weighting=weighting, constants=constants,
        )
        if squared:
            b = y_mean - float(design.X_offset @ w) if fit_intercept else 0.0
        path.coefs[:, k] = w
        path.intercepts[k] = b
        path.stop_crits[k] = kkt
        path.n_iters[k] = n_iter
        path.gaps[k] = gap
        path.converged[k] = converged
        alpha_prev = alpha
        steps.set_postfix(alpha=alpha, nnz=int(np.count_nonzero(w)), kkt=float(kkt))
        if path.saturated:
            _truncate(path, k + 1)
            steps.stop("model saturated")
            break
    return path


def _truncate(path, n_fitted):
    """Keep the first ``n_fitted`` alphas of ``path`` (a saturated path)."""
    path.alphas = path.alphas[:n_fitted]
    path.coefs = path.coefs[:, :n_fitted]
    for name in ("intercepts", "stop_crits", "n_iters", "gaps", "converged"):
        setattr(path, name, getattr(path, name)[:n_fitted])


def saturation_message(path, n_requested):
    """What the ConvergenceWarning of a saturated path says."""
    kept = (f"the path stops there and returns the {path.alphas.size} of "
            f"{n_requested} alphas fitted so far, the saturated fit last; "
            if n_requested > 1 else "")
    return (
        f"model saturated at alpha={path.alphas[-1]:.3g} "
        f"({path.saturation.cause}): with a bounded penalty (MCP/SCAD) the "
        "penalised loss has no minimiser on separable data (or on counts "
        "fitted by a mean tending to zero), so the coefficients grow "
        f"without bound; {kept}the returned estimate is finite but not a "
        "solution. Use a larger alpha or penalty='l1'."
    )


def warn_unconverged(path, tol, max_iter, solver, n_requested=None):
    """The ConvergenceWarning of a path whose solves did not all converge
    (one warning naming the cause when the path saturated)."""
    if path.saturated:
        n_requested = path.alphas.size if n_requested is None else n_requested
        warnings.warn(saturation_message(path, n_requested), ConvergenceWarning,
                      stacklevel=user_stacklevel())
        return
    if path.converged.all():
        return
    unconverged = path.alphas[~path.converged]
    warnings.warn(
        f"{unconverged.size} of the {path.alphas.size} path problems did not "
        f"reach tol={tol:g} within max_iter={resolve_max_iter(max_iter, solver)} "
        f"iterations (smallest such alpha: {unconverged.min():.3g}). Increase "
        "max_iter or tol; for MCP/SCAD logistic paths on separable data no "
        "bounded solution exists.",
        ConvergenceWarning,
        stacklevel=user_stacklevel(),
    )


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
