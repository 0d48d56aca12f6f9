import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import NonconvexLogisticRegression
from tests.linear_model._reference import penalty_derivative_reference


@pytest.fixture
def data():
    X, y, _ = make_sparse_regression(200, 40, 5, snr=3, task="classification",
                                     random_state=1)
    return X, y


def objective(model, X, y01, sw):
    eta = X @ model.coef_[0] + model.intercept_[0]
    loss = np.logaddexp(0, eta) - y01 * eta
    t = np.abs(model.coef_[0])
    a, g = model.alpha, model.gamma
    if model.penalty == "l1":
        pen = a * t
    elif model.penalty == "mcp":
        pen = np.where(t <= g * a, a * t - t**2 / (2 * g), g * a**2 / 2)
    else:
        pen = np.where(t <= a, a * t, np.where(
            t <= g * a, (2 * g * a * t - t**2 - a**2) / (2 * (g - 1)),
            a**2 * (g + 1) / 2))
    return sw @ loss / sw.sum() + pen.sum()


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_l1_reproduces_sklearn_logistic_regression(data, fit_intercept):
    X, y = data
    alpha = 0.02
    ours = NonconvexLogisticRegression(alpha=alpha, penalty="l1", tol=1e-10,
                                       fit_intercept=fit_intercept).fit(X, y)
    C = 1 / (X.shape[0] * alpha)
    if fit_intercept:
        # saga leaves the intercept unpenalised, as we do
        ref = LogisticRegression(l1_ratio=1, C=C, solver="saga", tol=1e-12,
                                 max_iter=100_000).fit(X, y)
    else:
        # liblinear cannot reach tol=1e-12 (it warns); at 1e-10 it converges
        # and agrees with ours to 2e-10
        ref = LogisticRegression(l1_ratio=1, C=C, solver="liblinear", tol=1e-10,
                                 max_iter=100_000, fit_intercept=False).fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape == (1, X.shape[1])
    assert ours.intercept_.shape == (1,)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    # liblinear stores a scalar 0.0 without intercept, saga an array of shape (1,)
    np.testing.assert_allclose(ours.intercept_, np.ravel(ref.intercept_), atol=1e-5)


@pytest.mark.parametrize("penalty", ["mcp", "scad", "l1"])
@pytest.mark.parametrize("sparse", [False, True])
def test_solution_is_stationary(data, penalty, sparse):
    X, y = data
    sw = np.random.default_rng(0).uniform(0.5, 2, X.shape[0])
    model = NonconvexLogisticRegression(alpha=0.03, penalty=penalty, gamma=2.5,
                                        tol=1e-9).fit(
        sp.csc_matrix(X) if sparse else X, y, sample_weight=sw)
    swn = sw / sw.sum()
    w = model.coef_[0]
    resid = swn * (expit(X @ w + model.intercept_[0]) - y)
    grad = X.T @ resid
    deriv = penalty_derivative_reference(np.abs(w), penalty, 0.03, 2.5)
    viol = np.where(w == 0, np.maximum(np.abs(grad) - 0.03, 0),
                    np.abs(grad + np.sign(w) * deriv))
    assert viol.max() <= 1e-8
    assert abs(resid.sum()) <= 1e-8


def test_descent_from_the_null_model_and_agreement_in_the_convex_case(data):
    X, y = data
    sw = np.ones(X.shape[0])
    for penalty in ("mcp", "scad", "l1"):
        cd = NonconvexLogisticRegression(alpha=0.03, penalty=penalty, tol=1e-8).fit(X, y)
        # the line search only accepts decreasing steps from the start point
        # (w = 0 and the best intercept), so the end is strictly better
        start = NonconvexLogisticRegression(alpha=0.03, penalty=penalty, max_iter=1)
        start.coef_ = np.zeros((1, X.shape[1]))
        p = y.mean()
        start.intercept_ = np.array([np.log(p / (1 - p))])
        assert objective(cd, X, y, sw) < objective(start, X, y, sw)
    # with a convex objective every solver finds the same minimiser
    cd = NonconvexLogisticRegression(alpha=0.03, penalty="l1", tol=1e-9).fit(X, y)
    pgd = NonconvexLogisticRegression(alpha=0.03, penalty="l1", tol=1e-9,
                                      solver="pgd").fit(X, y)
    np.testing.assert_allclose(cd.coef_, pgd.coef_, atol=1e-6)


def test_string_labels_and_probabilities(data):
    X, y = data
    labels = np.where(y > 0, "spam", "ham")
    model = NonconvexLogisticRegression(alpha=0.02).fit(X, labels)
    assert list(model.classes_) == ["ham", "spam"]
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(model.predict(X),
                                  np.where(proba[:, 1] > 0.5, "spam", "ham"))
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), proba)
    assert model.score(X, labels) > 0.8


def test_sample_weight_equals_repetition(data):
    X, y = data
    reps = np.arange(X.shape[0]) % 3
    a = NonconvexLogisticRegression(alpha=0.02, tol=1e-10).fit(X, y, sample_weight=reps)
    b = NonconvexLogisticRegression(alpha=0.02, tol=1e-10).fit(
        np.repeat(X, reps, axis=0), np.repeat(y, reps))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)


def test_float32(data):
    X, y = data
    m = NonconvexLogisticRegression(alpha=0.02, tol=1e-5).fit(X.astype(np.float32), y)
    assert m.coef_.dtype == np.float32
    ref = NonconvexLogisticRegression(alpha=0.02, tol=1e-8).fit(X, y)
    np.testing.assert_allclose(m.coef_, ref.coef_, atol=5e-3)


@pytest.mark.parametrize(
    "y_bad, match",
    [
        (np.zeros(200), "1 class"),
        (np.linspace(0, 1, 200), "Unknown label type"),
    ],
)
def test_bad_targets(data, y_bad, match):
    X, _ = data
    with pytest.raises(ValueError, match=match):
        NonconvexLogisticRegression().fit(X, y_bad)


def test_warm_start_restarts_from_previous_solution(data):
    X, y = data
    model = NonconvexLogisticRegression(alpha=0.03, warm_start=True, tol=1e-8).fit(X, y)
    first = model.n_iter_
    coef = model.coef_.copy()
    model.fit(X, y)
    assert model.n_iter_ == 0 < first
    np.testing.assert_array_equal(model.coef_, coef)


def test_verbose_reports_the_solve(data, capsys):
    X, y = data
    NonconvexLogisticRegression(alpha=0.03, verbose=1).fit(X, y)
    assert "KKT violation" in capsys.readouterr().out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binary_layout_of_coef_and_intercept(data, dtype):
    # scikit-learn's binary LogisticRegression layout; decision_function 1-D
    X, y = data
    X = X.astype(dtype)
    model = NonconvexLogisticRegression(alpha=0.02).fit(X, y)
    assert model.coef_.shape == (1, X.shape[1]) and model.coef_.dtype == dtype
    assert model.intercept_.shape == (1,) and model.intercept_.dtype == dtype
    scores = model.decision_function(X)
    assert scores.shape == (X.shape[0],)
    np.testing.assert_allclose(scores, X @ model.coef_[0] + model.intercept_[0],
                               rtol=1e-5)
    ref = LogisticRegression().fit(X, y)
    assert np.shape(ref.coef_) == model.coef_.shape
    assert np.shape(ref.intercept_) == model.intercept_.shape


def test_warm_start_from_the_binary_layout(data):
    X, y = data
    model = NonconvexLogisticRegression(alpha=0.03, tol=1e-8).fit(X, y)
    cold_iter = model.n_iter_
    # a perturbed (1, n_features) start is used: fewer steps than from zero
    model.set_params(warm_start=True)
    model.coef_ = model.coef_ * 1.01
    model.fit(X, y)
    assert 0 < model.n_iter_ < cold_iter
    assert model.coef_.shape == (1, X.shape[1])
    # a start of another shape is ignored, not broadcast
    model.coef_ = np.ones(X.shape[1])
    model.fit(X, y)
    assert model.coef_.shape == (1, X.shape[1])
