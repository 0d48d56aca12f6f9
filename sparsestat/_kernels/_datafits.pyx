# Array versions of the scalar datafits of _datafits.pxd (this module
# implements that file, so Python reads its `Datafit` enum here), for the
# registry of sparsestat/utils/datafits.py and its test.
import numpy as np

from sparsestat._kernels._datafits cimport (
    datafit_add, datafit_add_value, datafit_total,
)


def value(const double[::1] y, const double[::1] eta, const double[::1] sw,
          int kind):
    """sw_i ell(y_i, eta_i) elementwise."""
    cdef Py_ssize_t i, n = y.shape[0]
    cdef double[::1] out = np.empty(n)
    with nogil:
        for i in range(n):
            out[i] = datafit_total(kind, datafit_add_value(kind, 0., y[i], eta[i],
                                                           sw[i]))
    return np.asarray(out)


def derivative(const double[::1] y, const double[::1] eta, const double[::1] sw,
               int kind):
    """sw_i d ell(y_i, eta_i) / d eta_i elementwise."""
    cdef Py_ssize_t i, n = y.shape[0]
    cdef double[::1] out = np.empty(n)
    with nogil:
        for i in range(n):
            datafit_add(kind, 0., y[i], eta[i], sw[i], &out[i])
    return np.asarray(out)
