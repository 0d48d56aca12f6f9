# Working-set coordinate descent for penalised weighted least squares:
#
#     min_w  1/2 sum_i sw_i (y_i - (x_i - m)^T w)^2 + sum_j p(|w_j|)
#
# where p is the plain penalty p(|w_j|; alpha, gamma), or, when the penalty
# bundle carries per-feature weights pw and an elastic-net l1_ratio, the
# mixed penalty of _penalties.pxd (FeaturePenalty): each coordinate then
# reads a_j = alpha pw_j, its ridge part joining the coordinate's curvature.
# Every function below branches once on `fp.weights == NULL`, so that the
# plain penalty runs the arithmetic it always ran.
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

from libc.stdlib cimport free, malloc, qsort, realloc

from sparsestat._kernels._blas cimport _axpy, _dot, _gemm_tn, _gemv_t
from sparsestat._kernels._design cimport (
    DesignView, col_axpy, col_dot, col_wdot, read_design,
)
from sparsestat._kernels._interrupt cimport (
    Interrupt, interrupt_init, interrupted, raise_if_interrupted,
)
from sparsestat._kernels._penalties cimport (
    PENALTY_L1, FeaturePenalty, mixed_prox, mixed_subdiff_distance,
    mixed_value, penalty_value, prox_1d, read_feature_penalty,
    subdiff_distance,
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


cdef inline floating _coord_penalty(int kind, floating t, floating alpha,
                                   floating gamma, const FeaturePenalty* fp,
                                   int j) noexcept nogil:
    """Penalty of coordinate j at t = |w_j|."""
    if fp.weights == NULL:
        return penalty_value(kind, t, alpha, gamma)
    return mixed_value(kind, t, alpha * <floating> fp.weights[j], gamma,
                       <floating> fp.l1_ratio)


cdef inline floating _coord_violation(int kind, floating w, floating grad,
                                      floating alpha, floating gamma,
                                      bint positive, const FeaturePenalty* fp,
                                      int j) noexcept nogil:
    """Distance of -grad to the subdifferential of coordinate j's penalty."""
    if fp.weights == NULL:
        return subdiff_distance(kind, w, grad, alpha, gamma, positive)
    return mixed_subdiff_distance(kind, w, grad, alpha * <floating> fp.weights[j],
                                  gamma, <floating> fp.l1_ratio, positive)


cdef floating _enet_dual_gap(int n, int p, const floating* y, const floating* sw,
                             const floating* q, floating t, const floating* w,
                             const floating* grad, const floating* norms2,
                             floating alpha, bint positive,
                             const FeaturePenalty* fp) noexcept nogil:
    """Duality gap of the weighted elastic net at w (every live pw_j > 0).

    Coordinate j carries h_j(w) = c_j |w| + b_j / 2 w^2 with c_j = l1_ratio
    a_j and b_j = (1 - l1_ratio) a_j, a_j = alpha pw_j. The dual of
    1/2 ||y - X w||^2_sw + sum_j h_j(w_j) is
    D(theta) = 1/2 ||y||^2_sw - 1/2 ||y - theta||^2_sw - sum_j h_j*(x_j^T sw theta),
    with h_j*(s) = (|s| - c_j)_+^2 / (2 b_j) when b_j > 0 and the indicator
    of |s| <= c_j when b_j = 0 (one-sided if positive). The dual point is
    the residual, rescaled so that the features without ridge part are
    feasible (with l1_ratio < 1 no rescaling is needed).
    """
    cdef int i, j
    cdef floating r = <floating> fp.l1_ratio, a, c, b, corr, s
    cdef floating scale = 1., res, d, primal = 0., conj = 0.
    cdef floating datafit = 0., y_norm = 0., dist = 0.
    for j in range(p):
        if norms2[j] == 0:
            continue
        a = alpha * <floating> fp.weights[j]
        c = r * a
        b = (1 - r) * a
        primal += c * fabs(w[j]) + 0.5 * b * w[j] * w[j]
        if b == 0:
            # x_j^T sw r = -grad_j
            corr = -grad[j] if positive else fabs(grad[j])
            if corr > c:
                scale = fmin(scale, c / corr)
    for j in range(p):
        if norms2[j] == 0:
            continue
        a = alpha * <floating> fp.weights[j]
        b = (1 - r) * a
        if b > 0:
            s = -scale * grad[j] if positive else fabs(scale * grad[j])
            s = fmax(s - r * a, 0)
            conj += s * s / (2 * b)
    for i in range(n):
        res = q[i] + t
        d = y[i] - scale * res
        datafit += sw[i] * res * res
        y_norm += sw[i] * y[i] * y[i]
        dist += sw[i] * d * d
    primal += 0.5 * datafit
    return primal - (0.5 * y_norm - 0.5 * dist - conj)


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





# A working set is solved until its KKT violation is this fraction of the
# full problem's: tighter than skglm's 0.3, because Gram-mode epochs are
# cheap next to the full-gradient pass that each outer iteration costs.
cdef double INNER_TOL_FACTOR = 0.1


cdef enum:
    # iterates combined by one Anderson extrapolation (skglm uses 5 too)
    ANDERSON_K = 5


cdef enum GramStatus:
    GRAM_READY = 0
    GRAM_FULL = 1
    GRAM_NO_MEMORY = 2


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


cdef floating _ws_penalty(const int* ws, int ws_size, const floating* w,
                          int penalty, floating alpha, floating gamma,
                          const FeaturePenalty* fp) noexcept nogil:
    cdef int jj
    cdef floating pen = 0.
    for jj in range(ws_size):
        pen += _coord_penalty(penalty, fabs(w[ws[jj]]), alpha, gamma, fp, ws[jj])
    return pen


cdef floating _datafit(int n, const floating* sw, const floating* q,
                       floating t) noexcept nogil:
    """1/2 sum_i sw_i (q_i + t)^2"""
    cdef int i
    cdef floating acc = 0., r
    for i in range(n):
        r = q[i] + t
        acc += sw[i] * r * r
    return 0.5 * acc


cdef void _anderson_combine(const floating* iterates, int ws_size,
                            const floating* c, bint positive,
                            floating* out) noexcept nogil:
    """out = sum_k c_k iterates[k + 1] (projected on w >= 0 if positive)."""
    cdef int jj, k
    cdef floating v
    for jj in range(ws_size):
        v = 0.
        for k in range(ANDERSON_K):
            v += c[k] * iterates[(k + 1) * ws_size + jj]
        if positive and v < 0:
            v = 0.
        out[jj] = v


cdef bint _anderson_trial(floating* iterates, const floating* w, const int* ws,
                          int ws_size, int* n_stored, bint positive,
                          floating* w_trial) noexcept nogil:
    """Store this epoch's working-set iterate; after ANDERSON_K + 1 of them,
    write their extrapolation to w_trial and return True (False otherwise,
    or when the extrapolation is numerically singular)."""
    cdef int jj
    cdef floating c[ANDERSON_K]
    for jj in range(ws_size):
        iterates[n_stored[0] * ws_size + jj] = w[ws[jj]]
    n_stored[0] += 1
    if n_stored[0] < ANDERSON_K + 1:
        return False
    n_stored[0] = 0
    if not _anderson_weights(iterates, ws_size, ws_size, c):
        return False
    _anderson_combine(iterates, ws_size, c, positive, w_trial)
    return True


cdef int _extend_gram(
    bint is_sparse, const floating* X, int n, const floating* data,
    const int* indices, const int* indptr, const floating* sw, floating sw_sum,
    const floating* X_mean, const int* ws, int ws_size, floating* gram,
    int capacity, int* cache_pos, int* cache_feat, int* n_cached,
    floating* compact, floating* scratch,
) noexcept nogil:
    """Add the working-set features missing from the Gram cache.

    gram[a * capacity + b] = sum_i sw_i (x_ia - m_a)(x_ib - m_b) for cached
    features a, b (by cache slot). Returns GRAM_READY, GRAM_FULL (adding
    nothing) when the cache cannot hold them all, or GRAM_NO_MEMORY (adding
    nothing) when the batch buffer cannot be allocated.

    For dense X, ``compact`` (n x capacity, Fortran) keeps a copy of the
    cached columns so that all products of a batch of new features come
    from one matrix product; for sparse X (``compact`` NULL) they are sparse
    dot products against a scattered copy of each new column.
    """
    cdef int jj, j, i, k, c, r, slot, first, missing = 0
    cdef floating value
    cdef floating* weighted_new = NULL
    for jj in range(ws_size):
        if cache_pos[ws[jj]] < 0:
            missing += 1
    if missing == 0:
        return GRAM_READY
    if n_cached[0] + missing > capacity:
        return GRAM_FULL
    first = n_cached[0]
    if compact != NULL:
        weighted_new = <floating*> malloc(<size_t> n * missing * sizeof(floating))
        # before any slot is taken: the compact copy must hold every cached
        # column, or a later batch product reads unwritten memory
        if weighted_new == NULL:
            return GRAM_NO_MEMORY
    for jj in range(ws_size):
        j = ws[jj]
        if cache_pos[j] >= 0:
            continue
        slot = n_cached[0]
        cache_pos[j] = slot
        cache_feat[slot] = j
        n_cached[0] += 1
        if weighted_new != NULL:
            r = slot - first
            for i in range(n):
                compact[<size_t> slot * n + i] = X[<size_t> j * n + i]
                weighted_new[<size_t> r * n + i] = sw[i] * X[<size_t> j * n + i]
            continue
        # scratch = sw * X[:, j]
        for i in range(n):
            scratch[i] = 0.
        if is_sparse:
            for k in range(indptr[j], indptr[j + 1]):
                # += : a column may hold duplicate entries of one row
                scratch[indices[k]] += sw[indices[k]] * data[k]
        else:
            for i in range(n):
                scratch[i] = sw[i] * X[<size_t> j * n + i]
        for c in range(slot + 1):
            value = (col_dot(is_sparse, X, n, data, indices, indptr,
                             cache_feat[c], scratch)
                     - sw_sum * X_mean[cache_feat[c]] * X_mean[j])
            gram[<size_t> c * capacity + slot] = value
            gram[<size_t> slot * capacity + c] = value
    if weighted_new == NULL:
        return GRAM_READY
    # gram[slot * capacity + c] = compact[:, c] @ weighted_new[:, slot - first]
    # for every cached c and new slot: columns `first..` of gram read as a
    # Fortran matrix with leading dimension `capacity`
    _gemm_tn(n_cached[0], missing, n, 1., compact, n, weighted_new, n, 0.,
             gram + <size_t> first * capacity, capacity)
    free(weighted_new)
    for slot in range(first, n_cached[0]):
        j = cache_feat[slot]
        for c in range(n_cached[0]):
            value = (gram[<size_t> slot * capacity + c]
                     - sw_sum * X_mean[cache_feat[c]] * X_mean[j])
            gram[<size_t> slot * capacity + c] = value
            if c < first:
                gram[<size_t> c * capacity + slot] = value
    return GRAM_READY


cdef inline floating _coordinate_step(
    int penalty, floating w_old, floating grad, floating v, floating scale,
    floating alpha, floating gamma, bint positive, floating* inner_kkt,
    const FeaturePenalty* fp, int j,
) noexcept nogil:
    """The exact 1-D update of coordinate j whose data-term gradient is
    ``grad`` and curvature ``v``; its scaled violation before the move joins
    the epoch's maximum ``inner_kkt``."""
    cdef floating a, r
    if fp.weights == NULL:
        inner_kkt[0] = fmax(inner_kkt[0], scale * subdiff_distance(
            penalty, w_old, grad, alpha, gamma, positive))
        # argmin_w v/2 w^2 - (v w_old - grad) w + p(|w|)
        return prox_1d(penalty, v * w_old - grad, v, alpha, gamma, positive)
    a = alpha * <floating> fp.weights[j]
    r = <floating> fp.l1_ratio
    inner_kkt[0] = fmax(inner_kkt[0], scale * mixed_subdiff_distance(
        penalty, w_old, grad, a, gamma, r, positive))
    # the same with the mixed penalty: its ridge part adds to v
    return mixed_prox(penalty, v * w_old - grad, v, a, gamma, r, positive)


cdef int _residual_epochs(
    bint is_sparse, const floating* Xp, int n, const floating* data,
    const int* indices, const int* indptr, bint weighted, const floating* sw,
    floating sw_sum, const floating* X_mean, const floating* norms2,
    const floating* kkt_scale,
    floating* w, floating* q, floating* S, floating* t, const int* ws,
    int ws_size, int penalty, floating alpha, floating gamma, bint positive,
    const FeaturePenalty* fp,
    int max_epochs, floating inner_tol, floating* iterates, floating* w_trial,
    floating* q_trial, Interrupt* intr,
) noexcept nogil:
    """CD epochs on the working set, keeping the residual q up to date.

    Each coordinate's violation just before its own update is free (its
    gradient is needed anyway); their maximum over an epoch is the inner
    stopping test. Every ANDERSON_K + 1 epochs, an Anderson extrapolation is
    tried and kept only if it lowers the objective. Returns the epochs run
    (stopping early, with a consistent state, on a pending interrupt).
    """
    cdef int epoch, jj, j, i, n_stored = 0
    cdef floating g, w_old, w_new, delta, inner_kkt
    cdef floating S_trial, t_trial, obj_now, obj_trial
    for epoch in range(max_epochs):
        if interrupted(intr, <double> n * ws_size):
            return epoch
        inner_kkt = 0.
        for jj in range(ws_size):
            j = ws[jj]
            g = _column_correlation(is_sparse, Xp, n, data, indices, indptr,
                                    weighted, sw, q, j) - X_mean[j] * S[0]
            w_old = w[j]
            w_new = _coordinate_step(penalty, w_old, -g, norms2[j], kkt_scale[j],
                                     alpha, gamma, positive, &inner_kkt, fp, j)
            if w_new != w_old:
                delta = w_new - w_old
                # q -= delta * X[:, j]
                col_axpy(is_sparse, Xp, n, data, indices, indptr, j, -delta, q)
                S[0] -= delta * sw_sum * X_mean[j]
                t[0] += delta * X_mean[j]
                w[j] = w_new
        if inner_kkt <= inner_tol:
            return epoch + 1
        if not _anderson_trial(iterates, w, ws, ws_size, &n_stored, positive,
                               w_trial):
            continue
        for i in range(n):
            q_trial[i] = q[i]
        S_trial = S[0]
        t_trial = t[0]
        for jj in range(ws_size):
            j = ws[jj]
            delta = w_trial[jj] - w[j]
            if delta != 0:
                # q_trial -= delta * X[:, j]
                col_axpy(is_sparse, Xp, n, data, indices, indptr, j, -delta,
                         q_trial)
                S_trial -= delta * sw_sum * X_mean[j]
                t_trial += delta * X_mean[j]
        obj_now = _datafit(n, sw, q, t[0]) + _ws_penalty(ws, ws_size, w, penalty,
                                                         alpha, gamma, fp)
        obj_trial = _datafit(n, sw, q_trial, t_trial)
        for jj in range(ws_size):
            obj_trial += _coord_penalty(penalty, fabs(w_trial[jj]), alpha, gamma,
                                        fp, ws[jj])
        if obj_trial < obj_now:
            for jj in range(ws_size):
                w[ws[jj]] = w_trial[jj]
            for i in range(n):
                q[i] = q_trial[i]
            S[0] = S_trial
            t[0] = t_trial
    return max_epochs


cdef int _compare_int(const void* a, const void* b) noexcept nogil:
    return (<const int*> a)[0] - (<const int*> b)[0]


cdef int _gram_epochs(
    const floating* gram_ws, const floating* norms2, const floating* kkt_scale,
    floating* w, floating* grad_ws, const int* ws, int ws_size, int penalty,
    floating alpha, floating gamma, bint positive, const FeaturePenalty* fp,
    int max_epochs,
    floating inner_tol, floating* iterates, floating* w_trial,
    floating* step, Interrupt* intr,
) noexcept nogil:
    """CD epochs on the working set through its (compact) Gram matrix.

    gram_ws is the ws_size x ws_size block of the centred weighted Gram
    matrix, column jj contiguous; grad_ws[jj] is the data-term gradient of
    feature ws[jj]. A move of w_j by delta changes it by delta * G[:, jj],
    so an epoch costs O(|moves| |ws|) instead of O(n |ws|). Same stopping
    test and Anderson safeguard as the residual version (the objective
    change of a step d is grad^T d + 1/2 d^T G d plus the penalty change,
    exact for least squares).
    """
    cdef int epoch, jj, j, n_stored = 0
    cdef floating w_old, w_new, delta, inner_kkt, change
    for epoch in range(max_epochs):
        # an epoch costs at most |ws|^2 (every coordinate moving)
        if interrupted(intr, <double> ws_size * ws_size):
            return epoch
        inner_kkt = 0.
        for jj in range(ws_size):
            j = ws[jj]
            w_old = w[j]
            w_new = _coordinate_step(penalty, w_old, grad_ws[jj], norms2[j],
                                     kkt_scale[j], alpha, gamma, positive,
                                     &inner_kkt, fp, j)
            if w_new != w_old:
                delta = w_new - w_old
                w[j] = w_new
                # grad_ws += delta * G[:, jj]
                _axpy(ws_size, delta, gram_ws + <size_t> jj * ws_size, 1,
                      grad_ws, 1)
        if inner_kkt <= inner_tol:
            return epoch + 1
        if not _anderson_trial(iterates, w, ws, ws_size, &n_stored, positive,
                               w_trial):
            continue
        change = 0.
        for jj in range(ws_size):
            step[jj] = w_trial[jj] - w[ws[jj]]
            change += (grad_ws[jj] * step[jj]
                       + _coord_penalty(penalty, fabs(w_trial[jj]), alpha, gamma,
                                        fp, ws[jj])
                       - _coord_penalty(penalty, fabs(w[ws[jj]]), alpha, gamma,
                                        fp, ws[jj]))
        for jj in range(ws_size):
            if step[jj] != 0:
                # step^T G[:, jj]
                change += 0.5 * step[jj] * _dot(
                    ws_size, gram_ws + <size_t> jj * ws_size, 1, step, 1)
        if change >= 0:
            continue
        for jj in range(ws_size):
            w[ws[jj]] = w_trial[jj]
            if step[jj] != 0:
                # grad_ws += step[jj] * G[:, jj]
                _axpy(ws_size, step[jj], gram_ws + <size_t> jj * ws_size, 1,
                      grad_ws, 1)
    return max_epochs


def cd_solve(
    design,
    penalty,
    cache,
    const floating[::1] y,
    floating[::1] w,
    floating[::1] grad,
    bint grad_valid,
    const floating[::1] kkt_scale,
    const unsigned char[::1] strong,
    control,
):
    """Solve the penalised weighted least-squares problem by working-set CD.

    Parameters
    ----------
    design : the design bundle (sparsestat.utils._design.KernelDesign):
        ``view`` (dense Fortran X or the CSC arrays, see _design.pxd),
        ``sw`` sample weights summing to ``sw_sum`` (``weighted`` False
        means all equal), ``X_mean`` the weighted column means (zeros
        without intercept) and ``norms2`` = sum_i sw_i (x_ij - m_j)^2 (a
        zero marks a column that is constant or empty: its coefficient
        stays at zero), all in the dtype of ``y``.
    penalty : the penalty bundle (sparsestat.utils.penalties.PenaltyParams):
        ``code``, ``alpha``, ``gamma``, ``positive``, and ``weights`` (None,
        or float64 per-feature factors pw_j) with ``l1_ratio``: coordinate j
        is penalised by l1_ratio p(|w_j|; alpha pw_j, gamma) + (1 - l1_ratio)
        alpha pw_j / 2 w_j^2 (see FeaturePenalty in _penalties.pxd); pw_j = 0
        leaves it unpenalised.
    cache : the Gram cache (sparsestat.linear_model._least_squares.GramCache):
        ``gram``, ``cache_pos``, ``cache_feat``, ``n_cached`` (capacity C =
        cache_feat.shape[0], gram of length C * C, cache_pos of length p
        and -1 for features not cached, n_cached of length 1), filled for
        the same X, sw and X_mean and kept across calls (along a path);
        C = 0 disables the Gram mode. ``compact``: (n * C) copy of the
        cached columns for dense X (batched products), a length-1
        placeholder otherwise.
    y : centred response (weighted mean removed when an intercept is fitted).
    w : coefficients, updated in place (warm start).
    grad : gradient of the data term, written on return (at the returned
        w); on entry it is reused instead of recomputed when
        ``grad_valid`` (along a path, the previous solution's gradient).
    kkt_scale : per-column factor applied to the KKT violation (the inverse
        of the gradient's natural scale), so that ``tol`` is relative.
    strong : screening mask (strong rules): features with ``strong[j] ==
        0`` are kept out of the first working set (length-0 array: none
        screened). Every feature is checked before convergence is declared.
    control : the stopping bundle (sparsestat.linear_model._least_squares.
        CDControl): ``max_iter`` outer (working-set) iterations,
        ``max_epochs`` CD epochs per working set, ``tol`` on the scaled KKT
        violation max_j kkt_scale_j dist(-grad_j, dp(w_j)) (the same scaled
        violations rank the working-set candidates), ``gap_tol`` for the L1
        penalty (also stop once the duality gap is at most gap_tol;
        negative: never, the gap is still returned; with l1_ratio < 1 the
        elastic-net gap is returned but does not stop; no gap when a live
        feature has weight 0), ``ws_start`` the
        smallest working-set size, ``column_cost`` the average number of
        stored entries per column (n when dense; the Gram mode is used
        while the support is smaller).

    Returns
    -------
    n_iter : number of outer iterations run.
    kkt : final KKT violation.
    gap : final duality gap (L1 or elastic net, every live weight > 0),
        else NaN.
    converged : whether the stopping rule was met.
    n_epochs : total number of CD epochs.
    """
    cdef DesignView d
    read_design(&d, design, <floating> 0)
    cdef bint is_sparse = d.is_sparse
    cdef const floating* Xp = <const floating*> d.X
    cdef const floating* data = <const floating*> d.data
    cdef const int* indices = d.indices
    cdef const int* indptr = d.indptr
    cdef const floating* sw = <const floating*> d.sw
    cdef bint weighted = d.weighted
    cdef floating sw_sum = d.sw_sum
    cdef const floating* X_mean = <const floating*> d.X_mean
    cdef const floating* norms2 = <const floating*> d.norms2
    cdef floating[::1] gram = cache.gram
    cdef int[::1] cache_pos = cache.cache_pos
    cdef int[::1] cache_feat = cache.cache_feat
    cdef int[::1] n_cached = cache.n_cached
    cdef floating[::1] compact = cache.compact
    cdef int kind = penalty.code
    cdef floating alpha = penalty.alpha
    cdef floating gamma = penalty.gamma
    cdef bint positive = penalty.positive
    cdef FeaturePenalty fp
    read_feature_penalty(&fp, penalty, w.shape[0])
    cdef int max_iter = control.max_iter
    cdef int max_epochs = control.max_epochs
    cdef floating tol = control.tol
    cdef floating gap_tol = control.gap_tol
    cdef int ws_start = control.ws_start
    cdef floating column_cost = control.column_cost

    cdef int n = y.shape[0]
    cdef int p = w.shape[0]
    cdef int capacity = cache_feat.shape[0]

    dtype = np.float32 if floating is float else np.float64
    cdef floating[::1] q = np.empty(n, dtype=dtype)
    cdef floating[::1] q_trial = np.empty(n, dtype=dtype)
    cdef floating[::1] swq = np.empty(n, dtype=dtype)
    cdef floating[::1] scores = np.empty(p, dtype=dtype)
    cdef int[::1] order = np.empty(p, dtype=np.intc)
    cdef int[::1] ws = np.empty(p, dtype=np.intc)
    cdef int[::1] slot = np.empty(p, dtype=np.intc)
    cdef floating[::1] grad_ws = np.empty(p, dtype=dtype)
    cdef floating[::1] w_start = np.empty(p, dtype=dtype)
    cdef floating[::1] w_trial = np.empty(p, dtype=dtype)
    cdef floating[::1] step = np.empty(p, dtype=dtype)
    cdef floating[::1] iterates = np.empty((ANDERSON_K + 1) * p, dtype=dtype)
    cdef int* cache_pos_p = &cache_pos[0] if capacity > 0 else NULL
    cdef int* cache_feat_p = &cache_feat[0] if capacity > 0 else NULL
    cdef floating* gram_p = &gram[0] if capacity > 0 else NULL
    cdef floating* gram_ws = NULL
    cdef floating* compact_p = &compact[0] if (
        not is_sparse and capacity > 0
        and compact.shape[0] >= <Py_ssize_t> n * capacity) else NULL
    cdef floating* new_buffer
    cdef size_t gram_ws_len = 0
    cdef int[::1] prev_slot = np.empty(p, dtype=np.intc)
    cdef int prev_ws_size = -1
    cdef bint same_ws

    cdef int i, j, jj, ws_size, n_support, n_candidates, n_epochs = 0
    # wider than max_iter: the loop bound max_iter + 1 must not overflow
    cdef long long it
    cdef int n_iter = 0
    cdef bint converged = False, use_gram, out_of_memory = False
    cdef int gram_status
    # the gap needs a dual-feasible point: none exists (by rescaling the
    # residual) when a live feature is unpenalised
    cdef bint use_gap = kind == PENALTY_L1
    if use_gap and fp.weights != NULL:
        for j in range(p):
            if norms2[j] != 0 and not fp.weights[j] > 0:
                use_gap = False
    # with a ridge part the gap bounds the objective, but a small ridge
    # curvature leaves the coefficients loose at a gap that stops a Lasso
    # well: the elastic net stops on the KKT violation alone (the gap is
    # still returned)
    cdef bint gap_stops = use_gap and (fp.weights == NULL or fp.l1_ratio == 1)
    cdef bint screening = strong.shape[0] == p
    cdef floating S = 0., t = 0., kkt = INFINITY, gap = INFINITY
    cdef floating viol, inner_tol, delta
    cdef Interrupt intr
    interrupt_init(&intr)

    with nogil:
        # q = y - X w, S = sum(sw * q), t = m^T w
        for i in range(n):
            q[i] = y[i]
        for j in range(p):
            if w[j] != 0:
                col_axpy(is_sparse, Xp, n, data, indices, indptr, j, -w[j], &q[0])
                t += X_mean[j] * w[j]

        # max_iter working-set phases, each preceded and the last one
        # followed by a full-gradient KKT check
        for it in range(<long long> max_iter + 1):
            # the full-gradient pass below reads all of X
            if interrupted(&intr, column_cost * p):
                break
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
                if norms2[j] == 0:
                    scores[j] = -1.
                    continue
                viol = kkt_scale[j] * _coord_violation(kind, w[j], grad[j],
                                                       alpha, gamma, positive,
                                                       &fp, j)
                kkt = fmax(kkt, viol)
                if w[j] != 0:
                    n_support += 1
                    # the support always stays in the working set
                    scores[j] = INFINITY
                elif it == 0 and screening and not strong[j]:
                    scores[j] = 0.
                else:
                    scores[j] = viol
            if use_gap and fp.weights == NULL:
                gap = _l1_dual_gap(n, p, &y[0], &sw[0], &q[0], t, &w[0],
                                   &grad[0], &norms2[0], alpha, positive)
            elif use_gap:
                gap = _enet_dual_gap(n, p, &y[0], &sw[0], &q[0], t, &w[0],
                                     &grad[0], &norms2[0], alpha, positive, &fp)
            if kkt <= tol or (gap_stops and gap <= gap_tol):
                converged = True
                break
            if it == max_iter:
                break
            n_iter += 1

            # candidates: the support and the violators; most features
            # score 0, and selecting among those ties would make the
            # quickselect quadratic, so they are dropped first
            n_candidates = 0
            for j in range(p):
                if scores[j] > 0:
                    scores[n_candidates] = scores[j]
                    order[n_candidates] = j
                    n_candidates += 1
            ws_size = min(n_candidates, max(ws_start, 2 * n_support))
            if ws_size < n_candidates:
                _select_largest(&scores[0], &order[0], n_candidates, ws_size)
            for jj in range(ws_size):
                ws[jj] = order[jj]
            inner_tol = fmax(INNER_TOL_FACTOR * kkt, 0.5 * tol)

            # Gram mode pays off while the moving coordinates are fewer than
            # the entries of a column, and only if the cache can hold the set
            use_gram = False
            if capacity > 0 and n_support < column_cost:
                gram_status = _extend_gram(
                    is_sparse, Xp, n, data, indices, indptr, &sw[0], sw_sum,
                    &X_mean[0], &ws[0], ws_size, gram_p, capacity, cache_pos_p,
                    cache_feat_p, &n_cached[0], compact_p, &swq[0])
                if gram_status == GRAM_NO_MEMORY:
                    out_of_memory = True
                    break
                use_gram = gram_status == GRAM_READY
            if use_gram and <size_t> ws_size * ws_size > gram_ws_len:
                # one buffer for the whole solve, grown as needed (fresh
                # pages at every phase cost more than the gather itself)
                new_buffer = <floating*> realloc(
                    gram_ws, <size_t> ws_size * ws_size * sizeof(floating))
                if new_buffer == NULL:
                    use_gram = False
                else:
                    gram_ws = new_buffer
                    gram_ws_len = ws_size * ws_size
            if use_gram:
                # visiting the set in cache order makes the gather below
                # read the cache nearly sequentially
                for jj in range(ws_size):
                    slot[jj] = cache_pos[ws[jj]]
                qsort(&slot[0], ws_size, sizeof(int), _compare_int)
                for jj in range(ws_size):
                    j = cache_feat[slot[jj]]
                    ws[jj] = j
                    grad_ws[jj] = grad[j]
                    w_start[jj] = w[j]
                # gather the working set's block, columns contiguous; near
                # convergence the set repeats from one phase to the next and
                # the block already in the buffer is reused
                same_ws = ws_size == prev_ws_size
                for jj in range(ws_size):
                    if not same_ws:
                        break
                    same_ws = prev_slot[jj] == slot[jj]
                if not same_ws:
                    for jj in range(ws_size):
                        prev_slot[jj] = slot[jj]
                        for i in range(ws_size):
                            gram_ws[<size_t> jj * ws_size + i] = gram_p[
                                <size_t> slot[jj] * capacity + slot[i]]
                    prev_ws_size = ws_size
                n_epochs += _gram_epochs(
                    gram_ws, &norms2[0], &kkt_scale[0], &w[0], &grad_ws[0],
                    &ws[0], ws_size,
                    kind, alpha, gamma, positive, &fp, max_epochs, inner_tol,
                    &iterates[0], &w_trial[0], &step[0], &intr)
                # bring the residual up to date with the moves of the phase
                for jj in range(ws_size):
                    j = ws[jj]
                    delta = w[j] - w_start[jj]
                    if delta != 0:
                        # q -= delta * X[:, j]
                        col_axpy(is_sparse, Xp, n, data, indices, indptr, j,
                                 -delta, &q[0])
                        t += delta * X_mean[j]
            else:
                n_epochs += _residual_epochs(
                    is_sparse, Xp, n, data, indices, indptr, weighted, &sw[0],
                    sw_sum, &X_mean[0], &norms2[0], &kkt_scale[0], &w[0],
                    &q[0], &S, &t, &ws[0],
                    ws_size, kind, alpha, gamma, positive, &fp, max_epochs,
                    inner_tol, &iterates[0], &w_trial[0], &q_trial[0], &intr)
    free(gram_ws)
    if out_of_memory:
        raise MemoryError(
            "cd_solve: no memory for the Gram cache's batch of "
            f"{n} x {ws_size} weighted columns.")
    raise_if_interrupted(&intr)
    if not use_gap:
        gap = float("nan")
    return n_iter, kkt, gap, converged, n_epochs
