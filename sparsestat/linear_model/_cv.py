"""Cross-validated nonconvex linear models: alpha path x gamma grid, folds via joblib."""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from joblib import Parallel
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import check_cv
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import validate_data

from sparsestat._config import delayed, limit_blas_threads, user_stacklevel
from sparsestat.linear_model._alpha_max import null_model, path_alpha_max
from sparsestat.linear_model._base import (
    PENALTY_CONSTRAINTS,
    WEIGHTING_CONSTRAINTS,
)
from sparsestat.linear_model._logistic import NonconvexLogisticRegression
from sparsestat.linear_model._multiclass import (
    MulticlassLogisticMixin,
    check_multiclass_scoring,
    encode_multiclass_target,
    is_multiclass,
    multinomial_decision,
    multinomial_scores,
)
from sparsestat.linear_model._multinomial import (
    check_multinomial_solver,
    multinomial_alpha_max,
    multinomial_path,
)
from sparsestat.linear_model._nonconvex_lasso import NonconvexLasso
from sparsestat.linear_model._path import (
    check_auto_grid,
    compute_path,
    resolve_alphas,
    warn_unconverged,
)
from sparsestat.utils._design import as_target, center_target, make_design
from sparsestat.utils._grid import check_alpha_grid
from sparsestat.utils._linear import LinearRegressorMixin, encode_binary_target
from sparsestat.utils._param_validation import (
    C_INT_MAX,
    Interval,
    StrOptions,
    c_int_interval,
    check_float_grid,
)
from sparsestat.utils._repr import DocLinkMixin
from sparsestat.utils._routing import SplitterRoutingMixin, cv_splits
from sparsestat.utils.penalties import make_weighting
from sparsestat.utils.progress import progress
from sparsestat.utils.validation import (
    check_gamma,
    check_sample_weight,
    check_sparse_input,
)

_CV_CONSTRAINTS = {
    **PENALTY_CONSTRAINTS,
    **WEIGHTING_CONSTRAINTS,
    "l1_ratio": [Interval(Real, 0, 1, closed="both"), "array-like"],
    "gamma": [Interval(Real, 1, None, closed="neither"), "array-like"],
    "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
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


def _l1_ratio_grid(l1_ratio):
    """The l1_ratio values as float64, and whether a grid (not a number)
    was given (a grid adds a leading axis to the CV results)."""
    values = check_float_grid(l1_ratio, "l1_ratio")
    if np.any((values < 0) | (values > 1)):
        raise ValueError(
            f"l1_ratio values must be in [0, 1], got {values.tolist()!r}."
        )
    return values, np.ndim(l1_ratio) > 0


def _fold_path(X, y, sw, train, test, *, loss, gamma, alphas, params,
               weighting=None):
    """Fit the path on ``train``; return the per-alpha test predictions' score."""
    sw_train = sw[train] / sw[train].sum()
    uniform = bool(np.all(sw_train == sw_train[0]))
    X_train = X[train].tocsc() if sp.issparse(X) else np.asfortranarray(X[train])
    if loss == "multinomial":
        path = multinomial_path(X_train, np.ascontiguousarray(y[train]), sw_train,
                                gamma=gamma, alphas=alphas, weighting=weighting,
                                **params)
    else:
        path = compute_path(
            X_train, np.ascontiguousarray(y[train]), sw_train, uniform, loss=loss,
            gamma=gamma, alphas=alphas, eps=1.0, verbose=0, weighting=weighting,
            **params,
        )
    coefs, intercepts = path.coefs, path.intercepts
    if path.saturated:
        # the fold's path stopped where the model saturated (its last fit
        # is no solution): its last unsaturated fit stands for that alpha
        # and the smaller ones, so that the fold keeps finite scores, and
        # the selection leaves those alphas out (n_fitted, as ncvreg's CV
        # keeps only the lambdas every fold fitted); the fold stays silent,
        # and the refit warns if the selected alpha saturates on the full
        # data
        keep = max(path.alphas.size - 1, 1)
        missing = len(alphas) - keep
        coefs = np.hstack([coefs[:, :keep],
                           np.repeat(coefs[:, keep - 1:keep], missing, axis=1)])
        intercepts = np.concatenate([intercepts[:keep],
                                     np.repeat(intercepts[keep - 1:keep], missing)])
    else:
        warn_unconverged(path, params["tol"], params["max_iter"], params["solver"])
    # held-out predictions in float64: with float32 X under an offset, the
    # product X w and the intercept cancel, and float32 rounding of the
    # scores would move the selected alpha
    X_test = X[test].astype(np.float64)
    n_fitted = keep if path.saturated else len(alphas)
    if loss == "multinomial":
        return multinomial_decision(X_test, path), sw[test], n_fitted
    decision = np.asarray(safe_sparse_dot(X_test, coefs.astype(np.float64))) + intercepts
    return decision, sw[test], n_fitted


def _check_cv_data(estimator, X, y, sample_weight, classifier):
    X, y = validate_data(
        estimator, check_sparse_input(X), y, accept_sparse="csc",
        dtype=[np.float64, np.float32], order="F", y_numeric=not classifier,
    )
    sw, _ = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    return X, y, sw


def _check_fold_weights(sw, folds):
    """Raise if a training part has no weight; return the mask of the test
    parts that have some (a test part without weight has no score: it is
    left out of the mean, with a warning)."""
    for f, (train, _) in enumerate(folds):
        if not sw[train].sum() > 0:
            raise ValueError(
                f"sample_weight is zero on every training sample of CV fold "
                f"{f}: no model can be fitted on it. Give those samples weight "
                "or use a cv splitter whose training parts all hold weighted "
                "samples."
            )
    scored = np.array([sw[test].sum() > 0 for _, test in folds], dtype=bool)
    if not scored.any():
        raise ValueError(
            "sample_weight is zero on every test sample of every CV fold: "
            "no fold can be scored."
        )
    if not scored.all():
        warnings.warn(
            f"sample_weight is zero on every test sample of CV fold(s) "
            f"{np.flatnonzero(~scored).tolist()}: they have no score (NaN) "
            "and are left out of the mean over folds.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    return scored


def _run_folds(estimator, X, y, sw, folds, gammas, alphas, loss, positive,
               weightings):
    """Paths of every (l1_ratio, gamma, fold): a list of
    ``(l, g, f, decision, sw_test)`` with ``l``, ``g`` and ``f`` the indices
    of the l1_ratio (its ``weightings[l]`` and grid ``alphas[l]``), the
    gamma and the fold."""
    params = dict(penalty=estimator.penalty, fit_intercept=estimator.fit_intercept,
                  positive=positive, tol=estimator.tol, max_iter=estimator.max_iter,
                  solver=estimator.solver,
                  # the Poisson models have no gradient solver to damp
                  damping=getattr(estimator, "damping", None))
    jobs = [
        delayed(_fold_path)(X, y, sw, train, test, loss=loss, gamma=g,
                            alphas=alphas[k], params=params, weighting=weighting)
        for k, weighting in enumerate(weightings)
        for g in gammas
        for train, test in folds
    ]
    results = Parallel(n_jobs=estimator.n_jobs, return_as="generator")(jobs)
    results = progress(results, verbose=estimator.verbose,
                       desc=f"CV {len(folds)} folds x {len(gammas)} gamma value(s)"
                       f" x {len(weightings)} l1_ratio value(s), "
                       f"{alphas.shape[1]} alphas each", total=len(jobs), unit="paths")
    out = []
    n_fitted = np.zeros((len(weightings), len(gammas), len(folds)), dtype=int)
    for k, (decision, sw_test, fitted) in enumerate(results):
        pair, f = divmod(k, len(folds))
        r, g = divmod(pair, len(gammas))
        out.append((r, g, f, decision, sw_test))
        n_fitted[r, g, f] = fitted
        results.set_postfix(gamma=float(gammas[g]), fold=f + 1)
    return out, n_fitted


def _refit_best(estimator, final_cls, best, alphas, gammas, l1_ratios, X, y,
                sample_weight, **extra):
    """Store the grid and the selected (l1_ratio, gamma, alpha) at index
    ``best`` = (l1_ratio index, gamma index, alpha index), then refit
    ``final_cls`` on all the data and keep its fitted attributes.

    ``alphas`` has one row per l1_ratio; ``alphas_`` keeps that axis only
    for an l1_ratio grid (a number gives the 1-D grid of before)."""
    best_l, best_g, best_a = best
    _, is_grid = _l1_ratio_grid(estimator.l1_ratio)
    estimator.alphas_ = alphas if is_grid else alphas[0]
    estimator.gammas_ = gammas
    estimator.alpha_ = float(alphas[best_l, best_a])
    estimator.gamma_ = float(gammas[best_g])
    estimator.l1_ratio_ = float(l1_ratios[best_l])
    if hasattr(estimator, "damping"):
        # the Poisson models have no gradient solver to damp
        extra["damping"] = estimator.damping
    final = final_cls(
        alpha=estimator.alpha_, penalty=estimator.penalty, gamma=estimator.gamma_,
        l1_ratio=estimator.l1_ratio_, penalty_weights=estimator.penalty_weights,
        fit_intercept=estimator.fit_intercept, solver=estimator.solver,
        max_iter=estimator.max_iter, tol=estimator.tol, **extra,
    ).fit(X, y, sample_weight=sample_weight)
    for name in ("coef_", "intercept_", "n_iter_", "stop_crit_", "dual_gap_"):
        if hasattr(final, name):
            setattr(estimator, name, getattr(final, name))


def _cross_validate(estimator, X, y, y_split, sw, gammas, alphas, *, loss, cv,
                    positive, groups, sample_weight, params):
    """The l1_ratio values, the alpha grids (one row per l1_ratio, from the
    full data's ``alpha_max`` when ``alphas`` is a number), the folds (split
    on ``y_split``), which of them can be scored, and the held-out
    predictions of every (l1_ratio, gamma, fold) path (:func:`_run_folds`),
    and the mask of the (l1_ratio, gamma, alpha) the selection may choose:
    those every scored fold fitted without its path saturating."""
    l1_ratios, _ = _l1_ratio_grid(estimator.l1_ratio)
    weightings = [make_weighting(estimator.penalty_weights, r, X.shape[1])
                  for r in l1_ratios]
    tops = [None] * len(weightings)
    if isinstance(alphas, int):
        tops = _full_data_alpha_max(X, y, sw, loss, estimator.fit_intercept,
                                    weightings)
    alphas = np.array([resolve_alphas(alphas, top, estimator.eps) for top in tops])
    folds = cv_splits(estimator, cv, X, y_split, groups=groups,
                      sample_weight=sample_weight, params=params)
    scored = _check_fold_weights(sw, folds)
    results, n_fitted = _run_folds(estimator, X, y, sw, folds, gammas, alphas,
                                   loss, positive, weightings)
    # the alphas every scored fold fitted without saturating: the only ones
    # the selection may choose
    selectable = (np.arange(alphas.shape[1])
                  < n_fitted[..., scored].min(axis=-1)[..., None])
    return l1_ratios, alphas, folds, scored, results, selectable


def _full_data_alpha_max(X, y, sw, loss, fit_intercept, weightings):
    """``alpha_max`` of the full data (the top of the CV grid) for each
    weighting (the null model does not depend on l1_ratio)."""
    design = make_design(X, sw, fit_intercept)
    if loss == "multinomial":
        tops = [multinomial_alpha_max(design, y, sw, fit_intercept, weighting)
                for weighting in weightings]
        for top, weighting in zip(tops, weightings, strict=True):
            check_auto_grid(top, weighting.l1_ratio)
        return tops
    if loss == "squared_error":
        y = center_target(y, sw, fit_intercept)[0]
    null = null_model(design, y, sw, loss=loss, fit_intercept=fit_intercept,
                      weighting=weightings[0])
    tops = []
    for weighting in weightings:
        top = path_alpha_max(design, null.grad, weighting)
        check_auto_grid(top, weighting.l1_ratio)
        tops.append(top)
    return tops


class NonconvexLassoCV(DocLinkMixin, SplitterRoutingMixin, LinearRegressorMixin,
                       RegressorMixin, BaseEstimator):
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
        The penalty (see :class:`NonconvexLasso`).
    gamma : float or array-like of float, default=3.0
        One concavity value or a grid of them (``> 1`` for MCP, ``> 2`` for
        SCAD); only the first value is used for ``"l1"``.
    l1_ratio : float or array-like of float, default=1.0
        Elastic-net mixing in [0, 1] (see :class:`NonconvexLasso`), or a
        grid of values to choose from by cross-validation, as in
        scikit-learn's ``ElasticNetCV``; a grid adds a leading
        ``n_l1_ratios`` axis to the CV results and to ``alphas_``. An
        automatic alpha grid (an integer ``alphas``) needs every value
        ``> 0``.
    penalty_weights : array-like of shape (n_features,), default=None
        Per-feature penalty weights (see :class:`NonconvexLasso`), the
        same in every fold and in the refit; rescaled so that their mean
        over the penalised features is one.
    alphas : int or array-like of shape (n_alphas,), default=100
        The number of alphas, log-spaced from ``alpha_max`` of the full data
        (the smallest alpha whose solution is zero) down to
        ``eps * alpha_max``, or the alphas themselves (solved in decreasing
        order), as ``alphas`` of scikit-learn's ``LassoCV``.
    eps : float, default=1e-3
        Ratio ``alpha_min / alpha_max`` of the automatic grid (an integer
        ``alphas``), in ``(0, 1]``; unused with explicit alphas.
    cv : int, cross-validation generator or iterable, default=None
        Folds, as in ``sklearn.model_selection.check_cv``: ``None`` is
        5-fold, an integer that number of folds; a splitter such as
        ``GroupKFold`` gets the ``groups`` passed to ``fit``.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept.
    solver : {"cd", "apg", "pgd"}, default="cd"
        Solver of every path and of the refit (see
        :class:`NonconvexLasso`).
    damping : {"tuned", "ghadimi-lan"}, default="tuned"
        Step-size schedule of ``solver="apg"``; ignored by the other solvers.
    max_iter : int, default=None
        Per alpha: outer working-set or Newton iterations for ``"cd"``
        (default 100), gradient steps for ``"apg"``/``"pgd"`` (default
        20000).
    tol : float, default=1e-4
        Stopping tolerance of every solve (as in :class:`NonconvexLasso`).
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    n_jobs : int, default=None
        Parallel jobs over the (gamma, fold) pairs (joblib; ``None`` is 1
        unless in a ``joblib.parallel_config`` context).
    verbose : int, default=0
        Progress bar over the folds when positive.

    Attributes
    ----------
    alpha_ : float
        Selected alpha.
    gamma_ : float
        Selected gamma.
    l1_ratio_ : float
        Selected l1_ratio (the value of ``l1_ratio`` when a number).
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratios, n_alphas)
        The alpha grid, in decreasing order (shared by every gamma); with
        an ``l1_ratio`` grid one row per l1_ratio (an automatic grid
        starts at that l1_ratio's ``alpha_max``, as in ``ElasticNetCV``).
    gammas_ : ndarray of shape (n_gammas,)
        The gamma grid (one value for a float ``gamma`` or ``"l1"``).
    mse_path_ : ndarray of shape (n_gammas, n_alphas, n_folds)
        Held-out weighted mean squared error of each gamma, alpha and fold;
        three-dimensional (``n_gammas = 1`` for a float ``gamma``) unless
        ``l1_ratio`` is a grid, which adds a leading axis: shape
        ``(n_l1_ratios, n_gammas, n_alphas, n_folds)``.
        NaN for a fold whose test samples all have zero weight (left out
        of the mean, with a warning).
    coef_ : ndarray of shape (n_features,)
        Coefficients of the refitted model.
    intercept_ : float
        Intercept of the refitted model.
    n_iter_ : int
        Iterations of the refit (see :class:`NonconvexLasso`).
    stop_crit_ : float
        Scaled KKT violation of the refit (see
        :class:`NonconvexLasso`'s ``stop_crit_``).
    dual_gap_ : float or None
        Duality gap of the refit (``penalty="l1"`` with ``solver="cd"``),
        else ``None``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.

    See Also
    --------
    NonconvexLasso : the estimator refitted at the selected parameters.
    nonconvex_path : the path computed on each training fold.

    Notes
    -----
    BLAS runs with one thread inside ``fit`` and in every CV worker by
    default, whatever the number of cores, so results do not depend on it;
    ``n_jobs`` parallelises the folds. Opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> from sparsestat.datasets import make_sparse_regression
    >>> from sparsestat.linear_model import NonconvexLassoCV
    >>> X, y, coef = make_sparse_regression(100, 50, 4, snr=20, random_state=0)
    >>> model = NonconvexLassoCV(alphas=20, cv=3).fit(X, y)
    >>> model.mse_path_.shape, int((model.coef_ != 0).sum()) >= 4
    ((1, 20, 3), True)
    """

    _parameter_constraints = {**_CV_CONSTRAINTS, "positive": ["boolean"]}

    def __init__(self, *, penalty="mcp", gamma=3.0, l1_ratio=1.0,
                 penalty_weights=None, alphas=100, eps=1e-3, cv=None,
                 fit_intercept=True, solver="cd", damping="tuned", max_iter=None,
                 tol=1e-4, positive=False, n_jobs=None, verbose=0):
        self.penalty = penalty
        self.gamma = gamma
        self.l1_ratio = l1_ratio
        self.penalty_weights = penalty_weights
        self.alphas = alphas
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

    @limit_blas_threads
    def fit(self, X, y, sample_weight=None, *, groups=None, **params):
        """Cross-validate the path(s), then refit at the best (alpha, gamma).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; sparse input is converted to CSC.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights, used in the fits and in the
            held-out errors.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group splitter (``cv=GroupKFold(3)``...);
            ignored by the other splitters.
        **params : dict
            Further metadata for the splitter's ``split``; only with
            ``sklearn.set_config(enable_metadata_routing=True)`` (see
            scikit-learn's metadata routing user guide).

        Returns
        -------
        self : NonconvexLassoCV
            The fitted estimator.
        """
        self._validate_params()
        gammas = _gamma_grid(self.penalty, self.gamma)
        _l1_ratio_grid(self.l1_ratio)
        alphas = check_alpha_grid(self.alphas)
        X, y, sw = _check_cv_data(self, X, y, sample_weight, classifier=False)
        y = as_target(y, X.dtype)
        l1_ratios, alphas, folds, scored, results, selectable = _cross_validate(
            self, X, y, y, sw, gammas, alphas, loss="squared_error",
            cv=check_cv(self.cv), positive=self.positive, groups=groups,
            sample_weight=sample_weight, params=params)
        mse = np.full((l1_ratios.size, gammas.size, alphas.shape[1], len(folds)),
                      np.nan)
        for r, g, f, decision, sw_test in results:
            if not scored[f]:
                continue
            test = folds[f][1]
            err = (y[test][:, None] - decision) ** 2
            mse[r, g, :, f] = sw_test @ err / sw_test.sum()
        self.mse_path_ = mse if _l1_ratio_grid(self.l1_ratio)[1] else mse[0]
        mean_mse = np.where(selectable, mse[..., scored].mean(axis=-1), np.inf)
        best = np.unravel_index(np.argmin(mean_mse), mean_mse.shape)
        _refit_best(self, NonconvexLasso, best, alphas, gammas, l1_ratios, X, y,
                    sample_weight, positive=self.positive)
        return self


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


class NonconvexLogisticRegressionCV(DocLinkMixin, SplitterRoutingMixin,
                                    MulticlassLogisticMixin, ClassifierMixin,
                                    BaseEstimator):
    """:class:`NonconvexLogisticRegression` with alpha (and gamma) chosen by CV.

    The path of each gamma is computed on each training fold and scored on
    the held-out fold; (gamma, fold) pairs run in parallel through joblib.
    The best (alpha, gamma) by mean score is refitted on all the data.
    With more than two classes the paths are multinomial (see
    :class:`NonconvexLogisticRegression`), scored on the held-out softmax
    probabilities (``"neg_log_loss"``) or the class of largest score
    (``"accuracy"``); every training fold must hold every class.

    Parameters
    ----------
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        The penalty (see :class:`NonconvexLasso`).
    gamma : float or array-like of float, default=3.0
        One concavity value or a grid of them (``> 1`` for MCP, ``> 2`` for
        SCAD); only the first value is used for ``"l1"``.
    l1_ratio : float or array-like of float, default=1.0
        Elastic-net mixing in [0, 1] (see :class:`NonconvexLasso`), or a
        grid of values to choose from by cross-validation, as in
        scikit-learn's ``ElasticNetCV``; a grid adds a leading
        ``n_l1_ratios`` axis to the CV results and to ``alphas_``. An
        automatic alpha grid (an integer ``alphas``) needs every value
        ``> 0``.
    penalty_weights : array-like of shape (n_features,), default=None
        Per-feature penalty weights (see :class:`NonconvexLasso`), the
        same in every fold and in the refit; rescaled so that their mean
        over the penalised features is one.
    alphas : int or array-like of shape (n_alphas,), default=50
        The number of alphas, log-spaced from ``alpha_max`` of the full data
        (the smallest alpha whose solution is zero) down to
        ``eps * alpha_max``, or the alphas themselves (solved in decreasing
        order), as ``alphas`` of scikit-learn's ``LassoCV``.
    eps : float, default=1e-2
        Ratio ``alpha_min / alpha_max`` of the automatic grid (an integer
        ``alphas``), in ``(0, 1]``; unused with explicit alphas.
    cv : int, cross-validation generator or iterable, default=None
        Folds, as in ``sklearn.model_selection.check_cv``: ``None`` is
        stratified 5-fold, an integer that number of folds; a splitter such as
        ``GroupKFold`` gets the ``groups`` passed to ``fit``.
    scoring : {"neg_log_loss", "accuracy", "roc_auc"}, default="neg_log_loss"
        Held-out score (weighted by the sample weights); higher is better.
        ``"roc_auc"`` is binary only (a ValueError for more classes).
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept.
    solver : {"cd", "apg", "pgd"}, default="cd"
        Solver of every path and of the refit (see
        :class:`NonconvexLogisticRegression`); only ``"cd"`` with more than
        two classes.
    damping : {"tuned", "ghadimi-lan"}, default="tuned"
        Step-size schedule of ``solver="apg"``; ignored by the other solvers.
    max_iter : int, default=None
        Per alpha: outer working-set or Newton iterations for ``"cd"``
        (default 100), gradient steps for ``"apg"``/``"pgd"`` (default
        20000).
    tol : float, default=1e-4
        Stopping tolerance of every solve (as in
        :class:`NonconvexLogisticRegression`).
    n_jobs : int, default=None
        Parallel jobs over the (gamma, fold) pairs (joblib; ``None`` is 1
        unless in a ``joblib.parallel_config`` context).
    verbose : int, default=0
        Progress bar over the folds when positive.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The sorted labels; with two classes ``classes_[1]`` is the positive
        class.
    alpha_ : float
        Selected alpha.
    gamma_ : float
        Selected gamma.
    l1_ratio_ : float
        Selected l1_ratio (the value of ``l1_ratio`` when a number).
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratios, n_alphas)
        The alpha grid, in decreasing order (shared by every gamma); with
        an ``l1_ratio`` grid one row per l1_ratio (an automatic grid
        starts at that l1_ratio's ``alpha_max``, as in ``ElasticNetCV``).
    gammas_ : ndarray of shape (n_gammas,)
        The gamma grid (one value for a float ``gamma`` or ``"l1"``).
    scores_ : ndarray of shape (n_gammas, n_alphas, n_folds)
        Held-out score of each gamma, alpha and fold; three-dimensional
        (``n_gammas = 1`` for a float ``gamma``) unless ``l1_ratio`` is a
        grid, which adds a leading axis: shape
        ``(n_l1_ratios, n_gammas, n_alphas, n_folds)``; the same for any
        number of classes. A fold whose MCP/SCAD path saturated (separable
        training data, see :class:`NonconvexLogisticRegression`) scores that
        alpha and the smaller ones with its last unsaturated fit, and
        ``alpha_`` is chosen among the alphas every fold fitted without
        saturating (as ncvreg's ``cv.ncvreg`` keeps only the lambdas every
        fold fitted).
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients of the refitted model (scikit-learn's binary layout;
        one row per class with more than two classes).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercept(s) of the refitted model (summing to zero with more than
        two classes).
    n_iter_ : int
        Iterations of the refit (see :class:`NonconvexLogisticRegression`).
    stop_crit_ : float
        Scaled KKT violation of the refit (see
        :class:`NonconvexLogisticRegression`'s ``stop_crit_``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.

    See Also
    --------
    NonconvexLogisticRegression : the estimator refitted at the selected
        parameters.

    Notes
    -----
    BLAS runs with one thread inside ``fit`` and in every CV worker by
    default, whatever the number of cores, so results do not depend on it;
    ``n_jobs`` parallelises the folds. Opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> from sparsestat.datasets import make_sparse_regression
    >>> from sparsestat.linear_model import NonconvexLogisticRegressionCV
    >>> X, y, _ = make_sparse_regression(
    ...     200, 30, 4, snr=20, task="classification", random_state=0)
    >>> clf = NonconvexLogisticRegressionCV(alphas=10, cv=3).fit(X, y)
    >>> clf.scores_.shape, clf.score(X, y) > 0.85
    ((1, 10, 3), True)
    """

    _parameter_constraints = {
        **_CV_CONSTRAINTS,
        "scoring": [StrOptions({"neg_log_loss", "accuracy", "roc_auc"})],
    }

    def __init__(self, *, penalty="mcp", gamma=3.0, l1_ratio=1.0,
                 penalty_weights=None, alphas=50, eps=1e-2, cv=None,
                 scoring="neg_log_loss", fit_intercept=True, solver="cd",
                 damping="tuned", max_iter=None, tol=1e-4, n_jobs=None, verbose=0):
        self.penalty = penalty
        self.gamma = gamma
        self.l1_ratio = l1_ratio
        self.penalty_weights = penalty_weights
        self.alphas = alphas
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

    @limit_blas_threads
    def fit(self, X, y, sample_weight=None, *, groups=None, **params):
        """Cross-validate the path(s), then refit at the best (alpha, gamma).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; sparse input is converted to CSC.
        y : array-like of shape (n_samples,)
            Two or more classes, of any label type.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights, used in the fits and in the
            held-out scores.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group splitter (``cv=GroupKFold(3)``...);
            ignored by the other splitters.
        **params : dict
            Further metadata for the splitter's ``split``; only with
            ``sklearn.set_config(enable_metadata_routing=True)`` (see
            scikit-learn's metadata routing user guide).

        Returns
        -------
        self : NonconvexLogisticRegressionCV
            The fitted estimator.
        """
        self._validate_params()
        gammas = _gamma_grid(self.penalty, self.gamma)
        _l1_ratio_grid(self.l1_ratio)
        alphas = check_alpha_grid(self.alphas)
        X, y, sw = _check_cv_data(self, X, y, sample_weight, classifier=True)
        multiclass = is_multiclass(y)
        if multiclass:
            check_multinomial_solver(self.solver)
            check_multiclass_scoring(self.scoring)
            # one-hot labels for the folds' multinomial paths
            self.classes_, y01 = encode_multiclass_target(y, sw, X.dtype)
            score = multinomial_scores
        else:
            self.classes_, y01 = encode_binary_target(y)
            y01 = y01.astype(X.dtype)
            score = _classification_score
        l1_ratios, alphas, folds, scored, results, selectable = _cross_validate(
            self, X, y01, y, sw, gammas, alphas,
            loss="multinomial" if multiclass else "log_loss",
            cv=check_cv(self.cv, y, classifier=True), positive=False,
            groups=groups, sample_weight=sample_weight, params=params)
        scores = np.full((l1_ratios.size, gammas.size, alphas.shape[1], len(folds)),
                         np.nan)
        for r, g, f, decision, sw_test in results:
            if not scored[f]:
                continue
            test = folds[f][1]
            scores[r, g, :, f] = score(self.scoring, y01[test], decision, sw_test)
        self.scores_ = scores if _l1_ratio_grid(self.l1_ratio)[1] else scores[0]
        if np.isfinite(scores).any():
            mean = np.nanmean(scores, axis=-1)
        else:
            mean = scores[..., 0]
        mean = np.where(selectable, mean, -np.inf)
        best = np.unravel_index(np.nanargmax(mean), mean.shape)
        _refit_best(self, NonconvexLogisticRegression, best, alphas, gammas,
                    l1_ratios, X, y, sample_weight)
        return self
