"""CoLiDE(covariance="precomputed"): the fit from the covariance alone.

``test_dask_recipe`` is the recipe of doc/user_guide/dag.rst ("Covariance
input"); keep the two in sync.
"""

import numpy as np
import pytest

from sparsestat.dag import CoLiDE
from sparsestat.datasets import make_dag, sample_linear_sem


def _data(d=12, n=2000, seed=0):
    W = make_dag(d, edges_per_node=2, random_state=seed)
    scale = np.linspace(0.7, 1.4, d)
    return sample_linear_sem(W, n, noise_scale=scale, random_state=seed) + 3.0


def test_dask_recipe():
    # doc/user_guide/dag.rst, "Covariance input": keep in sync
    da = pytest.importorskip("dask.array")
    X_np = _data(d=20, n=4000, seed=3)

    # --- the recipe ---------------------------------------------------
    X = da.from_array(X_np, chunks=(1_000, 20))

    Xc = X - X.mean(axis=0)
    C = (Xc.T @ Xc / X.shape[0]).compute()

    model = CoLiDE(noise="nonequal", covariance="precomputed").fit(C)
    # ------------------------------------------------------------------

    assert isinstance(C, np.ndarray) and C.shape == (20, 20)
    raw = CoLiDE(noise="nonequal").fit(X_np)
    # dask sums the chunks in another order: C agrees to rounding only
    Xn = X_np - raw.mean_
    C_np = Xn.T @ Xn / len(Xn)
    np.testing.assert_allclose(C, C_np, rtol=1e-13, atol=1e-13 * np.abs(C_np).max())
    # the fit on the estimator's own C is the raw fit, bit for bit
    exact = CoLiDE(noise="nonequal", covariance="precomputed").fit(C_np)
    np.testing.assert_array_equal(exact.raw_coef_, raw.raw_coef_)
    np.testing.assert_array_equal(exact.noise_scale_, raw.noise_scale_)
    # a rounding-level change of C moves the stopping iteration of the
    # stages (tol is a relative objective decrease), hence the weights by
    # about 1e-4 (measured: 3.5e-4 here, 2e-5 to 6e-5 with tol=1e-10 or 0);
    # the graph is the same
    np.testing.assert_array_equal(model.adjacency_, raw.adjacency_)
    np.testing.assert_allclose(model.coef_, raw.coef_, rtol=0, atol=2e-3)
    np.testing.assert_allclose(model.noise_scale_, raw.noise_scale_, rtol=5e-3)


@pytest.mark.parametrize("noise", ["equal", "nonequal"])
def test_precomputed_matches_raw_fit_and_score(noise):
    X = _data(seed=1)
    raw = CoLiDE(noise=noise).fit(X)
    Xc = X - raw.mean_
    est = CoLiDE(noise=noise, covariance="precomputed").fit(Xc.T @ Xc / len(Xc))
    np.testing.assert_array_equal(est.coef_, raw.coef_)
    assert est.mean_ is None and raw.mean_.shape == (12,)
    # score takes a held-out covariance; centred with the training means it
    # is the raw score exactly
    X_test = _data(seed=2)
    Xt = X_test - raw.mean_
    np.testing.assert_allclose(est.score(Xt.T @ Xt / len(Xt)), raw.score(X_test),
                               rtol=1e-10)


def test_dataframe_covariance_gives_feature_names():
    pd = pytest.importorskip("pandas")
    X = _data(d=5, seed=4)
    df = pd.DataFrame(X, columns=list("abcde"))
    est = CoLiDE(covariance="precomputed").fit(df.cov(ddof=0))
    assert list(est.feature_names_in_) == list("abcde")
    assert set(est.to_networkx().nodes) == set("abcde")


def test_sample_count_does_not_matter():
    # the same C from n and from 10 n rows (the data repeated): same graph
    X = _data(d=6, n=300, seed=5)
    a = CoLiDE().fit(X)
    b = CoLiDE().fit(np.tile(X, (10, 1)))
    np.testing.assert_array_equal(a.adjacency_, b.adjacency_)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=2e-3)


def test_bad_precomputed_covariance():
    X = _data(d=5, seed=6)
    C = np.cov(X, rowvar=False, bias=True)
    est = CoLiDE(covariance="precomputed")
    with pytest.raises(ValueError, match="square"):
        est.fit(C[:, :4])
    asym = C.copy()
    asym[0, 1] += 0.5
    with pytest.raises(ValueError, match="symmetric"):
        est.fit(asym)
    indefinite = C.copy()
    indefinite[0, 1] = indefinite[1, 0] = 2 * np.sqrt(C[0, 0] * C[1, 1])
    with pytest.raises(ValueError, match="positive semi-definite"):
        est.fit(indefinite)
    for bad in (np.nan, np.inf):
        Cb = C.copy()
        Cb[2, 2] = bad
        with pytest.raises(ValueError, match="NaN|infinity"):
            est.fit(Cb)
    zero = C.copy()
    zero[3, :] = zero[:, 3] = 0
    with pytest.raises(ValueError, match=r"positive diagonal.*\[3\]"):
        est.fit(zero)
    with pytest.raises(ValueError, match="covariance"):
        CoLiDE(covariance="empirical").fit(C)
    fitted = est.fit(C)
    with pytest.raises(ValueError, match="square"):
        fitted.score(X)
