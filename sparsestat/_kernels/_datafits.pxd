# Scalar datafits of the linear models: one sample's weighted loss term
# and its derivative in the linear predictor eta,
# dispatched by an enum as the penalties are (_penalties.pxd). Adding a
# datafit = one enum member and one branch in each function (and a row in
# sparsestat/utils/datafits.py).
#
# The enum is `cpdef`: Python reads it as `_datafits.Datafit` (the module
# _datafits.pyx implements this file).
from cython cimport floating
from libc.math cimport exp, log, log1p


cpdef enum Datafit:
    # ell = 1/2 (y - eta)^2, y real
    DATAFIT_QUADRATIC = 0
    # ell = log(1 + exp(-y eta)), y in {-1, +1}
    DATAFIT_LOGISTIC = 1
    # ell = exp(eta) - y eta + y log(y) - y, y >= 0 (0 log 0 = 0): half the
    # Poisson unit deviance of the mean exp(eta), i.e. the negative
    # log-likelihood up to the y-only constant that makes it zero at
    # eta = log(y). Its second derivative exp(eta) has no global bound.
    DATAFIT_POISSON = 2


# A datafit is a sum over samples, then a scale: a solver accumulates the
# terms with datafit_add (or datafit_add_value, without the derivative) and
# finishes with datafit_total. Keeping the sum in the solver's precision
# and the scale apart is what the kernels did before the datafits were
# factored out, so the arithmetic is unchanged.


cdef inline floating _poisson_half_deviance(floating y, floating eta,
                                           floating mu) noexcept nogil:
    """mu - y + y (log y - eta), with mu = exp(eta): no y log(mu) product, so
    a zero count is exact at any eta and a large eta gives +inf (overflow of
    mu), never NaN."""
    if y > 0:
        return mu - y + y * (log(y) - eta)
    return mu


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
    if kind == DATAFIT_POISSON:
        e = exp(eta)
        g[0] = sw * (e - y)
        acc += sw * _poisson_half_deviance(y, eta, e)
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
    if kind == DATAFIT_POISSON:
        acc += sw * _poisson_half_deviance(y, eta, exp(eta))
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
