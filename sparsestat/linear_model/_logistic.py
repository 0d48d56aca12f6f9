"""NonconvexLogisticRegression: binary and multinomial logistic regression."""

import warnings
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import validate_data

from sparsestat._config import limit_blas_threads, user_stacklevel
from sparsestat.linear_model._base import (
    PENALTY_CONSTRAINTS,
    WEIGHTING_CONSTRAINTS,
)
from sparsestat.linear_model._dispatch import resolve_max_iter
from sparsestat.linear_model._multiclass import (
    MulticlassLogisticMixin,
    fit_multinomial,
    is_multiclass,
)
from sparsestat.linear_model._path import (
    compute_path,
    initial_coef,
    saturation_message,
)
from sparsestat.utils._param_validation import Interval, c_int_interval
from sparsestat.utils._linear import encode_binary_target
from sparsestat.utils._repr import DocLinkMixin
from sparsestat.utils.penalties import make_weighting
from sparsestat.utils.validation import (
    check_gamma,
    check_sample_weight,
    check_sparse_input,
)


class NonconvexLogisticRegression(DocLinkMixin, MulticlassLogisticMixin,
                                  ClassifierMixin, BaseEstimator):
    r"""Logistic regression (binary or multinomial) with an L1, MCP or SCAD penalty.

    Minimises the weighted mean log-loss plus the penalty

    .. math::

        \frac{1}{\sum_i s_i} \sum_i s_i \log(1 + e^{-\tilde y_i (x_i^\top w + b)})
        + \sum_j \Big[\rho\, p(|w_j|; \alpha \pi_j, \gamma)
        + (1 - \rho) \frac{\alpha \pi_j}{2} w_j^2\Big]

    with :math:`\tilde y_i \in \{-1, +1\}`, ``p`` as in
    :class:`NonconvexLasso`, the penalty weights :math:`\pi_j`
    (``penalty_weights``) and the mixing :math:`\rho` (``l1_ratio``).
    With ``penalty="l1"`` and ``l1_ratio`` this is scikit-learn's
    ``LogisticRegression(penalty="elasticnet", l1_ratio=l1_ratio,
    C=1 / (n_samples * alpha))``. The mapping to scikit-learn's
    :class:`~sklearn.linear_model.LogisticRegression` with
    ``penalty="l1"`` is ``C = 1 / (n_samples * alpha)``; ``alpha`` is
    skglm's ``alpha`` with its ``Logistic`` datafit. The fixed-``gamma``
    objective is solved (ncvreg's "adaptive rescaling" of the penalty by
    the curvature is a different objective).

    With more than two classes the data term is the weighted mean
    multinomial loss :math:`-\log \mathrm{softmax}(x_i^\top W^\top + b)_{y_i}`
    and the penalty applies to every coefficient of every class
    (scikit-learn's multinomial ``LogisticRegression`` at the same ``C``
    for ``"l1"``; glmnet's ``family="multinomial"``). The loss does not
    change when one vector is added to every class's coefficients or one
    constant to every intercept: the penalty identifies the coefficients,
    and the intercepts are reported summing to zero (as scikit-learn's
    ``saga`` solver returns them). Only ``solver="cd"`` fits it: a block
    proximal Newton method, one penalised weighted least-squares model per
    class solved by the same coordinate descent, each step a descent step
    (see the user guide's multinomial section). A class needs at least two
    samples and a positive total weight.

    Solver ``"cd"`` is a proximal Newton method: each step solves the
    penalised weighted least-squares model of the log-loss by working-set
    coordinate descent, then backtracks until the objective decreases
    (guaranteed descent). ``"apg"``/``"pgd"`` are the accelerated and plain
    proximal gradient methods. All stop on the KKT violation ``<= tol``.

    Parameters
    ----------
    alpha : float, default=0.01
        Regularisation strength, ``>= 0``.
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        The penalty (see :class:`NonconvexLasso` for the formulas).
    gamma : float, default=3.0
        Concavity of MCP (``> 1``) and SCAD (``> 2``); ignored for ``"l1"``.
    l1_ratio : float, default=1.0
        Elastic-net mixing in [0, 1]: the penalty of feature ``j`` is
        ``l1_ratio * p(|w_j|; alpha * pw_j, gamma) + (1 - l1_ratio) * alpha
        * pw_j / 2 * w_j^2`` (ncvreg's Mnet and glmnet's convention: the
        weight ``pw_j`` multiplies both parts). With ``penalty="l1"`` this
        is scikit-learn's ``ElasticNet`` penalty with the same ``alpha``
        and ``l1_ratio``. 1 is the pure penalty, 0 ridge only.
    penalty_weights : array-like of shape (n_features,), default=None
        Non-negative finite weight ``pw_j`` of each feature's penalty
        (ncvreg's and glmnet's ``penalty.factor``); None gives every
        feature weight one. They are rescaled so that their mean over the
        penalised (non-zero) features is one, so that multiplying them all
        by a constant changes nothing. A weight of 0 leaves the feature
        unpenalised (it is in the model from the top of a path, and
        ``alpha_max`` accounts for it). NaN, infinite or negative weights,
        a wrong length, or all weights zero raise a ValueError (to exclude
        a feature, drop its column; for the unpenalised fit use
        ``alpha=0``). With more than two classes the weight of feature
        ``j`` applies to its coefficient in every class.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept.
    solver : {"cd", "apg", "pgd"}, default="cd"
        Proximal Newton with working-set coordinate descent, accelerated
        proximal gradient, or plain proximal gradient (see above).
        ``"apg"``/``"pgd"`` take two classes only (their kernel's datafits
        have one linear predictor per sample); more classes raise a
        ValueError.
    damping : {"tuned", "ghadimi-lan"}, default="tuned"
        Step-size and momentum schedule of ``solver="apg"`` (see
        :class:`NonconvexLasso`); ignored by the other solvers.
    max_iter : int, default=None
        Newton iterations for ``"cd"`` (default 100; with more than two
        classes, sweeps of one Newton step per class), gradient steps for
        ``"apg"``/``"pgd"`` (default 20000).
    tol : float, default=1e-4
        Relative tolerance on the KKT violation: the violation of each
        coefficient is divided by the weighted standard deviation of its
        column (the log-loss residuals are probabilities, of scale 1), so
        that ``fit(c * X, y)`` with ``alpha`` scaled by ``c`` stops at
        coefficients scaled by ``1 / c``.
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_`` when refitting.
    verbose : int, default=0
        Print a summary of the solve when positive.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The sorted labels; with two classes ``classes_[1]`` is the positive
        class.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Two classes: coefficients of the log-odds of ``classes_[1]``, of
        the dtype of ``X`` (the layout of scikit-learn's binary
        :class:`~sklearn.linear_model.LogisticRegression`). More classes:
        one row of coefficients per class, as scikit-learn's multinomial
        layout.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercept(s) (0.0 when ``fit_intercept=False``); with more than two
        classes they sum to zero.
    n_iter_ : int
        Number of Newton iterations (``"cd"``) or gradient steps run.
    stop_crit_ : float
        Scaled KKT violation at the solution, the quantity compared with
        ``tol``: the largest distance of the negative log-loss gradient to
        the penalty's subdifferential, each coordinate divided by its
        column's weighted standard deviation, and the intercept's gradient
        (zero exactly at a stationary point).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.

    Notes
    -----
    BLAS runs with one thread inside ``fit`` by default, whatever the number
    of cores, so results do not depend on it; opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> from sparsestat.datasets import make_sparse_regression
    >>> from sparsestat.linear_model import NonconvexLogisticRegression
    >>> X, y, coef = make_sparse_regression(
    ...     300, 50, 5, snr=20, task="classification", random_state=0)
    >>> clf = NonconvexLogisticRegression(alpha=0.02).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape, clf.score(X, y) > 0.9
    ((2, 2), True)
    """

    _parameter_constraints = {
        **PENALTY_CONSTRAINTS,
        **WEIGHTING_CONSTRAINTS,
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
        damping="tuned",
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
        self.damping = damping
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose

    @limit_blas_threads
    def fit(self, X, y, sample_weight=None):
        """Fit the penalised logistic regression.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; sparse input is converted to CSC.
        y : array-like of shape (n_samples,)
            Two or more classes, of any label type.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights, not all zero.

        Returns
        -------
        self : NonconvexLogisticRegression
            The fitted estimator.
        """
        self._validate_params()
        check_gamma(self.penalty, self.gamma)
        X, y = validate_data(
            self, check_sparse_input(X), y, accept_sparse="csc",
            dtype=[np.float64, np.float32],
            order="F",
        )
        if is_multiclass(y):
            weighting = make_weighting(self.penalty_weights, self.l1_ratio, X.shape[1])
            sw, _ = check_sample_weight(sample_weight, X.shape[0], X.dtype)
            return fit_multinomial(self, X, y, sw, weighting)
        self.classes_, y01 = encode_binary_target(y)
        y01 = y01.astype(X.dtype)
        weighting = make_weighting(self.penalty_weights, self.l1_ratio, X.shape[1])
        sw, uniform = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        w, warm = initial_coef(self, X.shape[1], X.dtype)
        intercept = None
        if (warm and hasattr(self, "intercept_") and w.any()
                and np.all(np.isfinite(self.intercept_))):
            intercept = float(np.ravel(self.intercept_)[0])
        max_iter = resolve_max_iter(self.max_iter, self.solver)
        # one alpha is a path of length one
        path = compute_path(
            X, y01, sw, uniform, loss="log_loss", penalty=self.penalty,
            gamma=self.gamma, alphas=[self.alpha], fit_intercept=self.fit_intercept,
            positive=False, tol=self.tol, max_iter=max_iter, solver=self.solver,
            damping=self.damping, coef_init=w, intercept_init=intercept,
            screening=False, weighting=weighting,
        )
        n_iter, kkt, converged = path.n_iters[0], path.stop_crits[0], path.converged[0]
        w, intercept = path.coefs[:, 0].copy(), path.intercepts[0]
        if self.verbose:
            print(f"NonconvexLogisticRegression({self.penalty}, {self.solver}): "
                  f"{int(n_iter)} iterations, KKT violation {kkt:.3e}")
        if path.saturated:
            warnings.warn(f"NonconvexLogisticRegression: {saturation_message(path, 1)}",
                          ConvergenceWarning, stacklevel=user_stacklevel())
        elif not converged:
            warnings.warn(
                f"NonconvexLogisticRegression did not converge in "
                f"max_iter={max_iter} iterations (KKT violation {kkt:.3e} > "
                f"tol={self.tol:g}). Increase max_iter or alpha (separable "
                "data has no bounded MCP/SCAD solution).",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )
        # scikit-learn's binary layout: one row of coefficients, one intercept
        self.coef_ = w[np.newaxis, :]
        self.intercept_ = np.array([intercept], dtype=w.dtype)
        self.n_iter_ = int(n_iter)
        self.stop_crit_ = float(kkt)
        return self
