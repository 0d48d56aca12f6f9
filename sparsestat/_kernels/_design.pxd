# One column accessor for dense (Fortran-ordered) and CSC sparse designs,
# so that each solver is written once for both (lightning's ColumnDataset).
#
# A kernel receives the dense array and the three CSC arrays together with
# `is_sparse`; the unused side is a 1-element placeholder and is never read.
from cython cimport floating

from sparsestat._kernels._blas cimport _axpy, _dot


cdef inline floating col_dot(bint is_sparse, const floating* X, int n_samples,
                             const floating* data, const int* indices,
                             const int* indptr, int j,
                             const floating* v) noexcept nogil:
    """X[:, j] @ v"""
    cdef int k
    cdef floating acc = 0.
    if is_sparse:
        for k in range(indptr[j], indptr[j + 1]):
            acc += data[k] * v[indices[k]]
        return acc
    return _dot(n_samples, X + <size_t> j * n_samples, 1, v, 1)


cdef inline floating col_wdot(bint is_sparse, const floating* X, int n_samples,
                              const floating* data, const int* indices,
                              const int* indptr, int j, const floating* sw,
                              const floating* v) noexcept nogil:
    """X[:, j] @ (sw * v)"""
    cdef int i, k
    cdef floating acc = 0.
    cdef const floating* col
    if is_sparse:
        for k in range(indptr[j], indptr[j + 1]):
            acc += data[k] * sw[indices[k]] * v[indices[k]]
        return acc
    col = X + <size_t> j * n_samples
    for i in range(n_samples):
        acc += col[i] * sw[i] * v[i]
    return acc


cdef inline void col_axpy(bint is_sparse, const floating* X, int n_samples,
                          const floating* data, const int* indices,
                          const int* indptr, int j, floating a,
                          floating* v) noexcept nogil:
    """v += a * X[:, j]"""
    cdef int k
    if is_sparse:
        for k in range(indptr[j], indptr[j + 1]):
            v[indices[k]] += a * data[k]
        return
    _axpy(n_samples, a, X + <size_t> j * n_samples, 1, v, 1)
