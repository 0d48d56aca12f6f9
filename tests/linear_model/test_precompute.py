"""Fits from sufficient statistics (``precompute``) against the data-based fits.

The statistics define the same objective as the data, and the solver is
the same kernel on a square-root design: fits and paths must agree with
the ordinary ones to the solvers' tolerance (1e-8 in float64). The
statistics themselves are checked against plain numpy formulas, and
``test_dask_recipe`` is the Dask recipe of doc/user_guide/glm_precompute.rst
(keep the two in sync).
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import Lasso

from sparsestat.linear_model import (
    NonconvexLasso,
    SufficientStatistics,
    nonconvex_path,
    sufficient_statistics,
)
from tests.linear_model._reference import kkt_violation_reference

PENALTIES = ["mcp", "scad", "l1"]


def make_data(n=150, p=12, seed=0, offset=0.5):
    """A design whose Gram matrix's smallest eigenvalue (about 0.5) exceeds
    1/gamma for MCP (gamma=3) and 1/(gamma-1) for SCAD (gamma=3.7): the
    objective is strongly convex, so both fits reach the same minimiser."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + offset * rng.standard_normal(p)
    w = np.zeros(p)
    w[:4] = [2.0, -1.5, 1.0, 0.5]
    y = X @ w + 0.5 * rng.standard_normal(n) + 3.0
    sw = rng.uniform(0.2, 2.0, n)
    return X, y, sw


def gamma_of(penalty):
    return 3.7 if penalty == "scad" else 3.0


def reference_statistics(X, y, sw, fit_intercept):
    """The statistics by their definition, in dense numpy."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    sw = np.ones(X.shape[0]) if sw is None else np.asarray(sw, dtype=np.float64)
    s = sw / sw.sum()
    m = s @ X if fit_intercept else np.zeros(X.shape[1])
    ybar = float(s @ y) if fit_intercept else 0.0
    Xc, yc = X - m, y - ybar
    return (Xc.T * s) @ Xc, Xc.T @ (s * yc), float(s @ yc**2), m, ybar


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_statistics_match_their_definition(fit_intercept, weighted, sparse):
    X, y, sw = make_data()
    sw = sw if weighted else None
    Xfit = sp.csc_matrix(X * (np.abs(X) > 0.7)) if sparse else X
    stats = sufficient_statistics(Xfit, y, sample_weight=sw,
                                  fit_intercept=fit_intercept)
    gram, Xy, yy, m, ybar = reference_statistics(Xfit, y, sw, fit_intercept)
    np.testing.assert_allclose(stats.gram, gram, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stats.Xy, Xy, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stats.X_mean, m, rtol=1e-12, atol=1e-14)
    assert stats.yy == pytest.approx(yy, rel=1e-12)
    assert stats.y_mean == pytest.approx(ybar, rel=1e-12, abs=1e-14)
    assert stats.n_samples == X.shape[0]
    assert stats.sample_weight_sum == pytest.approx(
        X.shape[0] if sw is None else sw.sum())
    assert stats.fit_intercept is fit_intercept
    assert stats.gram.dtype == np.float64
    np.testing.assert_array_equal(stats.gram, stats.gram.T)


@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_fit_from_statistics_equals_ordinary_fit(penalty, fit_intercept, weighted,
                                                 sparse):
    X, y, sw = make_data()
    sw = sw if weighted else None
    Xfit = sp.csc_matrix(X * (np.abs(X) > 0.3)) if sparse else X
    params = dict(alpha=0.08, penalty=penalty, gamma=gamma_of(penalty),
                  fit_intercept=fit_intercept, tol=1e-12, max_iter=1000)
    ref = NonconvexLasso(**params).fit(Xfit, y, sample_weight=sw)
    stats = sufficient_statistics(Xfit, y, sample_weight=sw,
                                  fit_intercept=fit_intercept)
    fits = {
        "statistics": NonconvexLasso(**params, precompute=stats).fit(None, None),
        "statistics and data": NonconvexLasso(**params, precompute=stats).fit(
            Xfit, y, sample_weight=sw),
        "True": NonconvexLasso(**params, precompute=True).fit(
            Xfit, y, sample_weight=sw),
    }
    assert 0 < np.count_nonzero(ref.coef_) < X.shape[1]
    for name, model in fits.items():
        np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-8,
                                   err_msg=name)
        assert model.intercept_ == pytest.approx(ref.intercept_, abs=1e-8), name
        assert model.coef_.dtype == np.float64
        assert model.n_features_in_ == X.shape[1]
        assert model.stop_crit_ <= 1e-12
        if penalty == "l1":
            # the duality gap of the same problem, from the statistics
            assert 0 <= model.dual_gap_ <= 1e-12 * stats.yy + 1e-14
        else:
            assert model.dual_gap_ is None
    # and the fit is a stationary point of the data's objective
    viol, intercept_grad = kkt_violation_reference(
        X if not sparse else Xfit.toarray(), y,
        np.ones(X.shape[0]) if sw is None else sw, fits["statistics"])
    assert viol <= 1e-9
    assert intercept_grad <= 1e-9


@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("sparse", [False, True])
def test_float32_statistics_fit_in_float32(penalty, sparse):
    X, y, sw = make_data(offset=0.0)
    X32 = X.astype(np.float32)
    Xfit = sp.csc_matrix(X32 * (np.abs(X32) > 0.3)) if sparse else X32
    params = dict(alpha=0.08, penalty=penalty, gamma=gamma_of(penalty), tol=1e-5)
    ref = NonconvexLasso(**params).fit(Xfit, y, sample_weight=sw)
    stats = sufficient_statistics(Xfit, y, sample_weight=sw)
    assert stats.gram.dtype == np.float32 and stats.Xy.dtype == np.float32
    model = NonconvexLasso(**params, precompute=stats).fit(None, None)
    assert model.coef_.dtype == np.float32
    scale = float(np.abs(ref.coef_).max())
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-4 * scale)
    assert model.intercept_ == pytest.approx(ref.intercept_, abs=1e-4 * scale)


@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_path_from_statistics_equals_ordinary_path(penalty, fit_intercept):
    X, y, sw = make_data(seed=1)
    params = dict(penalty=penalty, gamma=gamma_of(penalty), alphas=20, eps=1e-2,
                  fit_intercept=fit_intercept, tol=1e-12, return_intercept=True)
    ref = nonconvex_path(X, y, sample_weight=sw, **params)
    stats = sufficient_statistics(X, y, sample_weight=sw,
                                  fit_intercept=fit_intercept)
    for got in (nonconvex_path(None, None, precompute=stats, **params),
                nonconvex_path(X, y, sample_weight=sw, precompute=True, **params)):
        np.testing.assert_allclose(got[0], ref[0], rtol=1e-12)  # same alpha grid
        np.testing.assert_allclose(got[1], ref[1], rtol=0, atol=1e-8)
        np.testing.assert_allclose(got[2], ref[2], rtol=0, atol=1e-8)
        if penalty != "l1":  # L1 solves may stop on the duality gap instead
            assert np.all(got[3] <= 1e-12)
    # the first alpha is alpha_max: all coefficients zero
    assert not ref[1][:, 0].any()


@pytest.mark.parametrize("penalty", PENALTIES)
def test_wide_rank_deficient_statistics(penalty):
    # p > n: the Gram matrix has rank n - 1; a constant column is held at 0
    rng = np.random.default_rng(2)
    X = rng.standard_normal((40, 90))
    X[:, 5] = 3.0
    y = X[:, :3] @ [2.0, -1.0, 1.5] + 0.3 * rng.standard_normal(40)
    params = dict(alpha=0.15, penalty=penalty, gamma=gamma_of(penalty), tol=1e-12,
                  max_iter=1000)
    ref = NonconvexLasso(**params).fit(X, y)
    model = NonconvexLasso(**params,
                           precompute=sufficient_statistics(X, y)).fit(None, None)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-8)
    assert model.intercept_ == pytest.approx(ref.intercept_, abs=1e-8)
    assert model.coef_[5] == 0


@pytest.mark.parametrize("penalty", PENALTIES)
def test_positive_fit_from_statistics(penalty):
    X, y, sw = make_data(seed=3)
    y = y - 4 * X[:, 1]  # a negative coefficient that positivity removes
    params = dict(alpha=0.05, penalty=penalty, gamma=gamma_of(penalty), tol=1e-12,
                  positive=True)
    ref = NonconvexLasso(**params).fit(X, y, sample_weight=sw)
    model = NonconvexLasso(
        **params, precompute=sufficient_statistics(X, y, sample_weight=sw)
    ).fit(None, None)
    assert ref.coef_.min() >= 0 and ref.coef_[1] == 0
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-8)


def test_nonconvex_regime_gives_a_stationary_point_of_the_data():
    # smallest Gram eigenvalue below 1/gamma: MCP is nonconvex here, so the
    # fit from statistics is checked on its own, by the data's KKT conditions
    rng = np.random.default_rng(4)
    X = rng.standard_normal((60, 50))
    X[:, 1] = X[:, 0] + 0.1 * rng.standard_normal(60)
    y = X[:, 0] - X[:, 2] + 0.2 * rng.standard_normal(60)
    sw = rng.uniform(0.5, 2.0, 60)
    model = NonconvexLasso(
        alpha=0.05, penalty="mcp", gamma=1.5, tol=1e-10, max_iter=1000,
        precompute=sufficient_statistics(X, y, sample_weight=sw),
    ).fit(None, None)
    viol, intercept_grad = kkt_violation_reference(X, y, sw, model)
    assert viol <= 1e-8 and intercept_grad <= 1e-10


@pytest.mark.parametrize("weighted", [False, True])
def test_gram_array_follows_sklearn_lasso(weighted):
    # scikit-learn's convention (its example of a precomputed Gram matrix
    # with weighted samples): the weights rescaled to sum to n_samples, the
    # Gram matrix of X centred by the weighted means
    X, y, sw = make_data(seed=5)
    n = X.shape[0]
    sw = sw * (n / sw.sum()) if weighted else np.ones(n)
    Xc = X - np.average(X, axis=0, weights=sw)
    gram = (Xc * sw[:, None]).T @ Xc
    ref = Lasso(alpha=0.05, precompute=gram, tol=1e-14, max_iter=100_000).fit(
        Xc, y, sample_weight=sw if weighted else None)
    for Xfit in (X, Xc):  # our array is that of the centred X, either way
        ours = NonconvexLasso(alpha=0.05, penalty="l1", precompute=gram,
                              tol=1e-12).fit(Xfit, y,
                                             sample_weight=sw if weighted else None)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-7)
    ours = NonconvexLasso(alpha=0.05, penalty="l1", precompute=gram,
                          tol=1e-12).fit(Xc, y, sample_weight=sw if weighted else None)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-7)


def test_dask_recipe():
    # doc/user_guide/glm_precompute.rst, "The Dask recipe": keep in sync
    da = pytest.importorskip("dask.array")
    X_np, y_np, sw_np = make_data(n=5_000, p=20, seed=6, offset=3.0)

    # --- the recipe ---------------------------------------------------
    from sparsestat.linear_model import (
        NonconvexLasso,
        nonconvex_path,
        sufficient_statistics,
    )

    X = da.from_array(X_np, chunks=(1_000, 20))   # e.g. da.from_zarr(...)
    y = da.from_array(y_np, chunks=1_000)
    sample_weight = da.from_array(sw_np, chunks=1_000)

    # on the cluster: two passes over the rows, a 20 x 20 result
    stats = sufficient_statistics(X, y, sample_weight=sample_weight)

    # locally, from the statistics only
    model = NonconvexLasso(alpha=0.05, penalty="mcp", precompute=stats)
    model.fit(None, None)
    alphas, coefs, intercepts, kkt = nonconvex_path(
        None, None, precompute=stats, penalty="mcp", alphas=30,
        return_intercept=True)
    # --- end of the recipe --------------------------------------------

    assert isinstance(stats, SufficientStatistics)
    # the numpy fits, at the default tolerance (1e-4 on the scaled KKT
    # violation: the two solves may stop at different iterates within it)
    ref = NonconvexLasso(alpha=0.05, penalty="mcp").fit(X_np, y_np,
                                                         sample_weight=sw_np)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-4)
    assert model.intercept_ == pytest.approx(ref.intercept_, abs=1e-4)
    ref_path = nonconvex_path(X_np, y_np, sample_weight=sw_np, penalty="mcp",
                              alphas=30, return_intercept=True)
    np.testing.assert_allclose(alphas, ref_path[0], rtol=1e-10)
    np.testing.assert_allclose(coefs, ref_path[1], rtol=0, atol=1e-4)
    np.testing.assert_allclose(intercepts, ref_path[2], rtol=0, atol=1e-4)
    # and to 1e-8 at a tight tolerance
    tight = dict(alpha=0.05, penalty="mcp", tol=1e-12)
    np.testing.assert_allclose(
        NonconvexLasso(**tight, precompute=stats).fit(None, None).coef_,
        NonconvexLasso(**tight).fit(X_np, y_np, sample_weight=sw_np).coef_,
        rtol=0, atol=1e-8)
    # the dask statistics are the numpy ones
    local = sufficient_statistics(X_np, y_np, sample_weight=sw_np)
    np.testing.assert_allclose(stats.gram, local.gram, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(stats.Xy, local.Xy, rtol=1e-10, atol=1e-12)
    assert stats.yy == pytest.approx(local.yy, rel=1e-12)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dask_statistics_match_numpy(fit_intercept, dtype):
    da = pytest.importorskip("dask.array")
    X, y, _ = make_data(n=900, p=7, seed=7)
    X = X.astype(dtype)
    X[:, 3] = 2.5  # a constant column
    lazy = sufficient_statistics(da.from_array(X, chunks=(200, 7)),
                                 da.from_array(y, chunks=300),
                                 fit_intercept=fit_intercept)
    local = sufficient_statistics(X, y, fit_intercept=fit_intercept)
    assert lazy.gram.dtype == dtype
    atol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(lazy.gram, local.gram, rtol=1e-5, atol=atol)
    np.testing.assert_allclose(lazy.Xy, local.Xy, rtol=1e-5, atol=atol)
    ref = NonconvexLasso(alpha=0.1, fit_intercept=fit_intercept).fit(X, y)
    model = NonconvexLasso(alpha=0.1, fit_intercept=fit_intercept,
                           precompute=lazy).fit(None, None)
    if fit_intercept:  # without intercept a constant column is a predictor
        assert model.coef_[3] == 0
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0,
                               atol=1e-8 if dtype == np.float64 else 1e-4)


def test_dask_statistics_reject_nan_and_bad_weights():
    da = pytest.importorskip("dask.array")
    X, y, sw = make_data(n=100, p=4)
    X[7, 2] = np.nan
    with pytest.raises(ValueError, match="not finite"):
        sufficient_statistics(da.from_array(X, chunks=50), da.from_array(y))
    X[7, 2] = 0.0
    sw[3] = -1.0
    with pytest.raises(ValueError, match="sample_weight"):
        sufficient_statistics(da.from_array(X, chunks=50), da.from_array(y),
                              sample_weight=da.from_array(sw))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        sufficient_statistics(da.from_array(X), da.from_array(y[:-1]))


def test_estimator_api_with_statistics():
    X, y, _ = make_data()
    stats = sufficient_statistics(X, y)
    est = NonconvexLasso(alpha=0.1, precompute=stats)
    twin = clone(est)
    assert twin.get_params()["precompute"] is not stats  # deep-copied by clone
    model = twin.fit(None, None)
    np.testing.assert_allclose(model.predict(X), X @ model.coef_ + model.intercept_)
    assert model.score(X, y) > 0.9
    assert "SufficientStatistics(n_samples=150" in repr(est)
    # warm start from the previous fit
    warm = NonconvexLasso(alpha=0.09, precompute=stats, warm_start=True)
    warm.coef_ = model.coef_
    warm.fit(None, None)
    cold = NonconvexLasso(alpha=0.09, precompute=stats, tol=1e-12).fit(None, None)
    np.testing.assert_allclose(warm.coef_, cold.coef_, atol=1e-3)
    # feature names of an earlier data fit do not survive a fit without data
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    est = NonconvexLasso(alpha=0.1).fit(frame, y)
    assert hasattr(est, "feature_names_in_")
    est.set_params(precompute=stats).fit(None, None)
    assert not hasattr(est, "feature_names_in_")


# ---------------------------------------------------------------------------
# Bad input: a ValueError or TypeError naming precompute


def replace(stats, **fields):
    values = {f: getattr(stats, f) for f in (
        "gram", "Xy", "yy", "X_mean", "y_mean", "n_samples", "sample_weight_sum",
        "fit_intercept")}
    values.update(fields)
    return SufficientStatistics(**values)


@pytest.fixture
def stats():
    X, y, _ = make_data(p=5)
    return sufficient_statistics(X, y)


def _bad_cases(stats):
    g = stats.gram
    asym = g.copy()
    asym[0, 1] += 0.1 * np.sqrt(g[0, 0] * g[1, 1])
    indefinite = g.copy()
    indefinite[0, 1] = indefinite[1, 0] = 2 * np.sqrt(g[0, 0] * g[1, 1])
    negdiag = g.copy()
    negdiag[2, 2] = -1.0
    nan = g.copy()
    nan[1, 1] = np.nan
    zero_row = g.copy()
    zero_row[3, :] = zero_row[:, 3] = 0.0
    zero_row[3, 0] = zero_row[0, 3] = 0.5
    return {
        "gram not square": (dict(gram=g[:, :4]), "square"),
        "gram 1-D": (dict(gram=np.diag(g)), "square"),
        "gram scalar": (dict(gram=1.0), "square"),
        "gram not symmetric": (dict(gram=asym), "not symmetric"),
        "gram not PSD": (dict(gram=indefinite), "positive semi-definite"),
        "negative diagonal": (dict(gram=negdiag), "positive semi-definite"),
        "zero diagonal, nonzero row": (dict(gram=zero_row), "positive semi-definite"),
        "gram NaN": (dict(gram=nan), "NaN"),
        "Xy wrong length": (dict(Xy=stats.Xy[:3]), "Xy must have shape"),
        "Xy NaN": (dict(Xy=np.full(5, np.nan)), "NaN"),
        "X_mean wrong length": (dict(X_mean=np.zeros(6)), "X_mean"),
        "yy too small": (dict(yy=stats.yy / 100), "yy"),
        "yy negative": (dict(yy=-1.0), "yy"),
        "yy NaN": (dict(yy=np.nan), "yy"),
        "n_samples zero": (dict(n_samples=0), "n_samples"),
        "fit_intercept mismatch": (dict(fit_intercept=False), "fit_intercept"),
    }


@pytest.mark.parametrize("case", list(_bad_cases(
    sufficient_statistics(*make_data(p=5)[:2]))))
def test_bad_statistics_raise_naming_precompute(stats, case):
    fields, match = _bad_cases(stats)[case]
    bad = replace(stats, **fields)
    assert repr(bad).startswith("SufficientStatistics(")
    with pytest.raises(ValueError, match=match) as info:
        NonconvexLasso(precompute=bad).fit(None, None)
    assert "precompute" in str(info.value)
    with pytest.raises(ValueError, match="precompute"):
        nonconvex_path(None, None, precompute=bad, alphas=3)


def test_non_numeric_statistics_are_type_errors(stats):
    with pytest.raises(TypeError, match="precompute: gram"):
        NonconvexLasso(precompute=replace(stats, gram=[["a"] * 5] * 5)).fit(None, None)


def test_statistics_inconsistent_with_the_data(stats):
    X, y, sw = make_data(p=5)
    model = NonconvexLasso(precompute=stats)
    other_X = X.copy()
    other_X[:, 2] *= 2
    for args, kwargs in [
        ((other_X, y), {}),                      # another X
        ((X, y + 1), {}),                        # another y (mean)
        ((X, 2 * y), {}),                        # another y (spread)
        ((X, y), {"sample_weight": sw}),         # other weights
        ((X[:-1], y[:-1]), {}),                  # fewer samples
        ((X[:, :4], y), {}),                     # fewer features
    ]:
        with pytest.raises(ValueError, match="precompute"):
            model.fit(*args, **kwargs)
    # the matching data are accepted
    model.fit(X, y)


def test_missing_data_or_extra_weights():
    X, y, sw = make_data(p=5)
    stats = sufficient_statistics(X, y)
    with pytest.raises(ValueError, match="sample_weight must be None"):
        NonconvexLasso(precompute=stats).fit(None, None, sample_weight=sw)
    with pytest.raises(ValueError, match="both X and y"):
        NonconvexLasso(precompute=stats).fit(X, None)
    with pytest.raises(ValueError, match="X and y are required"):
        NonconvexLasso(precompute=True).fit(None, None)
    with pytest.raises(ValueError, match="X and y are required"):
        NonconvexLasso(precompute=stats.gram).fit(None, None)
    with pytest.raises(ValueError, match="loss='squared_error'"):
        nonconvex_path(X, y > y.mean(), loss="log_loss", precompute=True)


def test_bad_gram_array(stats):
    X, y, _ = make_data(p=5)
    Xc = X - X.mean(axis=0)
    gram = Xc.T @ Xc
    NonconvexLasso(precompute=gram).fit(X, y)
    with pytest.raises(ValueError, match="precompute: the Gram matrix must have"):
        NonconvexLasso(precompute=gram[:4, :4]).fit(X, y)
    with pytest.raises(ValueError, match="precompute: the Gram matrix does not match"):
        NonconvexLasso(precompute=X.T @ X).fit(X, y)  # not centred
    with pytest.raises(ValueError, match="precompute: the Gram matrix does not match"):
        NonconvexLasso(precompute=gram / X.shape[0]).fit(X, y)  # not ours to scale
    bad = gram.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="precompute"):
        NonconvexLasso(precompute=bad).fit(X, y)
    with pytest.raises(ValueError, match="'precompute' parameter"):
        NonconvexLasso(precompute="auto").fit(X, y)
    with pytest.raises(ValueError, match="'precompute' parameter"):
        nonconvex_path(X, y, precompute="auto")


def test_sufficient_statistics_input_checks():
    X, y, sw = make_data(p=5)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        sufficient_statistics(X, y[:-1])
    with pytest.raises(ValueError, match="NaN"):
        sufficient_statistics(np.where(X > 2, np.nan, X), y)
    with pytest.raises(ValueError, match="sample_weight"):
        sufficient_statistics(X, y, sample_weight=-sw)
    with pytest.raises(ValueError, match="y must be 1-D"):
        sufficient_statistics(X, np.c_[y, y])
    with pytest.raises(TypeError, match="fit_intercept"):
        sufficient_statistics(X, y, fit_intercept="yes")


@pytest.mark.parametrize("penalty", PENALTIES)
def test_penalty_weights_and_l1_ratio_from_statistics(penalty):
    # the penalty bundle (per-feature weights, a zero one unpenalised, and
    # the elastic-net mixing) applies to fits and paths from statistics too
    X, y, sw = make_data(seed=8)
    weights = np.linspace(0.5, 2.0, X.shape[1])
    weights[2] = 0.0
    params = dict(penalty=penalty, gamma=gamma_of(penalty), tol=1e-12,
                  penalty_weights=weights, l1_ratio=0.7)
    stats = sufficient_statistics(X, y, sample_weight=sw)
    ref = NonconvexLasso(alpha=0.1, **params).fit(X, y, sample_weight=sw)
    model = NonconvexLasso(alpha=0.1, precompute=stats, **params).fit(None, None)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-8)
    assert model.intercept_ == pytest.approx(ref.intercept_, abs=1e-8)
    ref_path = nonconvex_path(X, y, sample_weight=sw, alphas=10, eps=1e-2,
                              return_intercept=True, **params)
    path = nonconvex_path(None, None, precompute=stats, alphas=10, eps=1e-2,
                          return_intercept=True, **params)
    for got, want in zip(path[:3], ref_path[:3], strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-8)
    # the unpenalised feature is in the model from alpha_max on
    assert path[1][2, 0] != 0


@pytest.mark.parametrize("solver", ["apg", "pgd"])
@pytest.mark.parametrize("penalty", ["mcp", "l1"])
def test_gradient_solvers_from_statistics(solver, penalty):
    # the square-root design serves every solver, not only CD
    X, y, sw = make_data(seed=9)
    params = dict(alpha=0.08, penalty=penalty, solver=solver, tol=1e-10,
                  max_iter=200_000)
    ref = NonconvexLasso(**params).fit(X, y, sample_weight=sw)
    model = NonconvexLasso(
        **params, precompute=sufficient_statistics(X, y, sample_weight=sw)
    ).fit(None, None)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-8)
    assert model.intercept_ == pytest.approx(ref.intercept_, abs=1e-8)
    assert model.dual_gap_ is None
