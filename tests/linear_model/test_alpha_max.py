"""alpha_max: the smallest alpha whose solution has every penalised
coefficient at zero, against closed forms and solutions on either side."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LinearRegression, PoissonRegressor

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import (
    NonconvexLasso,
    NonconvexLogisticRegression,
    alpha_max,
    nonconvex_path,
)

cp = pytest.importorskip("cvxpy")


@pytest.fixture(scope="module")
def data():
    X, y, _ = make_sparse_regression(80, 12, 4, rho=0.2, random_state=7)
    sw = np.random.default_rng(1).uniform(0.3, 2, X.shape[0])
    return X, y + 0.7, sw


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_least_squares_closed_form(data, fit_intercept, weighted):
    X, y, sw = data
    sw = sw if weighted else np.ones(X.shape[0])
    s = sw / sw.sum()
    if fit_intercept:
        Xc, yc = X - s @ X, y - s @ y
    else:
        Xc, yc = X, y
    expected = np.abs(Xc.T @ (s * yc)).max()
    got = alpha_max(X, y, fit_intercept=fit_intercept,
                    sample_weight=sw if weighted else None)
    assert got == pytest.approx(expected, rel=1e-12)
    assert alpha_max(sp.csc_matrix(X), y, fit_intercept=fit_intercept,
                     sample_weight=sw if weighted else None) == pytest.approx(
                         expected, rel=1e-12)


@pytest.mark.parametrize("penalty", ["l1", "mcp", "scad"])
@pytest.mark.parametrize("solver", ["cd", "apg"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.4])
def test_least_squares_solution_zero_at_alpha_max_not_below(data, penalty, solver,
                                                           l1_ratio):
    X, y, sw = data
    top = alpha_max(X, y, l1_ratio=l1_ratio, sample_weight=sw)
    kw = dict(penalty=penalty, l1_ratio=l1_ratio, solver=solver, tol=1e-10,
              max_iter=1000 if solver == "cd" else 100_000)
    at = NonconvexLasso(alpha=top, **kw).fit(X, y, sample_weight=sw)
    below = NonconvexLasso(alpha=0.98 * top, **kw).fit(X, y, sample_weight=sw)
    assert np.all(at.coef_ == 0)
    assert np.count_nonzero(below.coef_) >= 1


def test_l1_ratio_divides_alpha_max(data):
    X, y, sw = data
    top = alpha_max(X, y, sample_weight=sw)
    assert alpha_max(X, y, l1_ratio=0.25, sample_weight=sw) == pytest.approx(4 * top)
    assert alpha_max(X, y, l1_ratio=0.0) == np.inf


def test_zero_weight_features_join_the_null_model(data):
    X, y, sw = data
    pw = np.ones(X.shape[1])
    pw[[2, 5]] = 0.0
    pw[3] = 4.0
    scaled = pw * np.count_nonzero(pw) / pw.sum()
    # the null model: weighted least squares on the intercept and columns 2, 5
    ols = LinearRegression().fit(X[:, [2, 5]], y, sample_weight=sw)
    resid = y - ols.predict(X[:, [2, 5]])
    s = sw / sw.sum()
    grad = -(X - s @ X).T @ (s * resid)
    keep = pw > 0
    expected = np.max(np.abs(grad[keep]) / scaled[keep])
    top = alpha_max(X, y, penalty_weights=pw, sample_weight=sw)
    assert top == pytest.approx(expected, rel=1e-10)
    for penalty in ("l1", "mcp", "scad"):
        at = NonconvexLasso(alpha=top, penalty=penalty, penalty_weights=pw,
                            tol=1e-10).fit(X, y, sample_weight=sw)
        assert set(np.flatnonzero(at.coef_)) == {2, 5}
        np.testing.assert_allclose(at.coef_[[2, 5]], ols.coef_, rtol=1e-6)
        below = NonconvexLasso(alpha=0.98 * top, penalty=penalty,
                               penalty_weights=pw, tol=1e-10
                               ).fit(X, y, sample_weight=sw)
        assert np.count_nonzero(below.coef_) > 2


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_log_loss_closed_form_and_solutions(data, fit_intercept):
    X, y, sw = data
    y01 = (y > np.median(y)).astype(float)
    s = sw / sw.sum()
    p0 = s @ y01 if fit_intercept else 0.5
    expected = np.abs(X.T @ (s * (p0 - y01))).max()
    top = alpha_max(X, y01, loss="log_loss", sample_weight=sw,
                    fit_intercept=fit_intercept)
    assert top == pytest.approx(expected, rel=1e-10)
    for penalty in ("l1", "mcp"):
        kw = dict(penalty=penalty, fit_intercept=fit_intercept, tol=1e-10)
        at = NonconvexLogisticRegression(alpha=top, **kw).fit(X, y01, sample_weight=sw)
        below = NonconvexLogisticRegression(alpha=0.98 * top, **kw).fit(
            X, y01, sample_weight=sw)
        assert np.all(at.coef_ == 0)
        assert np.count_nonzero(below.coef_) >= 1


def test_log_loss_zero_weight_features(data):
    X, y, sw = data
    y01 = (y > np.median(y)).astype(int)
    pw = np.ones(X.shape[1])
    pw[1] = 0.0
    top = alpha_max(X, y01, loss="log_loss", penalty_weights=pw, sample_weight=sw)
    # the path's first solution is the unpenalised fit on feature 1
    alphas, coefs, _ = nonconvex_path(X, y01, loss="log_loss", penalty="l1",
                                      penalty_weights=pw, alphas=[top, 0.98 * top],
                                      sample_weight=sw, tol=1e-10)
    assert set(np.flatnonzero(coefs[:, 0])) == {1}
    assert np.count_nonzero(coefs[:, 1]) > 1


def _poisson_data():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((120, 6)) * 0.5
    y = rng.poisson(np.exp(0.3 + X @ np.array([0.8, 0, -0.5, 0, 0, 0.3]))).astype(float)
    sw = rng.uniform(0.5, 2, 120)
    return X, y, sw


def _cvxpy_poisson_l1(X, y, sw, alpha, pw):
    s = sw / sw.sum()
    w, b = cp.Variable(X.shape[1]), cp.Variable()
    eta = X @ w + b
    objective = cp.sum(cp.multiply(s, cp.exp(eta) - cp.multiply(y, eta)))
    cp.Problem(cp.Minimize(objective + alpha * cp.norm1(cp.multiply(pw, w)))).solve(
        solver="CLARABEL")
    return w.value


def test_poisson_gradient_and_convex_solutions_on_either_side():
    X, y, sw = _poisson_data()
    s = sw / sw.sum()
    mu0 = s @ y
    expected = np.abs(X.T @ (s * (mu0 - y))).max()
    top = alpha_max(X, y, loss="poisson", sample_weight=sw)
    assert top == pytest.approx(expected, rel=1e-10)
    ones = np.ones(X.shape[1])
    assert np.abs(_cvxpy_poisson_l1(X, y, sw, 1.02 * top, ones)).max() < 1e-6
    assert np.abs(_cvxpy_poisson_l1(X, y, sw, 0.9 * top, ones)).max() > 1e-3


def test_poisson_zero_weight_features_match_unpenalised_fit():
    X, y, sw = _poisson_data()
    pw = np.ones(X.shape[1])
    pw[0] = 0.0
    ref = PoissonRegressor(alpha=0.0, tol=1e-12, max_iter=1000).fit(
        X[:, [0]], y, sample_weight=sw)
    s = sw / sw.sum()
    mu = ref.predict(X[:, [0]])
    grad = X.T @ (s * (mu - y))
    expected = np.abs(grad[1:]).max()
    top = alpha_max(X, y, loss="poisson", penalty_weights=pw, sample_weight=sw)
    assert top == pytest.approx(expected, rel=1e-6)
    assert np.abs(_cvxpy_poisson_l1(X, y, sw, 1.02 * top, pw)[1:]).max() < 1e-6


def test_no_live_penalised_feature_gives_zero():
    X = np.ones((10, 3))
    assert alpha_max(X, np.arange(10.0)) == 0.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(loss="hinge"), "loss"),
    (dict(l1_ratio=1.5), "l1_ratio"),
    (dict(fit_intercept="yes"), "fit_intercept"),
])
def test_bad_parameters_are_named(data, kwargs, match):
    X, y, _ = data
    with pytest.raises(ValueError, match=match):
        alpha_max(X, y, **kwargs)


def test_bad_targets(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="non-negative"):
        alpha_max(X, y - 100, loss="poisson")
    with pytest.raises(ValueError, match="2 classes"):
        alpha_max(X, np.arange(X.shape[0]) % 3, loss="log_loss")
    with pytest.raises(ValueError, match="NaN"):
        alpha_max(X, np.full(X.shape[0], np.nan))
