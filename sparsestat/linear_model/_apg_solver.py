"""Accelerated and plain proximal gradient for the nonconvex linear models.

The kernel (``sparsestat/_kernels/_apg.pyx``) runs Ghadimi and Lan's
accelerated gradient for nonconvex composite problems, with the tuned
damping of the seed paper or the original setting, or plain proximal
gradient. This module computes the Lipschitz constant and maps names to the
kernel's codes; the estimators validate their inputs before calling it.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import eigvalsh
from scipy.sparse.linalg import LinearOperator, eigsh

from sparsestat._kernels._apg import Method, apg_solve
from sparsestat.utils._design import residual_scale
from sparsestat.utils.datafits import get_datafit
from sparsestat.utils.penalties import get_penalty

# the kernel's method for each damping schedule (None: no momentum, plain
# proximal gradient)
DAMPINGS = {
    "tuned": Method.METHOD_TUNED,
    "ghadimi-lan": Method.METHOD_GHADIMI_LAN,
    None: Method.METHOD_PGD,
}

@dataclass(frozen=True)
class APGControl:
    """The run bundle of ``apg_solve`` (see its docstring)."""

    method: int
    intercept: float
    update_intercept: bool
    lipschitz: float
    b_scale: float
    b_step: float
    max_iter: int
    tol: float
    check_every: int
    record: bool


# KKT test period of the accelerated methods: the test costs one extra
# X^T product, so testing every 10 steps adds about 10% to a run.
CHECK_EVERY = 10

# Below this many rows or columns the Gram matrix of the smaller side is
# formed and its top eigenvalue computed exactly.
_EXACT_GRAM_SIZE = 300
# Relative accuracy of the Lanczos estimate of the top eigenvalue. A Ritz
# value never exceeds the eigenvalue, so the estimate is inflated by this
# much to stay an upper bound (the tuned step 0.99 / L leaves more room).
_LANCZOS_TOL = 1e-6


def _raw_design(design, n_samples):
    """The uncentred X: the dense array or a CSC matrix on the design's arrays."""
    if design.is_sparse:
        shape = (n_samples, design.X_mean.shape[0])
        return sp.csc_matrix((design.data, design.indices, design.indptr), shape=shape)
    return design.dense


def intercept_scale(design):
    """Scale given to the logistic intercept's column of ones: the RMS
    column norm of X, so that the gradient steps treat b like a coefficient
    whatever the units of X (step on b multiplied by its square)."""
    live = design.norms2 > 0
    if not live.any():
        return 1.0
    moments = design.norms2[live].astype(np.float64) + design.X_mean[live].astype(np.float64) ** 2
    scale = float(np.sqrt(moments.mean()))
    return scale if np.isfinite(scale) and scale > 0 else 1.0


def lipschitz_constant(design, sw, *, datafit="quadratic", fit_intercept=True):
    """Lipschitz constant of the gradient of the data term.

    Quadratic: the largest eigenvalue of the weighted, centred Gram matrix
    ``(X - 1 m^T)^T diag(sw) (X - 1 m^T)`` with ``m = design.X_mean``.
    Logistic: a quarter of the largest eigenvalue of the uncentred weighted
    Gram matrix of ``[X, k 1]`` (the column of ones only with an intercept,
    scaled by ``k`` = :func:`intercept_scale`), since the log-loss has
    second derivative at most 1/4.

    Method: when the design has at most a few hundred rows or columns, the
    Gram matrix of the smaller side is formed and ``eigvalsh`` gives the top
    eigenvalue exactly. Otherwise ``eigsh`` (Lanczos) runs on a
    ``LinearOperator`` that applies the Gram matrix through two products
    with X, never forming it; Lanczos reaches a relative accuracy of 1e-6 in
    a few tens of products (far fewer than power iteration when the top
    eigenvalues are close, as on correlated designs), and the result is
    inflated by that accuracy because Ritz values approach from below.

    Parameters
    ----------
    design : Design
        From :func:`~sparsestat.utils._design.make_design`.
    sw : ndarray of shape (n_samples,)
        Sample weights summing to one.
    datafit : {"quadratic", "logistic"}, default="quadratic"
    fit_intercept : bool, default=True
        Logistic only: whether the intercept column joins the Gram matrix.

    Returns
    -------
    L : float
    """
    curvature = get_datafit(datafit).curvature_bound
    if not np.isfinite(curvature):
        # Poisson: exp(eta) is unbounded, so no fixed step 1/L is safe; the
        # models of such a datafit offer proximal Newton only
        raise ValueError(
            f"datafit={datafit!r} has no global Lipschitz constant (unbounded "
            "curvature): the proximal gradient solvers need one; use "
            "solver='cd'."
        )
    n = sw.shape[0]
    X = _raw_design(design, n)
    sw64 = np.asarray(sw, dtype=np.float64)
    logistic = datafit == "logistic"
    m = (
        np.zeros(design.X_mean.shape[0])
        if logistic
        else design.X_mean.astype(np.float64)
    )
    ones = logistic and fit_intercept
    kappa = intercept_scale(design) if ones else 1.0
    p_eff = m.shape[0] + int(ones)

    if min(n, p_eff) <= _EXACT_GRAM_SIZE:
        A = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
        A = A.astype(np.float64) - m
        if ones:
            A = np.hstack([A, np.full((n, 1), kappa)])
        A *= np.sqrt(sw64)[:, None]
        gram = A @ A.T if n <= p_eff else A.T @ A
        k = gram.shape[0] - 1
        top = float(eigvalsh(gram, subset_by_index=[k, k])[0]) if gram.size else 0.0
    else:
        p = m.shape[0]

        def matvec(v):
            v = np.asarray(v, dtype=np.float64).ravel()
            u = X @ v[:p] - m @ v[:p]
            if ones:
                u = u + kappa * v[p]
            u = sw64 * u
            out = np.empty(p_eff)
            out[:p] = X.T @ u - m * u.sum()
            if ones:
                out[p] = kappa * u.sum()
            return out

        op = LinearOperator((p_eff, p_eff), matvec=matvec, dtype=np.float64)
        v0 = np.random.RandomState(0).uniform(0.5, 1.5, size=p_eff)
        top = float(eigsh(op, k=1, which="LA", tol=_LANCZOS_TOL, v0=v0,
                          return_eigenvectors=False)[0])
        top *= 1 + _LANCZOS_TOL
    top = max(top, 0.0)
    return top * curvature


def solve_apg(design, y, sw, w, *, datafit="quadratic", intercept=0.0,
              fit_intercept=True, penalty, alpha, gamma, positive,
              damping="tuned", max_iter, tol, kkt_scale=None, lipschitz=None,
              return_trace=False, weighting=None):
    """Run accelerated or plain proximal gradient in place on ``w``.

    Solves ``min_w loss(w) + sum_j p(|w_j|; alpha, gamma)`` where, with
    weights ``sw`` summing to one,

    - ``"quadratic"``: ``loss = 1/2 sum_i sw_i (y_i - (x_i - m)^T w)^2``,
      ``y`` the centred target and ``m = design.X_mean`` (the intercept is
      recovered by the caller as for the CD solver);
    - ``"logistic"``: ``loss = sum_i sw_i log(1 + exp(-y_i (x_i^T w + b)))``
      with ``y`` in {-1, +1}; ``design.X_mean`` is ignored and the
      unpenalised intercept ``b`` moves with the gradient steps when
      ``fit_intercept``.

    The penalty is split into ``alpha |w|`` plus a smooth concave part that
    joins the gradient, so each step is a soft-thresholding. Steps use
    ``L = max(L_loss, 1/gamma)`` (MCP), ``max(L_loss, 1/(gamma - 1))``
    (SCAD) or ``L_loss`` (L1). With a ``weighting`` (per-feature factors
    ``pw_j`` and ``l1_ratio``), the ridge part ``(1 - l1_ratio) alpha pw_j
    / 2 w_j^2`` is smooth too: ``L = max(L_loss + (1 - l1_ratio) alpha
    max_j pw_j, l1_ratio L_q)`` and the soft-threshold of coordinate ``j``
    is ``l1_ratio alpha pw_j`` times the step.

    Parameters
    ----------
    design : Design
        From :func:`~sparsestat.utils._design.make_design`.
    y : ndarray of shape (n_samples,)
        Centred target (quadratic) or labels in {-1, +1} (logistic), of the
        design's dtype.
    sw : ndarray of shape (n_samples,)
        Sample weights summing to one.
    w : ndarray of shape (n_features,)
        Starting coefficients, overwritten by the solution.
    datafit : {"quadratic", "logistic"}, default="quadratic"
    intercept : float, default=0.0
        Starting intercept (logistic).
    fit_intercept : bool, default=True
        Logistic: whether the intercept is fitted (else held at
        ``intercept``). Quadratic: the centring is in ``design`` and ``y``.
    penalty : {"l1", "mcp", "scad"}
    alpha, gamma : float
    positive : bool
        Constrain the coefficients to be non-negative.
    damping : {"tuned", "ghadimi-lan"} or None, default="tuned"
        ``"tuned"``: ``b_k = 0.99/L``, ``l_k = b_k/a_k``, ``a_1 = 1``,
        ``a_k = 2/(1 + sqrt(1 + 4/a_{k-1}^2))``, restarted (``a_k = 1``,
        long-step sequence reset to the current point) whenever the
        objective increases. ``"ghadimi-lan"``: ``a_k = 2/(k+1)``,
        ``b_k = 1/(2L)``, ``l_k = k b_k/2``. None: proximal gradient with
        step ``1/L``.
    max_iter : int
        Maximum number of gradient steps.
    tol : float
        Stop when the scaled KKT violation
        ``max_j kkt_scale_j dist(-grad_j loss, dp(w_j))`` (and
        ``|d loss/d b|`` for a fitted logistic intercept) is at most
        ``tol``; tested every ``CHECK_EVERY`` steps for the accelerated
        methods and at every step for proximal gradient.
    kkt_scale : ndarray of shape (n_features,) or None, default=None
        Inverse gradient scale of each column; None:
        ``design.kkt_scale(s)`` with ``s`` the weighted RMS of ``y``
        (quadratic) or 1 (logistic), which makes ``tol`` relative.
    lipschitz : float or None, default=None
        ``L_loss`` if already known (e.g. along a path), else computed by
        :func:`lipschitz_constant`.
    return_trace : bool, default=False
        Also return the objective after each step (first entry: start).
    weighting : PenaltyWeighting, optional
        Per-feature penalty weights and ``l1_ratio``
        (:class:`~sparsestat.utils.penalties.PenaltyWeighting`); None is
        the plain penalty.

    Returns
    -------
    n_iter : int
        Gradient steps taken. (The accelerated methods also evaluate the
        gradient at the returned sequence every ``CHECK_EVERY`` steps for
        the KKT test; those evaluations are not steps.)
    kkt : float
        KKT violation at the returned point.
    converged : bool
    intercept : float
        Returned intercept (the input one for quadratic).
    trace : ndarray
        Only with ``return_trace``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.datasets import make_sparse_regression
    >>> from sparsestat.linear_model._apg_solver import solve_apg
    >>> from sparsestat.utils._design import center_target, make_design
    >>> X, y = make_sparse_regression(100, 50, 5, random_state=0)[:2]
    >>> sw = np.full(100, 0.01)
    >>> design = make_design(X, sw, fit_intercept=True)
    >>> y_c, y_mean = center_target(y, sw, fit_intercept=True)
    >>> w = np.zeros(50)
    >>> n_iter, kkt, converged, _ = solve_apg(
    ...     design, y_c, sw, w, penalty="mcp", alpha=0.1, gamma=3.0,
    ...     positive=False, max_iter=5000, tol=1e-6)
    >>> converged, bool(kkt <= 1e-6), int(np.count_nonzero(w)) <= 50
    (True, True, True)
    """
    fit = get_datafit(datafit)
    if damping not in DAMPINGS:
        raise ValueError(
            f"damping must be 'tuned', 'ghadimi-lan' or None, got {damping!r}."
        )
    spec = get_penalty(penalty)
    if spec.uses_gamma and not gamma > spec.gamma_defined:
        raise ValueError(
            f"gamma must be > {spec.gamma_defined:g} for penalty={penalty!r}, "
            f"got {gamma!r}."
        )
    if not alpha >= 0:
        raise ValueError(f"alpha must be >= 0, got {alpha!r}.")
    if not tol >= 0:
        raise ValueError(f"tol must be >= 0, got {tol!r}.")
    if int(max_iter) != max_iter or max_iter < 0:
        raise ValueError(f"max_iter must be a non-negative integer, got {max_iter!r}.")
    dtype = design.X_mean.dtype
    logistic = datafit == "logistic"
    if logistic and not np.all(np.abs(y) == 1):
        raise ValueError("y must hold labels in {-1, +1} for the logistic datafit.")
    if lipschitz is None:
        lipschitz = lipschitz_constant(
            design, sw, datafit=datafit, fit_intercept=fit_intercept
        )
    # the concave part of the penalty joins the smooth part
    if weighting is None or weighting.is_plain:
        L = max(float(lipschitz), spec.concave_lipschitz(gamma))
    else:
        # and so does the ridge part, of curvature (1 - r) alpha pw_j
        r = weighting.l1_ratio
        ridge = (1 - r) * float(alpha) * float(weighting.factors(w.shape[0]).max())
        L = max(float(lipschitz) + ridge,
                r * spec.concave_lipschitz(gamma) if r > 0 else 0.0)
    if not L > 0:
        # zero design and no intercept: the gradient is constant, any step works
        L = 1.0
    if kkt_scale is None:
        kkt_scale = design.kkt_scale(1.0 if logistic else residual_scale(y, sw))
    trace = np.zeros(max_iter + 1 if return_trace else 1, dtype=dtype)
    update_intercept = bool(logistic and fit_intercept)
    control = APGControl(
        method=int(DAMPINGS[damping]),
        intercept=float(intercept),
        update_intercept=update_intercept,
        lipschitz=L,
        b_scale=1.0,
        b_step=intercept_scale(design) ** 2 if update_intercept else 1.0,
        max_iter=int(max_iter),
        tol=float(tol),
        check_every=CHECK_EVERY,
        record=bool(return_trace),
    )
    n_iter, kkt, converged, b = apg_solve(
        # the logistic datafit is not centred: its intercept is a variable
        design.kernel(sw, centred=not logistic),
        spec.params(alpha, gamma, positive, weighting, w.shape[0]),
        int(fit.code),
        np.ascontiguousarray(y, dtype=dtype),
        w,
        np.ascontiguousarray(kkt_scale, dtype=dtype),
        trace,
        control,
    )
    if return_trace:
        return n_iter, kkt, converged, b, trace[: n_iter + 1]
    return n_iter, kkt, converged, b
