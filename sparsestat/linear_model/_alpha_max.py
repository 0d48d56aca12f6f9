"""The top of a regularisation path: the null model and ``alpha_max``.

The null model is the solution at which every penalised coefficient is
zero: the intercept alone (when fitted) plus the unpenalised features
(penalty weight 0), fitted without penalty. ``alpha_max`` is the smallest
alpha at which it is stationary. Every penalty of the registry has
``p'(0) = alpha``, and the ridge part of ``l1_ratio < 1`` has a zero
derivative at zero, so for all of them

    alpha_max = max_j |grad_j| / (l1_ratio * pw_j)

over the penalised non-constant features, ``grad`` the data term's
gradient at the null model. :func:`null_model` and :func:`path_alpha_max`
serve the paths (:func:`~sparsestat.linear_model._path.compute_path`, the
CV grids); :func:`alpha_max` is the public face, on raw ``X`` and ``y``.
"""

import warnings
from dataclasses import dataclass
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_array, check_consistent_length

from sparsestat._config import limit_blas_threads, user_stacklevel
from sparsestat.linear_model._glm import GLM_LOSSES
from sparsestat.utils._design import center_target, make_design
from sparsestat.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sparsestat.utils.penalties import PLAIN, make_weighting
from sparsestat.utils.validation import check_sample_weight, check_sparse_input

__all__ = ["alpha_max"]

# the losses alpha_max knows (the Poisson gradient is computed here in numpy)
ALPHA_MAX_LOSSES = ("squared_error", "log_loss", "poisson")

# Newton iterations and gradient tolerance of the small unpenalised GLM fit
# on the intercept and the zero-weight features
_NEWTON_MAX_ITER = 100
_NEWTON_TOL = 1e-10


@dataclass(frozen=True)
class NullModel:
    """Coefficients, intercept and data-term gradient of the null model.

    ``coef`` is zero but for the unpenalised features; ``intercept`` is the
    log-loss / Poisson intercept (0 for least squares, whose intercept the
    caller recovers from the centring); ``grad`` has the design's dtype and
    zeros on held columns.
    """

    coef: np.ndarray
    intercept: float
    grad: np.ndarray


def glm_null_intercept(loss, y, sw, fit_intercept):
    """Intercept of the GLM null model without unpenalised features:
    the log-odds (``"log_loss"``) or the log (``"poisson"``, floored so that
    an all-zero target keeps a finite linear predictor) of the weighted
    mean of ``y``, 0 without intercept (the datafit's own definition,
    :mod:`~sparsestat.linear_model._glm`)."""
    if loss == "poisson":
        y = np.asarray(y, dtype=np.float64)
        sw = np.asarray(sw, dtype=np.float64)
    return GLM_LOSSES[loss].null_intercept(y, sw, fit_intercept)


def _glm_terms(loss, eta, y):
    """(loss per sample, d loss / d eta, d^2 loss / d eta^2) in float64."""
    if loss == "log_loss":
        mu = 0.5 * (1 + np.tanh(0.5 * eta))
        return np.logaddexp(0, eta) - y * eta, mu - y, np.maximum(mu * (1 - mu), 1e-12)
    mu = np.exp(np.minimum(eta, 700.0))
    return mu - y * eta, mu - y, np.maximum(mu, 1e-12)


def _unpenalised_glm(Z, y, sw, loss, beta):
    """Newton's method with step halving on ``sum_i sw_i ell(y_i, Z_i beta)``
    (a few columns: the intercept and the zero-weight features)."""
    value = sw @ _glm_terms(loss, Z @ beta, y)[0]
    for _ in range(_NEWTON_MAX_ITER):
        _, d1, d2 = _glm_terms(loss, Z @ beta, y)
        grad = Z.T @ (sw * d1)
        if np.max(np.abs(grad)) <= _NEWTON_TOL:
            return beta
        hess = Z.T @ (Z * (sw * d2)[:, None])
        step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        t = 1.0
        while t > 1e-10:
            candidate = beta - t * step
            new_value = sw @ _glm_terms(loss, Z @ candidate, y)[0]
            if new_value <= value:
                break
            t *= 0.5
        else:
            return beta
        beta, value = candidate, new_value
    warnings.warn(
        "The unpenalised fit of the intercept and the zero-weight features "
        f"(the null model of the path) did not converge in {_NEWTON_MAX_ITER} "
        "Newton iterations: those features may separate the classes.",
        ConvergenceWarning,
        stacklevel=user_stacklevel(),
    )
    return beta


def _columns(matrix, columns):
    """Dense float64 copy of the given columns of a dense or CSC matrix."""
    sub = matrix[:, columns]
    return sub.toarray() if sp.issparse(sub) else np.asarray(sub, dtype=np.float64)


def _glm_gradient(matrix, loss, eta, y, sw):
    """X^T (sw * d loss / d eta)."""
    d1 = _glm_terms(loss, eta, y)[1]
    return np.asarray(matrix.T @ (sw * d1)).ravel()


def null_model(design, y, sw, *, loss, fit_intercept, weighting=None):
    """The :class:`NullModel` of a path.

    Parameters
    ----------
    design : Design
        :func:`~sparsestat.utils._design.make_design` of X with ``sw``.
    y : ndarray
        The centred target (``"squared_error"``), {0, 1} labels
        (``"log_loss"``) or counts (``"poisson"``), of X's dtype.
    sw : ndarray
        Weights summing to one.
    loss : {"squared_error", "log_loss", "poisson"}
    weighting : PenaltyWeighting, optional
        Features of weight 0 are fitted without penalty (weighted least
        squares, or Newton's method for the GLMs, with the intercept).
    """
    weighting = PLAIN if weighting is None else weighting
    dtype = design.X_mean.dtype
    n_features = design.X_mean.shape[0]
    live = design.norms2 > 0
    free = np.flatnonzero(live & ~weighting.penalised(n_features))
    coef = np.zeros(n_features, dtype=dtype)
    if loss == "squared_error":
        # -(X - 1 m^T)^T (sw * r), r = y_c - (X - 1 m^T) w
        resid = np.asarray(y, dtype=np.float64) if free.size else y
        if free.size:
            Xc = _columns(design.matrix, free) - design.X_mean[free].astype(np.float64)
            root = np.sqrt(sw.astype(np.float64))
            beta = np.linalg.lstsq(Xc * root[:, None], resid * root, rcond=None)[0]
            coef[free] = beta
            resid = (resid - Xc @ coef[free].astype(np.float64)).astype(dtype)
        swr = sw * resid
        grad = -np.asarray(design.matrix.T @ swr).ravel() + design.X_mean * swr.sum()
        grad[~live] = 0
        return NullModel(coef, 0.0, np.ascontiguousarray(grad, dtype=dtype))
    if loss == "log_loss" and not free.size:
        glm = GLM_LOSSES[loss]
        b = glm.null_intercept(y, sw, fit_intercept)
        grad = glm.gradient(design.matrix, np.full(y.shape[0], b), y, sw)[0]
        return NullModel(coef, b, grad)
    y64 = np.asarray(y, dtype=np.float64)
    sw64 = np.asarray(sw, dtype=np.float64)
    b = glm_null_intercept(loss, y, sw, fit_intercept)
    eta = np.full(y.shape[0], b)
    if free.size:
        Z = _columns(design.matrix, free)
        if fit_intercept:
            Z = np.column_stack([np.ones(y.shape[0]), Z])
        beta = np.zeros(Z.shape[1])
        if fit_intercept:
            beta[0] = b
        beta = _unpenalised_glm(Z, y64, sw64, loss, beta)
        eta = Z @ beta
        b = float(beta[0]) if fit_intercept else 0.0
        coef[free] = beta[int(fit_intercept):]
        if design.shift is not None:
            # the fit used the centred copy X - shift: back to X's intercept
            b -= float(design.shift[free] @ beta[int(fit_intercept):])
    grad = _glm_gradient(design.matrix, loss, eta, y64, sw64)
    grad[~live] = 0
    return NullModel(coef, float(b), np.ascontiguousarray(grad, dtype=dtype))


def path_alpha_max(design, grad, weighting=None):
    """``max_j |grad_j| / (l1_ratio pw_j)`` over the live penalised features.

    ``grad`` is :attr:`NullModel.grad`. 0 when no feature is penalised and
    live; ``inf`` for ``l1_ratio = 0`` (a ridge penalty never zeroes a
    coefficient), unless every such gradient is zero.
    """
    weighting = PLAIN if weighting is None else weighting
    live = design.norms2 > 0
    if weighting.is_plain:
        return float(np.abs(grad[live]).max()) if live.any() else 0.0
    factors = weighting.factors(grad.shape[0])
    keep = live & (factors > 0)
    if not keep.any():
        return 0.0
    ratio = np.abs(grad[keep].astype(np.float64)) / factors[keep]
    top = float(ratio.max())
    if weighting.l1_ratio == 0:
        return np.inf if top > 0 else 0.0
    return top / weighting.l1_ratio


_ALPHA_MAX_CONSTRAINTS = {
    "loss": [StrOptions(set(ALPHA_MAX_LOSSES))],
    "l1_ratio": [Interval(Real, 0, 1, closed="both")],
    "fit_intercept": ["boolean"],
}


@limit_blas_threads
def alpha_max(X, y, *, loss="squared_error", penalty_weights=None, l1_ratio=1.0,
              fit_intercept=True, sample_weight=None):
    r"""The smallest alpha whose solution has every penalised coefficient at zero.

    At the null model (the intercept, when fitted, and the features of
    penalty weight 0, fitted without penalty), every L1, MCP and SCAD
    penalty has derivative ``alpha`` at zero and the ridge part of
    ``l1_ratio < 1`` none, so for all of them

    .. math::

        \alpha_{\max} = \max_j \frac{|\nabla_j L(w_0, b_0)|}{\rho\, \pi_j}

    over the penalised non-constant features, with ``L`` the data term of
    the estimators (half the weighted mean squared error, the weighted
    mean log-loss, or half the weighted mean Poisson deviance), ``rho``
    the ``l1_ratio`` and ``pi_j`` the rescaled penalty weights. The paths
    of :func:`nonconvex_path` and the CV classes start their automatic
    grids here. BLAS runs with one thread inside this function by default,
    as in the fits; opt out with ``sparsestat.set_config(blas_threads=None)``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,)
        Targets: real values (``"squared_error"``), two classes, the larger
        the positive one (``"log_loss"``), or non-negative counts
        (``"poisson"``).
    loss : {"squared_error", "log_loss", "poisson"}, default="squared_error"
        The data term. The Poisson gradient is
        ``X^T (sw * (exp(eta_0) - y))`` at the null linear predictor
        ``eta_0`` (the log of the weighted mean of ``y`` with an intercept,
        0 without).
    penalty_weights : array-like of shape (n_features,), default=None
        Non-negative finite per-feature weights, rescaled so that their
        mean over the penalised (non-zero) features is one; 0 leaves a
        feature unpenalised. None: all one.
    l1_ratio : float, default=1.0
        Elastic-net mixing in [0, 1]; ``l1_ratio=0`` (ridge only) gives
        ``inf``: no finite alpha zeroes a coefficient.
    fit_intercept : bool, default=True
        Whether the null model has an intercept.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, not all zero.

    Returns
    -------
    alpha_max : float
        0.0 when no penalised feature varies.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.linear_model import NonconvexLasso, alpha_max
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(50, 4)
    >>> y = X @ np.array([1.0, 0.0, -2.0, 0.5]) + rng.randn(50)
    >>> top = alpha_max(X, y)
    >>> bool(np.all(NonconvexLasso(alpha=top).fit(X, y).coef_ == 0))
    True
    >>> bool(np.any(NonconvexLasso(alpha=0.99 * top).fit(X, y).coef_ != 0))
    True
    """
    validate_parameter_constraints(
        _ALPHA_MAX_CONSTRAINTS,
        dict(loss=loss, l1_ratio=l1_ratio, fit_intercept=fit_intercept),
        caller_name="alpha_max",
    )
    X = check_array(check_sparse_input(X), accept_sparse="csc",
                    dtype=[np.float64, np.float32], order="F")
    y = check_array(y, ensure_2d=False, dtype=None)
    check_consistent_length(X, y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    dtype = X.dtype
    weighting = make_weighting(penalty_weights, l1_ratio, X.shape[1])
    sw, _ = check_sample_weight(sample_weight, X.shape[0], dtype)
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
        if loss == "poisson" and np.any(y < 0):
            raise ValueError("loss='poisson' needs a non-negative y.")
    # the design of the paths (compute_path), whose held columns are the
    # constant ones when an intercept is fitted
    design = make_design(X, sw, fit_intercept)
    if loss == "squared_error":
        y = center_target(y, sw, fit_intercept)[0]
    null = null_model(design, y, sw, loss=loss, fit_intercept=fit_intercept,
                      weighting=weighting)
    return path_alpha_max(design, null.grad, weighting)
