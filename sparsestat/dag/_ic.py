"""CoLiDE with alpha chosen by BIC or AIC along one warm-started path."""

from numbers import Integral, Real

import numpy as np

from sparsestat._config import limit_blas_threads
from sparsestat.dag._colide import CoLiDE
from sparsestat.dag._path import (
    _solve_path,
    _warn_unconverged,
    check_eps,
    colide_alpha_max,
)
from sparsestat.dag._solver import residual_variances_of
from sparsestat.utils._grid import (
    criterion_n_samples,
    decreasing_grid,
    geometric_grid,
    select_first_minimum,
)
from sparsestat.utils._param_validation import Interval, StrOptions

_SOLVER_CONSTRAINTS = {
    k: v for k, v in CoLiDE._parameter_constraints.items() if k != "alpha"
}


def sem_log_likelihood(C, coef, noise_scale, n_samples):
    r"""Gaussian log-likelihood of a linear SEM ``X = X W + E``.

    With ``R = (I - W)^T C (I - W)`` and noise variances
    :math:`\sigma_j^2`, :math:`\ell = -\frac{n}{2} \sum_j \left(\log(2\pi
    \sigma_j^2) + R_{jj} / \sigma_j^2\right)` (``det(I - W) = 1`` for a DAG).

    Parameters
    ----------
    C : ndarray of shape (d, d)
        Covariance of the centred data (divided by ``n``).
    coef : ndarray of shape (d, d)
        A DAG's weighted adjacency.
    noise_scale : float or ndarray of shape (d,)
        The noise scales :math:`\sigma_j` (one for all nodes, or one per node).
    n_samples : int

    Returns
    -------
    loglik : float
    """
    resid = residual_variances_of(C, coef)
    var = np.broadcast_to(np.asarray(noise_scale, dtype=np.float64) ** 2, resid.shape)
    return float(-n_samples / 2 * np.sum(np.log(2 * np.pi * var) + resid / var))


class CoLiDEIC(CoLiDE):
    r"""CoLiDE with ``alpha`` chosen by BIC or AIC along one path.

    One warm-started path of :func:`colide_path` is solved on all the data
    and the fit of smallest criterion is kept, without refits (as
    scikit-learn's ``LassoLarsIC`` reads its criterion off one path):

    .. math::

        \mathrm{BIC} = -2 \ell + k \log n, \qquad
        \mathrm{AIC} = -2 \ell + 2 k, \qquad
        \ell = -\frac{n}{2} \sum_j \left(\log(2\pi\hat\sigma_j^2)
        + \frac{R_{jj}(\hat W)}{\hat\sigma_j^2}\right),

    the Gaussian log-likelihood of the linear SEM at the fitted DAG
    :math:`\hat W` (``coef_``) and noise variances (``noise_scale_``
    squared: one for ``noise="equal"``, one per node for ``"nonequal"``),
    with :math:`R(W) = (I - W)^T C (I - W)` and :math:`k` the degrees of
    freedom, the number of edges plus the number of noise variances (1 or
    ``n_features``). Among fits whose criteria tie to rounding, the largest
    ``alpha`` wins.

    Parameters
    ----------
    criterion : {"bic", "aic"}, default="bic"
        The criterion.
    alphas : int or array-like of shape (n_alphas,), default=20
        Candidate values of ``alpha``, or their number: the grid of
        :class:`CoLiDECV` (log-spaced from ``alpha_max`` down to
        ``eps * alpha_max``). Explicit values are solved in decreasing order.
    eps : float, default=1e-3
        Length of the automatic grid, ``alpha_min / alpha_max``.
    n_samples : int, default=None
        Number of samples behind a precomputed covariance (at least 2):
        required with ``covariance="precomputed"``. With data, leave it
        ``None`` (the number of rows is used).
    noise : {"equal", "nonequal"}, default="equal"
        See :class:`CoLiDE`.
    w_threshold : float, default=0.3
        See :class:`CoLiDE`.
    n_stages : int, default=4
        See :class:`CoLiDE`.
    mu_init : float, default=1.0
        See :class:`CoLiDE`.
    mu_factor : float, default=0.1
        See :class:`CoLiDE`.
    s : float or sequence of float, default=(1.0, 0.9, 0.8, 0.7)
        See :class:`CoLiDE`.
    max_iter : int, default=10000
        See :class:`CoLiDE`.
    tol : float, default=1e-7
        See :class:`CoLiDE`.
    forbidden_edges : array-like or sequence of pairs, default=None
        See :class:`CoLiDE`.
    required_edges : array-like or sequence of pairs, default=None
        See :class:`CoLiDE`.
    tiers : array-like of int or dict, default=None
        See :class:`CoLiDE`.
    covariance : {None, "precomputed"}, default=None
        If "precomputed", ``X`` is the covariance ``X_c^T X_c / n`` of
        ``n_samples`` samples (see :class:`CoLiDE`).
    verbose : int, default=0
        Progress bar over the path when positive.

    Attributes
    ----------
    alpha_ : float
        Selected ``alpha``.
    alphas_ : ndarray of shape (n_alphas,)
        The ``alpha`` grid, in decreasing order.
    criterion_ : ndarray of shape (n_alphas,)
        The criterion of every fit of the path.
    log_likelihood_path_ : ndarray of shape (n_alphas,)
        :math:`\ell` of every fit.
    n_edges_path_ : ndarray of shape (n_alphas,)
        Number of edges of every fit.
    n_samples_ : int
        The ``n`` of the criterion.
    coef_ : ndarray of shape (n_features, n_features)
        The path's DAG at ``alpha_``.
    adjacency_ : ndarray of shape (n_features, n_features), dtype=bool
        Its graph.
    raw_coef_ : ndarray of shape (n_features, n_features)
        The path's last-stage solution at ``alpha_``.
    noise_scale_ : float or ndarray of shape (n_features,)
        Noise scale(s) at ``coef_``.
    mean_ : ndarray of shape (n_features,) or None
        Column means of the data; None with ``covariance="precomputed"``.
    s_ : list of float
        The log-det parameter of each stage at ``alpha_``.
    n_iter_ : int
        Iterations at ``alpha_``, summed over its stages.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when ``X`` has string column names.

    See Also
    --------
    CoLiDECV : ``alpha`` by cross-validation (raw data only).
    colide_path : the path scored here.

    Notes
    -----
    The selected fit is the path's (warm started from the previous alpha),
    not a refit from ``W = 0``; CoLiDE's stages are not convex, so on a
    hard problem it can differ from ``CoLiDE(alpha=alpha_).fit(X)``. The
    criterion needs only ``C`` and ``n``, hence ``covariance="precomputed"``
    with ``n_samples``. BLAS runs with one thread inside ``fit`` by
    default; opt out with ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> from sparsestat.dag import CoLiDEIC
    >>> from sparsestat.datasets import make_dag, sample_linear_sem
    >>> W = make_dag(6, edges_per_node=1, random_state=0)
    >>> X = sample_linear_sem(W, 300, random_state=0)
    >>> model = CoLiDEIC(alphas=8).fit(X)
    >>> model.criterion_.shape
    (8,)
    >>> bool(model.alpha_ in model.alphas_)
    True
    """

    _parameter_constraints: dict = {
        "criterion": [StrOptions({"bic", "aic"})],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "eps": [Interval(Real, 0, 1, closed="right")],
        # log(n) must be positive: n >= 2
        "n_samples": [Interval(Integral, 2, None, closed="left"), None],
        **_SOLVER_CONSTRAINTS,
    }

    def __init__(
        self,
        criterion="bic",
        *,
        alphas=20,
        eps=1e-3,
        n_samples=None,
        noise="equal",
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
        self.criterion = criterion
        self.alphas = alphas
        self.eps = eps
        self.n_samples = n_samples
        self.noise = noise
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
        """Solve the path and keep the fit of smallest criterion.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Observations, or their covariance of shape (n_features,
            n_features) with ``covariance="precomputed"``.
        y : None
            Ignored.

        Returns
        -------
        self : CoLiDEIC
            The fitted estimator.
        """
        s = self._check_hyperparameters()
        eps = check_eps(self.eps)
        precomputed = self.covariance == "precomputed"
        X, C, forbidden, required = self._validated_covariance(X, precomputed)
        n_samples = criterion_n_samples(self.n_samples, X, precomputed)
        alphas = decreasing_grid(self.alphas, lambda n: geometric_grid(
            colide_alpha_max(C, self.noise, self._sigma_min, forbidden, required),
            n, eps,
        ))
        raw, coefs, scales, s_used, n_iter, unconverged = _solve_path(
            self, C, alphas, s, forbidden, required, self._sigma_min,
            verbose=self.verbose,
        )
        _warn_unconverged(unconverged, self.max_iter, self.tol, where="CoLiDEIC")
        n_edges = np.empty(alphas.size, dtype=int)
        loglik = np.empty(alphas.size)
        for k, coef in enumerate(coefs):
            adjacency = coef != 0
            if required is not None:
                adjacency |= required
            n_edges[k] = int(adjacency.sum())
            loglik[k] = sem_log_likelihood(C, coef, scales[k], n_samples)
        n_variances = 1 if self.noise == "equal" else C.shape[0]
        per_parameter = np.log(n_samples) if self.criterion == "bic" else 2.0
        criterion = -2.0 * loglik + per_parameter * (n_edges + n_variances)
        best = select_first_minimum(criterion)
        self.alphas_ = alphas
        self.criterion_ = criterion
        self.log_likelihood_path_ = loglik
        self.n_edges_path_ = n_edges
        self.n_samples_ = n_samples
        self.alpha_ = float(alphas[best])
        self._store_fit(C, raw[best], s_used[best], int(n_iter[best]), X.dtype,
                        required)
        return self
