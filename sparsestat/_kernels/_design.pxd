# One column accessor for dense (Fortran-ordered) and CSC sparse designs,
# so that each solver is written once for both (lightning's ColumnDataset).
#
# A kernel receives the dense array and the three CSC arrays together with
# `is_sparse`; the unused side is a 1-element placeholder and is never read.
from cython cimport floating

from sparsestat._kernels._blas cimport _axpy, _dot


# The arrays of a design bundle (sparsestat.utils._design.KernelDesign) as
# raw pointers. Structs cannot hold fused types, so the floating arrays are
# stored untyped: a kernel casts them back to its own `floating`, the
# precision read_design checked them in.
cdef struct DesignView:
    bint is_sparse
    int n_samples
    int n_features
    const void* X           # dense Fortran design (or a placeholder)
    const void* data        # CSC design (or placeholders)
    const int* indices
    const int* indptr
    Py_ssize_t n_data       # length of data (stored entries when sparse)
    const void* sw          # sample weights
    bint weighted           # False: all weights equal sw[0]
    double sw_sum           # sum of sw
    const void* X_mean      # weighted column means (zeros: no centring)
    const void* norms2      # centred sums of squares (zero: a held column)


cdef inline int read_design(DesignView* d, object design,
                            floating precision) except -1:
    """Fill ``d`` from the KernelDesign ``design``, whose arrays must be in
    the precision of ``precision`` (its value is not read: pass
    ``<floating> 0``). ``d`` borrows the arrays: ``design`` must outlive it."""
    view = design.view
    cdef const floating[::1, :] X = view.dense
    cdef const floating[::1] data = view.data
    cdef const int[::1] indices = view.indices
    cdef const int[::1] indptr = view.indptr
    cdef const floating[::1] sw = design.sw
    cdef const floating[::1] X_mean = design.X_mean
    cdef const floating[::1] norms2 = design.norms2
    d.is_sparse = view.is_sparse
    d.n_samples = sw.shape[0]
    d.n_features = X_mean.shape[0]
    d.X = &X[0, 0]
    d.data = &data[0]
    d.indices = &indices[0]
    d.indptr = &indptr[0]
    d.n_data = data.shape[0]
    d.sw = &sw[0]
    d.weighted = design.weighted
    d.sw_sum = design.sw_sum
    d.X_mean = &X_mean[0]
    d.norms2 = &norms2[0]
    return 0


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
