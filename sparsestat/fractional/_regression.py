"""k-sparse recovery as a fractional program, solved by FCD / PCD."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from sparsestat._kernels._fractional import recovery_cd
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
from sparsestat.utils._param_validation import Interval, c_int_interval
from sparsestat.utils.validation import check_sample_weight

class FractionalSparseRegression(RegressorMixin, BaseEstimator):
    r"""k-sparse linear regression by fractional coordinate descent.

    Minimises the ratio

    .. math::

        F(w) = \frac{\tfrac12 \sum_s \omega_s (y_s - x_s^\top w - b)^2
                     + \alpha \|w\|_1}{\alpha \|w\|_{[k]}}
        \quad\text{subject to}\quad \|w\|_\infty \le \text{bound},

    where :math:`\|w\|_{[k]}` is the sum of the ``k`` largest :math:`|w_j|`
    and :math:`\omega` the sample weights (1 by default). :math:`F \ge 1`,
    and :math:`F = 1 + \text{loss} / (\alpha \|w\|_1)` when ``w`` is
    ``k``-sparse: the ratio rewards ``k``-sparse vectors with a small
    residual. Each coordinate step solves its one-dimensional problem
    globally (DESIGN section 6): ``solver="pcd"`` minimises the model
    numerator minus ``F(w)`` times the denominator (one Dinkelbach step),
    ``solver="fcd"`` the model ratio itself. Both decrease ``F``
    monotonically.

    Scaling: the loss is the weighted *sum* of squared residuals (as in the
    fractional-programming literature), not scikit-learn's mean; a mean-loss
    problem with penalty ``a`` is ``alpha = n_samples * a`` here.

    Parameters
    ----------
    k : int, default=10
        Sparsity level of the denominator. Clipped to ``n_features`` with a
        warning.
    alpha : float, default=1.0
        Weight of the L1 norms, > 0.
    bound : float or "auto", default="auto"
        Box :math:`\|w\|_\infty \le` ``bound``. The box must be finite: near
        the optimum the ratio keeps decreasing as weights grow, and on
        near-zero columns it would tend to 1 with exploding weights.
        ``"auto"`` uses :math:`\|y - \bar y\|_\omega` divided by the median
        norm of the non-zero columns, the coefficient with which a typical
        feature would reproduce the whole centred response. Stored in
        ``bound_``.
    solver : {"pcd", "fcd"}, default="pcd"
        Proximal-Dinkelbach or fractional coordinate step.
    selection : {"cyclic", "random", "greedy", "greedy-lipschitz"}, default="cyclic"
        Coordinate order. ``"random"`` draws coordinates uniformly with
        replacement from ``random_state``; ``"greedy"`` moves the coordinate
        with the largest proximal step (Gauss-Southwell, one gradient per
        move: ``n_features`` times costlier per epoch), ``"greedy-lipschitz"``
        weights that step by the square root of the column curvature.
    theta : float, default=1e-6
        Proximal constant relative to the data scale: each coordinate model
        uses curvature ``c_j + theta_`` with ``theta_ = theta * mean(c_j)``,
        ``c_j`` the weighted squared norm of column ``j``.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept (exact minimisation once per epoch).
    max_iter : int, default=1000
        Maximum number of epochs (an epoch is one step per non-zero column).
    tol : float, default=1e-4
        Stop when the largest coordinate move of an epoch is at most
        ``tol * max|w|``.
    max_time : float or None, default=None
        Wall-clock budget in seconds, checked after each epoch.
    random_state : int, RandomState instance or None, default=None
        Seed of ``selection="random"``.
    verbose : int, default=0
        ``> 0`` stores ``objective_path_`` and ``time_path_`` and prints a
        summary; ``>= 2`` also stores every coordinate move in
        ``update_path_``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients; all-zero columns get 0 and are never updated.
    intercept_ : float
        Intercept (0 when ``fit_intercept=False``).
    objective_ : float
        Final value of the ratio ``F``.
    n_iter_ : int
        Number of epochs run.
    stop_crit_ : float
        Largest move of the last epoch divided by ``max|w|``.
    bound_ : float
        Box actually used.
    theta_ : float
        Absolute proximal constant.
    k_ : int
        Sparsity level used (``k`` clipped to ``n_features``).
    objective_path_ : ndarray of length ``n_iter_ + 1``
        ``F`` at the start and after each epoch (``verbose > 0`` only).
    time_path_ : ndarray of length ``n_iter_ + 1``
        Seconds elapsed at each entry of ``objective_path_``.
    update_path_ : tuple of two ndarrays
        ``(index, value)`` of every coordinate move, index -1 for the
        intercept (``verbose >= 2`` only).
    n_features_in_ : int
        Number of features seen in ``fit``.

    Notes
    -----
    If ``y`` is constant (after centring when ``fit_intercept``) the ratio
    is undefined at ``w = 0`` and its infimum 1 is approached only as
    ``w -> 0``; ``fit`` then warns and returns ``coef_ = 0``,
    ``objective_ = 1.0``. All-zero ``X`` raises a ``ValueError``.

    Examples
    --------
    >>> from sparsestat.datasets import make_sparse_regression
    >>> from sparsestat.fractional import FractionalSparseRegression
    >>> X, y, coef = make_sparse_regression(100, 30, 3, snr=20, random_state=0)
    >>> est = FractionalSparseRegression(k=3, alpha=1.0).fit(X, y)
    >>> bool(est.objective_ >= 1.0), est.coef_.shape
    (True, (30,))
    >>> set(np.flatnonzero(abs(est.coef_) > 0.1)) == set(np.flatnonzero(coef))
    True
    """

    _parameter_constraints = {
        "k": [c_int_interval(1)],
        "fit_intercept": ["boolean"],
        **COMMON_CONSTRAINTS,
    }

    def __init__(
        self,
        k=10,
        alpha=1.0,
        *,
        bound="auto",
        solver="pcd",
        selection="cyclic",
        theta=1e-6,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-4,
        max_time=None,
        random_state=None,
        verbose=0,
    ):
        self.k = k
        self.alpha = alpha
        self.bound = bound
        self.solver = solver
        self.selection = selection
        self.theta = theta
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.max_time = max_time
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Fit the k-sparse fractional model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Design; dense is used Fortran-ordered, sparse as CSC.
        y : array-like of shape (n_samples,)
            Response.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the squared residuals.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._validate_params()
        names = ["alpha", "theta", "tol", "max_time"]
        check_finite_params(self, names + ([] if self.bound == "auto" else ["bound"]))
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csc",
            dtype=[np.float64, np.float32],
            order="F",
            y_numeric=True,
        )
        dtype = X.dtype
        y = np.ascontiguousarray(y, dtype=dtype)
        n_samples, n_features = X.shape
        sw, uniform = check_sample_weight(sample_weight, n_samples, dtype)
        # the loss is a weighted sum: raw weights, so that integer weights
        # equal repeated samples
        raw = np.asarray(1.0 if sample_weight is None else sample_weight, dtype=float)
        total = float(np.broadcast_to(raw, (n_samples,)).sum())
        sw = np.ascontiguousarray(sw * total, dtype=dtype)

        self.k_ = min(self.k, n_features)
        if self.k > n_features:
            warnings.warn(
                f"k={self.k} is larger than n_features={n_features}; using "
                f"k={n_features}.",
                UserWarning,
                stacklevel=2,
            )
        col_sq = np.ascontiguousarray(weighted_col_sq(X, sw), dtype=dtype)
        check_representable(col_sq, "squared column norms", dtype)
        active = np.flatnonzero(col_sq > 0).astype(np.int32)
        if active.size == 0:
            raise ValueError(
                "X has no non-zero column (all-zero X): the fractional "
                "objective is undefined."
            )
        ybar = float(sw @ y) / float(sw.sum()) if self.fit_intercept else 0.0
        r0 = y - ybar
        with np.errstate(over="ignore", invalid="ignore"):
            r0_norm = float(np.sqrt(sw @ (r0 * r0)))
            y_scale = float(np.sqrt(sw @ (y * y)))
        if not (np.isfinite(r0_norm) and np.isfinite(y_scale)):
            raise ValueError(
                f"y has values too large: its squared norm overflows "
                f"{np.dtype(dtype).name}; rescale y."
            )
        coef = np.zeros(n_features, dtype=dtype)
        self.bound_ = (
            r0_norm / float(np.median(np.sqrt(col_sq[active])))
            if self.bound == "auto"
            else float(self.bound)
        )
        self.theta_ = self.theta * float(np.mean(col_sq[active]))
        if r0_norm <= 100 * np.finfo(dtype).eps * y_scale:
            warnings.warn(
                "y is constant (after centring): the ratio is undefined at "
                "w = 0 and tends to its infimum 1 only as w -> 0; returning "
                "coef_ = 0 and objective_ = 1.0.",
                UserWarning,
                stacklevel=2,
            )
            if self.bound == "auto":
                self.bound_ = 1.0
            self.coef_ = coef
            self.intercept_ = dtype.type(ybar)
            self.objective_, self.n_iter_, self.stop_crit_ = 1.0, 0, 0.0
            return self

        w = self._initial_coef(X, sw, r0, col_sq, active, dtype)
        Xd, data, indices, indptr, is_sparse = design_arrays(X)
        order = np.argsort(-np.abs(w), kind="stable").astype(np.int32)
        obj_path = np.zeros(self.max_iter + 1, dtype=dtype)
        time_path = np.zeros(self.max_iter + 1)
        record = self.verbose >= 2
        rec_idx, rec_val = record_buffers(
            record, self.max_iter * (active.size + 1), dtype
        )
        rng = check_random_state(self.random_state)
        # the kernel solves exactly the ratio above: weighted-sum loss,
        # alpha on both L1 norms, box |w_j| <= bound_
        intercept, F, n_iter, n_rec, max_step = recovery_cd(
            Xd, data, indices, indptr, is_sparse, y, sw, not uniform, w,
            ybar, self.fit_intercept, col_sq, active, order, self.k_,
            dtype.type(self.alpha), dtype.type(self.bound_), dtype.type(self.theta_),
            SOLVERS[self.solver], SELECTIONS[self.selection], self.max_iter,
            dtype.type(self.tol), float(self.max_time or 0.0), seed_from(rng),
            obj_path, time_path, record, rec_idx, rec_val,
        )
        self.coef_ = w
        self.intercept_ = dtype.type(intercept)
        finish_fit(self, w, F, n_iter, n_rec, max_step, obj_path, time_path,
                   rec_idx, rec_val)
        return self

    def _initial_coef(self, X, sw, r0, col_sq, active, dtype):
        """Best multiple of the k largest entries of X' (sw r0), in the box.

        For w = s d the ratio is (L0 + B s + C s^2 / 2) / (D s), minimised
        at s = sqrt(2 L0 / C) whatever B and D, so the start is finite and
        has a positive denominator.
        """
        grad = np.asarray(X.T @ (sw * r0)).ravel()
        grad[col_sq == 0] = 0.0
        d = np.zeros_like(grad)
        if np.any(grad != 0):
            keep = np.argsort(-np.abs(grad), kind="stable")[: self.k_]
            # unit scale, so that ||X d||^2 cannot overflow
            d[keep] = grad[keep] / np.max(np.abs(grad[keep]))
        else:
            d[active[np.argmax(col_sq[active])]] = 1.0
        Xd = np.asarray(X @ d).ravel()
        curv = float(sw @ (Xd * Xd))
        loss0 = 0.5 * float(sw @ (r0 * r0))
        if not (np.isfinite(curv) and curv > 0 and np.isfinite(loss0)):
            raise ValueError(
                "X and y are too small or too large in scale for "
                f"{np.dtype(dtype).name} arithmetic (||X d||^2 = {curv:g} for the "
                "starting direction d): rescale X and y."
            )
        step = np.sqrt(2.0 * loss0 / curv)
        return np.ascontiguousarray(
            np.clip(step * d, -self.bound_, self.bound_), dtype=dtype
        )

    def predict(self, X):
        """Predict with the fitted linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            ``X @ coef_ + intercept_``.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32],
            reset=False,
        )
        return np.asarray(X @ self.coef_).ravel() + self.intercept_
