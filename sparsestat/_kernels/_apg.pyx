# Nonconvex accelerated proximal gradient (Ghadimi & Lan's composite AG)
# and plain proximal gradient for penalised generalised linear models:
#
#     min_{w, b}  sum_i sw_i ell(y_i, eta_i) + sum_j p(|w_j|; alpha, gamma)
#     eta = X w - (m^T w) 1 + b
#
# with sw summing to one and either
#     quadratic: ell = 1/2 (y_i - eta_i)^2, y centred, m the weighted column
#                means (zeros without intercept) and b held at 0, exactly
#                the implicitly centred problem of _cd.pyx;
#     logistic:  ell = log(1 + exp(-y_i eta_i)), y in {-1, +1}, m = 0 and
#                b the unpenalised intercept (updated by the same gradient
#                steps as w when fit_intercept).
#
# The penalty is split as p(|w|) = alpha |w| + q(w): q is concave and, for
# MCP and SCAD, smooth with a (1/gamma)- resp. (1/(gamma-1))-Lipschitz
# derivative, so it joins the smooth part f = loss + q and the proximal
# operator is plain soft-thresholding. With per-feature weights pw and an
# elastic-net l1_ratio (FeaturePenalty of _penalties.pxd), coordinate j
# carries l1_ratio p(|w_j|; a_j) + (1 - l1_ratio) a_j / 2 w_j^2 with
# a_j = alpha pw_j: the ridge part and l1_ratio q(w_j; a_j) join the smooth
# part (the caller adds the ridge curvature to L) and the soft-threshold
# is l1_ratio a_j times the step. eta is linear in (w, b), hence
# eta at the extrapolated point is the same combination of the etas of the
# two sequences: one X^T product per step, plus X times sparse vectors.
import numpy as np

from cython cimport floating
from libc.math cimport fabs, fmax, sqrt, INFINITY

from sparsestat._kernels._blas cimport _gemv_n, _gemv_t
from sparsestat._kernels._datafits cimport (
    datafit_add, datafit_add_value, datafit_total,
)
from sparsestat._kernels._design cimport (
    DesignView, col_axpy, col_dot, read_design,
)
from sparsestat._kernels._interrupt cimport (
    Interrupt, interrupt_init, interrupted, raise_if_interrupted,
)
from sparsestat._kernels._penalties cimport (
    PENALTY_L1, FeaturePenalty, mixed_subdiff_distance, mixed_value,
    penalty_derivative, penalty_value, read_feature_penalty, subdiff_distance,
)


# Dense X times a coefficient vector with at least this fraction of
# non-zeros goes through one gemv; sparser vectors through column axpys.
cdef double _DENSE_FORWARD_FRACTION = 0.2


cdef inline floating _soft(floating z, floating thr, bint positive) noexcept nogil:
    """Prox of thr |.| (plus the indicator of w >= 0 if positive)."""
    if z > thr:
        return z - thr
    if positive or z >= -thr:
        return 0.
    return z + thr


cdef inline floating _concave_grad(int penalty, floating w, floating alpha,
                                   floating gamma) noexcept nogil:
    """q'(w) for q(w) = p(|w|) - alpha |w| (zero at w = 0 and for L1)."""
    if penalty == PENALTY_L1 or w == 0:
        return 0.
    if w > 0:
        return penalty_derivative(penalty, w, alpha, gamma) - alpha
    return alpha - penalty_derivative(penalty, -w, alpha, gamma)


cdef floating _pointwise(int datafit, int n, const floating* y,
                         const floating* sw, const floating* eta,
                         floating* g) noexcept nogil:
    """Loss at eta; g = d loss / d eta (weights included)."""
    cdef int i
    cdef floating loss = 0.
    for i in range(n):
        loss = datafit_add(datafit, loss, y[i], eta[i], sw[i], &g[i])
    return datafit_total(datafit, loss)


cdef floating _pointwise_loss(int datafit, int n, const floating* y,
                              const floating* sw,
                              const floating* eta) noexcept nogil:
    """Loss at eta."""
    cdef int i
    cdef floating loss = 0.
    for i in range(n):
        loss = datafit_add_value(datafit, loss, y[i], eta[i], sw[i])
    return datafit_total(datafit, loss)


cdef floating _loss_gradient(
    int datafit, bint is_sparse, const floating* X, int n, int p,
    const floating* data, const int* indices, const int* indptr,
    const floating* y, const floating* sw, const floating* X_mean,
    const floating* norms2, const floating* eta, floating* g, floating* grad,
    floating* grad_b,
) noexcept nogil:
    """Loss at eta and its gradient: grad = X^T g - m sum(g), grad_b = sum(g).

    Held columns (norms2 == 0) get a zero gradient so that they stay at 0.
    """
    cdef int i, j
    cdef floating loss = _pointwise(datafit, n, y, sw, eta, g)
    cdef floating G = 0.
    for i in range(n):
        G += g[i]
    if is_sparse:
        for j in range(p):
            grad[j] = col_dot(is_sparse, X, n, data, indices, indptr, j, g)
    else:
        # grad = X.T @ g
        _gemv_t(n, p, 1., X, n, g, 0., grad)
    for j in range(p):
        if norms2[j] == 0:
            grad[j] = 0.
        else:
            grad[j] -= X_mean[j] * G
    grad_b[0] = G
    return loss


cdef void _forward(bint is_sparse, const floating* X, int n, int p,
                   const floating* data, const int* indices, const int* indptr,
                   const floating* X_mean, const floating* w, floating b,
                   floating* eta) noexcept nogil:
    """eta = X w - (m^T w) 1 + b, cheap when w is sparse."""
    cdef int i, j, nnz = 0
    cdef floating shift = b
    for j in range(p):
        if w[j] != 0:
            nnz += 1
            shift -= X_mean[j] * w[j]
    if not is_sparse and nnz >= _DENSE_FORWARD_FRACTION * p:
        # eta = X @ w
        _gemv_n(n, p, 1., X, n, w, 0., eta)
    else:
        for i in range(n):
            eta[i] = 0.
        for j in range(p):
            if w[j] != 0:
                # eta += w[j] * X[:, j]
                col_axpy(is_sparse, X, n, data, indices, indptr, j, w[j], eta)
    for i in range(n):
        eta[i] += shift


cdef floating _penalty_sum(int p, const floating* w, int penalty,
                           floating alpha, floating gamma,
                           const FeaturePenalty* fp) noexcept nogil:
    cdef int j
    cdef floating pen = 0.
    for j in range(p):
        if w[j] != 0:
            if fp.weights == NULL:
                pen += penalty_value(penalty, fabs(w[j]), alpha, gamma)
            else:
                pen += mixed_value(penalty, fabs(w[j]),
                                   alpha * <floating> fp.weights[j], gamma,
                                   <floating> fp.l1_ratio)
    return pen


cdef floating _kkt(int p, const floating* w, const floating* grad,
                   const floating* norms2, const floating* kkt_scale,
                   floating grad_b, floating b_scale, bint update_b,
                   int penalty, floating alpha, floating gamma,
                   bint positive, const FeaturePenalty* fp) noexcept nogil:
    """max_j kkt_scale_j dist(-grad_j, dp(w_j)), and b_scale |grad_b| for a
    free intercept."""
    cdef int j
    cdef floating kkt = b_scale * fabs(grad_b) if update_b else 0.
    for j in range(p):
        if norms2[j] != 0:
            if fp.weights == NULL:
                kkt = fmax(kkt, kkt_scale[j] * subdiff_distance(
                    penalty, w[j], grad[j], alpha, gamma, positive))
            else:
                kkt = fmax(kkt, kkt_scale[j] * mixed_subdiff_distance(
                    penalty, w[j], grad[j], alpha * <floating> fp.weights[j],
                    gamma, <floating> fp.l1_ratio, positive))
    return kkt


cdef void _prox_step(int p, const floating* start, const floating* grad,
                     const floating* w_md, floating step, int penalty,
                     floating alpha, floating gamma, bint positive,
                     const FeaturePenalty* fp, floating* out) noexcept nogil:
    """out = S(start - step * grad f(w_md), step * alpha).

    grad holds the loss gradient at w_md; the concave part's derivative is
    added here (it is separable), and with a FeaturePenalty the ridge part's
    and the threshold is step * l1_ratio * alpha pw_j.
    """
    cdef int j
    cdef floating gj, a, r = <floating> fp.l1_ratio
    if fp.weights == NULL:
        for j in range(p):
            gj = grad[j] + _concave_grad(penalty, w_md[j], alpha, gamma)
            out[j] = _soft(start[j] - step * gj, step * alpha, positive)
        return
    for j in range(p):
        a = alpha * <floating> fp.weights[j]
        gj = grad[j] + (1 - r) * a * w_md[j]
        if r > 0:
            gj += r * _concave_grad(penalty, w_md[j], a, gamma)
        out[j] = _soft(start[j] - step * gj, step * r * a, positive)


def apg_solve(
    design,
    penalty,
    int datafit,
    const floating[::1] y,
    floating[::1] w,
    const floating[::1] kkt_scale,
    floating[::1] trace,
    control,
):
    """Run accelerated (or plain) proximal gradient in place on ``w``.

    Parameters
    ----------
    design : the design bundle (sparsestat.utils._design.KernelDesign):
        ``view`` (see _design.pxd), ``sw`` sample weights summing to one,
        ``X_mean`` column means for the implicit centring (zeros for
        logistic), ``norms2`` (a zero marks a held, constant or empty,
        column: w_j stays 0), in the dtype of ``y``.
    penalty : the penalty bundle (sparsestat.utils.penalties.PenaltyParams):
        ``code``, ``alpha``, ``gamma``, ``positive``, and ``weights`` (None,
        or float64 per-feature factors pw_j) with ``l1_ratio`` (see
        FeaturePenalty in _penalties.pxd); ``control.lipschitz`` must then
        include the ridge curvature (1 - l1_ratio) alpha max_j pw_j.
    datafit : a Datafit code (_datafits.pxd).
    y : centred target (quadratic) or labels in {-1, +1} (logistic).
    w : coefficients, warm start on entry, solution on exit.
    kkt_scale : factors applied to the KKT violations of the coefficients
        (inverse gradient scales), so that ``tol`` is relative.
    trace : objective after each step (trace[0] at the start) if
        ``control.record``; needs max_iter + 1 entries then.
    control : the run bundle (sparsestat.linear_model._apg_solver.APGControl):
        ``method`` (a Method code), ``intercept`` (the starting intercept,
        which moves only if ``update_intercept``), ``update_intercept``, ``lipschitz`` (L,
        Lipschitz constant of grad f = grad loss + q'), ``b_scale`` (factor
        of the intercept's KKT violation), ``b_step`` (the intercept moves
        by b_step times the coefficients' step: the intercept is optimised
        as b / sqrt(b_step), its column of ones scaled like the columns of
        X, so that the steps do not depend on the units of X; L must then
        hold for that scaled column), ``max_iter`` gradient steps, ``tol``
        (scaled KKT violation at which to stop), ``check_every`` (KKT test
        period of the accelerated methods; the proximal gradient step
        computes the gradient at its iterate anyway, so it tests at every
        step), ``record``.

    Returns
    -------
    n_iter : number of gradient steps.
    kkt : KKT violation at the returned point.
    converged : whether kkt <= tol.
    intercept : the returned intercept.
    """
    cdef DesignView d
    read_design(&d, design, <floating> 0)
    cdef bint is_sparse = d.is_sparse
    cdef const floating* Xp = <const floating*> d.X
    cdef const floating* data = <const floating*> d.data
    cdef const int* indices = d.indices
    cdef const int* indptr = d.indptr
    cdef const floating* sw = <const floating*> d.sw
    cdef const floating* X_mean = <const floating*> d.X_mean
    cdef const floating* norms2 = <const floating*> d.norms2
    cdef int kind = penalty.code
    cdef floating alpha = penalty.alpha
    cdef floating gamma = penalty.gamma
    cdef bint positive = penalty.positive
    cdef FeaturePenalty fp
    read_feature_penalty(&fp, penalty, w.shape[0])
    cdef int method = control.method
    cdef floating intercept = control.intercept
    cdef bint update_intercept = control.update_intercept
    cdef floating lipschitz = control.lipschitz
    cdef floating b_scale = control.b_scale
    cdef floating b_step = control.b_step
    cdef int max_iter = control.max_iter
    cdef floating tol = control.tol
    cdef int check_every = control.check_every
    cdef bint record = control.record

    cdef int n = y.shape[0]
    cdef int p = w.shape[0]

    dtype = np.float32 if floating is float else np.float64
    # the *_ag arrays hold the returned sequence, *_s the long-step one
    cdef floating[::1] w_ag = np.array(w, dtype=dtype)
    cdef floating[::1] w_s = np.array(w, dtype=dtype)
    cdef floating[::1] w_md = np.empty(p, dtype=dtype)
    cdef floating[::1] grad = np.zeros(p, dtype=dtype)
    cdef floating[::1] eta_ag = np.empty(n, dtype=dtype)
    cdef floating[::1] eta_s = np.empty(n, dtype=dtype)
    cdef floating[::1] eta_md = np.empty(n, dtype=dtype)
    cdef floating[::1] g = np.empty(n, dtype=dtype)

    cdef int i, j, k = 1, n_iter = 0
    cdef bint converged = False, accelerated = method != METHOD_PGD
    cdef floating a = 1., a_prev = 1., beta, lam, grad_b = 0., b_md
    cdef floating b_ag = intercept, b_s = intercept
    cdef floating kkt = INFINITY, obj, obj_prev
    cdef floating inv_L = 1. / lipschitz
    # entries of X read by one step (one X^T product, about two X products)
    cdef double step_work = 3. * (d.n_data if is_sparse
                                  else <double> n * p)
    cdef Interrupt intr
    interrupt_init(&intr)

    with nogil:
        for j in range(p):
            if norms2[j] == 0:
                w_ag[j] = 0.
                w_s[j] = 0.
        _forward(is_sparse, Xp, n, p, data, indices, indptr, &X_mean[0],
                 &w_ag[0], b_ag, &eta_ag[0])
        for i in range(n):
            eta_s[i] = eta_ag[i]
        obj_prev = (_pointwise_loss(datafit, n, &y[0], &sw[0], &eta_ag[0])
                    + _penalty_sum(p, &w_ag[0], kind, alpha, gamma, &fp))
        if record:
            trace[0] = obj_prev

        while True:
            if interrupted(&intr, step_work):
                break
            # KKT test at the returned point; its gradient is the step's
            # gradient for proximal gradient
            if (not accelerated or n_iter % check_every == 0
                    or n_iter == max_iter):
                _loss_gradient(datafit, is_sparse, Xp, n, p, data, indices,
                               indptr, &y[0], &sw[0], &X_mean[0], &norms2[0],
                               &eta_ag[0], &g[0], &grad[0], &grad_b)
                kkt = _kkt(p, &w_ag[0], &grad[0], &norms2[0], &kkt_scale[0],
                           grad_b, b_scale, update_intercept, kind, alpha, gamma, positive,
                           &fp)
                if kkt <= tol:
                    converged = True
                    break
            if n_iter == max_iter:
                break

            if not accelerated:
                # w = S(w - grad f(w) / L, alpha / L), in place
                _prox_step(p, &w_ag[0], &grad[0], &w_ag[0], inv_L, kind,
                           alpha, gamma, positive, &fp, &w_ag[0])
                if update_intercept:
                    b_ag -= inv_L * b_step * grad_b
            else:
                if method == METHOD_TUNED:
                    if k > 1:
                        a = 2. / (1. + sqrt(1. + 4. / (a_prev * a_prev)))
                    beta = 0.99 * inv_L
                    lam = beta / a
                else:
                    a = 2. / (k + 1.)
                    beta = 0.5 * inv_L
                    lam = k * beta / 2.
                # w_md = (1 - a) w_ag + a w_s, and the same for eta and b
                for j in range(p):
                    w_md[j] = (1. - a) * w_ag[j] + a * w_s[j]
                for i in range(n):
                    eta_md[i] = (1. - a) * eta_ag[i] + a * eta_s[i]
                b_md = (1. - a) * b_ag + a * b_s
                _loss_gradient(datafit, is_sparse, Xp, n, p, data, indices,
                               indptr, &y[0], &sw[0], &X_mean[0], &norms2[0],
                               &eta_md[0], &g[0], &grad[0], &grad_b)
                # w_s = S(w_s - lam grad f(w_md), lam alpha)
                _prox_step(p, &w_s[0], &grad[0], &w_md[0], lam, kind,
                           alpha, gamma, positive, &fp, &w_s[0])
                # w_ag = S(w_md - beta grad f(w_md), beta alpha)
                _prox_step(p, &w_md[0], &grad[0], &w_md[0], beta, kind,
                           alpha, gamma, positive, &fp, &w_ag[0])
                if update_intercept:
                    b_s -= lam * b_step * grad_b
                    b_ag = b_md - beta * b_step * grad_b
                _forward(is_sparse, Xp, n, p, data, indices, indptr,
                         &X_mean[0], &w_s[0], b_s, &eta_s[0])
                a_prev = a
                k += 1
            n_iter += 1
            _forward(is_sparse, Xp, n, p, data, indices, indptr, &X_mean[0],
                     &w_ag[0], b_ag, &eta_ag[0])
            obj = (_pointwise_loss(datafit, n, &y[0], &sw[0], &eta_ag[0])
                   + _penalty_sum(p, &w_ag[0], kind, alpha, gamma, &fp))
            if record:
                trace[n_iter] = obj
            if method == METHOD_TUNED and obj > obj_prev:
                # momentum hurts: restart from the current point, whose next
                # step (a = 1) is a descent step of length 0.99 / L
                k = 1
                a = 1.
                a_prev = 1.
                for j in range(p):
                    w_s[j] = w_ag[j]
                for i in range(n):
                    eta_s[i] = eta_ag[i]
                b_s = b_ag
            obj_prev = obj

    raise_if_interrupted(&intr)
    for j in range(p):
        w[j] = w_ag[j]
    return n_iter, float(kkt), bool(converged), float(b_ag)
