"""CoLiDE: concomitant linear DAG estimation (scikit-learn estimator)."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from sparsestat._config import limit_blas_threads, user_stacklevel
from sparsestat._kernels._colide import colide_score
from sparsestat.dag._solver import (
    colide_central_path,
    noise_scales_and_score,
    residual_variances_of,
)
from sparsestat.dag._prior import prior_masks
from sparsestat.dag._threshold import threshold_to_dag
from sparsestat.utils._networkx import build_graph
from sparsestat.utils._param_validation import (
    Interval,
    StrOptions,
    c_int_interval,
    check_float_grid,
)
from sparsestat.utils._repr import DocLinkMixin
from sparsestat.utils.validation import check_covariance_matrix
from sparsestat.utils.validation import check_finite_scalar

# Noise scales are floored at _SIGMA_FLOOR times the root mean variance of the
# centred columns: the concomitant score divides by sigma, and a column that
# other columns explain exactly (collinear data, n < d) would drive sigma to 0.
_SIGMA_FLOOR = 1e-4
# A centred column whose variance is below this fraction of the largest
# column variance is reported as constant.
_CONSTANT_TOL = 1e-12


class CoLiDE(DocLinkMixin, BaseEstimator):
    r"""Linear DAG learning with concomitant estimation of the noise scales.

    CoLiDE (Saboksayr, Mateos and Tepper, ICLR 2024) estimates the weighted
    adjacency ``W`` of a linear structural equation model ``X = X W + E``
    jointly with the scales of the exogenous noise ``E``. With
    ``C = X_c^T X_c / n`` the covariance of the centred data and
    ``R(W) = (I - W)^T C (I - W)``, the scores are

    * ``noise="equal"`` (CoLiDE-EV, one scale):
      ``S(W, sigma) = tr R(W) / (2 sigma) + d sigma / 2``, minimised by
      ``sigma = sqrt(tr R(W) / d)``;
    * ``noise="nonequal"`` (CoLiDE-NV, one scale per node):
      ``S(W, sigma) = sum_j R_jj(W) / (2 sigma_j) + sigma_j / 2``, minimised
      by ``sigma_j = sqrt(R_jj(W))``;

    plus ``alpha ||W||_1``. Scales are floored at ``1e-4`` times the root
    mean variance of the columns. Acyclicity is enforced with DAGMA's log-det
    function ``h_s(W) = -log det(sI - W∘W) + d log s`` on a central path:
    stage ``k`` minimises ``mu_k (S + alpha ||W||_1) + h_{s_k}(W)`` with
    ``mu_k = mu_init * mu_factor**k``, warm started from stage ``k - 1``.

    Each stage is solved with an accelerated proximal-gradient method (the
    scales at their closed form, a diagonal variable metric, soft
    thresholding for the L1 term) whose line search keeps ``sI - W∘W`` a
    non-singular M-matrix, tested on the unpivoted LU that also gives the
    log-determinant and the inverse. The output is then thresholded at
    ``w_threshold`` and the weakest remaining edges are removed until the
    graph is acyclic.

    Prior knowledge (``forbidden_edges``, ``required_edges``, ``tiers``)
    enters the solve itself: forbidden weights are fixed at zero by the
    proximal step, so they are zero at every iterate, and required weights
    have no L1 term; ``w_threshold`` and the acyclicity repair keep the
    required edges. Without any of the three, the fit is the plain one,
    bit for bit (also with empty masks).

    Parameters
    ----------
    noise : {"equal", "nonequal"}, default="equal"
        One noise scale for all nodes (EV) or one per node (NV).
    alpha : float, default=0.05
        L1 penalty. Equal to ``lambda1`` of the reference code and of the
        paper (the score is already normalised by ``n`` through ``C``).
    w_threshold : float, default=0.3
        Edges with ``|w| < w_threshold`` are dropped after fitting.
    n_stages : int, default=4
        Number of stages of the central path.
    mu_init : float, default=1.0
        Weight of the score in the first stage.
    mu_factor : float, default=0.1
        Decay of ``mu`` between stages, in ``(0, 1]``.
    s : float or sequence of float, default=(1.0, 0.9, 0.8, 0.7)
        Log-det parameter of each stage: a positive scalar (all stages) or a
        non-increasing sequence of positive values; a sequence shorter than
        ``n_stages`` is padded with its last value, a longer one is cut to
        ``n_stages``.
        When the warm start of a stage lies outside ``{rho(W∘W) < s_k}``,
        ``s_k`` is raised by steps of 0.1 (the values used are in ``s_``).
        The parameter is never modified.
    max_iter : int, default=10000
        Maximum number of iterations per stage.
    tol : float, default=1e-7
        A stage stops when the relative decrease of its objective in one
        iteration is below ``tol``. (The reference code stops when the
        relative change over 1000 Adam steps is below 1e-6. With 1e-7 and
        1e-8 our SHD matches the reference's on the benchmark designs;
        1e-6 or looser ends the warm stages early, which changes the path
        and worsens the SHD.)
    forbidden_edges : array-like of bool or sequence of pairs, default=None
        Edges the graph must not have: a boolean mask of shape
        ``(n_features, n_features)`` (``mask[i, j]`` forbids ``i -> j``, as
        ``coef_[i, j]``) or pairs ``(i, j)``. Nodes are column indices, or
        feature names when ``X`` has them (a DataFrame; an unknown name
        raises a ``ValueError``). These weights are held at exactly zero at
        every iterate of the solver (not cut afterwards), so the rest of the
        graph is fitted without them.
    required_edges : array-like of bool or sequence of pairs, default=None
        Edges the graph must have, in the formats of ``forbidden_edges``.
        They carry no L1 term, and neither ``w_threshold`` nor the
        acyclicity repair removes them (the repair removes the weakest
        other edges on a cycle instead). Every edge that would close a
        cycle with them (``j -> i`` when required edges lead from ``i`` to
        ``j``) is forbidden in the solve, as no DAG containing them has it.
        They must form a DAG (a cycle is reported), without self-loops, and
        must not be forbidden by ``forbidden_edges`` or ``tiers``.
    tiers : array-like of int of shape (n_features,) or dict, default=None
        A tier per node (a dict from feature name, or column index, to tier
        covers every node): every edge from a later tier to an earlier one
        (``tiers[i] > tiers[j]`` for ``i -> j``) is forbidden, as by
        ``forbidden_edges``; edges within a tier are allowed.
    covariance : {None, "precomputed"}, default=None
        If "precomputed", ``X`` in ``fit`` and ``score`` is the covariance
        matrix ``C = X_c^T X_c / n`` of the centred data (divided by ``n``,
        not ``n - 1``), e.g. computed chunk by chunk out of core; it must be
        square, symmetric, positive semi-definite with a positive diagonal.
        The fit depends on the data only through ``C`` (see Notes), so the
        number of samples is not needed.
    verbose : int, default=0
        Progress bar over the stages when positive.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features, n_features)
        Weighted adjacency of the estimated DAG, ``coef_[i, j]`` the weight of
        the edge ``i -> j`` (zero where ``adjacency_`` is False).
    adjacency_ : ndarray of shape (n_features, n_features), dtype=bool
        The estimated graph; always acyclic. Contains ``required_edges``
        and none of the forbidden edges.
    raw_coef_ : ndarray of shape (n_features, n_features)
        The solution of the last stage, before thresholding.
    noise_scale_ : float or ndarray of shape (n_features,)
        Closed-form noise scale(s) at ``coef_`` (a float for
        ``noise="equal"``).
    mean_ : ndarray of shape (n_features,) or None
        Column means of the training data (used to centre ``X`` in
        ``score``); None with ``covariance="precomputed"``.
    s_ : list of float
        The log-det parameter used in each stage.
    n_iter_ : int
        Iterations summed over the stages.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when ``X`` has string column names.

    See Also
    --------
    sparsestat.datasets.make_dag, sparsestat.datasets.sample_linear_sem :
        simulators for linear SEMs.
    sparsestat.metrics.edge_recovery : SHD, TPR, FDR of an estimated graph.

    Notes
    -----
    Computations run in float64; ``coef_`` and ``raw_coef_`` take the dtype
    of ``X`` (float32 or float64). ``X`` is centred in a copy; the caller's
    array is never modified.

    *Scaling.* CoLiDE is not scale-invariant by design: the score is in the
    units of the noise scales while ``h_s`` and the edge weights are
    dimensionless. Multiplying ``X`` by ``c > 0`` multiplies ``C`` by
    ``c^2``, the closed-form scales by ``c`` and the score ``S(W)`` by ``c``
    at every ``W``, so ``mu_k (S + alpha ||W||_1)`` is unchanged when
    ``alpha`` is multiplied by ``c`` and ``mu_init`` divided by ``c``:
    ``CoLiDE(alpha=c * a, mu_init=m / c).fit(c * X)`` gives the
    ``raw_coef_``, ``coef_`` and ``adjacency_`` of
    ``CoLiDE(alpha=a, mu_init=m).fit(X)`` and ``noise_scale_`` times ``c``.
    With the same parameters, small ``c`` lets the L1 term and ``h_s``
    dominate (``coef_`` tends to zero) and large ``c`` weakens both (denser
    estimates). The floor of the scales is relative to the data's scale and
    the stopping rule (``tol``) is a relative decrease of the objective, so
    neither makes a stage stop early on small-scale data or run on for
    large-scale data: the rule above holds to rounding. Scaling a single
    variable ``j`` by ``c_j`` changes the model itself (the true weights
    become ``W_ij c_j / c_i``, and the equal-variance assumption breaks);
    standardise the columns only if that is the model intended.

    *Covariance input.* The score, the closed-form scales, their floor, the
    L1 term (``alpha`` is per sample: ``C`` is normalised by ``n``) and the
    stopping rule involve ``X`` only through ``C``, so
    ``CoLiDE(covariance="precomputed").fit(C)`` gives the fit of
    ``CoLiDE().fit(X)`` up to the rounding of ``C``, whatever ``n``. Then
    ``score`` also takes a covariance: that of held-out data, centred as
    the caller chooses (the training means are not known).

    BLAS runs with one thread inside ``fit`` by default, whatever the number
    of cores, so results do not depend on it; opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    References
    ----------
    S. S. Saboksayr, G. Mateos and M. Tepper, "CoLiDE: Concomitant Linear
    DAG Estimation", ICLR 2024. K. Bello, B. Aragam and P. Ravikumar,
    "DAGMA: Learning DAGs via M-matrices and a Log-Determinant Acyclicity
    Characterization", NeurIPS 2022.

    Examples
    --------
    >>> from sparsestat.dag import CoLiDE
    >>> from sparsestat.datasets import make_dag, sample_linear_sem
    >>> from sparsestat.metrics import edge_recovery
    >>> W = make_dag(10, edges_per_node=1, random_state=0)
    >>> X = sample_linear_sem(W, 500, random_state=0)
    >>> est = CoLiDE().fit(X)
    >>> est.adjacency_.shape
    (10, 10)
    >>> edge_recovery(W, est.coef_)["shd"] <= 2
    True
    """

    _parameter_constraints = {
        "noise": [StrOptions({"equal", "nonequal"})],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "w_threshold": [Interval(numbers.Real, 0, None, closed="left")],
        "n_stages": [c_int_interval(1)],
        "mu_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "mu_factor": [Interval(numbers.Real, 0, 1, closed="right")],
        "s": [Interval(numbers.Real, 0, None, closed="neither"), "array-like"],
        "max_iter": [c_int_interval(1)],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "forbidden_edges": ["array-like", None],
        "required_edges": ["array-like", None],
        "tiers": ["array-like", dict, None],
        "covariance": [StrOptions({"precomputed"}), None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        noise="equal",
        alpha=0.05,
        w_threshold=0.3,
        n_stages=4,
        mu_init=1.0,
        mu_factor=0.1,
        s=(1.0, 0.9, 0.8, 0.7),
        max_iter=10000,
        tol=1e-7,
        forbidden_edges=None,
        required_edges=None,
        tiers=None,
        covariance=None,
        verbose=0,
    ):
        self.noise = noise
        self.alpha = alpha
        self.w_threshold = w_threshold
        self.n_stages = n_stages
        self.mu_init = mu_init
        self.mu_factor = mu_factor
        self.s = s
        self.max_iter = max_iter
        self.tol = tol
        self.forbidden_edges = forbidden_edges
        self.required_edges = required_edges
        self.tiers = tiers
        self.covariance = covariance
        self.verbose = verbose

    @limit_blas_threads
    def fit(self, X, y=None):
        """Estimate the DAG and the noise scales from ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Observations; at least 2 samples and 2 features, finite, no
            constant column. Not modified. With ``covariance="precomputed"``,
            the (n_features, n_features) covariance matrix.
        y : None
            Ignored.

        Returns
        -------
        self : CoLiDE
        """
        s = self._check_hyperparameters()
        check_finite_scalar(self.alpha, "alpha")
        X, C, forbidden, required = self._validated_covariance(
            X, self.covariance == "precomputed"
        )
        W, s_used, n_iter, converged = self._central_path(
            C, float(self.alpha), s, forbidden, required
        )
        if not converged:
            warnings.warn(
                f"CoLiDE: a stage reached max_iter={self.max_iter} before the "
                f"relative objective change fell below tol={self.tol}; "
                "increase max_iter.",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )
        self._store_fit(C, W, s_used, n_iter, X.dtype, required)
        return self

    def _check_hyperparameters(self):
        """Validate the parameters (all but ``alpha``'s finiteness, which
        the classes selecting ``alpha`` do not have); the per-stage ``s``."""
        self._validate_params()
        for name in ("w_threshold", "mu_init", "tol"):
            check_finite_scalar(getattr(self, name), name)
        return self._stage_s()

    def _validated_covariance(self, X, precomputed):
        """Validate ``X`` (setting ``n_features_in_``, ``feature_names_in_``
        and ``mean_``), the prior masks and the covariance ``C``; sets the
        floor of the scales. Returns ``X``, ``C``, ``forbidden``,
        ``required``."""
        X = validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2,
            ensure_min_features=2,
        )
        forbidden, required = prior_masks(
            self.forbidden_edges, self.required_edges, self.tiers, X.shape[1],
            getattr(self, "feature_names_in_", None),
        )
        if precomputed:
            C = _check_precomputed(X)
            self.mean_ = None
        else:
            C, self.mean_ = _centred_covariance(X)
        self._sigma_min = _sigma_floor(C)
        return X, C, forbidden, required

    def _central_path(self, C, alpha, s, forbidden, required, start=None,
                      sigma_min=None, verbose=None):
        """The stages at ``alpha`` with this estimator's solver parameters
        (``colide_central_path``): ``W``, ``s_used``, ``n_iter``,
        ``converged``."""
        return colide_central_path(
            C,
            noise=self.noise,
            alpha=alpha,
            s=s,
            mu_init=float(self.mu_init),
            mu_factor=float(self.mu_factor),
            max_iter=self.max_iter,
            tol=float(self.tol),
            sigma_min=self._sigma_min if sigma_min is None else sigma_min,
            verbose=self.verbose if verbose is None else verbose,
            forbidden=forbidden,
            required=required,
            start=start,
        )

    def _store_fit(self, C, W, s_used, n_iter, dtype, required):
        """Threshold the raw solution ``W`` and set the fitted attributes."""
        self.s_, self.n_iter_ = s_used, n_iter
        coef = threshold_to_dag(W, self.w_threshold, required)
        self.raw_coef_ = W.astype(dtype, copy=False)
        self.coef_ = coef.astype(dtype, copy=False)
        self.adjacency_ = coef != 0
        self._required = required
        if required is not None:
            # an unpenalised weight is exactly zero only by accident
            self.adjacency_ |= required
        self.noise_scale_ = self._scales(C, coef)

    def _stage_s(self):
        """The per-stage ``s`` as a new list (``self.s`` is left untouched)."""
        if isinstance(self.s, numbers.Real):
            check_finite_scalar(self.s, "s")
            return [float(self.s)] * self.n_stages
        values = check_float_grid(self.s, "s")
        if np.any(values <= 0):
            raise ValueError(f"s values must be positive and finite, got {self.s!r}.")
        if np.ndim(self.s) == 0:
            # a 0-d array is not a Real: the number it holds, for every stage
            return [float(values[0])] * self.n_stages
        if np.any(np.diff(values) > 0):
            raise ValueError(
                f"s must be non-increasing along the central path, got {self.s!r}."
            )
        values = values[: self.n_stages].tolist()
        return values + [values[-1]] * (self.n_stages - len(values))

    def _scales(self, C, W):
        sigma, _ = noise_scales_and_score(C, W, self.noise == "equal", self._sigma_min)
        return float(sigma[0]) if self.noise == "equal" else sigma

    def score(self, X, y=None):
        """Minus the CoLiDE score of ``X`` under the fitted model.

        ``X`` is centred with the training means (with
        ``covariance="precomputed"``, ``X`` is the held-out covariance
        itself); with ``C`` its covariance
        and ``W = coef_``, ``sigma = noise_scale_`` this returns
        ``-(tr R(W) / (2 sigma) + d sigma / 2)`` (EV) or
        ``-sum_j (R_jj(W) / (2 sigma_j) + sigma_j / 2)`` (NV), without the
        L1 term, so that models fitted with different ``alpha`` compare on
        held-out data (higher is better), e.g. in ``GridSearchCV``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Held-out observations, with the training columns (their
            (n_features, n_features) covariance with
            ``covariance="precomputed"``).
        y : None
            Ignored.

        Returns
        -------
        score : float
            Minus the score (higher is better).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        if self.covariance == "precomputed":
            C = _check_precomputed(X)
        else:
            C = _covariance(X, self.mean_)
        return held_out_score(C, self.coef_, self.noise_scale_)

    def to_networkx(self):
        """The estimated DAG as a ``networkx.DiGraph`` with ``weight`` on edges.

        Nodes are the column names of the training data when it had string
        column names (a DataFrame: ``feature_names_in_``), else the column
        indices ``0 .. n_features - 1``; every node has an ``index``
        attribute (its column). Edges are those of ``adjacency_``, with
        ``weight`` the entry of ``coef_``. With prior knowledge, every
        ``required_edges`` edge is in the graph (also when the threshold or
        the acyclicity repair would have removed it), no forbidden edge
        (``forbidden_edges`` or backwards across ``tiers``) is, and each
        edge has a ``required`` attribute (bool).

        Returns
        -------
        graph : networkx.DiGraph
            The DAG; needs networkx installed.

        Examples
        --------
        >>> import numpy as np
        >>> from sparsestat.dag import CoLiDE
        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal(300)
        >>> X = np.column_stack([x, 2 * x + rng.standard_normal(300)])
        >>> graph = CoLiDE().fit(X).to_networkx()
        >>> graph.number_of_nodes(), graph.number_of_edges()
        (2, 1)
        """
        check_is_fitted(self)
        required = self._required
        edges = ((i, j, {"weight": float(self.coef_[i, j])}
                  | ({} if required is None else {"required": bool(required[i, j])}))
                 for i, j in zip(*np.nonzero(self.adjacency_), strict=True))
        return build_graph(self, edges, directed=True)


def _check_precomputed(X):
    """A covariance given with covariance="precomputed", in float64."""
    return check_covariance_matrix(
        X, "X", prefix="With covariance='precomputed', ",
        zero_variance=" A zero variance is a constant node, which CoLiDE's "
        "noise scales cannot fit: remove it.",
    )


def held_out_score(C, coef, noise_scale):
    """Minus the CoLiDE score (no L1 term) of the covariance ``C`` under the
    DAG ``coef`` with noise scale(s) ``noise_scale``: :meth:`CoLiDE.score`,
    and the fold score of :class:`CoLiDECV`."""
    resid = residual_variances_of(C, coef)
    sigma = np.atleast_1d(np.asarray(noise_scale, dtype=np.float64))
    return -colide_score(resid, sigma)


def _centred_covariance(X):
    """``C = X_c^T X_c / n`` and the column means of ``X`` (float64)."""
    with np.errstate(over="ignore", invalid="ignore"):
        mean = X.mean(axis=0, dtype=np.float64)
        # second pass: removes the rounding error of the first mean,
        # which a large offset would turn into a spurious variance
        mean = mean + (np.asarray(X, dtype=np.float64) - mean).mean(axis=0)
    C = _covariance(X, mean)
    if not np.all(np.isfinite(C)):
        raise ValueError(
            "The covariance of X overflows float64; rescale X (e.g. "
            "divide it by its largest absolute value)."
        )
    return C, mean


def _sigma_floor(C, what="X"):
    """The floor of the noise scales for the covariance ``C``; an error
    naming the constant columns, if any."""
    variances = np.diagonal(C)
    constant = np.flatnonzero(variances <= _CONSTANT_TOL * variances.max())
    if constant.size:
        raise ValueError(
            f"{what} has constant columns (zero variance, or negligible next to "
            "the largest variance), which a linear SEM cannot explain: "
            f"columns {constant.tolist()}. Drop them first, or standardize "
            "X if its columns have very different scales."
        )
    return _SIGMA_FLOOR * np.sqrt(variances.mean())


def _covariance(X, mean):
    """``X_c^T X_c / n`` in float64, centring a copy of ``X``."""
    # overflow is reported by the caller (a non-finite C), not warned about
    with np.errstate(over="ignore", invalid="ignore"):
        Xc = np.asarray(X, dtype=np.float64) - mean
        return Xc.T @ Xc / Xc.shape[0]
