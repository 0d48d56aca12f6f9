# Working-set coordinate descent for penalised weighted least squares:
#
#     min_w  1/2 sum_i sw_i (y_i - (x_i - m)^T w)^2 + sum_j p(|w_j|)
#
# with sw summing to sw_sum (one for the estimators' data term; the Hessian
# weights inside the logistic IRLS loop sum to something else), y centred
# and m the weighted column means when an intercept is fitted (m = 0
# otherwise). The centring is implicit: X is
# never copied, so dense Fortran and CSC designs are used as given.
#
# State kept along the run, for r = y - (X - 1 m^T) w:
#     q = y - X w        (updated by one column axpy per coordinate move)
#     S = sum_i sw_i q_i (updated in O(1): sum_i sw_i x_ij = sw_sum m_j)
#     t = m^T w          so that r = q + t
# and the gradient of the data term is grad_j = -(x_j^T (sw * q) - m_j S).
import numpy as np

from cython cimport floating
from libc.math cimport fabs, fmax, fmin, INFINITY

from sparsestat._kernels._blas cimport _gemv_t
from sparsestat._kernels._design cimport col_axpy, col_dot, col_wdot
from sparsestat._kernels._penalties cimport (
    PENALTY_L1, penalty_value, prox_1d, subdiff_distance,
)


cdef inline floating _column_correlation(
    bint is_sparse, const floating* X, int n, const floating* data,
    const int* indices, const int* indptr, bint weighted, const floating* sw,
    const floating* q, int j,
) noexcept nogil:
    """x_j^T (sw * q)"""
    if weighted:
        return col_wdot(is_sparse, X, n, data, indices, indptr, j, sw, q)
    return sw[0] * col_dot(is_sparse, X, n, data, indices, indptr, j, q)


cdef void _full_gradient(
    bint is_sparse, const floating* X, int n, int p, const floating* data,
    const int* indices, const int* indptr, bint weighted, const floating* sw,
    const floating* X_mean, const floating* q, floating S, floating* swq,
    floating* grad,
) noexcept nogil:
    """grad = -((X^T (sw * q)) - m S), one pass over X."""
    cdef int i, j
    if not is_sparse:
        if weighted:
            for i in range(n):
                swq[i] = sw[i] * q[i]
            # grad = -X.T @ swq
            _gemv_t(n, p, -1., X, n, swq, 0., grad)
        else:
            # grad = -sw0 * X.T @ q
            _gemv_t(n, p, -sw[0], X, n, q, 0., grad)
    else:
        for j in range(p):
            grad[j] = -_column_correlation(is_sparse, X, n, data, indices,
                                           indptr, weighted, sw, q, j)
    for j in range(p):
        grad[j] += X_mean[j] * S


cdef floating _primal(int n, int p, const floating* sw, const floating* q,
                      floating t, const floating* w, int penalty,
                      floating alpha, floating gamma) noexcept nogil:
    cdef int i, j
    cdef floating datafit = 0., pen = 0., r
    for i in range(n):
        r = q[i] + t
        datafit += sw[i] * r * r
    for j in range(p):
        if w[j] != 0:
            pen += penalty_value(penalty, fabs(w[j]), alpha, gamma)
    return 0.5 * datafit + pen


cdef floating _l1_dual_gap(int n, int p, const floating* y, const floating* sw,
                           const floating* q, floating t, const floating* w,
                           const floating* grad, const floating* norms2,
                           floating alpha, bint positive) noexcept nogil:
    """Duality gap of the weighted Lasso at w.

    The dual point is the residual rescaled into the dual feasible set
    {theta : |(X - 1 m^T)^T (sw * theta)| <= alpha} (one-sided if positive).
    """
    cdef int i, j
    cdef floating max_corr = 0., scale = 1., r, d, primal, dual
    cdef floating datafit = 0., y_norm = 0., dist = 0., l1 = 0.
    for j in range(p):
        if norms2[j] == 0:
            continue
        if positive:
            max_corr = fmax(max_corr, -grad[j])
        else:
            max_corr = fmax(max_corr, fabs(grad[j]))
        l1 += fabs(w[j])
    if max_corr > alpha:
        scale = alpha / max_corr
    for i in range(n):
        r = q[i] + t
        d = y[i] - scale * r
        datafit += sw[i] * r * r
        y_norm += sw[i] * y[i] * y[i]
        dist += sw[i] * d * d
    primal = 0.5 * datafit + alpha * l1
    dual = 0.5 * y_norm - 0.5 * dist
    return primal - dual


cdef void _swap(floating* scores, int* idx, int a, int b) noexcept nogil:
    cdef floating s = scores[a]
    cdef int k = idx[a]
    scores[a] = scores[b]
    scores[b] = s
    idx[a] = idx[b]
    idx[b] = k


cdef void _select_largest(floating* scores, int* idx, int p, int k) noexcept nogil:
    """Reorder (scores, idx) so that the k largest scores come first.

    Quickselect with a median-of-three pivot: O(p) on average, no allocation.
    """
    cdef int lo = 0, hi = p - 1, mid, store, i
    cdef floating pivot
    while lo < hi:
        mid = lo + (hi - lo) // 2
        if scores[mid] > scores[lo]:
            _swap(scores, idx, mid, lo)
        if scores[hi] > scores[lo]:
            _swap(scores, idx, hi, lo)
        if scores[mid] > scores[hi]:
            _swap(scores, idx, mid, hi)
        # scores[hi] now holds the median of the three: use it as pivot
        pivot = scores[hi]
        store = lo
        for i in range(lo, hi):
            if scores[i] > pivot:
                _swap(scores, idx, i, store)
                store += 1
        _swap(scores, idx, store, hi)
        if store == k:
            return
        if store < k:
            lo = store + 1
        else:
            hi = store - 1


cdef enum:
    # iterates combined by one Anderson extrapolation (skglm uses 5 too)
    ANDERSON_K = 5


cdef bint _anderson_weights(const floating* iterates, int stride, int m,
                            floating* coefs) noexcept nogil:
    """Weights c (summing to one) of the Anderson extrapolation.

    With U the m x K matrix of differences of K + 1 successive iterates
    (stored as columns of ``iterates`` with leading dimension ``stride``),
    solve (U^T U) z = 1 and return c = z / sum(z). Returns False when the
    small system is numerically singular (the caller then skips the step).
    """
    cdef floating A[ANDERSON_K][ANDERSON_K + 1]
    cdef int a, b, i, r, pivot_row
    cdef floating acc, pivot, factor, total, tmp, scale = 0.
    for a in range(ANDERSON_K):
        for b in range(a, ANDERSON_K):
            acc = 0.
            for i in range(m):
                acc += ((iterates[(a + 1) * stride + i] - iterates[a * stride + i])
                        * (iterates[(b + 1) * stride + i] - iterates[b * stride + i]))
            A[a][b] = acc
            A[b][a] = acc
        A[a][ANDERSON_K] = 1.
        scale = fmax(scale, A[a][a])
    if scale <= 0:
        return False
    # Gaussian elimination with partial pivoting on the K x K system
    for a in range(ANDERSON_K):
        pivot_row = a
        for r in range(a + 1, ANDERSON_K):
            if fabs(A[r][a]) > fabs(A[pivot_row][a]):
                pivot_row = r
        if fabs(A[pivot_row][a]) <= 1e-14 * scale:
            return False
        if pivot_row != a:
            for b in range(ANDERSON_K + 1):
                tmp = A[a][b]
                A[a][b] = A[pivot_row][b]
                A[pivot_row][b] = tmp
        pivot = A[a][a]
        for r in range(a + 1, ANDERSON_K):
            factor = A[r][a] / pivot
            for b in range(a, ANDERSON_K + 1):
                A[r][b] -= factor * A[a][b]
    total = 0.
    for a in range(ANDERSON_K - 1, -1, -1):
        acc = A[a][ANDERSON_K]
        for b in range(a + 1, ANDERSON_K):
            acc -= A[a][b] * coefs[b]
        coefs[a] = acc / A[a][a]
        total += coefs[a]
    if total == 0:
        return False
    for a in range(ANDERSON_K):
        coefs[a] /= total
    return True


cdef floating _ws_objective(int n, const int* ws, int ws_size,
                            const floating* sw, const floating* q, floating t,
                            const floating* w, int penalty, floating alpha,
                            floating gamma) noexcept nogil:
    """Objective when w is zero outside the working set."""
    cdef int i, jj
    cdef floating datafit = 0., pen = 0., r
    for i in range(n):
        r = q[i] + t
        datafit += sw[i] * r * r
    for jj in range(ws_size):
        pen += penalty_value(penalty, fabs(w[ws[jj]]), alpha, gamma)
    return 0.5 * datafit + pen


def cd_solve(
    const floating[::1, :] X,
    const floating[::1] X_data,
    const int[::1] X_indices,
    const int[::1] X_indptr,
    bint is_sparse,
    const floating[::1] y,
    const floating[::1] sw,
    bint weighted,
    floating sw_sum,
    const floating[::1] X_mean,
    const floating[::1] norms2,
    floating[::1] w,
    floating[::1] grad,
    bint grad_valid,
    const unsigned char[::1] strong,
    int penalty,
    floating alpha,
    floating gamma,
    bint positive,
    int max_iter,
    int max_epochs,
    floating tol,
    int p0,
):
    """Solve the penalised weighted least-squares problem by working-set CD.

    Parameters
    ----------
    X : (n, p) Fortran array, or a (1, 1) placeholder when ``is_sparse``.
    X_data, X_indices, X_indptr : CSC arrays of X (placeholders when dense).
    y : centred response (weighted mean removed when an intercept is fitted).
    sw : sample weights summing to ``sw_sum``; ``weighted`` False means
        all equal.
    X_mean : weighted column means (zeros without intercept).
    norms2 : sum_i sw_i (x_ij - m_j)^2; a zero marks a column that is
        constant (or empty): its coefficient stays at zero.
    w : coefficients, updated in place (warm start).
    grad : gradient of the data term, written on return (at the returned
        w); on entry it is reused instead of recomputed when
        ``grad_valid`` (along a path, the previous solution's gradient).
    strong : screening mask (strong rules): features with ``strong[j] ==
        0`` are kept out of the first working set (length-0 array: none
        screened). Every feature is checked before convergence is declared.
    penalty, alpha, gamma, positive : the penalty (see _penalties.pxd).
    max_iter : maximum number of outer (working-set) iterations.
    max_epochs : maximum number of CD epochs per working set.
    tol : stopping tolerance: the KKT violation max_j dist(-grad_j,
        dp(w_j)) for every penalty, and also the duality gap relative to
        sum_i sw_i y_i^2 for the L1 penalty (either one suffices there).
    p0 : smallest working-set size.

    Returns
    -------
    n_iter : number of outer iterations run.
    kkt : final KKT violation.
    gap : final duality gap (L1), else NaN.
    converged : whether the stopping rule was met.
    n_epochs : total number of CD epochs.
    """
    cdef int n = y.shape[0]
    cdef int p = w.shape[0]
    cdef const floating* Xp = &X[0, 0]
    cdef const floating* data = &X_data[0]
    cdef const int* indices = &X_indices[0]
    cdef const int* indptr = &X_indptr[0]

    dtype = np.float32 if floating is float else np.float64
    cdef floating[::1] q = np.empty(n, dtype=dtype)
    cdef floating[::1] swq = np.empty(n, dtype=dtype)
    cdef floating[::1] scores = np.empty(p, dtype=dtype)
    cdef int[::1] order = np.empty(p, dtype=np.intc)
    cdef int[::1] ws = np.empty(p, dtype=np.intc)
    # Anderson buffers: ANDERSON_K + 1 working-set iterates, a trial residual
    cdef floating[::1] iterates = np.empty((ANDERSON_K + 1) * p, dtype=dtype)
    cdef floating[::1] q_trial = np.empty(n, dtype=dtype)
    cdef floating[::1] w_trial = np.empty(p, dtype=dtype)
    cdef floating[ANDERSON_K] anderson_c
    cdef int n_stored, k
    cdef floating S_trial, t_trial, obj_now, obj_trial

    cdef int i, j, jj, it, epoch, ws_size, n_support, n_epochs = 0
    cdef int n_iter = 0
    cdef bint converged = False
    cdef bint use_gap = penalty == PENALTY_L1
    cdef bint screening = strong.shape[0] == p
    cdef floating S = 0., t = 0., kkt = INFINITY, gap = INFINITY
    cdef floating tol_gap = 0., u, w_old, w_new, delta, g, viol, inner_kkt
    cdef floating inner_tol

    with nogil:
        # q = y - X w, S = sum(sw * q), t = m^T w
        for i in range(n):
            q[i] = y[i]
        for j in range(p):
            if w[j] != 0:
                col_axpy(is_sparse, Xp, n, data, indices, indptr, j, -w[j], &q[0])
                t += X_mean[j] * w[j]
        for i in range(n):
            S += sw[i] * q[i]
            tol_gap += sw[i] * y[i] * y[i]
        tol_gap *= tol

        # max_iter working-set phases, each preceded and the last one
        # followed by a full-gradient KKT check
        for it in range(max_iter + 1):
            S = 0.
            for i in range(n):
                S += sw[i] * q[i]
            if it > 0 or not grad_valid:
                _full_gradient(is_sparse, Xp, n, p, data, indices, indptr,
                               weighted, &sw[0], &X_mean[0], &q[0], S, &swq[0],
                               &grad[0])
            kkt = 0.
            n_support = 0
            for j in range(p):
                order[j] = j
                if norms2[j] == 0:
                    scores[j] = -1.
                    continue
                viol = subdiff_distance(penalty, w[j], grad[j], alpha, gamma, positive)
                kkt = fmax(kkt, viol)
                if w[j] != 0:
                    n_support += 1
                    # the support always stays in the working set
                    scores[j] = INFINITY
                elif it == 0 and screening and not strong[j]:
                    scores[j] = 0.
                else:
                    scores[j] = viol
            if use_gap:
                gap = _l1_dual_gap(n, p, &y[0], &sw[0], &q[0], t, &w[0],
                                   &grad[0], &norms2[0], alpha, positive)
            if kkt <= tol or (use_gap and gap <= tol_gap):
                converged = True
                break
            if it == max_iter:
                break
            n_iter += 1

            ws_size = min(p, max(p0, 2 * n_support))
            _select_largest(&scores[0], &order[0], p, ws_size)
            jj = 0
            for i in range(ws_size):
                if scores[i] > 0:
                    ws[jj] = order[i]
                    jj += 1
            ws_size = jj

            # Inner epochs on the working set. The violation of a coordinate
            # just before its own update costs nothing extra (its gradient is
            # needed for the update anyway), so its maximum over an epoch
            # serves as the inner stopping test.
            inner_tol = fmax(0.3 * kkt, 0.5 * tol)
            n_stored = 0
            for epoch in range(max_epochs):
                n_epochs += 1
                inner_kkt = 0.
                for jj in range(ws_size):
                    j = ws[jj]
                    g = _column_correlation(is_sparse, Xp, n, data, indices,
                                            indptr, weighted, &sw[0], &q[0], j)
                    g = g - X_mean[j] * S
                    w_old = w[j]
                    inner_kkt = fmax(inner_kkt, subdiff_distance(
                        penalty, w_old, -g, alpha, gamma, positive))
                    u = g + norms2[j] * w_old
                    w_new = prox_1d(penalty, u, norms2[j], alpha, gamma, positive)
                    if w_new != w_old:
                        delta = w_new - w_old
                        # q -= delta * X[:, j]
                        col_axpy(is_sparse, Xp, n, data, indices, indptr, j,
                                 -delta, &q[0])
                        S -= delta * sw_sum * X_mean[j]
                        t += delta * X_mean[j]
                        w[j] = w_new
                if inner_kkt <= inner_tol:
                    break
                # Anderson extrapolation of the last ANDERSON_K + 1 epochs,
                # kept only if it lowers the objective (skglm's safeguard)
                for jj in range(ws_size):
                    iterates[n_stored * ws_size + jj] = w[ws[jj]]
                n_stored += 1
                if n_stored == ANDERSON_K + 1:
                    n_stored = 0
                    if _anderson_weights(&iterates[0], ws_size, ws_size,
                                         &anderson_c[0]):
                        for i in range(n):
                            q_trial[i] = q[i]
                        S_trial = S
                        t_trial = t
                        for jj in range(ws_size):
                            j = ws[jj]
                            w_new = 0.
                            for k in range(ANDERSON_K):
                                w_new += anderson_c[k] * iterates[(k + 1) * ws_size + jj]
                            if positive and w_new < 0:
                                w_new = 0.
                            w_trial[j] = w_new
                            delta = w_new - w[j]
                            if delta != 0:
                                # q_trial -= delta * X[:, j]
                                col_axpy(is_sparse, Xp, n, data, indices, indptr,
                                         j, -delta, &q_trial[0])
                                S_trial -= delta * sw_sum * X_mean[j]
                                t_trial += delta * X_mean[j]
                        obj_now = _ws_objective(n, &ws[0], ws_size, &sw[0], &q[0],
                                                t, &w[0], penalty, alpha, gamma)
                        obj_trial = _ws_objective(n, &ws[0], ws_size, &sw[0],
                                                  &q_trial[0], t_trial, &w_trial[0],
                                                  penalty, alpha, gamma)
                        if obj_trial < obj_now:
                            for jj in range(ws_size):
                                j = ws[jj]
                                w[j] = w_trial[j]
                            for i in range(n):
                                q[i] = q_trial[i]
                            S = S_trial
                            t = t_trial
    if not use_gap:
        gap = float("nan")
    return n_iter, kkt, gap, converged, n_epochs
