# Fused float32/float64 wrappers over scipy.linalg.cython_lapack, for the
# kernels that factor matrices (_mtp2: Cholesky; _colide: the inverse of its
# unpivoted LU). Fortran-ordered (column-major) arrays; each returns LAPACK's
# info (0 on success).
#
# scipy's LAPACK signatures take non-const pointers; the casts below are safe
# because none of these routines writes to its read-only arguments.
from cython cimport floating
from scipy.linalg.cython_lapack cimport (
    dgetri, dpotrf, dpotri, sgetri, spotrf, spotri,
)


cdef inline int _potrf(char uplo, int n, floating* A, int lda) noexcept nogil:
    """A = cholesky(A) in its uplo (c'L' or c'U') triangle, in place."""
    cdef int info = 0
    if floating is float:
        spotrf(&uplo, &n, A, &lda, &info)
    else:
        dpotrf(&uplo, &n, A, &lda, &info)
    return info


cdef inline int _potri(char uplo, int n, floating* A, int lda) noexcept nogil:
    """A = inv(L @ L.T) (uplo c'L') or inv(U.T @ U) from the Cholesky factor
    held in A's uplo triangle; only that triangle is written."""
    cdef int info = 0
    if floating is float:
        spotri(&uplo, &n, A, &lda, &info)
    else:
        dpotri(&uplo, &n, A, &lda, &info)
    return info


cdef inline int _getri(int n, floating* A, int lda, const int* ipiv,
                       floating* work, int lwork) noexcept nogil:
    """A = inv(P @ L @ U) from the LU factors held in A and the 1-based row
    interchanges ipiv (the identity permutation 1..n for an unpivoted LU);
    work has lwork >= n entries."""
    cdef int info = 0
    if floating is float:
        sgetri(&n, A, &lda, <int*> ipiv, work, &lwork, &info)
    else:
        dgetri(&n, A, &lda, <int*> ipiv, work, &lwork, &info)
    return info
