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
    cdef int i, j, k
    cdef int n_positive = 0
    cdef floating pivot, inv_pivot, a_kj
    cdef double logdet = 0.0
    with nogil:
        for k in range(d):
            pivot = A[k, k]
            # `not >` also rejects NaN
            if not pivot > 0:
                break
            n_positive += 1
            logdet += log(pivot)
            inv_pivot = 1 / pivot
            for i in range(k + 1, d):
                A[i, k] *= inv_pivot
            # A[k+1:, k+1:] -= np.outer(A[k+1:, k], A[k, k+1:]), column by
            # column (contiguous, vectorised inner loop); plain loops beat
            # BLAS ger at the sizes of DAG problems (d <= a few hundred) and
            # skip the zero entries of the sparse W∘W
            for j in range(k + 1, d):
                a_kj = A[k, j]
                if a_kj != 0:
                    for i in range(k + 1, d):
                        A[i, j] -= A[i, k] * a_kj
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
