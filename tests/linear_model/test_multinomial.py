"""Multiclass NonconvexLogisticRegression(CV): the multinomial model."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler

from sparsestat.linear_model import (
    NonconvexLogisticRegression,
    NonconvexLogisticRegressionCV,
)
from tests.linear_model._reference import penalty_derivative_reference


def _data(n=240, p=12, n_classes=4, seed=0, flip_y=0.15):
    # label noise keeps the classes overlapping: MCP/SCAD solutions are bounded
    X, y = make_classification(n, p, n_informative=min(5, p), n_redundant=0,
                               n_classes=n_classes, n_clusters_per_class=1,
                               flip_y=flip_y, class_sep=1.0, random_state=seed)
    return StandardScaler().fit_transform(X), y


@pytest.fixture
def data():
    return _data()


def _penalty(t, penalty, a, g):
    if penalty == "l1":
        return a * t
    if penalty == "mcp":
        return np.where(t <= g * a, a * t - t**2 / (2 * g), g * a**2 / 2)
    return np.where(t <= a, a * t, np.where(
        t <= g * a, (2 * g * a * t - t**2 - a**2) / (2 * (g - 1)),
        a**2 * (g + 1) / 2))


def objective(W, b, X, y, sw, penalty, alpha, gamma):
    """Weighted mean multinomial loss plus the penalty, in plain numpy."""
    sw = sw / sw.sum()
    logp = log_softmax(X @ W.T + b, axis=1)
    loss = -logp[np.arange(len(y)), y]
    return sw @ loss + _penalty(np.abs(W), penalty, alpha, gamma).sum()


def kkt(model, X, y, sw):
    """Largest KKT violation over every coefficient, and the largest
    intercept gradient, recomputed from scratch."""
    sw = sw / sw.sum()
    W, b = model.coef_, model.intercept_
    Y = (y[:, None] == np.arange(W.shape[0])).astype(float)
    resid = sw[:, None] * (softmax(X @ W.T + b, axis=1) - Y)
    grad = (X.T @ resid).T
    deriv = penalty_derivative_reference(np.abs(W), model.penalty, model.alpha,
                                         model.gamma)
    viol = np.where(W == 0, np.maximum(np.abs(grad) - model.alpha, 0),
                    np.abs(grad + np.sign(W) * deriv))
    return viol.max(), np.abs(resid.sum(axis=0)).max()


def _iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("problem", ["iris", "make_classification"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_l1_reproduces_sklearn_saga(problem, fit_intercept):
    X, y = _iris() if problem == "iris" else _data(200, 8, 3, seed=3)
    alpha = 0.02
    ours = NonconvexLogisticRegression(
        alpha=alpha, penalty="l1", tol=1e-10, max_iter=1000,
        fit_intercept=fit_intercept).fit(X, y)
    # scikit-learn 1.9: l1_ratio=1 is the L1 penalty (``penalty`` is
    # deprecated), multiclass targets are always multinomial, and the data
    # term is the summed loss times C, i.e. C = 1 / (n_samples * alpha)
    ref = LogisticRegression(l1_ratio=1, C=1 / (X.shape[0] * alpha), solver="saga",
                             tol=1e-12, max_iter=1_000_000,
                             fit_intercept=fit_intercept).fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape == (3, X.shape[1])
    assert ours.intercept_.shape == (3,)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    # both normalisations: saga's intercept steps sum to zero over classes
    np.testing.assert_allclose(ours.intercept_, np.ravel(ref.intercept_), atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X),
                               atol=1e-7)


def test_l1_matches_a_convex_solver():
    cp = pytest.importorskip("cvxpy")
    X, y = _data(90, 5, 3, seed=1)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, X.shape[0])
    alpha = 0.03
    ours = NonconvexLogisticRegression(alpha=alpha, penalty="l1", tol=1e-10).fit(
        X, y, sample_weight=sw)
    s = sw / sw.sum()
    W, b = cp.Variable((3, 5)), cp.Variable(3)
    eta = X @ W.T + np.ones((X.shape[0], 1)) @ cp.reshape(b, (1, 3), order="C")
    Y = np.eye(3)[y]
    loss = s @ (cp.log_sum_exp(eta, axis=1) - cp.sum(cp.multiply(Y, eta), axis=1))
    problem = cp.Problem(cp.Minimize(loss + alpha * cp.sum(cp.abs(W))),
                         [cp.sum(b) == 0])
    problem.solve(solver=cp.CLARABEL)
    # the interior-point solution is accurate to about 1e-5 in the
    # coefficients; the objective is the sharper comparison
    assert objective(ours.coef_, ours.intercept_, X, y, sw, "l1", alpha, 3) <= (
        problem.value + 1e-9)
    np.testing.assert_allclose(ours.coef_, W.value, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, b.value, atol=1e-4)


@pytest.mark.parametrize("penalty", ["mcp", "scad", "l1"])
@pytest.mark.parametrize("sparse", [False, True])
def test_solution_is_stationary(data, penalty, sparse):
    X, y = data
    sw = np.random.default_rng(0).uniform(0.5, 2, X.shape[0])
    model = NonconvexLogisticRegression(alpha=0.03, penalty=penalty, gamma=2.5,
                                        tol=1e-9).fit(
        sp.csc_matrix(X) if sparse else X, y, sample_weight=sw)
    assert model.coef_.shape == (4, X.shape[1])
    viol, intercept_grad = kkt(model, X, y, sw)
    assert viol <= 1e-8
    assert intercept_grad <= 1e-8
    assert model.stop_crit_ <= 1e-9
    assert abs(model.intercept_.sum()) <= 1e-10


@pytest.mark.parametrize("penalty", ["mcp", "scad"])
@pytest.mark.parametrize("gamma", [3.0, 30.0])
def test_nonconvex_fit_against_brute_force(penalty, gamma):
    # 3 classes x 3 features. The fit is a local minimum: no point of a
    # brute-force cloud around it (every coefficient and intercept moved,
    # zeros included, at four scales) has a lower objective. With a nearly
    # convex penalty (gamma=30) no derivative-free search from 20 random
    # starts beats it either (with gamma=3 other basins can, as for any
    # local method on a nonconvex objective).
    X, y = _data(60, 3, 3, seed=2, flip_y=0.2)
    alpha = 0.03
    sw = np.ones(X.shape[0])
    model = NonconvexLogisticRegression(alpha=alpha, penalty=penalty, gamma=gamma,
                                        tol=1e-10).fit(X, y)
    ours = objective(model.coef_, model.intercept_, X, y, sw, penalty, alpha, gamma)
    theta = np.r_[model.coef_.ravel(), model.intercept_]
    rng = np.random.default_rng(0)
    for scale in (1e-4, 1e-3, 1e-2, 1e-1):
        for _ in range(300):
            t = theta + scale * rng.normal(size=12)
            assert objective(t[:9].reshape(3, 3), t[9:], X, y, sw, penalty, alpha,
                             gamma) >= ours - 1e-12
    if gamma < 10:
        return

    def f(t):
        return objective(t[:9].reshape(3, 3), t[9:], X, y, sw, penalty, alpha, gamma)

    best = min(
        (minimize(f, rng.normal(scale=1.5, size=12), method="Powell",
                  options={"xtol": 1e-10, "ftol": 1e-14, "maxfev": 50_000})
         for _ in range(20)),
        key=lambda res: res.fun,
    )
    assert ours <= best.fun + 1e-9


def test_predictions_and_string_labels(data):
    X, y = data
    labels = np.array(["ant", "bee", "cat", "dog"])[y]
    model = NonconvexLogisticRegression(alpha=0.02).fit(X, labels)
    assert list(model.classes_) == ["ant", "bee", "cat", "dog"]
    proba = model.predict_proba(X)
    assert proba.shape == (X.shape[0], 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(model.predict_log_proba(X), np.log(proba), atol=1e-12)
    scores = model.decision_function(X)
    assert scores.shape == (X.shape[0], 4)
    np.testing.assert_allclose(scores, X @ model.coef_.T + model.intercept_)
    np.testing.assert_array_equal(model.predict(X),
                                  model.classes_[np.argmax(scores, axis=1)])
    assert model.score(X, labels) > 0.6


def test_sample_weights_equal_repeated_rows(data):
    X, y = data
    reps = np.arange(X.shape[0]) % 3  # zeros included: those rows are dropped
    for penalty in ("mcp", "l1"):
        a = NonconvexLogisticRegression(alpha=0.02, penalty=penalty, tol=1e-10).fit(
            X, y, sample_weight=reps)
        b = NonconvexLogisticRegression(alpha=0.02, penalty=penalty, tol=1e-10).fit(
            np.repeat(X, reps, axis=0), np.repeat(y, reps))
        np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
        np.testing.assert_allclose(a.intercept_, b.intercept_, atol=1e-7)


def test_sparse_float32_and_offset_designs_agree(data):
    X, y = data
    ref = NonconvexLogisticRegression(alpha=0.02, tol=1e-9).fit(X, y)
    sparse = NonconvexLogisticRegression(alpha=0.02, tol=1e-9).fit(sp.csc_matrix(X), y)
    np.testing.assert_allclose(sparse.coef_, ref.coef_, atol=1e-8)
    f32 = NonconvexLogisticRegression(alpha=0.02, tol=1e-5).fit(X.astype(np.float32), y)
    assert f32.coef_.dtype == f32.intercept_.dtype == np.float32
    np.testing.assert_allclose(f32.coef_, ref.coef_, atol=5e-3)
    # an offset too large for implicit centring: solved on a centred copy,
    # with the intercepts mapped back to the original columns
    shifted = NonconvexLogisticRegression(alpha=0.02, tol=1e-9).fit(X + 1e6, y)
    np.testing.assert_allclose(shifted.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(shifted.predict_proba(X + 1e6), ref.predict_proba(X),
                               atol=1e-6)


def test_without_intercept_and_alpha_max(data):
    X, y = data
    model = NonconvexLogisticRegression(alpha=0.02, fit_intercept=False,
                                        tol=1e-9).fit(X, y)
    np.testing.assert_array_equal(model.intercept_, 0.0)
    assert kkt(model, X, y, np.ones(len(y)))[0] <= 1e-8
    # the largest null gradient: zero coefficients at it, not below it
    Y = np.eye(4)[y]
    p = Y.mean(axis=0)
    grad = X.T @ ((p - Y) / len(y))
    top = np.abs(grad).max()
    assert not NonconvexLogisticRegression(alpha=top * 1.0001).fit(X, y).coef_.any()
    assert NonconvexLogisticRegression(alpha=top * 0.95).fit(X, y).coef_.any()


def test_two_classes_keep_the_binary_model(data):
    X, y = data
    y2 = (y > 1).astype(int)
    model = NonconvexLogisticRegression(alpha=0.02).fit(X, y2)
    assert model.coef_.shape == (1, X.shape[1])
    assert model.intercept_.shape == (1,)
    assert model.decision_function(X).shape == (X.shape[0],)
    assert model.predict_proba(X).shape == (X.shape[0], 2)


def test_warm_start_verbose_and_convergence_warning(data, capsys):
    X, y = data
    model = NonconvexLogisticRegression(alpha=0.03, warm_start=True, tol=1e-8,
                                        verbose=1).fit(X, y)
    first, coef = model.n_iter_, model.coef_.copy()
    assert "multinomial" in capsys.readouterr().out
    model.fit(X, y)
    assert model.n_iter_ == 0 < first
    np.testing.assert_array_equal(model.coef_, coef)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        NonconvexLogisticRegression(alpha=0.001, max_iter=1, tol=1e-12).fit(X, y)


@pytest.mark.parametrize(
    "y_bad, match",
    [
        (np.zeros(240), "1 class"),
        (np.r_[np.arange(239) % 3, 3], "has 1 sample"),
    ],
)
def test_bad_targets(data, y_bad, match):
    X, _ = data
    with pytest.raises(ValueError, match=match):
        NonconvexLogisticRegression().fit(X, y_bad)


def test_class_without_weight_is_refused(data):
    X, y = data
    sw = np.where(y == 2, 0.0, 1.0)
    with pytest.raises(ValueError, match="zero total sample_weight"):
        NonconvexLogisticRegression().fit(X, y, sample_weight=sw)


@pytest.mark.parametrize("solver", ["apg", "pgd"])
def test_gradient_solvers_refuse_multiclass(data, solver):
    X, y = data
    with pytest.raises(ValueError, match="solver='cd'"):
        NonconvexLogisticRegression(solver=solver).fit(X, y)
    with pytest.raises(ValueError, match="solver='cd'"):
        NonconvexLogisticRegressionCV(solver=solver, alphas=3, cv=2).fit(X, y)


@pytest.mark.parametrize("scoring", ["neg_log_loss", "accuracy"])
def test_cv_selects_and_refits(data, scoring):
    X, y = data
    cv = NonconvexLogisticRegressionCV(alphas=8, cv=3, scoring=scoring).fit(X, y)
    assert cv.scores_.shape == (1, 8, 3)
    assert cv.coef_.shape == (4, X.shape[1]) and cv.intercept_.shape == (4,)
    mean = cv.scores_.mean(axis=2)[0]
    assert cv.alpha_ == cv.alphas_[np.argmax(mean)]
    refit = NonconvexLogisticRegression(alpha=cv.alpha_).fit(X, y)
    np.testing.assert_array_equal(cv.coef_, refit.coef_)
    np.testing.assert_allclose(cv.predict_proba(X).sum(axis=1), 1.0)
    # the first alpha of the automatic grid gives the null model
    assert not NonconvexLogisticRegression(alpha=cv.alphas_[0]).fit(X, y).coef_.any()
    if scoring == "accuracy":
        assert np.all((0 <= cv.scores_) & (cv.scores_ <= 1))
    else:
        assert np.all(cv.scores_ < 0)


def test_cv_scores_recomputed_from_fold_fits(data):
    X, y = data
    folds = list(GroupKFold(3).split(X, y, groups=np.arange(len(y)) % 5))
    alphas = [0.05, 0.02]
    # L1: the path's warm starts and a cold fit reach the same minimiser
    # (with MCP they may stop at different stationary points)
    cv = NonconvexLogisticRegressionCV(penalty="l1", alphas=alphas, cv=folds,
                                       tol=1e-9).fit(X, y)
    for f, (train, test) in enumerate(folds):
        for a, alpha in enumerate(sorted(alphas, reverse=True)):
            m = NonconvexLogisticRegression(alpha=alpha, penalty="l1", tol=1e-9).fit(
                X[train], y[train])
            logp = m.predict_log_proba(X[test])
            ref = logp[np.arange(len(test)), y[test]].mean()
            assert cv.scores_[0, a, f] == pytest.approx(ref, abs=1e-6)


def test_cv_groups_jobs_and_weights(data):
    X, y = data
    groups = np.arange(len(y)) % 6
    sw = np.arange(len(y)) % 3 + 1.0
    one = NonconvexLogisticRegressionCV(alphas=5, cv=GroupKFold(3)).fit(
        X, y, sample_weight=sw, groups=groups)
    two = NonconvexLogisticRegressionCV(alphas=5, cv=GroupKFold(3), n_jobs=2).fit(
        X, y, sample_weight=sw, groups=groups)
    np.testing.assert_array_equal(one.scores_, two.scores_)
    np.testing.assert_array_equal(one.coef_, two.coef_)


def test_cv_weights_equal_repeated_rows(data):
    # scikit-learn's equivalence check: weights only in one CV group
    X, y = data
    reps = np.arange(len(y)) % 3
    Xw = np.vstack([X, X])
    yw = np.r_[y, y]
    sw = np.r_[reps, np.ones(len(y))]
    gw = np.r_[np.zeros(len(y)), np.ones(len(y))]
    Xr = np.vstack([np.repeat(X, reps, axis=0), X])
    yr = np.r_[np.repeat(y, reps), y]
    gr = np.r_[np.zeros(reps.sum()), np.ones(len(y))]
    cv_w = [(np.flatnonzero(gw != g), np.flatnonzero(gw == g)) for g in (0, 1)]
    cv_r = [(np.flatnonzero(gr != g), np.flatnonzero(gr == g)) for g in (0, 1)]
    weighted = NonconvexLogisticRegressionCV(alphas=5, cv=cv_w, tol=1e-8).fit(
        Xw, yw, sample_weight=sw)
    repeated = NonconvexLogisticRegressionCV(alphas=5, cv=cv_r, tol=1e-8).fit(Xr, yr)
    np.testing.assert_allclose(weighted.scores_, repeated.scores_, atol=1e-7)
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X),
                               atol=1e-7)


def test_cv_refuses_binary_scores_and_folds_missing_a_class(data):
    X, y = data
    with pytest.raises(ValueError, match="roc_auc"):
        NonconvexLogisticRegressionCV(scoring="roc_auc", alphas=3, cv=2).fit(X, y)
    order = np.argsort(y, kind="stable")
    folds = [(order[: len(y) // 2], order[len(y) // 2:])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="training fold"):
            NonconvexLogisticRegressionCV(alphas=3, cv=folds).fit(X, y)


def test_elastic_net_reproduces_sklearn_saga():
    X, y = _data(200, 8, 3, seed=3)
    alpha = 0.02
    ours = NonconvexLogisticRegression(alpha=alpha, penalty="l1", l1_ratio=0.5,
                                       tol=1e-10, max_iter=1000).fit(X, y)
    # scikit-learn's l1_ratio * |w| + (1 - l1_ratio) / 2 * w^2, times 1/C
    ref = LogisticRegression(l1_ratio=0.5, C=1 / (X.shape[0] * alpha), solver="saga",
                             tol=1e-12, max_iter=1_000_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)


@pytest.mark.parametrize("penalty", ["mcp", "l1"])
def test_penalty_weights_apply_to_every_class(data, penalty):
    X, y = data
    pw = np.r_[0.0, 3.0, np.full(X.shape[1] - 2, 1.5)]
    alpha, gamma, l1_ratio = 0.03, 3.0, 0.7
    model = NonconvexLogisticRegression(
        alpha=alpha, penalty=penalty, gamma=gamma, l1_ratio=l1_ratio,
        penalty_weights=pw, tol=1e-9).fit(X, y)
    # rescaled to mean one over the penalised features, the same factor in
    # every class: the KKT conditions recomputed with a_j = alpha * pw_j
    scaled = pw / pw[pw > 0].mean()
    a = alpha * scaled
    W, b = model.coef_, model.intercept_
    Y = np.eye(4)[y]
    grad = (X.T @ ((softmax(X @ W.T + b, axis=1) - Y) / len(y))).T
    grad = grad + (1 - l1_ratio) * a * W
    deriv = l1_ratio * np.where(
        a > 0, a * penalty_derivative_reference(np.abs(W) / np.where(a > 0, a, 1),
                                                penalty, 1.0, gamma), 0.0)
    viol = np.where(W == 0, np.maximum(np.abs(grad) - l1_ratio * a, 0),
                    np.abs(grad + np.sign(W) * deriv))
    assert viol.max() <= 1e-8
    # a common factor of the weights changes nothing
    again = NonconvexLogisticRegression(
        alpha=alpha, penalty=penalty, gamma=gamma, l1_ratio=l1_ratio,
        penalty_weights=7 * pw, tol=1e-9).fit(X, y)
    np.testing.assert_allclose(again.coef_, W, atol=1e-10)


def test_unpenalised_feature_and_alpha_max_with_weights(data):
    X, y = data
    pw = np.r_[0.0, np.ones(X.shape[1] - 1)]
    cv = NonconvexLogisticRegressionCV(alphas=4, cv=2, penalty_weights=pw).fit(X, y)
    top = cv.alphas_[0]
    # at alpha_max the unpenalised feature alone is in the model (in every
    # class), just below it a penalised one enters
    at_top = NonconvexLogisticRegression(alpha=top * 1.0001, penalty_weights=pw,
                                         tol=1e-9).fit(X, y)
    assert np.all(at_top.coef_[:, 0] != 0)
    assert not at_top.coef_[:, 1:].any()
    below = NonconvexLogisticRegression(alpha=top * 0.95, penalty_weights=pw,
                                        tol=1e-9).fit(X, y)
    assert below.coef_[:, 1:].any()
    # the null model is the unpenalised fit on that feature (alpha = 0 on it)
    assert kkt_unpenalised_feature(at_top, X, y) <= 1e-8


def kkt_unpenalised_feature(model, X, y):
    Y = np.eye(model.coef_.shape[0])[y]
    resid = softmax(X @ model.coef_.T + model.intercept_, axis=1) - Y
    return np.abs(X[:, 0] @ resid / len(y)).max()


def test_cv_l1_ratio_grid_for_multiclass(data):
    X, y = data
    cv = NonconvexLogisticRegressionCV(alphas=4, cv=2, l1_ratio=[0.5, 1.0]).fit(X, y)
    assert cv.scores_.shape == (2, 1, 4, 2)
    assert cv.alphas_.shape == (2, 4)
    assert cv.l1_ratio_ in (0.5, 1.0)
    assert cv.coef_.shape == (4, X.shape[1])
