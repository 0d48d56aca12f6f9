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
from scipy.linalg.cython_blas cimport dgemm, dtrsm, sgemm, strsm


# Panel width of the blocked factorisation; below 2 panels the unblocked
# loops are faster than the BLAS calls they would make.
cdef enum:
    _NB = 48


cdef inline void _trsm_lower_unit(int m, int n, floating* A, int lda,
                                  floating* B, int ldb) noexcept nogil:
    """B = np.linalg.solve(np.tril(A[:m, :m], -1) + I, B), B of shape (m, n)."""
    cdef char side = b"L", uplo = b"L", trans = b"N", diag = b"U"
    cdef floating one = 1
    if floating is float:
        strsm(&side, &uplo, &trans, &diag, &m, &n, &one, A, &lda, B, &ldb)
    else:
        dtrsm(&side, &uplo, &trans, &diag, &m, &n, &one, A, &lda, B, &ldb)


cdef inline void _gemm_minus(int m, int n, int k, floating* A, int lda,
                             floating* B, int ldb, floating* C,
                             int ldc) noexcept nogil:
    """C -= A @ B with A (m, k), B (k, n), C (m, n), all Fortran-ordered."""
    cdef char trans = b"N"
    cdef floating minus_one = -1, one = 1
    if floating is float:
        sgemm(&trans, &trans, &m, &n, &k, &minus_one, A, &lda, B, &ldb, &one, C, &ldc)
    else:
        dgemm(&trans, &trans, &m, &n, &k, &minus_one, A, &lda, B, &ldb, &one, C, &ldc)


cdef int _panel(floating[::1, :] A, int k0, int k1, double* logdet) noexcept nogil:
    """Unblocked elimination of columns k0..k1-1 (rows k0..d-1); trailing
    columns >= k1 are not touched. Returns the number of positive pivots."""
    cdef int d = A.shape[0]
    cdef int i, j, k
    cdef floating pivot, inv_pivot, a_kj
    for k in range(k0, k1):
        pivot = A[k, k]
        # `not >` also rejects NaN
        if not pivot > 0:
            return k - k0
        logdet[0] += log(pivot)
        inv_pivot = 1 / pivot
        for i in range(k + 1, d):
            A[i, k] *= inv_pivot
        # A[k+1:, k+1:k1] -= np.outer(A[k+1:, k], A[k, k+1:k1]), column by
        # column (contiguous, vectorised inner loop), skipping the zeros of
        # the sparse W∘W
        for j in range(k + 1, k1):
            a_kj = A[k, j]
            if a_kj != 0:
                for i in range(k + 1, d):
                    A[i, j] -= A[i, k] * a_kj
    return k1 - k0


def lu_nopivot(floating[::1, :] A):
    """Factor ``A = L U`` in place without pivoting; stop at a non-positive pivot.

    Right-looking blocked elimination: panels of ``_NB`` columns by plain
    loops, then ``U12 = L11^{-1} A12`` (trsm) and ``A22 -= L21 U12`` (gemm).
    The pivots are those of unblocked elimination (same operations, other
    order), so the domain test is exact.

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
    cdef int k0, k1, done
    cdef int n_positive = 0
    cdef double logdet = 0.0
    with nogil:
        if d < 2 * _NB:
            n_positive = _panel(A, 0, d, &logdet)
        else:
            k0 = 0
            while k0 < d:
                k1 = min(k0 + _NB, d)
                done = _panel(A, k0, k1, &logdet)
                n_positive += done
                if done < k1 - k0:
                    break
                if k1 < d:
                    # A[k0:k1, k1:] = solve(L11, A[k0:k1, k1:])
                    _trsm_lower_unit(k1 - k0, d - k1, &A[k0, k0], d, &A[k0, k1], d)
                    # A[k1:, k1:] -= A[k1:, k0:k1] @ A[k0:k1, k1:]
                    _gemm_minus(d - k1, d - k1, k1 - k0, &A[k1, k0], d,
                                &A[k0, k1], d, &A[k1, k1], d)
                k0 = k1
    return n_positive, logdet


def mmatrix_factor(const floating[::1, :] W, double s, floating[::1, :] A):
    """Write ``A = s I - W∘W`` and factor it with :func:`lu_nopivot`.

    Returns ``(n_positive, logdet)`` as :func:`lu_nopivot`.
    """
    cdef int d = W.shape[0]
    cdef int i, j
    with nogil:
        for j in range(d):
            for i in range(d):
                A[i, j] = -W[i, j] * W[i, j]
            A[j, j] += s
    return lu_nopivot(A)


def residual_variances(const floating[::1, :] C, const floating[::1, :] W,
                       const floating[::1, :] CW, floating[::1, :] P,
                       floating[::1] resid):
    """``P = C - C W`` (that is ``C (I - W)``) and ``resid = diag((I-W)^T P)``.

    ``resid[j] = P[j, j] - sum_i W[i, j] P[i, j]`` is the residual variance
    of node ``j`` (clipped at 0 against round-off).
    """
    cdef int d = W.shape[0]
    cdef int i, j
    cdef floating acc
    with nogil:
        for j in range(d):
            acc = 0
            for i in range(d):
                P[i, j] = C[i, j] - CW[i, j]
                acc = acc + W[i, j] * P[i, j]
            acc = P[j, j] - acc
            resid[j] = acc if acc > 0 else 0
    return None


def gradient_and_metric(const floating[::1, :] W, const floating[::1, :] P,
                        const floating[::1, :] inv, const floating[::1] sigma,
                        const floating[::1] C_diag, double mu,
                        floating[::1, :] grad, floating[::1, :] metric):
    """Gradient of ``mu S + h_s`` and the diagonal of its Hessian.

    ``grad = -mu P / sigma[None, :] + 2 W ∘ inv.T`` (``inv = (sI - W∘W)^{-1}``),
    ``metric = mu C_ii / sigma_j + 2 inv.T + 4 (W ∘ inv.T)^2``. The diagonal
    of ``grad`` is zero (W keeps a zero diagonal); ``metric`` is 1 there.
    ``sigma`` has length 1 (EV) or d (NV).
    """
    cdef int d = W.shape[0]
    cdef int i, j
    cdef bint equal = sigma.shape[0] == 1
    cdef floating inv_sigma, w_inv, mu_f = mu
    with nogil:
        for j in range(d):
            inv_sigma = 1 / (sigma[0] if equal else sigma[j])
            for i in range(d):
                w_inv = W[i, j] * inv[j, i]
                grad[i, j] = -mu_f * P[i, j] * inv_sigma + 2 * w_inv
                metric[i, j] = mu_f * C_diag[i] * inv_sigma + 2 * inv[j, i] + 4 * w_inv * w_inv
            grad[j, j] = 0
            metric[j, j] = 1
    return None


def prox_step(const floating[::1, :] Y, const floating[::1, :] grad,
              const floating[::1, :] metric, double step, double lam,
              floating[::1, :] Z):
    """Variable-metric proximal step with the L1 prox, and its model terms.

    ``Z = soft(Y - step grad / metric, step lam / metric)`` off the diagonal,
    0 on it. Returns ``(lin, quad, l1)`` with ``lin = <grad, Z - Y>``,
    ``quad = <metric (Z - Y), Z - Y>`` and ``l1 = ||Z||_1``, the terms of the
    sufficient-decrease test ``f(Z) <= f(Y) + lin + quad / (2 step)``.
    """
    cdef int d = Y.shape[0]
    cdef int i, j
    cdef floating t, u, thresh, diff
    cdef double lin = 0, quad = 0, l1 = 0
    with nogil:
        for j in range(d):
            for i in range(d):
                if i == j:
                    Z[i, j] = 0
                    continue
                t = step / metric[i, j]
                u = Y[i, j] - t * grad[i, j]
                thresh = t * lam
                if u > thresh:
                    u = u - thresh
                elif u < -thresh:
                    u = u + thresh
                else:
                    u = 0
                Z[i, j] = u
                diff = u - Y[i, j]
                lin += grad[i, j] * diff
                quad += metric[i, j] * diff * diff
                l1 += u if u > 0 else -u
    return lin, quad, l1



def extrapolate(const floating[::1, :] W, const floating[::1, :] W_prev,
                const floating[::1, :] CW, const floating[::1, :] CW_prev,
                double beta, floating[::1, :] Y, floating[::1, :] CY):
    """Momentum step ``Y = W + beta (W - W_prev)`` and the same for ``C W``.

    ``C (I - Y)`` needs no new product: ``C W`` is linear in ``W``.
    """
    cdef int d = W.shape[0]
    cdef int i, j
    cdef floating b = beta
    with nogil:
        for j in range(d):
            for i in range(d):
                Y[i, j] = W[i, j] + b * (W[i, j] - W_prev[i, j])
                CY[i, j] = CW[i, j] + b * (CW[i, j] - CW_prev[i, j])
    return None
