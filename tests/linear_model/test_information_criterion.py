"""The IC classes: the criteria against independent references
(scikit-learn's LassoLars / LassoLarsIC / ElasticNet and log_loss), their
ordering properties, the noise variance, p >= n, sample and penalty weights,
l1_ratio, bad input, and the multinomial criterion of more than two
classes."""

import warnings

import numpy as np
import pytest
from scipy.special import comb
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, LassoLars, LassoLarsIC, LinearRegression
from sklearn.metrics import log_loss, mean_poisson_deviance

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import (
    NonconvexLasso,
    NonconvexLassoIC,
    NonconvexLogisticRegressionIC,
    NonconvexPoissonRegressionIC,
    nonconvex_path,
)
from sparsestat.metrics import support_recovery


@pytest.fixture
def data():
    X, y, coef = make_sparse_regression(120, 15, 4, snr=4, random_state=1)
    return X, y, coef


def _factor(criterion, n):
    return 2.0 if criterion == "aic" else np.log(n)


# --------------------------------------------------------------------------
# References


@pytest.mark.parametrize("criterion", ["aic", "bic"])
def test_l1_criterion_is_lassolarsic_formula_on_lars_solutions(data, criterion):
    """With penalty="l1" the criterion of every alpha is LassoLarsIC's
    formula (its noise variance, its df) evaluated at scikit-learn's own
    LassoLars solution for that alpha: an independent reference of the
    path, the RSS, the noise estimate and the selection."""
    X, y, _ = data
    n = X.shape[0]
    grid = np.geomspace(0.5, 0.002, 15)
    model = NonconvexLassoIC(criterion, penalty="l1", alphas=grid, tol=1e-12).fit(X, y)
    sk = LassoLarsIC(criterion=criterion).fit(X, y)
    assert model.noise_variance_ == pytest.approx(sk.noise_variance_, rel=1e-10)
    sigma2 = sk.noise_variance_
    expected = []
    for alpha in grid:
        lars = LassoLars(alpha=alpha).fit(X, y)
        rss = np.sum((y - lars.predict(X)) ** 2)
        df = np.sum(np.abs(lars.coef_) > np.finfo(float).eps)
        expected.append(n * np.log(2 * np.pi * sigma2) + rss / sigma2
                        + _factor(criterion, n) * df)
    np.testing.assert_allclose(model.criterion_, expected, rtol=1e-8)
    best = int(np.argmin(expected))
    assert model.alpha_ == grid[best]
    lars = LassoLars(alpha=grid[best]).fit(X, y)
    np.testing.assert_allclose(model.coef_, lars.coef_, atol=1e-8)
    assert model.intercept_ == pytest.approx(lars.intercept_, abs=1e-8)


@pytest.mark.parametrize("penalty", ["mcp", "scad", "l1"])
@pytest.mark.parametrize("criterion", ["aic", "bic", "ebic"])
def test_criterion_recomputed_from_the_public_path(data, penalty, criterion):
    """criterion_ = n log(2 pi s2) + RSS / s2 + size penalty on the path of
    nonconvex_path, with EBIC's 2 ebic_gamma log C(p, df) written out."""
    X, y, _ = data
    n, p = X.shape
    model = NonconvexLassoIC(criterion, penalty=penalty, alphas=20, ebic_gamma=0.7,
                             tol=1e-8).fit(X, y)
    alphas, coefs, intercepts, _ = nonconvex_path(
        X, y, penalty=penalty, alphas=model.alphas_, tol=1e-8, return_intercept=True)
    np.testing.assert_array_equal(alphas, model.alphas_)
    rss = np.sum((y[:, None] - X @ coefs - intercepts) ** 2, axis=0)
    df = np.count_nonzero(coefs, axis=0)
    s2 = model.noise_variance_
    expected = n * np.log(2 * np.pi * s2) + rss / s2 + _factor(criterion, n) * df
    if criterion == "ebic":
        expected += 2 * 0.7 * np.log(comb(p, df))
    np.testing.assert_allclose(model.criterion_, expected, rtol=1e-10)
    best = int(np.argmin(expected))
    assert model.alpha_ == alphas[best]
    np.testing.assert_array_equal(model.coef_, coefs[:, best])
    assert model.coef_.shape == (p,)
    assert isinstance(model.intercept_, float)
    assert model.n_iter_ >= alphas.size


def test_logistic_criterion_is_deviance_plus_size_penalty():
    X, y, _ = make_sparse_regression(300, 12, 3, snr=5, task="classification",
                                     random_state=3)
    labels = np.where(y > 0, "yes", "no")
    for criterion in ("aic", "bic", "ebic"):
        model = NonconvexLogisticRegressionIC(
            criterion, alphas=15, tol=1e-8).fit(X, labels)
        alphas, coefs, intercepts, _ = nonconvex_path(
            X, y, loss="log_loss", alphas=model.alphas_, tol=1e-8,
            return_intercept=True)
        df = np.count_nonzero(coefs, axis=0)
        deviance = np.array([
            2 * log_loss(y, 1 / (1 + np.exp(-(X @ coefs[:, k] + intercepts[k]))),
                         normalize=False)
            for k in range(alphas.size)])
        size = 2 * df if criterion == "aic" else np.log(300) * df
        if criterion == "ebic":
            size = size + 2 * 0.5 * np.log(comb(12, df))
        np.testing.assert_allclose(model.criterion_, deviance + size, rtol=1e-8)
        best = int(np.argmin(deviance + size))
        assert model.alpha_ == alphas[best]
        np.testing.assert_array_equal(model.coef_, coefs[:, best][None, :])
        assert model.intercept_.shape == (1,)
        assert model.classes_.tolist() == ["no", "yes"]
        assert set(model.predict(X)) <= {"no", "yes"}


@pytest.mark.parametrize("solver", ["apg", "pgd"])
def test_logistic_gradient_solvers_reject_more_than_two_classes(solver):
    # more than two classes are fitted by the multinomial path (see the
    # multiclass tests at the end), which only solver="cd" solves
    X, _, _ = make_sparse_regression(60, 5, 2, random_state=0)
    y = np.arange(60) % 3
    with pytest.raises(ValueError, match="solver='cd'"):
        NonconvexLogisticRegressionIC(solver=solver).fit(X, y)


# --------------------------------------------------------------------------
# Orderings


def test_ebic_with_zero_weight_is_bic(data):
    X, y, _ = data
    bic = NonconvexLassoIC("bic", alphas=30).fit(X, y)
    ebic = NonconvexLassoIC("ebic", ebic_gamma=0.0, alphas=30).fit(X, y)
    np.testing.assert_array_equal(ebic.criterion_, bic.criterion_)
    np.testing.assert_array_equal(ebic.coef_, bic.coef_)


@pytest.mark.parametrize("penalty", ["mcp", "scad", "l1"])
def test_ebic_no_larger_than_bic_no_larger_than_aic(penalty):
    """On one path: BIC's penalty exceeds AIC's by (log n - 2) df, increasing
    in df for n > e^2, so BIC never selects more features than AIC; EBIC's
    extra 2 g log C(p, df) increases in df below p/2, so EBIC never selects
    more than BIC while BIC's model has under p/2 features (checked)."""
    for seed in range(6):
        X, y, _ = make_sparse_regression(100, 60, 5, snr=3, random_state=seed)
        nnz = {}
        for criterion in ("aic", "bic", "ebic"):
            for g in (0.25, 1.0) if criterion == "ebic" else (0.5,):
                model = NonconvexLassoIC(criterion, penalty=penalty, alphas=40,
                                         ebic_gamma=g).fit(X, y)
                nnz[criterion, g] = np.count_nonzero(model.coef_)
        assert nnz["bic", 0.5] < 30
        assert (nnz["ebic", 1.0] <= nnz["ebic", 0.25] <= nnz["bic", 0.5]
                <= nnz["aic", 0.5]), nnz


def test_a_larger_noise_variance_selects_no_larger_model(data):
    X, y, _ = data
    sizes = [np.count_nonzero(NonconvexLassoIC(noise_variance=v, alphas=40)
                              .fit(X, y).coef_)
             for v in (0.01, 0.1, 1.0, 10.0, 1e3)]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] > sizes[-1]


# --------------------------------------------------------------------------
# Noise variance


def test_given_noise_variance_equal_to_the_estimate_gives_the_same_fit(data):
    X, y, _ = data
    est = NonconvexLassoIC(alphas=25).fit(X, y)
    given = NonconvexLassoIC(alphas=25, noise_variance=est.noise_variance_).fit(X, y)
    assert given.noise_variance_ == est.noise_variance_
    np.testing.assert_array_equal(given.criterion_, est.criterion_)
    np.testing.assert_array_equal(given.coef_, est.coef_)
    other = NonconvexLassoIC(alphas=25, noise_variance=3.0).fit(X, y)
    assert other.noise_variance_ == 3.0
    sk = LassoLarsIC(noise_variance=3.0).fit(X, y)
    assert sk.noise_variance_ == other.noise_variance_


def test_ols_noise_variance_is_lassolarsic_also_without_intercept_and_positive(data):
    X, y, _ = data
    for kwargs in ({"fit_intercept": False}, {"positive": True}):
        ours = NonconvexLassoIC(alphas=5, **kwargs).fit(X, y).noise_variance_
        theirs = LassoLarsIC(**kwargs).fit(X, y).noise_variance_
        assert ours == pytest.approx(theirs, rel=1e-10), kwargs


def test_p_at_least_n_uses_the_refitted_scaled_lasso_where_lassolarsic_raises():
    """n <= p + fit_intercept: LassoLarsIC raises; here the noise variance is
    the fixed point sigma^2 = RSS_OLS(S) / (n - |S| - 1), S the support of the
    Lasso at lambda0 sigma c, checked with independent fits, and close to
    the truth on sparse designs."""
    n, p = 100, 300
    ratios = []
    for seed in range(4):
        X, y, coef = make_sparse_regression(n, p, 5, snr=10, rho=0.3,
                                            random_state=seed)
        sigma2_true = float(np.var(y - X @ coef))
        model = NonconvexLassoIC("ebic", alphas=30).fit(X, y)
        s2 = model.noise_variance_
        ratios.append(s2 / sigma2_true)
        Xc = X - X.mean(axis=0)
        scale = np.sqrt(np.mean(np.sum(Xc**2, axis=0) / n))
        alpha = np.sqrt(2 * np.log(p) / n) * np.sqrt(s2) * scale
        support = np.flatnonzero(
            NonconvexLasso(alpha, penalty="l1", tol=1e-10).fit(X, y).coef_)
        A = np.column_stack([np.ones(n), X[:, support]])
        resid = y - A @ np.linalg.lstsq(A, y, rcond=None)[0]
        assert resid @ resid / (n - support.size - 1) == pytest.approx(s2, rel=1e-4)
    assert 0.7 < min(ratios) and max(ratios) < 1.4, ratios
    with pytest.raises(ValueError, match="noise variance"):
        LassoLarsIC().fit(X, y)
    # a given noise variance is used as is
    given = NonconvexLassoIC("ebic", alphas=30, noise_variance=sigma2_true).fit(X, y)
    assert given.noise_variance_ == sigma2_true
    assert support_recovery(coef, given.coef_)["f1"] == 1.0


def test_ols_and_scaled_lasso_boundary(data):
    """OLS exactly while n > p + fit_intercept (as LassoLarsIC), the scaled
    Lasso from there on."""
    X, y, _ = make_sparse_regression(22, 20, 3, snr=5, random_state=0)
    ours = NonconvexLassoIC(alphas=5).fit(X, y)
    reference = LassoLarsIC().fit(X, y).noise_variance_
    assert ours.noise_variance_ == pytest.approx(reference)
    with pytest.raises(ValueError, match="noise variance"):
        LassoLarsIC().fit(X[:21], y[:21])
    scaled = NonconvexLassoIC(alphas=5).fit(X[:21], y[:21])
    assert np.isfinite(scaled.noise_variance_) and scaled.noise_variance_ > 0
    # without intercept the boundary moves by one
    no_b = NonconvexLassoIC(alphas=5, fit_intercept=False).fit(X[:21], y[:21])
    assert no_b.noise_variance_ == pytest.approx(
        LassoLarsIC(fit_intercept=False).fit(X[:21], y[:21]).noise_variance_)


def test_exact_fit_keeps_the_criterion_finite():
    X, _, _ = make_sparse_regression(40, 5, 2, random_state=0)
    y = X[:, 0] * 2.0 + 1.0
    model = NonconvexLassoIC(alphas=20).fit(X, y)
    assert np.all(np.isfinite(model.criterion_))
    assert np.flatnonzero(model.coef_).tolist() == [0]


# --------------------------------------------------------------------------
# Gamma grid, dtypes, weights


def test_gamma_grid_is_one_path_per_gamma(data):
    X, y, _ = data
    grid = [1.5, 3.0, 8.0]
    model = NonconvexLassoIC(gamma=grid, alphas=15).fit(X, y)
    assert model.criterion_.shape == (3, 15)
    np.testing.assert_array_equal(model.gammas_, grid)
    for g, gamma in enumerate(grid):
        one = NonconvexLassoIC(gamma=gamma, alphas=15).fit(X, y)
        assert one.criterion_.shape == (15,)
        np.testing.assert_array_equal(model.criterion_[g], one.criterion_)
        np.testing.assert_array_equal(model.alphas_, one.alphas_)
    g, a = np.unravel_index(np.argmin(model.criterion_), model.criterion_.shape)
    assert (model.gamma_, model.alpha_) == (grid[g], model.alphas_[a])
    best = NonconvexLassoIC(gamma=grid[g], alphas=15).fit(X, y)
    np.testing.assert_array_equal(model.coef_, best.coef_)
    l1 = NonconvexLassoIC(penalty="l1", gamma=grid, alphas=15).fit(X, y)
    assert l1.criterion_.shape == (1, 15) and l1.gammas_.tolist() == [1.5]


def test_float32_and_sparse_input(data):
    import scipy.sparse as sp

    X, y, _ = data
    ref = NonconvexLassoIC(alphas=20, tol=1e-8).fit(X, y)
    f32 = NonconvexLassoIC(alphas=20, tol=1e-5).fit(X.astype(np.float32), y)
    assert f32.coef_.dtype == np.float32
    np.testing.assert_array_equal(f32.coef_ != 0, ref.coef_ != 0)
    sparse = NonconvexLassoIC(alphas=20, tol=1e-8).fit(sp.csr_matrix(X), y)
    assert sparse.noise_variance_ == pytest.approx(ref.noise_variance_, rel=1e-8)
    np.testing.assert_allclose(sparse.coef_, ref.coef_, atol=1e-7)
    pos = NonconvexLassoIC(alphas=20, positive=True).fit(sp.csc_matrix(X), y)
    assert np.all(pos.coef_ >= 0)


@pytest.mark.parametrize("cls", [NonconvexLassoIC, NonconvexLogisticRegressionIC])
def test_integer_weights_are_repeated_rows_and_n_is_their_sum(cls):
    task = "classification" if cls is NonconvexLogisticRegressionIC else "regression"
    X, y, _ = make_sparse_regression(70, 8, 3, snr=5, task=task, random_state=5)
    counts = np.random.default_rng(0).integers(0, 4, 70)
    rows = np.repeat(np.arange(70), counts)
    # L1: the logistic MCP path reaches near-separable fits at its small alphas
    kwargs = dict(alphas=12, tol=1e-8, penalty="l1")
    weighted = cls(**kwargs).fit(X, y, sample_weight=counts)
    repeated = cls(**kwargs).fit(X[rows], y[rows])
    np.testing.assert_allclose(weighted.criterion_, repeated.criterion_, rtol=1e-7)
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6, atol=1e-9)
    # weights normalised to sum to one are one sample for the criterion
    with pytest.raises(ValueError, match="frequency weights"):
        cls("bic", alphas=5).fit(X, y, sample_weight=counts / counts.sum())
    cls("aic", alphas=5).fit(X, y, sample_weight=counts / counts.sum() * 70)


def test_logistic_saturated_path_scores_the_last_unsaturated_fit_past_its_stop():
    """Separable data: the MCP path stops at saturation (silently here); the
    grid keeps its length, the saturated alpha and those past it score as
    the last unsaturated fit, and the selected model is an unsaturated one."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        # the saturated fit is never selected: no warning
        warnings.simplefilter("error", ConvergenceWarning)
        model = NonconvexLogisticRegressionIC(alphas=20, eps=1e-4).fit(X, y)
    assert model.alphas_.shape == (20,) and model.criterion_.shape == (20,)
    assert np.all(np.isfinite(model.criterion_))
    with pytest.warns(ConvergenceWarning, match="saturated"):
        _, coefs, _ = nonconvex_path(X, y, loss="log_loss", alphas=model.alphas_)
    n_fit = coefs.shape[1]
    assert n_fit < 20
    np.testing.assert_array_equal(model.criterion_[n_fit - 1:],
                                  model.criterion_[n_fit - 2])
    assert model.alpha_ in model.alphas_[:n_fit - 1]
    assert np.all(np.isfinite(model.coef_))


def _counts(n, p, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    coef = np.zeros(p)
    coef[:3] = [0.6, -0.4, 0.3]
    return X, rng.poisson(np.exp(0.5 + X @ coef)).astype(float), coef


@pytest.mark.parametrize("criterion", ["aic", "bic", "ebic"])
def test_poisson_criterion_is_deviance_plus_size_penalty(criterion):
    X, y, coef = _counts(300, 12, 0)
    model = NonconvexPoissonRegressionIC(criterion, alphas=15, tol=1e-8).fit(X, y)
    alphas, coefs, intercepts, _ = nonconvex_path(
        X, y, loss="poisson", alphas=model.alphas_, tol=1e-8, return_intercept=True)
    df = np.count_nonzero(coefs, axis=0)
    deviance = np.array([
        300 * mean_poisson_deviance(y, np.exp(X @ coefs[:, k] + intercepts[k]))
        for k in range(alphas.size)])
    size = 2 * df if criterion == "aic" else np.log(300) * df
    if criterion == "ebic":
        size = size + 2 * 0.5 * np.log(comb(12, df))
    np.testing.assert_allclose(model.criterion_, deviance + size, rtol=1e-8)
    best = int(np.argmin(deviance + size))
    assert model.alpha_ == alphas[best]
    np.testing.assert_array_equal(model.coef_, coefs[:, best])
    if criterion != "aic":
        assert np.flatnonzero(model.coef_).tolist() == [0, 1, 2]
    np.testing.assert_allclose(model.predict(X[:3]),
                               np.exp(X[:3] @ model.coef_ + model.intercept_))


def test_poisson_ic_weights_and_bad_target():
    X, y, _ = _counts(80, 6, 1)
    counts = np.random.default_rng(2).integers(0, 3, 80)
    rows = np.repeat(np.arange(80), counts)
    kwargs = dict(alphas=10, tol=1e-8, penalty="l1")
    weighted = NonconvexPoissonRegressionIC(**kwargs).fit(X, y, sample_weight=counts)
    repeated = NonconvexPoissonRegressionIC(**kwargs).fit(X[rows], y[rows])
    np.testing.assert_allclose(weighted.criterion_, repeated.criterion_, rtol=1e-7)
    with pytest.raises(ValueError, match="non-negative"):
        NonconvexPoissonRegressionIC().fit(X, y - 10)
    with pytest.raises(ValueError, match="solver"):
        NonconvexPoissonRegressionIC(solver="apg").fit(X, y)


# --------------------------------------------------------------------------
# Support recovery


def test_support_recovery_on_sparse_designs():
    """MCP with EBIC (p > n) and BIC (n > p) recovers a 5-sparse support on
    most draws, and at least as well as the Lasso with the same criterion."""
    f1 = {key: [] for key in ("ebic-mcp", "ebic-l1", "bic-mcp", "bic-l1")}
    for seed in range(8):
        X, y, coef = make_sparse_regression(120, 400, 5, snr=8, rho=0.3,
                                            random_state=seed)
        for penalty in ("mcp", "l1"):
            model = NonconvexLassoIC("ebic", penalty=penalty, alphas=60).fit(X, y)
            f1[f"ebic-{penalty}"].append(support_recovery(coef, model.coef_)["f1"])
        X, y, coef = make_sparse_regression(400, 40, 5, snr=8, rho=0.3,
                                            random_state=seed)
        for penalty in ("mcp", "l1"):
            model = NonconvexLassoIC("bic", penalty=penalty, alphas=60).fit(X, y)
            f1[f"bic-{penalty}"].append(support_recovery(coef, model.coef_)["f1"])
    mean = {key: float(np.mean(v)) for key, v in f1.items()}
    assert mean["ebic-mcp"] >= 0.9, mean
    assert mean["bic-mcp"] >= 0.85, mean
    assert mean["ebic-mcp"] >= mean["ebic-l1"], mean
    assert mean["bic-mcp"] >= mean["bic-l1"], mean


def test_support_recovery_small():
    X, y, coef = make_sparse_regression(150, 200, 4, snr=10, random_state=0)
    model = NonconvexLassoIC("ebic").fit(X, y)
    assert support_recovery(coef, model.coef_)["f1"] == 1.0


# --------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize("cls", [NonconvexLassoIC, NonconvexLogisticRegressionIC,
                                 NonconvexPoissonRegressionIC])
@pytest.mark.parametrize("params, name", [
    ({"criterion": "hqic"}, "criterion"),
    ({"criterion": None}, "criterion"),
    ({"ebic_gamma": -0.1}, "ebic_gamma"),
    ({"ebic_gamma": 1.5}, "ebic_gamma"),
    ({"ebic_gamma": float("nan")}, "ebic_gamma"),
    ({"ebic_gamma": "0.5"}, "ebic_gamma"),
    ({"gamma": [3.0, 0.5]}, "gamma"),
    ({"gamma": []}, "gamma"),
    ({"gamma": "3"}, "gamma"),
    ({"penalty": "scad", "gamma": 1.5}, "gamma"),
    ({"alphas": 0}, "alphas"),
    ({"alphas": [0.1, -1.0]}, "alphas"),
    ({"alphas": [[0.1]]}, "alphas"),
    ({"eps": 0.0}, "eps"),
    ({"eps": 2.0}, "eps"),
    ({"max_iter": 0}, "max_iter"),
    ({"tol": 0.0}, "tol"),
    ({"penalty": "lasso"}, "penalty"),
])
def test_bad_parameters_name_the_parameter(cls, params, name):
    task = "classification" if cls is NonconvexLogisticRegressionIC else "regression"
    X, y, _ = make_sparse_regression(30, 4, 2, task=task, random_state=0)
    if cls is NonconvexPoissonRegressionIC:
        X, y, _ = _counts(30, 4, 0)
    with pytest.raises((ValueError, TypeError), match=name):
        cls(**params).fit(X, y)


@pytest.mark.parametrize("value", [0.0, -1.0, float("nan"), float("inf"), "1.0", [1.0]])
def test_bad_noise_variance(value):
    X, y, _ = make_sparse_regression(30, 4, 2, random_state=0)
    with pytest.raises((ValueError, TypeError), match="noise_variance"):
        NonconvexLassoIC(noise_variance=value).fit(X, y)


def test_logistic_has_no_noise_variance_or_positive():
    params = NonconvexLogisticRegressionIC().get_params()
    assert "noise_variance" not in params and "positive" not in params


def test_near_ties_go_to_the_first_gamma_and_largest_alpha():
    """MCP/SCAD paths hold plateaus of one model whose criteria differ by
    rounding only: the first of them wins, whatever the order of the rows."""
    from sparsestat.linear_model._information_criterion import select_first_minimum

    crit = np.array([[5.0, 2.0 + 1e-12, 2.0, 3.0], [2.0 - 1e-12, 4.0, 1.0 + 9.0, 7.0]])
    assert select_first_minimum(crit) == 1
    assert select_first_minimum(np.array([3.0, 2.0, 1.0, 1.0 - 1e-3])) == 3
    assert select_first_minimum(np.array([np.inf, 0.0, -1e-10])) == 1


# --------------------------------------------------------------------------
# penalty_weights and l1_ratio (issue 13)


def _problem(cls, n=200, p=12, seed=0):
    """A design and target of the model of ``cls``."""
    if cls is NonconvexPoissonRegressionIC:
        X, y, _ = _counts(n, p, seed)
        return X, y
    task = "classification" if cls is NonconvexLogisticRegressionIC else "regression"
    X, y, _ = make_sparse_regression(n, p, 3, snr=4, task=task, random_state=seed)
    return X, y


_IC_CLASSES = [NonconvexLassoIC, NonconvexLogisticRegressionIC,
               NonconvexPoissonRegressionIC]


@pytest.mark.parametrize("cls", _IC_CLASSES)
@pytest.mark.parametrize("penalty", ["mcp", "l1"])
def test_unit_penalty_weights_give_the_unweighted_selection_exactly(cls, penalty):
    X, y = _problem(cls)
    plain = cls(penalty=penalty, alphas=20).fit(X, y)
    ones = cls(penalty=penalty, alphas=20,
               penalty_weights=np.ones(X.shape[1])).fit(X, y)
    assert ones.alpha_ == plain.alpha_ and ones.gamma_ == plain.gamma_
    np.testing.assert_array_equal(ones.alphas_, plain.alphas_)
    np.testing.assert_array_equal(ones.criterion_, plain.criterion_)
    np.testing.assert_array_equal(ones.coef_, plain.coef_)
    np.testing.assert_array_equal(ones.intercept_, plain.intercept_)


def _weak_feature_regression(seed=0):
    """Least squares where feature 2 is informative but too weak for BIC:
    the plain selection drops it."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((150, 10))
    y = 2.0 * X[:, 0] - 1.5 * X[:, 1] + 0.12 * X[:, 2] + rng.standard_normal(150)
    return X, y


@pytest.mark.parametrize("penalty", ["mcp", "scad", "l1"])
def test_zero_weight_feature_is_in_every_model_of_the_path(penalty):
    X, y = _weak_feature_regression()
    weights = np.ones(X.shape[1])
    weights[2] = 0.0
    plain = NonconvexLassoIC(penalty=penalty, alphas=30).fit(X, y)
    assert plain.coef_[2] == 0.0
    model = NonconvexLassoIC(penalty=penalty, alphas=30,
                             penalty_weights=weights).fit(X, y)
    assert model.coef_[2] != 0.0
    # the grid starts at the weighted alpha_max and feature 2 is in the
    # model at every alpha of it (unpenalised: from the top of the path)
    _, coefs, _ = nonconvex_path(X, y, penalty=penalty, alphas=model.alphas_,
                                 penalty_weights=weights)
    assert np.all(coefs[2] != 0.0)
    assert np.count_nonzero(coefs[:, 0]) == 1
    # the top of the grid is the weighted alpha_max: no penalised feature
    # enters there, one does just below it
    assert model.alphas_[0] < plain.alphas_[0]


@pytest.mark.parametrize("cls", [NonconvexLogisticRegressionIC,
                                 NonconvexPoissonRegressionIC])
def test_glm_zero_weight_feature_is_selected(cls):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 8))
    eta = 1.2 * X[:, 0] + 0.08 * X[:, 3]
    if cls is NonconvexPoissonRegressionIC:
        y = rng.poisson(np.exp(0.3 + 0.5 * eta)).astype(float)
    else:
        y = (rng.uniform(size=200) < 1 / (1 + np.exp(-eta))).astype(int)
    weights = np.ones(8)
    weights[3] = 0.0
    plain = cls(alphas=20).fit(X, y)
    model = cls(alphas=20, penalty_weights=weights).fit(X, y)
    assert np.ravel(plain.coef_)[3] == 0.0
    assert np.ravel(model.coef_)[3] != 0.0


@pytest.mark.parametrize("criterion", ["aic", "bic", "ebic"])
def test_l1_ratio_criterion_is_the_formula_on_sklearn_elastic_net_fits(data, criterion):
    """penalty="l1" with l1_ratio=0.5: the criterion at each alpha is the
    Gaussian formula (LassoLarsIC's noise variance) evaluated on
    scikit-learn's ElasticNet solution at that alpha."""

    X, y, _ = data
    n, p = X.shape
    grid = np.geomspace(0.8, 0.005, 12)
    model = NonconvexLassoIC(criterion, penalty="l1", l1_ratio=0.5, alphas=grid,
                             tol=1e-12).fit(X, y)
    ols = LinearRegression().fit(X, y)
    sigma2 = np.sum((y - ols.predict(X)) ** 2) / (n - p - 1)
    assert model.noise_variance_ == pytest.approx(sigma2, rel=1e-10)
    expected, coefs = [], []
    for alpha in grid:  # decreasing, the order of alphas_
        enet = ElasticNet(alpha=alpha, l1_ratio=0.5, tol=1e-14,
                          max_iter=100_000).fit(X, y)
        rss = np.sum((y - enet.predict(X)) ** 2)
        df = np.count_nonzero(enet.coef_)
        size = _factor(criterion, n) * df
        if criterion == "ebic":
            size = size + 2 * 0.5 * np.log(comb(p, df))
        expected.append(n * np.log(2 * np.pi * sigma2) + rss / sigma2 + size)
        coefs.append(enet.coef_)
    np.testing.assert_allclose(model.criterion_, expected, rtol=1e-6)
    best = int(np.argmin(expected))
    assert model.alpha_ == grid[best]
    np.testing.assert_allclose(model.coef_, coefs[best], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("cls", _IC_CLASSES)
@pytest.mark.parametrize("params, name", [
    ({"penalty_weights": "negative"}, "penalty_weights"),
    ({"penalty_weights": "nan"}, "penalty_weights"),
    ({"penalty_weights": "short"}, "penalty_weights"),
    ({"penalty_weights": "zeros"}, "penalty_weights"),
    ({"l1_ratio": -0.1}, "l1_ratio"),
    ({"l1_ratio": 1.5}, "l1_ratio"),
    ({"l1_ratio": float("nan")}, "l1_ratio"),
    ({"l1_ratio": [0.5, 1.0]}, "l1_ratio"),
])
def test_bad_weighting_names_the_parameter(cls, params, name):
    X, y = _problem(cls, n=40, p=4)
    bad = {"negative": [1.0, -1.0, 1.0, 1.0], "nan": [1.0, np.nan, 1.0, 1.0],
           "short": [1.0, 1.0, 1.0], "zeros": np.zeros(4)}
    params = {key: bad.get(value, value) if isinstance(value, str) else value
              for key, value in params.items()}
    with pytest.raises(ValueError, match=name):
        cls(**params).fit(X, y)


@pytest.mark.parametrize("cls", _IC_CLASSES)
def test_l1_ratio_zero_needs_explicit_alphas(cls):
    X, y = _problem(cls, n=60, p=4)
    with pytest.raises(ValueError, match="l1_ratio"):
        cls(l1_ratio=0.0, alphas=10).fit(X, y)
    # ridge only: every coefficient is non-zero, so df = p at every alpha
    model = cls(l1_ratio=0.0, alphas=[1.0, 0.1]).fit(X, y)
    assert np.count_nonzero(model.coef_) == X.shape[1]


# --------------------------------------------------------------------------
# More than two classes: the multinomial path


def _multiclass_data(n_classes=4, random_state=0):
    from sklearn.datasets import make_classification
    from sklearn.preprocessing import StandardScaler

    X, y = make_classification(
        240, 10, n_informative=4, n_redundant=0, n_classes=n_classes,
        n_clusters_per_class=1, class_sep=0.8, random_state=random_state)
    return StandardScaler().fit_transform(X), y


_MULTICLASS_ALPHAS = np.array([0.2, 0.1, 0.05, 0.02, 0.01, 0.005])


@pytest.mark.parametrize("criterion", ["aic", "bic", "ebic"])
@pytest.mark.parametrize("penalty", ["l1", "mcp"])
def test_multiclass_criterion_is_multinomial_deviance_plus_size_penalty(
        criterion, penalty):
    """Each alpha's criterion against the formula on independent
    NonconvexLogisticRegression fits: deviance from log_loss, df the
    non-zero coefficients of all classes, EBIC's p = n_features * n_classes."""
    from sparsestat.linear_model import NonconvexLogisticRegression

    # three classes: with an even number the L1 penalty of the shift of a
    # feature's class coefficients is flat between the two middle ones, so
    # fits of the same objective value may differ in df
    X, y = _multiclass_data(3)
    n, p = X.shape
    # a large gamma keeps MCP's objective convex here, so the warm-started
    # path and the cold single fits reach the same solutions
    gamma = 30.0
    model = NonconvexLogisticRegressionIC(
        criterion, penalty=penalty, gamma=gamma, alphas=_MULTICLASS_ALPHAS,
        tol=1e-10).fit(X, y)
    expected = []
    for alpha in model.alphas_:
        fit = NonconvexLogisticRegression(
            alpha=alpha, penalty=penalty, gamma=gamma, tol=1e-10).fit(X, y)
        deviance = 2 * log_loss(y, fit.predict_proba(X), normalize=False)
        df = np.count_nonzero(fit.coef_)
        size = 2 * df if criterion == "aic" else np.log(n) * df
        if criterion == "ebic":
            size = size + 2 * 0.5 * np.log(comb(p * 3, df))
        expected.append(deviance + size)
    np.testing.assert_allclose(model.criterion_, expected, rtol=1e-6)
    best = int(np.argmin(expected))
    assert model.alpha_ == model.alphas_[best]
    assert model.coef_.shape == (3, p) and model.intercept_.shape == (3,)
    assert model.classes_.tolist() == [0, 1, 2]
    proba = model.predict_proba(X)
    assert proba.shape == (n, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert model.decision_function(X).shape == (n, 3)
    np.testing.assert_array_equal(
        model.predict(X), model.classes_[np.argmax(proba, axis=1)])


def test_multiclass_predictions_are_nonconvex_logistic_regressions():
    """The selected model predicts as NonconvexLogisticRegression at the
    selected alpha (the same coefficients give the same softmax)."""
    from sparsestat.linear_model import NonconvexLogisticRegression

    X, y = _multiclass_data(3, random_state=1)
    model = NonconvexLogisticRegressionIC(
        penalty="l1", alphas=_MULTICLASS_ALPHAS, tol=1e-10).fit(X, y)
    ref = NonconvexLogisticRegression(alpha=model.alpha_, penalty="l1").fit(X, y)
    ref.coef_, ref.intercept_ = model.coef_, model.intercept_
    np.testing.assert_array_equal(model.predict_proba(X), ref.predict_proba(X))
    np.testing.assert_array_equal(model.predict_log_proba(X),
                                  ref.predict_log_proba(X))
    np.testing.assert_array_equal(model.predict(X), ref.predict(X))
    np.testing.assert_allclose(model.intercept_.sum(), 0.0, atol=1e-12)


def test_multiclass_string_labels():
    X, y = _multiclass_data(3)
    names = np.array(["setosa", "versicolor", "virginica"])
    numeric = NonconvexLogisticRegressionIC(alphas=10).fit(X, y)
    labelled = NonconvexLogisticRegressionIC(alphas=10).fit(X, names[y])
    assert labelled.classes_.tolist() == names.tolist()
    np.testing.assert_array_equal(labelled.coef_, numeric.coef_)
    np.testing.assert_array_equal(labelled.criterion_, numeric.criterion_)
    np.testing.assert_array_equal(labelled.predict(X), names[numeric.predict(X)])


def test_multiclass_sample_weights_are_repeated_rows():
    X, y = _multiclass_data(3, random_state=2)
    counts = np.random.default_rng(0).integers(0, 4, X.shape[0])
    # every class keeps rows of positive weight
    counts[:10] = np.maximum(counts[:10], 1)
    weighted = NonconvexLogisticRegressionIC(
        "bic", penalty="l1", alphas=_MULTICLASS_ALPHAS, tol=1e-10).fit(
        X, y, sample_weight=counts)
    rows = np.repeat(np.arange(X.shape[0]), counts)
    repeated = NonconvexLogisticRegressionIC(
        "bic", penalty="l1", alphas=_MULTICLASS_ALPHAS, tol=1e-10).fit(
        X[rows], y[rows])
    np.testing.assert_allclose(weighted.criterion_, repeated.criterion_, rtol=1e-6)
    assert weighted.alpha_ == repeated.alpha_
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-6)


def test_multiclass_ebic_selects_no_larger_model_than_bic():
    """On many noise features (60 features, 4 informative, 4 classes) EBIC
    keeps no more coefficients than BIC, and BIC no more than AIC."""
    from sklearn.datasets import make_classification
    from sklearn.preprocessing import StandardScaler

    X, y = make_classification(200, 60, n_informative=4, n_redundant=0,
                               n_classes=4, n_clusters_per_class=1,
                               class_sep=0.8, random_state=1)
    X = StandardScaler().fit_transform(X)
    sizes = {}
    for criterion in ("aic", "bic", "ebic"):
        model = NonconvexLogisticRegressionIC(
            criterion, penalty="l1", alphas=20).fit(X, y)
        sizes[criterion] = np.count_nonzero(model.coef_)
    # BIC's model has fewer than half the n_features * n_classes coefficients,
    # where EBIC's extra penalty increases with df
    assert sizes["bic"] < X.shape[1] * 4 / 2
    assert sizes["ebic"] <= sizes["bic"] <= sizes["aic"]
    # the design separates them (a test of the ordering, not of a tie)
    assert sizes["ebic"] < sizes["bic"] < sizes["aic"]


def test_binary_layout_unchanged_next_to_multiclass():
    """Two classes keep the binary path and layout: coef_ of shape
    (1, n_features), the path's coefficients exactly, 1-D scores."""
    X, y, _ = make_sparse_regression(200, 8, 3, snr=5, task="classification",
                                     random_state=4)
    model = NonconvexLogisticRegressionIC("bic", alphas=12, tol=1e-8).fit(X, y)
    alphas, coefs, intercepts, _ = nonconvex_path(
        X, y, loss="log_loss", alphas=model.alphas_, tol=1e-8,
        return_intercept=True)
    best = int(np.flatnonzero(alphas == model.alpha_)[0])
    np.testing.assert_array_equal(model.coef_, coefs[:, best][None, :])
    np.testing.assert_array_equal(model.intercept_, [intercepts[best]])
    assert model.decision_function(X).shape == (200,)
    assert model.predict_proba(X).shape == (200, 2)


def test_multiclass_class_without_weight_or_samples_raises():
    X, y = _multiclass_data(3)
    names = np.array(["a", "b", "c"])[y]
    weights = np.where(y == 2, 0.0, 1.0)
    with pytest.raises(ValueError, match="'c'.* has zero total sample_weight"):
        NonconvexLogisticRegressionIC().fit(X, names, sample_weight=weights)
    lonely = names.copy()
    lonely[0] = "d"
    with pytest.raises(ValueError, match="'d'.* has 1 sample"):
        NonconvexLogisticRegressionIC().fit(X, lonely)


def test_multiclass_penalty_weights_reach_the_multinomial_path():
    from sklearn.datasets import load_iris
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    plain = NonconvexLogisticRegressionIC(alphas=10).fit(X, y)
    ones = NonconvexLogisticRegressionIC(alphas=10,
                                         penalty_weights=np.ones(4)).fit(X, y)
    np.testing.assert_array_equal(plain.coef_, ones.coef_)
    free = NonconvexLogisticRegressionIC(alphas=10,
                                         penalty_weights=[0, 1, 1, 1]).fit(X, y)
    # the unpenalised feature is in the model for every class
    assert np.all(free.coef_[:, 0] != 0)
    assert free.coef_.shape == (3, 4)
