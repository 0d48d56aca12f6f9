"""Issue 17 regression tests for the linear models: offsets, units, sparse
storage, sample weights and warm starts (each reproducer of the issue)."""

import dataclasses
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import Lasso

from sparsestat.linear_model import (
    NonconvexLasso,
    NonconvexLassoCV,
    NonconvexLogisticRegression,
    NonconvexLogisticRegressionCV,
    nonconvex_path,
)
from sparsestat.linear_model._least_squares import cd_least_squares
from sparsestat.utils._design import center_target, make_design
from sparsestat.utils.validation import check_sparse_input

SOLVERS = ["cd", "apg", "pgd"]


def issue_data(n=200):
    """The issue's reproducer: 3 informative standard normal columns."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 3))
    y = X @ [1.5, -1, 0.8] + 0.3 * rng.standard_normal(n)
    return X, y


def duplicated(X):
    """The issue's CSC with every entry split into 2/3 and 1/3 (equals X)."""
    C = sp.csc_matrix(X)
    d = np.column_stack([C.data * 2 / 3, C.data / 3]).ravel()
    return sp.csc_matrix((d, np.repeat(C.indices, 2), C.indptr * 2), shape=X.shape)


# ---------------------------------------------------------------- offsets

@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("offset, dtype, atol", [
    (3e6, np.float64, 1e-6), (100.0, np.float32, 1e-3), (1e3, np.float32, 1e-3),
])
def test_lasso_offset_matches_unshifted_fit(solver, offset, dtype, atol):
    X, y = issue_data()
    ref = NonconvexLasso(alpha=0.05, solver=solver).fit(X.astype(dtype), y)
    model = NonconvexLasso(alpha=0.05, solver=solver).fit((X + offset).astype(dtype), y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=atol)
    assert model.score((X + offset).astype(dtype), y) > 0.97
    # scikit-learn's Lasso on the same shifted data, as the issue states
    sk = Lasso(alpha=0.05).fit(X + offset, y)
    assert sk.score(X + offset, y) > 0.97


def test_offset_fit_does_not_change_nor_copy_ordinary_x():
    X, y = issue_data()
    X = np.asfortranarray(X + 5)
    sw = np.full(X.shape[0], 1 / X.shape[0])
    design = make_design(X, sw, True)
    assert design.shift is None and design.dense is X
    big = np.asfortranarray(X + 3e6)
    before = big.copy()
    design = make_design(big, sw, True)
    assert design.shift is not None and not np.shares_memory(design.dense, big)
    np.testing.assert_array_equal(big, before)
    np.testing.assert_allclose(design.X_offset, big.mean(axis=0), rtol=1e-14)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("offset, dtype, atol", [(3e6, np.float64, 1e-5), (100.0, np.float32, 5e-2)])
def test_logistic_offset_matches_unshifted_fit(solver, offset, dtype, atol):
    X, y = issue_data()
    # noisy labels: a well-conditioned problem, so that coefficients
    # compare at the solver tolerance
    y01 = (y + 2 * np.random.default_rng(3).standard_normal(len(y)) > 0).astype(int)
    tol = 1e-7 if dtype == np.float64 else 1e-4
    ref = NonconvexLogisticRegression(alpha=0.05, solver=solver, tol=tol).fit(
        X.astype(dtype), y01)
    model = NonconvexLogisticRegression(alpha=0.05, solver=solver, tol=tol).fit(
        (X + offset).astype(dtype), y01)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=atol)
    Xo = (X + offset).astype(dtype)
    np.testing.assert_allclose(model.decision_function(Xo), ref.decision_function(X.astype(dtype)),
                               atol=50 * atol)


def test_cv_and_path_with_offset():
    X, y = issue_data()
    ref = NonconvexLassoCV(cv=3, alphas=20).fit(X, y)
    model = NonconvexLassoCV(cv=3, alphas=20).fit(X + 3e6, y)
    assert model.alpha_ == pytest.approx(ref.alpha_)
    np.testing.assert_allclose(model.mse_path_, ref.mse_path_, rtol=1e-5)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-6)
    _, coefs_ref, _ = nonconvex_path(X, y, alphas=10)
    _, coefs, _ = nonconvex_path(X + 3e6, y, alphas=10)
    np.testing.assert_allclose(coefs, coefs_ref, atol=1e-6)
    y01 = (y > 0).astype(int)
    ref = NonconvexLogisticRegressionCV(cv=3, alphas=8).fit(X, y01)
    model = NonconvexLogisticRegressionCV(cv=3, alphas=8).fit(X + 3e6, y01)
    np.testing.assert_allclose(model.scores_, ref.scores_, rtol=1e-6)


@pytest.mark.parametrize("offset, dtype", [(1e14, np.float64), (1e6, np.float32)])
@pytest.mark.parametrize("est", [NonconvexLasso(alpha=0.05),
                                 NonconvexLogisticRegression(alpha=0.05)])
def test_offset_beyond_dtype_raises(offset, dtype, est):
    X, y = issue_data()
    if isinstance(est, NonconvexLogisticRegression):
        y = y > 0
    with pytest.raises(ValueError, match="Column 0 of X varies by .* rounding"):
        est.fit((X + offset).astype(dtype), y)


def test_exactly_constant_columns_are_held_at_zero():
    X, y = issue_data()
    X = np.column_stack([X, np.full(len(y), 3e6), np.full(len(y), 1 / 3)])
    for dtype in (np.float64, np.float32):
        coef = NonconvexLasso(alpha=0.05).fit(X.astype(dtype), y).coef_
        assert coef[3] == 0 and coef[4] == 0 and np.all(coef[:3] != 0)
    # stored in a sparse matrix (every row stored, or the implicit zeros on
    # rows without weight): the rounding of the weights fakes no spread
    sw = np.random.default_rng(2).uniform(0.1, 2.0, len(y))
    coef = NonconvexLasso(alpha=0.05).fit(sp.csc_matrix(X), y, sample_weight=sw).coef_
    assert coef[3] == 0 and coef[4] == 0
    Xz = X.copy()
    Xz[5, 3] = 0
    sw[5] = 0
    coef = NonconvexLasso(alpha=0.05).fit(sp.csc_matrix(Xz), y, sample_weight=sw).coef_
    assert coef[3] == 0
    # constant on the weighted rows only: still constant, no error
    X[:10, 4] = 7.0
    sw = np.r_[np.zeros(10), np.ones(len(y) - 10)]
    assert NonconvexLasso(alpha=0.05).fit(X, y, sample_weight=sw).coef_[4] == 0


def test_sparse_offset():
    X, y = issue_data()
    # moderate offsets on a sparse matrix: implicit centring, same fit
    ref = NonconvexLasso(alpha=0.05).fit(X + 10, y)
    model = NonconvexLasso(alpha=0.05).fit(sp.csc_matrix(X + 10), y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-7)
    # huge ones: a clear error (a sparse matrix is not densified)
    for est, target in [(NonconvexLasso(alpha=0.05), y),
                        (NonconvexLogisticRegression(alpha=0.05), y > 0)]:
        with pytest.raises(ValueError, match="sparse X .* times its spread"):
            est.fit(sp.csc_matrix(X + 3e6), target)


# ------------------------------------------------------------------ units

@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("c, d", [(1e-3, 1e-3), (1e3, 1.0), (1.0, 1e-6), (1e-8, 1e8),
                                  (1e4, 1e-4)])
def test_lasso_units(solver, c, d):
    X, y = issue_data()
    ref = NonconvexLasso(alpha=0.05, penalty="l1", solver=solver).fit(X, y)
    model = NonconvexLasso(alpha=0.05 * c * d, penalty="l1", solver=solver).fit(c * X, d * y)
    assert model.n_iter_ > 0
    np.testing.assert_allclose(model.coef_ * c / d, ref.coef_, rtol=1e-3, atol=1e-4)
    # MCP: gamma is in units of 1 / Var(x_j) (and must stay > 1)
    if 3.0 / c**2 <= 1:
        return
    ref = NonconvexLasso(alpha=0.05, solver=solver).fit(X, y)
    model = NonconvexLasso(alpha=0.05 * c * d, gamma=3.0 / c**2, solver=solver).fit(c * X, d * y)
    np.testing.assert_allclose(model.coef_ * c / d, ref.coef_, rtol=1e-3, atol=1e-4)


def test_issue_small_units_reproducers():
    X, y = issue_data()
    model = NonconvexLasso(alpha=0.05e-6).fit(X * 1e-3, y * 1e-3)
    assert model.n_iter_ > 0 and np.all(model.coef_ != 0)
    cv = NonconvexLassoCV(cv=3).fit(X * 0.01, y * 0.01)
    assert np.all(cv.coef_ != 0)
    assert np.ptp(cv.mse_path_.mean(axis=-1)) > 0.1 * np.var(y * 0.01)


def test_one_huge_column_does_not_freeze_the_others():
    X, y = issue_data()
    ref = NonconvexLasso(alpha=0.05).fit(X, y)
    X[:, 0] *= 1e14
    model = NonconvexLasso(alpha=0.05).fit(X, y)
    np.testing.assert_allclose(model.coef_ * [1e14, 1, 1], ref.coef_, rtol=1e-4)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("c", [1e-4, 1e4])
def test_logistic_units(solver, c):
    X, y = issue_data()
    y01 = (y > 0).astype(int)
    ref = NonconvexLogisticRegression(alpha=0.05, penalty="l1", solver=solver).fit(X, y01)
    model = NonconvexLogisticRegression(alpha=0.05 * c, penalty="l1", solver=solver).fit(c * X, y01)
    np.testing.assert_allclose(model.coef_ * c, ref.coef_, rtol=1e-3, atol=1e-3)
    assert model.stop_crit_ <= 1e-4


# ----------------------------------------------------------------- sparse

def test_duplicate_entries_reproducer():
    X, y = issue_data()
    D = duplicated(X)
    before = D.data.copy(), D.indices.copy()
    ref = NonconvexLasso(alpha=0.05).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = NonconvexLasso(alpha=0.05).fit(D, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-7)
    np.testing.assert_array_equal(D.data, before[0])
    np.testing.assert_array_equal(D.indices, before[1])
    y01 = (y > 0).astype(int)
    ref = NonconvexLogisticRegressionCV(cv=3, alphas=10).fit(X, y01)
    model = NonconvexLogisticRegressionCV(cv=3, alphas=10).fit(D, y01)
    # (alpha_ itself is an argmax over scores that tie at small alphas)
    np.testing.assert_allclose(model.scores_, ref.scores_, rtol=1e-7)
    ref = NonconvexLogisticRegression(alpha=0.05).fit(X, y01)
    model = NonconvexLogisticRegression(alpha=0.05).fit(D, y01)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-7)


def test_gram_kernel_adds_duplicate_entries():
    """The kernel itself sums duplicates (input past check_sparse_input has
    none, but a kernel must not silently depend on it)."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 8))
    X[rng.random(X.shape) < 0.5] = 0
    y = X[:, :3] @ [1.0, -2.0, 1.5] + 0.1 * rng.standard_normal(60)
    sw = np.full(60, 1 / 60)
    canonical = make_design(check_sparse_input(sp.csc_matrix(X)), sw, True)
    noncanonical = make_design(check_sparse_input(sp.csc_matrix(X)), sw, True)
    D = duplicated(X)
    noncanonical.view = dataclasses.replace(
        noncanonical.view, data=D.data, indices=D.indices.astype(np.int32),
        indptr=D.indptr.astype(np.int32))
    y_c, _ = center_target(y, sw, True)
    coefs = []
    for design in (canonical, noncanonical):
        w = np.zeros(8)
        cd_least_squares(design, y_c, sw, True, w, penalty="mcp", alpha=0.05,
                            gamma=3.0, positive=False, max_iter=100, tol=1e-10)
        coefs.append(w)
    np.testing.assert_allclose(coefs[1], coefs[0], atol=1e-9)


@pytest.mark.parametrize("make", [
    lambda X: sp.csr_matrix(X), lambda X: sp.coo_matrix(X), lambda X: sp.csc_array(X),
    lambda X: duplicated(X).tocsr(),
])
def test_sparse_storage_gives_same_fit(make):
    X, y = issue_data()
    X[np.abs(X) < 0.5] = 0
    ref = NonconvexLasso(alpha=0.05).fit(X, y)
    np.testing.assert_allclose(NonconvexLasso(alpha=0.05).fit(make(X), y).coef_,
                               ref.coef_, atol=1e-7)
    C = sp.csc_matrix(X)
    U = sp.csc_matrix((C.data[::-1].copy(), C.indices[::-1].copy(), C.indptr), shape=X.shape)
    # reversed arrays: the columns' order is reversed too
    np.testing.assert_allclose(NonconvexLasso(alpha=0.05).fit(U, y).coef_,
                               NonconvexLasso(alpha=0.05).fit(U.toarray(), y).coef_, atol=1e-7)
    L = sp.csc_matrix(X)
    L.indices, L.indptr = L.indices.astype(np.int64), L.indptr.astype(np.int64)
    np.testing.assert_allclose(NonconvexLasso(alpha=0.05).fit(L, y).coef_, ref.coef_, atol=1e-7)


@pytest.mark.parametrize("bad", [10**7, -5])
@pytest.mark.parametrize("fit", [
    lambda X, y: NonconvexLasso(alpha=0.05).fit(X, y),
    lambda X, y: NonconvexLogisticRegression(alpha=0.05).fit(X, y > 0),
    lambda X, y: NonconvexLassoCV(cv=3, alphas=3).fit(X, y),
    lambda X, y: NonconvexLogisticRegressionCV(cv=3, alphas=3).fit(X, y > 0),
    lambda X, y: nonconvex_path(X, y, alphas=3),
])
@pytest.mark.parametrize("fmt", ["csc", "csr"])
def test_corrupt_sparse_structure_raises(bad, fit, fmt):
    X, y = issue_data()
    Xs = sp.csc_matrix(X) if fmt == "csc" else sp.csr_matrix(X)
    Xs.indices[3] = bad
    with pytest.raises(ValueError, match="invalid structure"):
        fit(Xs, y)


# --------------------------------------------------------- sample weights

def test_huge_and_tiny_weights():
    X, y = issue_data()
    ref = NonconvexLasso(alpha=0.05).fit(X, y)
    for scale in (1e308, 1e-300):
        model = NonconvexLasso(alpha=0.05).fit(X, y, sample_weight=np.full(len(y), scale))
        np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-10)


def test_cv_test_fold_without_weight_is_skipped():
    X, y = issue_data(60)
    sw = np.r_[np.zeros(20), np.ones(40)]
    with pytest.warns(UserWarning, match=r"zero on every test sample of CV fold\(s\) \[0\]"):
        model = NonconvexLassoCV(cv=3, alphas=20).fit(X, y, sample_weight=sw)
    assert np.all(np.isnan(model.mse_path_[..., 0]))
    assert np.all(np.isfinite(model.mse_path_[..., 1:]))
    assert model.alpha_ < model.alphas_[0]
    assert model.score(X[20:], y[20:]) > 0.9
    # the same as cross-validating on the two scored folds only
    folds = [(np.r_[20:60], np.r_[0:20]), (np.r_[0:20, 40:60], np.r_[20:40]),
             (np.r_[0:40], np.r_[40:60])]
    other = NonconvexLassoCV(cv=folds[1:], alphas=model.alphas_).fit(
        X, y, sample_weight=sw)
    assert other.alpha_ == model.alpha_
    y01 = (y > np.median(y)).astype(int)
    with pytest.warns(UserWarning, match="zero on every test sample"):
        clf = NonconvexLogisticRegressionCV(cv=folds, alphas=5).fit(X, y01, sample_weight=sw)
    assert np.all(np.isnan(clf.scores_[..., 0])) and np.all(np.isfinite(clf.scores_[..., 1:]))


@pytest.mark.parametrize("cv_cls", [NonconvexLassoCV, NonconvexLogisticRegressionCV])
def test_cv_training_fold_without_weight_raises(cv_cls):
    X, y = issue_data(60)
    if cv_cls is NonconvexLogisticRegressionCV:
        y = (y > np.median(y)).astype(int)
    folds = [(np.r_[20:60], np.r_[0:20]), (np.r_[0:20], np.r_[20:60])]
    sw = np.r_[np.ones(20), np.zeros(40)]
    with pytest.raises(ValueError, match="zero on every training sample of CV fold 0"):
        cv_cls(cv=folds, alphas=3).fit(X, y, sample_weight=sw)


# ------------------------------------------------------------ warm starts

@pytest.mark.parametrize("cls", [NonconvexLasso, NonconvexLogisticRegression])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_warm_start_from_non_finite_coef_restarts(cls, bad):
    X, y = issue_data()
    if cls is NonconvexLogisticRegression:
        y = (y > 0).astype(int)
    ref = cls(alpha=0.05).fit(X, y)
    model = cls(alpha=0.05, warm_start=True).fit(X, y)
    model.coef_ = np.array([bad, 1.0, 1.0])
    with pytest.warns(UserWarning, match="previous coef_ holds NaN or inf"):
        model.fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-8)
    assert np.isfinite(model.intercept_)
