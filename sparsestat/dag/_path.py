"""The warm-started CoLiDE path: the central path at each alpha of a grid.

The alphas are solved in decreasing order; the first stage of each starts
from the raw solution (last stage) of the previous, larger alpha instead of
``W = 0``, the later stages from the stage before them as in a single fit.
CoLiDE's stages are not convex (``h_s`` is not), so a warm start may end in
another stationary point than the cold fit: on well-posed problems the
fits agree to the stage tolerance (tests/dag/test_colide_selection.py), but they
are not equal by construction as along a convex path.
"""

import numbers
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sparsestat._config import limit_blas_threads, user_stacklevel
from sparsestat.dag._colide import CoLiDE
from sparsestat.dag._solver import noise_scales_and_score
from sparsestat.dag._threshold import threshold_to_dag
from sparsestat.utils._grid import check_alpha_grid, geometric_grid
from sparsestat.utils.progress import progress

def colide_alpha_max(C, noise, sigma_min, forbidden=None, required=None):
    """The smallest ``alpha`` at which ``W = 0`` is a stationary point.

    At ``W = 0`` the gradient of ``h_s`` vanishes and that of the score is
    ``-C_ij / sigma_j`` (the scales at ``W = 0``: ``sqrt(tr C / d)`` for
    EV, ``sqrt(C_jj)`` for NV, floored at ``sigma_min``), so every stage
    keeps ``W = 0`` when ``alpha >= max |C_ij| / sigma_j`` over the
    penalised entries (off the diagonal, neither forbidden nor required).
    1.0 when no entry is penalised or all those are zero. Raised by a
    relative ``1e-9``: the stages compare ``mu_k alpha`` with the gradient
    computed another way, and at the exact value rounding can leave entries
    of order ``1e-16``.
    """
    d = C.shape[0]
    diag = np.diagonal(C)
    if noise == "equal":
        sigma = np.full(d, max(np.sqrt(diag.sum() / d), sigma_min))
    else:
        sigma = np.maximum(np.sqrt(diag), sigma_min)
    penalised = ~np.eye(d, dtype=bool)
    if forbidden is not None:
        penalised &= ~forbidden
    if required is not None:
        penalised &= ~required
    ratios = np.abs(C) / sigma[np.newaxis, :]
    values = ratios[penalised]
    alpha_max = float(values.max()) if values.size else 0.0
    return alpha_max * (1 + 1e-9) if alpha_max > 0 else 1.0


def check_eps(eps):
    """``eps`` as a float in ``(0, 1]``, else a ValueError naming it."""
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, numbers.Real):
        raise TypeError(f"eps must be a float in (0, 1], got {eps!r}.")
    if not (np.isfinite(eps) and 0 < eps <= 1):
        raise ValueError(f"eps must be in (0, 1], got {eps!r}.")
    return float(eps)


def _solve_path(est, C, alphas, s, forbidden, required, sigma_min, verbose=0):
    """Every alpha of ``alphas`` (any order), solved in decreasing order, each
    from the previous raw solution. Returns, in the order of ``alphas``: the
    raw solutions and thresholded DAGs (n_alphas, d, d), the noise scales at
    the DAGs (n_alphas,) for EV or (n_alphas, d) for NV, the ``s`` used and
    iterations of each fit and the alphas whose stages hit ``max_iter``.
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    d = C.shape[0]
    raw = np.empty((alphas.size, d, d))
    coefs = np.empty((alphas.size, d, d))
    equal = est.noise == "equal"
    scales = np.empty(alphas.size) if equal else np.empty((alphas.size, d))
    s_used, n_iter = [None] * alphas.size, np.empty(alphas.size, dtype=int)
    unconverged = []
    start = None
    order = np.argsort(-alphas, kind="stable")
    steps = progress(order, verbose=verbose, desc="CoLiDE path", total=alphas.size,
                     unit="alphas")
    for k in steps:
        W, s_used[k], n_iter[k], converged = est._central_path(
            C, float(alphas[k]), s, forbidden, required, start=start,
            sigma_min=sigma_min, verbose=0,
        )
        if not converged:
            unconverged.append(float(alphas[k]))
        start = W
        raw[k] = W
        coefs[k] = threshold_to_dag(W, est.w_threshold, required)
        sigma, _ = noise_scales_and_score(C, coefs[k], equal, sigma_min)
        scales[k] = sigma[0] if equal else sigma
        steps.set_postfix(alpha=float(alphas[k]), iters=int(n_iter[k]))
    return raw, coefs, scales, s_used, n_iter, unconverged


def _warn_unconverged(unconverged, max_iter, tol, where="CoLiDE path"):
    if unconverged:
        names = ", ".join(f"{a:.4g}" for a in unconverged)
        warnings.warn(
            f"{where}: a stage reached max_iter={max_iter} before the relative "
            f"objective change fell below tol={tol} at alpha={names}; increase "
            "max_iter.",
            ConvergenceWarning,
            stacklevel=user_stacklevel(),
        )


@limit_blas_threads
def colide_path(
    X,
    alphas=10,
    *,
    noise="equal",
    w_threshold=0.3,
    n_stages=4,
    mu_init=1.0,
    mu_factor=0.1,
    s=(1.0, 0.9, 0.8, 0.7),
    max_iter=10000,
    tol=1e-7,
    forbidden_edges=None,
    required_edges=None,
    tiers=None,
    covariance=None,
    eps=1e-3,
    verbose=0,
):
    """CoLiDE fits along a grid of ``alpha``, warm started.

    At every ``alpha``, the central path of :class:`CoLiDE` (its stages,
    thresholding and acyclicity repair). The alphas are solved in
    decreasing order, the first stage of each starting from the raw
    solution of the previous (larger) alpha rather than from ``W = 0``; on
    well-posed problems the fits are those of separate :class:`CoLiDE`
    fits to the stage tolerance. The counterpart of scikit-learn's
    ``graphical_lasso_path`` for DAGs.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data (at least 2 samples and 2 features, no constant column), or
        its covariance ``X_c^T X_c / n`` of shape (n_features, n_features)
        with ``covariance="precomputed"``.
    alphas : int or array-like of shape (n_alphas,), default=10
        Non-negative L1 penalties in any order (the results follow it), or
        the number of values of a log-spaced grid from ``alpha_max`` down to
        ``eps * alpha_max``, where ``alpha_max = max_ij |C_ij| / sigma_j`` (the noise
        scales at ``W = 0``, over the penalised entries) is the smallest
        ``alpha`` whose fit is empty (without ``required_edges``).
    noise : {"equal", "nonequal"}, default="equal"
        See :class:`CoLiDE`.
    w_threshold : float, default=0.3
        See :class:`CoLiDE`.
    n_stages : int, default=4
        See :class:`CoLiDE`.
    mu_init : float, default=1.0
        See :class:`CoLiDE`.
    mu_factor : float, default=0.1
        See :class:`CoLiDE`.
    s : float or sequence of float, default=(1.0, 0.9, 0.8, 0.7)
        See :class:`CoLiDE`.
    max_iter : int, default=10000
        See :class:`CoLiDE`.
    tol : float, default=1e-7
        See :class:`CoLiDE`.
    forbidden_edges : array-like or sequence of pairs, default=None
        See :class:`CoLiDE`.
    required_edges : array-like or sequence of pairs, default=None
        See :class:`CoLiDE`.
    tiers : array-like of int or dict, default=None
        See :class:`CoLiDE`.
    covariance : {None, "precomputed"}, default=None
        If "precomputed", ``X`` is the covariance matrix (see
        :class:`CoLiDE`).
    eps : float, default=1e-3
        Length of the automatic grid: ``alpha_min / alpha_max``, in
        ``(0, 1]``. ``alpha_max`` is in the units of ``C_ij / sigma_j``,
        large for variables with a large variance (downstream nodes of a
        SEM), so the grid spans three decades by default to reach the
        values around :class:`CoLiDE`'s default ``alpha=0.05`` on
        unit-noise data.
    verbose : int, default=0
        Progress bar over the alphas when positive.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The alphas, in the order given (the automatic grid decreasing).
    coefs : ndarray of shape (n_alphas, n_features, n_features)
        The DAG at each alpha (``coef_`` of :class:`CoLiDE`).
    raw_coefs : ndarray of shape (n_alphas, n_features, n_features)
        The solution of the last stage at each alpha (``raw_coef_``).
    noise_scales : ndarray of shape (n_alphas,) or (n_alphas, n_features)
        The noise scale(s) at each DAG (``noise_scale_``): one per alpha
        for ``noise="equal"``, one per alpha and node for ``"nonequal"``.
    n_iter : ndarray of shape (n_alphas,)
        Iterations summed over the stages of each alpha.

    See Also
    --------
    CoLiDE : one ``alpha``.
    CoLiDECV : ``alpha`` by cross-validation over this path.
    CoLiDEIC : ``alpha`` by an information criterion along this path.

    Notes
    -----
    CoLiDE's stages are not convex (the log-det acyclicity function is
    not), so a warm start can end in another stationary point than the
    fit from ``W = 0``; the tests check agreement on well-posed problems,
    not equality by construction. The warm start saves little: every
    alpha still runs all its stages from ``mu_init``, and on the ER2
    designs of ``benchmarks/bench_colide_cv.py`` (10 alphas, d = 20 and 50)
    the path took between 2% fewer and 5% more iterations than the
    separate fits. A stage that stops at ``max_iter`` gives
    one ConvergenceWarning naming the alphas. BLAS runs with one thread
    inside this function by default; opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> from sparsestat.dag import colide_path
    >>> from sparsestat.datasets import make_dag, sample_linear_sem
    >>> W = make_dag(6, edges_per_node=1, random_state=0)
    >>> X = sample_linear_sem(W, 300, random_state=0)
    >>> alphas, coefs, raw, scales, n_iter = colide_path(X, alphas=4)
    >>> coefs.shape, scales.shape
    ((4, 6, 6), (4,))
    >>> int((coefs[0] != 0).sum())  # alpha_max: the empty graph
    0
    """
    est = CoLiDE(
        noise=noise, w_threshold=w_threshold, n_stages=n_stages, mu_init=mu_init,
        mu_factor=mu_factor, s=s, max_iter=max_iter, tol=tol,
        forbidden_edges=forbidden_edges, required_edges=required_edges, tiers=tiers,
        covariance=covariance, verbose=verbose,
    )
    stage_s = est._check_hyperparameters()
    check_eps(eps)
    grid = check_alpha_grid(alphas)
    _, C, forbidden, required = est._validated_covariance(
        X, covariance == "precomputed"
    )
    if isinstance(grid, int):
        grid = geometric_grid(
            colide_alpha_max(C, noise, est._sigma_min, forbidden, required),
            grid, float(eps),
        )
    raw, coefs, scales, _, n_iter, unconverged = _solve_path(
        est, C, grid, stage_s, forbidden, required, est._sigma_min, verbose=verbose
    )
    _warn_unconverged(unconverged, max_iter, tol)
    return grid, coefs, raw, scales, n_iter
