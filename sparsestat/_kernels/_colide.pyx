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
import numpy as np

from cython cimport floating
from libc.math cimport fabs, log, sqrt

from sparsestat._kernels._blas cimport _gemm, _trsm
from sparsestat._kernels._interrupt cimport (
    Interrupt, interrupt_init, interrupted, raise_if_interrupted,
)
from sparsestat._kernels._lapack cimport _getri


# Panel width of the blocked factorisation; below 2 panels the unblocked
# loops are faster than the BLAS calls they would make.
cdef enum:
    _NB = 48


cdef int _panel(floating* A, int d, int k0, int k1, double* logdet) noexcept nogil:
    """Unblocked elimination of columns k0..k1-1 (rows k0..d-1) of the
    Fortran-ordered (d, d) ``A``; columns >= k1 are not touched. Returns the
    number of positive pivots met."""
    cdef int i, j, k
    cdef floating pivot, inv_pivot, a_kj
    cdef floating* col_k
    cdef floating* col_j
    for k in range(k0, k1):
        col_k = A + k * d
        pivot = col_k[k]
        # `not >` also rejects NaN
        if not pivot > 0:
            return k - k0
        logdet[0] += log(pivot)
        inv_pivot = 1 / pivot
        for i in range(k + 1, d):
            col_k[i] *= inv_pivot
        # A[k+1:, k+1:k1] -= np.outer(A[k+1:, k], A[k, k+1:k1]), column by
        # column (contiguous, vectorised inner loop), skipping the zeros of
        # the sparse W∘W
        for j in range(k + 1, k1):
            col_j = A + j * d
            a_kj = col_j[k]
            if a_kj != 0:
                for i in range(k + 1, d):
                    col_j[i] -= col_k[i] * a_kj
    return k1 - k0


cdef int _lu(floating* A, int d, double* logdet) noexcept nogil:
    """Blocked unpivoted LU of the Fortran-ordered (d, d) ``A`` in place.

    Returns the number of leading positive pivots; ``logdet`` receives the
    sum of their logs.
    """
    cdef int k0 = 0, k1, done
    cdef int n_positive = 0
    logdet[0] = 0
    if d < 2 * _NB:
        return _panel(A, d, 0, d, logdet)
    while k0 < d:
        k1 = min(k0 + _NB, d)
        done = _panel(A, d, k0, k1, logdet)
        n_positive += done
        if done < k1 - k0:
            break
        if k1 < d:
            # A[k0:k1, k1:] = solve(np.tril(L11, -1) + I, A[k0:k1, k1:])
            _trsm(c'L', c'L', c'N', c'U', k1 - k0, d - k1, 1, A + k0 + k0 * d, d,
                  A + k0 + k1 * d, d)
            # A[k1:, k1:] -= A[k1:, k0:k1] @ A[k0:k1, k1:]
            _gemm(c'N', c'N', d - k1, d - k1, k1 - k0, -1, A + k1 + k0 * d, d,
                  A + k0 + k1 * d, d, 1, A + k1 + k1 * d, d)
        k0 = k1
    return n_positive


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
    cdef int n_positive
    cdef double logdet = 0.0
    with nogil:
        n_positive = _lu(&A[0, 0], A.shape[0], &logdet)
    return n_positive, logdet


cdef int _mmatrix_factor(const double* W, int d, double s, double* A,
                         double* logdet) noexcept nogil:
    """A = s I - W∘W, then :func:`_lu`; returns the number of positive pivots."""
    cdef int i, j
    for j in range(d):
        for i in range(d):
            A[i + j * d] = -W[i + j * d] * W[i + j * d]
        A[j + j * d] += s
    return _lu(A, d, logdet)


def mmatrix_factor(const double[::1, :] W, double s, double[::1, :] A):
    """Write ``A = s I - W∘W`` and factor it with :func:`lu_nopivot`.

    Returns ``(n_positive, logdet)`` as :func:`lu_nopivot`.
    """
    cdef int n_positive
    cdef double logdet = 0.0
    with nogil:
        n_positive = _mmatrix_factor(&W[0, 0], W.shape[0], s, &A[0, 0], &logdet)
    return n_positive, logdet


cdef void _residual_variances(const double* C, const double* W,
                              const double* CW, double* P, int d,
                              double* resid) noexcept nogil:
    cdef int i, j
    cdef double acc
    for j in range(d):
        acc = 0
        for i in range(d):
            P[i + j * d] = C[i + j * d] - CW[i + j * d]
            acc = acc + W[i + j * d] * P[i + j * d]
        acc = P[j + j * d] - acc
        resid[j] = acc if acc > 0 else 0


def residual_variances(const double[::1, :] C, const double[::1, :] W,
                       const double[::1, :] CW, double[::1, :] P,
                       double[::1] resid):
    """``P = C - C W`` (that is ``C (I - W)``) and ``resid = diag((I-W)^T P)``.

    ``resid[j] = P[j, j] - sum_i W[i, j] P[i, j]`` is the residual variance
    of node ``j`` (clipped at 0 against round-off).
    """
    with nogil:
        _residual_variances(&C[0, 0], &W[0, 0], &CW[0, 0], &P[0, 0], W.shape[0],
                            &resid[0])
    return None


cdef void _gradient_and_metric(const double* W, const double* P,
                               const double* inv, const double* sigma,
                               bint equal, const double* C_diag, double mu,
                               int d, double* grad,
                               double* metric) noexcept nogil:
    cdef int i, j
    cdef double inv_sigma, w_inv
    for j in range(d):
        inv_sigma = 1 / (sigma[0] if equal else sigma[j])
        for i in range(d):
            # inv[j, i]: the transpose of A^{-1}
            w_inv = W[i + j * d] * inv[j + i * d]
            grad[i + j * d] = -mu * P[i + j * d] * inv_sigma + 2 * w_inv
            metric[i + j * d] = (mu * C_diag[i] * inv_sigma
                                 + 2 * inv[j + i * d] + 4 * w_inv * w_inv)
        grad[j + j * d] = 0
        metric[j + j * d] = 1


def gradient_and_metric(const double[::1, :] W, const double[::1, :] P,
                        const double[::1, :] inv, const double[::1] sigma,
                        const double[::1] C_diag, double mu,
                        double[::1, :] grad, double[::1, :] metric):
    """Gradient of ``mu S + h_s`` and the diagonal of its Hessian.

    ``grad = -mu P / sigma[None, :] + 2 W ∘ inv.T`` (``inv = (sI - W∘W)^{-1}``),
    ``metric = mu C_ii / sigma_j + 2 inv.T + 4 (W ∘ inv.T)^2``. The diagonal
    of ``grad`` is zero (W keeps a zero diagonal); ``metric`` is 1 there.
    ``sigma`` has length 1 (EV) or d (NV).
    """
    with nogil:
        _gradient_and_metric(&W[0, 0], &P[0, 0], &inv[0, 0], &sigma[0],
                             sigma.shape[0] == 1, &C_diag[0], mu, W.shape[0],
                             &grad[0, 0], &metric[0, 0])
    return None


cdef double _prox_step(const double* Y, const double* grad,
                       const double* metric, double step, double lam,
                       const double* weights, const unsigned char* frozen,
                       int d, double* Z, double* quad,
                       double* l1) noexcept nogil:
    """Variable-metric proximal step with the L1 prox, and its model terms.

    ``Z = soft(Y - step grad / metric, step lam w / metric)`` off the
    diagonal, 0 on it and where ``frozen`` is set (edges held at zero: ``Y``
    is zero there too, so they add nothing to the model terms). ``w`` is the
    per-entry L1 weight ``weights`` (1 everywhere when NULL). Returns
    ``lin = <grad, Z - Y>`` and sets ``quad = <metric (Z - Y), Z - Y>`` and
    ``l1 = sum w |Z|``, the terms of the sufficient-decrease test
    ``f(Z) <= f(Y) + lin + quad / (2 step)``.
    """
    cdef int i, j, ij
    cdef double t, u, thresh, diff
    cdef double lin = 0
    quad[0] = 0
    l1[0] = 0
    for j in range(d):
        for i in range(d):
            ij = i + j * d
            if i == j or (frozen != NULL and frozen[ij]):
                Z[ij] = 0
                continue
            t = step / metric[ij]
            u = Y[ij] - t * grad[ij]
            thresh = t * lam
            if weights != NULL:
                thresh = thresh * weights[ij]
            if u > thresh:
                u = u - thresh
            elif u < -thresh:
                u = u + thresh
            else:
                u = 0
            Z[ij] = u
            diff = u - Y[ij]
            lin += grad[ij] * diff
            quad[0] += metric[ij] * diff * diff
            if weights != NULL:
                l1[0] += weights[ij] * (u if u > 0 else -u)
            else:
                l1[0] += u if u > 0 else -u
    return lin


# ---------------------------------------------------------------------------
# One stage of the central path, the whole loop without the GIL (float64:
# the estimator always solves in double precision).
# ---------------------------------------------------------------------------

# Working slots: the iterate x, the previous iterate, the extrapolated point
# y and the trial point z; four are enough for the three held at once plus
# the trial.
cdef enum:
    _N_SLOTS = 4
    _MAX_HALVINGS = 60


cdef void _noise_scales(const double* resid, int d, bint equal,
                        double sigma_min, double* sigma) noexcept nogil:
    """Closed-form minimisers of the score in the scales, floored at sigma_min.

    EV: ``sigma[0] = sqrt(sum(resid) / d)``; NV: ``sigma[j] = sqrt(resid[j])``.
    """
    cdef int j
    cdef double total = 0
    if equal:
        for j in range(d):
            total += resid[j]
        sigma[0] = max(sqrt(total / d), sigma_min)
        return
    for j in range(d):
        sigma[j] = max(sqrt(resid[j]), sigma_min)


cdef double _score(const double* resid, int d, bint equal,
                   const double* sigma) noexcept nogil:
    """The CoLiDE score at the scales ``sigma`` (1 value for EV, d for NV).

    EV: ``sum(resid) / (2 sigma) + d sigma / 2``;
    NV: ``sum_j resid[j] / (2 sigma[j]) + sigma[j] / 2``.
    """
    cdef int j
    cdef double total = 0, score = 0
    if equal:
        for j in range(d):
            total += resid[j]
        return 0.5 * total / sigma[0] + 0.5 * d * sigma[0]
    for j in range(d):
        score += 0.5 * (resid[j] / sigma[j] + sigma[j])
    return score


def noise_scales(const double[::1] resid, bint equal, double sigma_min):
    """Closed-form noise scales from the residual variances ``resid``.

    Returns an array of 1 value (``equal``: ``sqrt(sum(resid) / d)``) or d
    values (``sqrt(resid)``), floored at ``sigma_min``.
    """
    sigma = np.empty(1 if equal else resid.shape[0])
    cdef double[::1] sigma_ = sigma
    with nogil:
        _noise_scales(&resid[0], resid.shape[0], equal, sigma_min, &sigma_[0])
    return sigma


def colide_score(const double[::1] resid, const double[::1] sigma):
    """The CoLiDE score from the residual variances and the noise scales.

    ``sigma`` of length 1 is the equal-variance score
    ``sum(resid) / (2 sigma) + d sigma / 2``, of length d the non-equal one
    ``sum_j resid_j / (2 sigma_j) + sigma_j / 2`` (no L1 term).
    """
    cdef double value
    with nogil:
        value = _score(&resid[0], resid.shape[0], sigma.shape[0] == 1, &sigma[0])
    return value


cdef int _free_slot(int a, int b, int c) noexcept nogil:
    cdef int k
    for k in range(_N_SLOTS):
        if k != a and k != b and k != c:
            return k
    return -1


def fista_stage(const double[::1, :] C, double s, double mu, double lam,
                bint equal, double sigma_min, const double[::1, :] W0,
                const double[::1, :] CW0, int max_iter, double tol,
                double step, double step_growth,
                const double[::1, :] l1_weights=None,
                const unsigned char[::1, :] frozen=None):
    """Accelerated variable-metric proximal gradient on one stage.

    Minimises ``mu S(W) + h_s(W) + lam ||W||_1`` from the feasible ``W0``
    (``CW0 = C @ W0``): FISTA momentum, the diagonal-Hessian metric of
    :func:`gradient_and_metric`, a backtracking line search on the
    sufficient-decrease condition that also rejects points outside the
    M-matrix domain (:func:`lu_nopivot`), a restart of the momentum when the
    objective goes up, and a stop when its relative decrease is below
    ``tol``. ``C (I - Y)`` at the extrapolated point is the same
    extrapolation of stored products (linear in W); one ``C @ Z`` (gemm) and
    one LU per trial point, one inverse (getri on the LU) per gradient.

    Prior knowledge (both None: the plain problem): ``l1_weights`` multiplies
    ``lam`` entry by entry (0 for an unpenalised edge); the entries where
    ``frozen`` (uint8) is non-zero are held at exactly zero by the prox, at
    every iterate (``W0`` must be zero there: extrapolations of iterates
    that are zero stay zero).

    Returns
    -------
    W, CW : ndarray of shape (d, d), Fortran-ordered
        The last iterate and ``C @ W``.
    n_iter : int
    status : StageStatus
        ``CONVERGED`` (tol met or no decreasing step), ``MAX_ITER_REACHED``,
        or ``INFEASIBLE_START`` (the start is outside the domain).
    step : float
        Last step size, to start the next stage with.
    """
    cdef int d = C.shape[0]
    cdef int dd = d * d
    cdef int i, k, info
    cdef StageStatus status = MAX_ITER_REACHED
    # wider than max_iter: the loop bound max_iter + 1 must not overflow
    cdef long long n_iter = 0
    cdef int ix = 0, ixp = 0, iy = 0, iz = 0
    cdef int one = 1
    cdef int lwork = 64 * d
    cdef bint accepted
    cdef double logdet, lin, quad, l1, F_x, F_z, theta = 1, theta_next, beta
    cdef double rel_change, log_s = log(s)

    W = np.empty((_N_SLOTS, dd))
    CW = np.empty((_N_SLOTS, dd))
    P = np.empty((_N_SLOTS, dd))
    LU = np.empty((_N_SLOTS, dd))
    sigma = np.empty((_N_SLOTS, d))
    cdef double[:, ::1] W_ = W, CW_ = CW, P_ = P, LU_ = LU, sigma_ = sigma
    cdef double[::1] smooth = np.empty(_N_SLOTS), l1s = np.empty(_N_SLOTS)
    cdef double[::1] inv = np.empty(dd), grad = np.empty(dd), metric = np.empty(dd)
    cdef double[::1] resid = np.empty(d), work = np.empty(lwork)
    cdef double[::1] C_diag = np.ascontiguousarray(np.diagonal(C))
    cdef int[::1] ipiv = np.arange(1, d + 1, dtype=np.intc)
    cdef const double* Cp = &C[0, 0]
    # flops of one trial point (a d x d product and an LU), the unit of the
    # interrupt checks
    cdef double trial_work = 3. * d * dd
    cdef const double* weights = NULL
    cdef const unsigned char* frozen_ = NULL
    if l1_weights is not None:
        weights = &l1_weights[0, 0]
    if frozen is not None:
        frozen_ = &frozen[0, 0]
    cdef Interrupt intr
    interrupt_init(&intr)

    with nogil:
        for i in range(dd):
            W_[0, i] = W0[i % d, i // d]
            CW_[0, i] = CW0[i % d, i // d]
        if not _evaluate(Cp, d, s, log_s, mu, equal, sigma_min, &W_[0, 0],
                         &CW_[0, 0], &P_[0, 0], &LU_[0, 0], &sigma_[0, 0],
                         &resid[0], &smooth[0]):
            status = INFEASIBLE_START
        else:
            l1s[0] = _asum(dd, &W_[0, 0], weights)
            F_x = smooth[0] + lam * l1s[0]
            for n_iter in range(1, <long long> max_iter + 1):
                if interrupted(&intr, trial_work):
                    break
                theta_next = 0.5 * (1 + sqrt(1 + 4 * theta * theta))
                beta = (theta - 1) / theta_next
                iy = ix
                if beta > 0 and ixp != ix:
                    iy = _free_slot(ix, ixp, -1)
                    for i in range(dd):
                        W_[iy, i] = W_[ix, i] + beta * (W_[ix, i] - W_[ixp, i])
                        CW_[iy, i] = CW_[ix, i] + beta * (CW_[ix, i] - CW_[ixp, i])
                    if not _evaluate(Cp, d, s, log_s, mu, equal, sigma_min,
                                     &W_[iy, 0], &CW_[iy, 0], &P_[iy, 0],
                                     &LU_[iy, 0], &sigma_[iy, 0], &resid[0],
                                     &smooth[iy]):
                        iy = ix
                        theta_next = 1
                # A^{-1} from the unpivoted LU: getri with the identity
                # permutation (ipiv is 1-based)
                for i in range(dd):
                    inv[i] = LU_[iy, i]
                info = _getri(d, &inv[0], d, &ipiv[0], &work[0], lwork)
                _gradient_and_metric(&W_[iy, 0], &P_[iy, 0], &inv[0],
                                     &sigma_[iy, 0], equal, &C_diag[0], mu, d,
                                     &grad[0], &metric[0])
                iz = _free_slot(ix, ixp, iy)
                accepted = False
                for k in range(_MAX_HALVINGS):
                    if interrupted(&intr, trial_work):
                        break
                    lin = _prox_step(&W_[iy, 0], &grad[0], &metric[0], step, lam,
                                     weights, frozen_, d, &W_[iz, 0], &quad, &l1)
                    # CW[iz] = C @ W[iz]
                    _gemm(c'N', c'N', d, d, d, 1., Cp, d, &W_[iz, 0], d, 0.,
                          &CW_[iz, 0], d)
                    if (_evaluate(Cp, d, s, log_s, mu, equal, sigma_min,
                                  &W_[iz, 0], &CW_[iz, 0], &P_[iz, 0],
                                  &LU_[iz, 0], &sigma_[iz, 0], &resid[0],
                                  &smooth[iz])
                            and smooth[iz] <= smooth[iy] + lin + quad / (2 * step)):
                        accepted = True
                        break
                    step *= 0.5
                if intr.raised:
                    break
                if not accepted:
                    # no step of any length decreases the model: stationary
                    # to machine precision
                    status = CONVERGED
                    break
                l1s[iz] = l1
                F_z = smooth[iz] + lam * l1
                if F_z > F_x:
                    # momentum overshot: restart from x with a plain step
                    ixp = ix
                    theta = 1
                    if iy == ix:
                        status = CONVERGED
                        break
                    continue
                rel_change = (F_x - F_z) / max(fabs(F_x), 1e-300)
                ixp = ix
                ix = iz
                F_x = F_z
                theta = theta_next
                step *= step_growth
                if rel_change <= tol:
                    status = CONVERGED
                    break
    raise_if_interrupted(&intr)
    # copies (not views) so that the four working slots are freed
    W_out = W[ix].reshape((d, d), order="F").copy(order="F")
    CW_out = CW[ix].reshape((d, d), order="F").copy(order="F")
    return W_out, CW_out, n_iter, status, step


cdef bint _evaluate(const double* C, int d, double s, double log_s, double mu,
                    bint equal, double sigma_min, const double* W,
                    const double* CW, double* P, double* LU, double* sigma,
                    double* resid, double* smooth) noexcept nogil:
    """Domain test, h_s, scales and the smooth objective at one point."""
    cdef double logdet
    if _mmatrix_factor(W, d, s, LU, &logdet) < d:
        return False
    _residual_variances(C, W, CW, P, d, resid)
    _noise_scales(resid, d, equal, sigma_min, sigma)
    smooth[0] = mu * _score(resid, d, equal, sigma) - logdet + d * log_s
    return True


cdef double _asum(int n, const double* x, const double* weights) noexcept nogil:
    """``sum |x|``, or ``sum weights |x|`` when ``weights`` is not NULL."""
    cdef int i
    cdef double total = 0
    for i in range(n):
        if weights != NULL:
            total += weights[i] * fabs(x[i])
        else:
            total += fabs(x[i])
    return total
