"""NonconvexPoissonRegression: Poisson regression (log link) with L1/MCP/SCAD."""

import warnings
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from sparsestat._config import limit_blas_threads, user_stacklevel
from sparsestat.linear_model._base import PENALTY_CONSTRAINTS, WEIGHTING_CONSTRAINTS
from sparsestat.linear_model._dispatch import resolve_max_iter
from sparsestat.linear_model._path import compute_path, initial_coef, saturation_message
from sparsestat.utils._linear import LinearRegressorMixin, linear_decision
from sparsestat.utils._param_validation import Interval, StrOptions, c_int_interval
from sparsestat.utils._repr import DocLinkMixin
from sparsestat.utils.datafits import get_datafit
from sparsestat.utils.penalties import make_weighting
from sparsestat.utils.validation import (
    check_count_target,
    check_gamma,
    check_sample_weight,
    check_sparse_input,
)

# the parameters shared by the estimator and its CV class; the gradient
# solvers need a global Lipschitz constant, which exp(eta) does not have
POISSON_CONSTRAINTS = {
    **{key: value for key, value in PENALTY_CONSTRAINTS.items() if key != "damping"},
    **WEIGHTING_CONSTRAINTS,
    "solver": [StrOptions({"cd"})],
}


def poisson_deviance_d2(y, eta, sample_weight):
    """D^2 of the Poisson deviance of the linear predictor ``eta``.

    ``1 - D(y, exp(eta)) / D(y, weighted mean of y)``, scikit-learn's
    ``PoissonRegressor.score``; 1.0 for a perfect fit and 0.0 otherwise
    when every count is zero (the null deviance vanishes), as
    ``r2_score`` does for a constant target.
    """
    sw = np.ones_like(y) if sample_weight is None else sample_weight
    half = get_datafit("poisson")
    deviance = float(np.sum(half.value(y, eta, sw)))
    mean = float(sw @ y) / float(sw.sum())
    if not mean > 0:
        return 1.0 if deviance == 0 else 0.0
    null = float(np.sum(half.value(y, np.full_like(eta, np.log(mean)), sw)))
    if not null > 0:
        return 1.0 if deviance == 0 else 0.0
    return 1.0 - deviance / null


class PoissonRegressorMixin(LinearRegressorMixin):
    """``predict`` (the mean ``exp(X w + b)``) and ``score`` (D^2 of the
    Poisson deviance) of a fitted Poisson linear model."""

    def predict(self, X):
        """Predicted mean ``exp(X @ coef_ + intercept_)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        mu : ndarray of shape (n_samples,)
            Predicted means (non-negative).
        """
        with np.errstate(over="ignore"):
            return np.exp(linear_decision(self, X))

    def score(self, X, y, sample_weight=None):
        """D^2, the fraction of the Poisson deviance explained.

        As scikit-learn's ``PoissonRegressor.score``:
        ``1 - D(y, mu) / D(y, y_mean)`` with ``D`` the (weighted) Poisson
        deviance and ``y_mean`` the weighted mean of ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        y : array-like of shape (n_samples,)
            Non-negative targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            D^2 (at most 1).
        """
        check_is_fitted(self)
        eta = np.asarray(linear_decision(self, X), dtype=np.float64)
        y = check_count_target(np.ravel(y), np.float64)
        if y.shape[0] != eta.shape[0]:
            raise ValueError(
                f"y has {y.shape[0]} samples, X has {eta.shape[0]}."
            )
        sw = None
        if sample_weight is not None:
            sw, _ = check_sample_weight(sample_weight, y.shape[0], np.float64)
        return poisson_deviance_d2(y, eta, sw)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags


class NonconvexPoissonRegression(DocLinkMixin, PoissonRegressorMixin,
                                 RegressorMixin, BaseEstimator):
    r"""Poisson regression (log link) with an L1, MCP or SCAD penalty.

    Minimises half the weighted mean Poisson deviance plus the penalty

    .. math::

        \frac{1}{\sum_i s_i} \sum_i s_i \left(e^{\eta_i} - y_i \eta_i
        + y_i \log y_i - y_i\right) + \sum_j p(|w_j|; \alpha, \gamma),
        \qquad \eta_i = x_i^\top w + b,

    with ``p`` as in :class:`NonconvexLasso`. The data term is
    scikit-learn's :class:`~sklearn.linear_model.PoissonRegressor` one
    (equal to the weighted mean negative log-likelihood up to a constant);
    with ``penalty="l1"`` the objective is skglm's ``Poisson`` datafit
    with ``L1(alpha)`` and ncvreg's ``family="poisson"`` with
    ``lambda = alpha`` (see :ref:`glm_poisson` of the user guide).

    The solver is proximal Newton: each step solves the penalised weighted
    least-squares model of the deviance (weights ``s_i exp(eta_i)``) by
    working-set coordinate descent; a step is taken only when it lowers
    the objective, the model being damped (Levenberg-Marquardt) until a
    step passes a majorisation test, so the linear predictor stays finite.
    The proximal gradient solvers of the other models are not offered:
    their fixed step needs a global bound on the curvature ``exp(eta)``,
    which does not exist.

    Parameters
    ----------
    alpha : float, default=0.01
        Regularisation strength, ``>= 0``.
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        The penalty (see :class:`NonconvexLasso` for the formulas).
    gamma : float, default=3.0
        Concavity of MCP (``> 1``) and SCAD (``> 2``); ignored for ``"l1"``.
    l1_ratio : float, default=1.0
        Elastic-net mixing in ``[0, 1]`` (see :class:`NonconvexLasso`):
        ``l1_ratio * p(|w|) + (1 - l1_ratio) * alpha / 2 * w^2``; with
        ``l1_ratio=0`` the fit is scikit-learn's ``PoissonRegressor`` at
        the same ``alpha``.
    penalty_weights : array-like of shape (n_features,), default=None
        Non-negative per-feature penalty factors (see
        :class:`NonconvexLasso`); 0 leaves a feature unpenalised.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept.
    solver : {"cd"}, default="cd"
        Proximal Newton with working-set coordinate descent (the only
        solver, see above).
    max_iter : int, default=None
        Newton iterations (default 100).
    tol : float, default=1e-4
        Relative tolerance on the KKT violation: the violation of each
        coefficient is divided by the weighted standard deviation of its
        column times the weighted mean count (the scale of the residuals
        ``y - mu``), and the intercept's by the mean count.
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_`` when refitting.
    verbose : int, default=0
        Print a summary of the solve when positive.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients of the log-mean, of the dtype of ``X``.
    intercept_ : float
        Intercept (0.0 when ``fit_intercept=False``).
    n_iter_ : int
        Number of Newton iterations run.
    stop_crit_ : float
        Scaled KKT violation at the solution, the quantity compared with
        ``tol``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.

    See Also
    --------
    NonconvexPoissonRegressionCV : alpha (and gamma) chosen by
        cross-validated Poisson deviance.
    sklearn.linear_model.PoissonRegressor : the ridge-penalised model.

    Notes
    -----
    ``y`` must be non-negative (counts, or rates with ``sample_weight`` the
    exposures); non-integer values are allowed. A target of zeros only
    gives ``coef_ = 0`` and ``intercept_ = log(1e-300)`` (the mean is zero
    to any count's precision; the exact infimum is at ``-inf``).

    With MCP or SCAD, zero counts that a feature can fit by a mean tending
    to zero (the Poisson form of separation) leave the penalised loss
    without a minimiser at small alphas: the fit then stops early with a
    ``ConvergenceWarning`` saying "model saturated" and returns a finite
    estimate (see the user guide).

    BLAS runs with one thread inside ``fit`` by default, whatever the number
    of cores, so results do not depend on it; opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.linear_model import NonconvexPoissonRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 20))
    >>> y = rng.poisson(np.exp(0.5 + 0.6 * X[:, 0] - 0.4 * X[:, 1]))
    >>> model = NonconvexPoissonRegression(alpha=0.2).fit(X, y)
    >>> np.flatnonzero(model.coef_).tolist(), bool(model.score(X, y) > 0.3)
    ([0, 1], True)
    """

    _parameter_constraints = {
        **POISSON_CONSTRAINTS,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_iter": [c_int_interval(1), None],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        alpha=0.01,
        *,
        penalty="mcp",
        gamma=3.0,
        l1_ratio=1.0,
        penalty_weights=None,
        fit_intercept=True,
        solver="cd",
        max_iter=None,
        tol=1e-4,
        warm_start=False,
        verbose=0,
    ):
        self.alpha = alpha
        self.penalty = penalty
        self.gamma = gamma
        self.l1_ratio = l1_ratio
        self.penalty_weights = penalty_weights
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose

    @limit_blas_threads
    def fit(self, X, y, sample_weight=None):
        """Fit the penalised Poisson regression.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; sparse input is converted to CSC.
        y : array-like of shape (n_samples,)
            Non-negative targets (counts or rates).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights, not all zero.

        Returns
        -------
        self : NonconvexPoissonRegression
            The fitted estimator.
        """
        self._validate_params()
        check_gamma(self.penalty, self.gamma)
        X, y = validate_data(
            self, check_sparse_input(X), y, accept_sparse="csc",
            dtype=[np.float64, np.float32], order="F", y_numeric=True,
        )
        y = check_count_target(y, X.dtype)
        weighting = make_weighting(self.penalty_weights, self.l1_ratio, X.shape[1])
        sw, uniform = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        w, warm = initial_coef(self, X.shape[1], X.dtype)
        intercept = None
        if (warm and hasattr(self, "intercept_") and w.any()
                and np.isfinite(self.intercept_)):
            intercept = float(self.intercept_)
        max_iter = resolve_max_iter(self.max_iter, self.solver)
        # one alpha is a path of length one
        path = compute_path(
            X, y, sw, uniform, loss="poisson", penalty=self.penalty,
            gamma=self.gamma, alphas=[self.alpha], fit_intercept=self.fit_intercept,
            positive=False, tol=self.tol, max_iter=max_iter, solver=self.solver,
            damping=None, coef_init=w, intercept_init=intercept, screening=False,
            weighting=weighting,
        )
        n_iter, kkt, converged = path.n_iters[0], path.stop_crits[0], path.converged[0]
        if self.verbose:
            print(f"NonconvexPoissonRegression({self.penalty}): {int(n_iter)} "
                  f"iterations, KKT violation {kkt:.3e}")
        if path.saturated:
            warnings.warn(f"NonconvexPoissonRegression: {saturation_message(path, 1)}",
                          ConvergenceWarning, stacklevel=user_stacklevel())
        elif not converged:
            warnings.warn(
                f"NonconvexPoissonRegression did not converge in "
                f"max_iter={max_iter} iterations (KKT violation {kkt:.3e} > "
                f"tol={self.tol:g}). Increase max_iter or alpha.",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )
        self.coef_ = path.coefs[:, 0].copy()
        self.intercept_ = float(path.intercepts[0])
        self.n_iter_ = int(n_iter)
        self.stop_crit_ = float(kkt)
        return self
