# Fused float32/float64 wrappers over scipy.linalg.cython_blas.
#
# scipy's BLAS signatures take non-const pointers; the casts below are safe
# because none of these routines writes to its read-only arguments.
from cython cimport floating
from scipy.linalg.cython_blas cimport (
    dasum, daxpy, dcopy, ddot, dgemm, dgemv, dnrm2, dscal, dsymm, dtrsm,
    sasum, saxpy, scopy, sdot, sgemm, sgemv, snrm2, sscal, ssymm, strsm,
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


cdef inline void _gemv(char trans, int m, int n, floating alpha, const floating* A,
                       int lda, const floating* x, floating beta,
                       floating* y) noexcept nogil:
    """y = alpha * op(A) @ x + beta * y, A Fortran-ordered (m, n), op(A) = A
    (trans c'N') or A.T (trans c'T'); unit strides."""
    cdef int inc = 1
    if floating is float:
        sgemv(&trans, &m, &n, &alpha, <float*> A, &lda, <float*> x, &inc,
              &beta, y, &inc)
    else:
        dgemv(&trans, &m, &n, &alpha, <double*> A, &lda, <double*> x, &inc,
              &beta, y, &inc)


cdef inline void _gemv_t(int m, int n, floating alpha, const floating* A, int lda,
                         const floating* x, floating beta,
                         floating* y) noexcept nogil:
    """y = alpha * A.T @ x + beta * y, A Fortran-ordered (m, n)."""
    _gemv(c'T', m, n, alpha, A, lda, x, beta, y)


cdef inline void _gemv_n(int m, int n, floating alpha, const floating* A, int lda,
                         const floating* x, floating beta,
                         floating* y) noexcept nogil:
    """y = alpha * A @ x + beta * y, A Fortran-ordered (m, n)."""
    _gemv(c'N', m, n, alpha, A, lda, x, beta, y)


cdef inline void _gemm(char transa, char transb, int m, int n, int k,
                       floating alpha, const floating* A, int lda,
                       const floating* B, int ldb, floating beta, floating* C,
                       int ldc) noexcept nogil:
    """C = alpha * op(A) @ op(B) + beta * C, Fortran-ordered, C of shape (m, n);
    op(X) = X (c'N') or X.T (c'T')."""
    if floating is float:
        sgemm(&transa, &transb, &m, &n, &k, &alpha, <float*> A, &lda,
              <float*> B, &ldb, &beta, C, &ldc)
    else:
        dgemm(&transa, &transb, &m, &n, &k, &alpha, <double*> A, &lda,
              <double*> B, &ldb, &beta, C, &ldc)


cdef inline void _gemm_tn(int m, int n, int k, floating alpha, const floating* A,
                          int lda, const floating* B, int ldb, floating beta,
                          floating* C, int ldc) noexcept nogil:
    """C = alpha * A.T @ B + beta * C; A (k, m), B (k, n), C (m, n), Fortran."""
    _gemm(c'T', c'N', m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)


cdef inline void _symm(char side, int m, int n, floating alpha, const floating* A,
                       int lda, const floating* B, int ldb, floating beta,
                       floating* C, int ldc) noexcept nogil:
    """C = alpha * A @ B + beta * C (side c'L') or alpha * B @ A + beta * C
    (side c'R'), A symmetric and read from its lower triangle, C (m, n),
    Fortran-ordered."""
    cdef char uplo = b"L"
    if floating is float:
        ssymm(&side, &uplo, &m, &n, &alpha, <float*> A, &lda, <float*> B, &ldb,
              &beta, C, &ldc)
    else:
        dsymm(&side, &uplo, &m, &n, &alpha, <double*> A, &lda, <double*> B, &ldb,
              &beta, C, &ldc)


cdef inline void _trsm(char side, char uplo, char trans, char diag, int m, int n,
                       floating alpha, const floating* A, int lda, floating* B,
                       int ldb) noexcept nogil:
    """B = alpha * solve(op(A), B) (side c'L') or alpha * B @ inv(op(A))
    (side c'R'), A triangular (uplo c'L'/c'U', unit diagonal with diag
    c'U'), B (m, n), Fortran-ordered."""
    if floating is float:
        strsm(&side, &uplo, &trans, &diag, &m, &n, &alpha, <float*> A, &lda,
              B, &ldb)
    else:
        dtrsm(&side, &uplo, &trans, &diag, &m, &n, &alpha, <double*> A, &lda,
              B, &ldb)
