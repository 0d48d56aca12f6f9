"""k-sparse recovery as a fractional program, solved by FCD / PCD."""

import time
import warnings
from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin

from sparsestat._config import limit_blas_threads, user_stacklevel
from sparsestat._kernels._fractional import recovery_cd
from sparsestat.fractional._base import (
    COMMON_CONSTRAINTS,
    DegenerateRatioWarning,
    FractionalFitMixin,
    RatioProblem,
    check_data_term,
    check_representable,
    kernel_design,
    unit_scale,
    weights_too_large,
    working_design,
)
from sparsestat.utils._design import (
    scaled_norms,
    sparse_centred_norms,
    weighted_mean,
)
from sparsestat.utils._linear import LinearRegressorMixin
from sparsestat.utils._param_validation import c_int_interval
from sparsestat.utils._repr import DocLinkMixin
from sparsestat.utils.validation import check_sample_weight

# a column whose centred norm is below NEAR_ZERO times the root mean square
# column norm is "near-zero"; the automatic box is AUTO_FACTOR times the
# coefficient with which the smallest other column reproduces ||y - ybar||
NEAR_ZERO = 1e-3
AUTO_FACTOR = 10.0


class _Centred:
    """Products with the centred, unit-scale design of a ``_problem``."""

    def __init__(self, prob):
        self.prob = prob

    def matvec(self, d):
        design = self.prob.design
        if design.view.is_sparse:
            A = _csc(self.prob)
            return np.asarray(A @ d).ravel() - float(design.X_mean @ d)
        return design.view.dense @ d

    def rmatvec(self, v):
        design = self.prob.design
        if design.view.is_sparse:
            A = _csc(self.prob)
            return np.asarray(A.T @ v).ravel() - design.X_mean * float(v.sum())
        return design.view.dense.T @ v


def _csc(p):
    n_samples = p.y.shape[0]
    view = p.design.view
    return sp.csc_matrix((view.data[: view.indptr[-1]], view.indices[: view.indptr[-1]],
                          view.indptr), shape=(n_samples, p.n_features))

class FractionalSparseRegression(DocLinkMixin, FractionalFitMixin,
                                 LinearRegressorMixin, RegressorMixin,
                                 BaseEstimator):
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
    globally (see the user guide): ``solver="pcd"`` minimises the model
    numerator minus ``F(w)`` times the denominator (one Dinkelbach step),
    ``solver="fcd"`` the model ratio itself. Both decrease ``F``
    monotonically.

    Scaling: the loss is the weighted *sum* of squared residuals (as in the
    fractional-programming literature), not scikit-learn's mean; a mean-loss
    problem with penalty ``a`` is ``alpha = n_samples * a`` here.

    Units: the ratio is unchanged when ``X`` is multiplied by ``c``, ``y``
    by ``d`` and ``w`` by ``d / c`` if ``alpha`` is multiplied by ``c * d``
    (the loss scales with ``d**2``, ``||w||_1`` with ``d / c``) and an
    explicit ``bound`` by ``d / c``; scaling the sample weights by ``s``
    needs ``alpha * s``. So ``fit(c * X, d * y)`` with ``alpha * c * d``
    returns ``coef_ * d / c``, ``intercept_ * d`` and the same
    ``objective_``: the kernel works on a centred, unit-scale copy of the
    problem (column norms of root mean square 1, ``||y - ybar|| = 1``),
    ``theta`` and ``tol`` are relative, and ``bound="auto"`` scales with
    ``d / c``. Offsets of ``X`` and ``y`` change nothing with
    ``fit_intercept=True`` (centring in float64, two passes).

    Parameters
    ----------
    k : int, default=10
        Sparsity level of the denominator. Clipped to ``n_features`` with a
        warning.
    alpha : float, default=1.0
        Weight of the L1 norms, > 0.
    bound : float or "auto", default="auto"
        Box :math:`\|w\|_\infty \le` ``bound``. The box must be finite: on
        near-zero columns the ratio tends to 1 as their weights explode.
        ``"auto"`` is 10 times the coefficient with which the smallest
        regular column would reproduce the whole response,
        ``10 ||y - ybar||_w / min_j ||x_j - xbar_j||_w`` over the columns
        whose centred norm is at least 1e-3 times the root mean square
        column norm (without ``fit_intercept``: uncentred norms, the
        problem's own scale). It does not bind at regular solutions; when
        the solution presses against it, or puts weight on near-zero
        columns, a :class:`~sparsestat.fractional.DegenerateRatioWarning`
        says so. Stored in ``bound_``.
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
        ``c_j`` the weighted squared norm of the centred column ``j``.
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
        Coefficients; all-zero (and, with ``fit_intercept``, constant)
        columns get 0 and are never updated.
    intercept_ : float
        Intercept (0 when ``fit_intercept=False``).
    objective_ : float
        Final value of the ratio ``F``.
    n_iter_ : int
        Number of epochs run.
    relative_step_ : float
        Largest coordinate move of the last epoch divided by ``max|coef_|``,
        the quantity compared with ``tol`` (a fixed-point test: the ratio
        has no KKT violation the linear models' ``stop_crit_`` could report).
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
        ``(index, value)`` of every coordinate move (``verbose >= 2``
        only); the intercept is profiled out, ``ybar - xbar @ w`` at every
        iterate.
    n_features_in_ : int
        Number of features seen in ``fit``.

    Notes
    -----
    If ``y`` is constant (after centring when ``fit_intercept``) the ratio
    is undefined at ``w = 0`` and its infimum 1 is approached only as
    ``w -> 0``; ``fit`` then warns and returns ``coef_ = 0``,
    ``objective_ = 1.0``. All-zero ``X`` raises a ``ValueError``.

    BLAS runs with one thread inside ``fit`` by default, whatever the number
    of cores, so results do not depend on it; opt out with
    ``sparsestat.set_config(blas_threads=None)``.

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

    @limit_blas_threads
    def fit(self, X, y, sample_weight=None):
        """Fit the k-sparse fractional model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Design. Dense ``X`` is centred (with ``fit_intercept``) and
            scaled into one working copy; sparse ``X`` is checked, put in
            canonical CSC form and centred implicitly (it stays sparse).
        y : array-like of shape (n_samples,)
            Response.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the squared residuals.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._check_params()
        start = time.perf_counter()
        prob = self._problem(X, y, sample_weight)
        dtype = prob.dtype
        self.k_ = prob.k
        if prob.constant_y:
            warnings.warn(
                "y is constant (after centring): the ratio is undefined at "
                "w = 0 and tends to its infimum 1 only as w -> 0; returning "
                "coef_ = 0 and objective_ = 1.0.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
            self.bound_ = 1.0 if self.bound == "auto" else float(self.bound)
            self.theta_ = 0.0
            self.coef_ = np.zeros(prob.n_features, dtype=dtype)
            self.intercept_ = dtype.type(prob.y_mean)
            self.objective_, self.n_iter_, self.relative_step_ = 1.0, 0, 0.0
            return self
        self.bound_ = prob.bound_
        with np.errstate(over="ignore"):
            self.theta_ = float(np.float64(self.theta) * prob.x_scale * prob.x_scale)

        to_user = prob.y_scale / prob.x_scale
        w = np.ascontiguousarray(self._initial_coef(prob) / to_user, dtype=dtype)
        w = np.clip(w, -prob.bound, prob.bound)
        order = np.argsort(-np.abs(w), kind="stable").astype(np.int32)
        # the kernel solves the ratio above on (X - m) / x_scale and
        # (y - ybar) / y_scale, where alpha becomes alpha / (x_scale y_scale)
        # and the box bound_ x_scale / y_scale: the same F, w in units of
        # y_scale / x_scale
        problem = RatioProblem(prob.alpha, prob.bound, float(self.theta),
                               prob.col_sq, prob.active)
        result = self._run_kernel(recovery_cd, prob.design, problem, y=prob.y,
                                  w=w, order=order, k=prob.k)
        coef = (w.astype(np.float64) * to_user).astype(dtype)
        self.coef_ = coef
        self.intercept_ = dtype.type(prob.y_mean - float(prob.x_mean @ coef))
        self._store_result(result, coef, lambda v: v * to_user, dtype,
                           time.perf_counter() - start)
        self._warn_if_degenerate(prob, w)
        return self

    def _problem(self, X, y, sample_weight):
        """Validated data and the scaled problem the kernel solves.

        Everything the kernel sees is centred (``fit_intercept``) and
        scaled: the column norms have root mean square 1 and ``||y||`` is 1,
        so that units, offsets and the data's magnitude (1e-155 or 1e200)
        change nothing but the conversion factors ``x_scale``, ``y_scale``.
        """
        X, y = self._check_data(X, y, y_numeric=True)
        dtype = X.dtype
        n_samples, n_features = X.shape
        sw_unit, uniform = check_sample_weight(sample_weight, n_samples, np.float64)
        # the loss is a weighted sum: raw weights, so that integer weights
        # equal repeated samples
        raw = np.asarray(1.0 if sample_weight is None else sample_weight, dtype=float)
        with np.errstate(over="ignore"):
            total = float(np.broadcast_to(raw, (n_samples,)).sum())
        if not np.isfinite(total):
            raise weights_too_large("the sum of sample_weight")
        sw = sw_unit * total
        with np.errstate(over="ignore"):
            sw_fits = bool(np.all(np.isfinite(sw.astype(dtype))))
        if not sw_fits:
            raise weights_too_large("sample_weight", dtype)

        k = min(self.k, n_features)
        if self.k > n_features:
            warnings.warn(
                f"k={self.k} is larger than n_features={n_features}; using "
                f"k={n_features}.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        if self.fit_intercept and np.count_nonzero(sw_unit) < 2:
            raise ValueError(
                f"{type(self).__name__} with fit_intercept=True needs 2 samples of "
                f"positive weight; got {np.count_nonzero(sw_unit)} sample."
            )
        if self.fit_intercept:
            x_mean = weighted_mean(X, sw_unit)
        else:
            x_mean = np.zeros(n_features)
        # norms under the unit weights first: an overflow there is X's, one
        # that appears only with the raw weights is sample_weight's
        if sp.issparse(X):
            norms = sparse_centred_norms(
                X, sw_unit, np.zeros(n_samples, dtype=np.intp), x_mean[None, :]
            )
            top = np.asarray(abs(X).max(axis=0).todense(), dtype=float).ravel()
        else:
            norms, top = scaled_norms(X, sw_unit, lambda cols: x_mean[cols])
            # a bound on each column's largest entry
            top += np.abs(x_mean)
        check_representable(norms, "centred column norms", dtype)
        with np.errstate(over="ignore"):
            norms = norms * np.sqrt(total)
        if not np.all(np.isfinite(norms)):
            raise weights_too_large("the weighted centred column norms of X")
        # a column whose centred spread is at the rounding level of its own
        # entries (one unit in the last place) is constant: it carries no
        # information after centring. A column at an offset of 1e15 spreads
        # still varies by a few units in the last place and stays active.
        eps = np.finfo(dtype).eps
        active = np.flatnonzero(norms > 2 * eps * top * np.sqrt(total))
        if active.size == 0:
            raise ValueError(
                "X has no non-zero column (all-zero X, or only columns constant "
                "up to the precision of their offset, with fit_intercept=True): "
                "the fractional objective is undefined."
            )
        y = np.asarray(y, dtype=np.float64)
        if self.fit_intercept:
            first = float(sw_unit @ y)
            y_mean = first + float(sw_unit @ (y - first))
        else:
            y_mean = 0.0
        y_c = y - y_mean
        y_top = float(np.max(np.abs(y_c), initial=0.0))
        with np.errstate(over="ignore"):
            y_scale = (y_top * float(np.sqrt(sw @ (y_c / y_top) ** 2))
                       if y_top > 0 else 0.0)
        if not np.isfinite(y_scale):
            raise weights_too_large("the weighted norm of y")
        y_abs = float(np.max(np.abs(y), initial=0.0))
        constant_y = y_scale <= 100 * eps * y_abs * np.sqrt(total)
        prob = SimpleNamespace(
            dtype=dtype, n_features=n_features, k=k, y_mean=y_mean,
            constant_y=constant_y,
        )
        if constant_y:
            return prob
        x_scale = unit_scale(norms, active)
        with np.errstate(over="ignore"):
            if (not np.isfinite(x_scale * x_scale)
                    and np.isfinite((x_scale / np.sqrt(total)) ** 2)):
                raise weights_too_large("the curvature of the weighted sum of squares")
        check_data_term(x_scale, "the curvature of the sum of squares")
        alpha = self.alpha / x_scale / y_scale
        # the kernel works in X's dtype: alpha must be representable there
        info = np.finfo(dtype)
        if not (float(info.tiny) < alpha < float(info.max)):
            raise ValueError(
                f"alpha={self.alpha!r} is out of range for the scale of the data "
                f"(alpha / (x_scale * y_scale) = {alpha:g} in the unit-scale "
                "problem): rescale X and y, or alpha with them."
            )
        unit_norms = norms / x_scale
        # columns this much smaller than typical are "near-zero": they can
        # drive F to 1 with huge weights and are left out of the box's scale
        near_zero = unit_norms < NEAR_ZERO
        regular = active[~near_zero[active]]
        # ||y|| = 1 here: the largest coefficient a regular column needs alone
        regular_scale = 1.0 / float(np.min(unit_norms[regular]))
        if self.bound == "auto":
            bound = AUTO_FACTOR * regular_scale
        else:
            bound = float(self.bound) * x_scale / y_scale
        if not (0 < bound < float(info.max)):
            raise ValueError(
                f"bound={self.bound!r} is out of range for the scale of the data: "
                "rescale X and y."
            )
        view = working_design(X, lambda cols: x_mean[cols], x_scale, dtype)
        col_sq = np.zeros(n_features, dtype=dtype)
        col_sq[active] = unit_norms[active] ** 2
        # the kernel centres a sparse X implicitly; a dense copy is centred
        design = kernel_design(
            view, sw, uniform,
            x_mean / x_scale if view.is_sparse else np.zeros(n_features), col_sq,
            dtype,
        )
        prob.__dict__.update(
            design=design, y=np.ascontiguousarray(y_c / y_scale, dtype=dtype),
            sw=design.sw, x_mean=x_mean, col_sq=col_sq,
            active=active.astype(np.int32), near_zero=near_zero, x_scale=x_scale,
            regular_scale=regular_scale,
            y_scale=y_scale, alpha=alpha, bound=bound,
            bound_=bound * y_scale / x_scale,
        )
        return prob

    def _initial_coef(self, prob):
        """Best multiple of the k largest entries of X_c' (sw y_c), in the box.

        For w = s d the ratio is (L0 + B s + C s^2 / 2) / (D s), minimised
        at s = sqrt(2 L0 / C) whatever B and D, so the start is finite and
        has a positive denominator. Computed on the unit-scale problem,
        returned in the caller's units.
        """
        Xc, y, sw = _Centred(prob), prob.y, prob.sw
        grad = Xc.rmatvec(sw * y)
        inactive = np.ones(prob.n_features, dtype=bool)
        inactive[prob.active] = False
        grad[inactive] = 0.0
        d = np.zeros_like(grad)
        if np.any(grad != 0):
            keep = np.argsort(-np.abs(grad), kind="stable")[: prob.k]
            d[keep] = grad[keep] / np.max(np.abs(grad[keep]))
        else:
            d[prob.active[np.argmax(prob.col_sq[prob.active])]] = 1.0
        Xd = Xc.matvec(d)
        curv = float(sw @ (Xd * Xd))
        loss0 = 0.5 * float(sw @ (y * y))
        if not (np.isfinite(curv) and curv > 0):
            raise ValueError(
                "X and y are too small or too large in scale for "
                f"{np.dtype(prob.dtype).name} arithmetic (||X d||^2 = {curv:g} for "
                "the starting direction d): rescale X and y."
            )
        w = np.clip(np.sqrt(2.0 * loss0 / curv) * d, -prob.bound, prob.bound)
        return w * (prob.y_scale / prob.x_scale)

    def _warn_if_degenerate(self, prob, w):
        """Say so when the solution exploits near-zero columns or the box."""
        absw = np.abs(w.astype(np.float64))
        topk = np.sort(absw)[::-1][: prob.k].sum()
        if topk == 0:
            return
        # "huge": beyond the coefficient with which the smallest regular
        # column reproduces the whole response (weights of that size on a
        # near-zero column explain nothing, they only shrink F)
        huge = prob.near_zero & (absw > prob.regular_scale)
        share = absw[huge].sum() / topk
        at_box = int(np.sum(absw >= prob.bound * (1 - 1e-6)))
        causes = []
        if share >= 0.1:
            n_near = int(np.count_nonzero(prob.near_zero[prob.active]))
            causes.append(
                f"it tends to 1 as the weights of near-zero columns grow ({n_near} "
                f"columns have a centred norm below {NEAR_ZERO:g} times the typical "
                f"column norm; {int(huge.sum())} of them carry huge weights, "
                f"{100 * share:.0f} % of the top-k norm; remove or rescale them)"
            )
        if self.bound == "auto" and at_box:
            causes.append(
                f"it keeps decreasing beyond the automatic box: {at_box} "
                f"coefficients are at bound_={self.bound_:.3g} (alpha={self.alpha!r} "
                "may be too large for the scale of the data: it scales with "
                "std(X) * std(y))"
            )
        if causes:
            warnings.warn(
                "The fractional ratio is degenerate on these data: "
                + "; and ".join(causes) + ". Pass an explicit bound to accept "
                "the boxed solution.",
                DegenerateRatioWarning,
                stacklevel=user_stacklevel(),
            )
