"""MTP2 graphical model with alpha (and gamma) chosen by cross-validation."""

import numbers
import warnings

import numpy as np
from joblib import Parallel
from sklearn.covariance import empirical_covariance, log_likelihood
from sklearn.model_selection import check_cv
from sklearn.utils.validation import validate_data

from sparsestat._config import delayed, limit_blas_threads, user_stacklevel
from sparsestat.covariance._checks import _constant_columns
from sparsestat.covariance._graphical_model import (
    _COMMON_CONSTRAINTS,
    MTP2GraphicalModel,
)
from sparsestat.covariance._mtp2_path import (
    _nearest_larger,
    _solve_path,
    _stage_params,
)
from sparsestat.covariance._path import _alpha_grid, _resolve_gamma
from sparsestat.utils._grid import check_alpha_grid
from sparsestat.utils._param_validation import (
    C_INT_MAX,
    Interval,
    c_int_interval,
    check_float_grid,
)
from sparsestat.utils._routing import SplitterRoutingMixin, cv_splits
from sparsestat.utils.progress import progress


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


def _fold_covariances(X, train, test, assume_centered):
    """Training and test covariances of one fold (centred at the training
    mean), and why the fold cannot score any candidate (None when it can)."""
    X_train, X_test = X[train], X[test]
    if assume_centered:
        location = np.zeros(X.shape[1])
    else:
        location = X_train.mean(axis=0)
    emp_cov = empirical_covariance(X_train - location, assume_centered=True)
    test_cov = empirical_covariance(X_test - location, assume_centered=True)
    # the same criterion as the full fit (_check_variances): a variance at the
    # rounding level of the column's own values, whatever the other columns' scales
    constant = _constant_columns(emp_cov, np.abs(X_train).max(axis=0))
    if constant.size:
        # a column constant within this training fold: no estimate exists
        return emp_cov, test_cov, (
            f"column(s) {constant.tolist()} constant in its training part"
        )
    return emp_cov, test_cov, None


def _fold_scores(fold, candidates, starts, params):
    """Held-out Gaussian log-likelihood of each (alpha, gamma) on one fold.

    ``fold`` is ``(X, train, test)`` in the first round, whose worker
    computes the fold's covariances, and ``(emp_cov, test_cov)`` after.
    The alphas of each gamma are solved as a warm-started path (decreasing),
    each starting from the first-stage solution of the nearest larger alpha
    in ``starts`` (earlier rounds) or this call: that stage does not depend
    on ``gamma``, so one dict serves every gamma. Returns the scores, the
    fold's covariances, the reason it can score nothing (None when it can)
    and the first-stage solutions of this call (alpha -> precision).
    """
    params = dict(params)
    assume_centered = params.pop("assume_centered")
    if len(fold) == 3:
        emp_cov, test_cov, reason = _fold_covariances(*fold, assume_centered)
    else:
        (emp_cov, test_cov), reason = fold, None
    covariances = (emp_cov, test_cov)
    if reason is not None:
        return np.full(len(candidates), -np.inf), covariances, reason, {}
    scores = np.empty(len(candidates))
    solved = dict(starts)
    new = {}
    for gamma in dict.fromkeys(g for _, g in candidates):
        at = [k for k, (_, g) in enumerate(candidates) if g == gamma]
        results, firsts = _solve_path(
            emp_cov, [candidates[k][0] for k in at], solved,
            _stage_params(gamma=gamma, **params),
        )
        solved.update(firsts)
        new.update(firsts)
        for k, result in zip(at, results, strict=True):
            scores[k] = log_likelihood(test_cov, result[0])
    return scores, covariances, None, new


class MTP2GraphicalModelCV(SplitterRoutingMixin, MTP2GraphicalModel):
    """MTP2 graphical model with ``alpha`` (and ``gamma``) chosen by cross-validation.

    Every candidate is scored by the held-out Gaussian log-likelihood
    (``sklearn.covariance.log_likelihood``) averaged over the folds, as in
    scikit-learn's ``GraphicalLassoCV``; the best candidate is refitted on
    all the data. Folds run in parallel through joblib. Each fold computes
    its training covariance once and solves its candidates as a
    warm-started path (see :func:`mtp2_path`), each refinement value
    starting from the fold's solution at the nearest larger value scored:
    the scores are those of separate fits, to the solver's tolerance.

    Cross-validation is the way to get the best precision matrix;
    :class:`MTP2GraphicalModelIC` (EBIC) the way to get a graph, as held-out
    likelihood keeps weak false edges. The folds need the rows, so this
    class takes data only (it has no ``covariance="precomputed"``); to fit
    from a covariance matrix and its number of samples (computed out of
    core, for example), use :class:`MTP2GraphicalModelIC`.

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
        Concavity used when ``gammas`` is ``None``: MCP needs ``gamma > 0``
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
        Scale-free KKT violation of the refit's last stage (see
        :class:`MTP2GraphicalModel`).
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
        "n_jobs": [
            Interval(numbers.Integral, -C_INT_MAX, C_INT_MAX, closed="both"),
            None,
        ],
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
        X = validate_data(self, X, dtype=[np.float64, np.float32],
                          ensure_min_samples=2)
        X64, emp_cov, location = self._emp_cov(X, precomputed=False)
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
        # per fold: its data (first round), then its covariances; and the
        # first-stage solutions later rounds may start from (alpha -> T)
        folds = [(X64, train, test) for train, test in splits]
        kept = [{} for _ in splits]
        failures = {}
        scores = self._cv_scores(folds, kept, candidates, fit_params, failures,
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
                [scores, self._cv_scores(folds, kept, new, fit_params, failures, label)]
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
        self._fit_emp_cov(emp_cov, location, X.dtype, self.alpha_, self.gamma_)
        return self

    def _cv_scores(self, folds, kept, candidates, params, failures, label):
        """Held-out log-likelihoods, shape (n_folds, n_candidates).

        Updates ``folds`` (to their covariances), ``kept`` (to the starts
        the next round may need: the new alphas lie inside the interval
        around the best alpha, and each starts from the nearest larger
        solution, so each fold keeps those of this round and the nearest
        larger of each candidate of this round, at most ``2 * n_alphas``)
        and ``failures`` (fold index -> reason of a fold that can score
        nothing).
        """
        for k, solutions in enumerate(kept):
            needed = {_nearest_larger(solutions, a) for a, _ in candidates}
            kept[k] = {a: solutions[a] for a in needed if a is not None}
        live = [k for k in range(len(folds)) if k not in failures]
        jobs = (
            delayed(_fold_scores)(folds[k], candidates, kept[k], params) for k in live
        )
        results = progress(
            Parallel(n_jobs=self.n_jobs, return_as="generator")(jobs),
            verbose=self.verbose, total=len(live), unit="folds",
            desc=f"{label}: {len(folds)} folds x {len(candidates)} (alpha, gamma)",
        )
        scores = np.full((len(folds), len(candidates)), -np.inf)
        for k, (fold_scores, covariances, reason, solutions) in zip(
            live, results, strict=True
        ):
            if reason is not None:
                failures[k] = reason
            folds[k] = covariances
            kept[k].update(solutions)
            scores[k] = fold_scores
            finite = fold_scores[np.isfinite(fold_scores)]
            results.set_postfix(best_loglik=float(finite.max()) if finite.size
                                else float("-inf"))
        return scores


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
        for (a, g), bad in zip(candidates, failed, strict=True)
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
