"""Slow checks on the real data of ../shared/data (skipped when absent)."""

import os

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp

from sparsestat.fractional import FractionalSparseRegression, SparseFisherDiscriminant

# ../shared/data from the project root, or the folder named by SPARSESTAT_DATA
DATA = os.environ.get(
    "SPARSESTAT_DATA",
    os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"),
)

pytestmark = pytest.mark.slow


def load(name):
    path = os.path.join(DATA, name)
    if not os.path.exists(path):
        pytest.skip(f"{name} not available in {DATA}")
    return scipy.io.loadmat(path)


def test_e2006_ratio_matches_numpy_and_beats_start():
    data = load("E2006_5000_10000.mat")
    X = sp.csc_matrix(data["x"])[:, :2000]
    y = np.ravel(data["y"])
    y = y - y.mean()
    alpha, k = 0.1 / X.shape[0], 100
    est = FractionalSparseRegression(
        k=k, alpha=alpha, fit_intercept=False, max_iter=30, verbose=1
    ).fit(X, y)
    w = est.coef_
    r = y - X @ w
    topk = np.sort(np.abs(w))[::-1][:k].sum()
    F = (0.5 * r @ r + alpha * np.abs(w).sum()) / (alpha * topk)
    np.testing.assert_allclose(F, est.objective_, rtol=1e-8)
    assert est.objective_ < est.objective_path_[0]
    assert np.all(np.diff(est.objective_path_) <= 1e-10 * est.objective_path_[0])


def test_tdt2_one_vs_rest_fisher_is_sparse_and_accurate():
    data = load("TDT2.mat")
    X = sp.csc_matrix(data["fea"])
    gnd = np.ravel(data["gnd"])
    keep = np.argsort(-np.diff(X.indptr), kind="stable")[:2000]
    X = X[:, keep].tocsc()
    y = (gnd == np.bincount(gnd).argmax()).astype(int)
    rng = np.random.default_rng(0)
    train = rng.random(len(y)) < 0.7
    clf = SparseFisherDiscriminant(alpha=1.0, max_iter=200, tol=1e-3)
    clf.fit(X[train], y[train])
    accuracy = clf.score(X[~train], y[~train])
    majority = max(y[~train].mean(), 1 - y[~train].mean())
    assert accuracy > majority + 0.5 * (1 - majority)
    assert np.count_nonzero(clf.coef_) < X.shape[1] / 2
