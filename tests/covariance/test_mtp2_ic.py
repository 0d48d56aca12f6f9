"""MTP2GraphicalModelIC: EBIC/BIC along the warm-started path, from data or
from a precomputed covariance; the checks of a precomputed matrix (shared
with MTP2GraphicalModel); ``test_dask_recipe`` is the recipe of
doc/user_guide/covariance_precomputed.rst (keep the two in sync)."""

import re

import numpy as np
import pytest
from sklearn.covariance import empirical_covariance

from sparsestat.covariance import (
    MTP2GraphicalModel,
    MTP2GraphicalModelCV,
    MTP2GraphicalModelIC,
    mtp2_path,
)
from sparsestat.datasets import make_mtp2_precision
from sparsestat.metrics import edge_recovery


def _data(p=8, n=200, seed=0, offset=0.0):
    T = make_mtp2_precision(p, graph="BA", random_state=seed)
    rng = np.random.default_rng(seed)
    X = rng.multivariate_normal(np.full(p, offset), np.linalg.inv(T), size=n,
                                method="cholesky")
    return T, X


@pytest.mark.parametrize("criterion, ebic_gamma", [("ebic", 0.5), ("ebic", 1.0),
                                                   ("bic", 0.5)])
def test_criterion_matches_numpy(criterion, ebic_gamma):
    _, X = _data()
    n, p = X.shape
    model = MTP2GraphicalModelIC(criterion, ebic_gamma=ebic_gamma, alphas=12).fit(X)
    S = np.cov(X, rowvar=False, bias=True)
    precisions = mtp2_path(S, model.alphas_)[0]
    g = ebic_gamma if criterion == "ebic" else 0.0
    expected, edges = [], []
    for T in precisions:
        n_edges = int(np.sum(np.triu(T, 1) != 0))
        loglik = n / 2 * (np.log(np.linalg.det(T)) - np.trace(S @ T))
        expected.append(-2 * loglik + n_edges * np.log(n)
                        + 4 * g * n_edges * np.log(p))
        edges.append(n_edges)
    np.testing.assert_allclose(model.criterion_, expected, rtol=1e-6)
    np.testing.assert_array_equal(model.n_edges_path_, edges)
    np.testing.assert_allclose(-2 * model.log_likelihood_path_
                               + np.array(edges) * (np.log(n) + 4 * g * np.log(p)),
                               model.criterion_, rtol=1e-12)
    # the selected fit is the first (largest alpha) minimum of the criterion
    best = int(np.argmin(model.criterion_))
    ties = np.flatnonzero(model.criterion_ <= model.criterion_[best]
                          + 1e-8 * abs(model.criterion_[best]))
    assert model.alpha_ == model.alphas_[ties[0]]
    k = ties[0]
    np.testing.assert_allclose(model.precision_, precisions[k], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.covariance_ @ model.precision_, np.eye(p),
                               atol=1e-8)
    assert model.adjacency_.sum() // 2 == model.n_edges_path_[k]
    assert model.n_samples_ == n


def test_bic_is_ebic_with_zero_gamma_and_selects_more_edges():
    _, X = _data(p=15, n=150, seed=3)
    bic = MTP2GraphicalModelIC("bic", alphas=15).fit(X)
    zero = MTP2GraphicalModelIC("ebic", ebic_gamma=0.0, alphas=15).fit(X)
    np.testing.assert_array_equal(bic.criterion_, zero.criterion_)
    ebic = MTP2GraphicalModelIC("ebic", ebic_gamma=1.0, alphas=15).fit(X)
    # the heavier penalty per edge never selects a larger graph
    assert ebic.adjacency_.sum() <= bic.adjacency_.sum()
    assert ebic.alpha_ >= bic.alpha_


def test_explicit_alphas_are_solved_in_decreasing_order():
    _, X = _data()
    model = MTP2GraphicalModelIC(alphas=[0.05, 0.3, 0.1]).fit(X)
    np.testing.assert_array_equal(model.alphas_, [0.3, 0.1, 0.05])
    assert model.alpha_ in model.alphas_


def test_precomputed_equals_data_fit():
    _, X = _data(p=10, n=300, seed=1, offset=2.0)
    raw = MTP2GraphicalModelIC(alphas=15).fit(X)
    S = empirical_covariance(X)
    pre = MTP2GraphicalModelIC(alphas=15, covariance="precomputed",
                               n_samples=X.shape[0]).fit(S)
    np.testing.assert_allclose(pre.criterion_, raw.criterion_, rtol=1e-9)
    np.testing.assert_allclose(pre.alpha_, raw.alpha_, rtol=1e-12)
    np.testing.assert_allclose(pre.precision_, raw.precision_, rtol=1e-7, atol=1e-10)
    np.testing.assert_array_equal(pre.adjacency_, raw.adjacency_)
    np.testing.assert_array_equal(pre.location_, 0.0)
    np.testing.assert_allclose(raw.location_, X.mean(axis=0))
    # with data, n_samples may repeat the number of rows
    same = MTP2GraphicalModelIC(alphas=15, n_samples=X.shape[0]).fit(X)
    np.testing.assert_array_equal(same.criterion_, raw.criterion_)


def test_float32_input_keeps_its_dtype():
    _, X = _data()
    model = MTP2GraphicalModelIC(alphas=8).fit(X.astype(np.float32))
    assert model.precision_.dtype == np.float32
    assert model.covariance_.dtype == np.float32
    ref = MTP2GraphicalModelIC(alphas=8).fit(X)
    assert np.isclose(model.alpha_, ref.alpha_, rtol=1e-5)


def test_dask_recipe():
    # doc/user_guide/covariance_precomputed.rst, "The recipe": keep in sync
    da = pytest.importorskip("dask.array")
    _, X_np = _data(p=12, n=4_000, seed=2, offset=5.0)

    # --- the recipe ---------------------------------------------------
    from sparsestat.covariance import MTP2GraphicalModelIC

    X = da.from_array(X_np, chunks=(1_000, 12))   # e.g. da.from_zarr(...)
    n = X.shape[0]

    # on the cluster: the mean in one pass over the rows, the centred
    # products X_c^T X_c in a second; a 12 x 12 result comes back
    Xc = X - X.mean(axis=0)
    S = (Xc.T @ Xc / n).compute()

    # locally, from the covariance and the number of rows only
    model = MTP2GraphicalModelIC(covariance="precomputed", n_samples=n).fit(S)
    # --- end of the recipe --------------------------------------------

    raw = MTP2GraphicalModelIC().fit(X_np)
    np.testing.assert_allclose(S, empirical_covariance(X_np), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(model.criterion_, raw.criterion_, rtol=1e-8)
    assert np.isclose(model.alpha_, raw.alpha_, rtol=1e-10)
    np.testing.assert_array_equal(model.adjacency_, raw.adjacency_)
    np.testing.assert_allclose(model.precision_, raw.precision_, rtol=1e-6,
                               atol=1e-9)


def test_verbose_reports_the_path(capsys, monkeypatch):
    monkeypatch.setenv("SPARSESTAT_PROGRESS", "plain")
    _, X = _data()
    MTP2GraphicalModelIC(alphas=5, verbose=1).fit(X)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "verbose=1 printed nothing"
    assert "5/5" in lines[-1]
    assert re.search(r"alpha=[\d.e+-]+", lines[-1])
    MTP2GraphicalModelIC(alphas=5).fit(X)
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------
# bad input

_PSD_2 = np.array([[1.0, 0.5], [0.5, 1.0]])


@pytest.mark.parametrize("params, match", [
    ({"criterion": "aic"}, "criterion"),
    ({"criterion": "cv"}, "criterion"),
    ({"alphas": []}, "alphas"),
    ({"alphas": [0.1, -0.2]}, "alphas"),
    ({"alphas": 0}, "alphas"),
    ({"alphas": [np.nan]}, "alphas"),
    ({"ebic_gamma": -0.1}, "ebic_gamma"),
    ({"ebic_gamma": 1.5}, "ebic_gamma"),
    ({"ebic_gamma": np.nan}, "ebic_gamma"),
    ({"n_samples": 300}, "n_samples"),  # with data of 200 rows
])
def test_bad_parameters(params, match):
    _, X = _data()
    with pytest.raises(ValueError, match=match):
        MTP2GraphicalModelIC(**params).fit(X)


@pytest.mark.parametrize("n_samples", [None, 1, 0, -5])
def test_precomputed_needs_n_samples(n_samples):
    est = MTP2GraphicalModelIC(covariance="precomputed", n_samples=n_samples)
    with pytest.raises(ValueError, match="n_samples"):
        est.fit(_PSD_2)


def test_n_samples_must_be_an_integer():
    est = MTP2GraphicalModelIC(covariance="precomputed", n_samples=10.5)
    with pytest.raises((TypeError, ValueError), match="n_samples"):
        est.fit(_PSD_2)


def _estimators():
    return [MTP2GraphicalModel(alpha=0.05, covariance="precomputed"),
            MTP2GraphicalModelIC(alphas=4, covariance="precomputed", n_samples=50)]


@pytest.mark.parametrize("S, match", [
    (np.ones((3, 4)), "square"),
    ([[1.0, 0.5], [0.2, 1.0]], "symmetric"),
    ([[1.0, 2.0], [2.0, 1.0]], "semi-definite"),
    ([[1.0, 0.0], [0.0, 0.0]], "positive diagonal"),
    ([[1.0, 0.0], [0.0, -1.0]], "positive diagonal"),
    ([[-1.0, 0.0], [0.0, -1.0]], "positive diagonal"),
    ([[1.0, np.nan], [np.nan, 1.0]], "NaN"),
    ([[1.0, np.inf], [np.inf, 1.0]], "NaN|inf"),
    ([[np.nan, 0.5], [0.5, 1.0]], "NaN"),
])
@pytest.mark.parametrize("est", _estimators(), ids=lambda e: type(e).__name__)
def test_bad_precomputed_covariance(est, S, match):
    with pytest.raises(ValueError, match=match):
        est.fit(np.asarray(S))


def test_precomputed_checks_its_helper_directly():
    # the NaN test comes before the symmetry test (NaN != NaN would report
    # an asymmetric matrix)
    from sparsestat.covariance._checks import _check_covariance

    S = np.array([[1.0, np.nan], [0.3, 1.0]])
    with pytest.raises(ValueError, match="finite"):
        _check_covariance(S)
    ok = _check_covariance(np.array([[2.0, 0.5], [0.5 + 1e-12, 1.0]]))
    np.testing.assert_array_equal(ok, ok.T)


def test_cv_takes_no_precomputed_covariance():
    # held-out folds need the rows: the CV class has no covariance option
    # (its docstring points to MTP2GraphicalModelIC)
    with pytest.raises(TypeError, match="covariance"):
        MTP2GraphicalModelCV(covariance="precomputed")
    with pytest.raises(ValueError, match="covariance"):
        MTP2GraphicalModelCV().set_params(covariance="precomputed")
    assert "MTP2GraphicalModelIC" in MTP2GraphicalModelCV.__doc__


@pytest.mark.slow
def test_ebic_recovers_the_graph_better_than_cv():
    # the benchmark's setting, reduced: EBIC(0.5) at p = 50, n = 250
    T, X = _data(p=50, n=250, seed=4)
    ebic = MTP2GraphicalModelIC().fit(X)
    cv = MTP2GraphicalModelCV().fit(X)
    f1_ebic = edge_recovery(T, ebic.precision_, directed=False)["f1"]
    f1_cv = edge_recovery(T, cv.precision_, directed=False)["f1"]
    assert f1_ebic >= 0.95
    assert f1_ebic >= f1_cv


def test_l1_penalty_has_the_infinite_concavity():
    _, X = _data()
    model = MTP2GraphicalModelIC(penalty="l1", alphas=6).fit(X)
    assert model.gamma_ == np.inf
    assert len(model.n_iter_) == 1
