"""FractionalSparseRegression and SparseFisherDiscriminant: descent, stationarity,
references and bad input."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from sparsestat.datasets import make_sparse_regression
from sparsestat.fractional import FractionalSparseRegression, SparseFisherDiscriminant

SOLVERS = ["pcd", "fcd"]
SELECTIONS = ["cyclic", "random", "greedy", "greedy-lipschitz"]


def recovery_ratio(X, y, w, b0, alpha, k, sw=None):
    """F written from the docstring, with numpy only."""
    sw = np.ones(len(y)) if sw is None else sw
    r = y - X @ w - b0
    topk = np.sort(np.abs(w))[::-1][:k].sum()
    return (0.5 * np.sum(sw * r**2) + alpha * np.abs(w).sum()) / (alpha * topk), topk


def fisher_ratio(X, y, w, alpha):
    mu0, mu1 = X[y == 0].mean(0), X[y == 1].mean(0)
    centred = X - np.where((y == 1)[:, None], mu1, mu0)
    f = np.sum((centred @ w) ** 2) / len(y)
    q = (mu1 - mu0) @ w
    return (f + alpha * np.abs(w).sum()) / q**2, q**2


@pytest.fixture
def regression():
    X, y, coef = make_sparse_regression(60, 15, 3, snr=5, random_state=0)
    return X, y, coef


@pytest.fixture
def classification():
    X, y, coef = make_sparse_regression(
        120, 12, 3, task="classification", random_state=1
    )
    return X, y.astype(int), coef


def replay_regression(est, X, y):
    """Iterates of a verbose=2 fit, replayed from the recorded moves.

    The intercept is profiled out: for each w it is the mean residual.
    """
    idx, val = est.update_path_
    w = est._initial_for_test.copy()

    def intercept(w):
        return float(np.mean(y - X @ w)) if est.fit_intercept else 0.0

    yield w.copy(), intercept(w)
    for i, v in zip(idx, val):
        w[i] = v
        yield w.copy(), intercept(w)


def fit_recorded(est, X, y):
    """Fit with verbose=2, keeping the starting point the kernel received."""
    original = est._initial_coef

    def spy(*args):
        w0 = original(*args)
        est._initial_for_test = w0.copy()
        return w0

    est._initial_coef = spy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    return est


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("selection", SELECTIONS)
@pytest.mark.parametrize("sparse", [False, True])
def test_regression_monotone_decrease(regression, solver, selection, sparse, capsys):
    X, y, _ = regression
    Xf = sp.csc_matrix(X) if sparse else X
    est = fit_recorded(
        FractionalSparseRegression(
            k=3, alpha=5.0, solver=solver, selection=selection, max_iter=15,
            random_state=0, theta=1e-2, verbose=2,
        ),
        Xf, y,
    )
    previous = None
    n_moves = 0
    for w, b0 in replay_regression(est, X, y):
        F, topk = recovery_ratio(X, y, w, b0, est.alpha, est.k_)
        if previous is not None:
            F_old, w_old, b_old = previous
            step = np.sum((w - w_old) ** 2)
            bound = F_old - est.theta_ / (2 * est.alpha * topk) * step
            assert F <= bound + 1e-10 * F_old
            n_moves += 1
        previous = (F, w, b0)
    assert n_moves > 10
    np.testing.assert_allclose(previous[1], est.coef_)
    np.testing.assert_allclose(previous[0], est.objective_, rtol=1e-9)
    path = est.objective_path_
    assert np.all(np.diff(path) <= 1e-10 * path[0])


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("selection", ["cyclic", "greedy"])
def test_fisher_monotone_decrease(classification, solver, selection, capsys):
    X, y, _ = classification
    est = fit_recorded(
        SparseFisherDiscriminant(alpha=0.05, solver=solver, selection=selection,
                                 verbose=2, max_iter=10, theta=1e-2), X, y
    )
    w = est._initial_for_test.copy()
    F_prev, _ = fisher_ratio(X, y, w, est.alpha)
    idx, val = est.update_path_
    assert idx.size > 10
    for i, v in zip(idx, val):
        w_new = w.copy()
        w_new[i] = v
        F_new, g_new = fisher_ratio(X, y, w_new, est.alpha)
        bound = F_prev - est.theta_ / (2 * g_new) * (v - w[i]) ** 2
        assert F_new <= bound + 1e-10 * F_prev
        w, F_prev = w_new, F_new
    np.testing.assert_allclose(np.abs(w), np.abs(est.coef_[0]))
    np.testing.assert_allclose(F_prev, est.objective_, rtol=1e-8)
    assert np.all(np.diff(est.objective_path_) <= 1e-10 * est.objective_path_[0])


@pytest.mark.parametrize("solver", SOLVERS)
def test_regression_is_coordinatewise_stationary(regression, solver):
    X, y, _ = regression
    est = FractionalSparseRegression(
        k=3, alpha=5.0, solver=solver, tol=1e-10, max_iter=5000
    ).fit(X, y)
    w, b0 = est.coef_, est.intercept_
    F, _ = recovery_ratio(X, y, w, b0, est.alpha, est.k_)
    grid = np.linspace(-est.bound_, est.bound_, 2001)
    for j in range(X.shape[1]):
        trial = np.tile(w, (grid.size, 1))
        trial[:, j] = grid
        values = [recovery_ratio(X, y, t, b0, est.alpha, est.k_)[0] for t in trial]
        assert np.min(values) >= F - 1e-7 * F
    # the intercept is optimal as well
    assert abs(np.mean(y - X @ w - b0)) < 1e-6 * np.std(y)


@pytest.mark.parametrize("solver", SOLVERS)
def test_fisher_is_coordinatewise_stationary(classification, solver):
    X, y, _ = classification
    est = SparseFisherDiscriminant(alpha=0.05, solver=solver, tol=1e-10,
                                   max_iter=5000).fit(X, y)
    w = est.coef_[0]
    F, _ = fisher_ratio(X, y, w, est.alpha)
    np.testing.assert_allclose(F, est.objective_, rtol=1e-8)
    grid = np.linspace(-est.bound_, est.bound_, 2001)
    for j in range(X.shape[1]):
        values = []
        for z in grid:
            trial = w.copy()
            trial[j] = z
            values.append(fisher_ratio(X, y, trial, est.alpha)[0])
        assert np.nanmin(values) >= F - 1e-7 * F


@pytest.mark.parametrize("seed", range(4))
def test_ratio_is_at_least_one_and_matches_numpy(seed):
    X, y, _ = make_sparse_regression(40, 25, 4, random_state=seed)
    for k in (1, 4, 25):
        est = FractionalSparseRegression(k=k, alpha=2.0, max_iter=2000).fit(X, y)
        F, _ = recovery_ratio(X, y, est.coef_, est.intercept_, 2.0, k)
        assert est.objective_ >= 1.0
        np.testing.assert_allclose(F, est.objective_, rtol=1e-9)
        assert np.all(np.abs(est.coef_) <= est.bound_ * (1 + 1e-12))


def test_fisher_without_l1_is_fisher_lda_direction():
    # with a negligible L1 term the ratio is Fisher's criterion, whose
    # minimiser is S_w^{-1} (mu_1 - mu_0) up to scale (closed form)
    X, y, _ = make_sparse_regression(300, 6, 3, task="classification", random_state=2)
    est = SparseFisherDiscriminant(alpha=1e-9, bound=100.0, tol=1e-12,
                                   max_iter=20000).fit(X, y)
    mu0, mu1 = X[y == 0].mean(0), X[y == 1].mean(0)
    centred = X - np.where((y == 1)[:, None], mu1, mu0)
    direction = np.linalg.solve(centred.T @ centred, mu1 - mu0)
    cosine = est.coef_ @ direction
    cosine /= np.linalg.norm(est.coef_) * np.linalg.norm(direction)
    assert cosine > 1 - 1e-6


def test_dense_sparse_float32_agree(regression):
    X, y, _ = regression
    dense = FractionalSparseRegression(k=3, alpha=5.0).fit(X, y)
    sparse = FractionalSparseRegression(k=3, alpha=5.0).fit(sp.csc_matrix(X), y)
    np.testing.assert_allclose(dense.coef_, sparse.coef_, rtol=1e-8, atol=1e-10)
    single = FractionalSparseRegression(k=3, alpha=5.0).fit(X.astype(np.float32), y)
    assert single.coef_.dtype == np.float32
    assert single.predict(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(single.objective_, dense.objective_, rtol=1e-3)
    Xc = np.ascontiguousarray(X)
    Xc_before = Xc.copy()
    FractionalSparseRegression(k=3, alpha=5.0).fit(Xc, y)
    np.testing.assert_array_equal(Xc, Xc_before)


def test_random_selection_is_seeded(regression):
    X, y, _ = regression
    fits = [
        FractionalSparseRegression(k=3, alpha=5.0, selection="random",
                                   random_state=3).fit(X, y).coef_
        for _ in range(2)
    ]
    np.testing.assert_array_equal(fits[0], fits[1])


def test_recovers_support():
    X, y, coef = make_sparse_regression(150, 60, 4, snr=20, random_state=4)
    for solver in SOLVERS:
        est = FractionalSparseRegression(k=4, alpha=50.0, solver=solver).fit(X, y)
        top = np.argsort(-np.abs(est.coef_))[:4]
        assert set(top) == set(np.flatnonzero(coef))


def test_zero_and_tiny_columns_do_not_collapse_the_ratio(regression):
    X, y, _ = regression
    X = np.column_stack([X, np.zeros(len(y)), 1e-9 * np.ones(len(y))])
    est = FractionalSparseRegression(k=3, alpha=5.0).fit(X, y)
    assert est.coef_[-2] == 0.0
    assert np.isfinite(est.bound_) and np.all(np.abs(est.coef_) <= est.bound_)
    assert est.objective_ > 1.0


def test_sample_weight_equals_repetition(regression):
    X, y, _ = regression
    weights = np.arange(len(y)) % 3
    rep = np.repeat(np.arange(len(y)), weights)
    a = FractionalSparseRegression(k=3, alpha=5.0).fit(X, y, sample_weight=weights)
    b = FractionalSparseRegression(k=3, alpha=5.0).fit(X[rep], y[rep])
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-9)


def test_fisher_sample_weight_equals_repetition(classification):
    X, y, _ = classification
    weights = np.arange(len(y)) % 3
    rep = np.repeat(np.arange(len(y)), weights)
    a = SparseFisherDiscriminant(alpha=0.05).fit(X, y, sample_weight=weights)
    b = SparseFisherDiscriminant(alpha=0.05).fit(X[rep], y[rep])
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(a.objective_, b.objective_, rtol=1e-9)
    with pytest.raises(ValueError, match="positive total sample_weight"):
        SparseFisherDiscriminant().fit(X, y, sample_weight=(y == 1).astype(float))


def test_max_time_and_convergence_warning(regression):
    X, y, _ = regression
    with pytest.warns(ConvergenceWarning):
        FractionalSparseRegression(k=3, alpha=5.0, max_iter=1, tol=0).fit(X, y)
    est = FractionalSparseRegression(k=3, alpha=5.0, max_time=1e-9, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    assert est.n_iter_ == 1


def test_classifier_predicts_and_orients(classification):
    X, y, _ = classification
    clf = SparseFisherDiscriminant(alpha=0.05).fit(X, 2 * y - 1)
    np.testing.assert_array_equal(clf.classes_, [-1, 1])
    scores = clf.decision_function(X)
    assert scores[y == 1].mean() > 0 > scores[y == 0].mean()
    assert clf.score(X, 2 * y - 1) > 0.8
    sparse = SparseFisherDiscriminant(alpha=0.05).fit(sp.csc_matrix(X), y)
    np.testing.assert_allclose(sparse.coef_, clf.coef_, rtol=1e-8, atol=1e-12)


def test_larger_alpha_gives_sparser_discriminant(classification):
    X, y, _ = classification
    nnz = [
        np.count_nonzero(SparseFisherDiscriminant(alpha=a).fit(X, y).coef_)
        for a in (1e-4, 1.0)
    ]
    assert nnz[1] < nnz[0]


# -- bad input ---------------------------------------------------------------

@pytest.mark.parametrize(
    "params, name",
    [
        ({"k": 0}, "k"),
        ({"alpha": 0.0}, "alpha"),
        ({"alpha": -1.0}, "alpha"),
        ({"alpha": np.inf}, "alpha"),
        ({"alpha": np.nan}, "alpha"),
        ({"bound": 0.0}, "bound"),
        ({"bound": -2.0}, "bound"),
        ({"bound": np.inf}, "bound"),
        ({"theta": 0.0}, "theta"),
        ({"theta": -1e-3}, "theta"),
        ({"solver": "newton"}, "solver"),
        ({"selection": "shuffle"}, "selection"),
    ],
)
def test_bad_parameters(regression, params, name):
    X, y, _ = regression
    with pytest.raises(ValueError, match=name):
        FractionalSparseRegression(**params).fit(X, y)
    if "k" not in params:
        Xc, yc = X, (y > np.median(y)).astype(int)
        with pytest.raises(ValueError, match=name):
            SparseFisherDiscriminant(**params).fit(Xc, yc)


def test_k_larger_than_n_features_is_clipped(regression):
    X, y, _ = regression
    with pytest.warns(UserWarning, match="k=100"):
        est = FractionalSparseRegression(k=100, alpha=5.0).fit(X, y)
    assert est.k_ == X.shape[1]


def test_constant_y_returns_documented_result(regression):
    X, _, _ = regression
    with pytest.warns(UserWarning, match="constant"):
        est = FractionalSparseRegression(k=3).fit(X, np.full(len(X), 2.5))
    assert np.all(est.coef_ == 0) and est.objective_ == 1.0
    np.testing.assert_allclose(est.predict(X), 2.5)


def test_all_zero_X(regression):
    X, y, _ = regression
    with pytest.raises(ValueError, match="all-zero"):
        FractionalSparseRegression(k=3).fit(np.zeros_like(X), y)
    with pytest.raises(ValueError, match="all-zero"):
        SparseFisherDiscriminant().fit(np.zeros_like(X), (y > 0).astype(int))


def test_classifier_bad_targets(classification):
    X, y, _ = classification
    with pytest.raises(ValueError, match="2 classes"):
        SparseFisherDiscriminant().fit(X, np.ones_like(y))
    with pytest.raises(ValueError, match="binary"):
        SparseFisherDiscriminant().fit(X, np.arange(len(y)) % 3)


@pytest.mark.parametrize("c, d", [(1e150, 1.0), (1e-155, 1.0), (1.0, 1e-160),
                                  (1e-8, 1e8), (1e8, 1e-8)])
def test_extreme_scales_fit_the_rescaled_problem(regression, classification, c, d):
    # issue 17 point 4: X * 1e-155 gave NaN coefficients, X * 1e150 an error;
    # the kernel now works on a unit-scale copy, so only the units change
    X, y, _ = regression
    ref = FractionalSparseRegression(k=3, alpha=5.0).fit(X, y)
    est = FractionalSparseRegression(k=3, alpha=5.0 * c * d).fit(X * c, y * d)
    assert np.all(np.isfinite(est.coef_))
    np.testing.assert_allclose(est.coef_ * c / d, ref.coef_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(est.intercept_ / d, ref.intercept_, rtol=1e-8,
                               atol=1e-12)
    np.testing.assert_allclose(est.objective_, ref.objective_, rtol=1e-10)
    np.testing.assert_allclose(est.bound_ * c / d, ref.bound_, rtol=1e-10)
    Xc, yc, _ = classification
    ref = SparseFisherDiscriminant(alpha=0.05).fit(Xc, yc)
    est = SparseFisherDiscriminant(alpha=0.05 * c).fit(Xc * c, yc)
    np.testing.assert_allclose(est.coef_ * c, ref.coef_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-8,
                               atol=1e-12)
    np.testing.assert_array_equal(est.predict(Xc * c), ref.predict(Xc))


def test_overflowing_scale_is_a_clear_error(regression, classification):
    # squared column norms beyond float64: theta_ and the loss in the
    # caller's units cannot be represented
    X, y, _ = regression
    with pytest.raises(ValueError, match="rescale X"):
        FractionalSparseRegression(k=3).fit(X * 1e300, y)
    X, y, _ = classification
    with pytest.raises(ValueError, match="rescale X"):
        SparseFisherDiscriminant().fit(X * 1e300, y)


def test_small_scale_y_is_not_mistaken_for_constant(regression):
    X, y, _ = regression
    small = FractionalSparseRegression(k=3, alpha=5e-16).fit(
        X.astype(np.float32), (1e-8 * y).astype(np.float32)
    )
    assert np.count_nonzero(small.coef_) > 0


def test_nan_input_is_rejected(regression):
    X, y, _ = regression
    X = X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        FractionalSparseRegression(k=3).fit(X, y)


@pytest.mark.parametrize("solver", SOLVERS)
def test_relative_step_is_the_stopping_quantity(regression, classification, solver):
    # one meaning per name: the fractional estimators report the relative
    # step they stop on, not the linear models' KKT violation (stop_crit_)
    X, y, _ = regression
    Xc, yc, _ = classification
    for est, target in ((FractionalSparseRegression(k=3, solver=solver), y),
                        (SparseFisherDiscriminant(alpha=0.1, solver=solver), yc)):
        data = X if target is y else Xc
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            est.set_params(tol=1e-6, max_iter=10_000).fit(data, target)
        assert 0 <= est.relative_step_ <= 1e-6
        assert not hasattr(est, "stop_crit_")
        # one epoch: its largest move over max|coef_|, above tol
        with pytest.warns(ConvergenceWarning, match="relative step"):
            est.set_params(tol=1e-12, max_iter=1).fit(data, target)
        est = fit_recorded(est.set_params(verbose=2), data, target)
        w = est._initial_for_test.copy()
        largest = 0.0
        for i, v in zip(*est.update_path_):
            largest = max(largest, abs(v - w[i]))
            w[i] = v
        assert largest > 0
        assert est.relative_step_ == pytest.approx(
            largest / np.max(np.abs(est.coef_)), rel=1e-9
        )


def test_time_budget_stops_without_convergence_warning(regression):
    X, y, _ = regression
    X = np.repeat(X, 200, axis=0)
    y = np.repeat(y, 200)
    est = FractionalSparseRegression(k=3, selection="greedy", max_iter=10**6,
                                     tol=0, max_time=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    assert 1 <= est.n_iter_ < 10**6
