"""The MTP2 graphical model estimator (one alpha)."""

import numbers

import numpy as np
from sklearn.covariance import EmpiricalCovariance, empirical_covariance
from sklearn.utils.validation import check_is_fitted, validate_data

from sparsestat._config import limit_blas_threads
from sparsestat.covariance._checks import (
    _check_covariance,
    _check_estimate,
    _check_variances,
)
from sparsestat.covariance._path import _resolve_gamma, mtp2_graphical_model
from sparsestat.utils._networkx import build_graph, upper_edges
from sparsestat.utils._param_validation import Interval, StrOptions, c_int_interval
from sparsestat.utils._repr import DocLinkMixin
from sparsestat.utils.penalties import PENALTIES
from sparsestat.utils.validation import check_finite_scalar

_COMMON_CONSTRAINTS = {
    "constraint": [StrOptions({"m_matrix", "diag_dominant"})],
    "penalty": [StrOptions(set(PENALTIES))],
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
        Scale-free KKT violation of the last stage's weighted problem at the
        returned estimate: the largest gradient entry (on the free entries,
        or pointing out of the constraint set on the bound ones) times
        ``sqrt(T_ii T_jj)``, over the blocks; the quantity compared with
        ``tol``. Not a duality gap.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when ``X`` has string feature names.

    See Also
    --------
    MTP2GraphicalModelCV : choice of ``alpha`` by cross-validated likelihood.
    MTP2GraphicalModelIC : choice of ``alpha`` by EBIC (also from a
        precomputed covariance).
    sklearn.covariance.GraphicalLasso : the unconstrained L1 estimator.

    Notes
    -----
    An entry ``T_ij`` can be non-zero only if ``S_ij > lam_ij``; each stage
    is solved separately on the connected components of that thresholded
    graph, which is exact. With ``constraint="m_matrix"`` the components
    split further, also exactly, into their biconnected blocks (the
    bridge-block decomposition of Wang, Ying and Palomar, NeurIPS 2023,
    refined at the cut vertices): a cut vertex ``v`` separates the
    problem, the blocks are solved independently and glued (their
    precisions add, less ``1 / S_vv`` per extra block at ``v``; across
    ``v`` the covariance is ``Sigma_av Sigma_vb / S_vv``, so ``covariance_``
    needs no inversion), and a bridge, a block of two variables, has the
    closed form ``inv([[S_uu, S_uv - lam_uv], [S_uv - lam_uv, S_vv]])``. On
    BA graphs this solves the four stages 3.5 times faster than the
    components alone at ``p = 2000`` and 3.8 times at ``p = 5000`` (80 s on
    one core, ``benchmarks/results/mtp2_large.md``). The
    row sums of diagonally dominant M-matrices couple the blocks at a cut
    vertex, where the glued estimate can leave the constraint set, so
    ``constraint="diag_dominant"`` uses the connected components only.
    Before solving, the memory a stage needs (the ``p x p`` matrices and
    the solver's work on the largest block) is compared with the memory
    available: a ``MemoryError`` gives both. Computations run in float64;
    the fitted attributes have the dtype of ``X``.

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
        """``X`` (validated by ``fit``) in float64, its covariance and location."""
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
        return Xd, emp_cov, location

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
        precomputed = self.covariance == "precomputed"
        X = validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            ensure_min_samples=1 if precomputed else 2,
        )
        _, emp_cov, location = self._emp_cov(X, precomputed)
        self._fit_emp_cov(emp_cov, location, X.dtype, self.alpha, self.gamma)
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
