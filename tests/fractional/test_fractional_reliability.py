"""Issue 17 for the fractional family: offsets, units, sparse storage,
degenerate ratios, Ctrl-C and history buffers (each reproducer a test)."""

import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from sparsestat.fractional import (
    DegenerateRatioWarning,
    FractionalSparseRegression,
    SparseFisherDiscriminant,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def linear():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    y = X @ [1.5, -1, 0.8] + 0.3 * rng.standard_normal(200)
    return X, y


@pytest.fixture
def binary():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 6))
    y = (X[:, :3] @ [1.0, -1.0, 0.5] + 0.5 * rng.standard_normal(300) > 0).astype(int)
    return X, y


# -- offsets -------------------------------------------------------------------

def test_offset_does_not_change_the_fit(linear):
    # reproducer: offset 10 scored R^2 0.27 against 0.973 at offset 0
    X, y = linear
    ref = FractionalSparseRegression(k=3).fit(X, y)
    assert ref.score(X, y) > 0.97
    for offset, dtype, rtol in [(10.0, np.float64, 1e-9), (1e6, np.float64, 1e-6),
                                (1e3, np.float32, 1e-3)]:
        Xo = (X + offset).astype(dtype)
        est = FractionalSparseRegression(k=3).fit(Xo, (y + 7).astype(dtype))
        np.testing.assert_allclose(est.coef_, ref.coef_, rtol=rtol, atol=rtol)
        np.testing.assert_allclose(est.objective_, ref.objective_, rtol=rtol)
        assert est.score(Xo, y + 7) > 0.97


def test_positive_features_of_mean_five(linear):
    # reproducer: R^2 0.59 instead of 0.99
    rng = np.random.default_rng(1)
    X = np.abs(rng.standard_normal((200, 3))) + 5.0 - 0.8
    y = X @ [1.5, -1, 0.8] + 0.1 * rng.standard_normal(200)
    est = FractionalSparseRegression(k=3).fit(X, y)
    assert est.score(X, y) > 0.98
    assert np.all(np.abs(est.coef_) < 0.99 * est.bound_)


def test_explicit_bound_at_offset_1e4_reaches_the_same_objective(linear):
    # reproducer: bound=10, max_iter=20000 stopped at F = 11123 against 3.5
    X, y = linear
    ref = FractionalSparseRegression(k=3, bound=10, max_iter=20000).fit(X, y)
    est = FractionalSparseRegression(k=3, bound=10, max_iter=20000).fit(X + 1e4, y)
    assert est.n_iter_ < 100
    np.testing.assert_allclose(est.objective_, ref.objective_, rtol=1e-8)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-6)


def test_sparse_offset_columns_centred_implicitly(linear):
    # a sparse design is centred without densifying: same fit as dense
    X, y = linear
    rng = np.random.default_rng(2)
    Xs = X * (rng.random(X.shape) < 0.5) + 3.0 * (rng.random(X.shape) < 0.3)
    dense = FractionalSparseRegression(k=2, tol=1e-10, max_iter=5000).fit(Xs, y)
    sparse = FractionalSparseRegression(k=2, tol=1e-10, max_iter=5000).fit(
        sp.csc_matrix(Xs), y
    )
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(sparse.intercept_, dense.intercept_, rtol=1e-8)


def test_auto_bound_does_not_bind_on_regular_data(linear):
    X, y = linear
    for Xo in (X, X + 10, np.abs(X) + 5):
        auto = FractionalSparseRegression(k=2, tol=1e-10, max_iter=5000).fit(Xo, y)
        wide = FractionalSparseRegression(
            k=2, bound=1e3 * auto.bound_, tol=1e-10, max_iter=5000
        ).fit(Xo, y)
        assert np.max(np.abs(auto.coef_)) < 0.5 * auto.bound_
        np.testing.assert_allclose(auto.coef_, wide.coef_, rtol=1e-6, atol=1e-9)


def test_fisher_offset_keeps_training_accuracy(binary):
    # reproducer: X + 1e8 (float64) or X + 1e4 (float32) dropped the
    # training accuracy from 0.92 to 0.60 with no warning
    X, y = binary
    ref = SparseFisherDiscriminant().fit(X, y)
    accuracy = ref.score(X, y)
    assert accuracy > 0.85
    for offset, dtype, rtol in [(1e8, np.float64, 1e-5), (1e4, np.float32, 1e-2)]:
        Xo = (X + offset).astype(dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            est = SparseFisherDiscriminant().fit(Xo, y)
        assert abs(est.score(Xo, y) - accuracy) <= 0.01
        np.testing.assert_allclose(est.coef_, ref.coef_, rtol=rtol, atol=rtol)
        np.testing.assert_allclose(est.objective_, ref.objective_, rtol=rtol)


def test_fisher_coef_shapes(binary):
    X, y = binary
    clf = SparseFisherDiscriminant().fit(X, y)
    assert clf.coef_.shape == (1, X.shape[1])
    assert clf.intercept_.shape == (1,)
    scores = clf.decision_function(X)
    assert scores.shape == (X.shape[0],)
    np.testing.assert_allclose(scores, X @ clf.coef_[0] + clf.intercept_[0])


# -- units -------------------------------------------------------------------

@pytest.mark.parametrize("c, d", [(1e-8, 1.0), (1e8, 1e-3), (3.0, 1e8)])
def test_units_rule_of_the_docstrings(linear, binary, c, d):
    X, y = linear
    ref = FractionalSparseRegression(k=2, alpha=3.0, bound=2.0).fit(X, y)
    est = FractionalSparseRegression(k=2, alpha=3.0 * c * d, bound=2.0 * d / c)
    est.fit(c * X, d * y)
    np.testing.assert_allclose(est.coef_ * c / d, ref.coef_, rtol=1e-8)
    assert est.n_iter_ == ref.n_iter_
    sw = np.linspace(0.5, 2, len(y))
    ref = FractionalSparseRegression(k=2, alpha=3.0).fit(X, y, sample_weight=sw)
    est = FractionalSparseRegression(k=2, alpha=3.0 * c).fit(X, y, sample_weight=c * sw)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-8)
    Xc, yc = binary
    ref = SparseFisherDiscriminant(alpha=0.2, bound=3.0).fit(Xc, yc)
    est = SparseFisherDiscriminant(alpha=0.2 * c, bound=3.0 / c).fit(c * Xc, yc)
    np.testing.assert_allclose(est.coef_ * c, ref.coef_, rtol=1e-8)


# -- sparse storage ----------------------------------------------------------

def duplicated(X):
    """The issue's CSC with every entry split into two duplicates."""
    C = sp.csc_matrix(X)
    d = np.column_stack([C.data * 2 / 3, C.data / 3]).ravel()
    return sp.csc_matrix((d, np.repeat(C.indices, 2), C.indptr * 2), shape=X.shape)


def unsorted(X):
    C = sp.csc_matrix(X)
    data, indices = C.data.copy(), C.indices.copy()
    for j in range(C.shape[1]):
        sl = slice(C.indptr[j], C.indptr[j + 1])
        data[sl], indices[sl] = data[sl][::-1], indices[sl][::-1]
    out = sp.csc_matrix((data, indices, C.indptr), shape=X.shape)
    out.has_sorted_indices = False
    return out


def int64(X):
    C = sp.csc_matrix(X)
    return sp.csc_matrix(
        (C.data, C.indices.astype(np.int64), C.indptr.astype(np.int64)), shape=X.shape
    )


@pytest.mark.parametrize("storage", [duplicated, unsorted, int64, sp.coo_matrix,
                                     sp.csr_matrix])
def test_sparse_storage_gives_the_same_fit(linear, binary, storage):
    X, y = linear
    X = X * (np.random.default_rng(3).random(X.shape) < 0.6)
    ref = FractionalSparseRegression(k=2).fit(sp.csc_matrix(X), y)
    Xs = storage(X)
    before = (Xs.data.copy(), Xs.format)
    est = FractionalSparseRegression(k=2).fit(Xs, y)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(Xs.data, before[0])  # caller's matrix untouched
    Xc, yc = binary
    ref = SparseFisherDiscriminant().fit(sp.csc_matrix(Xc), yc)
    est = SparseFisherDiscriminant().fit(storage(Xc), yc)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("bad", [10**7, -5])
def test_corrupt_sparse_indices_are_an_error(linear, binary, bad):
    # reproducer: indices[3] = 10**7 crashed the process, -5 read out of bounds
    X, y = linear
    Xs = sp.csc_matrix(X)
    Xs.indices[3] = bad
    with pytest.raises(ValueError, match="invalid structure"):
        FractionalSparseRegression(k=2).fit(Xs, y)
    Xc, yc = binary
    Xs = sp.csr_matrix(Xc)
    Xs.indices[3] = bad
    with pytest.raises(ValueError, match="invalid structure"):
        SparseFisherDiscriminant().fit(Xs, yc)


# -- degenerate ratio ----------------------------------------------------------

def test_near_zero_columns_are_reported():
    # F tends to 1 with huge weights on near-zero columns: say so
    rng = np.random.default_rng(4)
    n, p = 60, 40
    X = np.column_stack(
        [rng.standard_normal((n, 5)), 1e-7 * rng.standard_normal((n, p))]
    )
    y = X[:, :5] @ rng.standard_normal(5) + 0.5 * rng.standard_normal(n)
    with pytest.warns(DegenerateRatioWarning, match="near-zero columns"):
        est = FractionalSparseRegression(k=10, alpha=1.0, max_iter=200).fit(X, y)
    # the near-zero columns pull F below what the regular columns allow
    regular = FractionalSparseRegression(k=5, alpha=1.0).fit(X[:, :5], y)
    assert est.objective_ < 1.05 < regular.objective_
    assert issubclass(DegenerateRatioWarning, UserWarning)


def test_regular_data_gives_no_degenerate_warning(linear):
    X, y = linear
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateRatioWarning)
        FractionalSparseRegression(k=3).fit(X, y)
        FractionalSparseRegression(k=3).fit(sp.csc_matrix(X), y)


# -- hyper-parameter edges and history buffers -------------------------------

def test_huge_max_iter_allocates_nothing_up_front(linear):
    # reproducer: max_iter=10**9 allocated 7.45 GiB of history buffers
    X, y = linear
    est = FractionalSparseRegression(k=3, max_iter=10**9, verbose=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert est.objective_path_.shape == (est.n_iter_ + 1,)
    assert est.update_path_[0].size <= est.n_iter_ * X.shape[1]
    clf = SparseFisherDiscriminant(max_iter=10**9, verbose=1)
    clf.fit(X, (y > 0).astype(int))
    assert clf.objective_path_.shape == (clf.n_iter_ + 1,)


def test_long_histories_grow(capsys):
    # the histories start small and grow: beyond 64 epochs and 1024 moves
    from sparsestat.datasets import make_sparse_regression

    X, y, _ = make_sparse_regression(80, 120, 10, rho=0.8, random_state=0)
    est = FractionalSparseRegression(k=10, alpha=1.0, max_iter=300, tol=0, verbose=2)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert est.n_iter_ == 300
    assert est.objective_path_.shape == (301,)
    assert est.update_path_[0].size > 1024
    assert np.all(np.diff(est.objective_path_) <= 1e-12 * est.objective_path_[0])
    assert np.all(np.diff(est.time_path_) >= 0)
    w = np.zeros(X.shape[1])
    for i, v in zip(*est.update_path_):
        w[i] = v
    assert w.dtype == est.coef_.dtype
    np.testing.assert_allclose(w, est.coef_, rtol=1e-12)


@pytest.mark.parametrize("value", [2**31, 10**12])
def test_max_iter_beyond_int32_is_rejected(linear, value):
    X, y = linear
    with pytest.raises(ValueError, match="max_iter"):
        FractionalSparseRegression(max_iter=value).fit(X, y)
    with pytest.raises(ValueError, match="max_iter"):
        SparseFisherDiscriminant(max_iter=value).fit(X, (y > 0).astype(int))


# -- Ctrl-C ----------------------------------------------------------------------

# signal.default_int_handler: a child of a background job inherits SIGINT
# ignored (see tests/test_interrupt.py)
CHILD = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
import numpy as np
from sparsestat.fractional import {cls}
rng = np.random.default_rng(0)
X = rng.standard_normal((400, 2500))
y = {target}
est = {cls}({args}selection="greedy", max_iter=10**6, tol=0)
print("ready", flush=True)
est.fit(X, y)
print("finished", flush=True)
"""


@pytest.mark.parametrize("cls, target, args", [
    ("FractionalSparseRegression", "X[:, :20] @ rng.standard_normal(20)", "k=20, "),
    ("SparseFisherDiscriminant", "(X[:, 0] > 0).astype(int)", ""),
])
def test_ctrl_c_stops_a_greedy_fit(cls, target, args):
    # reproducer: the greedy solvers ran on for more than 300 s after SIGINT
    code = textwrap.dedent(CHILD.format(cls=cls, target=target, args=args))
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(1.5)  # validation and the working copy are done by then
        assert child.poll() is None
        cpu_at_signal = _cpu_seconds(child.pid)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode != 0
    assert "KeyboardInterrupt" in err
    # the work the child did after the signal, in CPU seconds, so that a
    # loaded machine (which stretches wall time, not work) cannot fail the
    # test: about 0.05 s idle, interpreter shut-down included; before the
    # interrupt checks it ran on for minutes
    if cpu_at_signal is not None:
        assert child_cpu_total(before_children) - cpu_at_signal < 2.0


def _cpu_seconds(pid):
    """User + system CPU seconds of a running process, from /proc (None
    where /proc is not available)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_cpu_total(before):
    """CPU seconds of the children reaped since ``before`` (a getrusage)."""
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def _offset_regression_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 6))
    y = X @ [1.5, -1, 0.8, 0, 0, 0] + 0.1 * rng.standard_normal(100)
    return X, y


@pytest.mark.parametrize("exponent", [13, 15])
def test_offset_1e13_columns_still_vary(exponent):
    # at an offset of 1e13 spreads the entries are quantised at 0.002 of a
    # spread (0.2 at 1e15): the columns vary, and the fit is that of the
    # rounded data
    X, y = _offset_regression_data()
    offset = 10.0**exponent * X.std(0)
    shifted = X + offset
    params = dict(k=3, alpha=10, tol=1e-12, max_iter=20000)
    fit = FractionalSparseRegression(**params).fit(shifted, y)
    # the subtraction is exact: both operands are within a factor 2
    ref = FractionalSparseRegression(**params).fit(shifted - offset, y)
    # the means of the rounded columns round too: eps * offset relative
    rtol = 1e2 * np.finfo(np.float64).eps * 10.0**exponent
    np.testing.assert_allclose(fit.coef_, ref.coef_, rtol=rtol, atol=1e-9)
    assert np.count_nonzero(fit.coef_) == 3
    np.testing.assert_allclose(fit.coef_[:3], [1.5, -1, 0.8], atol=0.1 * 10**(exponent - 13))


@pytest.mark.parametrize("offset, dtype", [
    (1e13, np.float64), (1e15, np.float64), (1e4, np.float32), (1e6, np.float32),
])
def test_fisher_means_one_spread_apart_at_large_offsets(offset, dtype):
    # the class means differ by about one spread; relative to |mu| that is
    # the rounding level, relative to the spread it is a clear separation
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 5))
    y = (rng.random(300) < 1 / (1 + np.exp(-X @ [2, -1.5, 1, 0, 0]))).astype(int)
    shift = offset * X.std(0)
    shifted = (X + shift).astype(dtype)
    # the same rounded data without the offset (an exact subtraction)
    ref = SparseFisherDiscriminant(alpha=0.1).fit(shifted.astype(np.float64) - shift, y)
    fit = SparseFisherDiscriminant(alpha=0.1).fit(shifted, y)
    cos = float(fit.coef_[0] @ ref.coef_[0]) / (
        np.linalg.norm(fit.coef_[0]) * np.linalg.norm(ref.coef_[0])
    )
    assert cos > 0.99
    assert fit.score(shifted, y) >= ref.score(shifted.astype(np.float64) - shift, y) - 0.02


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_huge_sample_weight_is_named(linear, dtype):
    X, y = linear
    X = X.astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="sample_weight is too large"):
            FractionalSparseRegression(k=3).fit(
                X, y, sample_weight=np.full(len(y), 1e308)
            )
        # the Fisher ratio only sees normalised weights: same fit as uniform
        Xb, yb = X, (y > np.median(y)).astype(int)
        fit = SparseFisherDiscriminant().fit(Xb, yb, sample_weight=np.full(len(y), 1e308))
        ref = SparseFisherDiscriminant().fit(Xb, yb)
        np.testing.assert_allclose(fit.coef_, ref.coef_, rtol=1e-5, atol=1e-7)


def test_large_sample_weight_in_float64_fits(linear):
    # weights of 1e300 sum to a finite total: the weighted loss is fine, and
    # scaling the weights and alpha together leaves the fit unchanged
    X, y = linear
    fit = FractionalSparseRegression(k=3, alpha=1e300).fit(
        X, y, sample_weight=np.full(len(y), 1e300)
    )
    ref = FractionalSparseRegression(k=3, alpha=1.0).fit(X, y)
    np.testing.assert_allclose(fit.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
    assert np.any(fit.coef_ != 0)
