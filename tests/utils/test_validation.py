"""check_sparse_input and check_sample_weight (issue 17, points 3 and 6)."""

import numpy as np
import pytest
import scipy.sparse as sp

from sparsestat.utils.validation import check_sample_weight, check_sparse_input


def _dense(seed=0, shape=(30, 5)):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(shape)
    X[rng.random(shape) < 0.4] = 0
    return X


def _duplicated(X):
    """CSC equal to X with every entry split in two (2/3 + 1/3)."""
    C = sp.csc_matrix(X)
    d = np.column_stack([C.data * 2 / 3, C.data / 3]).ravel()
    return sp.csc_matrix((d, np.repeat(C.indices, 2), C.indptr * 2), shape=X.shape)


def _unsorted(X):
    C = sp.csc_matrix(X)
    data, indices = C.data.copy(), C.indices.copy()
    for j in range(X.shape[1]):
        lo, hi = C.indptr[j], C.indptr[j + 1]
        data[lo:hi], indices[lo:hi] = data[lo:hi][::-1], indices[lo:hi][::-1]
    return sp.csc_matrix((data, indices, C.indptr.copy()), shape=X.shape)


def _snapshot(M):
    parts = ("data", "indices", "indptr") if M.format in ("csr", "csc") else ("data", "row", "col")
    return {p: np.array(getattr(M, p)) for p in parts}


@pytest.mark.parametrize("make", [
    sp.csc_matrix, sp.csr_matrix, sp.coo_matrix, sp.csc_array, sp.lil_matrix,
    _duplicated, lambda X: _duplicated(X).tocsr(), _unsorted,
    lambda X: sp.coo_matrix((np.r_[sp.coo_matrix(X).data / 2, sp.coo_matrix(X).data / 2],
                             (np.tile(sp.coo_matrix(X).row, 2), np.tile(sp.coo_matrix(X).col, 2))),
                            shape=X.shape),
])
def test_canonical_csc_equal_to_input(make):
    X = _dense()
    M = make(X)
    before = _snapshot(M) if M.format in ("csr", "csc", "coo") else None
    out = check_sparse_input(M)
    assert out.format == "csc"
    assert out.indices.dtype == np.int32 and out.indptr.dtype == np.int32
    np.testing.assert_allclose(out.toarray(), X, atol=1e-15)
    # canonical: indices strictly increasing within each column
    for j in range(X.shape[1]):
        col = out.indices[out.indptr[j]:out.indptr[j + 1]]
        assert np.all(np.diff(col) > 0)
    assert out.nnz == sp.csc_matrix(X).nnz
    if before is not None:  # the caller's matrix is untouched
        for part, value in before.items():
            np.testing.assert_array_equal(getattr(M, part), value)


def test_int64_indices():
    C = sp.csc_matrix(_dense())
    C.indices = C.indices.astype(np.int64)
    C.indptr = C.indptr.astype(np.int64)
    out = check_sparse_input(C)
    assert out.indices.dtype == np.int32
    assert C.indices.dtype == np.int64
    np.testing.assert_array_equal(out.toarray(), C.toarray())


def test_canonical_input_is_not_copied():
    C = sp.csc_matrix(_dense())
    out = check_sparse_input(C)
    assert np.shares_memory(out.data, C.data)


def test_dense_passes_through():
    X = _dense()
    assert check_sparse_input(X) is X


@pytest.mark.parametrize("fmt", ["csc", "csr"])
@pytest.mark.parametrize("bad", [10**7, -5])
def test_corrupt_indices_raise(fmt, bad):
    M = sp.csc_matrix(_dense()) if fmt == "csc" else sp.csr_matrix(_dense())
    M.indices[3] = bad
    with pytest.raises(ValueError, match="X is a sparse matrix with an invalid structure"):
        check_sparse_input(M)


def test_corrupt_indptr_raises():
    M = sp.csc_matrix(_dense())
    M.indptr[2] = M.indptr[3] + 1  # decreasing
    with pytest.raises(ValueError, match="invalid structure"):
        check_sparse_input(M)


def test_corrupt_coo_raises():
    M = sp.coo_matrix(_dense())
    M.row[0] = 10**6
    with pytest.raises(ValueError, match="invalid structure"):
        check_sparse_input(M)


def test_float_indices_raise():
    M = sp.csc_matrix(_dense())
    M.indices = M.indices.astype(np.float64)
    with pytest.raises(ValueError, match="invalid structure"):
        check_sparse_input(M)


@pytest.mark.parametrize("scale", [1e308, 1e-300, 5e-324])
def test_sample_weight_extreme_scales(scale):
    sw, uniform = check_sample_weight(np.full(4, scale), 4, np.float64)
    np.testing.assert_allclose(sw, 0.25)
    assert uniform
    sw, _ = check_sample_weight(np.array([0.5, 1.0, 0.5]) * 1.7e308, 3, np.float64)
    np.testing.assert_allclose(sw, [0.25, 0.5, 0.25])
