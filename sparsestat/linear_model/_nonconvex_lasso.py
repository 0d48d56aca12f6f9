"""NonconvexLasso: least squares with an L1, MCP or SCAD penalty."""

import warnings
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import validate_data

from sparsestat._config import limit_blas_threads, user_stacklevel
from sparsestat.linear_model._base import PENALTY_CONSTRAINTS, WEIGHTING_CONSTRAINTS
from sparsestat.linear_model._dispatch import resolve_max_iter
from sparsestat.linear_model._path import compute_path, initial_coef
from sparsestat.linear_model._precompute import SufficientStatistics, resolve_precompute
from sparsestat.utils._design import as_target
from sparsestat.utils._linear import LinearRegressorMixin
from sparsestat.utils._param_validation import Interval, c_int_interval
from sparsestat.utils._repr import DocLinkMixin
from sparsestat.utils.penalties import make_weighting
from sparsestat.utils.validation import (
    check_gamma,
    check_sample_weight,
    check_sparse_input,
)


class NonconvexLasso(DocLinkMixin, LinearRegressorMixin, RegressorMixin,
                     BaseEstimator):
    r"""Linear regression with an L1, MCP or SCAD penalty.

    Minimises over the coefficients ``w`` and the intercept ``b``

    .. math::

        \frac{1}{2 \sum_i s_i} \sum_i s_i (y_i - x_i^\top w - b)^2
        + \sum_j \Big[\rho\, p(|w_j|; \alpha \pi_j, \gamma)
        + (1 - \rho) \frac{\alpha \pi_j}{2} w_j^2\Big]

    with sample weights ``s`` (all one by default), the penalty weights
    :math:`\pi_j` (``penalty_weights``, all one by default), the mixing
    :math:`\rho` (``l1_ratio``, 1 by default) and the penalty ``p``:

    - ``"l1"``: :math:`p(t) = \alpha t` (the Lasso);
    - ``"mcp"``: :math:`p(t) = \alpha t - t^2 / (2\gamma)` for
      :math:`t \le \gamma\alpha`, else :math:`\gamma\alpha^2/2`;
    - ``"scad"``: :math:`\alpha t` for :math:`t \le \alpha`,
      :math:`(2\gamma\alpha t - t^2 - \alpha^2) / (2(\gamma - 1))` for
      :math:`\alpha < t \le \gamma\alpha`, else :math:`\alpha^2(\gamma+1)/2`.

    The data term is averaged over samples, as in scikit-learn's
    :class:`~sklearn.linear_model.Lasso`, so ``alpha`` equals the Lasso's
    ``alpha``, ncvreg's ``lambda`` and skglm's ``alpha``; ``gamma`` is
    ncvreg's ``gamma`` and skglm's ``gamma``. ``penalty="l1"`` with
    ``l1_ratio`` is scikit-learn's :class:`~sklearn.linear_model.ElasticNet`
    with the same ``alpha`` and ``l1_ratio``.

    The default solver is working-set coordinate descent: each outer iteration
    computes the full gradient, stops if the largest scaled distance of the
    negative gradient to the penalty's subdifferential (the KKT violation,
    see ``tol``) is at most ``tol`` (for ``"l1"`` also if the duality gap is
    at most ``tol`` times the weighted mean of squares of the centred ``y``,
    the rule of scikit-learn's Lasso), and otherwise runs coordinate descent on
    the current support plus the worst violators. Each coordinate update
    solves its 1-D problem exactly and globally. ``solver="apg"`` is the
    nonconvex accelerated proximal gradient method (Ghadimi-Lan composite
    scheme, with tuned or original damping) and ``solver="pgd"`` plain
    proximal gradient; both stop on the same KKT violation.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularisation strength, ``>= 0``.
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        The penalty.
    gamma : float, default=3.0
        Concavity of MCP (``> 1``) and SCAD (``> 2``); ignored for ``"l1"``.
        Large values bring both close to the Lasso.
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
        ``alpha=0``).
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept.
    precompute : bool, array-like or SufficientStatistics, default=False
        Fit from the sufficient statistics of least squares (the centred
        weighted Gram matrix and cross-products, see
        :func:`sufficient_statistics`) instead of the data. ``True``
        computes them from ``X`` in ``fit`` (pays off for
        ``n_samples >> n_features``); an array of shape ``(n_features,
        n_features)`` is scikit-learn's
        ``Lasso(precompute=...)`` Gram matrix, ``(X - m)^T diag(s) (X - m)``
        with ``m`` the weighted column means (zeros without intercept) and
        the weights ``s`` rescaled to sum to ``n_samples`` (``X.T @ X`` for
        centred, unweighted ``X``), checked against ``X``; a
        :class:`SufficientStatistics` lets ``fit(None, None)`` run without
        the data (statistics computed elsewhere, e.g. with
        :mod:`dask.array` over more rows than fit in memory). Memory is
        about two ``n_features x n_features`` arrays. The fit is the
        ordinary one (same solver, stopping rule and solution); see
        :ref:`glm_precompute`.
    solver : {"cd", "apg", "pgd"}, default="cd"
        Working-set coordinate descent, accelerated proximal gradient, or
        plain proximal gradient. CD is the fastest in almost all cases; the
        gradient methods are there to reproduce the accelerated-gradient
        literature and for very wide dense problems.
    damping : {"tuned", "ghadimi-lan"}, default="tuned"
        Step-size and momentum schedule of ``solver="apg"``: the tuned
        damping (step ``0.99/L``, Nesterov-like momentum, restarts) or the
        original Ghadimi-Lan setting. Ignored by the other solvers.
    max_iter : int, default=None
        Maximum number of outer working-set iterations for ``"cd"``
        (default 100) or of gradient steps for ``"apg"``/``"pgd"``
        (default 20000).
    tol : float, default=1e-4
        Relative stopping tolerance, ``> 0``: the KKT violation of each
        coefficient is divided by the weighted standard deviation of its
        column times the weighted RMS of the centred ``y`` (the natural
        size of that gradient entry), so that ``fit(c * X, d * y)`` with
        ``alpha`` scaled by ``c * d`` stops at coefficients scaled by
        ``d / c``. It is floored at about ``100 * eps`` of X's dtype. The
        duality-gap stop of ``"l1"`` applies to the pure Lasso only (also
        weighted): with ``l1_ratio < 1`` only the KKT violation stops the
        solve (a gap small against ``y`` can leave the coefficients loose
        when the ridge part is small), and with an unpenalised feature no
        gap exists.
    warm_start : bool, default=False
        Start from the previous ``coef_`` when refitting.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    verbose : int, default=0
        Print a summary of the solve when positive; from 2 on, the
        gradient solvers also keep ``objective_path_``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients, of the dtype of ``X`` (float32 or float64).
    intercept_ : float
        Intercept (0.0 when ``fit_intercept=False``).
    n_iter_ : int
        Number of outer working-set iterations (``"cd"``) or gradient steps
        (``"apg"``, ``"pgd"``) run.
    stop_crit_ : float
        Scaled KKT violation at the returned coefficients, the quantity
        compared with ``tol``: the largest distance of the negative
        gradient of the data term to the penalty's subdifferential, each
        coordinate divided by its column's weighted standard deviation
        times the weighted RMS of the centred ``y`` (zero exactly at a
        stationary point; not a duality gap, see ``dual_gap_``).
    dual_gap_ : float or None
        Duality gap at the returned coefficients for ``penalty="l1"`` with
        ``solver="cd"`` (the elastic-net gap when ``l1_ratio < 1``),
        ``None`` otherwise (nonconvex problems have no useful dual; nor has
        a problem with an unpenalised feature, ``penalty_weights`` 0, whose
        fit then stops on the KKT violation alone).
    objective_path_ : ndarray
        Objective after each gradient step, the first entry at the start
        (``n_iter_ + 1`` entries), only for ``solver="apg"``/``"pgd"`` with
        ``verbose >= 2``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.

    See Also
    --------
    sklearn.linear_model.Lasso : the convex case, ``penalty="l1"``.

    Notes
    -----
    Constant columns (zero weighted variance, or all zero without
    intercept) keep a zero coefficient; a column whose variation is below
    the rounding of its values (an offset beyond what X's dtype
    represents) raises a ValueError. Dense ``X`` is used without a copy
    when it is Fortran-ordered, unless a column's mean is so large against
    its spread that implicit centring would lose precision: it is then
    centred on a copy. Sparse ``X`` is validated (structure), canonicalised
    (sorted indices, summed duplicates) on a copy and used in CSC format;
    since it cannot be centred without densifying, a sparse column with
    such an offset raises a ValueError.

    BLAS runs with one thread inside ``fit`` by default, whatever the number
    of cores, so results do not depend on it; opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> from sparsestat.datasets import make_sparse_regression
    >>> from sparsestat.linear_model import NonconvexLasso
    >>> from sparsestat.metrics import support_recovery
    >>> X, y, coef = make_sparse_regression(200, 300, 5, snr=20, random_state=0)
    >>> model = NonconvexLasso(alpha=0.25, penalty="mcp").fit(X, y)
    >>> support_recovery(coef, model.coef_)
    {'tpr': 1.0, 'fdr': 0.0, 'f1': 1.0, 'nnz': 5}
    """

    _parameter_constraints = {
        **PENALTY_CONSTRAINTS,
        **WEIGHTING_CONSTRAINTS,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_iter": [c_int_interval(1), None],
        "warm_start": ["boolean"],
        "positive": ["boolean"],
        "precompute": ["boolean", "array-like", SufficientStatistics],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        penalty="mcp",
        gamma=3.0,
        l1_ratio=1.0,
        penalty_weights=None,
        fit_intercept=True,
        precompute=False,
        solver="cd",
        damping="tuned",
        max_iter=None,
        tol=1e-4,
        warm_start=False,
        positive=False,
        verbose=0,
    ):
        self.alpha = alpha
        self.penalty = penalty
        self.gamma = gamma
        self.l1_ratio = l1_ratio
        self.penalty_weights = penalty_weights
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.solver = solver
        self.damping = damping
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.verbose = verbose

    @limit_blas_threads
    def fit(self, X, y, sample_weight=None):
        """Fit the penalised linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features) or None
            Training data; sparse input is converted to CSC. None (with
            ``y`` None) when ``precompute`` holds the statistics; given
            with statistics, ``X`` and ``y`` are checked against them.
        y : array-like of shape (n_samples,) or None
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights, not all zero (with
            :class:`SufficientStatistics`, they are part of the statistics:
            None when ``X`` is None, else those the statistics were
            computed with).

        Returns
        -------
        self : NonconvexLasso
            The fitted estimator.
        """
        self._validate_params()
        check_gamma(self.penalty, self.gamma)
        if self.precompute is not False:
            return self._fit_precomputed(X, y, sample_weight)
        X, y = validate_data(
            self,
            check_sparse_input(X),
            y,
            accept_sparse="csc",
            dtype=[np.float64, np.float32],
            order="F",
            y_numeric=True,
        )
        y = as_target(y, X.dtype)
        weighting = make_weighting(self.penalty_weights, self.l1_ratio, X.shape[1])
        sw, uniform = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        w, _ = initial_coef(self, X.shape[1], X.dtype)
        max_iter = resolve_max_iter(self.max_iter, self.solver)
        # Scaling: sw sums to one, so the kernel's 1/2 sum sw r^2 is the
        # docstring's 1/(2 sum s) sum s r^2 and alpha passes through as is.
        # One alpha is a path of length one, started from the kernel's own
        # gradient (no screening).
        path = compute_path(
            X, y, sw, uniform, loss="squared_error", penalty=self.penalty,
            gamma=self.gamma, alphas=[self.alpha], fit_intercept=self.fit_intercept,
            positive=self.positive, tol=self.tol, max_iter=max_iter,
            solver=self.solver, damping=self.damping, coef_init=w, screening=False,
            record_objective=self.verbose >= 2, weighting=weighting,
        )
        return self._store(path, max_iter, float(path.intercepts[0]))

    def _fit_precomputed(self, X, y, sample_weight):
        """``fit`` on the square-root design of the sufficient statistics
        (``_precompute.py``): the same path, solver and stopping rule."""
        problem = resolve_precompute(self.precompute, X, y, sample_weight,
                                     fit_intercept=self.fit_intercept,
                                     estimator=self)
        n_features = problem.X.shape[1]
        weighting = make_weighting(self.penalty_weights, self.l1_ratio, n_features)
        w, _ = initial_coef(self, n_features, problem.X.dtype)
        max_iter = resolve_max_iter(self.max_iter, self.solver)
        # the statistics are centred already: the intercept is recovered
        # from their means after the solve
        path = compute_path(
            problem.X, problem.y, problem.sw, True, loss="squared_error",
            penalty=self.penalty, gamma=self.gamma, alphas=[self.alpha],
            fit_intercept=False, positive=self.positive, tol=self.tol,
            max_iter=max_iter, solver=self.solver, damping=self.damping,
            coef_init=w, screening=False,
            record_objective=self.verbose >= 2, weighting=weighting,
            gram_cache=problem.cache if self.solver == "cd" else None,
        )
        return self._store(path, max_iter, float(problem.intercept(path.coefs[:, 0])))

    def _store(self, path, max_iter, intercept):
        """Set the fitted attributes from a path of one alpha."""
        n_iter, kkt, gap = path.n_iters[0], path.stop_crits[0], path.gaps[0]
        converged = path.converged[0]
        # no gap with an unpenalised feature (the kernel returns NaN)
        has_gap = self.penalty == "l1" and self.solver == "cd" and not np.isnan(gap)
        if self.verbose:
            print(
                f"NonconvexLasso({self.penalty}, {self.solver}): {int(n_iter)} "
                f"iterations, KKT violation {kkt:.3e}"
                + (f", duality gap {gap:.3e}" if has_gap else "")
            )
        if not converged:
            warnings.warn(
                f"NonconvexLasso did not converge in max_iter={max_iter} "
                f"iterations (KKT violation {kkt:.3e} > tol={self.tol:g}). "
                "Increase max_iter or tol.",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )
        self.coef_ = path.coefs[:, 0].copy()
        self.intercept_ = intercept
        self.n_iter_ = int(n_iter)
        self.stop_crit_ = float(kkt)
        self.dual_gap_ = float(gap) if has_gap else None
        if path.objectives:
            self.objective_path_ = path.objectives[0]
        elif hasattr(self, "objective_path_"):
            del self.objective_path_
        return self
