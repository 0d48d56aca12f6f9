# Kernel of the CoLiDE solver: the M-matrix test of the log-det acyclicity.
#
# h_s(W) = -logdet(sI - W∘W) + d log s is defined while A = sI - W∘W is a
# non-singular M-matrix, i.e. spectral radius(W∘W) < s. A is a Z-matrix by
# construction (off-diagonal entries -w_ij^2 <= 0), and a Z-matrix is a
# non-singular M-matrix iff all its leading principal minors are positive,
# i.e. iff Gaussian elimination WITHOUT pivoting meets only positive pivots.
# LAPACK's getrf always pivots (its pivots say nothing about the minors) and
# numpy/scipy have no unpivoted LU, hence this kernel. Elimination without
# pivoting is stable on M-matrices (no growth: every Schur complement of an
# M-matrix is an M-matrix), so the same factors give log det(A) as the sum of
# the log pivots and A^{-1} through LAPACK getri with the identity
# permutation: one O(d^3) factorisation serves the domain test, h_s and
# grad h_s = 2 W ∘ A^{-T}.
from cython cimport floating
from libc.math cimport log
from scipy.linalg.cython_blas cimport dger, sger

from sparsestat._kernels._blas cimport _scal


cdef inline void _ger(int m, int n, floating alpha, floating* x, floating* y,
                      int incy, floating* A, int lda) noexcept nogil:
    """A += alpha * np.outer(x, y), A Fortran-ordered (m, n), x contiguous."""
    cdef int incx = 1
    if floating is float:
        sger(&m, &n, &alpha, x, &incx, y, &incy, A, &lda)
    else:
        dger(&m, &n, &alpha, x, &incx, y, &incy, A, &lda)


def lu_nopivot(floating[::1, :] A):
    """Factor ``A = L U`` in place without pivoting; stop at a non-positive pivot.

    Parameters
    ----------
    A : ndarray of shape (d, d), Fortran-ordered, float32 or float64
        Overwritten by the unit-lower factor ``L`` (below the diagonal) and
        ``U`` (on and above it).

    Returns
    -------
    n_positive : int
        Number of leading pivots that are positive; ``d`` means every leading
        principal minor is positive (for a Z-matrix: a non-singular
        M-matrix). Otherwise ``A`` is only partly factored.
    logdet : float
        Sum of the logs of the positive pivots (``log det A`` when
        ``n_positive == d``).
    """
    cdef int d = A.shape[0]
    cdef int lda = A.shape[0]
    cdef int k, m
    cdef int n_positive = 0
    cdef floating pivot
    cdef double logdet = 0.0
    with nogil:
        for k in range(d):
            pivot = A[k, k]
            # `not >` also rejects NaN
            if not pivot > 0:
                break
            n_positive += 1
            logdet += log(pivot)
            m = d - k - 1
            if m > 0:
                # A[k+1:, k] /= pivot
                _scal(m, 1 / pivot, &A[k + 1, k], 1)
                # A[k+1:, k+1:] -= np.outer(A[k+1:, k], A[k, k+1:])
                _ger(m, m, -1, &A[k + 1, k], &A[k, k + 1], lda,
                     &A[k + 1, k + 1], lda)
    return n_positive, logdet
