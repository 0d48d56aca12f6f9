"""Sparse Fisher discriminant as a fractional program, solved by FCD / PCD."""

import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin

from sparsestat._config import limit_blas_threads, user_stacklevel
from sparsestat._kernels._fractional import fisher_cd
from sparsestat.fractional._base import (
    COMMON_CONSTRAINTS,
    FractionalFitMixin,
    RatioProblem,
    check_data_term,
    check_representable,
    contrast,
    kernel_design,
    unit_scale,
    working_design,
)
from sparsestat.utils._design import (
    scaled_norms,
    sparse_centred_norms,
    weighted_mean,
)
from sparsestat.utils._linear import BinaryLinearClassifierMixin, encode_binary_target
from sparsestat.utils._repr import DocLinkMixin
from sparsestat.utils.validation import check_sample_weight


class SparseFisherDiscriminant(DocLinkMixin, FractionalFitMixin,
                               BinaryLinearClassifierMixin, ClassifierMixin,
                               BaseEstimator):
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
    sparsity.

    Units: multiplying ``X`` by ``c`` leaves the ratio unchanged with
    ``w / c`` if ``alpha`` is multiplied by ``c`` and an explicit ``bound``
    divided by ``c`` (``w' S_w w`` and the denominator are invariant,
    ``||w||_1`` scales with ``1 / c``); so ``fit(c * X)`` with ``alpha * c``
    returns ``coef_ / c``, the same ``intercept_`` and predictions.
    Sample weights are normalised (their scale does not matter). The kernel
    works on a centred (dense ``X``), unit-scale copy: offsets of ``X``
    change nothing, ``theta`` and ``tol`` are relative and ``bound="auto"``
    scales with ``1 / c``.

    Each coordinate step
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
    coef_ : ndarray of shape (1, n_features)
        Discriminant direction, oriented so that class 1 projects higher
        (one row, as scikit-learn's binary linear classifiers).
    intercept_ : ndarray of shape (1,)
        Minus the midpoint of the projected class means.
    objective_ : float
        Final value of ``F``.
    n_iter_ : int
        Number of epochs run.
    relative_step_ : float
        Largest coordinate move of the last epoch divided by ``max|coef_|``
        (compared with ``tol``; see :class:`FractionalSparseRegression`).
    bound_, theta_ : float
        Box and absolute proximal constant used.
    objective_path_, time_path_, update_path_
        As in :class:`FractionalSparseRegression` (``verbose`` only).
    n_features_in_ : int
        Number of features seen in ``fit``.

    Notes
    -----
    BLAS runs with one thread inside ``fit`` by default, whatever the number
    of cores, so results do not depend on it; opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> from sparsestat.datasets import make_sparse_regression
    >>> from sparsestat.fractional import SparseFisherDiscriminant
    >>> X, y, coef = make_sparse_regression(
    ...     200, 40, 4, task="classification", random_state=0)
    >>> clf = SparseFisherDiscriminant(alpha=0.1).fit(X, y)
    >>> clf.coef_.shape, bool(clf.score(X, y) > 0.8)
    ((1, 40), True)
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

    @limit_blas_threads
    def fit(self, X, y, sample_weight=None):
        """Fit the sparse discriminant direction.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples. Dense ``X`` is centred by its weighted mean and
            scaled into one working copy (offsets such as ``X + 1e8`` change
            nothing); sparse ``X`` is checked, put in canonical CSC form and
            scaled (its entries are copied, never centred).
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
        self._check_params()
        start = time.perf_counter()
        X, y = self._check_data(X, y)
        self.classes_, y01 = encode_binary_target(y)
        dtype = X.dtype
        # the kernel works in float64 on its (already copied) working design:
        # the gradient X_j'(sw v) - n0 p0 mu0_j - n1 p1 mu1_j is a difference
        # of terms that cancel near the optimum, and in float32 that left the
        # coefficients accurate to only about 1e-3 (the moves round to zero
        # before the ratio is minimised); coef_ is returned in X's dtype
        work = np.float64
        n_samples, n_features = X.shape
        sw, uniform = check_sample_weight(sample_weight, n_samples, np.float64)
        cls = np.ascontiguousarray(y01, dtype=np.int8)
        class_weight = np.bincount(cls, weights=sw, minlength=2)
        if np.any(class_weight <= 0):
            raise ValueError(
                "Both classes need a positive total sample_weight, got "
                f"{class_weight.tolist()}."
            )
        # class means in float64, two passes (accurate under large offsets)
        mu0 = weighted_mean(X, np.where(cls == 0, sw, 0.0) / class_weight[0])
        mu1 = weighted_mean(X, np.where(cls == 1, sw, 0.0) / class_weight[1])
        is_sparse = sp.issparse(X)
        # dense X is centred by the pooled mean; S_w and mu_1 - mu_0 do not
        # depend on it, but X w stays at the scale of the spread, not the offset
        centre = (np.zeros(n_features) if is_sparse
                  else class_weight[0] * mu0 + class_weight[1] * mu1)
        if is_sparse:
            within = sparse_centred_norms(
                X, sw, cls.astype(np.intp), np.vstack([mu0, mu1])
            )
        else:
            within, _ = scaled_norms(
                X, sw, lambda cols: np.where(cls[:, None] == 1, mu1[cols], mu0[cols])
            )
        check_representable(within, "within-class spreads", dtype)
        # the difference without the offset: mu1 - mu0 would carry the
        # rounding of the means (eps * |mu|, a whole spread at 1e15 spreads)
        class_w = np.where(cls == 1, sw / class_weight[1], -sw / class_weight[0])
        diff = contrast(X, class_w)
        # the shifted entries are exact, so the contrast is accurate to a few
        # eps of the largest shifted entry: only a smaller one is no separation
        shifted_top = (np.asarray(abs(X).max(axis=0).todense(), dtype=float).ravel()
                       if is_sparse else np.ptp(X, axis=0).astype(np.float64))
        eps64 = np.finfo(np.float64).eps
        separated = np.abs(diff) > 8 * eps64 * shifted_top * np.sqrt(n_samples)
        if not np.any(separated):
            raise ValueError(
                "The two class means are equal (e.g. all-zero X): the Fisher "
                "ratio has a zero denominator for every w."
            )
        spread = np.hypot(within, np.abs(diff))
        # a spread of one unit in the last place of the entries is rounding
        eps = np.finfo(dtype).eps
        varies = within > 2 * eps * np.maximum(np.abs(mu0), np.abs(mu1))
        active = np.flatnonzero(varies | separated).astype(np.int32)
        # the kernel works on (X - centre) / x_scale: w' = x_scale w, the
        # ratio is unchanged with alpha' = alpha / x_scale, bound' = x_scale bound
        x_scale = unit_scale(spread, active)
        check_data_term(x_scale, "the within-class scatter w' S_w w")
        sd = within / x_scale
        lipschitz = np.zeros(n_features, dtype=work)
        lipschitz[active] = 2.0 * sd[active] ** 2
        diff_k = diff / x_scale
        regular = sd[active][varies[active]]
        if self.bound == "auto":
            bound = (1.0 / float(np.median(regular)) if regular.size
                     else 1.0 / float(np.max(np.abs(diff_k))))
        else:
            bound = float(self.bound) * x_scale
        alpha = self.alpha / x_scale
        big = float(np.finfo(work).max)
        if not (float(np.finfo(work).tiny) < alpha < big and 0 < bound < big):
            raise ValueError(
                f"alpha={self.alpha!r} or bound={self.bound!r} is out of range for "
                "the scale of X: rescale X, or alpha and bound with it."
            )
        self.bound_ = bound / x_scale
        scale = float(np.mean(lipschitz[active]))
        theta = self.theta * (scale if scale > 0 else float(np.max(diff_k**2)))
        with np.errstate(over="ignore"):
            self.theta_ = float(np.float64(theta) * x_scale * x_scale)

        w = np.ascontiguousarray(
            self._initial_coef(diff_k, lipschitz, active, bound, x_scale) * x_scale,
            dtype=work,
        )
        view = working_design(X, lambda cols: centre[cols], x_scale, work)
        Xk = view.dense
        if is_sparse:
            m0_64 = (mu0 - centre) / x_scale
            m1_64 = m0_64 + diff / x_scale
        else:
            # the class means of the working copy itself: at an offset of
            # 1e15 spreads mu_c - centre carries a rounding of a tenth of a
            # spread, which the kernel would read as a shift of both classes
            m0_64 = weighted_mean(Xk, np.where(cls == 0, sw, 0.0) / class_weight[0])
            m1_64 = weighted_mean(Xk, np.where(cls == 1, sw, 0.0) / class_weight[1])
        m0 = np.ascontiguousarray(m0_64, dtype=work)
        m1 = np.ascontiguousarray(m1_64, dtype=work)
        # no implicit centring: the class means m0, m1 centre X in the kernel;
        # the within-class sums of squares are half the curvatures
        design = kernel_design(view, sw, uniform, np.zeros(n_features),
                               lipschitz / 2, work)
        problem = RatioProblem(float(alpha), float(bound), float(theta),
                               lipschitz, active)
        result = self._run_kernel(fisher_cd, design, problem, cls=cls, mu0=m0,
                                  mu1=m1, w=w)
        coef = w.astype(np.float64) / x_scale
        self._store_result(result, coef, lambda v: v / x_scale, dtype,
                           time.perf_counter() - start)
        # projected class means, the centre's part separately: at an offset
        # of 1e8 the two means differ in the 8th digit of mu_c' w
        shift = float(centre @ coef)
        proj0 = float(m0_64 @ coef) * x_scale
        proj1 = float(m1_64 @ coef) * x_scale
        if proj1 < proj0:
            coef, proj0, proj1, shift = -coef, -proj0, -proj1, -shift
        if not (np.isfinite(self.objective_) and np.any(coef != 0)):
            # rounding in float32 at tiny data scales can leave the solver at
            # w = 0, where the ratio is 0/0
            warnings.warn(
                "SparseFisherDiscriminant ended at a numerically degenerate "
                "point (zero coefficients, undefined Fisher ratio); the data "
                f"scale is too small for {np.dtype(dtype).name}. Standardize X "
                "or fit in float64.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        self.coef_ = coef.astype(dtype).reshape(1, -1)
        self.intercept_ = np.array([-(shift + (proj0 + proj1) / 2.0)], dtype=dtype)
        return self

    def _initial_coef(self, diff, lipschitz, active, bound, x_scale):
        """Diagonal-LDA direction (shrunk variances), scaled to the box.

        Computed on the unit-scale problem, returned in the caller's units.
        """
        var = lipschitz.astype(np.float64) / 2.0
        w = diff / (var + np.mean(var[active]) + np.finfo(np.float64).tiny)
        w[var == 0] = diff[var == 0]
        mask = np.zeros(w.size, dtype=bool)
        mask[active] = True
        w[~mask] = 0.0
        return bound * w / np.max(np.abs(w)) / x_scale
