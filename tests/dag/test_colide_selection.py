"""Choice of alpha for CoLiDE: colide_path, CoLiDECV, CoLiDEIC."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold

from sparsestat.dag import CoLiDE, CoLiDECV, CoLiDEIC, colide_path
from sparsestat.datasets import make_dag, sample_linear_sem


def _sem(d=6, n=600, seed=0, k=1):
    W = make_dag(d, edges_per_node=k, random_state=seed)
    return W, sample_linear_sem(W, n, random_state=seed)


def _cov(X):
    Xc = X - X.mean(axis=0)
    return Xc.T @ Xc / len(X)


@pytest.mark.parametrize("noise", ["equal", "nonequal"])
def test_path_warm_starts_match_cold_fits(noise):
    _, X = _sem()
    alphas, coefs, raw, scales, n_iter = colide_path(X, 6, noise=noise)
    assert np.all(np.diff(alphas) < 0)
    for k, alpha in enumerate(alphas):
        cold = CoLiDE(alpha=alpha, noise=noise).fit(X)
        # the stages stop on a relative decrease of 1e-7: minimisers to ~1e-3
        np.testing.assert_allclose(raw[k], cold.raw_coef_, atol=1e-2)
        np.testing.assert_array_equal(coefs[k] != 0, cold.adjacency_)
        np.testing.assert_allclose(coefs[k], cold.coef_, atol=1e-2)
        np.testing.assert_allclose(scales[k], cold.noise_scale_, rtol=1e-3)
    # the largest alpha of the automatic grid is the empty graph, the next not
    assert not raw[0].any() and coefs[1].any()
    assert n_iter.shape == (6,)


def test_path_follows_the_callers_order_and_takes_a_covariance():
    _, X = _sem()
    alphas = [0.05, 2.0, 0.5]
    got, coefs, raw, scales, _ = colide_path(X, alphas)
    np.testing.assert_array_equal(got, alphas)
    _, coefs_sorted, _, _, _ = colide_path(X, sorted(alphas, reverse=True))
    np.testing.assert_array_equal(coefs, coefs_sorted[[2, 0, 1]])
    _, coefs_cov, _, _, _ = colide_path(_cov(X), alphas, covariance="precomputed")
    np.testing.assert_allclose(coefs_cov, coefs, atol=1e-10)


def test_path_keeps_the_prior():
    _, X = _sem()
    forbidden = [(0, 1), (2, 3)]
    required = [(4, 5)]
    _, coefs, raw, _, _ = colide_path(X, 4, forbidden_edges=forbidden,
                                      required_edges=required)
    for i, j in forbidden:
        assert not raw[:, i, j].any()
    # the first alpha of the grid removes every penalised edge only
    assert (coefs[:, 4, 5] != 0).all()
    cold = CoLiDE(alpha=0.05, forbidden_edges=forbidden,
                  required_edges=required).fit(X)
    _, coefs_at, _, _, _ = colide_path(X, [0.05], forbidden_edges=forbidden,
                                       required_edges=required)
    np.testing.assert_array_equal(coefs_at[0], cold.coef_)


@pytest.mark.parametrize("noise", ["equal", "nonequal"])
def test_cv_selects_the_alpha_of_a_brute_force_search(noise):
    _, X = _sem(seed=1)
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    cv = CoLiDECV(alphas=6, cv=folds, noise=noise).fit(X)
    brute = np.array([
        [CoLiDE(alpha=a, noise=noise).fit(X[train]).score(X[test])
         for a in cv.alphas_]
        for train, test in folds
    ])
    np.testing.assert_allclose(cv.cv_results_["mean_test_score"], brute.mean(axis=0),
                               rtol=1e-3)
    for k in range(3):
        np.testing.assert_allclose(cv.cv_results_[f"split{k}_test_score"], brute[k],
                                   rtol=1e-3)
    assert cv.alpha_ == cv.alphas_[np.argmax(brute.mean(axis=0))]
    # the refit is the plain fit at the selected alpha
    refit = CoLiDE(alpha=cv.alpha_, noise=noise).fit(X)
    np.testing.assert_array_equal(cv.coef_, refit.coef_)
    np.testing.assert_array_equal(cv.raw_coef_, refit.raw_coef_)
    assert cv.n_iter_ == refit.n_iter_ and cv.s_ == refit.s_
    np.testing.assert_allclose(cv.score(X), refit.score(X))


def test_cv_n_jobs_and_prior():
    _, X = _sem(seed=2)
    params = dict(alphas=4, cv=3, forbidden_edges=[(0, 1)], tiers=[0, 0, 1, 1, 2, 2])
    one = CoLiDECV(n_jobs=1, **params).fit(X)
    two = CoLiDECV(n_jobs=2, **params).fit(X)
    assert one.cv_results_.keys() == two.cv_results_.keys()
    for key in one.cv_results_:
        np.testing.assert_array_equal(one.cv_results_[key], two.cv_results_[key])
    assert one.alpha_ == two.alpha_
    np.testing.assert_array_equal(one.coef_, two.coef_)
    assert one.coef_[0, 1] == 0 and not one.coef_[2:, :2].any()


@pytest.mark.parametrize("criterion", ["bic", "aic"])
@pytest.mark.parametrize("noise", ["equal", "nonequal"])
def test_ic_criterion_is_the_sem_likelihood(criterion, noise):
    _, X = _sem(seed=3)
    n, d = X.shape
    ic = CoLiDEIC(criterion, alphas=6, noise=noise).fit(X)
    alphas, coefs, raw, scales, n_iter = colide_path(X, ic.alphas_, noise=noise)
    C = _cov(X)
    expected = []
    for coef, sigma in zip(coefs, scales, strict=True):
        # independent: residuals of the SEM, Gaussian density per sample
        E = (X - X.mean(axis=0)) @ (np.eye(d) - coef)
        var = np.broadcast_to(np.asarray(sigma) ** 2, (d,))
        loglik = np.sum(-0.5 * np.log(2 * np.pi * var) - E**2 / (2 * var))
        k = np.count_nonzero(coef) + (1 if noise == "equal" else d)
        expected.append(-2 * loglik + (np.log(n) if criterion == "bic" else 2) * k)
    np.testing.assert_allclose(ic.criterion_, expected, rtol=1e-9)
    best = int(np.argmin(expected))
    assert ic.alpha_ == alphas[best]
    np.testing.assert_array_equal(ic.coef_, coefs[best])
    np.testing.assert_array_equal(ic.raw_coef_, raw[best])
    assert ic.n_iter_ == n_iter[best]
    np.testing.assert_array_equal(ic.n_edges_path_, (coefs != 0).sum(axis=(1, 2)))
    # from the covariance and n: the same selection
    pre = CoLiDEIC(criterion, alphas=6, noise=noise, covariance="precomputed",
                   n_samples=n).fit(C)
    np.testing.assert_allclose(pre.criterion_, ic.criterion_, rtol=1e-8)
    assert pre.alpha_ == ic.alpha_


def test_ic_and_cv_recover_a_dag():
    W, X = _sem(d=8, n=1000, seed=4)
    for est in (CoLiDEIC(alphas=10), CoLiDECV(alphas=6, cv=3)):
        est.fit(X)
        assert np.sum((est.adjacency_) != (W != 0)) <= 2


@pytest.mark.parametrize("bad", [[], [-0.1, 0.2], [np.nan], [np.inf], 0, "many", True])
def test_bad_alphas(bad):
    _, X = _sem(n=60)
    for call in (lambda: colide_path(X, bad), lambda: CoLiDECV(alphas=bad).fit(X),
                 lambda: CoLiDEIC(alphas=bad).fit(X)):
        with pytest.raises((TypeError, ValueError), match="alphas"):
            call()


def test_bad_parameters():
    _, X = _sem(n=60)
    with pytest.raises(ValueError, match="criterion"):
        CoLiDEIC("ebic").fit(X)
    with pytest.raises(ValueError, match="cv"):
        CoLiDECV(cv="folds").fit(X)
    with pytest.raises(ValueError, match="n_splits"):
        CoLiDECV(cv=1).fit(X)
    for bad in (0, 1.5, np.nan):
        with pytest.raises(ValueError, match="eps"):
            CoLiDEIC(eps=bad).fit(X)
        with pytest.raises(ValueError, match="eps"):
            colide_path(X, 3, eps=bad)
    with pytest.raises(ValueError, match="n_samples"):
        CoLiDEIC(covariance="precomputed").fit(_cov(X))
    with pytest.raises(ValueError, match="n_samples"):
        CoLiDEIC(n_samples=10).fit(X)
    with pytest.raises(ValueError, match="noise"):
        colide_path(X, 3, noise="other")
    assert "covariance" not in CoLiDECV().get_params()
    X_const = X.copy()
    X_const[:30, 2] = 1.0  # constant in the training part of a fold
    with pytest.raises(ValueError, match="fold 1 has constant columns"):
        CoLiDECV(alphas=2, cv=KFold(2)).fit(X_const)


def test_convergence_warnings():
    _, X = _sem(n=100)
    with pytest.warns(ConvergenceWarning, match="CoLiDE path"):
        colide_path(X, 3, max_iter=1)
    with pytest.warns(ConvergenceWarning, match="CoLiDEIC"):
        CoLiDEIC(alphas=3, max_iter=1).fit(X)
    with pytest.warns(ConvergenceWarning, match="CoLiDECV"):
        CoLiDECV(alphas=3, cv=2, max_iter=1).fit(X)
