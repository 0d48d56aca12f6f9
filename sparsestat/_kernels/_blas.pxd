# Fused float32/float64 wrappers over scipy.linalg.cython_blas.
#
# scipy's BLAS signatures take non-const pointers; the casts below are safe
# because none of these routines writes to its read-only arguments.
from cython cimport floating
from scipy.linalg.cython_blas cimport (
    dasum, daxpy, dcopy, ddot, dgemm, dgemv, dnrm2, dscal,
    sasum, saxpy, scopy, sdot, sgemm, sgemv, snrm2, sscal,
)


cdef inline floating _dot(int n, const floating* x, int incx,
                          const floating* y, int incy) noexcept nogil:
    """x.T @ y"""
    if floating is float:
        return sdot(&n, <float*> x, &incx, <float*> y, &incy)
    else:
        return ddot(&n, <double*> x, &incx, <double*> y, &incy)


cdef inline floating _asum(int n, const floating* x, int incx) noexcept nogil:
    """np.sum(np.abs(x))"""
    if floating is float:
        return sasum(&n, <float*> x, &incx)
    else:
        return dasum(&n, <double*> x, &incx)


cdef inline void _axpy(int n, floating alpha, const floating* x, int incx,
                       floating* y, int incy) noexcept nogil:
    """y += alpha * x"""
    if floating is float:
        saxpy(&n, &alpha, <float*> x, &incx, y, &incy)
    else:
        daxpy(&n, &alpha, <double*> x, &incx, y, &incy)


cdef inline floating _nrm2(int n, const floating* x, int incx) noexcept nogil:
    """np.linalg.norm(x)"""
    if floating is float:
        return snrm2(&n, <float*> x, &incx)
    else:
        return dnrm2(&n, <double*> x, &incx)


cdef inline void _copy(int n, const floating* x, int incx,
                       floating* y, int incy) noexcept nogil:
    """y[:] = x"""
    if floating is float:
        scopy(&n, <float*> x, &incx, y, &incy)
    else:
        dcopy(&n, <double*> x, &incx, y, &incy)


cdef inline void _scal(int n, floating alpha, floating* x, int incx) noexcept nogil:
    """x *= alpha"""
    if floating is float:
        sscal(&n, &alpha, x, &incx)
    else:
        dscal(&n, &alpha, x, &incx)


cdef inline void _gemv_t(int m, int n, floating alpha, const floating* A, int lda,
                         const floating* x, floating beta,
                         floating* y) noexcept nogil:
    """y = alpha * A.T @ x + beta * y, A Fortran-ordered (m, n)."""
    cdef char trans = b"T"
    cdef int inc = 1
    if floating is float:
        sgemv(&trans, &m, &n, &alpha, <float*> A, &lda, <float*> x, &inc,
              &beta, y, &inc)
    else:
        dgemv(&trans, &m, &n, &alpha, <double*> A, &lda, <double*> x, &inc,
              &beta, y, &inc)


cdef inline void _gemv_n(int m, int n, floating alpha, const floating* A, int lda,
                         const floating* x, floating beta,
                         floating* y) noexcept nogil:
    """y = alpha * A @ x + beta * y, A Fortran-ordered (m, n)."""
    cdef char trans = b"N"
    cdef int inc = 1
    if floating is float:
        sgemv(&trans, &m, &n, &alpha, <float*> A, &lda, <float*> x, &inc,
              &beta, y, &inc)
    else:
        dgemv(&trans, &m, &n, &alpha, <double*> A, &lda, <double*> x, &inc,
              &beta, y, &inc)


cdef inline void _gemm_tn(int m, int n, int k, floating alpha, const floating* A,
                          int lda, const floating* B, int ldb, floating beta,
                          floating* C, int ldc) noexcept nogil:
    """C = alpha * A.T @ B + beta * C; A (k, m), B (k, n), C (m, n), Fortran."""
    cdef char transa = b"T"
    cdef char transb = b"N"
    if floating is float:
        sgemm(&transa, &transb, &m, &n, &k, &alpha, <float*> A, &lda,
              <float*> B, &ldb, &beta, C, &ldc)
    else:
        dgemm(&transa, &transb, &m, &n, &k, &alpha, <double*> A, &lda,
              <double*> B, &ldb, &beta, C, &ldc)
