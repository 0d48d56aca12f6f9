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
