# Scalar penalties for the coordinate solvers: value, derivative, 1-D prox
# and distance of -grad to the subdifferential, dispatched by an enum so
# that a solver loop calls one inline function per coordinate (no Python
# object, no JIT). Adding a penalty = one more branch in each function.
#
# All functions take t = |w| or w and the penalty's (alpha, gamma).
#
# The enum is `cpdef`: Python reads it as `_penalties.Penalty` (the module
# _penalties.pyx implements this file), so the registry of
# sparsestat/utils/penalties.py holds the kernels' own constants.
from cython cimport floating
from libc.math cimport fabs, fmax, fmin


cpdef enum Penalty:
    PENALTY_L1 = 0
    PENALTY_MCP = 1
    PENALTY_SCAD = 2


cdef inline floating penalty_value(int kind, floating t, floating alpha,
                                   floating gamma) noexcept nogil:
    """p(t) for t = |w| >= 0."""
    if kind == PENALTY_L1:
        return alpha * t
    if kind == PENALTY_MCP:
        if t <= gamma * alpha:
            return alpha * t - t * t / (2 * gamma)
        return gamma * alpha * alpha / 2
    # SCAD
    if t <= alpha:
        return alpha * t
    if t <= gamma * alpha:
        return (2 * gamma * alpha * t - t * t - alpha * alpha) / (2 * (gamma - 1))
    return alpha * alpha * (gamma + 1) / 2


cdef inline floating penalty_derivative(int kind, floating t, floating alpha,
                                        floating gamma) noexcept nogil:
    """p'(t) for t >= 0, with p'(0) = alpha (the right derivative)."""
    if kind == PENALTY_L1:
        return alpha
    if kind == PENALTY_MCP:
        return fmax(alpha - t / gamma, 0)
    if t <= alpha:
        return alpha
    return fmax(gamma * alpha - t, 0) / (gamma - 1)


cdef inline floating _phi(int kind, floating w, floating a, floating v,
                          floating alpha, floating gamma) noexcept nogil:
    """The 1-D objective v/2 w^2 - a w + p(w) on w >= 0."""
    return 0.5 * v * w * w - a * w + penalty_value(kind, w, alpha, gamma)


cdef inline floating _best_of(int kind, floating a, floating v, floating alpha,
                              floating gamma, floating c0, floating c1,
                              floating c2, floating c3) noexcept nogil:
    """The candidate (all >= 0) with the smallest 1-D objective."""
    cdef floating best = c0, cand
    cdef floating best_val = _phi(kind, c0, a, v, alpha, gamma), val
    cdef int k
    for k in range(3):
        cand = c1 if k == 0 else (c2 if k == 1 else c3)
        val = _phi(kind, cand, a, v, alpha, gamma)
        if val < best_val:
            best_val = val
            best = cand
    return best


cdef inline floating _prox_magnitude(int kind, floating a, floating v,
                                     floating alpha, floating gamma) noexcept nogil:
    """argmin_{w >= 0} v/2 w^2 - a w + p(w), for a >= 0 and v > 0.

    The closed forms hold while the 1-D problem is convex (v gamma > 1 for
    MCP, v (gamma - 1) > 1 for SCAD). Otherwise the concave piece can only
    be minimised at its ends, so comparing the few candidates of each piece
    gives the global minimiser.
    """
    if kind == PENALTY_L1:
        return fmax(a - alpha, 0) / v
    if kind == PENALTY_MCP:
        if v * gamma > 1:
            if a <= alpha:
                return 0.
            if a <= v * gamma * alpha:
                return (a - alpha) / (v - 1 / gamma)
            return a / v
        return _best_of(kind, a, v, alpha, gamma, 0., gamma * alpha,
                        fmax(a / v, gamma * alpha), 0.)
    # SCAD
    if v * (gamma - 1) > 1:
        if a <= alpha:
            return 0.
        if a <= alpha * (1 + v):
            return (a - alpha) / v
        if a <= v * gamma * alpha:
            return (a - gamma * alpha / (gamma - 1)) / (v - 1 / (gamma - 1))
        return a / v
    return _best_of(kind, a, v, alpha, gamma, fmax(fmin((a - alpha) / v, alpha), 0),
                    alpha, gamma * alpha, fmax(a / v, gamma * alpha))


cdef inline floating prox_1d(int kind, floating u, floating v, floating alpha,
                             floating gamma, bint positive) noexcept nogil:
    """argmin_w v/2 w^2 - u w + p(|w|) (i.e. v/2 (w - u/v)^2 + p(|w|)).

    With ``positive`` the minimisation is over w >= 0.
    """
    if u >= 0:
        return _prox_magnitude(kind, u, v, alpha, gamma)
    if positive:
        return 0.
    return -_prox_magnitude(kind, -u, v, alpha, gamma)


cdef inline floating subdiff_distance(int kind, floating w, floating grad,
                                      floating alpha, floating gamma,
                                      bint positive) noexcept nogil:
    """Distance of -grad to the (Clarke) subdifferential of p at w.

    Zero exactly at a coordinate-wise stationary point: the KKT violation
    used as stopping criterion for nonconvex penalties.
    """
    if w == 0:
        if positive:
            return fmax(-grad - alpha, 0)
        return fmax(fabs(grad) - alpha, 0)
    if w > 0:
        return fabs(grad + penalty_derivative(kind, w, alpha, gamma))
    return fabs(grad - penalty_derivative(kind, -w, alpha, gamma))


# Per-feature weights and elastic-net mixing (ncvreg's Mnet, glmnet's
# penalty.factor): coordinate j carries
#
#     l1_ratio * p(|w_j|; a_j, gamma) + (1 - l1_ratio) * a_j / 2 * w_j^2,
#     a_j = alpha * pw_j,
#
# the factor pw_j scaling both parts. The functions below take a_j and
# l1_ratio; a_j = 0 is an unpenalised coordinate. The kernels call them only
# when a penalty bundle carries weights or l1_ratio != 1 (FeaturePenalty
# with weights != NULL), so the plain penalty runs the functions above
# unchanged.

cdef struct FeaturePenalty:
    # per-feature factors pw_j (float64, length n_features); NULL: the plain
    # penalty (every pw_j = 1 and l1_ratio = 1), run by the functions above
    const double* weights
    double l1_ratio


cdef inline floating mixed_value(int kind, floating t, floating a, floating gamma,
                                 floating l1_ratio) noexcept nogil:
    """l1_ratio p(t; a, gamma) + (1 - l1_ratio) a / 2 t^2 for t = |w| >= 0."""
    cdef floating pen = 0.
    if l1_ratio > 0:
        pen = l1_ratio * penalty_value(kind, t, a, gamma)
    return pen + (1 - l1_ratio) * a * 0.5 * t * t


cdef inline floating mixed_prox(int kind, floating u, floating v, floating a,
                                floating gamma, floating l1_ratio,
                                bint positive) noexcept nogil:
    """argmin_w v/2 w^2 - u w + mixed_value(|w|) (v > 0).

    The ridge part joins the curvature; dividing the remaining problem by
    l1_ratio gives the plain prox of p with curvature (v + ridge) /
    l1_ratio. a = 0 (unpenalised) and l1_ratio = 0 (ridge only) are the
    closed-form Newton steps.
    """
    cdef floating vv
    if a == 0:
        if positive and u < 0:
            return 0.
        return u / v
    vv = v + (1 - l1_ratio) * a
    if l1_ratio == 0:
        if positive and u < 0:
            return 0.
        return u / vv
    return prox_1d(kind, u / l1_ratio, vv / l1_ratio, a, gamma, positive)


cdef inline floating mixed_subdiff_distance(int kind, floating w, floating grad,
                                            floating a, floating gamma,
                                            floating l1_ratio,
                                            bint positive) noexcept nogil:
    """Distance of -grad to the subdifferential of mixed_value(|.|) at w."""
    cdef floating g = grad + (1 - l1_ratio) * a * w
    if l1_ratio == 0 or a == 0:
        if w == 0 and positive:
            return fmax(-g, 0)
        return fabs(g)
    return l1_ratio * subdiff_distance(kind, w, g / l1_ratio, a, gamma, positive)


cdef inline int read_feature_penalty(FeaturePenalty* fp, object penalty,
                                     int n_features) except -1:
    """Fill ``fp`` from the penalty bundle (utils.penalties.PenaltyParams):
    ``weights`` None for the plain penalty (then ``l1_ratio`` must be 1),
    else a float64 C-contiguous array of length n_features. ``fp`` borrows
    the array: ``penalty`` must outlive it."""
    cdef const double[::1] pw
    fp.l1_ratio = penalty.l1_ratio
    if penalty.weights is None:
        if fp.l1_ratio != 1:
            raise ValueError("a penalty bundle with l1_ratio != 1 needs its "
                             "weights array (ones for unweighted).")
        fp.weights = NULL
        return 0
    pw = penalty.weights
    if pw.shape[0] != n_features:
        raise ValueError(f"penalty weights of length {pw.shape[0]} for "
                         f"{n_features} features.")
    fp.weights = &pw[0]
    return 0
