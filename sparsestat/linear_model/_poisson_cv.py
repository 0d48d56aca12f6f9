"""NonconvexPoissonRegressionCV: alpha (and gamma) by cross-validated deviance."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import check_cv

from sparsestat._config import limit_blas_threads
from sparsestat.linear_model._cv import (
    _CV_CONSTRAINTS,
    _check_cv_data,
    _cross_validate,
    _gamma_grid,
    _l1_ratio_grid,
    _refit_best,
)
from sparsestat.linear_model._poisson import (
    POISSON_CONSTRAINTS,
    NonconvexPoissonRegression,
    PoissonRegressorMixin,
)
from sparsestat.utils._grid import check_alpha_grid
from sparsestat.utils._repr import DocLinkMixin
from sparsestat.utils._routing import SplitterRoutingMixin
from sparsestat.utils.datafits import get_datafit
from sparsestat.utils.validation import check_count_target


def mean_poisson_deviance_path(y, decision, sw):
    """Weighted mean Poisson deviance of each column of linear predictors
    (scikit-learn's ``mean_poisson_deviance`` of ``exp(decision)``)."""
    half = get_datafit("poisson")
    dev = 2 * half.value(y[:, None], decision, sw[:, None])
    return dev.sum(axis=0) / sw.sum()


class NonconvexPoissonRegressionCV(DocLinkMixin, SplitterRoutingMixin,
                                   PoissonRegressorMixin, RegressorMixin,
                                   BaseEstimator):
    """:class:`NonconvexPoissonRegression` with alpha (and gamma) chosen by CV.

    For each gamma of the grid and each fold, the regularisation path is
    computed on the training part (warm starts from ``alpha_max`` down) and
    scored by the weighted mean Poisson deviance of the held-out part;
    (gamma, fold) pairs run in parallel through joblib. The (alpha, gamma)
    with the lowest mean deviance is refitted on all the data.

    Parameters
    ----------
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        The penalty (see :class:`NonconvexLasso`).
    gamma : float or array-like of float, default=3.0
        One concavity value or a grid of them (``> 1`` for MCP, ``> 2`` for
        SCAD); only the first value is used for ``"l1"``.
    l1_ratio : float or array-like of float, default=1.0
        Elastic-net mixing in ``[0, 1]`` (see
        :class:`NonconvexPoissonRegression`), or a grid of values
        cross-validated with alpha and gamma (as ``ElasticNetCV``).
    penalty_weights : array-like of shape (n_features,), default=None
        Per-feature penalty factors (see :class:`NonconvexPoissonRegression`).
    alphas : int or array-like of shape (n_alphas,), default=50
        The number of alphas, log-spaced from ``alpha_max`` of the full data
        (the smallest alpha whose solution is zero:
        ``max_j |x_j^T (s (mu_0 - y))|`` with ``mu_0`` the weighted mean
        count) down to ``eps * alpha_max``, or the alphas themselves
        (solved in decreasing order).
    eps : float, default=1e-2
        Ratio ``alpha_min / alpha_max`` of the automatic grid, in ``(0, 1]``.
    cv : int, cross-validation generator or iterable, default=None
        Folds, as in ``sklearn.model_selection.check_cv``: ``None`` is
        5-fold, an integer that number of folds; a splitter such as
        ``GroupKFold`` gets the ``groups`` passed to ``fit``.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept.
    solver : {"cd"}, default="cd"
        Proximal Newton (see :class:`NonconvexPoissonRegression`).
    max_iter : int, default=None
        Newton iterations per alpha (default 100).
    tol : float, default=1e-4
        Stopping tolerance of every solve (as in
        :class:`NonconvexPoissonRegression`).
    n_jobs : int, default=None
        Parallel jobs over the (gamma, fold) pairs (joblib).
    verbose : int, default=0
        Progress bar over the folds when positive.

    Attributes
    ----------
    alpha_ : float
        Selected alpha.
    gamma_ : float
        Selected gamma.
    l1_ratio_ : float
        Selected l1_ratio.
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratios, n_alphas)
        The alpha grid, in decreasing order (shared by every gamma); one
        row per l1_ratio for an ``l1_ratio`` grid.
    gammas_ : ndarray of shape (n_gammas,)
        The gamma grid.
    deviance_path_ : ndarray of shape (n_gammas, n_alphas, n_folds) or \
            (n_l1_ratios, n_gammas, n_alphas, n_folds)
        Held-out weighted mean Poisson deviance of each gamma, alpha and
        fold (scikit-learn's ``mean_poisson_deviance``; the leading axis
        only for an ``l1_ratio`` grid); NaN for a fold
        whose test samples all have zero weight. A fold whose MCP/SCAD path
        saturated (see :class:`NonconvexPoissonRegression`) scores that
        alpha and the smaller ones with its last unsaturated fit, and
        ``alpha_`` is chosen among the alphas every fold fitted without
        saturating (as ncvreg's ``cv.ncvreg`` keeps only the lambdas every
        fold fitted).
    coef_ : ndarray of shape (n_features,)
        Coefficients of the refitted model.
    intercept_ : float
        Intercept of the refitted model.
    n_iter_ : int
        Newton iterations of the refit.
    stop_crit_ : float
        Scaled KKT violation of the refit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.

    See Also
    --------
    NonconvexPoissonRegression : the estimator refitted at the selected
        parameters.

    Notes
    -----
    BLAS runs with one thread inside ``fit`` and in every CV worker by
    default, whatever the number of cores; ``n_jobs`` parallelises the
    folds. Opt out with ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.linear_model import NonconvexPoissonRegressionCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 10))
    >>> y = rng.poisson(np.exp(0.5 + 0.6 * X[:, 0]))
    >>> model = NonconvexPoissonRegressionCV(alphas=10, cv=3).fit(X, y)
    >>> model.deviance_path_.shape, bool(model.coef_[0] > 0.4)
    ((1, 10, 3), True)
    """

    _parameter_constraints = {
        **{key: value for key, value in _CV_CONSTRAINTS.items() if key != "damping"},
        "solver": POISSON_CONSTRAINTS["solver"],
    }

    def __init__(self, *, penalty="mcp", gamma=3.0, l1_ratio=1.0,
                 penalty_weights=None, alphas=50, eps=1e-2, cv=None,
                 fit_intercept=True, solver="cd", max_iter=None, tol=1e-4,
                 n_jobs=None, verbose=0):
        self.penalty = penalty
        self.gamma = gamma
        self.l1_ratio = l1_ratio
        self.penalty_weights = penalty_weights
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs
        self.verbose = verbose

    @limit_blas_threads
    def fit(self, X, y, sample_weight=None, *, groups=None, **params):
        """Cross-validate the path(s), then refit at the best (alpha, gamma).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; sparse input is converted to CSC.
        y : array-like of shape (n_samples,)
            Non-negative targets (counts or rates).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights, used in the fits and in the
            held-out deviances.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group splitter (``cv=GroupKFold(3)``...);
            ignored by the other splitters.
        **params : dict
            Further metadata for the splitter's ``split``; only with
            ``sklearn.set_config(enable_metadata_routing=True)``.

        Returns
        -------
        self : NonconvexPoissonRegressionCV
            The fitted estimator.
        """
        self._validate_params()
        gammas = _gamma_grid(self.penalty, self.gamma)
        _, is_grid = _l1_ratio_grid(self.l1_ratio)
        alphas = check_alpha_grid(self.alphas)
        X, y, sw = _check_cv_data(self, X, y, sample_weight, classifier=False)
        y = check_count_target(y, X.dtype)
        l1_ratios, alphas, folds, scored, results, selectable = _cross_validate(
            self, X, y, y, sw, gammas, alphas, loss="poisson",
            cv=check_cv(self.cv), positive=False, groups=groups,
            sample_weight=sample_weight, params=params)
        deviance = np.full((l1_ratios.size, gammas.size, alphas.shape[1],
                            len(folds)), np.nan)
        y64 = y.astype(np.float64)
        for r, g, f, decision, sw_test in results:
            if not scored[f]:
                continue
            test = folds[f][1]
            deviance[r, g, :, f] = mean_poisson_deviance_path(
                y64[test], decision, sw_test.astype(np.float64))
        self.deviance_path_ = deviance if is_grid else deviance[0]
        mean = np.where(selectable, deviance[..., scored].mean(axis=-1), np.inf)
        best = np.unravel_index(np.argmin(mean), mean.shape)
        _refit_best(self, NonconvexPoissonRegression, best, alphas, gammas,
                    l1_ratios, X, y, sample_weight)
        return self
