"""The MTP2 stage solver: adaptive weighted stages over one covariance matrix.

``mtp2_graphical_model`` runs the stages at one ``alpha`` from a start that
the caller may give (``precision_init``): the piece a warm-started path over
several alphas is built from. The estimator and the CV class call it.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sparsestat._config import limit_blas_threads, user_stacklevel
from sparsestat._kernels._mtp2 import Status, mtp2_newton, mtp2_pg
from sparsestat.covariance._decompose import solve_stage_blocks
from sparsestat.utils._grid import geometric_grid
from sparsestat.utils.penalties import check_gamma, get_penalty
from sparsestat.utils.progress import progress

# why a stage stopped before its tolerance, by the kernels' status code
_STATUS_REASON = {
    Status.MAX_ITER: "max_iter was reached",
    Status.LINE_SEARCH_FAILED: "the line search stalled",
}


def _resolve_gamma(penalty, gamma):
    """``gamma``, or the penalty's default when ``None``, checked for MTP2.

    MTP2's bound on MCP's ``gamma`` is not the linear models': each stage
    is a weighted L1 problem, convex for any ``gamma`` at which the weights
    are defined (``gamma > 0``); the regression bound ``gamma > 1`` (for
    standardised columns) does not apply, and ``gamma`` carries units
    (1 / variance^2, see the scaling rule in MTP2GraphicalModel's notes), so
    no fixed bound above 0 does. SCAD keeps the registry's ``gamma > 2``.
    """
    spec = get_penalty(penalty)
    gamma = spec.default_gamma if gamma is None else gamma
    if penalty == "mcp":
        if not gamma > spec.gamma_defined:
            raise ValueError(
                f"gamma must be > {spec.gamma_defined:g} for penalty='mcp', "
                f"got gamma={gamma!r}."
            )
    else:
        check_gamma(penalty, gamma)
    return gamma


def penalty_weights(precision, alpha, penalty="mcp", gamma=None):
    """Weights ``lam_ij = p'(|T_ij|)`` of the next adaptive stage.

    Parameters
    ----------
    precision : ndarray of shape (p, p)
        Estimate of the previous stage.
    alpha : float
        Regularisation strength (the weight of a zero entry).
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        Penalty whose derivative ``p'`` gives the weights (constant ``alpha``
        for ``"l1"``).
    gamma : float, default=None
        Concavity (2.0 for MCP, 3.7 for SCAD when ``None``).

    Returns
    -------
    weights : ndarray of shape (p, p)
        Symmetric, zero diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.covariance import penalty_weights
    >>> T = np.array([[1.0, -0.5], [-0.5, 1.0]])
    >>> float(penalty_weights(T, 0.2, "mcp", 2.0)[0, 1])  # |T_01| > gamma * alpha
    0.0
    >>> round(float(penalty_weights(T, 0.4, "mcp", 2.0)[0, 1]), 6)  # 0.4 - 0.5 / 2
    0.15
    """
    gamma = _resolve_gamma(penalty, gamma)
    a = np.abs(precision)
    # the registry evaluates in float64; a float32 estimate keeps its dtype
    w = get_penalty(penalty).derivative(a, alpha, gamma).astype(
        np.result_type(a.dtype, np.float32), copy=False
    )
    np.fill_diagonal(w, 0.0)
    return w


def _solve_stage(emp_cov, weights, precision, diag_dominant, solver, max_iter, tol):
    """One weighted stage, split exactly over the blocks of the thresholded
    graph ``{S_ij - lam_ij > 0}``.

    An entry can be non-zero only if ``S_ij > lam_ij``. The solutions of
    the connected components of that graph, put side by side, satisfy the
    KKT conditions of the whole problem (the off-block gradient
    ``S_ij - lam_ij`` is <= 0, which both constraint sets allow at
    ``T_ij = 0``); for M-matrices the components split further into their
    biconnected blocks, glued along the cut vertices (bridges in closed
    form), see :mod:`sparsestat.covariance._decompose`.

    Returns the precision, its inverse, the largest iteration count and KKT
    violation over the blocks, and the worst (largest) status code.
    """
    kernel = mtp2_newton if solver == "newton" else mtp2_pg
    return solve_stage_blocks(
        emp_cov, weights, precision, diag_dominant, kernel, max_iter, tol, solver
    )


def _check_start(precision_init, emp_cov):
    """The first stage's start: ``diag(1 / S_ii)`` or a checked copy of
    ``precision_init``."""
    if precision_init is None:
        return np.diag(1.0 / np.diag(emp_cov))
    precision = np.array(precision_init, dtype=np.float64)
    if precision.shape != emp_cov.shape or not np.all(np.isfinite(precision)):
        # a NaN start would fail every Cholesky test and silently fall
        # back to the diagonal start
        raise ValueError(
            f"precision_init must be a finite array of shape {emp_cov.shape}, "
            f"got shape {precision.shape}"
            + ("" if precision.shape != emp_cov.shape else " with NaN or inf")
            + "."
        )
    return precision


def _warn_failures(failures, tol):
    """One ConvergenceWarning per stage that stopped above ``tol``."""
    for stage, reason, crit in failures:
        warnings.warn(
            f"MTP2 stage {stage}: {reason} with KKT violation {crit:.3g} > tol={tol}; "
            "the last positive definite iterate is returned. Increase max_iter "
            "or tol. A large violation means that the estimate may not exist "
            "(e.g. perfectly correlated columns with a zero weight).",
            ConvergenceWarning,
            stacklevel=user_stacklevel(),
        )


@limit_blas_threads
def mtp2_graphical_model(
    emp_cov,
    alpha,
    *,
    constraint="m_matrix",
    penalty="mcp",
    gamma=None,
    n_stages=4,
    solver="newton",
    max_iter=1000,
    tol=1e-6,
    precision_init=None,
    verbose=0,
):
    """Adaptive MTP2 estimate of a precision matrix from a covariance matrix.

    Each stage solves, warm started from the previous one, ::

        min_T  -logdet T + tr(T S) + sum_{i != j} lam_ij |T_ij|

    over the M-matrices (``T_ij <= 0`` for ``i != j``) or the diagonally
    dominant M-matrices (also ``T 1 >= 0``). Stage 1 uses ``lam_ij = alpha``,
    later stages ``lam_ij = p'(|T_ij|)`` of MCP or SCAD at the previous
    estimate (a local linear approximation of the non-convex penalty).

    Parameters
    ----------
    emp_cov : ndarray of shape (p, p)
        Validated covariance (symmetric, positive diagonal), float64.
    alpha : float
        Regularisation strength, in the units of ``emp_cov`` as in
        scikit-learn's ``graphical_lasso``.
    constraint : {"m_matrix", "diag_dominant"}, default="m_matrix"
        Feasible set: M-matrices, or diagonally dominant M-matrices.
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        With ``"l1"`` the weights never change and one stage is solved.
    gamma : float, default=None
        Concavity of MCP (> 0) or SCAD (> 2); 2.0 and 3.7 when ``None``.
    n_stages : int, default=4
        Number of adaptive stages (one for ``"l1"``).
    solver : {"newton", "pg"}, default="newton"
        Projected Newton-like method or projected gradient (see
        :class:`MTP2GraphicalModel`).
    max_iter : int, default=1000
        Iterations per stage.
    tol : float, default=1e-6
        Tolerance on the scale-free KKT violation of each stage.
    precision_init : ndarray of shape (p, p), default=None
        Feasible positive definite start; ``diag(1 / S_ii)`` when ``None``.
    verbose : int, default=0
        Progress bar over the stages when positive.

    Returns
    -------
    precision : ndarray of shape (p, p)
    covariance : ndarray of shape (p, p)
        Inverse of ``precision``.
    n_iter : list of int
        Iterations of each stage (largest over the blocks).
    kkt : float
        KKT violation of the last stage.
    weights : ndarray of shape (p, p)
        Weights of the last stage.

    Notes
    -----
    BLAS runs with one thread inside this function by default, whatever the
    number of cores; opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.covariance import mtp2_graphical_model
    >>> S = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.4], [0.2, 0.4, 1.0]])
    >>> T, C, n_iter, kkt, _ = mtp2_graphical_model(S, 0.05)
    >>> bool(np.all(T - np.diag(np.diag(T)) <= 0)), len(n_iter)
    (True, 4)
    """
    gamma = _resolve_gamma(penalty, gamma)
    diag_dominant = constraint == "diag_dominant"
    precision = _check_start(precision_init, emp_cov)
    stages = 1 if penalty == "l1" else n_stages
    n_iter = []
    failures = []
    weights = np.zeros_like(emp_cov)
    kkt = 0.0
    steps = progress(range(stages), verbose=verbose, desc="MTP2 stages", unit="stages")
    for stage in steps:
        if stage == 0:
            weights = np.full_like(emp_cov, alpha)
            np.fill_diagonal(weights, 0.0)
        else:
            weights = penalty_weights(precision, alpha, penalty, gamma)
        precision, covariance, it, kkt, status = _solve_stage(
            emp_cov, weights, precision, diag_dominant, solver, max_iter, tol
        )
        n_iter.append(it)
        steps.set_postfix(iters=int(it), kkt=float(kkt))
        if status != Status.CONVERGED:
            failures.append((stage + 1, _STATUS_REASON[status], kkt))
    _warn_failures(failures, tol)
    return precision, covariance, n_iter, kkt, weights


def _alpha_grid(emp_cov, n_alphas):
    """``n_alphas`` log-spaced values from ``alpha_max`` down to 1% of it."""
    off = emp_cov[~np.eye(emp_cov.shape[0], dtype=bool)]
    # at alpha >= max_ij S_ij every off-diagonal entry is zero
    alpha_max = float(off.max()) if off.size and off.max() > 0 else 1.0
    return geometric_grid(alpha_max, n_alphas)
