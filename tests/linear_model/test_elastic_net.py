"""l1_ratio: the elastic-net mixing of the penalties against scikit-learn,
closed forms and a convex solver."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import ElasticNet, LogisticRegression

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import (
    NonconvexLasso,
    NonconvexLogisticRegression,
    nonconvex_path,
)

cp = pytest.importorskip("cvxpy")


@pytest.fixture(scope="module")
def data():
    X, y, _ = make_sparse_regression(90, 40, 5, rho=0.3, random_state=4)
    return X, y + 1.5


@pytest.mark.parametrize("l1_ratio", [0.2, 0.5, 0.9])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("solver", ["cd", "apg"])
def test_l1_with_l1_ratio_reproduces_sklearn_elastic_net(
        data, l1_ratio, fit_intercept, sparse, weighted, solver):
    # scikit-learn's objective: 1/(2 n) ||y - X w||^2 + alpha l1_ratio ||w||_1
    # + alpha (1 - l1_ratio) / 2 ||w||^2 (sample weights normalised to sum n)
    X, y = data
    if sparse:
        X = X * (np.abs(X) > 0.7)
    sw = np.random.default_rng(0).uniform(0.2, 3, X.shape[0]) if weighted else None
    Xfit = sp.csc_matrix(X) if sparse else X
    ours = NonconvexLasso(
        alpha=0.1, penalty="l1", l1_ratio=l1_ratio, fit_intercept=fit_intercept,
        solver=solver, tol=1e-12, max_iter=1000 if solver == "cd" else 200_000,
    ).fit(Xfit, y, sample_weight=sw)
    ref = ElasticNet(alpha=0.1, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                     tol=1e-14, max_iter=100_000).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)
    if solver == "cd":
        # the elastic-net duality gap: a bound, non-negative
        assert ours.dual_gap_ is not None and ours.dual_gap_ >= -1e-12


@pytest.mark.parametrize("solver", ["cd", "apg"])
@pytest.mark.parametrize("penalty", ["l1", "mcp", "scad"])
def test_l1_ratio_zero_is_ridge(data, solver, penalty):
    # ridge only: (Xc^T Xc / n + alpha I) w = Xc^T yc / n, whatever the penalty
    X, y = data
    n = X.shape[0]
    alpha = 0.3
    ours = NonconvexLasso(alpha=alpha, penalty=penalty, l1_ratio=0.0, solver=solver,
                          tol=1e-12, max_iter=1000 if solver == "cd" else 100_000
                          ).fit(X, y)
    Xc, yc = X - X.mean(0), y - y.mean()
    ref = np.linalg.solve(Xc.T @ Xc / n + alpha * np.eye(X.shape[1]), Xc.T @ yc / n)
    np.testing.assert_allclose(ours.coef_, ref, atol=1e-7)


def _cvxpy_weighted_enet(X, y, sw, alpha, l1_ratio, pw):
    n, p = X.shape
    sw = sw / sw.sum()
    w, b = cp.Variable(p), cp.Variable()
    datafit = 0.5 * cp.sum(cp.multiply(sw, cp.square(y - X @ w - b)))
    penalty = alpha * (l1_ratio * cp.norm1(cp.multiply(pw, w))
                       + (1 - l1_ratio) / 2 * cp.sum(cp.multiply(pw, cp.square(w))))
    cp.Problem(cp.Minimize(datafit + penalty)).solve(solver="CLARABEL")
    return w.value, float(b.value)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.6])
@pytest.mark.parametrize("solver", ["cd", "apg", "pgd"])
def test_weighted_enet_matches_convex_solver(l1_ratio, solver):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 8))
    y = X @ np.array([2.0, -1.0, 0, 0, 0.5, 0, 0, 1.0]) + rng.standard_normal(40)
    sw = rng.uniform(0.5, 2, 40)
    pw = np.array([0.0, 1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 0.5])
    # the documented rescaling: mean over the penalised features is one
    pw_scaled = pw * (np.count_nonzero(pw) / pw.sum())
    ref_w, ref_b = _cvxpy_weighted_enet(X, y, sw, 0.2, l1_ratio, pw_scaled)
    ours = NonconvexLasso(alpha=0.2, penalty="l1", l1_ratio=l1_ratio,
                          penalty_weights=pw, solver=solver, tol=1e-11,
                          max_iter=1000 if solver == "cd" else 200_000
                          ).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref_w, atol=1e-5)
    assert ours.intercept_ == pytest.approx(ref_b, abs=1e-5)


@pytest.mark.parametrize("l1_ratio", [0.3, 0.8])
@pytest.mark.parametrize("solver", ["cd", "apg"])
def test_logistic_elastic_net_matches_sklearn_saga(l1_ratio, solver):
    X, y, _ = make_sparse_regression(200, 10, 4, snr=3, task="classification",
                                     random_state=1)
    n = X.shape[0]
    alpha = 0.02
    ours = NonconvexLogisticRegression(
        alpha=alpha, penalty="l1", l1_ratio=l1_ratio, solver=solver, tol=1e-10,
        max_iter=1000 if solver == "cd" else 200_000).fit(X, y)
    ref = LogisticRegression(solver="saga", l1_ratio=l1_ratio,
                             C=1 / (n * alpha), tol=1e-12, max_iter=200_000
                             ).fit(X, y)
    # saga's own accuracy is the limit here
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-4)


def test_path_with_l1_ratio_matches_elastic_net_at_each_alpha(data):
    X, y = data
    alphas, coefs, crits = nonconvex_path(X, y, penalty="l1", l1_ratio=0.5,
                                          alphas=6, eps=0.05, tol=1e-12)
    # the grid starts at alpha_max / l1_ratio: all zero there
    assert np.all(coefs[:, 0] == 0)
    for k in (1, 3, 5):
        ref = ElasticNet(alpha=alphas[k], l1_ratio=0.5, tol=1e-14,
                         max_iter=100_000).fit(X, y)
        np.testing.assert_allclose(coefs[:, k], ref.coef_, atol=1e-6)


def test_automatic_grid_with_l1_ratio_zero_is_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="l1_ratio"):
        nonconvex_path(X, y, l1_ratio=0.0, alphas=5)
    # explicit alphas are fine
    alphas, coefs, _ = nonconvex_path(X, y, l1_ratio=0.0, alphas=[1.0, 0.1])
    assert np.all(coefs != 0)


@pytest.mark.parametrize("bad", [-0.1, 1.5, np.nan, "0.5", None, [0.5]])
@pytest.mark.parametrize("cls", [NonconvexLasso, NonconvexLogisticRegression])
def test_bad_l1_ratio_is_a_named_error(data, cls, bad):
    X, y = data
    y = y > np.median(y) if cls is NonconvexLogisticRegression else y
    with pytest.raises(ValueError, match="l1_ratio"):
        cls(l1_ratio=bad).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        nonconvex_path(X, y.astype(float), l1_ratio=bad)
