"""MTP2 graphical model with alpha chosen by EBIC or BIC along one path.

One warm-started path over a decreasing alpha grid is solved on all the
data; every fit is scored by the extended BIC of Foygel and Drton (2010)
and the fit of smallest criterion is kept, as scikit-learn's
``LassoLarsIC`` reads its criterion off the LARS path. The criterion needs
only the covariance matrix and the number of samples, so the class also
takes a precomputed covariance (``covariance="precomputed"`` with
``n_samples``), which cross-validation cannot score.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import validate_data

from sparsestat._config import limit_blas_threads
from sparsestat.covariance._checks import _check_estimate
from sparsestat.covariance._graphical_model import (
    _COMMON_CONSTRAINTS,
    MTP2GraphicalModel,
)
from sparsestat.covariance._mtp2_path import mtp2_path
from sparsestat.covariance._path import _alpha_grid, _resolve_gamma
from sparsestat.utils._grid import (
    check_alpha_grid,
    criterion_n_samples,
    select_first_minimum,
)
from sparsestat.utils._param_validation import Interval, StrOptions
from sparsestat.utils.validation import check_finite_scalar


def information_criterion_path(precisions, emp_cov, n_samples, ebic_gamma):
    """EBIC of every precision matrix of a path, with its parts.

    ``EBIC = -2 loglik + |E| log(n) + 4 ebic_gamma |E| log(p)`` with
    ``loglik = n / 2 (logdet T - tr(S T))`` (the Gaussian log-likelihood
    without its constant ``-n p / 2 log(2 pi)``) and ``|E|`` the number of
    edges (non-zero entries above the diagonal). A fit that is not positive
    definite has ``loglik = -inf`` (criterion ``+inf``).

    Returns the criterion, the log-likelihoods and the edge counts, each of
    shape ``(n_fits,)``.
    """
    p = emp_cov.shape[0]
    upper = np.triu_indices(p, k=1)
    n_edges = np.count_nonzero(precisions[:, upper[0], upper[1]], axis=1)
    loglik = np.empty(len(precisions))
    for k, precision in enumerate(precisions):
        sign, logdet = np.linalg.slogdet(precision)
        # tr(S T) of symmetric matrices without the product
        trace = float(np.sum(emp_cov * precision))
        loglik[k] = n_samples / 2 * (logdet - trace) if sign > 0 else -np.inf
    per_edge = np.log(n_samples) + 4.0 * ebic_gamma * np.log(p)
    return -2.0 * loglik + per_edge * n_edges, loglik, n_edges


class MTP2GraphicalModelIC(MTP2GraphicalModel):
    r"""MTP2 graphical model with ``alpha`` chosen by the extended BIC.

    One path of :class:`MTP2GraphicalModel` fits over a decreasing ``alpha``
    grid is solved on all the data (:func:`mtp2_path`, each fit warm
    started from the previous one), and the fit of smallest criterion is
    kept:

    .. math::

        \mathrm{EBIC}_\gamma(\hat T) = -2 \ell(\hat T) + |E| \log n
        + 4 \gamma |E| \log p, \qquad
        \ell(T) = \frac{n}{2} \left(\log\det T - \operatorname{tr}(S T)\right),

    the extended BIC of Foygel and Drton (2010) for Gaussian graphical
    models, with :math:`\gamma` = ``ebic_gamma``, :math:`S` the empirical
    (biased, centred) covariance, :math:`n` the number of samples, :math:`p`
    the number of features and :math:`|E|` the number of edges of the fit
    (its non-zero entries above the diagonal, the degrees of freedom). The
    log-likelihood :math:`\ell` drops the constant
    :math:`-\frac{np}{2}\log 2\pi`, which does not change the selection.
    ``criterion="bic"`` is :math:`\gamma = 0`. Among fits whose criteria
    tie to rounding (MCP plateaus, where several alphas give one model),
    the largest ``alpha`` wins.

    **EBIC is the way to get a graph, cross-validation the way to get the
    best precision matrix.** The held-out likelihood of
    :class:`MTP2GraphicalModelCV` rewards every edge that lowers the
    prediction error, including weak false ones; EBIC's penalty per edge
    targets the true graph. On BA trees at ``p = 100``, ``n = 500`` (99
    true edges, ten seeds) EBIC(0.5) selects 102 edges (edge F1 0.98), the
    CV 116 (F1 0.92) at an 11% lower Frobenius error; see
    ``benchmarks/results/mtp2_ic.md``.

    Parameters
    ----------
    criterion : {"ebic", "bic"}, default="ebic"
        The criterion: EBIC with ``ebic_gamma``, or BIC (``ebic_gamma = 0``).
    ebic_gamma : float, default=0.5
        The weight :math:`\gamma \in [0, 1]` of EBIC's graph-size prior;
        Foygel and Drton recommend 0.5. Used by ``criterion="ebic"`` only.
    alphas : int or array-like of shape (n_alphas,), default=40
        Candidate values of ``alpha``, or their number: a log-spaced grid
        from ``max_ij S_ij`` (every edge removed) down to 1% of it, the grid
        of :class:`MTP2GraphicalModelCV`. A criterion needs a fine grid
        (there is no refinement); the path is cheap, each fit starting from
        the previous one. Explicit values are solved in decreasing order.
    n_samples : int, default=None
        Number of samples behind a precomputed covariance (at least 2):
        required with ``covariance="precomputed"``, as the criterion needs
        ``n``. With data, leave it ``None`` (the number of rows is used).
    covariance : {None, "precomputed"}, default=None
        If "precomputed", ``X`` in ``fit`` is the empirical covariance
        (biased, centred: ``X_c^T X_c / n``) of ``n_samples`` samples, for
        example computed chunk by chunk out of core (see the user guide).
    constraint : {"m_matrix", "diag_dominant"}, default="m_matrix"
        Feasible set of the precision matrix (see
        :class:`MTP2GraphicalModel`).
    penalty : {"mcp", "scad", "l1"}, default="mcp"
        Penalty whose derivative gives the weights of the stages after the
        first.
    gamma : float, default=None
        Concavity: MCP needs ``gamma > 0`` (2.0 when ``None``), SCAD
        ``gamma > 2`` (3.7 when ``None``); unused by ``"l1"``.
    n_stages : int, default=4
        Number of adaptive stages of every fit.
    solver : {"newton", "pg"}, default="newton"
        Solver of every fit (see :class:`MTP2GraphicalModel`).
    max_iter : int, default=1000
        Maximal number of iterations per stage.
    tol : float, default=1e-6
        Tolerance on the scale-free KKT violation of each stage.
    assume_centered : bool, default=False
        If True, the data are not centred before computing the covariance.
    verbose : int, default=0
        Progress bar over the path when positive.

    Attributes
    ----------
    alpha_ : float
        Selected ``alpha``.
    gamma_ : float
        Concavity used (``inf`` for ``penalty="l1"``, the L1 limit of MCP
        and SCAD).
    alphas_ : ndarray of shape (n_alphas,)
        The ``alpha`` grid, in decreasing order.
    criterion_ : ndarray of shape (n_alphas,)
        The criterion of every fit of the path.
    log_likelihood_path_ : ndarray of shape (n_alphas,)
        :math:`\ell` of every fit (without the constant, see above).
    n_edges_path_ : ndarray of shape (n_alphas,)
        Number of edges of every fit.
    n_samples_ : int
        The ``n`` of the criterion.
    location_ : ndarray of shape (n_features,)
        Estimated mean (zeros when ``covariance="precomputed"`` or
        ``assume_centered``).
    covariance_ : ndarray of shape (n_features, n_features)
        Estimated covariance (inverse of ``precision_``).
    precision_ : ndarray of shape (n_features, n_features)
        The path's precision matrix at ``alpha_``, an M-matrix.
    adjacency_ : ndarray of shape (n_features, n_features), dtype=bool
        Edges of the selected graph.
    n_iter_ : ndarray of shape (n_stages_run,)
        Iterations of each stage of the selected fit.
    stop_crit_ : float
        Scale-free KKT violation of the selected fit's last stage (see
        :class:`MTP2GraphicalModel`).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when ``X`` has string feature names.

    See Also
    --------
    MTP2GraphicalModelCV : ``alpha`` by cross-validated likelihood (the
        best precision matrix; raw data only).
    MTP2GraphicalModel : one ``alpha``.

    Notes
    -----
    A separate class rather than a ``criterion`` option of
    :class:`MTP2GraphicalModelCV`, as scikit-learn has ``LassoLarsIC``
    next to ``LassoCV`` and the linear models here ``NonconvexLassoIC``
    next to ``NonconvexLassoCV``: the two select differently (one path on
    all the data against a path per fold), take different inputs (a
    criterion needs only the covariance and ``n``, so this class accepts
    ``covariance="precomputed"``, whereas held-out folds need the rows) and
    have different parameters (``cv``, ``n_jobs``, ``n_refinements`` there;
    ``criterion``, ``ebic_gamma``, ``n_samples`` here).

    The path is :func:`mtp2_path`'s: every stage is convex, so the warm
    starts change the work, not the fits (each equals a separate
    :class:`MTP2GraphicalModel` fit at its ``alpha`` to the tolerance).
    The whole path is held during ``fit``: ``2 * n_alphas * p**2`` doubles
    (640 MB at ``p = 1000`` with the default 40 alphas); pass fewer
    ``alphas``, or explicit ones around a first coarse choice, for large
    ``p``.

    BLAS runs with one thread inside ``fit`` by default; opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    References
    ----------
    R. Foygel and M. Drton (2010), "Extended Bayesian information criteria
    for Gaussian graphical models", Advances in Neural Information
    Processing Systems 23.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.covariance import MTP2GraphicalModelIC
    >>> from sparsestat.datasets import make_mtp2_precision
    >>> T = make_mtp2_precision(10, graph="BA", random_state=0)
    >>> rng = np.random.default_rng(0)
    >>> X = rng.multivariate_normal(np.zeros(10), np.linalg.inv(T), size=300,
    ...                             method="cholesky")
    >>> model = MTP2GraphicalModelIC().fit(X)
    >>> model.criterion_.shape
    (40,)
    >>> int(model.adjacency_.sum() // 2)  # the 9 edges of the tree
    9

    The same fit from the covariance matrix and the number of samples:

    >>> S = np.cov(X, rowvar=False, bias=True)
    >>> pre = MTP2GraphicalModelIC(covariance="precomputed", n_samples=300).fit(S)
    >>> bool(np.isclose(pre.alpha_, model.alpha_))
    True
    """

    _parameter_constraints: dict = {
        **_COMMON_CONSTRAINTS,
        "criterion": [StrOptions({"ebic", "bic"})],
        # Foygel and Drton study 0 <= gamma <= 1 (0 is BIC)
        "ebic_gamma": [Interval(Real, 0, 1, closed="both")],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        # log(n) must be positive: n >= 2
        "n_samples": [Interval(Integral, 2, None, closed="left"), None],
        "covariance": [StrOptions({"precomputed"}), None],
    }

    def __init__(
        self,
        criterion="ebic",
        *,
        ebic_gamma=0.5,
        alphas=40,
        n_samples=None,
        covariance=None,
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
        self.criterion = criterion
        self.ebic_gamma = ebic_gamma
        self.alphas = alphas
        self.n_samples = n_samples
        self.covariance = covariance
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
    def fit(self, X, y=None):
        """Solve the path and keep the fit of smallest criterion.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data, or the covariance matrix of shape (n_features, n_features)
            with ``covariance="precomputed"``.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        check_finite_scalar(self.ebic_gamma, "ebic_gamma")
        self._validate_common()
        precomputed = self.covariance == "precomputed"
        X = validate_data(
            self, X, dtype=[np.float64, np.float32],
            ensure_min_samples=1 if precomputed else 2,
        )
        n_samples = criterion_n_samples(self.n_samples, X, precomputed)
        _, emp_cov, location = self._emp_cov(X, precomputed)
        alphas = check_alpha_grid(self.alphas)
        if isinstance(alphas, int):
            alphas = _alpha_grid(emp_cov, alphas)
        else:
            alphas = np.sort(alphas)[::-1]
        precisions, covariances, n_iter, stop_crit = mtp2_path(
            emp_cov, alphas, gamma=self.gamma, verbose=self.verbose,
            **self._solver_params(),
        )
        ebic_gamma = self.ebic_gamma if self.criterion == "ebic" else 0.0
        criterion, loglik, n_edges = information_criterion_path(
            precisions, emp_cov, n_samples, ebic_gamma
        )
        best = select_first_minimum(criterion)
        precision = precisions[best]
        _check_estimate(precision.astype(X.dtype))
        self.alphas_ = alphas
        self.criterion_ = criterion
        self.log_likelihood_path_ = loglik
        self.n_edges_path_ = n_edges
        self.n_samples_ = n_samples
        self.alpha_ = float(alphas[best])
        self.gamma_ = float(_resolve_gamma(self.penalty, self.gamma))
        self.location_ = location.astype(X.dtype)
        self.precision_ = precision.astype(X.dtype)
        self.covariance_ = covariances[best].astype(X.dtype)
        adjacency = precision != 0
        np.fill_diagonal(adjacency, False)
        self.adjacency_ = adjacency
        self.n_iter_ = np.asarray(n_iter[best], dtype=int)
        self.stop_crit_ = float(stop_crit[best])
        return self
