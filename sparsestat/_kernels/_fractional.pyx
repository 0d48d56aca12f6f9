# Fractional coordinate descent (DESIGN section 6).
#
# Problem class: min_x F(x) = (f(x) + h(x)) / g(x), f a convex quadratic,
# h = alpha * ||x||_1 + indicator of the box ||x||_inf <= bound, g > 0.
# Coordinate i moves by t along e_i, with the quadratic model
#     J_i(x, t) = f(x) + b t + a/2 t^2 + h(x + t e_i),
#     b = grad_i f(x),  a = c_i + theta  (c_i exact curvature of f along e_i).
#   FCD: t = argmin_t J_i(x, t) / g(x + t e_i)
#   PCD: t = argmin_t J_i(x, t) - F(x) g(x + t e_i)
# Both 1-D problems are solved GLOBALLY: on every smooth piece the minimiser
# is a stationary point or a piece end, so we list those candidates,
# evaluate the true 1-D objective at each and keep the best. Since t = 0 is
# a candidate, F(x+) <= F(x) - theta t^2 / (2 g(x+)).
#
# Two models:
#   recovery: f = 1/2 sum_s sw_s (y - Xw - b0)_s^2,  g = alpha ||w||_[k]
#             (sum of the k largest |w_j|, kept in two indexed heaps).
#   fisher:   f = w' S_w w (pooled within-class covariance),
#             g = ((mu_1 - mu_0)' w)^2.
#
# Interrupts: the loops run without the GIL for minutes on large problems,
# so every CHECK_EVERY seconds of work they take the GIL back for a moment
# and call PyErr_CheckSignals; a pending KeyboardInterrupt then propagates
# out of the kernel (w holds the last iterate).
from cython cimport floating
from cpython.exc cimport PyErr_CheckSignals
from libc.math cimport fabs, sqrt, INFINITY

import numpy as np


cdef extern from "<time.h>" nogil:
    # C11 (glibc, musl, macOS >= 10.15, MSVC's UCRT): a portable wall clock
    cdef struct timespec:
        long long tv_sec
        long tv_nsec
    int timespec_get(timespec* ts, int base)
    int TIME_UTC

from sparsestat._kernels._design cimport col_axpy, col_dot, col_wdot

# solver and selection codes, mirrored in sparsestat/fractional/_base.py
cdef enum:
    PCD = 0
    FCD = 1
    CYCLIC = 0
    RANDOM = 1
    GREEDY = 2
    GREEDY_LIPSCHITZ = 3


cdef double CHECK_EVERY = 0.05     # seconds between two signal checks
cdef long long WORK_CHUNK = 1 << 16  # sample-operations between two clock reads


cdef inline double _now() noexcept nogil:
    cdef timespec ts
    timespec_get(&ts, TIME_UTC)
    return <double> ts.tv_sec + 1e-9 * ts.tv_nsec


cdef inline bint _signal_due(double* last_check) noexcept nogil:
    """Whether CHECK_EVERY seconds passed since the last signal check."""
    cdef double now = _now()
    if now - last_check[0] >= CHECK_EVERY:
        last_check[0] = now
        return True
    return False


def _grown(a, size):
    """``a`` copied into a zero array of length ``max(size, 2 len(a))``."""
    out = np.zeros(max(size, 2 * a.shape[0]), dtype=np.asarray(a).dtype)
    out[: a.shape[0]] = a
    return out


cdef inline unsigned long long _rand_next(unsigned long long* state) noexcept nogil:
    # xorshift64*: a seeded generator usable without the GIL
    cdef unsigned long long x = state[0]
    x ^= x >> 12
    x ^= x << 25
    x ^= x >> 27
    state[0] = x
    return x * <unsigned long long> 2685821657736338717


# ---------------------------------------------------------------------------
# Top-k sum bookkeeping: the k largest |w_j| in a min-heap ("top"), the others
# in a max-heap ("rest"); pos[j] is j's slot in its heap. The top-k sum, the
# k-th and the (k+1)-th largest values are read in O(1); changing one value
# costs O(log n) sifts and at most one swap between the heaps.

cdef inline bint _before(floating* val, int i, int j, bint is_max) noexcept nogil:
    if is_max:
        return val[i] > val[j]
    return val[i] < val[j]


cdef inline void _heap_swap(int* heap, int* pos, int a, int b) noexcept nogil:
    cdef int tmp = heap[a]
    heap[a] = heap[b]
    heap[b] = tmp
    pos[heap[a]] = a
    pos[heap[b]] = b


cdef inline void _sift(int* heap, int size, int* pos, floating* val,
                       int slot, bint is_max) noexcept nogil:
    cdef int parent, child
    while slot > 0:
        parent = (slot - 1) // 2
        if _before(val, heap[slot], heap[parent], is_max):
            _heap_swap(heap, pos, slot, parent)
            slot = parent
        else:
            break
    while True:
        child = 2 * slot + 1
        if child >= size:
            break
        if child + 1 < size and _before(val, heap[child + 1], heap[child], is_max):
            child += 1
        if _before(val, heap[child], heap[slot], is_max):
            _heap_swap(heap, pos, slot, child)
            slot = child
        else:
            break


cdef struct TopK:
    int k
    int n_rest
    int* top
    int* rest
    int* pos
    signed char* in_top


cdef inline void _topk_build(TopK* tk, floating* val, const int* order,
                             int n) noexcept nogil:
    # order: features by decreasing val (one sort, at the start only)
    cdef int s
    for s in range(n):
        if s < tk.k:
            tk.top[s] = order[s]
            tk.pos[order[s]] = s
            tk.in_top[order[s]] = 1
        else:
            tk.rest[s - tk.k] = order[s]
            tk.pos[order[s]] = s - tk.k
            tk.in_top[order[s]] = 0
    # a sorted array is already a valid heap of either kind


cdef inline floating _topk_sum(TopK* tk, floating* val) noexcept nogil:
    cdef int s
    cdef floating acc = 0.
    for s in range(tk.k):
        acc += val[tk.top[s]]
    return acc


cdef inline void _topk_others(TopK* tk, floating* val, floating topk_sum, int j,
                              floating* s_km1, floating* kth) noexcept nogil:
    """Top-(k-1) sum and k-th largest value of the |w| other than j."""
    if tk.in_top[j]:
        s_km1[0] = topk_sum - val[j]
        kth[0] = val[tk.rest[0]] if tk.n_rest > 0 else 0.
    else:
        kth[0] = val[tk.top[0]]
        s_km1[0] = topk_sum - kth[0]


cdef inline floating _topk_update(TopK* tk, floating* val, floating topk_sum,
                                  int j, floating new) noexcept nogil:
    """Set val[j] = new, restore both heaps, return the new top-k sum."""
    cdef int a, b
    if tk.in_top[j]:
        topk_sum += new - val[j]
        val[j] = new
        _sift(tk.top, tk.k, tk.pos, val, tk.pos[j], 0)
    else:
        val[j] = new
        _sift(tk.rest, tk.n_rest, tk.pos, val, tk.pos[j], 1)
    if tk.n_rest > 0 and val[tk.top[0]] < val[tk.rest[0]]:
        a = tk.top[0]
        b = tk.rest[0]
        tk.top[0] = b
        tk.rest[0] = a
        tk.pos[a] = 0
        tk.pos[b] = 0
        tk.in_top[a] = 0
        tk.in_top[b] = 1
        topk_sum += val[b] - val[a]
        _sift(tk.top, tk.k, tk.pos, val, 0, 0)
        _sift(tk.rest, tk.n_rest, tk.pos, val, 0, 1)
    return topk_sum


# ---------------------------------------------------------------------------
# Global 1-D solvers. Each returns the new coordinate value z = x_i + t.

cdef inline floating _clip(floating z, floating bound) noexcept nogil:
    if z > bound:
        return bound
    if z < -bound:
        return -bound
    return z


cdef inline floating _recovery_value(floating z, floating xi, floating b,
                                     floating a, floating alpha, floating F,
                                     floating s_km1, floating kth, floating c0,
                                     int solver) noexcept nogil:
    cdef floating t = z - xi
    cdef floating topk = s_km1 + (fabs(z) if fabs(z) > kth else kth)
    cdef floating model = b * t + 0.5 * a * t * t + alpha * fabs(z)
    if topk <= 0.:
        return INFINITY
    if solver == PCD:
        return model - alpha * F * topk
    return (c0 + model) / (alpha * topk)


cdef inline floating _recovery_step(floating xi, floating b, floating a,
                                    floating alpha, floating F, floating s_km1,
                                    floating kth, floating c0, floating bound,
                                    int solver) noexcept nogil:
    """Global minimiser over |z| <= bound of the recovery 1-D problem.

    With z = x_i + t and ||x + t e_i||_[k] = s_km1 + max(|z|, kth), the pieces
    are z <= -kth, -kth <= z <= 0, 0 <= z <= kth, z >= kth. PCD: a quadratic
    on each piece. FCD: a quadratic over a constant on the inner pieces, over
    alpha (s_km1 + |z|) on the outer ones, minimised at u = sqrt(C/A) in the
    variable u = s_km1 + |z|. The kinks at +-kth are concave (never minima)
    but cheap, so they are listed too.
    """
    cdef floating cand[12]
    cdef int n_cand = 0, c
    cdef floating tau = alpha * F
    cdef floating z, best_z = xi, val
    cdef floating best = _recovery_value(xi, xi, b, a, alpha, F, s_km1, kth,
                                         c0, solver)
    cdef floating sgn, cc, u
    cand[0] = 0.
    cand[1] = bound
    cand[2] = -bound
    cand[3] = kth
    cand[4] = -kth
    # inner pieces (g constant in z): stationary points of the numerator
    cand[5] = xi + (-alpha - b) / a
    cand[6] = xi + (alpha - b) / a
    n_cand = 7
    if solver == PCD:
        cand[7] = xi + (tau - alpha - b) / a
        cand[8] = xi + (alpha - tau - b) / a
        n_cand = 9
    else:
        for c in range(2):
            sgn = 1. - 2. * c
            # numerator at u = 0, i.e. z = -sgn * s_km1, on the outer piece
            z = -sgn * s_km1
            cc = (c0 + b * (z - xi) + 0.5 * a * (z - xi) * (z - xi)
                  - alpha * s_km1)
            if cc > 0.:
                u = sqrt(cc / (0.5 * a))
                cand[n_cand] = sgn * (u - s_km1)
                n_cand += 1
    for c in range(n_cand):
        z = _clip(cand[c], bound)
        val = _recovery_value(z, xi, b, a, alpha, F, s_km1, kth, c0, solver)
        if val < best:
            best = val
            best_z = z
    return best_z


cdef inline floating _fisher_value(floating z, floating xi, floating b,
                                   floating a, floating alpha, floating F,
                                   floating q, floating e, floating n0,
                                   int solver) noexcept nogil:
    cdef floating t = z - xi
    cdef floating model = b * t + 0.5 * a * t * t + alpha * fabs(z)
    cdef floating den = (q + e * t) * (q + e * t)
    if solver == PCD:
        return model - F * den
    if den <= 0.:
        return INFINITY
    return (n0 + model) / den


cdef inline floating _fisher_step(floating xi, floating b, floating a,
                                  floating alpha, floating F, floating q,
                                  floating e, floating n0, floating bound,
                                  int solver) noexcept nogil:
    """Global minimiser over |z| <= bound of the Fisher 1-D problem.

    On each sign piece of z the PCD objective is a (possibly concave)
    quadratic in t, and the FCD one a quadratic over (q + e t)^2 whose
    derivative vanishes at one t (the cubic's factor (q + e t) is the pole).
    Candidates: those stationary points, z = 0 and the box ends.
    """
    cdef floating cand[5]
    cdef int n_cand = 3, c
    cdef floating sgn, den, z, val
    cdef floating best_z = xi
    cdef floating best = _fisher_value(xi, xi, b, a, alpha, F, q, e, n0, solver)
    cdef floating A = 0.5 * a, B, C
    cand[0] = 0.
    cand[1] = bound
    cand[2] = -bound
    for c in range(2):
        sgn = 1. - 2. * c
        if solver == PCD:
            # b + a t + alpha sgn - 2 F e (q + e t) = 0
            den = a - 2. * F * e * e
            if den != 0.:
                cand[n_cand] = xi + (2. * F * e * q - b - alpha * sgn) / den
                n_cand += 1
        else:
            # numerator A t^2 + B t + C on this piece
            B = b + alpha * sgn
            C = n0 + alpha * sgn * xi
            den = 2. * A * q - e * B
            if den != 0.:
                cand[n_cand] = xi + (2. * e * C - B * q) / den
                n_cand += 1
    for c in range(n_cand):
        z = _clip(cand[c], bound)
        val = _fisher_value(z, xi, b, a, alpha, F, q, e, n0, solver)
        if val < best:
            best = val
            best_z = z
    return best_z


def recovery_step_1d(double xi, double b, double a, double alpha, double F,
                     double s_km1, double kth, double c0, double bound,
                     int solver):
    """Python access to the recovery 1-D solver (for tests)."""
    return _recovery_step(xi, b, a, alpha, F, s_km1, kth, c0, bound, solver)


def fisher_step_1d(double xi, double b, double a, double alpha, double F,
                   double q, double e, double n0, double bound, int solver):
    """Python access to the Fisher 1-D solver (for tests)."""
    return _fisher_step(xi, b, a, alpha, F, q, e, n0, bound, solver)


cdef inline int _pick(int selection, int it, int n_active, const int* active,
                      unsigned long long* rng) noexcept nogil:
    if selection == RANDOM:
        return active[<int> (_rand_next(rng) % <unsigned long long> n_active)]
    return active[it]


cdef inline floating _lsq_grad(bint is_sparse, const floating* X, int n_samples,
                              const floating* data, const int* indices,
                              const int* indptr, int j, bint weighted,
                              const floating* sw, const floating* r) noexcept nogil:
    """Partial derivative in w_j of 1/2 ||r||_sw^2, r = y - Xw - b0."""
    if weighted:
        # -X[:, j] @ (sw * r)
        return -col_wdot(is_sparse, X, n_samples, data, indices, indptr, j, sw, r)
    # -sw_0 * X[:, j] @ r
    return -sw[0] * col_dot(is_sparse, X, n_samples, data, indices, indptr, j, r)


cdef inline floating _fisher_grad(bint is_sparse, const floating* X, int n_samples,
                                  const floating* data, const int* indices,
                                  const int* indptr, int j, bint weighted,
                                  const floating* sw, const floating* v,
                                  floating n0p0, floating n1p1,
                                  const floating* mu0,
                                  const floating* mu1) noexcept nogil:
    """Partial derivative in w_j of w' S_w w (see fisher_cd)."""
    # 2 (X[:, j] @ (sw * v) - n0 p0 mu0_j - n1 p1 mu1_j)
    return 2. * (
        -_lsq_grad(is_sparse, X, n_samples, data, indices, indptr, j, weighted,
                   sw, v)
        - n0p0 * mu0[j] - n1p1 * mu1[j])


cdef inline floating _within_sq(int n, const signed char* cls, const floating* sw,
                               const floating* v, floating p0,
                               floating p1) noexcept nogil:
    """w' S_w w = sum_s sw_s (v_s - p_class(s))^2 (weights summing to one)"""
    cdef int i
    cdef floating u, acc = 0.
    for i in range(n):
        u = v[i] - (p1 if cls[i] else p0)
        acc += sw[i] * u * u
    return acc


# ---------------------------------------------------------------------------
# Sparse recovery: (1/2 ||y_c - X_c w||_sw^2 + alpha ||w||_1) / (alpha ||w||_[k])
#
# X_c = X - 1 m' is the design centred by the weighted column means m (m = 0
# when there is no intercept or when the caller centred a dense copy) and
# y_c the centred response: the intercept is profiled out exactly. A sparse
# X stays sparse: the kernel keeps r = y_c - X w (sparse axpys) and the
# scalar mw = m' w, so that the true residual is r + mw. Since the weighted
# residual sums to zero, grad_j = -X[:, j] @ (sw * r) - mw * m_j * sum(sw).

def recovery_cd(const floating[::1, :] X,
                const floating[::1] X_data,
                const int[::1] X_indices,
                const int[::1] X_indptr,
                bint is_sparse,
                const floating[::1] y,
                const floating[::1] sw,
                bint weighted,
                floating[::1] w,
                const floating[::1] x_mean,
                const floating[::1] lipschitz,
                const int[::1] active,
                const int[::1] order,
                int k,
                floating alpha,
                floating bound,
                floating theta,
                int solver,
                int selection,
                int max_iter,
                floating tol,
                double max_time,
                unsigned long long seed,
                bint keep_path,
                bint record):
    """Run FCD/PCD on the sparse-recovery ratio; w is updated in place.

    ``y`` is the centred response, ``x_mean`` the weighted column means of a
    sparse ``X`` (zeros for a centred dense copy). Returns ``(F, n_iter,
    max_step, obj_path, time_path, rec_idx, rec_val)``: ``n_iter`` epochs
    were run; when ``keep_path``, ``obj_path[:n_iter + 1]`` and
    ``time_path[:n_iter + 1]`` hold F and the elapsed seconds after each
    epoch; when ``record``, ``rec_idx, rec_val`` hold every coordinate move.
    The histories grow as needed (nothing is allocated per ``max_iter``).
    """
    cdef int n_samples = y.shape[0]
    cdef int n_features = w.shape[0]
    cdef int n_active = active.shape[0]
    dtype = np.asarray(y).dtype
    cdef floating[::1] r = np.empty(n_samples, dtype=dtype)
    cdef floating[::1] val = np.abs(np.asarray(w))
    cdef int[::1] top = np.zeros(max(k, 1), dtype=np.int32)
    cdef int[::1] rest = np.zeros(max(n_features - k, 1), dtype=np.int32)
    cdef int[::1] pos = np.zeros(n_features, dtype=np.int32)
    cdef signed char[::1] in_top = np.zeros(n_features, dtype=np.int8)
    cdef floating[::1] obj_path = np.zeros(64 if keep_path else 1, dtype=dtype)
    cdef double[::1] time_path = np.zeros(64 if keep_path else 1)
    cdef int[::1] rec_idx = np.zeros(1024 if record else 1, dtype=np.int32)
    cdef floating[::1] rec_val = np.zeros(1024 if record else 1, dtype=dtype)
    cdef TopK tk
    cdef const floating* Xp = &X[0, 0]
    cdef const floating* dp = &X_data[0]
    cdef const int* ip = &X_indices[0]
    cdef const int* pp = &X_indptr[0]
    cdef unsigned long long rng = seed if seed != 0 else 1
    cdef int epoch, it, j, jj, i, n_iter = 0, n_rec = 0
    cdef floating loss, l1, topk_sum, F, b, s_km1, kth, z, t, score, best_score
    cdef floating max_step = 0., max_w, sw_sum = 0., best_b = 0., mw = 0., u
    cdef double start = _now(), elapsed, last_check = start
    cdef long long work = 0
    cdef long long grad_cost = n_samples

    tk.k = k
    tk.n_rest = n_features - k
    tk.top = &top[0]
    tk.rest = &rest[0]
    tk.pos = &pos[0]
    tk.in_top = &in_top[0]

    with nogil:
        _topk_build(&tk, &val[0], &order[0], n_features)
        topk_sum = _topk_sum(&tk, &val[0])
        for i in range(n_samples):
            r[i] = y[i]
            sw_sum += sw[i]
        l1 = 0.
        for j in range(n_features):
            if w[j] != 0.:
                # r -= w_j * X[:, j]
                col_axpy(is_sparse, Xp, n_samples, dp, ip, pp, j, -w[j], &r[0])
                mw += x_mean[j] * w[j]
                l1 += fabs(w[j])
        loss = 0.
        for i in range(n_samples):
            u = r[i] + mw
            loss += sw[i] * u * u
        loss *= 0.5
        F = (loss + alpha * l1) / (alpha * topk_sum)
        obj_path[0] = F
        time_path[0] = 0.
        if selection >= GREEDY:
            grad_cost = <long long> n_samples * n_active

        for epoch in range(max_iter):
            max_step = 0.
            for it in range(n_active):
                if selection >= GREEDY:
                    # Gauss-Southwell on the proximal step: solve every
                    # coordinate's 1-D problem, move the one that moves most
                    best_score = -1.
                    j = active[0]
                    for jj in range(n_active):
                        i = active[jj]
                        b = _lsq_grad(is_sparse, Xp, n_samples, dp, ip, pp, i,
                                      weighted, &sw[0], &r[0]) - mw * x_mean[i] * sw_sum
                        _topk_others(&tk, &val[0], topk_sum, i, &s_km1, &kth)
                        z = _recovery_step(
                            w[i], b, lipschitz[i] + theta, alpha, F, s_km1, kth,
                            loss + alpha * (l1 - val[i]), bound, solver)
                        score = fabs(z - w[i])
                        if selection == GREEDY_LIPSCHITZ:
                            score *= sqrt(lipschitz[i])
                        if score > best_score:
                            best_score = score
                            j = i
                            best_b = b
                    b = best_b
                else:
                    j = _pick(selection, it, n_active, &active[0], &rng)
                    b = _lsq_grad(is_sparse, Xp, n_samples, dp, ip, pp, j,
                                  weighted, &sw[0], &r[0]) - mw * x_mean[j] * sw_sum
                _topk_others(&tk, &val[0], topk_sum, j, &s_km1, &kth)
                z = _recovery_step(w[j], b, lipschitz[j] + theta, alpha, F,
                                   s_km1, kth, loss + alpha * (l1 - val[j]),
                                   bound, solver)
                t = z - w[j]
                if t != 0.:
                    # r -= t * X[:, j]
                    col_axpy(is_sparse, Xp, n_samples, dp, ip, pp, j, -t, &r[0])
                    mw += t * x_mean[j]
                    loss += b * t + 0.5 * lipschitz[j] * t * t
                    l1 += fabs(z) - val[j]
                    topk_sum = _topk_update(&tk, &val[0], topk_sum, j, fabs(z))
                    w[j] = z
                    F = (loss + alpha * l1) / (alpha * topk_sum)
                    if fabs(t) > max_step:
                        max_step = fabs(t)
                    if record:
                        if n_rec == rec_idx.shape[0]:
                            with gil:
                                rec_idx = _grown(rec_idx, n_rec + 1)
                                rec_val = _grown(rec_val, n_rec + 1)
                        rec_idx[n_rec] = j
                        rec_val[n_rec] = z
                        n_rec += 1
                work += grad_cost
                if work >= WORK_CHUNK:
                    work = 0
                    if _signal_due(&last_check):
                        with gil:
                            PyErr_CheckSignals()
            # exact recomputation, so that rounding does not drift over epochs
            loss = 0.
            for i in range(n_samples):
                u = r[i] + mw
                loss += sw[i] * u * u
            loss *= 0.5
            l1 = 0.
            max_w = 0.
            for j in range(n_features):
                l1 += val[j]
                if val[j] > max_w:
                    max_w = val[j]
            topk_sum = _topk_sum(&tk, &val[0])
            F = (loss + alpha * l1) / (alpha * topk_sum)
            n_iter = epoch + 1
            elapsed = _now() - start
            if keep_path:
                if n_iter == obj_path.shape[0]:
                    with gil:
                        obj_path = _grown(obj_path, n_iter + 1)
                        time_path = _grown(time_path, n_iter + 1)
                obj_path[n_iter] = F
                time_path[n_iter] = elapsed
            if _signal_due(&last_check):
                with gil:
                    PyErr_CheckSignals()
            if max_step <= tol * max_w:
                break
            if max_time > 0. and elapsed > max_time:
                break
    return (F, n_iter, max_step, np.asarray(obj_path), np.asarray(time_path),
            np.asarray(rec_idx)[:n_rec], np.asarray(rec_val)[:n_rec])


# ---------------------------------------------------------------------------
# Sparse Fisher discriminant: (w' S_w w + alpha ||w||_1) / ((mu_1 - mu_0)' w)^2
#
# Sample weights sw sum to one; n_c is the weight of class c and mu_c its
# weighted mean. With v = X w and p_c = mu_c' w, the within-class residuals
# are u_s = v_s - p_{class(s)} and sum_{s in c} sw_s u_s = 0, so that
#   f = sum_s sw_s u_s^2,
#   grad_i f = 2 X[:, i] @ (sw * u) = 2 (X[:, i] @ (sw * v) - sum_c n_c p_c mu_c,i);
# keeping v (sparse axpy) and p_c (two scalars) avoids densifying X - M.

def fisher_cd(const floating[::1, :] X,
              const floating[::1] X_data,
              const int[::1] X_indices,
              const int[::1] X_indptr,
              bint is_sparse,
              const signed char[::1] cls,
              const floating[::1] sw,
              bint weighted,
              const floating[::1] mu0,
              const floating[::1] mu1,
              floating[::1] w,
              const floating[::1] lipschitz,
              const int[::1] active,
              floating alpha,
              floating bound,
              floating theta,
              int solver,
              int selection,
              int max_iter,
              floating tol,
              double max_time,
              unsigned long long seed,
              bint keep_path,
              bint record):
    """Run FCD/PCD on the sparse Fisher ratio; w is updated in place.

    Returns ``(F, n_iter, max_step, obj_path, time_path, rec_idx, rec_val)``
    as recovery_cd does.
    """
    cdef int n_samples = cls.shape[0]
    cdef int n_features = w.shape[0]
    cdef int n_active = active.shape[0]
    dtype = np.asarray(w).dtype
    cdef floating[::1] v = np.zeros(n_samples, dtype=dtype)
    cdef floating[::1] obj_path = np.zeros(64 if keep_path else 1, dtype=dtype)
    cdef double[::1] time_path = np.zeros(64 if keep_path else 1)
    cdef int[::1] rec_idx = np.zeros(1024 if record else 1, dtype=np.int32)
    cdef floating[::1] rec_val = np.zeros(1024 if record else 1, dtype=dtype)
    cdef long long work = 0
    cdef long long grad_cost = n_samples
    cdef const floating* Xp = &X[0, 0]
    cdef const floating* dp = &X_data[0]
    cdef const int* ip = &X_indices[0]
    cdef const int* pp = &X_indptr[0]
    cdef unsigned long long rng = seed if seed != 0 else 1
    cdef int epoch, it, j, jj, i, n_iter = 0, n_rec = 0
    cdef floating n0 = 0., n1 = 0.
    cdef floating p0 = 0., p1 = 0., f, l1, q, F, b, z, t, e
    cdef floating score, best_score, best_b = 0., max_step = 0., max_w
    cdef double start = _now(), elapsed, last_check = start

    with nogil:
        for i in range(n_samples):
            if cls[i]:
                n1 += sw[i]
            else:
                n0 += sw[i]
        l1 = 0.
        for j in range(n_features):
            if w[j] != 0.:
                # v += w_j * X[:, j]
                col_axpy(is_sparse, Xp, n_samples, dp, ip, pp, j, w[j], &v[0])
                p0 += mu0[j] * w[j]
                p1 += mu1[j] * w[j]
                l1 += fabs(w[j])
        f = _within_sq(n_samples, &cls[0], &sw[0], &v[0], p0, p1)
        q = p1 - p0
        F = (f + alpha * l1) / (q * q)
        obj_path[0] = F
        time_path[0] = 0.
        if selection >= GREEDY:
            grad_cost = <long long> n_samples * n_active

        for epoch in range(max_iter):
            max_step = 0.
            for it in range(n_active):
                if selection >= GREEDY:
                    best_score = -1.
                    j = active[0]
                    for jj in range(n_active):
                        i = active[jj]
                        b = _fisher_grad(is_sparse, Xp, n_samples, dp, ip, pp,
                                         i, weighted, &sw[0], &v[0], n0 * p0,
                                         n1 * p1, &mu0[0], &mu1[0])
                        e = mu1[i] - mu0[i]
                        z = _fisher_step(w[i], b, lipschitz[i] + theta, alpha, F,
                                         q, e, f + alpha * (l1 - fabs(w[i])),
                                         bound, solver)
                        score = fabs(z - w[i])
                        if selection == GREEDY_LIPSCHITZ:
                            score *= sqrt(lipschitz[i])
                        if score > best_score:
                            best_score = score
                            j = i
                            best_b = b
                    b = best_b
                else:
                    j = _pick(selection, it, n_active, &active[0], &rng)
                    b = _fisher_grad(is_sparse, Xp, n_samples, dp, ip, pp, j,
                                     weighted, &sw[0], &v[0], n0 * p0, n1 * p1,
                                     &mu0[0], &mu1[0])
                e = mu1[j] - mu0[j]
                z = _fisher_step(w[j], b, lipschitz[j] + theta, alpha, F, q, e,
                                 f + alpha * (l1 - fabs(w[j])), bound, solver)
                t = z - w[j]
                if t != 0.:
                    # v += t * X[:, j]
                    col_axpy(is_sparse, Xp, n_samples, dp, ip, pp, j, t, &v[0])
                    p0 += t * mu0[j]
                    p1 += t * mu1[j]
                    f += b * t + 0.5 * lipschitz[j] * t * t
                    l1 += fabs(z) - fabs(w[j])
                    w[j] = z
                    q = p1 - p0
                    F = (f + alpha * l1) / (q * q)
                    if fabs(t) > max_step:
                        max_step = fabs(t)
                    if record:
                        if n_rec == rec_idx.shape[0]:
                            with gil:
                                rec_idx = _grown(rec_idx, n_rec + 1)
                                rec_val = _grown(rec_val, n_rec + 1)
                        rec_idx[n_rec] = j
                        rec_val[n_rec] = z
                        n_rec += 1
                work += grad_cost
                if work >= WORK_CHUNK:
                    work = 0
                    if _signal_due(&last_check):
                        with gil:
                            PyErr_CheckSignals()
            # exact recomputation against rounding drift
            p0 = 0.
            p1 = 0.
            for j in range(n_features):
                p0 += mu0[j] * w[j]
                p1 += mu1[j] * w[j]
            q = p1 - p0
            f = _within_sq(n_samples, &cls[0], &sw[0], &v[0], p0, p1)
            l1 = 0.
            max_w = 0.
            for j in range(n_features):
                l1 += fabs(w[j])
                if fabs(w[j]) > max_w:
                    max_w = fabs(w[j])
            F = (f + alpha * l1) / (q * q)
            n_iter = epoch + 1
            elapsed = _now() - start
            if keep_path:
                if n_iter == obj_path.shape[0]:
                    with gil:
                        obj_path = _grown(obj_path, n_iter + 1)
                        time_path = _grown(time_path, n_iter + 1)
                obj_path[n_iter] = F
                time_path[n_iter] = elapsed
            if _signal_due(&last_check):
                with gil:
                    PyErr_CheckSignals()
            if max_step <= tol * max_w:
                break
            if max_time > 0. and elapsed > max_time:
                break
    return (F, n_iter, max_step, np.asarray(obj_path), np.asarray(time_path),
            np.asarray(rec_idx)[:n_rec], np.asarray(rec_val)[:n_rec])
