"""penalty_weights: per-feature factors of alpha on every linear estimator."""

import numpy as np
import pytest
import scipy.sparse as sp

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import (
    NonconvexLasso,
    NonconvexLassoCV,
    NonconvexLogisticRegression,
    NonconvexLogisticRegressionCV,
    alpha_max,
    nonconvex_path,
)
from sparsestat.linear_model._least_squares import cd_least_squares
from sparsestat.utils._design import center_target, make_design
from sparsestat.utils.penalties import PenaltyWeighting, get_penalty, make_weighting


@pytest.fixture(scope="module")
def data():
    X, y, coef = make_sparse_regression(100, 30, 4, rho=0.3, random_state=5)
    return X, y + 1.0, coef


def _binary(y):
    """Labels of the data with every 7th flipped: y > median alone is
    separable (p = 30, a near noise-free linear score), and MCP/SCAD then
    saturate (no minimiser, a "model saturated" warning, issue 13)."""
    labels = y > np.median(y)
    labels[::7] = ~labels[::7]
    return labels


@pytest.fixture(scope="module")
def weights():
    w = np.random.default_rng(2).uniform(0.3, 3, 30)
    w[[0, 7]] = 0.0
    return w


def test_rescaling_makes_the_mean_penalised_weight_one():
    weighting = make_weighting([0.0, 2.0, 4.0, 6.0], 1.0, 4)
    np.testing.assert_allclose(weighting.weights, [0.0, 0.5, 1.0, 1.5])
    assert weighting.weights[weighting.weights > 0].mean() == pytest.approx(1.0)
    # constant weights are the unweighted penalty
    assert make_weighting(np.full(4, 7.0), 1.0, 4).is_plain


@pytest.mark.parametrize("cls", [NonconvexLasso, NonconvexLogisticRegression])
@pytest.mark.parametrize("solver", ["cd", "apg"])
@pytest.mark.parametrize("penalty", ["l1", "mcp"])
def test_unit_weights_equal_unweighted_exactly(data, cls, solver, penalty):
    X, y, _ = data
    if cls is NonconvexLogisticRegression:
        y = _binary(y)
    alpha = 0.05 if cls is NonconvexLasso else 0.01
    plain = cls(alpha=alpha, penalty=penalty, solver=solver).fit(X, y)
    ones = cls(alpha=alpha, penalty=penalty, solver=solver,
               penalty_weights=np.ones(X.shape[1])).fit(X, y)
    np.testing.assert_array_equal(plain.coef_, ones.coef_)
    np.testing.assert_array_equal(plain.intercept_, ones.intercept_)


@pytest.mark.parametrize("penalty", ["l1", "mcp", "scad"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_weighted_kernel_branch_with_unit_weights_matches_plain_branch(
        data, penalty, sparse, dtype):
    # the kernels' weighted branch (a weights array of ones) solves the same
    # problem as their unchanged plain branch
    X, y, _ = data
    X = X.astype(dtype)
    X = sp.csc_matrix(X * (np.abs(X) > 0.5)) if sparse else np.asfortranarray(X)
    n, p = X.shape
    sw = np.full(n, 1.0 / n, dtype=dtype)
    design = make_design(X, sw, True)
    y_c, _ = center_target(y.astype(dtype), sw, True)
    out = []
    for weighting in (None, PenaltyWeighting(np.ones(p), 1.0)):
        w = np.zeros(p, dtype=dtype)
        cd_least_squares(design, y_c, sw, True, w, penalty=penalty, alpha=0.05,
                         gamma=3.0, positive=False, max_iter=200, tol=1e-10
                         if dtype == np.float64 else 1e-5, weighting=weighting)
        out.append(w)
    np.testing.assert_allclose(out[0], out[1], atol=1e-8 if dtype == np.float64
                               else 1e-4)


@pytest.mark.parametrize("cls", [NonconvexLasso, NonconvexLogisticRegression])
@pytest.mark.parametrize("solver", ["cd", "apg"])
def test_scaling_the_weights_changes_nothing(data, weights, cls, solver):
    X, y, _ = data
    if cls is NonconvexLogisticRegression:
        y = _binary(y)
    alpha = 0.05 if cls is NonconvexLasso else 0.01
    a = cls(alpha=alpha, penalty_weights=weights, solver=solver).fit(X, y)
    b = cls(alpha=alpha, penalty_weights=weights * 13.0, solver=solver).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("penalty", ["l1", "mcp", "scad"])
@pytest.mark.parametrize("solver", ["cd", "apg", "pgd"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("positive", [False, True])
def test_weighted_solution_satisfies_kkt(data, weights, penalty, solver, l1_ratio,
                                         positive):
    # stationarity of coordinate j for the penalty with alpha * pw_j, checked
    # with the registry's subdifferential distance, from numpy gradients
    X, y, _ = data
    sw = np.random.default_rng(4).uniform(0.5, 2, X.shape[0])
    model = NonconvexLasso(alpha=0.08, penalty=penalty, gamma=3.0,
                           penalty_weights=weights, l1_ratio=l1_ratio,
                           positive=positive, solver=solver, tol=1e-9,
                           max_iter=1000 if solver == "cd" else 200_000
                           ).fit(X, y, sample_weight=sw)
    s = sw / sw.sum()
    r = y - X @ model.coef_ - model.intercept_
    grad = -(X.T @ (s * r))
    pw = make_weighting(weights, 1.0, X.shape[1]).weights
    spec = get_penalty(penalty)
    w = model.coef_
    # the ridge part's derivative joins the data gradient; the penalty part
    # is l1_ratio * p(.; alpha pw_j), i.e. distance scaled by l1_ratio
    g = grad + (1 - l1_ratio) * model.alpha * pw * w
    viol = np.array([
        l1_ratio * spec.subdiff_distance(w[j], g[j] / l1_ratio,
                                         model.alpha * pw[j], 3.0, positive)
        for j in range(X.shape[1])])
    assert viol.max() <= 1e-7 * np.sqrt(np.mean((y - y.mean()) ** 2)) * X.std(0).max()
    assert abs(np.sum(s * r)) <= 1e-9
    # the unpenalised features are fitted: their plain gradient vanishes
    # (unless held at the bound w_j = 0 by positive)
    free = np.array([0, 7])
    free = free[w[free] != 0] if positive else free
    np.testing.assert_allclose(grad[free], 0, atol=1e-7)


@pytest.mark.parametrize("loss", ["squared_error", "log_loss"])
@pytest.mark.parametrize("penalty", ["l1", "mcp", "scad"])
def test_zero_weight_feature_is_in_the_model_from_the_top_of_the_path(
        data, weights, loss, penalty):
    X, y, _ = data
    if loss == "log_loss":
        y = _binary(y)
    alphas, coefs, _ = nonconvex_path(X, y, loss=loss, penalty=penalty,
                                      penalty_weights=weights, alphas=8, tol=1e-8)
    assert alphas[0] == pytest.approx(
        alpha_max(X, y, loss=loss, penalty_weights=weights))
    # at alpha_max: the unpenalised features only
    assert set(np.flatnonzero(coefs[:, 0])) == {0, 7}
    assert np.all(coefs[[0, 7], :] != 0)
    # every penalised coefficient is zero at alpha_max, and one enters just below
    below = nonconvex_path(X, y, loss=loss, penalty=penalty, penalty_weights=weights,
                           alphas=[0.99 * alphas[0]], tol=1e-8)[1][:, 0]
    assert np.count_nonzero(below) > 2


def test_weights_change_which_features_enter(data):
    X, y, coef = data
    true = np.flatnonzero(coef)
    heavy = np.ones(X.shape[1])
    heavy[true[0]] = 50.0
    plain = NonconvexLasso(alpha=0.1, penalty="l1").fit(X, y)
    weighted = NonconvexLasso(alpha=0.1, penalty="l1", penalty_weights=heavy).fit(X, y)
    assert plain.coef_[true[0]] != 0
    assert weighted.coef_[true[0]] == 0


def test_cv_with_weights_and_l1_ratio_grid_refits_at_the_choice(data, weights):
    X, y, _ = data
    ratios = [0.3, 0.7, 1.0]
    cv = NonconvexLassoCV(penalty="mcp", gamma=[2.5, 4.0], l1_ratio=ratios,
                          penalty_weights=weights, alphas=8, cv=3).fit(X, y)
    assert cv.mse_path_.shape == (3, 2, 8, 3)
    assert cv.alphas_.shape == (3, 8)
    assert cv.l1_ratio_ in ratios
    mean = cv.mse_path_.mean(axis=-1)
    best = np.unravel_index(np.argmin(mean), mean.shape)
    assert cv.l1_ratio_ == ratios[best[0]]
    assert cv.alpha_ == cv.alphas_[best[0], best[2]]
    refit = NonconvexLasso(alpha=cv.alpha_, penalty="mcp", gamma=cv.gamma_,
                           l1_ratio=cv.l1_ratio_, penalty_weights=weights).fit(X, y)
    np.testing.assert_array_equal(cv.coef_, refit.coef_)
    # each l1_ratio's automatic grid starts at its own alpha_max
    for k, r in enumerate(ratios):
        assert cv.alphas_[k, 0] == pytest.approx(
            alpha_max(X, y, penalty_weights=weights, l1_ratio=r))


def test_logistic_cv_with_l1_ratio_grid(data, weights):
    X, y, _ = data
    y = _binary(y)
    cv = NonconvexLogisticRegressionCV(l1_ratio=[0.5, 1.0], penalty_weights=weights,
                                       alphas=5, cv=3).fit(X, y)
    assert cv.scores_.shape == (2, 1, 5, 3)
    assert cv.l1_ratio_ in (0.5, 1.0)
    refit = NonconvexLogisticRegression(alpha=cv.alpha_, l1_ratio=cv.l1_ratio_,
                                        penalty_weights=weights).fit(X, y)
    np.testing.assert_array_equal(cv.coef_, refit.coef_)


def test_cv_with_scalar_l1_ratio_keeps_the_layout(data):
    X, y, _ = data
    cv = NonconvexLassoCV(l1_ratio=0.5, alphas=6, cv=3).fit(X, y)
    assert cv.mse_path_.shape == (1, 6, 3)
    assert cv.alphas_.shape == (6,)
    assert cv.l1_ratio_ == 0.5


BAD_WEIGHTS = [
    (lambda p: np.full(p, np.nan), "finite"),
    (lambda p: np.r_[np.inf, np.ones(p - 1)], "finite"),
    (lambda p: np.r_[-1.0, np.ones(p - 1)], "non-negative"),
    (lambda p: np.ones(p + 1), "shape"),
    (lambda p: np.ones((p, 1)), "shape"),
    (lambda p: np.zeros(p), "all zero"),
    (lambda p: np.array(["a"] * p), "real numbers"),
]


@pytest.mark.parametrize("make, message", BAD_WEIGHTS)
@pytest.mark.parametrize("cls", [NonconvexLasso, NonconvexLogisticRegression,
                                 NonconvexLassoCV, NonconvexLogisticRegressionCV])
def test_bad_penalty_weights_are_named_errors(data, cls, make, message):
    X, y, _ = data
    if "Logistic" in cls.__name__:
        y = _binary(y)
    with pytest.raises(ValueError, match="penalty_weights") as info:
        cls(penalty_weights=make(X.shape[1])).fit(X, y)
    assert message in str(info.value)


@pytest.mark.parametrize("make, message", BAD_WEIGHTS)
def test_bad_penalty_weights_in_path_and_alpha_max(data, make, message):
    X, y, _ = data
    for func in (nonconvex_path, alpha_max):
        with pytest.raises(ValueError, match="penalty_weights"):
            func(X, y, penalty_weights=make(X.shape[1]))


@pytest.mark.parametrize("penalty", ["l1", "mcp", "scad"])
@pytest.mark.parametrize("solver", ["cd", "apg"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.3])
def test_weighted_logistic_solution_satisfies_kkt(data, weights, penalty, solver,
                                                  l1_ratio):
    X, y, _ = data
    y01 = _binary(y).astype(float)
    sw = np.random.default_rng(6).uniform(0.5, 2, X.shape[0])
    model = NonconvexLogisticRegression(
        alpha=0.02, penalty=penalty, penalty_weights=weights, l1_ratio=l1_ratio,
        solver=solver, tol=1e-9, max_iter=100 if solver == "cd" else 200_000,
    ).fit(X, y01, sample_weight=sw)
    s = sw / sw.sum()
    eta = X @ model.coef_[0] + model.intercept_[0]
    resid = s * (1 / (1 + np.exp(-eta)) - y01)
    grad = X.T @ resid
    w = model.coef_[0]
    weighting = make_weighting(weights, l1_ratio, X.shape[1])
    viol = get_penalty(penalty).weighted_subdiff_distance(
        w, grad, model.alpha, model.gamma, weighting)
    assert viol.max() <= 1e-8 * X.std(0).max()
    assert abs(resid.sum()) <= 1e-9


@pytest.mark.parametrize("penalty", ["l1", "mcp", "scad"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.6, 0.0])
@pytest.mark.parametrize("positive", [False, True])
def test_weighted_prox_is_the_global_1d_minimiser(penalty, l1_ratio, positive):
    # the kernels' coordinate update with per-feature alpha * pw_j and the
    # ridge part, against a fine grid (also in the nonconvex regime v gamma < 1)
    spec = get_penalty(penalty)
    rng = np.random.default_rng(8)
    u = rng.uniform(-3, 3, 40)
    v = rng.uniform(0.2, 2, 40)
    pw = rng.choice([0.0, 0.5, 1.0, 2.5], 40)
    weighting = PenaltyWeighting(pw, l1_ratio)
    alpha, gamma = 0.7, 2.5
    out = spec.weighted_prox(u, v, alpha, gamma, weighting, positive)
    grid = np.linspace(0 if positive else -8, 8, 320_001)
    for j in range(40):
        a = alpha * pw[j]
        pen = (l1_ratio * spec.value(np.abs(grid), a, gamma)
               + (1 - l1_ratio) * a / 2 * grid**2)
        objective = 0.5 * v[j] * grid**2 - u[j] * grid + pen
        best = objective.min()
        at = (0.5 * v[j] * out[j] ** 2 - u[j] * out[j]
              + l1_ratio * spec.value(abs(out[j]), a, gamma)
              + (1 - l1_ratio) * a / 2 * out[j] ** 2)
        assert at <= best + 1e-9
    # a prox point is stationary: zero distance for its own 1-D problem
    grad = v * out - u
    dist = spec.weighted_subdiff_distance(out, grad, alpha, gamma, weighting,
                                          positive)
    convex = v * (gamma - (1 if penalty == "scad" else 0)) > 1
    np.testing.assert_allclose(dist[convex], 0, atol=1e-12)
