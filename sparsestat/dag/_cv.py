"""CoLiDE with alpha chosen by cross-validation over warm-started paths."""

import numbers

import numpy as np
from joblib import Parallel
from sklearn.model_selection import check_cv

from sparsestat._config import delayed, limit_blas_threads
from sparsestat.dag._colide import (
    CoLiDE,
    _centred_covariance,
    _covariance,
    _sigma_floor,
    held_out_score,
)
from sparsestat.dag._path import (
    _solve_path,
    _warn_unconverged,
    check_eps,
    colide_alpha_max,
)
from sparsestat.utils._grid import decreasing_grid, geometric_grid
from sparsestat.utils._param_validation import C_INT_MAX, Interval
from sparsestat.utils._routing import SplitterRoutingMixin, cv_splits
from sparsestat.utils.progress import progress

# CoLiDE's constraints less those of one fit (alpha) and of a precomputed
# covariance (folds need the rows)
_SOLVER_CONSTRAINTS = {
    k: v for k, v in CoLiDE._parameter_constraints.items()
    if k not in ("alpha", "covariance")
}


def _fold_scores(est, X, train, test, alphas, s, forbidden, required, fold):
    """Held-out scores of the path of one fold (``CoLiDE.score`` of a fit on
    the training rows, on the test rows centred with the training means),
    and the alphas whose stages hit ``max_iter``."""
    C, mean = _centred_covariance(X[train])
    sigma_min = _sigma_floor(C, what=f"The training part of fold {fold}")
    _, coefs, scales, _, _, unconverged = _solve_path(
        est, C, alphas, s, forbidden, required, sigma_min
    )
    C_test = _covariance(X[test], mean)
    scores = np.array([held_out_score(C_test, coef, sigma)
                       for coef, sigma in zip(coefs, scales, strict=True)])
    return scores, unconverged


class CoLiDECV(SplitterRoutingMixin, CoLiDE):
    """CoLiDE with ``alpha`` chosen by cross-validation.

    Every fold solves the warm-started path of :func:`colide_path` on its
    training rows and scores each fit on its test rows with
    :meth:`CoLiDE.score` (minus the CoLiDE score of the held-out
    covariance, centred at the training means, with the fitted DAG and
    noise scales; no L1 term). The ``alpha`` of the best mean score is
    refitted on all the data with :class:`CoLiDE` (from ``W = 0``, the fit
    of ``CoLiDE(alpha=alpha_)``). Folds run in parallel through joblib.

    Parameters
    ----------
    alphas : int or array-like of shape (n_alphas,), default=10
        Candidate values of ``alpha``, or their number: a log-spaced grid
        from ``alpha_max`` (the smallest ``alpha`` whose fit is empty, see
        :func:`colide_path`) on all the data down to ``eps * alpha_max``.
        The same grid serves every fold.
    eps : float, default=1e-3
        Length of the automatic grid, ``alpha_min / alpha_max``.
    cv : int, cross-validation generator or iterable, default=None
        Folds, as in ``sklearn.model_selection.check_cv`` (5-fold when
        ``None``); a splitter such as ``GroupKFold`` gets the ``groups``
        passed to ``fit``.
    n_jobs : int, default=None
        Parallel jobs over the folds (joblib).
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
        See :class:`CoLiDE`; applied in every fold and in the refit.
    required_edges : array-like or sequence of pairs, default=None
        See :class:`CoLiDE`; applied in every fold and in the refit.
    tiers : array-like of int or dict, default=None
        See :class:`CoLiDE`; applied in every fold and in the refit.
    verbose : int, default=0
        Progress bar over the folds when positive.

    Attributes
    ----------
    alpha_ : float
        Selected ``alpha``.
    alphas_ : ndarray of shape (n_alphas,)
        The candidate alphas, in decreasing order.
    cv_results_ : dict of ndarrays
        ``alphas``, ``split{k}_test_score``, ``mean_test_score`` and
        ``std_test_score``, one entry per alpha of ``alphas_``.
    coef_ : ndarray of shape (n_features, n_features)
        Weighted adjacency of the DAG refitted at ``alpha_``.
    adjacency_ : ndarray of shape (n_features, n_features), dtype=bool
        The refitted graph.
    raw_coef_ : ndarray of shape (n_features, n_features)
        The refit's last-stage solution, before thresholding.
    noise_scale_ : float or ndarray of shape (n_features,)
        Noise scale(s) of the refit.
    mean_ : ndarray of shape (n_features,)
        Column means of the training data.
    s_ : list of float
        The log-det parameter of each stage of the refit.
    n_iter_ : int
        Iterations of the refit, summed over its stages.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when ``X`` has string column names.

    See Also
    --------
    CoLiDEIC : ``alpha`` by BIC or AIC along one path, without folds.
    colide_path : the warm-started path the folds solve.

    Notes
    -----
    The held-out CoLiDE score rewards every edge that lowers the prediction
    error of the held-out rows, so, as with graphical models, the CV tends
    to select small ``alpha`` (the thresholding at ``w_threshold`` then
    removes the weak edges); see ``benchmarks/results/colide_cv.md`` for its
    structural Hamming distance next to :class:`CoLiDEIC`'s. The folds need
    the rows: this class has no ``covariance="precomputed"`` (use
    :class:`CoLiDEIC` with ``n_samples``). A column constant in the
    training rows of a fold raises a ValueError naming the fold (shuffle
    the rows, e.g. ``cv=KFold(5, shuffle=True)``, or use fewer folds). A
    stage that stops at ``max_iter`` in a fold or in the refit gives one
    ConvergenceWarning.

    BLAS runs with one thread inside ``fit`` and in every CV worker by
    default; ``n_jobs`` parallelises the folds. Opt out with
    ``sparsestat.set_config(blas_threads=None)``.

    Examples
    --------
    >>> from sparsestat.dag import CoLiDECV
    >>> from sparsestat.datasets import make_dag, sample_linear_sem
    >>> W = make_dag(6, edges_per_node=1, random_state=0)
    >>> X = sample_linear_sem(W, 300, random_state=0)
    >>> model = CoLiDECV(alphas=5, cv=3).fit(X)
    >>> model.cv_results_["mean_test_score"].shape
    (5,)
    >>> bool(model.alpha_ in model.alphas_)
    True
    """

    # no covariance="precomputed": the score of CoLiDE reads it
    covariance = None

    _parameter_constraints: dict = {
        "alphas": [Interval(numbers.Integral, 1, None, closed="left"), "array-like"],
        "eps": [Interval(numbers.Real, 0, 1, closed="right")],
        "cv": ["cv_object"],
        "n_jobs": [
            Interval(numbers.Integral, -C_INT_MAX, C_INT_MAX, closed="both"),
            None,
        ],
        **_SOLVER_CONSTRAINTS,
    }

    def __init__(
        self,
        *,
        alphas=10,
        eps=1e-3,
        cv=None,
        n_jobs=None,
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
        verbose=0,
    ):
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.n_jobs = n_jobs
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
        self.verbose = verbose

    @limit_blas_threads
    def fit(self, X, y=None, *, groups=None, **params):
        """Choose ``alpha`` by cross-validation, then refit on all the data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Observations (see :meth:`CoLiDE.fit`).
        y : None
            Ignored.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group splitter (``cv=GroupKFold(3)``...);
            ignored by the other splitters.
        **params : dict
            Further metadata for the splitter's ``split``; only with
            ``sklearn.set_config(enable_metadata_routing=True)``.

        Returns
        -------
        self : CoLiDECV
            The fitted estimator.
        """
        s = self._check_hyperparameters()
        eps = check_eps(self.eps)
        X, C, forbidden, required = self._validated_covariance(X, False)
        alphas = decreasing_grid(self.alphas, lambda n: geometric_grid(
            colide_alpha_max(C, self.noise, self._sigma_min, forbidden, required),
            n, eps,
        ))
        X64 = np.asarray(X, dtype=np.float64)
        splits = cv_splits(self, check_cv(self.cv), X64, y, groups=groups,
                           params=params)
        jobs = (
            delayed(_fold_scores)(self, X64, train, test, alphas, s, forbidden,
                                  required, k)
            for k, (train, test) in enumerate(splits)
        )
        results = progress(
            Parallel(n_jobs=self.n_jobs, return_as="generator")(jobs),
            verbose=self.verbose, total=len(splits), unit="folds",
            desc=f"CoLiDE CV: {len(splits)} folds x {alphas.size} alphas",
        )
        scores, unconverged = [], []
        for fold_scores, fold_unconverged in results:
            scores.append(fold_scores)
            unconverged += fold_unconverged
        scores = np.array(scores)
        mean = scores.mean(axis=0)
        # the first maximum: the largest alpha (sparsest graph) among ties
        best = int(np.argmax(mean))
        self.alpha_ = float(alphas[best])
        self.alphas_ = alphas
        self.cv_results_ = {
            "alphas": alphas.copy(),
            **{f"split{k}_test_score": row for k, row in enumerate(scores)},
            "mean_test_score": mean,
            "std_test_score": scores.std(axis=0),
        }
        W, s_used, n_iter, converged = self._central_path(
            C, self.alpha_, s, forbidden, required
        )
        if not converged:
            unconverged.append(self.alpha_)
        _warn_unconverged(sorted(set(unconverged), reverse=True), self.max_iter,
                          self.tol, where="CoLiDECV")
        self._store_fit(C, W, s_used, n_iter, X.dtype, required)
        return self
