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
# One epoch driver (_run_epochs: selection rule, greedy bookkeeping,
# history, stopping) serves both; a model is its state struct (Recovery,
# Fisher) and four functions fused over it: the partial gradient, the
# global 1-D step, the update after a move and the exact recomputation.
#
# Interrupts: the loops run without the GIL for minutes on large problems;
# they count their work and take the GIL now and then for a signal check
# (_interrupt.pxd), so a KeyboardInterrupt propagates out of the kernel
# (w holds the last iterate).
from cython cimport floating
from libc.math cimport fabs, sqrt, INFINITY
from libc.stdlib cimport free, realloc

import numpy as np


cdef extern from "<time.h>" nogil:
    # C11 (glibc, musl, macOS >= 10.15, MSVC's UCRT): a portable wall clock
    cdef struct timespec:
        long long tv_sec
        long tv_nsec
    int timespec_get(timespec* ts, int base)
    int TIME_UTC

from sparsestat._kernels._design cimport (
    DesignView, col_axpy, col_dot, col_wdot, read_design,
)
from sparsestat._kernels._interrupt cimport (
    Interrupt, interrupt_init, interrupted, raise_if_interrupted,
)


cdef inline double _now() noexcept nogil:
    cdef timespec ts
    timespec_get(&ts, TIME_UTC)
    return <double> ts.tv_sec + 1e-9 * ts.tv_nsec


cdef inline unsigned long long _rand_next(unsigned long long* state) noexcept nogil:
    # xorshift64*: a seeded generator usable without the GIL
    cdef unsigned long long x = state[0]
    x ^= x >> 12
    x ^= x << 25
    x ^= x >> 27
    state[0] = x
    return x * <unsigned long long> 2685821657736338717


# ---------------------------------------------------------------------------

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
    if solver == SOLVER_PCD:
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
    if solver == SOLVER_PCD:
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
    if solver == SOLVER_PCD:
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
        if solver == SOLVER_PCD:
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
    if selection == SELECTION_RANDOM:
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
# Model state. Both models keep a per-sample vector (recovery: the residual
# r = y_c - X w; Fisher: v = X w), linear functionals of w, the smooth
# numerator f and ||w||_1; they differ in how a move changes these and in
# the denominator g. Each model is one struct; the driver and the functions
# below are fused over the two, so each model gets its own compiled driver
# (`if Model is Recovery` is resolved at compile time, as the former two
# hand-written loops were).
#
# Cython structs cannot hold fused types: the structs store the floating
# arrays untyped and the fused functions cast them back to the precision
# they were allocated in (the caller's `floating`). The floating scalars of
# a solve live in one small array, indexed by the names below.

cdef enum:
    ALPHA = 0    # weight of the L1 norm (kernel units)
    THETA        # proximal constant
    BOUND        # box
    RATIO        # F(w)
    SMOOTH       # f(w): 1/2 ||r + mw||_sw^2 (recovery) or w' S_w w (Fisher)
    L1           # ||w||_1
    TOPK         # recovery: ||w||_[k]
    MW           # recovery: m' w
    SW_SUM       # recovery: sum of the sample weights
    P0           # Fisher: mu_0' w
    P1           # Fisher: mu_1' w
    N0           # Fisher: weight of class 0
    N1           # Fisher: weight of class 1
    Q            # Fisher: (mu_1 - mu_0)' w
    N_SCALARS

# stops that the def wrappers turn into exceptions (never seen by Python)
cdef enum:
    STATUS_INTERRUPTED = -1
    STATUS_NO_MEMORY = -2


cdef struct Recovery:
    DesignView d
    int solver
    void* r                 # y_c - X w
    void* val               # |w|, the keys of the top-k heaps
    TopK tk


cdef struct Fisher:
    DesignView d
    int solver
    void* v                 # X w
    const void* mu0         # class means
    const void* mu1
    const signed char* cls  # class of each sample


ctypedef fused Model:
    Recovery
    Fisher


cdef inline floating _gradient(Model* m, const floating* s,
                               int j) noexcept nogil:
    """Partial derivative in w_j of the smooth numerator f."""
    cdef const DesignView* d = &m.d
    cdef const floating* X = <const floating*> d.X
    cdef const floating* data = <const floating*> d.data
    cdef const floating* sw = <const floating*> d.sw
    if Model is Recovery:
        return (_lsq_grad(d.is_sparse, X, d.n_samples, data, d.indices,
                          d.indptr, j, d.weighted, sw, <const floating*> m.r)
                - s[MW] * (<const floating*> d.X_mean)[j] * s[SW_SUM])
    else:
        return _fisher_grad(d.is_sparse, X, d.n_samples, data, d.indices,
                            d.indptr, j, d.weighted, sw, <const floating*> m.v,
                            s[N0] * s[P0], s[N1] * s[P1],
                            <const floating*> m.mu0, <const floating*> m.mu1)


cdef inline floating _step(Model* m, const floating* s, const floating* w,
                           const floating* lipschitz, int j,
                           floating b) noexcept nogil:
    """The model's global 1-D step: the new value of w_j given grad_j f = b."""
    cdef floating s_km1, kth
    cdef floating* val
    if Model is Recovery:
        val = <floating*> m.val
        _topk_others(&m.tk, val, s[TOPK], j, &s_km1, &kth)
        return _recovery_step(w[j], b, lipschitz[j] + s[THETA], s[ALPHA],
                              s[RATIO], s_km1, kth,
                              s[SMOOTH] + s[ALPHA] * (s[L1] - val[j]),
                              s[BOUND], m.solver)
    else:
        return _fisher_step(
            w[j], b, lipschitz[j] + s[THETA], s[ALPHA], s[RATIO], s[Q],
            (<const floating*> m.mu1)[j] - (<const floating*> m.mu0)[j],
            s[SMOOTH] + s[ALPHA] * (s[L1] - fabs(w[j])), s[BOUND], m.solver)


cdef inline floating _denominator(const Model* m,
                                  const floating* s) noexcept nogil:
    if Model is Recovery:
        return s[ALPHA] * s[TOPK]
    else:
        return s[Q] * s[Q]


cdef inline void _move(Model* m, floating* s, floating* w,
                       const floating* lipschitz, int j, floating b, floating z,
                       floating t) noexcept nogil:
    """Set w_j = z (a move by t = z - w_j != 0) and update the state."""
    cdef const DesignView* d = &m.d
    cdef const floating* X = <const floating*> d.X
    cdef const floating* data = <const floating*> d.data
    if Model is Recovery:
        # r -= t * X[:, j]
        col_axpy(d.is_sparse, X, d.n_samples, data, d.indices, d.indptr, j, -t,
                 <floating*> m.r)
        s[MW] += t * (<const floating*> d.X_mean)[j]
    else:
        # v += t * X[:, j]
        col_axpy(d.is_sparse, X, d.n_samples, data, d.indices, d.indptr, j, t,
                 <floating*> m.v)
        s[P0] += t * (<const floating*> m.mu0)[j]
        s[P1] += t * (<const floating*> m.mu1)[j]
        s[Q] = s[P1] - s[P0]
    # f is quadratic with curvature lipschitz[j] along e_j: exact
    s[SMOOTH] += b * t + 0.5 * lipschitz[j] * t * t
    s[L1] += fabs(z) - fabs(w[j])
    if Model is Recovery:
        s[TOPK] = _topk_update(&m.tk, <floating*> m.val, s[TOPK], j, fabs(z))
    w[j] = z
    s[RATIO] = (s[SMOOTH] + s[ALPHA] * s[L1]) / _denominator(m, s)


cdef inline floating _refresh(Model* m, floating* s,
                              const floating* w) noexcept nogil:
    """Recompute the state from w, so that rounding does not drift over
    epochs (the scalar m' w of the recovery model is only ever updated).
    Returns max|w|."""
    cdef int i, j
    cdef floating acc, res, p0 = 0., p1 = 0., max_w = 0.
    cdef const DesignView* d = &m.d
    cdef const floating* sw = <const floating*> d.sw
    cdef const floating* u
    if Model is Recovery:
        u = <const floating*> m.r
        acc = 0.
        for i in range(d.n_samples):
            res = u[i] + s[MW]
            acc += sw[i] * res * res
        s[SMOOTH] = acc * 0.5
    else:
        for j in range(d.n_features):
            p0 += (<const floating*> m.mu0)[j] * w[j]
            p1 += (<const floating*> m.mu1)[j] * w[j]
        s[P0] = p0
        s[P1] = p1
        s[Q] = p1 - p0
        s[SMOOTH] = _within_sq(d.n_samples, m.cls, sw, <const floating*> m.v,
                               p0, p1)
    acc = 0.
    for j in range(d.n_features):
        acc += fabs(w[j])
        if fabs(w[j]) > max_w:
            max_w = fabs(w[j])
    s[L1] = acc
    if Model is Recovery:
        s[TOPK] = _topk_sum(&m.tk, <floating*> m.val)
    s[RATIO] = (s[SMOOTH] + s[ALPHA] * s[L1]) / _denominator(m, s)
    return max_w


# ---------------------------------------------------------------------------
# Histories in C buffers that double as needed (nothing is allocated per
# max_iter, and the driver never needs the GIL to grow them). Values are
# kept in double, which holds every float32 value exactly.

cdef struct EpochRecord:
    double ratio
    double seconds

cdef struct MoveRecord:
    int index
    double value

cdef struct History:
    bint keep_path            # record F and the elapsed time at each epoch
    bint record               # record every coordinate move
    int n_epochs
    int epoch_capacity
    EpochRecord* epochs
    int n_moves
    int move_capacity
    MoveRecord* moves


cdef inline bint _reserve(void** buffer, int* capacity, int needed,
                          size_t item) noexcept nogil:
    """Room for ``needed`` items in ``buffer``; False when memory runs out."""
    cdef int size
    cdef void* grown
    if needed <= capacity[0]:
        return True
    size = max(needed, 2 * capacity[0], 64)
    grown = realloc(buffer[0], <size_t> size * item)
    if grown == NULL:
        return False
    buffer[0] = grown
    capacity[0] = size
    return True


cdef inline bint _record_epoch(History* h, double ratio,
                               double seconds) noexcept nogil:
    if not h.keep_path:
        return True
    if not _reserve(<void**> &h.epochs, &h.epoch_capacity, h.n_epochs + 1,
                    sizeof(EpochRecord)):
        return False
    h.epochs[h.n_epochs].ratio = ratio
    h.epochs[h.n_epochs].seconds = seconds
    h.n_epochs += 1
    return True


cdef inline bint _record_move(History* h, int index, double value) noexcept nogil:
    if not h.record:
        return True
    if not _reserve(<void**> &h.moves, &h.move_capacity, h.n_moves + 1,
                    sizeof(MoveRecord)):
        return False
    h.moves[h.n_moves].index = index
    h.moves[h.n_moves].value = value
    h.n_moves += 1
    return True


cdef inline void _history_init(History* h, bint keep_path, bint record) noexcept nogil:
    h.keep_path = keep_path
    h.record = record
    h.n_epochs = 0
    h.epoch_capacity = 0
    h.epochs = NULL
    h.n_moves = 0
    h.move_capacity = 0
    h.moves = NULL


# ---------------------------------------------------------------------------
# The epoch driver shared by both models.

cdef int _run_epochs(Model* m, floating* s, floating* w,
                     const floating* lipschitz, const int* active, int n_active,
                     int selection, int max_iter, floating tol, double max_time,
                     unsigned long long seed, History* hist, Interrupt* intr,
                     int* n_iter, floating* max_step) noexcept nogil:
    """Epochs of FCD/PCD from the state set up by the caller (u and the
    linear functionals); w is updated in place. Returns a Status (or an
    internal stop), with ``n_iter`` epochs run and the largest move of the
    last one in ``max_step``."""
    cdef unsigned long long rng = seed if seed != 0 else 1
    cdef int epoch, it, j, jj, i
    cdef floating b, z, t, score, best_score, best_b = 0., largest = 0., max_w
    cdef double start = _now(), elapsed
    # work units of one move: the gradients it reads
    cdef double move_work = m.d.n_samples
    if selection >= SELECTION_GREEDY:
        move_work = <double> m.d.n_samples * n_active

    n_iter[0] = 0
    max_step[0] = 0.
    _refresh(m, s, w)
    if not _record_epoch(hist, s[RATIO], 0.):
        return STATUS_NO_MEMORY
    for epoch in range(max_iter):
        largest = 0.
        for it in range(n_active):
            if selection >= SELECTION_GREEDY:
                # Gauss-Southwell on the proximal step: solve every
                # coordinate's 1-D problem, move the one that moves most
                best_score = -1.
                j = active[0]
                for jj in range(n_active):
                    i = active[jj]
                    b = _gradient(m, s, i)
                    z = _step(m, s, w, lipschitz, i, b)
                    score = fabs(z - w[i])
                    if selection == SELECTION_GREEDY_LIPSCHITZ:
                        score *= sqrt(lipschitz[i])
                    if score > best_score:
                        best_score = score
                        j = i
                        best_b = b
                b = best_b
            else:
                j = _pick(selection, it, n_active, active, &rng)
                b = _gradient(m, s, j)
            z = _step(m, s, w, lipschitz, j, b)
            t = z - w[j]
            if t != 0.:
                _move(m, s, w, lipschitz, j, b, z, t)
                if fabs(t) > largest:
                    largest = fabs(t)
                if not _record_move(hist, j, z):
                    return STATUS_NO_MEMORY
            if interrupted(intr, move_work):
                return STATUS_INTERRUPTED
        max_w = _refresh(m, s, w)
        n_iter[0] = epoch + 1
        max_step[0] = largest
        elapsed = _now() - start
        if not _record_epoch(hist, s[RATIO], elapsed):
            return STATUS_NO_MEMORY
        if interrupted(intr, m.d.n_samples + m.d.n_features):
            return STATUS_INTERRUPTED
        if largest <= tol * max_w:
            return STATUS_CONVERGED
        if max_time > 0. and elapsed > max_time:
            return STATUS_MAX_TIME
    return STATUS_MAX_ITER


cdef object _results(int status, Interrupt* intr, History* hist, double F,
                     int n_iter, double max_step, dtype):
    """The kernels' return tuple; frees the histories, raises on the
    internal stops (KeyboardInterrupt, MemoryError)."""
    cdef int i
    cdef double[::1] ratio, seconds, value
    cdef int[::1] index
    try:
        raise_if_interrupted(intr)
        if status == STATUS_NO_MEMORY:
            raise MemoryError("no memory left for the fractional CD histories")
        ratio = np.empty(hist.n_epochs)
        seconds = np.empty(hist.n_epochs)
        for i in range(hist.n_epochs):
            ratio[i] = hist.epochs[i].ratio
            seconds[i] = hist.epochs[i].seconds
        index = np.empty(hist.n_moves, dtype=np.int32)
        value = np.empty(hist.n_moves)
        for i in range(hist.n_moves):
            index[i] = hist.moves[i].index
            value[i] = hist.moves[i].value
    finally:
        free(hist.epochs)
        free(hist.moves)
        hist.epochs = NULL
        hist.moves = NULL
    return (F, n_iter, max_step, status, np.asarray(ratio).astype(dtype),
            np.asarray(seconds), np.asarray(index), np.asarray(value).astype(dtype))


cdef inline void _set_constants(floating* s, problem):
    """Zero the scalars of a solve and set the ratio's constants."""
    cdef int i
    for i in range(N_SCALARS):
        s[i] = 0.
    s[ALPHA] = problem.alpha
    s[THETA] = problem.theta
    s[BOUND] = problem.bound


cdef object _solve(Model* m, floating* s, floating[::1] w, problem, control):
    """Run the epochs without the GIL from the state the caller set up (the
    per-sample vector, the linear functionals, the constants of ``s``);
    return the kernels' tuple."""
    cdef const floating[::1] lipschitz = problem.lipschitz
    cdef const int[::1] active = problem.active
    cdef int selection = control.selection
    cdef int max_iter = control.max_iter
    cdef floating tol = control.tol
    cdef double max_time = control.max_time
    cdef unsigned long long seed = control.seed
    cdef History hist
    cdef Interrupt intr
    cdef int n_iter = 0, status
    cdef floating max_step = 0.
    _history_init(&hist, control.keep_path, control.record)
    interrupt_init(&intr)
    with nogil:
        status = _run_epochs(m, s, &w[0], &lipschitz[0], &active[0],
                             active.shape[0], selection, max_iter, tol,
                             max_time, seed, &hist, &intr, &n_iter, &max_step)
    return _results(status, &intr, &hist, s[RATIO], n_iter, max_step,
                    np.asarray(w).dtype)


# ---------------------------------------------------------------------------
# Sparse recovery: (1/2 ||y_c - X_c w||_sw^2 + alpha ||w||_1) / (alpha ||w||_[k])
#
# X_c = X - 1 m' is the design centred by the weighted column means m (m = 0
# when there is no intercept or when the caller centred a dense copy) and
# y_c the centred response: the intercept is profiled out exactly. A sparse
# X stays sparse: the kernel keeps r = y_c - X w (sparse axpys) and the
# scalar mw = m' w, so that the true residual is r + mw. Since the weighted
# residual sums to zero, grad_j = -X[:, j] @ (sw * r) - mw * m_j * sum(sw).

def recovery_cd(design, problem, control, const floating[::1] y,
                floating[::1] w, const int[::1] order, int k):
    """Run FCD/PCD on the sparse-recovery ratio; w is updated in place.

    ``design`` is the design bundle (sparsestat.utils._design.KernelDesign)
    of the unit-scale X: ``X_mean`` the weighted column means of a sparse X
    (zeros for a centred dense copy), ``sw`` the raw sample weights
    (``weighted`` False when all are equal). ``problem`` holds the ratio's
    constants (sparsestat.fractional._base.RatioProblem: ``alpha``,
    ``bound``, ``theta``, the curvatures ``lipschitz``, the ``active``
    coordinates) and ``control`` the run options (FractionalControl:
    ``solver`` a Solver, ``selection`` a Selection, ``max_iter``, ``tol``,
    ``max_time``, ``seed``, ``keep_path``, ``record``). ``y`` is the centred
    response, ``order`` the features by decreasing |w| and ``k`` the size
    of the top-k norm. Returns ``(F, n_iter, max_step, status, obj_path,
    time_path, rec_idx, rec_val)``: ``n_iter`` epochs were run, the last
    one's largest move was ``max_step`` and ``status`` (a Status) says why
    the solve stopped; when ``keep_path``, ``obj_path`` and ``time_path``
    hold F and the elapsed seconds at the start and after each epoch; when
    ``record``, ``rec_idx, rec_val`` hold every coordinate move.
    """
    cdef int n_features = w.shape[0]
    cdef int i, j
    dtype = np.asarray(y).dtype
    cdef floating[::1] r = np.empty(y.shape[0], dtype=dtype)
    cdef floating[::1] val = np.abs(np.asarray(w))
    cdef int[::1] top = np.zeros(max(k, 1), dtype=np.int32)
    cdef int[::1] rest = np.zeros(max(n_features - k, 1), dtype=np.int32)
    cdef int[::1] pos = np.zeros(n_features, dtype=np.int32)
    cdef signed char[::1] in_top = np.zeros(n_features, dtype=np.int8)
    cdef floating s[N_SCALARS]
    cdef floating sw_sum = 0., mw = 0.
    cdef const floating* sw
    cdef const floating* x_mean
    cdef Recovery p

    read_design(&p.d, design, <floating> 0)
    sw = <const floating*> p.d.sw
    x_mean = <const floating*> p.d.X_mean
    p.solver = control.solver
    p.r = &r[0]
    p.val = &val[0]
    p.tk.k = k
    p.tk.n_rest = n_features - k
    p.tk.top = &top[0]
    p.tk.rest = &rest[0]
    p.tk.pos = &pos[0]
    p.tk.in_top = &in_top[0]
    _set_constants(s, problem)

    with nogil:
        _topk_build(&p.tk, &val[0], &order[0], n_features)
        for i in range(p.d.n_samples):
            r[i] = y[i]
            # the kernel's own sum, in its precision
            sw_sum += sw[i]
        for j in range(n_features):
            if w[j] != 0.:
                # r -= w_j * X[:, j]
                col_axpy(p.d.is_sparse, <const floating*> p.d.X, p.d.n_samples,
                         <const floating*> p.d.data, p.d.indices, p.d.indptr,
                         j, -w[j], &r[0])
                mw += x_mean[j] * w[j]
    s[SW_SUM] = sw_sum
    s[MW] = mw
    return _solve(&p, s, w, problem, control)


# ---------------------------------------------------------------------------
# Sparse Fisher discriminant: (w' S_w w + alpha ||w||_1) / ((mu_1 - mu_0)' w)^2
#
# Sample weights sw sum to one; n_c is the weight of class c and mu_c its
# weighted mean. With v = X w and p_c = mu_c' w, the within-class residuals
# are u_s = v_s - p_{class(s)} and sum_{s in c} sw_s u_s = 0, so that
#   f = sum_s sw_s u_s^2,
#   grad_i f = 2 X[:, i] @ (sw * u) = 2 (X[:, i] @ (sw * v) - sum_c n_c p_c mu_c,i);
# keeping v (sparse axpy) and p_c (two scalars) avoids densifying X - M.

def fisher_cd(design, problem, control, const signed char[::1] cls,
              const floating[::1] mu0, const floating[::1] mu1,
              floating[::1] w):
    """Run FCD/PCD on the sparse Fisher ratio; w is updated in place.

    ``design``, ``problem`` and ``control`` as for recovery_cd (here ``sw``
    sums to one; ``X_mean`` and ``norms2`` are not read: the class means
    ``mu0``, ``mu1`` centre X); ``cls`` is the class of each sample.
    Returns ``(F, n_iter, max_step, status, obj_path, time_path, rec_idx,
    rec_val)`` as recovery_cd does.
    """
    cdef int n_features = w.shape[0]
    cdef int i, j
    dtype = np.asarray(w).dtype
    cdef floating[::1] v = np.zeros(cls.shape[0], dtype=dtype)
    cdef floating s[N_SCALARS]
    cdef floating n0 = 0., n1 = 0.
    cdef const floating* sw
    cdef Fisher p

    read_design(&p.d, design, <floating> 0)
    sw = <const floating*> p.d.sw
    p.solver = control.solver
    p.v = &v[0]
    p.mu0 = &mu0[0]
    p.mu1 = &mu1[0]
    p.cls = &cls[0]
    _set_constants(s, problem)

    with nogil:
        for i in range(p.d.n_samples):
            if cls[i]:
                n1 += sw[i]
            else:
                n0 += sw[i]
        for j in range(n_features):
            if w[j] != 0.:
                # v += w_j * X[:, j]
                col_axpy(p.d.is_sparse, <const floating*> p.d.X, p.d.n_samples,
                         <const floating*> p.d.data, p.d.indices, p.d.indptr,
                         j, w[j], &v[0])
    s[N0] = n0
    s[N1] = n1
    return _solve(&p, s, w, problem, control)
