# Solvers for Gaussian graphical models under total positivity (MTP2).
#
# One stage of the adaptive estimator solves the smooth problem
#
#     min_T  f(T) = -logdet T + <T, K>,   K = S - Lam (zero diagonal in Lam),
#
# over the M-matrices (off-diagonal <= 0) or the diagonally dominant
# M-matrices (also T 1 >= 0). Its gradient is G = K - T^{-1}.
#
# Every p x p array is symmetric and C-contiguous; LAPACK/BLAS read it as
# Fortran (column-major) data, which for a symmetric matrix is the same thing.
# Only the workspace of the products T Gamma T and P Theta is not
# symmetric; it is stored column-major.
#
# Positive definiteness is always decided by a Cholesky factorisation
# (potrf) and the inverse taken from that factor (potri): no eigenvalues.
#
# Double precision only: the estimator solves every stage in float64 (the
# fitted attributes take X's dtype afterwards), so no float32 build is kept.
# The status codes (the ``Status`` enum) are declared in _mtp2.pxd, which
# makes them readable from Python.
from libc.math cimport INFINITY, fabs, log, sqrt
from libc.stdlib cimport qsort

import numpy as np

from sparsestat._kernels._blas cimport _axpy, _copy, _dot, _symm
from sparsestat._kernels._interrupt cimport (
    Interrupt, interrupt_init, interrupted, raise_if_interrupted,
)
from sparsestat._kernels._lapack cimport _potrf, _potri

# Armijo constant, backtracking factor and number of halvings
cdef double SIGMA = 1e-4
cdef int MAX_BACKTRACK = 60
cdef double BETA = 0.5
# bound on the width of the epsilon-active set (relative to sqrt(T_ii T_jj))
cdef double EPS_ACTIVE = 1e-3
# a sparse product T Gamma T is used below this fraction of non-zeros in T
cdef double SPARSE_FRACTION = 0.1


cdef inline void _mirror_lower(int p, double* A) noexcept nogil:
    """Copy the lower (column-major) triangle of A onto its upper triangle."""
    cdef int i, j
    for j in range(p):
        for i in range(j + 1, p):
            A[j + <size_t> i * p] = A[i + <size_t> j * p]


cdef int _chol_logdet(int p, const double* T, double* L,
                      double* logdet) noexcept nogil:
    """Factor T into L; return 1 and logdet(T) if T is positive definite."""
    cdef int i
    cdef double acc = 0.
    _copy(p * p, T, 1, L, 1)  # L[:] = T
    if _potrf(c'L', p, L, p) != 0:
        return 0
    for i in range(p):
        if not L[i + <size_t> i * p] > 0:
            return 0
        acc += log(L[i + <size_t> i * p])
    logdet[0] = 2. * acc
    return 1


cdef void _inverse_from_factor(int p, double* L, double* Tinv) noexcept nogil:
    """Tinv = inv(T) from the Cholesky factor held in L (L is overwritten)."""
    _potri(c'L', p, L, p)
    _mirror_lower(p, L)
    _copy(p * p, L, 1, Tinv, 1)  # Tinv[:] = L


cdef double _objective(int p, const double* T, const double* K,
                       double logdet) noexcept nogil:
    # <T, K> over all entries: K is symmetric, so this is tr(T K)
    return -logdet + _dot(p * p, T, 1, K, 1)  # -logdet + np.sum(T * K)


cdef double _kkt(int p, const double* T, const double* G, const double* d,
                 bint diag_dominant) noexcept nogil:
    """Largest scale-free violation of the stage's KKT conditions.

    Each gradient entry is multiplied by sqrt(T_ii T_jj), which makes it
    dimensionless (invariant to rescaling the variables). M-matrices:
    G_ii = 0, G_ij = 0 where T_ij < 0 and G_ij <= 0 where T_ij = 0.
    Diagonally dominant M-matrices, in the coordinates w_ij = -T_ij >= 0 and
    d_i = (T 1)_i >= 0: the partial derivatives are
    g_w = G_ii + G_jj - 2 G_ij and g_d = G_ii, zero on free coordinates and
    non-negative on coordinates at their bound.
    """
    cdef int i, j
    cdef double s, g, v, worst = 0.
    for i in range(p):
        g = G[i + <size_t> i * p]
        if diag_dominant and d[i] <= 0:
            v = -g if g < 0 else 0.
        else:
            v = fabs(g)
        v *= T[i + <size_t> i * p]
        if v > worst:
            worst = v
        for j in range(i + 1, p):
            s = sqrt(T[i + <size_t> i * p] * T[j + <size_t> j * p])
            if diag_dominant:
                g = 0.5 * (G[i + <size_t> i * p] + G[j + <size_t> j * p]) \
                    - G[i + <size_t> j * p]
                if T[i + <size_t> j * p] < 0:
                    v = fabs(g)
                else:
                    v = -g if g < 0 else 0.
            else:
                g = G[i + <size_t> j * p]
                if T[i + <size_t> j * p] < 0:
                    v = fabs(g)
                else:
                    v = g if g > 0 else 0.
            v *= s
            if v > worst:
                worst = v
    return worst


cdef bint _armijo(int p, const double* T, const double* Tn,
                  const double* G, const double* K, double* L, double f,
                  double* f_n) noexcept nogil:
    """Accept the trial Tn: positive definite (Cholesky into L) and
    f(Tn) <= f(T) + SIGMA <G, Tn - T>, up to rounding of f."""
    cdef size_t ij
    cdef double decrease = 0., logdet_n
    for ij in range(<size_t> p * p):
        decrease += G[ij] * (Tn[ij] - T[ij])
    if not decrease < 0 or not _chol_logdet(p, Tn, L, &logdet_n):
        return False
    f_n[0] = _objective(p, Tn, K, logdet_n)
    return f_n[0] <= f + SIGMA * decrease + 1e-13 * (1. + fabs(f))


cdef int _start(int p, const double* T, const double* K, double* L,
                double* Tinv, double* f) noexcept nogil:
    """f = f(T) and Tinv = inv(T) at a stage's start (L is workspace).

    Returns NOT_PD if T is not positive definite, else MAX_ITER: the status
    of a run until it converges or fails otherwise.
    """
    cdef double logdet
    if not _chol_logdet(p, T, L, &logdet):
        return NOT_PD
    f[0] = _objective(p, T, K, logdet)
    _inverse_from_factor(p, L, Tinv)
    return MAX_ITER


cdef inline void _gradient(int p, const double* K, const double* Tinv,
                           double* G) noexcept nogil:
    """G = K - inv(T), the gradient of the stage's objective."""
    cdef size_t ij
    for ij in range(<size_t> p * p):
        G[ij] = K[ij] - Tinv[ij]


def project_m_matrix(const double[:, ::1] Y):
    """Euclidean projection of a symmetric matrix onto the M-matrix set.

    The set ``{X symmetric: X_ij <= 0, i != j}`` is a box in the
    off-diagonal entries, so the projection clips them at zero.

    Parameters
    ----------
    Y : ndarray of shape (p, p)
        Symmetric matrix.

    Returns
    -------
    X : ndarray of shape (p, p)
    """
    cdef int p = Y.shape[0]
    X_arr = np.empty((p, p))
    cdef double[:, ::1] X = X_arr
    with nogil:
        _project_m(p, &Y[0, 0], &X[0, 0])
    return X_arr


cdef void _project_m(int p, const double* Y, double* X) noexcept nogil:
    """X = Y with its positive off-diagonal entries set to 0."""
    cdef int i, j
    cdef size_t ij
    for j in range(p):
        for i in range(p):
            ij = i + <size_t> j * p
            X[ij] = Y[ij] if (i == j or Y[ij] < 0) else 0.


cdef int _cmp_double(const void* a, const void* b) noexcept nogil:
    cdef double x = (<const double*> a)[0]
    cdef double y = (<const double*> b)[0]
    return (x > y) - (x < y)


cdef int _project_dd(int p, const double* Y, double* X, double* mu,
                     double* breaks, int max_sweeps, double tol,
                     Interrupt* intr) noexcept nogil:
    """X = projection of Y onto the diagonally dominant M-matrices.

    Dual coordinate ascent on the row-sum multipliers mu_i >= 0 of
    (X 1)_i >= 0. Given mu, the minimiser of the Lagrangian is
    X_ii = Y_ii + mu_i and X_ij = min(0, Y_ij + (mu_i + mu_j) / 2) (each
    off-diagonal pair counts twice in the Frobenius norm). The partial
    derivative of the concave dual in mu_i is minus the row sum
        h_i(m) = Y_ii + m + sum_{j != i} min(0, Y_ij + (m + mu_j) / 2),
    increasing and piecewise linear in m with breakpoints
    b_j = -2 Y_ij - mu_j, so the exact coordinate maximiser is either 0
    (if h_i(0) >= 0) or the root of h_i, located by walking the sorted
    breakpoints. ``mu`` is used as warm start and returned.
    Returns the number of sweeps (stopping early on a pending interrupt).
    """
    cdef int i, j, k, l, sweep = 0
    cdef double c, slope, b, root, change, scale, y
    for sweep in range(1, max_sweeps + 1):
        if interrupted(intr, <double> p * p):
            break
        change = 0.
        scale = 0.
        for i in range(p):
            c = Y[i + <size_t> i * p]
            slope = 1.
            k = 0
            for j in range(p):
                if j == i:
                    continue
                b = -2. * Y[i + <size_t> j * p] - mu[j]
                if b > 0:
                    # the term (m - b) / 2 is active for m < b
                    c -= 0.5 * b
                    slope += 0.5
                    breaks[k] = b
                    k += 1
            if c >= 0:
                root = 0.
            else:
                qsort(breaks, k, sizeof(double), _cmp_double)
                root = -c / slope
                for l in range(k):
                    if root <= breaks[l]:
                        break
                    # past its breakpoint the term vanishes
                    c += 0.5 * breaks[l]
                    slope -= 0.5
                    root = -c / slope
            change = max(change, fabs(root - mu[i]))
            mu[i] = root
            scale = max(scale, fabs(Y[i + <size_t> i * p]) + root)
        if change <= tol * max(scale, 1e-300):
            break
    for i in range(p):
        X[i + <size_t> i * p] = Y[i + <size_t> i * p] + mu[i]
        for j in range(i + 1, p):
            y = Y[i + <size_t> j * p] + 0.5 * (mu[i] + mu[j])
            if y > 0:
                y = 0.
            X[i + <size_t> j * p] = y
            X[j + <size_t> i * p] = y
    return sweep


def project_diag_dominant(const double[:, ::1] Y, int max_sweeps=10000,
                          double tol=1e-12):
    """Euclidean projection onto the diagonally dominant M-matrices.

    Solves ``min ||X - Y||_F^2`` over symmetric ``X`` with ``X_ij <= 0``
    (``i != j``) and ``X 1 >= 0`` by exact dual coordinate ascent on the
    row-sum multipliers.

    Parameters
    ----------
    Y : ndarray of shape (p, p)
        Symmetric matrix.
    max_sweeps : int, default=10000
        Maximal number of sweeps over the multipliers.
    tol : float, default=1e-12
        Stop when no multiplier moves more than ``tol`` times the scale of
        the diagonal.

    Returns
    -------
    X : ndarray of shape (p, p)
        The projection.
    mu : ndarray of shape (p,)
        Row-sum multipliers (``X_ii = Y_ii + mu_i``).
    n_sweeps : int
    """
    cdef int p = Y.shape[0]
    X_arr = np.empty((p, p))
    mu_arr = np.zeros(p)
    breaks_arr = np.empty(max(p, 1))
    cdef double[:, ::1] X = X_arr
    cdef double[::1] mu = mu_arr
    cdef double[::1] breaks = breaks_arr
    cdef int sweeps
    cdef Interrupt intr
    interrupt_init(&intr)
    with nogil:
        sweeps = _project_dd(p, &Y[0, 0], &X[0, 0], &mu[0], &breaks[0],
                             max_sweeps, tol, &intr)
    raise_if_interrupted(&intr)
    return X_arr, mu_arr, sweeps


cdef int _collect(int p, const double* A, int* colptr, int* rowind,
                  double* vals, int max_nnz) noexcept nogil:
    """Column-compressed non-zeros of A; -1 if there are more than max_nnz."""
    cdef int i, j, nnz = 0
    colptr[0] = 0
    for j in range(p):
        for i in range(p):
            if A[i + <size_t> j * p] != 0:
                if nnz >= max_nnz:
                    return -1
                rowind[nnz] = i
                vals[nnz] = A[i + <size_t> j * p]
                nnz += 1
        colptr[j + 1] = nnz
    return nnz


cdef void _sandwich(int p, const double* A, const double* B, double* W,
                    double* C) noexcept nogil:
    """C = A @ B @ A, A symmetric (p, p), dense (two symm); W is workspace."""
    _symm(c'L', p, p, 1., A, p, B, p, 0., W, p)  # W = A @ B
    _symm(c'R', p, p, 1., A, p, W, p, 0., C, p)  # C = W @ A


cdef void _csc_matmul(int p, const int* colptr, const int* rowind,
                      const double* vals, const double* B,
                      double* C) noexcept nogil:
    """C = S @ B with S (p, p) in the compressed columns of :func:`_collect`.

    Column j of C combines the sparse columns of S with the weights B[:, j];
    zero weights are skipped (adding their zero products would not change C).
    """
    cdef int i, j, k, q
    cdef double a
    for j in range(p):
        for i in range(p):
            C[i + <size_t> j * p] = 0.
        for k in range(p):
            a = B[k + <size_t> j * p]
            if a == 0:
                continue
            for q in range(colptr[k], colptr[k + 1]):
                C[rowind[q] + <size_t> j * p] += a * vals[q]


cdef void _product_tgt(int p, const double* T, const double* Gam,
                       double* W, double* D, int* colptr,
                       int* rowind, double* vals, int max_nnz) noexcept nogil:
    """D = T @ Gam @ T (T symmetric), sparse products when T has few non-zeros."""
    cdef int i, j, q
    if _collect(p, T, colptr, rowind, vals, max_nnz) < 0:
        _sandwich(p, T, Gam, W, D)
        return
    # W = Gam @ T, one axpy of a (contiguous) column of Gam per non-zero T_kj
    for j in range(p):
        for i in range(p):
            W[i + <size_t> j * p] = 0.
        for q in range(colptr[j], colptr[j + 1]):
            # W[:, j] += T[k, j] * Gam[:, k]
            _axpy(p, vals[q], Gam + <size_t> rowind[q] * p, 1, W + <size_t> j * p, 1)
    _csc_matmul(p, colptr, rowind, vals, W, D)  # D = T @ W


cdef void _hess_product(int p, const double* Theta, const double* P,
                        double* U, double* Y, const unsigned char* act,
                        int* colptr, int* rowind, double* vals,
                        int max_nnz) noexcept nogil:
    """Y = Theta @ P @ Theta on the diagonal and the free (not active) entries.

    P is supported on the free set; when it is sparse, U = P @ Theta costs
    nnz(P) p and each needed entry Y_ij = Theta[:, i] @ U[:, j] one dot, so
    the Hessian product costs O((nnz(P) + nnz(free)) p) instead of O(p^3).
    """
    cdef int i, j
    cdef double a
    if _collect(p, P, colptr, rowind, vals, max_nnz) < 0:
        _sandwich(p, Theta, P, U, Y)
        return
    _csc_matmul(p, colptr, rowind, vals, Theta, U)  # U = P @ Theta
    for j in range(p):
        for i in range(j + 1):
            if i == j or not act[i + <size_t> j * p]:
                # Y[i, j] = Theta[:, i] @ U[:, j]
                a = _dot(p, Theta + <size_t> i * p, 1, U + <size_t> j * p, 1)
                Y[i + <size_t> j * p] = a
                Y[j + <size_t> i * p] = a


cdef void _dual_of(int p, const double* Y, double* R,
                   const unsigned char* act, bint dd) noexcept nogil:
    """R = partial derivatives (A^* Y) on the free coordinates, 0 elsewhere.

    Coordinates x: M-matrices, the diagonal T_ii and the pairs T_ij (i < j),
    so A^* Y = (Y_ii, 2 Y_ij); diagonally dominant, the row sums d_i and
    w_ij = -T_ij, so A^* Y = (Y_ii, Y_ii + Y_jj - 2 Y_ij). R keeps the pair
    coordinate in its upper (i < j) entry and the diagonal one at (i, i).
    """
    cdef int i, j
    cdef size_t ij
    for i in range(p):
        R[i + <size_t> i * p] = 0. if act[i + <size_t> i * p] else Y[i + <size_t> i * p]
    for j in range(p):
        for i in range(j):
            ij = i + <size_t> j * p
            if act[ij]:
                R[ij] = 0.
            elif dd:
                R[ij] = Y[i + <size_t> i * p] + Y[j + <size_t> j * p] - 2. * Y[ij]
            else:
                R[ij] = 2. * Y[ij]


cdef void _gamma_of(int p, const double* R, double* Gam, bint dd) noexcept nogil:
    """Gam = A^{-*} R: the symmetric matrix with A^* Gam = R."""
    cdef int i, j
    cdef size_t ij
    for i in range(p):
        Gam[i + <size_t> i * p] = R[i + <size_t> i * p]
    for j in range(p):
        for i in range(j):
            ij = i + <size_t> j * p
            if dd:
                Gam[ij] = 0.5 * (R[i + <size_t> i * p] + R[j + <size_t> j * p] - R[ij])
            else:
                Gam[ij] = 0.5 * R[ij]
            Gam[j + <size_t> i * p] = Gam[ij]


cdef void _mask_primal(int p, double* D, const unsigned char* act,
                       bint dd) noexcept nogil:
    """Symmetrise D and zero its active coordinates (a direction of the free set)."""
    cdef int i, j
    cdef size_t ij, ji
    cdef double s
    for j in range(p):
        for i in range(j):
            ij = i + <size_t> j * p
            ji = j + <size_t> i * p
            D[ij] = 0.5 * (D[ij] + D[ji])
            if act[ij]:
                if dd:
                    # w_ij is fixed but the row sums d_i, d_j are not:
                    # T_ii = d_i + sum_j w_ij absorbs the removed entry
                    D[i + <size_t> i * p] += D[ij]
                    D[j + <size_t> j * p] += D[ij]
                D[ij] = 0.
            D[ji] = D[ij]
    if dd:
        # an active row sum d_i stays put: D_ii cancels the row's off-diagonal
        for i in range(p):
            if act[i + <size_t> i * p]:
                s = 0.
                for j in range(p):
                    if j != i:
                        s += D[i + <size_t> j * p]
                D[i + <size_t> i * p] = -s


cdef double _pairing(int p, const double* R, const double* D,
                     bint dd) noexcept nogil:
    """<R, x(D)>: a dual vector against the coordinates of the direction D."""
    cdef int i, j
    cdef double acc = 0., row
    for i in range(p):
        if dd:
            row = 0.
            for j in range(p):
                row += D[i + <size_t> j * p]
            acc += R[i + <size_t> i * p] * row
        else:
            acc += R[i + <size_t> i * p] * D[i + <size_t> i * p]
        for j in range(i + 1, p):
            if dd:
                acc -= R[i + <size_t> j * p] * D[i + <size_t> j * p]
            else:
                acc += R[i + <size_t> j * p] * D[i + <size_t> j * p]
    return acc


cdef void _precondition(int p, const double* T, const double* R,
                        double* Gam, double* W, double* Z,
                        const unsigned char* act, bint dd, int* colptr,
                        int* rowind, double* vals, int max_nnz) noexcept nogil:
    """Z = mask(T A^{-*}(R) T): the inverse Hessian of -logdet over all of x."""
    _gamma_of(p, R, Gam, dd)
    _product_tgt(p, T, Gam, W, Z, colptr, rowind, vals, max_nnz)
    _mask_primal(p, Z, act, dd)


def mtp2_newton(double[:, ::1] T, const double[:, ::1] K,
                double[::1] d, bint diag_dominant, int max_iter, double tol,
                int max_cg=50):
    """Projected Newton-like method for one stage, in place on ``T``.

    The variables ``x`` are the off-diagonal entries ``T_ij <= 0`` and the
    (free) diagonal for M-matrices; for diagonally dominant M-matrices they
    are ``w_ij = -T_ij >= 0`` and the row sums ``d_i = (T 1)_i >= 0``. Both
    sets are boxes, so projecting is clipping. Each iteration:

    1. ``G = K - T^{-1}``; the epsilon-active set holds the coordinates
       within ``eps`` of their bound whose partial derivative pushes
       outwards; the others are free.
    2. The Newton system restricted to the free coordinates,
       ``(Theta Z Theta)_free = G_free`` with ``Theta = T^{-1}``, is solved
       inexactly by conjugate gradients preconditioned by
       ``R -> (T R T)_free`` (the exact inverse Hessian when nothing is
       active, so the first CG iterate is the ``T G T`` direction). Active
       coordinates take a diagonally scaled gradient step.
    3. Armijo backtracking along the projected path ``P(x - t Z)``, each
       trial checked for positive definiteness by Cholesky; the accepted
       factor gives the next inverse (potri).

    Parameters
    ----------
    T : ndarray of shape (p, p)
        Feasible, positive definite start; overwritten by the solution (the
        last accepted iterate, always positive definite).
    K : ndarray of shape (p, p)
        ``S - Lam``, symmetric.
    d : ndarray of shape (p,)
        Row sums ``T 1`` (used and updated when ``diag_dominant``).
    diag_dominant : bool
    max_iter : int
    tol : float
        Stop when the scale-free KKT violation is at most ``tol``.
    max_cg : int, default=50
        Conjugate-gradient iterations per Newton step.

    Returns
    -------
    n_iter : int
    kkt : float
        Final KKT violation.
    status : int
        0 converged, 1 max_iter reached, 2 line search failed,
        3 the start is not positive definite.
    Tinv : ndarray of shape (p, p)
        Inverse of the returned ``T``.
    """
    cdef int p = T.shape[0]
    cdef bint dd = diag_dominant
    Tinv_arr = np.empty((p, p))
    cdef double[:, ::1] Tinv = Tinv_arr
    cdef double[:, ::1] G = np.empty((p, p))
    cdef double[:, ::1] Gam = np.empty((p, p))
    cdef double[:, ::1] Z = np.empty((p, p))
    cdef double[:, ::1] W = np.empty((p, p))
    cdef double[:, ::1] Tn = np.empty((p, p))
    cdef double[:, ::1] L = np.empty((p, p))
    cdef double[:, ::1] R = np.empty((p, p))
    cdef double[:, ::1] Q = np.empty((p, p))
    cdef double[:, ::1] Zr = np.empty((p, p))
    cdef double[:, ::1] Pd = np.empty((p, p))
    cdef double[:, ::1] Y = np.empty((p, p))
    cdef double[:, ::1] step = np.zeros((p, p))
    cdef unsigned char[:, ::1] active = np.zeros((p, p), dtype=np.uint8)
    cdef double[::1] dn = np.empty(p)
    cdef double[::1] dstep = np.empty(p)
    cdef int max_nnz = max(p, <int> (SPARSE_FRACTION * p * p))
    cdef int[::1] colptr = np.empty(p + 1, dtype=np.intc)
    cdef int[::1] rowind = np.empty(max_nnz, dtype=np.intc)
    cdef double[::1] vals = np.empty(max_nnz)
    cdef double* Tp = &T[0, 0]
    cdef const double* Kp = &K[0, 0]
    cdef double* Gp = &G[0, 0]
    cdef double* Zp = &Z[0, 0]
    cdef double* Tnp = &Tn[0, 0]
    cdef double* Ip = &Tinv[0, 0]
    cdef double* Sp = &step[0, 0]
    cdef unsigned char* Ap = &active[0, 0]
    cdef int i, j, it = 0, ls, cg, status = MAX_ITER
    cdef size_t ij, ii, jj
    cdef double f, f_n, kkt = INFINITY, eps, t
    cdef double s, g, wn, curv, rz, rz_new, rz0, pq, a
    cdef bint accepted
    # flops of one p x p factorisation (or inversion), and of one dense
    # Hessian product, the units of the interrupt checks
    cdef double cube = <double> p * p * p
    cdef Interrupt intr
    interrupt_init(&intr)

    with nogil:
        status = _start(p, Tp, Kp, &L[0, 0], Ip, &f)
        while status != NOT_PD:
            if interrupted(&intr, cube):
                break
            _gradient(p, Kp, Ip, Gp)
            kkt = _kkt(p, Tp, Gp, &d[0], dd)
            if kkt <= tol:
                status = CONVERGED
                break
            if it >= max_iter:
                break
            it += 1
            eps = min(EPS_ACTIVE, kkt)
            # epsilon-active set; an active coordinate's own step is its
            # partial derivative over the curvature of f along it
            for i in range(p):
                ii = i + <size_t> i * p
                Ap[ii] = dd and d[i] <= eps * Tp[ii] and Gp[ii] > 0
                if Ap[ii]:
                    dstep[i] = Gp[ii] / (Ip[ii] * Ip[ii])
            for j in range(p):
                jj = j + <size_t> j * p
                for i in range(j):
                    ii = i + <size_t> i * p
                    ij = i + <size_t> j * p
                    s = sqrt(Tp[ii] * Tp[jj])
                    if dd:
                        g = Gp[ii] + Gp[jj] - 2. * Gp[ij]  # d f / d w_ij
                        Ap[ij] = -Tp[ij] <= eps * s and g > 0
                        if Ap[ij]:
                            curv = Ip[ii] + Ip[jj] - 2. * Ip[ij]
                            Sp[ij] = -g / (curv * curv)  # a step in T_ij
                    else:
                        g = Gp[ij]
                        Ap[ij] = -Tp[ij] <= eps * s and g < 0
                        if Ap[ij]:
                            Sp[ij] = g / (Ip[ij] * Ip[ij] + Ip[ii] * Ip[jj])
            # preconditioned CG on (Theta Z Theta)_free = G_free, from Z = 0
            _dual_of(p, Gp, &R[0, 0], Ap, dd)
            _precondition(p, Tp, &R[0, 0], &Gam[0, 0], &W[0, 0], &Zr[0, 0],
                          Ap, dd, &colptr[0], &rowind[0], &vals[0], max_nnz)
            rz = _pairing(p, &R[0, 0], &Zr[0, 0], dd)
            rz0 = rz
            for ij in range(<size_t> p * p):
                Zp[ij] = 0.
            _copy(p * p, &Zr[0, 0], 1, &Pd[0, 0], 1)  # Pd[:] = Zr
            for cg in range(max_cg):
                if not rz > 0 or interrupted(&intr, 4. * cube):
                    break
                _hess_product(p, Ip, &Pd[0, 0], &W[0, 0], &Y[0, 0], Ap,
                              &colptr[0], &rowind[0], &vals[0], max_nnz)
                _dual_of(p, &Y[0, 0], &Q[0, 0], Ap, dd)
                pq = _pairing(p, &Q[0, 0], &Pd[0, 0], dd)
                if not pq > 0:
                    break
                a = rz / pq
                _axpy(p * p, <double> a, &Pd[0, 0], 1, Zp, 1)  # Z += a * Pd
                _axpy(p * p, <double> -a, &Q[0, 0], 1, &R[0, 0], 1)  # R -= a * Q
                if cg + 1 >= max_cg:
                    break
                _precondition(p, Tp, &R[0, 0], &Gam[0, 0], &W[0, 0], &Zr[0, 0],
                              Ap, dd, &colptr[0], &rowind[0], &vals[0], max_nnz)
                rz_new = _pairing(p, &R[0, 0], &Zr[0, 0], dd)
                # inexact Newton: relative residual (in the preconditioned
                # norm) below min(0.5, sqrt(kkt)), a superlinear local rate
                if rz_new <= min(0.25, kkt) * rz0:
                    break
                # Pd = Zr + (rz_new / rz) * Pd
                _scal_add(p * p, rz_new / rz, &Pd[0, 0], &Zr[0, 0])
                rz = rz_new
            # the step of every coordinate, as matrices: free ones from Z,
            # active ones their scaled gradient step
            for j in range(p):
                for i in range(j):
                    ij = i + <size_t> j * p
                    if Ap[ij]:
                        Zp[ij] = Sp[ij]
                        Zp[j + <size_t> i * p] = Sp[ij]
            if dd:
                # a free d_i moves by the row sum of the CG solution (whose
                # active w entries were zero before the loop above)
                for i in range(p):
                    if not Ap[i + <size_t> i * p]:
                        s = 0.
                        for j in range(p):
                            if j == i or not Ap[min(i, j) + <size_t> max(i, j) * p]:
                                s += Zp[i + <size_t> j * p]
                        dstep[i] = s
            if intr.raised:
                break
            t = 1.
            accepted = False
            for ls in range(MAX_BACKTRACK):
                if interrupted(&intr, cube / 3.):
                    break
                # the trial point P(x - t Z), assembled as a matrix
                for i in range(p):
                    ii = i + <size_t> i * p
                    if dd:
                        wn = d[i] - t * dstep[i]
                        dn[i] = wn if wn > 0 else 0.
                        Tnp[ii] = dn[i]
                    else:
                        Tnp[ii] = Tp[ii] - t * Zp[ii]
                for j in range(p):
                    for i in range(j):
                        ij = i + <size_t> j * p
                        wn = Tp[ij] - t * Zp[ij]
                        if wn > 0:
                            wn = 0.
                        Tnp[ij] = wn
                        Tnp[j + <size_t> i * p] = wn
                        if dd:
                            # T_ii = d_i + sum_j w_ij
                            Tnp[i + <size_t> i * p] -= wn
                            Tnp[j + <size_t> j * p] -= wn
                if _armijo(p, Tp, Tnp, Gp, Kp, &L[0, 0], f, &f_n):
                    accepted = True
                    break
                t *= BETA
            if intr.raised:
                break
            if not accepted:
                status = LINE_SEARCH_FAILED
                break
            _copy(p * p, Tnp, 1, Tp, 1)  # T[:] = Tn
            if dd:
                _copy(p, &dn[0], 1, &d[0], 1)  # d[:] = dn
            f = f_n
            _inverse_from_factor(p, &L[0, 0], Ip)
    raise_if_interrupted(&intr)
    return it, kkt, status, Tinv_arr


cdef inline void _scal_add(int n, double beta, double* x,
                           const double* y) noexcept nogil:
    """x = y + beta * x"""
    cdef int i
    for i in range(n):
        x[i] = y[i] + beta * x[i]


def mtp2_pg(double[:, ::1] T, const double[:, ::1] K, double[::1] d,
            bint diag_dominant, int max_iter, double tol):
    """Projected gradient with Barzilai-Borwein steps for one stage.

    ``T <- P(T - t G)`` with ``P`` the Euclidean projection onto the
    constraint set (clip for M-matrices, exact dual coordinate ascent for
    diagonally dominant M-matrices), ``t`` from alternating BB1/BB2 steps,
    Armijo backtracking with a Cholesky positive-definiteness check.
    Same parameters and returns as :func:`mtp2_newton`.
    """
    cdef int p = T.shape[0]
    Tinv_arr = np.empty((p, p))
    cdef double[:, ::1] Tinv = Tinv_arr
    cdef double[:, ::1] G = np.empty((p, p))
    cdef double[:, ::1] Gn = np.empty((p, p))
    cdef double[:, ::1] Y = np.empty((p, p))
    cdef double[:, ::1] Tn = np.empty((p, p))
    cdef double[:, ::1] L = np.empty((p, p))
    cdef double[::1] mu = np.zeros(p)
    cdef double[::1] breaks = np.empty(max(p, 1))
    cdef double* Tp = &T[0, 0]
    cdef const double* Kp = &K[0, 0]
    cdef double* Gp = &G[0, 0]
    cdef double* Gnp = &Gn[0, 0]
    cdef double* Yp = &Y[0, 0]
    cdef double* Tnp = &Tn[0, 0]
    cdef double* Ip = &Tinv[0, 0]
    cdef int i, j, it = 0, ls, status = MAX_ITER
    cdef size_t ij
    cdef double f, f_n, kkt = INFINITY, t
    cdef double ss, sy, yy, diff, dgrad, theta_max = 1., s_row, t_ref = 1.
    cdef bint accepted
    cdef double cube = <double> p * p * p
    cdef Interrupt intr
    interrupt_init(&intr)

    with nogil:
        status = _start(p, Tp, Kp, &L[0, 0], Ip, &f)
        if status != NOT_PD:
            _gradient(p, Kp, Ip, Gp)
            # 1 / lambda_max(Hessian) <= 1 / max_i Theta_ii^2
            theta_max = 0.
            for i in range(p):
                theta_max = max(theta_max, Ip[i + <size_t> i * p])
            t = 1. / (theta_max * theta_max)
            # steps are in units of T per unit of G, i.e. variance^-2: their
            # safeguards are relative to this first one, so that rescaling X
            # rescales every step and leaves the iterates equivalent
            t_ref = t
        while status != NOT_PD:
            if interrupted(&intr, cube):
                break
            if diag_dominant:
                for i in range(p):
                    s_row = 0.
                    for j in range(p):
                        s_row += Tp[i + <size_t> j * p]
                    # a row whose constraint is active (mu_i > 0) sits on
                    # the bound up to rounding
                    d[i] = s_row if (mu[i] == 0 and s_row > 0) else 0.
            kkt = _kkt(p, Tp, Gp, &d[0], diag_dominant)
            if kkt <= tol:
                status = CONVERGED
                break
            if it >= max_iter:
                break
            it += 1
            accepted = False
            for ls in range(MAX_BACKTRACK):
                if interrupted(&intr, cube / 3.):
                    break
                for ij in range(<size_t> p * p):
                    Yp[ij] = Tp[ij] - t * Gp[ij]  # Y = T - t G
                if diag_dominant:
                    _project_dd(p, Yp, Tnp, &mu[0], &breaks[0], 10000, 1e-14,
                                &intr)
                    if intr.raised:
                        break
                else:
                    _project_m(p, Yp, Tnp)
                if _armijo(p, Tp, Tnp, Gp, Kp, &L[0, 0], f, &f_n):
                    accepted = True
                    break
                t *= BETA
            if intr.raised:
                break
            if not accepted:
                status = LINE_SEARCH_FAILED
                break
            _inverse_from_factor(p, &L[0, 0], Ip)
            ss = 0.
            sy = 0.
            yy = 0.
            for ij in range(<size_t> p * p):
                Gnp[ij] = Kp[ij] - Ip[ij]
                diff = Tnp[ij] - Tp[ij]
                dgrad = Gnp[ij] - Gp[ij]
                ss += diff * diff
                sy += diff * dgrad
                yy += dgrad * dgrad
            _copy(p * p, Tnp, 1, Tp, 1)  # T[:] = Tn
            _copy(p * p, Gnp, 1, Gp, 1)  # G[:] = Gn
            f = f_n
            if sy > 0:
                # alternate the two Barzilai-Borwein step lengths
                t = ss / sy if it % 2 else sy / yy
            else:
                t = 1. / (theta_max * theta_max)
            t = min(max(t, 1e-12 * t_ref), 1e12 * t_ref)
    raise_if_interrupted(&intr)
    return it, kkt, status, Tinv_arr
