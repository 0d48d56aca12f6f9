"""NonconvexPoissonRegression(CV) and the Poisson path against references:
scikit-learn's PoissonRegressor, the KKT conditions recomputed with numpy,
cvxpy for L1; separation and saturation of the GLM paths."""

import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor
from sklearn.metrics import d2_tweedie_score
from sklearn.utils._param_validation import InvalidParameterError

from sparsestat.linear_model import (
    NonconvexLogisticRegression,
    NonconvexPoissonRegression,
    NonconvexPoissonRegressionCV,
    nonconvex_path,
)
from tests.linear_model._reference import penalty_derivative_reference


def _counts(n=300, p=8, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    mu = scale * np.exp(0.5 + 0.6 * X[:, 0] - 0.4 * X[:, 1])
    return X, rng.poisson(mu).astype(float), rng.uniform(0.5, 2.0, n)


def _poisson_kkt(X, y, sw, model):
    """Scaled KKT violation of the coefficients and |d/db|, with numpy."""
    sw = sw / sw.sum()
    Xd = X.toarray() if sp.issparse(X) else X
    mu = np.exp(Xd @ model.coef_ + model.intercept_)
    grad = Xd.T @ (sw * (mu - y))
    w = model.coef_
    deriv = penalty_derivative_reference(np.abs(w), model.penalty, model.alpha,
                                         model.gamma)
    viol = np.where(w == 0, np.maximum(np.abs(grad) - model.alpha, 0),
                    np.abs(grad + np.sign(w) * deriv))
    return viol.max(), abs(np.sum(sw * (mu - y)))


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("penalty", ["mcp", "scad", "l1"])
def test_vanishing_alpha_is_the_unpenalised_poisson_regressor(penalty, dtype,
                                                              sparse):
    X, y, sw = _counts()
    ref = PoissonRegressor(alpha=0, solver="newton-cholesky", tol=1e-12,
                           max_iter=1000).fit(X, y, sample_weight=sw)
    Xf = X.astype(dtype)
    if sparse:
        Xf = sp.csr_matrix(Xf)
    model = NonconvexPoissonRegression(alpha=1e-12, penalty=penalty,
                                       tol=1e-10).fit(Xf, y, sample_weight=sw)
    atol = 1e-8 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=atol)
    assert model.intercept_ == pytest.approx(ref.intercept_, abs=atol)
    assert model.coef_.dtype == dtype
    assert model.score(X, y, sw) == pytest.approx(ref.score(X, y, sw), abs=1e-6)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("penalty", ["mcp", "scad", "l1"])
def test_kkt_at_the_solution(penalty, sparse, weighted):
    X, y, sw = _counts(n=200, p=30, seed=1)
    sw = sw if weighted else np.ones_like(y)
    Xf = sp.csc_matrix(np.where(np.abs(X) > 0.3, X, 0)) if sparse else X
    model = NonconvexPoissonRegression(alpha=0.05, penalty=penalty, tol=1e-8)
    model.fit(Xf, y, sample_weight=sw if weighted else None)
    viol, grad_b = _poisson_kkt(Xf, y, sw, model)
    # tol is relative to the column spread times the mean count
    assert viol <= 1e-6 and grad_b <= 1e-6
    assert 0 < np.count_nonzero(model.coef_) < 30


def test_l1_matches_cvxpy():
    cp = pytest.importorskip("cvxpy")
    X, y, sw = _counts(n=80, p=6, seed=2)
    sw_n = sw / sw.sum()
    alpha = 0.03
    w, b = cp.Variable(6), cp.Variable()
    eta = X @ w + b
    objective = cp.sum(cp.multiply(sw_n, cp.exp(eta) - cp.multiply(y, eta)))
    problem = cp.Problem(cp.Minimize(objective + alpha * cp.norm1(w)))
    problem.solve(solver=cp.CLARABEL)
    model = NonconvexPoissonRegression(alpha=alpha, penalty="l1", tol=1e-10)
    model.fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(model.coef_, w.value, atol=1e-5)
    assert model.intercept_ == pytest.approx(float(b.value), abs=1e-5)


def test_score_is_scikit_learns_d2_and_predict_the_mean():
    X, y, sw = _counts(seed=3)
    model = NonconvexPoissonRegression(alpha=0.05).fit(X, y)
    mu = model.predict(X)
    np.testing.assert_allclose(mu, np.exp(X @ model.coef_ + model.intercept_))
    assert model.score(X, y) == pytest.approx(d2_tweedie_score(y, mu, power=1))
    assert model.score(X, y, sw) == pytest.approx(
        d2_tweedie_score(y, mu, power=1, sample_weight=sw))


def test_target_checks():
    X, y, _ = _counts(n=50, p=3)
    with pytest.raises(ValueError, match="y must be non-negative"):
        NonconvexPoissonRegression().fit(X, y - 1)
    with pytest.raises(ValueError, match="y must be non-negative"):
        nonconvex_path(X, -y, loss="poisson")
    with pytest.raises(ValueError, match="y must be non-negative"):
        NonconvexPoissonRegressionCV(alphas=3, cv=2).fit(X, -y)
    # rates are allowed, and scale the mean: w unchanged, b shifted
    rates = NonconvexPoissonRegression(alpha=0.0, tol=1e-10).fit(X, y / 4)
    counts = NonconvexPoissonRegression(alpha=0.0, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(rates.coef_, counts.coef_, atol=1e-7)
    assert rates.intercept_ == pytest.approx(counts.intercept_ - np.log(4))
    # counts of zeros: the null model at a vanishing mean, no warning
    zero = NonconvexPoissonRegression().fit(X, np.zeros(50))
    assert not zero.coef_.any() and np.isfinite(zero.intercept_)
    assert np.all(zero.predict(X) < 1e-30)


@pytest.mark.parametrize("solver", ["apg", "pgd"])
def test_gradient_solvers_are_refused(solver):
    X, y, _ = _counts(n=40, p=3)
    with pytest.raises(InvalidParameterError, match="solver"):
        NonconvexPoissonRegression(solver=solver).fit(X, y)
    with pytest.raises(ValueError, match="solver='cd'"):
        nonconvex_path(X, y, loss="poisson", solver=solver)


def test_path_starts_at_alpha_max():
    X, y, sw = _counts(seed=4)
    alphas, coefs, intercepts, _ = nonconvex_path(
        X, y, loss="poisson", sample_weight=sw, alphas=10, return_intercept=True,
        tol=1e-8)
    sw_n = sw / sw.sum()
    mu0 = sw_n @ y
    top = np.abs(X.T @ (sw_n * (mu0 - y))).max()
    assert alphas[0] == pytest.approx(top)
    assert not coefs[:, 0].any() and intercepts[0] == pytest.approx(np.log(mu0))
    assert coefs[:, 1].any()
    # each path point is the single fit at its alpha
    single = NonconvexPoissonRegression(alpha=alphas[5], tol=1e-8).fit(
        X, y, sample_weight=sw)
    np.testing.assert_allclose(coefs[:, 5], single.coef_, atol=1e-6)


def test_cv_selects_the_support_and_weights_the_deviance():
    X, y, sw = _counts(n=300, p=12, seed=5)
    cv = NonconvexPoissonRegressionCV(alphas=15, cv=3).fit(X, y)
    assert cv.deviance_path_.shape == (1, 15, 3)
    assert np.flatnonzero(cv.coef_)[:2].tolist() == [0, 1]
    refit = NonconvexPoissonRegression(alpha=cv.alpha_).fit(X, y)
    np.testing.assert_array_equal(cv.coef_, refit.coef_)
    # integer weights are repeated rows
    k = np.random.default_rng(0).integers(0, 3, y.size)
    folds = [(np.flatnonzero(np.arange(y.size) % 3 != f),
              np.flatnonzero(np.arange(y.size) % 3 == f)) for f in range(3)]
    rep = np.repeat(np.arange(y.size), k)
    pos = np.cumsum(k) - k
    rep_folds = [(np.concatenate([pos[i] + np.arange(k[i]) for i in tr]).astype(int),
                  np.concatenate([pos[i] + np.arange(k[i]) for i in te]).astype(int))
                 for tr, te in folds]
    weighted = NonconvexPoissonRegressionCV(alphas=6, cv=folds).fit(
        X, y, sample_weight=k)
    repeated = NonconvexPoissonRegressionCV(alphas=6, cv=rep_folds).fit(X[rep], y[rep])
    np.testing.assert_allclose(weighted.deviance_path_, repeated.deviance_path_,
                               rtol=1e-6)
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-7)


# --------------------------------------------------------------------------
# separation and saturation


def _separable():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 5))
    return X, (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)


def _zero_counts():
    """Counts that feature 0 fits exactly: zeros where it is 1, and one
    constant count elsewhere; a mean tending to zero on the zeros drives the
    deviance to zero (the Poisson form of separation)."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 4))
    y = np.full(200, 3.0)
    X[:, 0] = 0.0
    X[:80, 0] = 1.0
    y[:80] = 0
    return X, y


@pytest.mark.parametrize("penalty", ["mcp", "scad"])
def test_a_separable_logistic_fit_warns_fast_and_stays_finite(penalty):
    X, y = _separable()
    with pytest.warns(ConvergenceWarning, match="model saturated") as record:
        model = NonconvexLogisticRegression(alpha=0.01, penalty=penalty).fit(X, y)
    assert len(record) == 1
    assert np.all(np.isfinite(model.coef_)) and model.n_iter_ < 20


@pytest.mark.parametrize("penalty", ["mcp", "scad"])
def test_a_saturated_poisson_fit_warns_fast_and_stays_finite(penalty):
    X, y = _zero_counts()
    with pytest.warns(ConvergenceWarning, match="model saturated") as record:
        model = NonconvexPoissonRegression(alpha=0.005, penalty=penalty).fit(X, y)
    assert len(record) == 1
    assert np.all(np.isfinite(model.coef_)) and model.coef_[0] < -5
    assert model.n_iter_ < 60


@pytest.mark.parametrize("loss, data", [("log_loss", _separable),
                                        ("poisson", _zero_counts)])
def test_a_saturated_path_returns_its_fitted_prefix(loss, data):
    X, y = data()
    with pytest.warns(ConvergenceWarning, match="model saturated") as record:
        alphas, coefs, crits = nonconvex_path(X, y, loss=loss, alphas=30)
    assert len(record) == 1
    assert 1 < alphas.size < 30 and coefs.shape == (X.shape[1], alphas.size)
    assert np.all(np.isfinite(coefs)) and np.all(crits[:-1] <= 1e-4)
    # the prefix is the path of those alphas
    full_grid = nonconvex_path(X, y, loss=loss, alphas=alphas[:-1])
    np.testing.assert_array_equal(full_grid[1], coefs[:, :-1])


@pytest.mark.parametrize("loss, data", [("log_loss", _separable),
                                        ("poisson", _zero_counts)])
def test_l1_has_a_minimiser_and_does_not_warn(loss, data):
    X, y = data()
    alphas, coefs, crits = nonconvex_path(X, y, loss=loss, penalty="l1",
                                          alphas=10, eps=0.05)
    assert alphas.size == 10 and np.all(crits <= 1e-4)


def test_non_separable_paths_are_complete_and_silent():
    X, y, sw = _counts(seed=6)
    alphas, coefs, crits = nonconvex_path(X, y, loss="poisson", alphas=20,
                                          sample_weight=sw)
    assert alphas.size == 20 and np.all(crits <= 1e-4)
    rng = np.random.default_rng(0)
    labels = (X[:, 0] + rng.standard_normal(y.size) > 0).astype(int)
    alphas, coefs, crits = nonconvex_path(X, labels, loss="log_loss", alphas=20)
    assert alphas.size == 20 and np.all(crits <= 1e-4)


def test_a_saturated_fit_is_fast():
    X, y = _separable()
    start = time.process_time()
    with pytest.warns(ConvergenceWarning, match="model saturated"):
        NonconvexLogisticRegression(alpha=1e-3, max_iter=1000).fit(X, y)
    # a fraction of a second, not max_iter Newton steps (a coarse bound:
    # the number of iterations is the real check, above)
    assert time.process_time() - start < 5


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("penalty", ["mcp", "scad", "l1"])
def test_ridge_only_is_scikit_learns_poisson_regressor(penalty, sparse):
    # both minimise the weighted mean of half the deviance + alpha/2 ||w||^2
    X, y, sw = _counts(seed=7)
    ref = PoissonRegressor(alpha=0.3, solver="newton-cholesky", tol=1e-12,
                           max_iter=1000).fit(X, y, sample_weight=sw)
    Xf = sp.csr_matrix(X) if sparse else X
    model = NonconvexPoissonRegression(alpha=0.3, penalty=penalty, l1_ratio=0.0,
                                       tol=1e-10).fit(Xf, y, sample_weight=sw)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-6)
    assert model.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)


def test_zero_penalty_weight_enters_from_the_top_of_the_path():
    X, y, sw = _counts(seed=8)
    weights = np.ones(X.shape[1])
    weights[1] = 0.0
    alphas, coefs, _ = nonconvex_path(X, y, loss="poisson", alphas=5,
                                      penalty_weights=weights, tol=1e-8)
    assert coefs[1, 0] != 0 and not np.delete(coefs[:, 0], 1).any()
    model = NonconvexPoissonRegression(alpha=alphas[0], penalty_weights=weights,
                                       tol=1e-8).fit(X, y)
    np.testing.assert_allclose(model.coef_, coefs[:, 0], atol=1e-6)
    with pytest.raises(ValueError, match="penalty_weights"):
        NonconvexPoissonRegression(penalty_weights=-weights).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        NonconvexPoissonRegression(l1_ratio=1.5).fit(X, y)


def test_float32_path_of_large_counts_converges():
    # counts of a few hundred: the objective the step rule compares is
    # summed in float64 (in float32 the y log y constant hid the decreases)
    X, y, _ = _counts(n=60, p=10, seed=9, scale=100.0)
    for dtype in (np.float64, np.float32):
        alphas, coefs, crits = nonconvex_path(X.astype(dtype), y, loss="poisson",
                                              alphas=30, eps=1e-2)
        assert alphas.size == 30 and np.all(crits <= 1e-4)


def test_large_margins_of_non_separable_labels_are_no_saturation():
    # n = 5 p with noisy labels: not separable, the MCP fit has a minimiser
    # whose margins exceed 36 (fitted probabilities at 0 or 1 in double
    # precision); it must converge without the saturation warning
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((2000, 400)))
    y = (X[:, :50] @ rng.standard_normal(50) + 3 * rng.standard_normal(2000)
         > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = NonconvexLogisticRegression(alpha=1e-4).fit(X, y)
    eta = X @ model.coef_.ravel() + model.intercept_
    assert np.abs(eta).max() > 36
    assert model.stop_crit_ <= model.tol
