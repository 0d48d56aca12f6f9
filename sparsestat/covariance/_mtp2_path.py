"""The warm-started MTP2 path: every adaptive stage at each alpha of a grid.

Each alpha starts its first (weighted L1) stage from the first-stage
solution of the nearest larger alpha already solved; the later stages start
from the stage before them, as in a single fit. Every stage is a convex
problem, so the start changes the work, not the answer (to the tolerance).

Why the first-stage solution and not the final adaptive estimate: it does
not depend on ``gamma`` (the CV shares it between its gammas), and it was
the cheaper start when measured (``benchmarks/bench_mtp2_cv.py``: CV at
p = 100, five seeds, 105 single fits' time against 109 from the final
estimate and 118 without warm start; on 12-point paths at p = 100 and 200
the two starts are within 2%). The gain is small because the projected
Newton method needs few iterations from the diagonal and most of a stage's
time goes to its last, tightly solved conjugate-gradient iterations, which
a warm start does not remove.
"""

import numbers

import numpy as np

from sparsestat._config import limit_blas_threads
from sparsestat.covariance._graphical_model import _COMMON_CONSTRAINTS
from sparsestat.covariance._path import (
    _STATUS_REASON,
    _alpha_grid,
    _resolve_gamma,
    _solve_stage,
    _warn_failures,
    penalty_weights,
)
from sparsestat._kernels._mtp2 import Status
from sparsestat.utils._grid import check_alpha_grid
from sparsestat.utils._param_validation import validate_parameter_constraints
from sparsestat.utils.progress import progress
from sparsestat.utils.validation import check_covariance_matrix, check_finite_scalar

# the estimator's options, less those of the data (assume_centered)
_PATH_CONSTRAINTS = {
    k: v for k, v in _COMMON_CONSTRAINTS.items() if k != "assume_centered"
}


def _check_emp_cov(emp_cov):
    """``emp_cov`` as a finite, square, symmetric float64 array with a
    positive diagonal (not tested for definiteness: a stage sees ``S`` only
    through ``S - weights``, which callers may shift)."""
    return check_covariance_matrix(
        emp_cov, "emp_cov", psd=False, zero_variance=" A zero variance is a "
        "constant column, for which no MTP2 estimate exists: remove it.",
    )


def _check_path_alphas(alphas, emp_cov):
    """The grid as float64 values in the caller's order: an integer is the
    number of points of the automatic grid (decreasing)."""
    alphas = check_alpha_grid(alphas)
    if isinstance(alphas, numbers.Integral):
        return _alpha_grid(emp_cov, alphas)
    return alphas


def _adaptive_stages(emp_cov, alpha, start, penalty, gamma, n_stages, diag_dominant,
                     solver, max_iter, tol):
    """All stages at one ``alpha``, the first from ``start``.

    Returns the final precision and covariance, the first stage's precision
    (the next alpha's start), the iterations of each stage, the last stage's
    KKT violation and the ``(stage, reason, kkt)`` of the stages that
    stopped early.
    """
    precision = start
    first = None
    n_iter, failures = [], []
    kkt = 0.0
    for stage in range(1 if penalty == "l1" else n_stages):
        if stage == 0:
            weights = np.full_like(emp_cov, alpha)
            np.fill_diagonal(weights, 0.0)
        else:
            weights = penalty_weights(precision, alpha, penalty, gamma)
        # the kernels overwrite their start, which may be kept by the caller
        precision, covariance, it, kkt, status = _solve_stage(
            emp_cov, weights, precision.copy(), diag_dominant, solver, max_iter, tol
        )
        if stage == 0:
            first = precision
        n_iter.append(int(it))
        if status != Status.CONVERGED:
            failures.append((stage + 1, _STATUS_REASON[status], kkt))
    return precision, covariance, first, n_iter, float(kkt), failures


def _nearest_larger(solved, alpha):
    """The smallest alpha of ``solved`` (a dict keyed by alphas) at or above
    ``alpha``, the largest one when none is (the nearest below), None when
    ``solved`` is empty."""
    if not solved:
        return None
    keys = np.fromiter(solved, dtype=np.float64, count=len(solved))
    above = keys[keys >= alpha]
    return float(above.min() if above.size else keys.max())


def _solve_path(emp_cov, alphas, starts, params, verbose=0, warm="first"):
    """Every alpha of ``alphas`` (any order), solved in decreasing order.

    ``starts`` maps alphas solved before (e.g. in an earlier refinement
    round) to their warm starts; each alpha starts from the nearest larger
    one among those and the alphas of this call. ``warm`` says which
    solution is an alpha's start for the next: its first stage's
    (``"first"``) or its final estimate (``"final"``; the benchmark
    compares them). Returns the results per alpha in the order of
    ``alphas`` (tuples of ``_adaptive_stages``) and the warm starts of the
    alphas of this call.
    """
    solved = dict(starts)
    diag_start = np.diag(1.0 / np.diag(emp_cov))
    order = np.argsort(-np.asarray(alphas, dtype=np.float64), kind="stable")
    results = [None] * len(alphas)
    firsts = {}
    steps = progress(order, verbose=verbose, desc="MTP2 path", total=len(order),
                     unit="alphas")
    for k in steps:
        alpha = float(alphas[k])
        near = _nearest_larger(solved, alpha)
        results[k] = _adaptive_stages(
            emp_cov, alpha, diag_start if near is None else solved[near], **params
        )
        solved[alpha] = firsts[alpha] = results[k][2 if warm == "first" else 0]
        steps.set_postfix(alpha=alpha, iters=sum(results[k][3]), kkt=results[k][4])
    return results, firsts


def _stage_params(constraint, penalty, gamma, n_stages, solver, max_iter, tol):
    """Keyword arguments of ``_adaptive_stages`` from the public ones."""
    return {
        "penalty": penalty,
        "gamma": _resolve_gamma(penalty, gamma),
        "n_stages": n_stages,
        "diag_dominant": constraint == "diag_dominant",
        "solver": solver,
        "max_iter": max_iter,
        "tol": tol,
    }


@limit_blas_threads
def mtp2_path(
    emp_cov,
    alphas,
    *,
    constraint="m_matrix",
    penalty="mcp",
    gamma=None,
    n_stages=4,
    solver="newton",
    max_iter=1000,
    tol=1e-6,
    verbose=0,
):
    """Adaptive MTP2 estimates along a grid of ``alpha``, warm started.

    At every ``alpha``, the stages of :func:`mtp2_graphical_model` ::

        min_T  -logdet T + tr(T S) + sum_{i != j} lam_ij |T_ij|

    over the M-matrices or the diagonally dominant M-matrices, stage 1 with
    ``lam_ij = alpha`` and stage ``k`` with ``lam_ij = p'(|T_ij|)`` at stage
    ``k - 1``'s estimate. The alphas are solved in decreasing order, the
    first stage of each warm started from the first-stage solution of the
    previous (larger) alpha; each stage is convex, so every point equals a
    separate fit of :func:`mtp2_graphical_model` to the solver's tolerance,
    at a fraction of the cost. The counterpart of scikit-learn's
    ``graphical_lasso_path``.

    Parameters
    ----------
    emp_cov : array-like of shape (n_features, n_features)
        Empirical covariance (symmetric, finite, positive diagonal), e.g.
        ``sklearn.covariance.empirical_covariance(X)``.
    alphas : int or array-like of shape (n_alphas,)
        Non-negative regularisation strengths, in any order (the results
        follow it), or the number of values of a log-spaced grid from
        ``max_ij S_ij`` (every edge removed) down to 1% of it.
    constraint : {"m_matrix", "diag_dominant"}, default="m_matrix"
        Feasible set: M-matrices, or diagonally dominant M-matrices.
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        Penalty whose derivative gives the weights of the stages after the
        first; ``"l1"`` solves one stage.
    gamma : float, default=None
        Concavity of MCP (> 0) or SCAD (> 2); the penalty's default when
        ``None`` (as in :func:`mtp2_graphical_model`).
    n_stages : int, default=4
        Number of adaptive stages at each ``alpha`` (one for ``"l1"``).
    solver : {"newton", "pg"}, default="newton"
        Projected Newton-like method or projected gradient (see
        :class:`MTP2GraphicalModel`).
    max_iter : int, default=1000
        Iterations per stage.
    tol : float, default=1e-6
        Tolerance on the scale-free KKT violation of each stage.
    verbose : int, default=0
        Progress bar over the alphas (with the current one) when positive.

    Returns
    -------
    precisions : ndarray of shape (n_alphas, n_features, n_features)
        Final adaptive estimate at each ``alpha``, in the order of
        ``alphas``.
    covariances : ndarray of shape (n_alphas, n_features, n_features)
        Their inverses.
    n_iter : list of list of int
        Per ``alpha``, the iterations of each stage (largest over the
        blocks of the component split).
    stop_crit : ndarray of shape (n_alphas,)
        Scale-free KKT violation of the last stage at each ``alpha``.

    See Also
    --------
    mtp2_graphical_model : one ``alpha``.
    MTP2GraphicalModelCV : choice of ``alpha`` by cross-validation over
        this path.

    Notes
    -----
    A stage that stops before ``tol`` gives a ConvergenceWarning naming its
    ``alpha``. BLAS runs with one thread inside this function by default;
    opt out with ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.covariance import mtp2_path
    >>> S = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.4], [0.2, 0.4, 1.0]])
    >>> precisions, covariances, n_iter, stop_crit = mtp2_path(S, [0.05, 0.45])
    >>> precisions.shape, len(n_iter[0])
    ((2, 3, 3), 4)
    >>> [int(np.count_nonzero(np.triu(T, 1))) for T in precisions]  # edges
    [2, 1]
    """
    validate_parameter_constraints(
        _PATH_CONSTRAINTS,
        dict(constraint=constraint, penalty=penalty, gamma=gamma, n_stages=n_stages,
             solver=solver, max_iter=max_iter, tol=tol, verbose=verbose),
        caller_name="mtp2_path",
    )
    check_finite_scalar(tol, "tol")
    if gamma is not None:
        check_finite_scalar(gamma, "gamma")
    emp_cov = _check_emp_cov(emp_cov)
    alphas = _check_path_alphas(alphas, emp_cov)
    params = _stage_params(constraint, penalty, gamma, n_stages, solver, max_iter, tol)
    results, _ = _solve_path(emp_cov, alphas, {}, params, verbose=verbose)
    for alpha, result in zip(alphas, results, strict=True):
        failures = result[5]
        _warn_failures(
            [(f"{stage} at alpha={alpha:.6g}", why, crit) for stage, why, crit in failures],
            tol,
        )
    return (
        np.array([r[0] for r in results]),
        np.array([r[1] for r in results]),
        [r[3] for r in results],
        np.array([r[4] for r in results]),
    )

