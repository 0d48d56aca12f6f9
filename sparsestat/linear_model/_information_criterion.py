"""Selection of alpha (and gamma) by an information criterion along one path.

As scikit-learn's ``LassoLarsIC`` reads AIC or BIC off the LARS path, the
classes here compute one regularisation path per gamma with
:func:`~sparsestat.linear_model._path.compute_path` on all the data and keep
the model of smallest

    deviance + size penalty,

with the size penalty ``2 df`` (AIC), ``log(n) df`` (BIC) or
``log(n) df + 2 ebic_gamma log C(p, df)`` (EBIC, Chen & Chen 2008) and
``df`` the number of non-zero coefficients. A model is one row of this
module: :class:`_PathInformationCriterion` holds the path, the grid and the
selection; a subclass gives the target encoding, the deviance of the path's
linear predictors and the fitted-attribute layout.
"""

from dataclasses import replace
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.optimize import nnls
from scipy.special import gammaln, logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.linear_model import LinearRegression
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import validate_data

from sparsestat._config import limit_blas_threads
from sparsestat.linear_model._base import PENALTY_CONSTRAINTS, WEIGHTING_CONSTRAINTS
from sparsestat.linear_model._cv import _gamma_grid
from sparsestat.linear_model._multiclass import (
    MulticlassLogisticMixin,
    encode_multiclass_target,
    is_multiclass,
    multinomial_decision,
)
from sparsestat.linear_model._multinomial import (
    check_multinomial_solver,
    multinomial_path,
)
from sparsestat.linear_model._path import alpha_grid, compute_path, warn_unconverged
from sparsestat.linear_model._poisson import PoissonRegressorMixin
from sparsestat.utils._design import as_target, make_design
from sparsestat.utils._grid import check_alpha_grid, select_first_minimum
from sparsestat.utils._linear import LinearRegressorMixin, encode_binary_target
from sparsestat.utils._param_validation import (
    Interval,
    StrOptions,
    c_int_interval,
)
from sparsestat.utils._repr import DocLinkMixin
from sparsestat.utils.datafits import get_datafit
from sparsestat.utils.penalties import make_weighting
from sparsestat.utils.validation import (
    check_count_target,
    check_finite_scalar,
    check_sample_weight,
    check_sparse_input,
)

_IC_CONSTRAINTS = {
    **PENALTY_CONSTRAINTS,
    # one l1_ratio (a float, no grid: the criterion selects along one path)
    **WEIGHTING_CONSTRAINTS,
    "criterion": [StrOptions({"aic", "bic", "ebic"})],
    "gamma": [Interval(Real, 1, None, closed="neither"), "array-like"],
    "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
    "eps": [Interval(Real, 0, 1, closed="right")],
    # Chen & Chen (2008) study 0 <= gamma <= 1 (1 is their default for
    # p growing faster than n; 0 is BIC)
    "ebic_gamma": [Interval(Real, 0, 1, closed="both")],
    "max_iter": [c_int_interval(1), None],
}


def log_binomial(p, k):
    """``log C(p, k)`` elementwise, exact for integers (through log-gamma)."""
    k = np.asarray(k, dtype=np.float64)
    return gammaln(p + 1.0) - gammaln(k + 1.0) - gammaln(p - k + 1.0)


def size_penalty(criterion, df, n_samples, n_features, ebic_gamma):
    """The criterion's penalty on ``df`` non-zero coefficients.

    ``2 df`` (AIC), ``log(n) df`` (BIC), ``log(n) df + 2 ebic_gamma
    log C(p, df)`` (EBIC), with ``n = n_samples`` (the sum of the frequency
    weights) and ``p = n_features``.
    """
    df = np.asarray(df, dtype=np.float64)
    if criterion == "aic":
        return 2.0 * df
    penalty = np.log(n_samples) * df
    if criterion == "ebic":
        penalty = penalty + 2.0 * ebic_gamma * log_binomial(n_features, df)
    return penalty


def weight_total(sample_weight, n_samples):
    """The criterion's number of samples: the sum of the weights (frequency
    weights: an integer weight ``k`` counts as ``k`` repeated rows), or
    ``n_samples`` without weights. The weights are already validated."""
    if sample_weight is None:
        return float(n_samples)
    with np.errstate(over="ignore"):
        total = float(np.sum(np.asarray(sample_weight, dtype=np.float64)))
    if not np.isfinite(total):
        raise ValueError(
            "The sum of sample_weight overflows float64; it is the number of "
            "samples of the information criterion (frequency weights), so "
            "pass counts or weights of a moderate scale."
        )
    return total


def weighted_least_squares_residual(X, y, sw, fit_intercept, positive):
    """``sum_i sw_i r_i^2`` of the weighted least-squares fit of ``y`` on the
    dense columns ``X`` (with an intercept; non-negative coefficients when
    ``positive``), ``sw`` summing to one."""
    if fit_intercept:
        X = X - sw @ X
        y = y - sw @ y
    root = np.sqrt(sw)
    A, b = root[:, np.newaxis] * X, root * y
    if not A.shape[1]:
        return float(b @ b)
    coef = nnls(A, b)[0] if positive else np.linalg.lstsq(A, b, rcond=None)[0]
    resid = b - A @ coef
    return float(resid @ resid)


class _PathInformationCriterion(DocLinkMixin, BaseEstimator):
    """The path, the grid and the selection shared by every IC class.

    A model is a small subclass: ``_loss`` (the path's loss), ``_datafit``
    (its row of :data:`~sparsestat.utils.datafits.DATAFITS`, whose weighted
    value is half the deviance), ``_encode_target(y, dtype)`` and
    ``_store(coef, intercept)``; ``_datafit_target`` maps the path's target
    to the row's; least squares replaces ``_deviance`` (the Gaussian
    deviance needs the noise variance, computed in ``_prepare``).
    """

    _loss = None

    # the datafit row of the model's loss (utils.datafits), whose value
    # sum_i s_i ell(y_i, eta_i) is half the deviance
    _datafit = None

    def _prepare(self, X, y, sw, uniform, n_total):
        """Hook run once after the paths (default: nothing)."""

    def _datafit_target(self, y):
        """``y`` as the datafit row takes it (default: unchanged)."""
        return y

    def _deviance(self, y, decision, sw, n_total):
        """Twice the weighted datafit of every column of ``decision``: the
        deviance, ``n`` times the weighted mean over samples."""
        target = np.asarray(self._datafit_target(y), dtype=np.float64)
        losses = get_datafit(self._datafit).value(target[:, np.newaxis], decision, 1.0)
        return 2.0 * n_total * (sw.astype(np.float64) @ losses)

    @limit_blas_threads
    def fit(self, X, y, sample_weight=None):
        """Compute the path(s) and select the model of smallest criterion.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; sparse input is converted to CSC.
        y : array-like of shape (n_samples,)
            Target values (class labels for a classifier).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights, not all zero: the fits and the
            deviance are weighted, and the criterion's number of samples
            ``n`` is their sum (a weight ``k`` counts as ``k`` repeated
            rows, as in scikit-learn's sample-weight semantics).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        check_finite_scalar(self.ebic_gamma, "ebic_gamma")
        gammas = _gamma_grid(self.penalty, self.gamma)
        alphas = check_alpha_grid(self.alphas)
        if not isinstance(alphas, int):
            alphas = np.sort(alphas)[::-1]
        X, y = validate_data(
            self, check_sparse_input(X), y, accept_sparse="csc",
            dtype=[np.float64, np.float32], order="F",
            y_numeric=self._loss != "log_loss",
        )
        y_fit = self._encode_target(y, X.dtype)
        # the same weighting in every path, hence in the top of the automatic
        # grid (compute_path's alpha_max, which refuses l1_ratio=0 there)
        weighting = make_weighting(self.penalty_weights, self.l1_ratio, X.shape[1])
        sw, uniform = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        n_total = weight_total(sample_weight, X.shape[0])
        if self.criterion != "aic" and not n_total > 1:
            raise ValueError(
                f"criterion={self.criterion!r} needs more than one sample: its "
                f"penalty log(n) df is not positive for n = {n_total:.3g}, the "
                "number of samples (the sum of sample_weight, which are "
                "frequency weights: pass counts, not weights normalised to "
                "sum to one)."
            )
        positive = getattr(self, "positive", False)
        grid, paths = alphas, []
        for i, g in enumerate(gammas):
            # one bar per gamma's path, named so that a grid's bars can be told apart
            desc = (f"{type(self).__name__} path" if len(gammas) == 1 else
                    f"{type(self).__name__} path {i + 1}/{len(gammas)}, gamma={g:g}")
            path = self._compute_path(
                X, y_fit, sw, uniform, loss=self._loss, penalty=self.penalty,
                gamma=float(g), alphas=grid, eps=self.eps,
                fit_intercept=self.fit_intercept, positive=positive, tol=self.tol,
                max_iter=self.max_iter, solver=self.solver,
                damping=getattr(self, "damping", "tuned"), verbose=self.verbose,
                weighting=weighting, desc=desc,
            )
            # a saturated fit is never selected (see below), so a saturated
            # path needs no warning: only the solves before it can call for one
            fitted = path
            if getattr(path, "saturated", False):
                fitted = replace(path, alphas=path.alphas[:-1],
                                 converged=path.converged[:-1], saturation=None)
            warn_unconverged(fitted, self.tol, self.max_iter, self.solver)
            if isinstance(grid, int):
                # every gamma shares the grid of the first path (alpha_max
                # does not depend on gamma); a GLM path that stopped early
                # (saturation) returns a prefix of it
                grid = (path.alphas if path.alphas.size == grid
                        else alpha_grid(float(path.alphas[0]), grid, self.eps))
            paths.append(path)
        # after the paths, which check the design (offsets beyond the
        # dtype's precision raise there)
        self._prepare(X, y_fit, sw, uniform, n_total)
        # the deviances are evaluated in float64: with float32 X under an
        # offset, X w and the intercept cancel
        X64 = X if X.dtype == np.float64 else X.astype(np.float64)
        criteria = np.empty((len(paths), len(grid)))
        usable = []
        for row, path in zip(criteria, paths, strict=True):
            decision = self._path_decision(X64, path)
            # every coefficient of a fit, over the classes of a multinomial
            # path (coefs of shape (n_classes, n_features, n_alphas)): df
            # counts the non-zero ones and EBIC's p is their number
            coefs = path.coefs.reshape(-1, path.coefs.shape[-1])
            df = np.count_nonzero(coefs, axis=0)
            values = (self._deviance(y_fit, decision, sw, n_total)
                      + size_penalty(self.criterion, df, n_total, coefs.shape[0],
                                     self.ebic_gamma))
            # a saturated GLM path stops at the alpha where it saturated: that
            # fit is not a solution (its deviance tends to zero), so it and
            # the alphas past it score as the last unsaturated fit, as the CV
            # folds of a saturated path do; on the tie the earlier alpha wins
            n_ok = path.alphas.size
            if getattr(path, "saturated", False) and n_ok > 1:
                n_ok -= 1
            row[:n_ok] = values[:n_ok]
            row[n_ok:] = values[n_ok - 1]
            usable.append(n_ok)
        best_g, best_a = np.unravel_index(select_first_minimum(criteria),
                                          criteria.shape)
        best = paths[best_g]
        best_a = min(best_a, usable[best_g] - 1)
        self.alphas_ = np.asarray(grid, dtype=np.float64)
        self.gammas_ = gammas
        self.criterion_ = criteria[0] if np.ndim(self.gamma) == 0 else criteria
        self.alpha_ = float(self.alphas_[best_a])
        self.gamma_ = float(gammas[best_g])
        self.n_iter_ = int(sum(int(p.n_iters.sum()) for p in paths))
        self.stop_crit_ = float(best.stop_crits[best_a])
        self._store(*self._path_fit(best, best_a))
        return self

    def _compute_path(self, X, y, sw, uniform, **params):
        """The path of one gamma (default: :func:`compute_path`)."""
        return compute_path(X, y, sw, uniform, **params)

    def _path_decision(self, X, path):
        """The linear predictors of every fit of ``path`` on float64 ``X``,
        one column per alpha."""
        return (np.asarray(safe_sparse_dot(X, path.coefs.astype(np.float64)))
                + path.intercepts)

    def _path_fit(self, path, index):
        """``(coef, intercept)`` of the path's fit ``index``, as ``_store``
        takes them."""
        return path.coefs[:, index].copy(), float(path.intercepts[index])


class NonconvexLassoIC(LinearRegressorMixin, RegressorMixin, _PathInformationCriterion):
    r""":class:`NonconvexLasso` with alpha (and gamma) chosen by AIC, BIC or EBIC.

    One regularisation path per gamma of the grid is computed on all the data
    (:func:`nonconvex_path`: warm starts, strong rules), and the model of
    smallest criterion is kept, as scikit-learn's
    :class:`~sklearn.linear_model.LassoLarsIC` does on the LARS path:

    .. math::

        \mathrm{crit}(\alpha, \gamma) = n \log(2 \pi \sigma^2)
        + \frac{\mathrm{RSS}}{\sigma^2} + \mathrm{pen}(\mathrm{df})

    with :math:`\mathrm{RSS} = \sum_i s_i (y_i - x_i^\top w - b)^2` at the
    path's solution, :math:`n = \sum_i s_i` (the number of samples without
    ``sample_weight``), ``df`` the number of non-zero coefficients
    (the intercept is not counted, as in ``LassoLarsIC``), :math:`\sigma^2`
    the noise variance (below) and the size penalty

    - ``"aic"``: :math:`2\,\mathrm{df}`;
    - ``"bic"``: :math:`\log(n)\,\mathrm{df}`;
    - ``"ebic"``: :math:`\log(n)\,\mathrm{df} + 2 \gamma_E \log\binom{p}{\mathrm{df}}`
      (the extended BIC of Chen and Chen, 2008, with
      :math:`\gamma_E` = ``ebic_gamma`` and ``p`` the number of features):
      ``-2 log`` of a prior on the models proportional to
      :math:`\binom{p}{\mathrm{df}}^{-\gamma_E}` (with ``ebic_gamma=1``
      every model size is equally likely, where BIC's flat prior on the
      models favours the sizes near ``p / 2``), which keeps BIC from
      selecting spurious features when ``p`` is large against ``n``. With
      ``ebic_gamma=0`` it is BIC.

    On one path, BIC never selects more features than AIC (for ``n >
    e^2``), and EBIC never more than BIC while BIC's model has fewer than
    ``p / 2`` features (both extra penalties increase with ``df`` there).

    With ``penalty="l1"`` and a float ``noise_variance`` or ``n > p + 1``
    this is ``LassoLarsIC``'s criterion evaluated on the coordinate-descent
    Lasso path (``criterion_`` holds the same numbers on the same models).

    **The noise variance** :math:`\sigma^2` is ``noise_variance`` when
    given; otherwise:

    - for ``n > n_features + fit_intercept``, the unbiased estimate of the
      ordinary least-squares fit, :math:`\mathrm{RSS}_{OLS} / (n - p -
      \mathrm{fit\_intercept})` (non-negative least squares with
      ``positive=True``), exactly ``LassoLarsIC``'s;
    - otherwise (``p >= n``, where the least-squares residual is zero and
      ``LassoLarsIC`` raises), the scaled Lasso of Sun and Zhang (2012)
      with least-squares refitting: the fixed point of
      :math:`\hat\sigma^2 = \mathrm{RSS}_{OLS}(\hat S) / (n - |\hat S| -
      \mathrm{fit\_intercept})`, :math:`\hat S` the support of the Lasso
      at :math:`\lambda = \lambda_0 \hat\sigma c` with the universal
      :math:`\lambda_0 = \sqrt{2 \log(p) / n}` and ``c`` the root mean
      weighted variance of the columns (1 for standardised columns, the
      paper's setting; it keeps the estimate in the units of ``y`` when
      X is rescaled), iterated from the variance of ``y`` until the
      support repeats. At the universal threshold the Lasso keeps few
      noise features, and the refit removes the Lasso's shrinkage, which
      inflates the plain scaled-Lasso estimate several times on designs
      with strong signals. It costs a few Lasso fits, and it depends
      neither on the penalty (nor ``l1_ratio`` and ``penalty_weights``)
      nor on the grid, so every model of every gamma is scored with the
      same :math:`\sigma^2`. The least-penalised
      model of the path is not used: at the small alphas of a ``p >= n``
      path it interpolates the data and its residual says nothing of the
      noise. A support reaching half the samples stops the iteration at
      the previous estimate.

    Parameters
    ----------
    criterion : {"bic", "aic", "ebic"}, default="bic"
        The information criterion (see above). scikit-learn's
        ``LassoLarsIC`` defaults to ``"aic"``; BIC is the default here
        because it is the one that selects the support consistently (AIC
        aims at prediction and keeps spurious features).
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        The penalty (see :class:`NonconvexLasso`).
    gamma : float or array-like of float, default=3.0
        One concavity value or a grid of them (``> 1`` for MCP, ``> 2`` for
        SCAD), searched along with alpha (one path per value); only the
        first value is used for ``"l1"``.
    l1_ratio : float, default=1.0
        Elastic-net mixing in [0, 1]: the penalty of feature ``j`` is
        ``l1_ratio * p(|w_j|; alpha * pw_j, gamma) + (1 - l1_ratio) * alpha
        * pw_j / 2 * w_j^2`` (ncvreg's Mnet and glmnet's convention: the
        weight ``pw_j`` multiplies both parts). With ``penalty="l1"`` this
        is scikit-learn's ``ElasticNet`` penalty with the same ``alpha``
        and ``l1_ratio``. 1 is the pure penalty, 0 ridge only. One value
        (no grid: the criterion selects along the path(s) of that value);
        an automatic alpha grid (an integer ``alphas``) needs
        ``l1_ratio > 0``. With ``l1_ratio < 1`` the number of non-zero
        coefficients overstates the elastic net's degrees of freedom (the
        ridge part shrinks the fit of the selected features), so the
        criterion penalises those models more than their effective size
        warrants.
    penalty_weights : array-like of shape (n_features,), default=None
        Non-negative finite weight ``pw_j`` of each feature's penalty
        (ncvreg's and glmnet's ``penalty.factor``); None gives every
        feature weight one. They are rescaled so that their mean over the
        penalised (non-zero) features is one, so that multiplying them all
        by a constant changes nothing. A weight of 0 leaves the feature
        unpenalised (it is in the model from the top of a path, and
        ``alpha_max`` accounts for it); it counts in ``df`` when non-zero,
        as every coefficient does. NaN, infinite or negative weights, a
        wrong length, or all weights zero raise a ValueError (to exclude a
        feature, drop its column).
    alphas : int or array-like of shape (n_alphas,), default=100
        The number of alphas, log-spaced from ``alpha_max`` (the smallest
        alpha whose solution is zero) down to ``eps * alpha_max``, or the
        alphas themselves (solved in decreasing order).
    eps : float, default=1e-3
        Ratio ``alpha_min / alpha_max`` of the automatic grid (an integer
        ``alphas``), in ``(0, 1]``; unused with explicit alphas.
    ebic_gamma : float, default=0.5
        The weight :math:`\gamma_E \in [0, 1]` of EBIC's model-size prior;
        used by ``criterion="ebic"`` only. Chen and Chen show EBIC is
        consistent for :math:`\gamma_E > 1 - 1/(2\kappa)` when ``p`` grows
        as :math:`n^\kappa`; 0.5 is the usual choice for ``p`` of the order
        of ``n``, 1 for ``p`` much larger.
    noise_variance : float, default=None
        The variance :math:`\sigma^2` of the noise of one sample (of weight
        one), ``> 0``; estimated when None (see above).
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept.
    solver : {"cd", "apg", "pgd"}, default="cd"
        Solver of the paths (see :class:`NonconvexLasso`).
    damping : {"tuned", "ghadimi-lan"}, default="tuned"
        Step-size schedule of ``solver="apg"``; ignored by the other solvers.
    max_iter : int, default=None
        Per alpha: outer working-set iterations for ``"cd"`` (default 100),
        gradient steps for ``"apg"``/``"pgd"`` (default 20000).
    tol : float, default=1e-4
        Stopping tolerance of every solve (as in :class:`NonconvexLasso`).
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    verbose : int, default=0
        Progress bar over the alphas when positive.

    Attributes
    ----------
    alpha_ : float
        The selected alpha.
    gamma_ : float
        The selected gamma.
    alphas_ : ndarray of shape (n_alphas,)
        The alpha grid, in decreasing order (shared by every gamma).
    gammas_ : ndarray of shape (n_gammas,)
        The gamma grid (one value for a float ``gamma`` or ``"l1"``).
    criterion_ : ndarray of shape (n_alphas,) or (n_gammas, n_alphas)
        The criterion of every model of the path: one-dimensional, as in
        ``LassoLarsIC``, for a float ``gamma``; one row per gamma of the
        grid for an array-like ``gamma``.
    noise_variance_ : float
        The noise variance used in the criterion (given or estimated).
    coef_ : ndarray of shape (n_features,)
        Coefficients of the selected model (the path's solution, not a
        refit), of the dtype of ``X``.
    intercept_ : float
        Intercept of the selected model.
    n_iter_ : int
        Total solver iterations over the path(s) (outer working-set
        iterations for ``"cd"``, gradient steps otherwise), as
        ``LassoLarsIC``'s ``n_iter_`` counts those of its path.
    stop_crit_ : float
        Scaled KKT violation of the selected model (see
        :class:`NonconvexLasso`).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.

    See Also
    --------
    NonconvexLassoCV : alpha and gamma chosen by cross-validation.
    sklearn.linear_model.LassoLarsIC : AIC/BIC on the Lasso's LARS path.

    Notes
    -----
    Information criteria score the models of one path on the data they were
    fitted on, so selection costs one path per gamma where ``K``-fold CV
    costs ``K + 1``. They rest on the model being right (Gaussian noise of
    constant variance) and on ``df`` measuring the model's complexity:
    the number of non-zero coefficients is an unbiased estimate of the
    Lasso's degrees of freedom (Zou, Hastie and Tibshirani, 2007) and, for
    MCP and SCAD, the degrees of freedom of the least-squares refit on
    the support that those penalties approach for large coefficients.
    ``sample_weight`` are frequency weights: ``n`` is their sum, so scaling
    every weight by ``c`` changes the criterion (``n`` becomes ``c n``);
    repeating a row ``k`` times and giving it weight ``k`` select the same
    model. See :ref:`glm_information_criteria` for when to prefer CV.

    BLAS runs with one thread inside ``fit`` by default, whatever the number
    of cores, so results do not depend on it; opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    References
    ----------
    Chen, J. and Chen, Z. (2008). Extended Bayesian information criteria
    for model selection with large model spaces. Biometrika 95(3), 759-771.

    Sun, T. and Zhang, C.-H. (2012). Scaled sparse linear regression.
    Biometrika 99(4), 879-898.

    Examples
    --------
    >>> from sparsestat.datasets import make_sparse_regression
    >>> from sparsestat.linear_model import NonconvexLassoIC
    >>> from sparsestat.metrics import support_recovery
    >>> X, y, coef = make_sparse_regression(200, 50, 5, snr=10, random_state=0)
    >>> model = NonconvexLassoIC(criterion="ebic").fit(X, y)
    >>> model.criterion_.shape, support_recovery(coef, model.coef_)["f1"]
    ((100,), 1.0)
    """

    _loss = "squared_error"
    _parameter_constraints = {
        **_IC_CONSTRAINTS,
        "noise_variance": [Interval(Real, 0, None, closed="neither"), None],
        "positive": ["boolean"],
    }

    def __init__(self, criterion="bic", *, penalty="mcp", gamma=3.0, l1_ratio=1.0,
                 penalty_weights=None, alphas=100, eps=1e-3, ebic_gamma=0.5,
                 noise_variance=None, fit_intercept=True, solver="cd",
                 damping="tuned", max_iter=None, tol=1e-4, positive=False,
                 verbose=0):
        self.criterion = criterion
        self.penalty = penalty
        self.gamma = gamma
        self.l1_ratio = l1_ratio
        self.penalty_weights = penalty_weights
        self.alphas = alphas
        self.eps = eps
        self.ebic_gamma = ebic_gamma
        self.noise_variance = noise_variance
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.damping = damping
        self.max_iter = max_iter
        self.tol = tol
        self.positive = positive
        self.verbose = verbose

    def _encode_target(self, y, dtype):
        return as_target(y, dtype)

    def _prepare(self, X, y, sw, uniform, n_total):
        if self.noise_variance is not None:
            check_finite_scalar(self.noise_variance, "noise_variance")
            self.noise_variance_ = float(self.noise_variance)
        elif n_total > X.shape[1] + self.fit_intercept:
            self.noise_variance_ = self._ols_noise_variance(X, y, sw, n_total)
        else:
            self.noise_variance_ = self._scaled_lasso_noise_variance(
                X, y, sw, uniform, n_total)
        # a target fitted exactly has no noise; a positive floor keeps the
        # criterion finite (the models of zero residual then win, as they should)
        self.noise_variance_ = max(self.noise_variance_, np.finfo(np.float64).tiny)

    def _ols_noise_variance(self, X, y, sw, n_total, columns=None):
        """``RSS_OLS / (n - k - fit_intercept)`` of the weighted least-squares
        fit on ``columns`` (all by default: ``LassoLarsIC``'s unbiased
        estimate, through the same ``LinearRegression``), ``k`` their
        number."""
        y64 = y.astype(np.float64)
        sw64 = sw.astype(np.float64)
        if columns is None:
            k = X.shape[1]
            # lsqr (sparse X) to near float64 precision; nnls needs dense X
            ols = LinearRegression(fit_intercept=self.fit_intercept,
                                   positive=self.positive, tol=1e-12)
            X64 = X.astype(np.float64)
            if self.positive and sp.issparse(X64):
                X64 = X64.toarray()
            resid = y64 - ols.fit(X64, y64, sample_weight=sw).predict(X64)
            mean_square = float(sw64 @ resid**2)
        else:
            # a few columns of a support: a small dense problem
            k = len(columns)
            X_S = X[:, columns]
            X_S = X_S.toarray() if sp.issparse(X_S) else np.asarray(X_S)
            mean_square = weighted_least_squares_residual(
                X_S.astype(np.float64), y64, sw64, self.fit_intercept, self.positive)
        dof = n_total - k - self.fit_intercept
        if not dof > 0:
            raise ValueError(
                f"Cannot estimate the noise variance from n = {n_total:.3g} "
                f"sample(s) with {k} feature(s)"
                + (" and the intercept" if self.fit_intercept else "")
                + ": give noise_variance."
            )
        return n_total * mean_square / dof

    def _scaled_lasso_noise_variance(self, X, y, sw, uniform, n_total,
                                     max_steps=100, rtol=1e-6):
        """Scaled Lasso with least-squares refitting: alternate the support
        ``S`` of the Lasso at ``lambda_0 sigma c`` and ``sigma^2 = RSS_OLS(S)
        / (n - |S| - fit_intercept)`` until the support repeats or sigma
        settles, starting from the variance of y."""
        spread2 = make_design(X, sw, self.fit_intercept).norms2
        live = spread2 > 0
        sigma2 = self._ols_noise_variance(X, y, sw, n_total, columns=[])
        if not live.any():
            return sigma2
        scale = float(np.sqrt(spread2[live].mean()))
        lambda0 = np.sqrt(2.0 * np.log(max(X.shape[1], 2)) / n_total)
        w = np.zeros(X.shape[1], dtype=X.dtype)
        seen = set()
        for _ in range(max_steps):
            path = compute_path(
                X, y, sw, uniform, loss="squared_error", penalty="l1", gamma=3.0,
                alphas=[lambda0 * np.sqrt(sigma2) * scale],
                fit_intercept=self.fit_intercept, positive=self.positive,
                tol=self.tol, max_iter=self.max_iter, solver="cd",
                damping="tuned", coef_init=w, screening=False,
            )
            w = path.coefs[:, 0].copy()
            support = np.flatnonzero(w)
            # a support of half the samples or more leaves the refit too
            # few residual degrees of freedom: keep the previous estimate
            if support.size + self.fit_intercept >= n_total / 2:
                break
            key = support.tobytes()
            if key in seen:
                break
            seen.add(key)
            new = self._ols_noise_variance(X, y, sw, n_total, columns=support)
            done = abs(new - sigma2) <= rtol * sigma2
            sigma2 = new
            if done or sigma2 <= 0:
                break
        return sigma2

    def _deviance(self, y, decision, sw, n_total):
        # n log(2 pi sigma^2) + RSS / sigma^2: -2 log-likelihood of the
        # Gaussian model of known variance (LassoLarsIC's formula)
        resid = y.astype(np.float64)[:, np.newaxis] - decision
        rss = n_total * (sw.astype(np.float64) @ resid**2)
        sigma2 = self.noise_variance_
        return n_total * np.log(2 * np.pi * sigma2) + rss / sigma2

    def _store(self, coef, intercept):
        self.coef_ = coef
        self.intercept_ = intercept


class NonconvexLogisticRegressionIC(MulticlassLogisticMixin, ClassifierMixin,
                                    _PathInformationCriterion):
    r""":class:`NonconvexLogisticRegression` with alpha (and gamma) chosen by
    AIC, BIC or EBIC.

    One regularisation path per gamma is computed on all the data and the
    model of smallest

    .. math::

        \mathrm{crit}(\alpha, \gamma) = 2 \sum_i s_i
        \log(1 + e^{-\tilde y_i (x_i^\top w + b)}) + \mathrm{pen}(\mathrm{df})

    is kept: the deviance (twice the weighted negative log-likelihood; the
    saturated model of 0/1 labels has likelihood one) plus the size penalty
    ``2 df`` (AIC), ``log(n) df`` (BIC) or ``log(n) df + 2 ebic_gamma
    log C(p, df)`` (EBIC), with ``df`` the number of non-zero coefficients,
    ``n`` the sum of the sample weights and ``p`` the number of features
    (see :class:`NonconvexLassoIC`). The model has no noise variance.

    With more than two classes the path of each gamma is the multinomial
    path of :class:`NonconvexLogisticRegression` (block proximal Newton, one
    row of coefficients per class, ``solver="cd"`` only) and the deviance is

    .. math::

        2 \sum_i s_i \Big(\log \sum_k e^{x_i^\top w_k + b_k}
        - (x_i^\top w_{y_i} + b_{y_i})\Big),

    ``df`` is the number of non-zero coefficients over all the classes (the
    intercepts are not counted), and EBIC's ``p`` is the number of
    coefficients, ``n_features * n_classes`` (with an even number of
    classes and ``penalty="l1"``, the penalty-minimising shift of a
    feature's class coefficients is any value between the two middle ones,
    so ``df`` is not unique among the fits of one objective value). The
    multinomial path has no separation monitor: it does not saturate, and
    its unconverged solves (separable classes under MCP/SCAD) warn as the
    binary path's do.

    Parameters
    ----------
    criterion : {"bic", "aic", "ebic"}, default="bic"
        The information criterion.
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        The penalty (see :class:`NonconvexLasso`).
    gamma : float or array-like of float, default=3.0
        One concavity value or a grid of them, searched along with alpha
        (one path per value); only the first value is used for ``"l1"``.
    l1_ratio : float, default=1.0
        Elastic-net mixing in [0, 1] (ncvreg's Mnet, see
        :class:`NonconvexLasso`): ``l1_ratio * p(|w_j|; alpha * pw_j,
        gamma) + (1 - l1_ratio) * alpha * pw_j / 2 * w_j^2``. One value (no
        grid); an automatic alpha grid (an integer ``alphas``) needs
        ``l1_ratio > 0``. With ``l1_ratio < 1`` the number of non-zero
        coefficients overstates the elastic net's degrees of freedom (the
        ridge part shrinks the fit of the selected features).
    penalty_weights : array-like of shape (n_features,), default=None
        Non-negative finite per-feature penalty weights ``pw_j`` (see
        :class:`NonconvexLasso`), rescaled so that their mean over the
        penalised (non-zero) features is one; 0 leaves a feature
        unpenalised (in the model from the top of the path, and
        ``alpha_max`` accounts for it). NaN, infinite or negative weights,
        a wrong length, or all weights zero raise a ValueError.
    alphas : int or array-like of shape (n_alphas,), default=50
        The number of alphas, log-spaced from ``alpha_max`` down to
        ``eps * alpha_max``, or the alphas themselves.
    eps : float, default=1e-2
        Ratio ``alpha_min / alpha_max`` of the automatic grid, in ``(0, 1]``
        (the default of :class:`NonconvexLogisticRegressionCV`: smaller
        alphas approach the unbounded MCP/SCAD fits of separable data).
    ebic_gamma : float, default=0.5
        The weight in ``[0, 1]`` of EBIC's model-size prior (see
        :class:`NonconvexLassoIC`); used by ``criterion="ebic"`` only.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept.
    solver : {"cd", "apg", "pgd"}, default="cd"
        Solver of the paths (see :class:`NonconvexLogisticRegression`);
        more than two classes need ``"cd"`` (the others raise a ValueError).
    damping : {"tuned", "ghadimi-lan"}, default="tuned"
        Step-size schedule of ``solver="apg"``; ignored by the other solvers.
    max_iter : int, default=None
        Per alpha: Newton iterations (sweeps over the classes for more than
        two) for ``"cd"`` (default 100), gradient steps for
        ``"apg"``/``"pgd"`` (default 20000).
    tol : float, default=1e-4
        Stopping tolerance of every solve (as in
        :class:`NonconvexLogisticRegression`).
    verbose : int, default=0
        Progress bar over the alphas when positive.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, sorted; with two, ``classes_[1]`` is the positive class.
    alpha_ : float
        The selected alpha.
    gamma_ : float
        The selected gamma.
    alphas_ : ndarray of shape (n_alphas,)
        The alpha grid, in decreasing order.
    gammas_ : ndarray of shape (n_gammas,)
        The gamma grid.
    criterion_ : ndarray of shape (n_alphas,) or (n_gammas, n_alphas)
        The criterion along the path (one row per gamma for an array-like
        ``gamma``).
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients of the selected model: one row for two classes, one
        per class for more (as :class:`NonconvexLogisticRegression`).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercept(s) of the selected model (summing to zero over the
        classes for more than two).
    n_iter_ : int
        Total solver iterations over the path(s).
    stop_crit_ : float
        Scaled KKT violation of the selected model.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.

    See Also
    --------
    NonconvexLogisticRegressionCV : alpha and gamma chosen by cross-validation.

    Notes
    -----
    BLAS runs with one thread inside ``fit`` by default, whatever the number
    of cores, so results do not depend on it; opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> from sparsestat.datasets import make_sparse_regression
    >>> from sparsestat.linear_model import NonconvexLogisticRegressionIC
    >>> X, y, coef = make_sparse_regression(
    ...     400, 30, 4, snr=2, task="classification", random_state=0)
    >>> clf = NonconvexLogisticRegressionIC(criterion="bic").fit(X, y)
    >>> clf.criterion_.shape, clf.score(X, y) > 0.75
    ((50,), True)

    Three classes give one row of coefficients per class:

    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = NonconvexLogisticRegressionIC(criterion="bic", alphas=20).fit(X, y)
    >>> clf.coef_.shape, clf.predict_proba(X).shape
    ((3, 4), (150, 3))
    """

    _loss = "log_loss"
    _datafit = "logistic"
    _parameter_constraints = dict(_IC_CONSTRAINTS)

    def __init__(self, criterion="bic", *, penalty="mcp", gamma=3.0, l1_ratio=1.0,
                 penalty_weights=None, alphas=50, eps=1e-2, ebic_gamma=0.5,
                 fit_intercept=True, solver="cd", damping="tuned", max_iter=None,
                 tol=1e-4, verbose=0):
        self.criterion = criterion
        self.penalty = penalty
        self.gamma = gamma
        self.l1_ratio = l1_ratio
        self.penalty_weights = penalty_weights
        self.alphas = alphas
        self.eps = eps
        self.ebic_gamma = ebic_gamma
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.damping = damping
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose

    # Binary targets are 1-D {0, 1} labels on compute_path's logistic path;
    # more than two classes are one-hot (n_samples, n_classes) labels on
    # multinomial_path, whose coefs have one leading axis per class.

    def _encode_target(self, y, dtype):
        if not is_multiclass(y):
            self.classes_, y01 = encode_binary_target(y)
            return y01.astype(dtype)
        check_multinomial_solver(self.solver)
        # the class sizes are checked here, the class weights (not validated
        # yet) in _compute_path
        self.classes_, Y = encode_multiclass_target(
            y, np.ones(y.shape[0], dtype=dtype), dtype)
        return Y

    def _compute_path(self, X, y, sw, uniform, **params):
        if y.ndim == 1:
            return super()._compute_path(X, y, sw, uniform, **params)
        # a class of zero total weight raises, naming its label
        encode_multiclass_target(self.classes_[np.argmax(y, axis=1)], sw, y.dtype)
        params.pop("loss")
        return multinomial_path(X, y, sw, **params)

    def _path_decision(self, X, path):
        if path.coefs.ndim == 2:
            return super()._path_decision(X, path)
        # (n_samples, n_classes, n_alphas)
        return multinomial_decision(X, path)

    def _datafit_target(self, y):
        # the logistic row takes labels in {-1, +1}
        return np.where(y > 0, 1.0, -1.0)

    def _deviance(self, y, decision, sw, n_total):
        if y.ndim == 1:
            return super()._deviance(y, decision, sw, n_total)
        # 2 sum_i s_i (log sum_k e^{eta_ik} - eta_{i y_i}) per alpha, with
        # the frequency weights s_i = n sw_i of the binary deviance
        loss = (logsumexp(decision, axis=1)
                - np.einsum("ik,ika->ia", y.astype(np.float64), decision))
        return 2.0 * n_total * (sw.astype(np.float64) @ loss)

    def _path_fit(self, path, index):
        if path.coefs.ndim == 2:
            return super()._path_fit(path, index)
        return path.coefs[:, :, index].copy(), path.intercepts[:, index].copy()

    def _store(self, coef, intercept):
        if coef.ndim == 2:
            self.coef_ = coef
            self.intercept_ = intercept.astype(coef.dtype)
            return
        self.coef_ = coef[np.newaxis, :]
        self.intercept_ = np.array([intercept], dtype=coef.dtype)


class NonconvexPoissonRegressionIC(PoissonRegressorMixin, RegressorMixin,
                                   _PathInformationCriterion):
    r""":class:`NonconvexPoissonRegression` with alpha (and gamma) chosen by
    AIC, BIC or EBIC.

    One regularisation path per gamma is computed on all the data and the
    model of smallest

    .. math::

        \mathrm{crit}(\alpha, \gamma) = 2 \sum_i s_i \left(y_i \log
        \frac{y_i}{\mu_i} - y_i + \mu_i\right) + \mathrm{pen}(\mathrm{df}),
        \qquad \mu_i = e^{x_i^\top w + b},

    is kept: the Poisson deviance (twice the datafit of
    :class:`NonconvexPoissonRegression`, summed over the samples; ``0 log 0
    = 0``) plus the size penalty ``2 df`` (AIC), ``log(n) df`` (BIC) or
    ``log(n) df + 2 ebic_gamma log C(p, df)`` (EBIC), with ``df`` the number
    of non-zero coefficients, ``n`` the sum of the sample weights and ``p``
    the number of features (see :class:`NonconvexLassoIC`). The model has no
    noise variance. An MCP/SCAD path that saturates (counts fitted by a mean
    tending to zero) stops there; the saturated alpha and those past it
    score as the last unsaturated fit, so a saturated fit is never selected
    and no warning is raised for it.

    Parameters
    ----------
    criterion : {"bic", "aic", "ebic"}, default="bic"
        The information criterion.
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        The penalty (see :class:`NonconvexLasso`).
    gamma : float or array-like of float, default=3.0
        One concavity value or a grid of them, searched along with alpha
        (one path per value); only the first value is used for ``"l1"``.
    l1_ratio : float, default=1.0
        Elastic-net mixing in [0, 1] (ncvreg's Mnet, see
        :class:`NonconvexLasso`): ``l1_ratio * p(|w_j|; alpha * pw_j,
        gamma) + (1 - l1_ratio) * alpha * pw_j / 2 * w_j^2``. One value (no
        grid); an automatic alpha grid (an integer ``alphas``) needs
        ``l1_ratio > 0``. With ``l1_ratio < 1`` the number of non-zero
        coefficients overstates the elastic net's degrees of freedom (the
        ridge part shrinks the fit of the selected features).
    penalty_weights : array-like of shape (n_features,), default=None
        Non-negative finite per-feature penalty weights ``pw_j`` (see
        :class:`NonconvexLasso`), rescaled so that their mean over the
        penalised (non-zero) features is one; 0 leaves a feature
        unpenalised (in the model from the top of the path, and
        ``alpha_max`` accounts for it). NaN, infinite or negative weights,
        a wrong length, or all weights zero raise a ValueError.
    alphas : int or array-like of shape (n_alphas,), default=50
        The number of alphas, log-spaced from ``alpha_max`` down to
        ``eps * alpha_max``, or the alphas themselves.
    eps : float, default=1e-2
        Ratio ``alpha_min / alpha_max`` of the automatic grid, in ``(0, 1]``
        (the default of :class:`NonconvexPoissonRegressionCV`).
    ebic_gamma : float, default=0.5
        The weight in ``[0, 1]`` of EBIC's model-size prior (see
        :class:`NonconvexLassoIC`); used by ``criterion="ebic"`` only.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept.
    solver : {"cd"}, default="cd"
        Proximal Newton over coordinate descent (the only solver of the
        Poisson loss).
    max_iter : int, default=None
        Newton iterations per alpha (default 100).
    tol : float, default=1e-4
        Stopping tolerance of every solve (as in
        :class:`NonconvexPoissonRegression`).
    verbose : int, default=0
        Progress bar over the alphas when positive.

    Attributes
    ----------
    alpha_ : float
        The selected alpha.
    gamma_ : float
        The selected gamma.
    alphas_ : ndarray of shape (n_alphas,)
        The alpha grid, in decreasing order.
    gammas_ : ndarray of shape (n_gammas,)
        The gamma grid.
    criterion_ : ndarray of shape (n_alphas,) or (n_gammas, n_alphas)
        The criterion along the path (one row per gamma for an array-like
        ``gamma``; past the stop of a saturated path, the value of its last
        unsaturated fit).
    coef_ : ndarray of shape (n_features,)
        Coefficients of the selected model.
    intercept_ : float
        Intercept of the selected model.
    n_iter_ : int
        Total Newton iterations over the path(s).
    stop_crit_ : float
        Scaled KKT violation of the selected model.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.

    See Also
    --------
    NonconvexPoissonRegressionCV : alpha and gamma chosen by cross-validation.

    Notes
    -----
    BLAS runs with one thread inside ``fit`` by default, whatever the number
    of cores, so results do not depend on it; opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.linear_model import NonconvexPoissonRegressionIC
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 20))
    >>> y = rng.poisson(np.exp(0.5 + 0.6 * X[:, 0] - 0.4 * X[:, 1]))
    >>> model = NonconvexPoissonRegressionIC(criterion="bic").fit(X, y)
    >>> np.flatnonzero(model.coef_).tolist()
    [0, 1]
    """

    _loss = "poisson"
    _datafit = "poisson"
    _parameter_constraints = {
        **{key: value for key, value in _IC_CONSTRAINTS.items() if key != "damping"},
        "solver": [StrOptions({"cd"})],
    }

    def __init__(self, criterion="bic", *, penalty="mcp", gamma=3.0, l1_ratio=1.0,
                 penalty_weights=None, alphas=50, eps=1e-2, ebic_gamma=0.5,
                 fit_intercept=True, solver="cd", max_iter=None, tol=1e-4,
                 verbose=0):
        self.criterion = criterion
        self.penalty = penalty
        self.gamma = gamma
        self.l1_ratio = l1_ratio
        self.penalty_weights = penalty_weights
        self.alphas = alphas
        self.eps = eps
        self.ebic_gamma = ebic_gamma
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose

    def _encode_target(self, y, dtype):
        return check_count_target(y, dtype)

    def _store(self, coef, intercept):
        self.coef_ = coef
        self.intercept_ = intercept
