"""Gaussian graphical models under total positivity (MTP2)."""

import numbers
import warnings

import numpy as np
from joblib import Parallel
from scipy import linalg
from scipy.sparse.csgraph import connected_components
from sklearn.covariance import EmpiricalCovariance, empirical_covariance, log_likelihood
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import check_cv
from sklearn.utils.validation import check_is_fitted, validate_data

from sparsestat._config import delayed, limit_blas_threads, user_stacklevel
from sparsestat._kernels._mtp2 import mtp2_newton, mtp2_pg
from sparsestat.utils._grid import check_alpha_grid
from sparsestat.utils._networkx import build_graph, upper_edges
from sparsestat.utils._param_validation import (
    c_int_interval,
    C_INT_MAX,
    check_float_grid,
    Interval,
    StrOptions,
)
from sparsestat.utils._repr import DocLinkMixin
from sparsestat.utils._routing import cv_splits, SplitterRoutingMixin
from sparsestat.utils.progress import progress
from sparsestat.utils.validation import check_finite_scalar, check_gamma

# default concavity of each penalty (gamma = 2 is the setting of the
# adaptive-MTP2 experiments; 3.7 is the usual SCAD choice)
_DEFAULT_GAMMA = {"mcp": 2.0, "scad": 3.7, "l1": np.inf}
_STATUS = {1: "max_iter was reached", 2: "the line search stalled"}


def _resolve_gamma(penalty, gamma):
    gamma = _DEFAULT_GAMMA[penalty] if gamma is None else gamma
    if penalty == "mcp":
        # each stage is a weighted L1 problem, convex for any gamma > 0: the
        # regression bound gamma > 1 (for standardised columns) does not
        # apply, and gamma carries units (1 / variance^2, see the scaling
        # rule in MTP2GraphicalModel's notes), so no fixed bound above 0 does
        if not gamma > 0:
            raise ValueError(
                f"gamma must be > 0 for penalty='mcp', got gamma={gamma!r}."
            )
    else:
        check_gamma(penalty, gamma)
    return gamma


def penalty_weights(precision, alpha, penalty="mcp", gamma=None):
    """Weights ``lam_ij = p'(|T_ij|)`` of the next adaptive stage.

    Parameters
    ----------
    precision : ndarray of shape (p, p)
        Estimate of the previous stage.
    alpha : float
        Regularisation strength (the weight of a zero entry).
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        Penalty whose derivative ``p'`` gives the weights (constant ``alpha``
        for ``"l1"``).
    gamma : float, default=None
        Concavity (2.0 for MCP, 3.7 for SCAD when ``None``).

    Returns
    -------
    weights : ndarray of shape (p, p)
        Symmetric, zero diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.covariance import penalty_weights
    >>> T = np.array([[1.0, -0.5], [-0.5, 1.0]])
    >>> float(penalty_weights(T, 0.2, "mcp", 2.0)[0, 1])  # |T_01| > gamma * alpha
    0.0
    >>> round(float(penalty_weights(T, 0.4, "mcp", 2.0)[0, 1]), 6)  # 0.4 - 0.5 / 2
    0.15
    """
    gamma = _resolve_gamma(penalty, gamma)
    a = np.abs(precision)
    if penalty == "l1":
        w = np.full_like(a, alpha)
    elif penalty == "mcp":
        w = np.maximum(alpha - a / gamma, 0.0)
    else:
        tail = np.maximum(gamma * alpha - a, 0.0) / (gamma - 1)
        w = np.where(a <= alpha, alpha, tail)
    np.fill_diagonal(w, 0.0)
    return w


def _solve_stage(emp_cov, weights, precision, diag_dominant, solver, max_iter, tol):
    """One weighted stage, split over the components of the thresholded graph.

    An entry can be non-zero only if ``S_ij > lam_ij``: the block-diagonal
    solution of the connected components of ``{S_ij - lam_ij > 0}``
    satisfies the KKT conditions of the whole problem (the off-block
    gradient ``S_ij - lam_ij`` is <= 0, which both constraint sets allow at
    ``T_ij = 0``), so solving the blocks separately is exact.
    """
    K = emp_cov - weights
    n_comp, labels = connected_components(K > 0, directed=False)
    new = np.zeros_like(emp_cov)
    cov = np.zeros_like(emp_cov)
    kernel = mtp2_newton if solver == "newton" else mtp2_pg
    n_iter, kkt, status = 0, 0.0, 0
    diag = np.diag(emp_cov)
    for comp in range(n_comp):
        idx = np.flatnonzero(labels == comp)
        if idx.size == 1:
            i = idx[0]
            new[i, i] = 1.0 / diag[i]
            cov[i, i] = diag[i]
            continue
        block = np.ix_(idx, idx)
        T = np.ascontiguousarray(precision[block])
        Kb = np.ascontiguousarray(K[block])
        d = np.maximum(T.sum(axis=1), 0.0)
        it, crit, st, Tinv = kernel(T, Kb, d, diag_dominant, max_iter, tol)
        if st == 3:  # cannot happen from a feasible start; restart from the diagonal
            T = np.diag(1.0 / diag[idx])
            d = np.diag(T).copy()
            it, crit, st, Tinv = kernel(T, Kb, d, diag_dominant, max_iter, tol)
        new[block] = T
        cov[block] = Tinv
        n_iter = max(n_iter, it)
        kkt = max(kkt, crit)
        status = max(status, st)
    return new, cov, n_iter, kkt, status


@limit_blas_threads
def mtp2_graphical_model(
    emp_cov,
    alpha,
    *,
    constraint="m_matrix",
    penalty="mcp",
    gamma=None,
    n_stages=4,
    solver="newton",
    max_iter=1000,
    tol=1e-6,
    precision_init=None,
    verbose=0,
):
    """Adaptive MTP2 estimate of a precision matrix from a covariance matrix.

    Each stage solves, warm started from the previous one, ::

        min_T  -logdet T + tr(T S) + sum_{i != j} lam_ij |T_ij|

    over the M-matrices (``T_ij <= 0`` for ``i != j``) or the diagonally
    dominant M-matrices (also ``T 1 >= 0``). Stage 1 uses ``lam_ij = alpha``,
    later stages ``lam_ij = p'(|T_ij|)`` of MCP or SCAD at the previous
    estimate (a local linear approximation of the non-convex penalty).

    Parameters
    ----------
    emp_cov : ndarray of shape (p, p)
        Validated covariance (symmetric, positive diagonal), float64.
    alpha : float
        Regularisation strength, in the units of ``emp_cov`` as in
        scikit-learn's ``graphical_lasso``.
    constraint : {"m_matrix", "diag_dominant"}, default="m_matrix"
        Feasible set: M-matrices, or diagonally dominant M-matrices.
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        With ``"l1"`` the weights never change and one stage is solved.
    gamma : float, default=None
        Concavity of MCP (> 1) or SCAD (> 2); 2.0 and 3.7 when ``None``.
    n_stages : int, default=4
        Number of adaptive stages (one for ``"l1"``).
    solver : {"newton", "pg"}, default="newton"
        Projected Newton-like method or projected gradient (see
        :class:`MTP2GraphicalModel`).
    max_iter : int, default=1000
        Iterations per stage.
    tol : float, default=1e-6
        Tolerance on the scale-free KKT violation of each stage.
    precision_init : ndarray of shape (p, p), default=None
        Feasible positive definite start; ``diag(1 / S_ii)`` when ``None``.
    verbose : int, default=0
        Progress bar over the stages when positive.

    Returns
    -------
    precision : ndarray of shape (p, p)
    covariance : ndarray of shape (p, p)
        Inverse of ``precision``.
    n_iter : list of int
        Iterations of each stage (largest over the blocks).
    kkt : float
        KKT violation of the last stage.
    weights : ndarray of shape (p, p)
        Weights of the last stage.

    Notes
    -----
    BLAS runs with one thread inside this function by default, whatever the
    number of cores; opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.covariance import mtp2_graphical_model
    >>> S = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.4], [0.2, 0.4, 1.0]])
    >>> T, C, n_iter, kkt, _ = mtp2_graphical_model(S, 0.05)
    >>> bool(np.all(T - np.diag(np.diag(T)) <= 0)), len(n_iter)
    (True, 4)
    """
    gamma = _resolve_gamma(penalty, gamma)
    diag_dominant = constraint == "diag_dominant"
    if precision_init is None:
        precision = np.diag(1.0 / np.diag(emp_cov))
    else:
        precision = np.array(precision_init, dtype=np.float64)
        if precision.shape != emp_cov.shape or not np.all(np.isfinite(precision)):
            # a NaN start would fail every Cholesky test and silently fall
            # back to the diagonal start
            raise ValueError(
                f"precision_init must be a finite array of shape {emp_cov.shape}, "
                f"got shape {precision.shape}"
                + ("" if precision.shape != emp_cov.shape else " with NaN or inf")
                + "."
            )
    stages = 1 if penalty == "l1" else n_stages
    n_iter = []
    failures = []
    weights = np.zeros_like(emp_cov)
    kkt = 0.0
    steps = progress(range(stages), verbose=verbose, desc="MTP2 stages", unit="stages")
    for stage in steps:
        if stage == 0:
            weights = np.full_like(emp_cov, alpha)
            np.fill_diagonal(weights, 0.0)
        else:
            weights = penalty_weights(precision, alpha, penalty, gamma)
        precision, covariance, it, kkt, status = _solve_stage(
            emp_cov, weights, precision, diag_dominant, solver, max_iter, tol
        )
        n_iter.append(it)
        steps.set_postfix(iters=int(it), kkt=float(kkt))
        if status:
            failures.append((stage + 1, _STATUS[status], kkt))
    for stage, reason, crit in failures:
        warnings.warn(
            f"MTP2 stage {stage}: {reason} with KKT violation {crit:.3g} > tol={tol}; "
            "the last positive definite iterate is returned. Increase max_iter "
            "or tol. A large violation means that the estimate may not exist "
            "(e.g. perfectly correlated columns with a zero weight).",
            ConvergenceWarning,
            stacklevel=user_stacklevel(),
        )
    return precision, covariance, n_iter, kkt, weights


def _check_covariance(S, name="X"):
    """Validate a covariance matrix given with covariance="precomputed"."""
    if S.shape[0] != S.shape[1]:
        raise ValueError(
            f"With covariance='precomputed', {name} must be a square covariance "
            f"matrix, got shape {S.shape}."
        )
    scale = max(float(np.max(np.abs(np.diag(S)))), np.finfo(np.float64).tiny)
    if not np.allclose(S, S.T, rtol=1e-7, atol=1e-10 * scale):
        raise ValueError(
            f"With covariance='precomputed', {name} must be symmetric."
        )
    S = (S + S.T) / 2
    try:
        # positive semi-definite up to rounding (Cholesky, not eigenvalues)
        linalg.cholesky(S + 1e-8 * scale * np.eye(S.shape[0]), lower=True)
    except linalg.LinAlgError:
        raise ValueError(
            f"With covariance='precomputed', {name} must be positive "
            "semi-definite."
        ) from None
    return S


def _check_estimate(precision):
    """The returned precision must be finite and positive definite."""
    ok = bool(np.all(np.isfinite(precision)))
    diag = np.diag(precision).astype(np.float64)
    ok = ok and bool(np.all(diag > 0))
    if ok:
        # on the unit-diagonal matrix, so that the test does not depend on
        # the units of the columns (T of X D is D^-1 T D^-1)
        root = np.sqrt(diag)
        scaled = precision / root[:, None] / root[None, :]
        try:
            pivots = np.diag(np.linalg.cholesky(scaled.astype(np.float64)))
        except np.linalg.LinAlgError:
            ok = False
        else:
            # a pivot ratio below the dtype's precision means numerically
            # singular: log-likelihoods and inverses would be garbage
            ratio = pivots.min() / pivots.max() if pivots.max() > 0 else 0.0
            ok = ratio**2 > 10 * np.finfo(precision.dtype).eps
    if not ok:
        raise ValueError(
            "No positive definite MTP2 estimate could be computed for this X in "
            f"{precision.dtype}: the estimate does not exist or is not "
            "representable (e.g. columns that are perfectly correlated, such "
            "as duplicates up to scale, with a zero penalty weight). Remove "
            "such columns or increase alpha."
        )


def _check_variances(S, magnitude=None):
    """Finite covariance without constant columns.

    A column is constant when its variance is at the rounding level of its
    own values (``magnitude``: the largest ``|X_ij|`` of each column; zero
    for a precomputed covariance), not when it is small next to another
    column's: the estimate of ``X D`` is ``D^-1 T D^-1`` whatever the
    scales.
    """
    if not np.all(np.isfinite(S)):
        raise ValueError(
            "X has values too large: its covariance overflows float64; rescale "
            "X (e.g. standardize its columns)."
        )
    diag = np.diag(S)
    if magnitude is None:
        magnitude = np.zeros_like(diag)
    rounding = (16 * np.finfo(np.float64).eps * magnitude) ** 2
    zero = np.flatnonzero((diag <= rounding) | (diag <= 0))
    if zero.size:
        raise ValueError(
            f"X has constant columns (zero variance, or a spread below the "
            f"precision of the column's values, e.g. under a huge offset) at "
            f"indices {zero[:10].tolist()}; the MTP2 maximum likelihood "
            "estimate does not exist. Remove them (or centre them in higher "
            "precision)."
        )


_COMMON_CONSTRAINTS = {
    "constraint": [StrOptions({"m_matrix", "diag_dominant"})],
    "penalty": [StrOptions({"mcp", "scad", "l1"})],
    "gamma": [Interval(numbers.Real, 0, None, closed="neither"), None],
    "n_stages": [c_int_interval(1)],
    "solver": [StrOptions({"newton", "pg"})],
    "max_iter": [c_int_interval(0)],
    "tol": [Interval(numbers.Real, 0, None, closed="left")],
    "assume_centered": ["boolean"],
    "verbose": ["verbose"],
}


class MTP2GraphicalModel(DocLinkMixin, EmpiricalCovariance):
    """Sparse precision matrix of a Gaussian under total positivity (MTP2).

    A multivariate totally positive (MTP2) Gaussian has an M-matrix
    precision: all partial correlations are non-negative. The estimate
    solves, stage by stage (adaptive / local linear approximation of MCP or
    SCAD), ::

        min_T  -logdet T + tr(T S) + sum_{i != j} lam_ij |T_ij|

    over the M-matrices (``T_ij <= 0``, ``i != j``) or the diagonally
    dominant M-matrices (``T 1 >= 0`` too), where ``S`` is the empirical
    covariance. Stage 1 uses ``lam_ij = alpha`` (a weighted L1 estimate);
    stage ``k > 1`` uses ``lam_ij = p'(|T_ij|)`` at stage ``k - 1``'s
    estimate, with ``p'(t) = max(alpha - t / gamma, 0)`` for MCP.

    ``alpha`` has the scaling of scikit-learn's ``GraphicalLasso`` (the
    data term is ``-logdet T + tr(T S)`` with the biased covariance ``S``).
    Standardise the columns if they have very different scales.

    Scaling: ``X -> c X`` maps ``S`` to ``c^2 S``, and the objective at
    ``T / c^2`` with ``alpha c^2`` is the original one plus a constant, so
    fitting ``c X`` with ``alpha * c**2`` gives ``precision_ / c**2`` and the
    same edges for ``penalty="l1"``; MCP needs ``gamma / c**4`` as well (its
    weights ``max(alpha - |T_ij| / gamma, 0)`` then scale as ``c^2``). SCAD
    compares ``|T_ij|`` with ``alpha`` itself and has no such rule. The
    stopping rule is scale-free (every gradient entry ``G_ij`` is measured
    against ``sqrt(T_ii T_jj)``, see ``tol``), so the rule holds to the
    solver's tolerance at any scale.

    Parameters
    ----------
    alpha : float, default=0.01
        Regularisation strength (>= 0). ``alpha=0`` gives the maximum
        likelihood estimate under the constraint, which exists as soon as
        ``n_samples >= 2``. ``1.5 * sqrt(log(p) / n)`` is a good start for
        standardised data.
    constraint : {"m_matrix", "diag_dominant"}, default="m_matrix"
        Feasible set of the precision matrix.
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        Penalty whose derivative gives the weights of the stages after the
        first. ``"l1"`` solves a single weighted-L1 stage.
    gamma : float, default=None
        Concavity: MCP needs ``gamma > 0`` (2.0 when ``None``), SCAD
        ``gamma > 2`` (3.7 when ``None``); unused by ``"l1"``.
    n_stages : int, default=4
        Number of adaptive stages.
    solver : {"newton", "pg"}, default="newton"
        ``"newton"``: projected Newton-like method: an epsilon-active
        set, the Newton system on the free entries solved inexactly by
        conjugate gradients preconditioned by ``R -> T R T`` (whose first
        step is the ``T G T`` direction), Armijo search along the projected
        path; diagonally dominant M-matrices are handled in the box
        coordinates ``w_ij = -T_ij >= 0``, ``d = T 1 >= 0``.
        ``"pg"``: projected gradient with Barzilai-Borwein steps (exact
        Euclidean projection onto the feasible set). Both check positive
        definiteness by Cholesky factorisations.
    max_iter : int, default=1000
        Maximal number of iterations per stage.
    tol : float, default=1e-6
        Stop a stage when the scale-free KKT violation (gradient entries
        times ``sqrt(T_ii T_jj)``) is below ``tol``.
    assume_centered : bool, default=False
        If True, the data are not centred before computing the covariance.
    covariance : {None, "precomputed"}, default=None
        If "precomputed", ``X`` in ``fit`` is the covariance matrix.
    verbose : int, default=0
        Progress bar over the stages when > 0.

    Attributes
    ----------
    location_ : ndarray of shape (n_features,)
        Estimated mean (zeros when ``covariance="precomputed"`` or
        ``assume_centered``).
    covariance_ : ndarray of shape (n_features, n_features)
        Estimated covariance (inverse of ``precision_``).
    precision_ : ndarray of shape (n_features, n_features)
        Estimated precision matrix, an M-matrix.
    adjacency_ : ndarray of shape (n_features, n_features), dtype=bool
        Edges of the estimated graph (non-zero off-diagonal entries).
    weights_ : ndarray of shape (n_features, n_features)
        Penalty weights of the last stage.
    n_iter_ : ndarray of shape (n_stages_run,)
        Iterations of each stage.
    stop_crit_ : float
        KKT violation at the returned estimate (last stage).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when ``X`` has string feature names.

    See Also
    --------
    MTP2GraphicalModelCV : choice of ``alpha`` by cross-validated likelihood.
    sklearn.covariance.GraphicalLasso : the unconstrained L1 estimator.

    Notes
    -----
    An entry ``T_ij`` can be non-zero only if ``S_ij > lam_ij``; each stage
    is solved separately on the connected components of that thresholded
    graph, which is exact. Computations run in float64; the fitted
    attributes have the dtype of ``X``.

    BLAS runs with one thread inside ``fit`` by default, whatever the number
    of cores, so results do not depend on it (parallelise over fits instead,
    e.g. the folds of :class:`MTP2GraphicalModelCV`); opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.covariance import MTP2GraphicalModel
    >>> from sparsestat.datasets import make_mtp2_precision
    >>> T = make_mtp2_precision(20, graph="grid", random_state=0)
    >>> rng = np.random.default_rng(0)
    >>> X = rng.multivariate_normal(np.zeros(20), np.linalg.inv(T), size=400,
    ...                             method="cholesky")
    >>> model = MTP2GraphicalModel(alpha=0.1).fit(X)
    >>> model.precision_.shape
    (20, 20)
    >>> bool(np.all(model.precision_[~np.eye(20, dtype=bool)] <= 0))
    True
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        **_COMMON_CONSTRAINTS,
        "covariance": [StrOptions({"precomputed"}), None],
    }

    def __init__(
        self,
        alpha=0.01,
        *,
        constraint="m_matrix",
        penalty="mcp",
        gamma=None,
        n_stages=4,
        solver="newton",
        max_iter=1000,
        tol=1e-6,
        assume_centered=False,
        covariance=None,
        verbose=0,
    ):
        self.alpha = alpha
        self.constraint = constraint
        self.penalty = penalty
        self.gamma = gamma
        self.n_stages = n_stages
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.assume_centered = assume_centered
        self.covariance = covariance
        self.verbose = verbose

    def _validate_common(self):
        check_finite_scalar(self.tol, "tol")
        if self.gamma is not None:
            check_finite_scalar(self.gamma, "gamma")
        _resolve_gamma(self.penalty, self.gamma)

    def _emp_cov(self, X, precomputed):
        """``X`` validated and in float64, its dtype, covariance and location."""
        X = validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            ensure_min_samples=1 if precomputed else 2,
        )
        Xd = X.astype(np.float64)
        if precomputed:
            emp_cov = _check_covariance(Xd)
            location = np.zeros(X.shape[1])
        elif self.assume_centered:
            location = np.zeros(X.shape[1])
            emp_cov = empirical_covariance(Xd, assume_centered=True)
        else:
            # two passes: the second mean corrects the rounding error of the
            # first, which a large offset would turn into a spurious variance
            location = Xd.mean(axis=0)
            centred = Xd - location
            shift = centred.mean(axis=0)
            location = location + shift
            emp_cov = empirical_covariance(centred - shift, assume_centered=True)
        magnitude = None if precomputed else np.abs(Xd).max(axis=0, initial=0.0)
        _check_variances(emp_cov, magnitude)
        return Xd, X.dtype, emp_cov, location

    def _solver_params(self):
        """Keyword arguments of ``mtp2_graphical_model`` set by the estimator."""
        return {
            "constraint": self.constraint,
            "penalty": self.penalty,
            "n_stages": self.n_stages,
            "solver": self.solver,
            "max_iter": self.max_iter,
            "tol": self.tol,
        }

    @limit_blas_threads
    def fit(self, X, y=None):
        """Fit the MTP2 graphical model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data, or the covariance matrix with ``covariance="precomputed"``.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._validate_params()
        check_finite_scalar(self.alpha, "alpha")
        self._validate_common()
        _, dtype, emp_cov, location = self._emp_cov(
            X, self.covariance == "precomputed"
        )
        self._fit_emp_cov(emp_cov, location, dtype, self.alpha, self.gamma)
        return self

    def _fit_emp_cov(self, emp_cov, location, dtype, alpha, gamma):
        precision, covariance, n_iter, kkt, weights = mtp2_graphical_model(
            emp_cov, alpha, gamma=gamma, verbose=self.verbose, **self._solver_params()
        )
        _check_estimate(precision.astype(dtype))
        self.location_ = location.astype(dtype)
        self.precision_ = precision.astype(dtype)
        self.covariance_ = covariance.astype(dtype)
        adjacency = precision != 0
        np.fill_diagonal(adjacency, False)
        self.adjacency_ = adjacency
        self.weights_ = weights.astype(dtype)
        self.n_iter_ = np.asarray(n_iter, dtype=int)
        self.stop_crit_ = float(kkt)

    def get_precision(self):
        """Return the estimated precision matrix.

        Returns
        -------
        precision_ : ndarray of shape (n_features, n_features)
        """
        check_is_fitted(self, "precision_")
        return self.precision_

    def to_networkx(self):
        """The estimated graph as an undirected ``networkx.Graph``.

        Nodes are the column names of the training data when it had string
        column names (a DataFrame: ``feature_names_in_``), else the column
        indices ``0 .. n_features - 1``; every node has an ``index``
        attribute (its column). Edges are those of ``adjacency_``, with
        ``weight`` the partial correlation
        ``-precision_[i, j] / sqrt(precision_[i, i] precision_[j, j])``
        (positive under MTP2) and ``precision`` the entry of ``precision_``.

        Returns
        -------
        graph : networkx.Graph
            The conditional-independence graph; needs networkx installed.

        Examples
        --------
        >>> import numpy as np
        >>> from sparsestat.covariance import MTP2GraphicalModel
        >>> rng = np.random.default_rng(0)
        >>> z = rng.standard_normal((500, 1))
        >>> X = np.hstack([z + rng.standard_normal((500, 1)) for _ in range(3)])
        >>> graph = MTP2GraphicalModel(alpha=0.05).fit(X).to_networkx()
        >>> graph.number_of_nodes(), graph.number_of_edges()
        (3, 3)
        """
        check_is_fitted(self, "precision_")
        T = self.precision_.astype(np.float64)
        scale = np.sqrt(np.diag(T))
        edges = (
            (i, j, {"weight": float(-T[i, j] / (scale[i] * scale[j])),
                    "precision": float(T[i, j])})
            for i, j in upper_edges(self.adjacency_)
        )
        return build_graph(self, edges, directed=False)


def _alpha_grid(emp_cov, n_alphas):
    off = emp_cov[~np.eye(emp_cov.shape[0], dtype=bool)]
    # at alpha >= max_ij S_ij every off-diagonal entry is zero
    alpha_max = float(off.max()) if off.size and off.max() > 0 else 1.0
    return np.logspace(np.log10(alpha_max), np.log10(alpha_max * 1e-2), n_alphas)


def _refined_alphas(scored, mean, n_alphas):
    """``n_alphas`` new values between the neighbours of the best ``alpha``.

    ``scored`` holds every ``alpha`` scored so far (any order) and ``mean``
    their mean test scores. Past either end of the grid the interval extends
    to the best value itself (the largest ``alpha`` already removes every
    edge) or to 1% of it, as in ``GraphicalLassoCV``.
    """
    order = np.argsort(scored)[::-1]
    grid = scored[order]
    best = _argmax(mean[order])
    high = grid[best - 1] if best > 0 else grid[best]
    low = grid[best + 1] if best + 1 < grid.size else 0.01 * grid[best]
    if not high > low > 0:  # alpha = 0 among the candidates: refine linearly
        return np.linspace(high, low, n_alphas + 2)[1:-1]
    return np.logspace(np.log10(high), np.log10(low), n_alphas + 2)[1:-1]


def _fold_scores(X, train, test, candidates, params):
    """Held-out Gaussian log-likelihood of each (alpha, gamma) on one fold,
    and why the fold cannot score any candidate (None when it can)."""
    X_train, X_test = X[train], X[test]
    params = dict(params)
    if params.pop("assume_centered"):
        location = np.zeros(X.shape[1])
    else:
        location = X_train.mean(axis=0)
    emp_cov = empirical_covariance(X_train - location, assume_centered=True)
    test_cov = empirical_covariance(X_test - location, assume_centered=True)
    # the same criterion as the full fit (_check_variances): a variance at the
    # rounding level of the column's own values, whatever the other columns' scales
    diag = np.diag(emp_cov)
    rounding = (16 * np.finfo(np.float64).eps * np.abs(X_train).max(axis=0)) ** 2
    constant = np.flatnonzero((diag <= rounding) | (diag <= 0))
    if constant.size:
        # a column constant within this training fold: no estimate exists
        return np.full(len(candidates), -np.inf), (
            f"column(s) {constant.tolist()} constant in its training part"
        )
    scores = []
    precision = None
    for alpha, gamma in candidates:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            precision, *_ = mtp2_graphical_model(
                emp_cov, alpha, gamma=gamma, **params
            )
        scores.append(log_likelihood(test_cov, precision))
    return np.asarray(scores), None


class MTP2GraphicalModelCV(SplitterRoutingMixin, MTP2GraphicalModel):
    """MTP2 graphical model with ``alpha`` (and ``gamma``) chosen by cross-validation.

    Every candidate is scored by the held-out Gaussian log-likelihood
    (``sklearn.covariance.log_likelihood``) averaged over the folds, as in
    scikit-learn's ``GraphicalLassoCV``; the best candidate is refitted on
    all the data. Folds run in parallel through joblib.

    Parameters
    ----------
    alphas : int or array-like of shape (n_alphas,), default=5
        Candidate values of ``alpha``, or their number: a log-spaced grid
        from ``max_ij S_ij`` (every edge removed) down to 1% of it, then
        refined ``n_refinements`` times.
    n_refinements : int, default=4
        With an integer ``alphas``: how many times ``alphas`` new values are
        scored between the neighbours of the best ``alpha`` so far (at the
        best ``gamma``), as in ``GraphicalLassoCV``. Not used when explicit
        values of ``alphas`` are given.
    gammas : array-like of shape (n_gammas,), default=None
        Candidate values of ``gamma`` crossed with ``alphas``; ``None``
        uses the single value ``gamma``.
    cv : int, cross-validation generator or iterable, default=None
        Folds, as in ``sklearn.model_selection.check_cv`` (5-fold when
        ``None``); a splitter such as ``GroupKFold`` gets the ``groups``
        passed to ``fit``.
    n_jobs : int, default=None
        Parallel jobs over the folds (joblib).
    constraint : {"m_matrix", "diag_dominant"}, default="m_matrix"
        Feasible set of the precision matrix (see
        :class:`MTP2GraphicalModel`).
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        Penalty whose derivative gives the weights of the stages after the
        first.
    gamma : float, default=None
        Concavity used when ``gammas`` is ``None``: MCP needs ``gamma > 1``
        (2.0 when ``None``), SCAD ``gamma > 2`` (3.7 when ``None``).
    n_stages : int, default=4
        Number of adaptive stages of every fit.
    solver : {"newton", "pg"}, default="newton"
        Solver of every fit (see :class:`MTP2GraphicalModel`).
    max_iter : int, default=1000
        Maximal number of iterations per stage.
    tol : float, default=1e-6
        Tolerance on the scale-free KKT violation of each stage.
    assume_centered : bool, default=False
        If True, the data (and each training fold) are not centred.
    verbose : int, default=0
        Progress bar over the folds and stages when positive.

    Attributes
    ----------
    alpha_ : float
        Selected ``alpha``.
    gamma_ : float
        Selected ``gamma`` (``inf`` for ``penalty="l1"``, the L1 limit of
        MCP and SCAD).
    cv_results_ : dict of ndarrays
        ``alphas``, ``gammas``, ``split{k}_test_score``, ``mean_test_score``
        and ``std_test_score``, one entry per candidate in the order they
        were scored (initial grid, then each refinement).
    location_ : ndarray of shape (n_features,)
        Estimated mean of the refitted model.
    covariance_ : ndarray of shape (n_features, n_features)
        Estimated covariance (inverse of ``precision_``).
    precision_ : ndarray of shape (n_features, n_features)
        Estimated precision matrix at ``alpha_`` and ``gamma_``.
    adjacency_ : ndarray of shape (n_features, n_features), dtype=bool
        Edges of the estimated graph.
    weights_ : ndarray of shape (n_features, n_features)
        Penalty weights of the last stage of the refit.
    n_iter_ : ndarray of shape (n_stages_run,)
        Iterations of each stage of the refit.
    stop_crit_ : float
        KKT violation of the refit (last stage).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when ``X`` has string feature names.

    Notes
    -----
    BLAS runs with one thread inside ``fit`` and in every CV worker by
    default, whatever the number of cores, so results do not depend on it;
    ``n_jobs`` parallelises the folds. Opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.covariance import MTP2GraphicalModelCV
    >>> from sparsestat.datasets import make_mtp2_precision
    >>> T = make_mtp2_precision(10, graph="BA", random_state=0)
    >>> rng = np.random.default_rng(0)
    >>> X = rng.multivariate_normal(np.zeros(10), np.linalg.inv(T), size=200,
    ...                             method="cholesky")
    >>> model = MTP2GraphicalModelCV(alphas=4, n_refinements=2, cv=3).fit(X)
    >>> len(model.cv_results_["mean_test_score"])  # 4 values, then 2 x 4 more
    12
    >>> model.precision_.shape
    (10, 10)
    """

    _parameter_constraints: dict = {
        "alphas": [Interval(numbers.Integral, 1, None, closed="left"), "array-like"],
        "n_refinements": [c_int_interval(0)],
        "gammas": ["array-like", None],
        "cv": ["cv_object"],
        "n_jobs": [Interval(numbers.Integral, -C_INT_MAX, C_INT_MAX, closed="both"), None],
        **_COMMON_CONSTRAINTS,
    }

    def __init__(
        self,
        *,
        alphas=5,
        n_refinements=4,
        gammas=None,
        cv=None,
        n_jobs=None,
        constraint="m_matrix",
        penalty="mcp",
        gamma=None,
        n_stages=4,
        solver="newton",
        max_iter=1000,
        tol=1e-6,
        assume_centered=False,
        verbose=0,
    ):
        self.alphas = alphas
        self.n_refinements = n_refinements
        self.gammas = gammas
        self.cv = cv
        self.n_jobs = n_jobs
        self.constraint = constraint
        self.penalty = penalty
        self.gamma = gamma
        self.n_stages = n_stages
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.assume_centered = assume_centered
        self.verbose = verbose

    @limit_blas_threads
    def fit(self, X, y=None, *, groups=None, **params):
        """Choose ``alpha`` (and ``gamma``) by cross-validation, then refit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.
        y : None
            Ignored.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group splitter (``cv=GroupKFold(3)``...);
            ignored by the other splitters.
        **params : dict
            Further metadata for the splitter's ``split``; only with
            ``sklearn.set_config(enable_metadata_routing=True)`` (see
            scikit-learn's metadata routing user guide).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        self._validate_common()
        X64, dtype, emp_cov, location = self._emp_cov(X, precomputed=False)
        alphas = check_alpha_grid(self.alphas)
        n_refinements = self.n_refinements if isinstance(alphas, int) else 0
        if isinstance(alphas, int):
            alphas = _alpha_grid(emp_cov, alphas)
        if self.gammas is None:
            gammas = np.array([_resolve_gamma(self.penalty, self.gamma)])
        else:
            gammas = check_float_grid(self.gammas, "gammas")
            for g in gammas:
                _resolve_gamma(self.penalty, g)
        candidates = [(a, g) for g in gammas for a in alphas]
        splits = cv_splits(self, check_cv(self.cv), X64, y, groups=groups,
                           params=params)
        fit_params = {**self._solver_params(), "assume_centered": self.assume_centered}
        failures = {}
        scores = self._cv_scores(X64, splits, candidates, fit_params, failures,
                                 "CV grid")
        for round_ in range(n_refinements):
            mean = scores.mean(axis=0)
            if not np.isfinite(mean).any():
                break
            best_gamma = candidates[_argmax(mean)][1]
            at_gamma = np.array([g == best_gamma for _, g in candidates])
            scored = np.array([a for a, _ in candidates])[at_gamma]
            new = _refined_alphas(scored, mean[at_gamma], len(alphas))
            new = [(a, best_gamma) for a in new if not np.any(np.isclose(a, scored))]
            if not new:
                break
            label = f"CV refinement {round_ + 1}/{n_refinements}"
            scores = np.hstack(
                [scores, self._cv_scores(X64, splits, new, fit_params, failures, label)]
            )
            candidates += new
        _check_scores(candidates, scores, failures)
        mean = scores.mean(axis=0)
        best = _argmax(mean)
        # a candidate with a -inf fold score (already named by _check_scores'
        # warning) has a nan spread; numpy's "invalid value" warning on the
        # way would only repeat that warning in a less helpful form
        with np.errstate(invalid="ignore"):
            std = scores.std(axis=0)
        self.cv_results_ = {
            "alphas": np.array([a for a, _ in candidates]),
            "gammas": np.array([g for _, g in candidates]),
            **{f"split{k}_test_score": s for k, s in enumerate(scores)},
            "mean_test_score": mean,
            "std_test_score": std,
        }
        self.alpha_, self.gamma_ = (float(v) for v in candidates[best])
        self._fit_emp_cov(emp_cov, location, dtype, self.alpha_, self.gamma_)
        return self

    def _cv_scores(self, X, splits, candidates, params, failures, label):
        """Held-out log-likelihoods, shape (n_folds, n_candidates); the
        reasons of the folds that could score nothing go to ``failures``
        (fold index -> reason)."""
        jobs = (
            delayed(_fold_scores)(X, train, test, candidates, params)
            for train, test in splits
        )
        results = progress(
            Parallel(n_jobs=self.n_jobs, return_as="generator")(jobs),
            verbose=self.verbose, total=len(splits), unit="folds",
            desc=f"{label}: {len(splits)} folds x {len(candidates)} (alpha, gamma)",
        )
        scores = []
        for k, (fold_scores, reason) in enumerate(results):
            if reason is not None:
                failures[k] = reason
            scores.append(fold_scores)
            finite = np.asarray(fold_scores)[np.isfinite(fold_scores)]
            results.set_postfix(best_loglik=float(finite.max()) if finite.size
                                else float("-inf"))
        return np.array(scores)


def _check_scores(candidates, scores, failures):
    """Error when no candidate has a finite mean score, warning naming the
    candidates that have none (they cannot be selected)."""
    failed = ~np.all(np.isfinite(scores), axis=0)
    if not failed.any():
        return
    folds = "; ".join(f"fold {k}: {reason}" for k, reason in sorted(failures.items()))
    why = (
        f"Folds that could score no candidate: {folds}."
        if folds
        else "Their held-out log-likelihood is not finite in some fold."
    )
    several_gammas = len({g for _, g in candidates}) > 1
    names = ", ".join(
        f"alpha={a:.4g}" + (f" (gamma={g:g})" if several_gammas else "")
        for (a, g), bad in zip(candidates, failed)
        if bad
    )
    if failed.all():
        raise ValueError(
            "MTP2GraphicalModelCV: no candidate could be scored on every fold, "
            f"so none can be selected. {why} Use fewer folds (more training "
            "rows per fold), shuffle the rows (e.g. cv=KFold(shuffle=True)) or "
            "remove near-constant columns."
        )
    warnings.warn(
        f"MTP2GraphicalModelCV: {int(failed.sum())} of {failed.size} candidates "
        f"have no finite held-out score and were not selected: {names}. {why}",
        UserWarning,
        stacklevel=user_stacklevel(),
    )


def _argmax(mean):
    """Best candidate; folds where no estimate exists score -inf."""
    return int(np.argmax(np.where(np.isfinite(mean), mean, -np.inf)))
