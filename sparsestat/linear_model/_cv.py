"""Cross-validated nonconvex linear models: alpha path x gamma grid, folds via joblib."""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import check_cv
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import validate_data

from sparsestat.linear_model._base import (
    PENALTY_CONSTRAINTS,
    BinaryLinearClassifierMixin,
    linear_decision,
)
from sparsestat.linear_model._logistic import (
    NonconvexLogisticRegression,
    encode_binary_target,
)
from sparsestat.linear_model._nonconvex_lasso import NonconvexLasso
from sparsestat.linear_model._path import _path, alpha_grid, check_alphas
from sparsestat.linear_model._preprocess import as_target, center_target, make_design
from sparsestat.linear_model._logistic_solver import alpha_max_logistic
from sparsestat.utils._param_validation import (
    C_INT_MAX,
    Interval,
    StrOptions,
    c_int_interval,
    check_float_grid,
)
from sparsestat.utils.progress import progress
from sparsestat.utils.validation import check_gamma, check_sample_weight

_CV_CONSTRAINTS = {
    **PENALTY_CONSTRAINTS,
    "gamma": [Interval(Real, 1, None, closed="neither"), "array-like"],
    "alphas": ["array-like", None],
    "n_alphas": [Interval(Integral, 1, None, closed="left")],
    "eps": [Interval(Real, 0, 1, closed="right")],
    "cv": ["cv_object"],
    "max_iter": [c_int_interval(1), None],
    "n_jobs": [Interval(Integral, -C_INT_MAX, C_INT_MAX, closed="both"), None],
}


def _gamma_grid(penalty, gamma):
    gammas = check_float_grid(gamma, "gamma")
    if penalty == "l1":
        return gammas[:1]
    for g in gammas:
        check_gamma(penalty, g)
    return gammas


def _fold_path(X, y, sw, train, test, *, loss, gamma, alphas, params):
    """Fit the path on ``train``; return the per-alpha test predictions' score."""
    sw_train = sw[train] / sw[train].sum()
    uniform = bool(np.all(sw_train == sw_train[0]))
    X_train = X[train].tocsc() if sp.issparse(X) else np.asfortranarray(X[train])
    _, coefs, intercepts, _ = _path(
        X_train, np.ascontiguousarray(y[train]), sw_train, uniform, loss=loss, gamma=gamma,
        alphas=alphas, n_alphas=alphas.size, eps=1.0, return_intercept=True,
        verbose=0, **params,
    )
    decision = np.asarray(safe_sparse_dot(X[test], coefs)) + intercepts
    return decision, sw[test]


def _check_cv_data(estimator, X, y, sample_weight, classifier):
    X, y = validate_data(
        estimator, X, y, accept_sparse="csc", dtype=[np.float64, np.float32],
        order="F", y_numeric=not classifier,
    )
    sw, _ = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    return X, y, sw


def _run_folds(estimator, X, y, sw, folds, gammas, alphas, loss, positive):
    """Paths of every (gamma, fold): a list of ``(g, f, decision, sw_test)``
    with ``g`` the index of gamma and ``f`` that of the fold."""
    params = dict(penalty=estimator.penalty, fit_intercept=estimator.fit_intercept,
                  positive=positive, tol=estimator.tol, max_iter=estimator.max_iter,
                  solver=estimator.solver, damping=estimator.damping)
    jobs = [
        delayed(_fold_path)(X, y, sw, train, test, loss=loss, gamma=g,
                            alphas=alphas, params=params)
        for g in gammas
        for train, test in folds
    ]
    results = Parallel(n_jobs=estimator.n_jobs, return_as="generator")(jobs)
    results = progress(results, verbose=estimator.verbose, desc="CV folds",
                       total=len(jobs))
    return [(*divmod(k, len(folds)), *result) for k, result in enumerate(results)]


def _refit_best(estimator, final_cls, best, alphas, gammas, X, y, sample_weight,
                **extra):
    """Store the grid and the selected (alpha, gamma) at index ``best`` =
    (gamma index, alpha index), then refit ``final_cls`` on all the data."""
    best_g, best_a = best
    estimator.alphas_ = alphas
    estimator.gammas_ = gammas
    estimator.alpha_ = float(alphas[best_a])
    estimator.gamma_ = float(gammas[best_g])
    final = final_cls(
        alpha=estimator.alpha_, penalty=estimator.penalty, gamma=estimator.gamma_,
        fit_intercept=estimator.fit_intercept, solver=estimator.solver,
        damping=estimator.damping, max_iter=estimator.max_iter, tol=estimator.tol,
        **extra,
    ).fit(X, y, sample_weight=sample_weight)
    estimator.coef_ = final.coef_
    estimator.intercept_ = final.intercept_
    estimator.n_iter_ = final.n_iter_


class NonconvexLassoCV(RegressorMixin, BaseEstimator):
    """:class:`NonconvexLasso` with alpha (and gamma) chosen by cross-validation.

    For each gamma of the grid and each fold, the regularisation path is
    computed on the training part (:func:`nonconvex_path`: warm starts,
    strong rules) and scored by the weighted mean squared error on the held
    out part; folds and gammas run in parallel through joblib, so
    ``joblib.parallel_config(backend="dask")`` distributes them. The
    (alpha, gamma) with the lowest mean error is refitted on all the data.

    Parameters
    ----------
    penalty : {"mcp", "scad", "l1"}, default="mcp"
    gamma : float or array-like of float, default=3.0
        One concavity value or a grid of them (ignored for ``"l1"``).
    alphas : array-like, default=None
        Alpha grid; default: ``n_alphas`` values from ``alpha_max`` of the
        full data down to ``eps * alpha_max``.
    n_alphas : int, default=100
    eps : float, default=1e-3
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn (``None``: 5-fold).
    fit_intercept : bool, default=True
    solver : {"cd", "apg", "pgd"}, default="cd"
    damping : {"tuned", "ghadimi-lan"}, default="tuned"
    max_iter : int, default=None
    tol : float, default=1e-4
    positive : bool, default=False
    n_jobs : int, default=None
        Parallel jobs over (gamma, fold) pairs.
    verbose : int, default=0
        Progress bar over the folds when positive.

    Attributes
    ----------
    alpha_ : float
    gamma_ : float
    alphas_ : ndarray of shape (n_alphas,)
    gammas_ : ndarray of shape (n_gammas,)
    mse_path_ : ndarray of shape (n_gammas, n_alphas, n_folds)
        Held-out weighted mean squared error; ``(n_alphas, n_folds)`` when
        a single gamma is given.
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Iterations of the final refit.
    n_features_in_ : int

    Examples
    --------
    >>> from sparsestat.datasets import make_sparse_regression
    >>> from sparsestat.linear_model import NonconvexLassoCV
    >>> X, y, coef = make_sparse_regression(100, 50, 4, snr=20, random_state=0)
    >>> model = NonconvexLassoCV(n_alphas=20, cv=3).fit(X, y)
    >>> model.mse_path_.shape, int((model.coef_ != 0).sum()) >= 4
    ((20, 3), True)
    """

    _parameter_constraints = {**_CV_CONSTRAINTS, "positive": ["boolean"]}

    def __init__(self, *, penalty="mcp", gamma=3.0, alphas=None, n_alphas=100,
                 eps=1e-3, cv=None, fit_intercept=True, solver="cd",
                 damping="tuned", max_iter=None, tol=1e-4, positive=False,
                 n_jobs=None, verbose=0):
        self.penalty = penalty
        self.gamma = gamma
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.eps = eps
        self.cv = cv
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.damping = damping
        self.max_iter = max_iter
        self.tol = tol
        self.positive = positive
        self.n_jobs = n_jobs
        self.verbose = verbose

    def fit(self, X, y, sample_weight=None):
        """Cross-validate the path(s), then refit at the best (alpha, gamma).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : NonconvexLassoCV
        """
        self._validate_params()
        gammas = _gamma_grid(self.penalty, self.gamma)
        X, y, sw = _check_cv_data(self, X, y, sample_weight, classifier=False)
        y = as_target(y, X.dtype)
        if self.alphas is None:
            design = make_design(X, sw, self.fit_intercept)
            y_c, _ = center_target(y, sw, self.fit_intercept)
            corr = np.asarray(safe_sparse_dot(X.T, sw * y_c)).ravel()
            corr -= design.X_mean * float(np.sum(sw * y_c))
            live = design.norms2 > 0
            alpha_max = float(np.abs(corr[live]).max()) if live.any() else 0.0
            alphas = alpha_grid(alpha_max, self.n_alphas, self.eps)
        else:
            alphas = check_alphas(self.alphas)
        folds = list(check_cv(self.cv).split(X, y))
        results = _run_folds(self, X, y, sw, folds, gammas, alphas,
                             "squared_error", self.positive)
        mse = np.empty((gammas.size, alphas.size, len(folds)))
        for g, f, decision, sw_test in results:
            test = folds[f][1]
            err = (y[test][:, None] - decision) ** 2
            mse[g, :, f] = sw_test @ err / sw_test.sum()
        self.mse_path_ = mse[0] if np.ndim(self.gamma) == 0 else mse
        best = np.unravel_index(np.argmin(mse.mean(axis=2)), mse.shape[:2])
        _refit_best(self, NonconvexLasso, best, alphas, gammas, X, y,
                    sample_weight, positive=self.positive)
        return self

    def predict(self, X):
        """Predict with the refitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        return linear_decision(self, X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _classification_score(scoring, y01, decision, sw):
    """Per-alpha held-out score (higher is better)."""
    if scoring == "accuracy":
        correct = (decision > 0) == (y01[:, None] > 0.5)
        return sw @ correct / sw.sum()
    if scoring == "roc_auc":
        if np.unique(y01).size < 2:
            return np.full(decision.shape[1], np.nan)
        return np.array([roc_auc_score(y01, d, sample_weight=sw) for d in decision.T])
    loss = np.logaddexp(0, decision) - y01[:, None] * decision
    return -(sw @ loss) / sw.sum()


class NonconvexLogisticRegressionCV(BinaryLinearClassifierMixin, ClassifierMixin,
                                    BaseEstimator):
    """:class:`NonconvexLogisticRegression` with alpha (and gamma) chosen by CV.

    The path of each gamma is computed on each training fold and scored on
    the held-out fold; (gamma, fold) pairs run in parallel through joblib.
    The best (alpha, gamma) by mean score is refitted on all the data.

    Parameters
    ----------
    penalty : {"mcp", "scad", "l1"}, default="mcp"
    gamma : float or array-like of float, default=3.0
    alphas : array-like, default=None
        Default: ``n_alphas`` values from ``alpha_max`` down to
        ``eps * alpha_max``.
    n_alphas : int, default=50
    eps : float, default=1e-2
    cv : int, cross-validation generator or iterable, default=None
        ``None``: stratified 5-fold.
    scoring : {"neg_log_loss", "accuracy", "roc_auc"}, default="neg_log_loss"
        Held-out score (weighted by the sample weights).
    fit_intercept : bool, default=True
    solver : {"cd", "apg", "pgd"}, default="cd"
    damping : {"tuned", "ghadimi-lan"}, default="tuned"
    max_iter : int, default=None
    tol : float, default=1e-4
    n_jobs : int, default=None
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    alpha_ : float
    gamma_ : float
    alphas_ : ndarray of shape (n_alphas,)
    gammas_ : ndarray of shape (n_gammas,)
    scores_ : ndarray of shape (n_gammas, n_alphas, n_folds)
        ``(n_alphas, n_folds)`` when a single gamma is given.
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
    n_features_in_ : int

    Examples
    --------
    >>> from sparsestat.datasets import make_sparse_regression
    >>> from sparsestat.linear_model import NonconvexLogisticRegressionCV
    >>> X, y, _ = make_sparse_regression(
    ...     200, 30, 4, snr=20, task="classification", random_state=0)
    >>> clf = NonconvexLogisticRegressionCV(n_alphas=10, cv=3).fit(X, y)
    >>> clf.scores_.shape, clf.score(X, y) > 0.85
    ((10, 3), True)
    """

    _parameter_constraints = {
        **_CV_CONSTRAINTS,
        "scoring": [StrOptions({"neg_log_loss", "accuracy", "roc_auc"})],
    }

    def __init__(self, *, penalty="mcp", gamma=3.0, alphas=None, n_alphas=50,
                 eps=1e-2, cv=None, scoring="neg_log_loss", fit_intercept=True,
                 solver="cd", damping="tuned", max_iter=None, tol=1e-4,
                 n_jobs=None, verbose=0):
        self.penalty = penalty
        self.gamma = gamma
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.eps = eps
        self.cv = cv
        self.scoring = scoring
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.damping = damping
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs
        self.verbose = verbose

    def fit(self, X, y, sample_weight=None):
        """Cross-validate the path(s), then refit at the best (alpha, gamma).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Two classes, of any label type.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : NonconvexLogisticRegressionCV
        """
        self._validate_params()
        gammas = _gamma_grid(self.penalty, self.gamma)
        X, y, sw = _check_cv_data(self, X, y, sample_weight, classifier=True)
        self.classes_, y01 = encode_binary_target(y)
        y01 = y01.astype(X.dtype)
        if self.alphas is None:
            live = make_design(X, sw, self.fit_intercept).norms2 > 0
            alpha_max, _ = alpha_max_logistic(X, y01, sw, self.fit_intercept, live)
            alphas = alpha_grid(alpha_max, self.n_alphas, self.eps)
        else:
            alphas = check_alphas(self.alphas)
        folds = list(check_cv(self.cv, y, classifier=True).split(X, y))
        results = _run_folds(self, X, y01, sw, folds, gammas, alphas, "log_loss",
                             positive=False)
        scores = np.empty((gammas.size, alphas.size, len(folds)))
        for g, f, decision, sw_test in results:
            test = folds[f][1]
            scores[g, :, f] = _classification_score(self.scoring, y01[test],
                                                    decision, sw_test)
        self.scores_ = scores[0] if np.ndim(self.gamma) == 0 else scores
        mean = np.nanmean(scores, axis=2) if np.isfinite(scores).any() else scores[..., 0]
        best = np.unravel_index(np.nanargmax(mean), mean.shape)
        _refit_best(self, NonconvexLogisticRegression, best, alphas, gammas, X, y,
                    sample_weight)
        return self
