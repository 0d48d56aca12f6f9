# Scalar datafits of the linear models: one sample's weighted loss term
# and its derivative in the linear predictor eta,
# dispatched by an enum as the penalties are (_penalties.pxd). Adding a
# datafit = one enum member and one branch in each function (and a row in
# sparsestat/utils/datafits.py).
#
# The enum is `cpdef`: Python reads it as `_datafits.Datafit` (the module
# _datafits.pyx implements this file).
from cython cimport floating
from libc.math cimport exp, log1p


cpdef enum Datafit:
    # ell = 1/2 (y - eta)^2, y real
    DATAFIT_QUADRATIC = 0
    # ell = log(1 + exp(-y eta)), y in {-1, +1}
    DATAFIT_LOGISTIC = 1


# A datafit is a sum over samples, then a scale: a solver accumulates the
# terms with datafit_add (or datafit_add_value, without the derivative) and
# finishes with datafit_total. Keeping the sum in the solver's precision
# and the scale apart is what the kernels did before the datafits were
# factored out, so the arithmetic is unchanged.


cdef inline floating datafit_add(int kind, floating acc, floating y,
                                 floating eta, floating sw,
                                 floating* g) noexcept nogil:
    """acc plus the sample's term; writes g[0] = sw d ell / d eta."""
    cdef floating r, s, e
    if kind == DATAFIT_QUADRATIC:
        r = y - eta
        g[0] = -sw * r
        acc += sw * r * r
        return acc
    s = y * eta
    # log(1 + exp(-s)) and sigmoid(-s) without overflow
    if s > 0:
        e = exp(-s)
        g[0] = -sw * y * e / (1 + e)
        acc += sw * log1p(e)
        return acc
    e = exp(s)
    g[0] = -sw * y / (1 + e)
    acc += sw * (log1p(e) - s)
    return acc


cdef inline floating datafit_add_value(int kind, floating acc, floating y,
                                       floating eta, floating sw) noexcept nogil:
    """acc plus the sample's term (no derivative)."""
    cdef floating r, s
    if kind == DATAFIT_QUADRATIC:
        r = y - eta
        acc += sw * r * r
        return acc
    s = y * eta
    if s > 0:
        acc += sw * log1p(exp(-s))
        return acc
    acc += sw * (log1p(exp(s)) - s)
    return acc


cdef inline floating datafit_total(int kind, floating acc) noexcept nogil:
    """The datafit from the accumulated terms: sum_i sw_i ell(y_i, eta_i)."""
    if kind == DATAFIT_QUADRATIC:
        return 0.5 * acc
    return acc
