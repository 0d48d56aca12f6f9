"""Sparse Fisher discriminant as a fractional program, solved by FCD / PCD."""

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from sparsestat._kernels._fractional import fisher_cd
from sparsestat.fractional._base import (
    COMMON_CONSTRAINTS,
    SELECTIONS,
    SOLVERS,
    check_finite_params,
    check_representable,
    design_arrays,
    finish_fit,
    record_buffers,
    seed_from,
    weighted_col_sq,
)
from sparsestat.utils.validation import check_sample_weight


class SparseFisherDiscriminant(ClassifierMixin, BaseEstimator):
    r"""Binary sparse Fisher discriminant by fractional coordinate descent.

    Minimises

    .. math::

        F(w) = \frac{w^\top S_w w + \alpha \|w\|_1}
                    {\big((\mu_1 - \mu_0)^\top w\big)^2}
        \quad\text{subject to}\quad \|w\|_\infty \le \text{bound},

    with :math:`S_w = \sum_s \omega_s (x_s - \mu_{c(s)})(x_s - \mu_{c(s)})^\top`
    the pooled within-class covariance and :math:`\mu_0, \mu_1` the class
    means, all weighted by the sample weights :math:`\omega` normalised to
    sum to one (``1 / n_samples`` by default). Without the L1 term this is
    Fisher's criterion (scale-free); the L1 term favours large ``w``, so the
    box is active at the solution and ``alpha / bound`` sets the effective
    sparsity. Each coordinate step
    solves its one-dimensional quadratic-over-quadratic problem globally
    (see the user guide). ``S_w`` is never formed: the kernel keeps ``X w``
    and the two projected means.

    Parameters
    ----------
    alpha : float, default=0.1
        Weight of the L1 norm, > 0.
    bound : float or "auto", default="auto"
        Box :math:`\|w\|_\infty \le` ``bound``. ``"auto"`` is one over the
        median within-class standard deviation of the features that vary,
        so that ``alpha`` is on the scale of a standardised problem. Stored
        in ``bound_``.
    solver : {"pcd", "fcd"}, default="pcd"
        Proximal-Dinkelbach or fractional coordinate step.
    selection : {"cyclic", "random", "greedy", "greedy-lipschitz"}, default="cyclic"
        Coordinate order (see :class:`FractionalSparseRegression`).
    theta : float, default=1e-6
        Proximal constant relative to the data scale (``theta_ = theta *``
        mean curvature ``2 S_w[j, j]``).
    max_iter : int, default=1000
        Maximum number of epochs.
    tol : float, default=1e-4
        Stop when the largest move of an epoch is at most ``tol * max|w|``.
    max_time : float or None, default=None
        Wall-clock budget in seconds, checked after each epoch.
    random_state : int, RandomState instance or None, default=None
        Seed of ``selection="random"``.
    verbose : int, default=0
        ``> 0`` stores ``objective_path_``/``time_path_``; ``>= 2`` also
        ``update_path_``.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        Class labels; ``classes_[1]`` is the positive class.
    coef_ : ndarray of shape (n_features,)
        Discriminant direction, oriented so that class 1 projects higher.
    intercept_ : float
        Minus the midpoint of the projected class means.
    objective_ : float
        Final value of ``F``.
    n_iter_ : int
        Number of epochs run.
    stop_crit_ : float
        Largest move of the last epoch divided by ``max|w|``.
    bound_, theta_ : float
        Box and absolute proximal constant used.
    objective_path_, time_path_, update_path_
        As in :class:`FractionalSparseRegression` (``verbose`` only).
    n_features_in_ : int
        Number of features seen in ``fit``.

    Examples
    --------
    >>> from sparsestat.datasets import make_sparse_regression
    >>> from sparsestat.fractional import SparseFisherDiscriminant
    >>> X, y, coef = make_sparse_regression(
    ...     200, 40, 4, task="classification", random_state=0)
    >>> clf = SparseFisherDiscriminant(alpha=0.1).fit(X, y)
    >>> clf.coef_.shape, bool(clf.score(X, y) > 0.8)
    ((40,), True)
    """

    _parameter_constraints = {**COMMON_CONSTRAINTS}

    def __init__(
        self,
        alpha=0.1,
        *,
        bound="auto",
        solver="pcd",
        selection="cyclic",
        theta=1e-6,
        max_iter=1000,
        tol=1e-4,
        max_time=None,
        random_state=None,
        verbose=0,
    ):
        self.alpha = alpha
        self.bound = bound
        self.solver = solver
        self.selection = selection
        self.theta = theta
        self.max_iter = max_iter
        self.tol = tol
        self.max_time = max_time
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Fit the sparse discriminant direction.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples,)
            Binary labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the class means and ``S_w`` are weighted
            averages.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._validate_params()
        names = ["alpha", "theta", "tol", "max_time"]
        check_finite_params(self, names + ([] if self.bound == "auto" else ["bound"]))
        X, y = validate_data(
            self, X, y, accept_sparse="csc", dtype=[np.float64, np.float32], order="F"
        )
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type != "binary":
            raise ValueError(
                "Only binary classification is supported. The type of the target "
                f"is {y_type}."
            )
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if self.classes_.size != 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of 2 classes, got "
                f"{self.classes_.size} class."
            )
        dtype = X.dtype
        n_samples = X.shape[0]
        sw, uniform = check_sample_weight(sample_weight, n_samples, dtype)
        cls = np.ascontiguousarray(y_idx, dtype=np.int8)
        class_weight = np.bincount(cls, weights=sw, minlength=2)
        if np.any(class_weight <= 0):
            raise ValueError(
                "Both classes need a positive total sample_weight, got "
                f"{class_weight.tolist()}."
            )
        # weighted class indicator (n, 2) / class weights: the class means
        onehot = sp.csr_matrix(
            (sw.astype(np.float64), (np.arange(n_samples), cls)), shape=(n_samples, 2)
        ) / class_weight
        means = np.asarray((onehot.T @ X).toarray() if sp.issparse(X) else onehot.T @ X)
        mu0 = np.ascontiguousarray(means[0], dtype=dtype)
        mu1 = np.ascontiguousarray(means[1], dtype=dtype)
        sq = np.asarray(weighted_col_sq(X, sw), dtype=np.float64).ravel()
        check_representable(sq, "squared column norms", dtype)
        # 2 S_w[j, j] = 2 (sum_s sw_s X_sj^2 - n0 mu0_j^2 - n1 mu1_j^2)
        var = np.maximum(
            sq - class_weight[0] * means[0] ** 2 - class_weight[1] * means[1] ** 2, 0
        )
        lipschitz = np.ascontiguousarray(2.0 * var, dtype=dtype)
        check_representable(lipschitz, "within-class variances", dtype)
        diff = means[1] - means[0]
        active = np.flatnonzero((lipschitz > 0) | (diff != 0)).astype(np.int32)
        # differences at the rounding level of the means are no separation
        rounding = 100 * np.finfo(dtype).eps * (np.abs(means[0]) + np.abs(means[1]))
        if not np.any(np.abs(diff) > rounding):
            raise ValueError(
                "The two class means are equal (e.g. all-zero X): the Fisher "
                "ratio has a zero denominator for every w."
            )
        within_sd = np.sqrt(lipschitz[active] / 2.0)
        within_sd = within_sd[within_sd > 0]
        if self.bound == "auto":
            self.bound_ = (
                1.0 / float(np.median(within_sd)) if within_sd.size
                else 1.0 / float(np.max(np.abs(diff)))
            )
        else:
            self.bound_ = float(self.bound)
        scale = float(np.mean(lipschitz[active]))
        self.theta_ = self.theta * (scale if scale > 0 else float(np.max(diff**2)))

        w = self._initial_coef(diff, lipschitz, active, dtype)

        Xd, data, indices, indptr, is_sparse = design_arrays(X)
        obj_path = np.zeros(self.max_iter + 1, dtype=dtype)
        time_path = np.zeros(self.max_iter + 1)
        record = self.verbose >= 2
        rec_idx, rec_val = record_buffers(record, self.max_iter * active.size, dtype)
        rng = check_random_state(self.random_state)
        F, n_iter, n_rec, max_step = fisher_cd(
            Xd, data, indices, indptr, is_sparse, cls, sw, not uniform, mu0, mu1,
            w, lipschitz,
            active, dtype.type(self.alpha), dtype.type(self.bound_),
            dtype.type(self.theta_), SOLVERS[self.solver],
            SELECTIONS[self.selection], self.max_iter, dtype.type(self.tol),
            float(self.max_time or 0.0), seed_from(rng), obj_path, time_path,
            record, rec_idx, rec_val,
        )
        finish_fit(self, w, F, n_iter, n_rec, max_step, obj_path, time_path,
                   rec_idx, rec_val)
        proj0, proj1 = float(mu0 @ w), float(mu1 @ w)
        if proj1 < proj0:
            w = -w
            proj0, proj1 = -proj0, -proj1
        if not (np.isfinite(self.objective_) and np.any(w != 0)):
            # rounding in float32 at tiny data scales can leave the solver at
            # w = 0, where the ratio is 0/0
            warnings.warn(
                "SparseFisherDiscriminant ended at a numerically degenerate "
                "point (zero coefficients, undefined Fisher ratio); the data "
                f"scale is too small for {np.dtype(dtype).name}. Standardize X "
                "or fit in float64.",
                UserWarning,
                stacklevel=2,
            )
        self.coef_ = w
        self.intercept_ = dtype.type(-(proj0 + proj1) / 2.0)
        return self

    def _initial_coef(self, diff, lipschitz, active, dtype):
        """Diagonal-LDA direction (shrunk variances), scaled to the box."""
        var = lipschitz / 2.0
        w = diff / (var + np.mean(var[active]) + np.finfo(np.float64).tiny)
        w[var == 0] = diff[var == 0]
        mask = np.zeros(w.size, dtype=bool)
        mask[active] = True
        w[~mask] = 0.0
        return np.ascontiguousarray(self.bound_ * w / np.max(np.abs(w)), dtype=dtype)

    def decision_function(self, X):
        """Signed distance to the midpoint of the projected class means.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``X @ coef_ + intercept_``; positive means ``classes_[1]``.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32],
            reset=False,
        )
        return np.asarray(X @ self.coef_).ravel() + self.intercept_

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            ``classes_[1]`` where the decision function is positive.
        """
        check_is_fitted(self)
        return self.classes_[(self.decision_function(X) > 0).astype(int)]
