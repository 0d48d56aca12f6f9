import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import lasso_path

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import NonconvexLasso, nonconvex_path
from sparsestat.linear_model._path import strong_rule_threshold
from tests.linear_model._reference import kkt_violation_reference


@pytest.fixture
def data():
    X, y, _ = make_sparse_regression(60, 150, 5, rho=0.5, random_state=0)
    return X, y


@pytest.mark.parametrize("sparse", [False, True])
def test_l1_path_reproduces_sklearn_lasso_path(data, sparse):
    X, y = data
    alphas, coefs, crits = nonconvex_path(
        sp.csc_matrix(X) if sparse else X, y, penalty="l1", alphas=20,
        eps=1e-2, tol=1e-12, fit_intercept=False)
    _, ref, _ = lasso_path(X, y, alphas=alphas, tol=1e-14, max_iter=100_000)
    np.testing.assert_allclose(coefs, ref, atol=1e-6)
    assert coefs.shape == (X.shape[1], 20)


def test_first_alpha_is_the_smallest_giving_zero(data):
    X, y = data
    alphas, coefs, _ = nonconvex_path(X, y, alphas=10)
    assert np.all(coefs[:, 0] == 0)
    model = NonconvexLasso(alpha=alphas[0] * 0.99).fit(X, y)
    assert np.count_nonzero(model.coef_) >= 1


@pytest.mark.parametrize("penalty", ["mcp", "scad"])
def test_each_path_point_is_stationary_and_matches_a_warm_started_fit(penalty):
    # n > p and gamma large enough that X'X/n - p''(t) stays positive
    # definite: the objective is convex, so the stationary point is unique
    # and any correct solver, screened or not, must find the same one
    X, y, _ = make_sparse_regression(400, 30, 5, rho=0.5, random_state=0)
    gamma = 6.0
    assert np.linalg.eigvalsh(np.cov(X.T, bias=True)).min() > 1 / (gamma - 1)
    alphas, coefs, intercepts, crits = nonconvex_path(
        X, y, penalty=penalty, gamma=gamma, alphas=15, eps=1e-2, tol=1e-10,
        return_intercept=True)
    assert np.all(crits <= 1e-10)
    for k in range(1, 15):
        # refit from the previous path point: same stationary point reached
        model = NonconvexLasso(alpha=alphas[k], penalty=penalty, gamma=gamma,
                               tol=1e-10, warm_start=True)
        model.coef_ = coefs[:, k - 1].copy()
        model.fit(X, y)
        np.testing.assert_allclose(model.coef_, coefs[:, k], atol=1e-6)
        assert model.intercept_ == pytest.approx(intercepts[k], abs=1e-6)


def test_strong_rule_thresholds():
    assert strong_rule_threshold("l1", 3.0, 1.0, 1.5) == pytest.approx(0.5)
    assert strong_rule_threshold("mcp", 3.0, 1.0, 1.5) == pytest.approx(1 - 1.5 * 0.5)
    assert strong_rule_threshold("scad", 3.7, 1.0, 1.5) == pytest.approx(
        1 - 3.7 / 1.7 * 0.5)


def test_screening_does_not_change_the_solution(data):
    # the strong rule only shapes the first working set: a violator it
    # screens out is caught by the full KKT check
    X, y = data
    alphas = np.geomspace(1, 0.01, 8) * np.abs(X.T @ (y - y.mean())).max() / len(y)
    _, screened, _ = nonconvex_path(X, y, penalty="l1", alphas=alphas, tol=1e-12)
    for k, a in enumerate(alphas):
        alone = NonconvexLasso(alpha=a, penalty="l1", tol=1e-12).fit(X, y)
        np.testing.assert_allclose(screened[:, k], alone.coef_, atol=1e-7)


def test_logistic_path(data):
    X, y = data
    labels = (y > np.median(y)).astype(int)
    # p > n: the labels are separable, and below the third alpha the MCP
    # path saturates (before issue 13 it went on with |eta| = 174, zero
    # deviance and the same coefficients for the last five alphas)
    with pytest.warns(ConvergenceWarning, match="model saturated"):
        alphas, coefs, intercepts, crits = nonconvex_path(
            X, labels, loss="log_loss", alphas=8, eps=0.05, return_intercept=True)
    assert 1 < alphas.size < 8 and coefs.shape == (X.shape[1], alphas.size)
    assert np.all(coefs[:, 0] == 0)
    assert intercepts[0] == pytest.approx(0.0, abs=1e-8)  # balanced classes
    assert np.all(crits[:-1] <= 1e-4)
    assert np.count_nonzero(coefs[:, -1]) > 0


@pytest.mark.parametrize("solver", ["apg", "pgd"])
def test_gradient_solvers_on_a_path(data, solver):
    X, y = data
    alphas, coefs, crits = nonconvex_path(X, y, penalty="l1", alphas=5, eps=0.1,
                                          solver=solver, tol=1e-8, max_iter=200_000)
    _, ref, _ = nonconvex_path(X, y, penalty="l1", alphas=alphas, tol=1e-12)
    np.testing.assert_allclose(coefs, ref, atol=1e-5)


def test_path_warns_when_a_solve_stops_early(data):
    X, y = data
    with pytest.warns(ConvergenceWarning, match="alpha"):
        nonconvex_path(X, y, alphas=5, solver="pgd", max_iter=2, tol=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"alphas": []}, "non-empty"),
        ({"alphas": [0.1, -0.2]}, "non-negative"),
        ({"alphas": [[0.1]]}, "1-D"),
        ({"alphas": 0}, "alphas"),
        ({"alphas": None}, "alphas"),
        ({"eps": 0}, "eps"),
        ({"penalty": "mcp", "gamma": 0.5}, "gamma"),
        ({"loss": "hinge"}, "loss"),
        ({"solver": "newton"}, "solver"),
    ],
)
def test_bad_path_arguments(data, kwargs, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        nonconvex_path(X, y, **kwargs)


@pytest.mark.parametrize("penalty", ["mcp", "scad"])
def test_path_points_are_stationary_on_wide_data(data, penalty):
    # n < p: several stationary points exist; each path point must be one
    X, y = data
    alphas, coefs, intercepts, crits = nonconvex_path(
        X, y, penalty=penalty, alphas=15, eps=1e-2, tol=1e-10,
        return_intercept=True)
    assert np.all(crits <= 1e-10)
    for k, alpha in enumerate(alphas):
        model = NonconvexLasso(alpha=alpha, penalty=penalty)
        model.coef_, model.intercept_ = coefs[:, k], intercepts[k]
        viol, intercept_grad = kkt_violation_reference(X, y, np.ones(len(y)), model)
        assert viol <= 1e-9 and intercept_grad <= 1e-10
