# Scalar datafits of the linear models: one sample's weighted loss
# sw * ell(y, eta) and its derivative in the linear predictor eta,
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


cdef inline floating datafit_term(int kind, floating y, floating eta,
                                  floating sw, floating* g) noexcept nogil:
    """sw ell(y, eta); writes g[0] = sw d ell / d eta."""
    cdef floating r, s, e
    if kind == DATAFIT_QUADRATIC:
        r = y - eta
        g[0] = -sw * r
        return 0.5 * sw * r * r
    s = y * eta
    # log(1 + exp(-s)) and sigmoid(-s) without overflow
    if s > 0:
        e = exp(-s)
        g[0] = -sw * y * e / (1 + e)
        return sw * log1p(e)
    e = exp(s)
    g[0] = -sw * y / (1 + e)
    return sw * (log1p(e) - s)


cdef inline floating datafit_value(int kind, floating y, floating eta,
                                   floating sw) noexcept nogil:
    """sw ell(y, eta)."""
    cdef floating r, s
    if kind == DATAFIT_QUADRATIC:
        r = y - eta
        return 0.5 * sw * r * r
    s = y * eta
    if s > 0:
        return sw * log1p(exp(-s))
    return sw * (log1p(exp(s)) - s)
