import numpy as np
import pytest
from sklearn.model_selection import KFold

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import (
    NonconvexLasso,
    NonconvexLassoCV,
    NonconvexLogisticRegression,
    NonconvexLogisticRegressionCV,
    nonconvex_path,
)


@pytest.fixture
def data():
    X, y, coef = make_sparse_regression(90, 40, 4, snr=10, random_state=2)
    return X, y, coef


def test_mse_path_matches_an_independent_recomputation(data):
    X, y, _ = data
    cv = KFold(3)
    model = NonconvexLassoCV(alphas=12, cv=cv, tol=1e-8).fit(X, y)
    expected = np.empty((12, 3))
    for f, (train, test) in enumerate(cv.split(X)):
        _, coefs, intercepts, _ = nonconvex_path(
            X[train], y[train], alphas=model.alphas_, tol=1e-8, return_intercept=True)
        pred = X[test] @ coefs + intercepts
        expected[:, f] = ((y[test][:, None] - pred) ** 2).mean(axis=0)
    assert model.mse_path_.shape == (1, 12, 3)
    np.testing.assert_allclose(model.mse_path_[0], expected, rtol=1e-6, atol=1e-10)
    best = np.argmin(expected.mean(axis=1))
    assert model.alpha_ == model.alphas_[best]
    refit = NonconvexLasso(alpha=model.alpha_, tol=1e-8).fit(X, y)
    np.testing.assert_allclose(model.coef_, refit.coef_)
    # the refit's solver attributes are kept
    assert model.n_iter_ == refit.n_iter_
    assert model.stop_crit_ == pytest.approx(refit.stop_crit_)
    assert model.dual_gap_ is None and refit.dual_gap_ is None


def test_gamma_grid_and_parallel_folds_agree_with_sequential(data):
    X, y, _ = data
    kwargs = dict(gamma=[1.5, 3.0, 10.0], alphas=8, cv=3)
    seq = NonconvexLassoCV(**kwargs, n_jobs=1).fit(X, y)
    par = NonconvexLassoCV(**kwargs, n_jobs=2).fit(X, y)
    assert seq.mse_path_.shape == (3, 8, 3)
    np.testing.assert_array_equal(seq.mse_path_, par.mse_path_)
    assert seq.gamma_ in (1.5, 3.0, 10.0)
    g, a = np.unravel_index(np.argmin(seq.mse_path_.mean(axis=2)), (3, 8))
    assert (seq.gamma_, seq.alpha_) == (kwargs["gamma"][g], seq.alphas_[a])


def test_cv_selects_the_true_support(data):
    X, y, coef = data
    model = NonconvexLassoCV(cv=5, alphas=30).fit(X, y)
    selected = set(np.flatnonzero(model.coef_))
    assert set(np.flatnonzero(coef)) <= selected
    assert len(selected) <= 2 * np.count_nonzero(coef)


@pytest.mark.parametrize("scoring", ["neg_log_loss", "accuracy", "roc_auc"])
def test_logistic_cv(scoring):
    X, y, _ = make_sparse_regression(150, 20, 3, snr=5, task="classification",
                                     random_state=0)
    labels = np.where(y > 0, "yes", "no")
    model = NonconvexLogisticRegressionCV(alphas=6, cv=3, scoring=scoring).fit(
        X, labels)
    assert model.scores_.shape == (1, 6, 3)
    assert list(model.classes_) == ["no", "yes"]
    refit = NonconvexLogisticRegression(alpha=model.alpha_).fit(X, labels)
    np.testing.assert_allclose(model.coef_, refit.coef_)
    assert model.n_iter_ == refit.n_iter_
    assert model.stop_crit_ == pytest.approx(refit.stop_crit_)
    assert model.coef_.shape == (1, X.shape[1]) and model.intercept_.shape == (1,)
    assert model.decision_function(X).shape == (X.shape[0],)
    assert model.score(X, labels) > 0.7


@pytest.mark.parametrize(
    "params, match",
    [
        ({"cv": 500}, "n_splits"),
        ({"alphas": []}, "non-empty"),
        ({"alphas": [-1.0]}, "non-negative"),
        ({"gamma": [3.0, 0.5]}, "gamma"),
    ],
)
def test_bad_cv_parameters(data, params, match):
    X, y, _ = data
    with pytest.raises(ValueError, match=match):
        NonconvexLassoCV(**params).fit(X, y)
