import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import NonconvexLasso
from tests.linear_model._reference import kkt_violation_reference


@pytest.fixture
def data():
    X, y, coef = make_sparse_regression(80, 120, 6, rho=0.4, random_state=3)
    return X, y + 2.0, coef


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_l1_reproduces_sklearn_lasso(data, fit_intercept, sparse, weighted):
    X, y, _ = data
    rng = np.random.default_rng(0)
    sw = rng.uniform(0.2, 3, size=X.shape[0]) if weighted else None
    Xfit = sp.csc_matrix(X) if sparse else X
    ours = NonconvexLasso(alpha=0.05, penalty="l1", fit_intercept=fit_intercept,
                          tol=1e-12, max_iter=1000).fit(Xfit, y, sample_weight=sw)
    ref = Lasso(alpha=0.05, fit_intercept=fit_intercept, tol=1e-14,
                max_iter=100_000).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)
    assert ours.dual_gap_ >= -1e-12


@pytest.mark.parametrize("penalty", ["mcp", "scad", "l1"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_solution_satisfies_coordinatewise_optimality(data, penalty, sparse, positive):
    X, y, _ = data
    rng = np.random.default_rng(1)
    sw = rng.uniform(0.5, 2, size=X.shape[0])
    Xfit = sp.csc_matrix(X) if sparse else X
    model = NonconvexLasso(alpha=0.08, penalty=penalty, gamma=2.5, tol=1e-9,
                           positive=positive, max_iter=1000).fit(Xfit, y, sample_weight=sw)
    if positive:
        assert model.coef_.min() >= 0
        # with w >= 0, at w_j = 0 only -grad_j <= alpha is required
        sww = sw / sw.sum()
        r = y - X @ model.coef_ - model.intercept_
        grad = -(X.T @ (sww * r))
        zero = model.coef_ == 0
        assert np.all(-grad[zero] <= model.alpha + 1e-8)
        assert model.stop_crit_ <= 1e-9
        return
    viol, intercept_grad = kkt_violation_reference(X, y, sw, model)
    assert viol <= 1e-8
    assert intercept_grad <= 1e-10
    assert model.stop_crit_ == pytest.approx(viol, abs=1e-8)


def test_mcp_with_large_gamma_approaches_the_lasso(data):
    X, y, _ = data
    lasso = NonconvexLasso(alpha=0.05, penalty="l1", tol=1e-10).fit(X, y)
    errors = []
    for gamma in [10.0, 1e2, 1e4]:
        mcp = NonconvexLasso(alpha=0.05, penalty="mcp", gamma=gamma, tol=1e-10).fit(X, y)
        errors.append(np.abs(mcp.coef_ - lasso.coef_).max())
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 1e-3


def test_mcp_recovers_support_where_lasso_overselects():
    X, y, coef = make_sparse_regression(400, 400, 8, rho=0.5, snr=10, random_state=0)
    # at the same alpha, the Lasso keeps false positives that MCP drops
    mcp = NonconvexLasso(alpha=0.2, penalty="mcp").fit(X, y)
    lasso = NonconvexLasso(alpha=0.2, penalty="l1").fit(X, y)
    assert set(np.flatnonzero(mcp.coef_)) == set(np.flatnonzero(coef))
    assert np.count_nonzero(lasso.coef_) > np.count_nonzero(coef)
    # MCP does not shrink large coefficients: it is far closer than the
    # Lasso to the oracle least squares on the true support
    support = np.flatnonzero(coef)
    Xs = X[:, support] - X[:, support].mean(0)
    oracle = np.linalg.lstsq(Xs, y - y.mean(), rcond=None)[0]
    mcp_bias = np.abs(mcp.coef_[support] - oracle).max()
    lasso_bias = np.abs(lasso.coef_[support] - oracle).max()
    assert mcp_bias < 0.3 * lasso_bias


@pytest.mark.parametrize("penalty", ["l1", "mcp", "scad"])
def test_float32_input_gives_float32_output_close_to_float64(data, penalty):
    X, y, _ = data
    m64 = NonconvexLasso(alpha=0.1, penalty=penalty, tol=1e-8).fit(X, y)
    m32 = NonconvexLasso(alpha=0.1, penalty=penalty, tol=1e-4).fit(
        X.astype(np.float32), y.astype(np.float32))
    assert m32.coef_.dtype == np.float32
    assert m32.predict(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(m32.coef_, m64.coef_, atol=2e-3)


def test_sample_weights_equal_to_repeating_rows(data):
    X, y, _ = data
    reps = np.arange(X.shape[0]) % 3
    weighted = NonconvexLasso(alpha=0.1, tol=1e-10).fit(X, y, sample_weight=reps)
    repeated = NonconvexLasso(alpha=0.1, tol=1e-10).fit(
        np.repeat(X, reps, axis=0), np.repeat(y, reps))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-8)
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, abs=1e-8)


def test_constant_and_zero_columns_keep_zero_coefficients(data):
    X, y, _ = data
    X = X.copy(order="F")
    X[:, 0] = 3.0
    X[:, 1] = 0.0
    for fit_intercept in (True, False):
        model = NonconvexLasso(alpha=0.05, fit_intercept=fit_intercept).fit(X, y)
        assert model.coef_[1] == 0
        if fit_intercept:
            assert model.coef_[0] == 0
        assert np.all(np.isfinite(model.coef_))


def test_caller_arrays_are_not_modified(data):
    X, y, _ = data
    sw = np.ones(X.shape[0])
    Xs = sp.csc_matrix(X)
    copies = X.copy(), y.copy(), sw.copy(), Xs.data.copy()
    NonconvexLasso(alpha=0.1).fit(X, y, sample_weight=sw)
    NonconvexLasso(alpha=0.1).fit(Xs, y)
    for before, after in zip(copies, (X, y, sw, Xs.data)):
        np.testing.assert_array_equal(before, after)


def test_read_only_and_c_ordered_inputs(data):
    X, y, _ = data
    Xc = np.ascontiguousarray(X)
    Xc.setflags(write=False)
    y_ro = y.copy()
    y_ro.setflags(write=False)
    a = NonconvexLasso(alpha=0.1).fit(Xc, y_ro)
    b = NonconvexLasso(alpha=0.1).fit(np.asfortranarray(X), y)
    np.testing.assert_allclose(a.coef_, b.coef_)


def test_warm_start_restarts_from_previous_solution(data):
    X, y, _ = data
    model = NonconvexLasso(alpha=0.1, warm_start=True, tol=1e-8).fit(X, y)
    first = model.n_iter_
    model.fit(X, y)
    assert model.n_iter_ == 0 < first


def test_convergence_warning_when_max_iter_is_reached(data):
    X, y, _ = data
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = NonconvexLasso(alpha=0.01, max_iter=1, tol=1e-12).fit(X, y)
    assert model.n_iter_ == 1


def test_fit_twice_is_deterministic(data):
    X, y, _ = data
    a = NonconvexLasso(alpha=0.05, penalty="scad").fit(X, y).coef_
    b = NonconvexLasso(alpha=0.05, penalty="scad").fit(X, y).coef_
    np.testing.assert_array_equal(a, b)


def test_single_sample_and_constant_target_give_finite_results(data):
    X, y, _ = data
    one = NonconvexLasso(alpha=0.1).fit(X[:1], y[:1])
    assert np.all(one.coef_ == 0) and one.intercept_ == pytest.approx(y[0])
    const = NonconvexLasso(alpha=0.1).fit(X, np.full(X.shape[0], 4.0))
    assert np.all(const.coef_ == 0) and const.intercept_ == pytest.approx(4.0)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"gamma": 1.0}, "gamma"),
        ({"penalty": "scad", "gamma": 2.0}, "gamma"),
        ({"alpha": -1.0}, "alpha"),
        ({"alpha": np.nan}, "alpha"),
        ({"tol": 0.0}, "tol"),
        ({"max_iter": 0}, "max_iter"),
        ({"penalty": "lasso"}, "penalty"),
        ({"alpha": "big"}, "alpha"),
    ],
)
def test_invalid_hyperparameters_raise_before_any_work(data, params, match):
    X, y, _ = data
    with pytest.raises(ValueError, match=match):
        NonconvexLasso(**params).fit(X, y)


@pytest.mark.parametrize(
    "make_input, exc, match",
    [
        (lambda X, y: (np.where(X > 1, np.nan, X), y), ValueError, "NaN"),
        (lambda X, y: (X, np.where(y > 1, np.inf, y)), ValueError, "infinity"),
        (lambda X, y: (X[:0], y[:0]), ValueError, "0 sample"),
        (lambda X, y: (X, y[:-1]), ValueError, "inconsistent numbers of samples"),
        (lambda X, y: (X[:, :, None], y), ValueError, "dim"),
        (lambda X, y: (X + 1j, y), ValueError, "omplex"),
        (lambda X, y: (np.full(X.shape, "abc", dtype=object), y), ValueError, "convert"),
    ],
)
def test_bad_data_raises_clear_errors(data, make_input, exc, match):
    X, y, _ = data
    Xb, yb = make_input(X, y)
    with pytest.raises(exc, match=match):
        NonconvexLasso().fit(Xb, yb)


@pytest.mark.parametrize(
    "sw, match",
    [
        (-np.ones(80), "non-negative"),
        (np.zeros(80), "positive sum"),
        (np.ones(79), "shape"),
        (np.full(80, np.nan), "finite"),
    ],
)
def test_bad_sample_weights(data, sw, match):
    X, y, _ = data
    with pytest.raises(ValueError, match=match):
        NonconvexLasso().fit(X, y, sample_weight=sw)


def test_no_warning_on_well_posed_fit(data):
    X, y, _ = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        NonconvexLasso(alpha=0.1, penalty="scad").fit(X, y)


@pytest.mark.parametrize("estimator", [NonconvexLasso(), NonconvexLasso(penalty="l1")])
def test_values_too_large_for_the_dtype_raise_clear_errors(data, estimator):
    X, y, _ = data
    with pytest.raises(ValueError, match="X has values too large"):
        estimator.fit(X * 1e300, y)
    with pytest.raises(ValueError, match="y has values too large"):
        estimator.fit(X.astype(np.float32), y * 1e300)


def test_float32_at_large_scale_converges_to_the_float64_solution():
    # the KKT tolerance is floored at what float32 rounding can reach
    rng = np.random.default_rng(69)
    X = rng.standard_normal((30, 6)) * 1e6
    y = X @ np.array([1e-6, 0, 0, 2e-6, 0, 0]) + 0.1 * rng.standard_normal(30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m32 = NonconvexLasso(alpha=0.05).fit(X.astype(np.float32), y.astype(np.float32))
    m64 = NonconvexLasso(alpha=0.05).fit(X, y)
    assert np.all(np.isfinite(m32.coef_))
    np.testing.assert_allclose(m32.coef_, m64.coef_, rtol=1e-3, atol=1e-9)


def test_verbose_reports_the_solve(data, capsys):
    X, y, _ = data
    NonconvexLasso(alpha=0.1, penalty="l1", verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "KKT violation" in out and "duality gap" in out
