# Array versions of the scalar penalty functions of _penalties.pxd (this
# module implements that file, so Python reads its `Penalty` enum here), for
# the Python layer (objective values, adaptive weights p'(|w|)) and for the
# registry of sparsestat/utils/penalties.py, whose test checks the kernels'
# building blocks against each other and against brute force.
#
# Inputs are C-contiguous float64 vectors; callers of any shape go through
# the registry, which ravels and reshapes.
import numpy as np

from sparsestat._kernels._penalties cimport (
    mixed_prox, mixed_subdiff_distance, mixed_value, penalty_derivative,
    penalty_value, prox_1d, subdiff_distance,
)


def value(const double[::1] t, int kind, double alpha, double gamma):
    """p(t) elementwise, t >= 0."""
    cdef Py_ssize_t i, n = t.shape[0]
    cdef double[::1] out = np.empty(n)
    with nogil:
        for i in range(n):
            out[i] = penalty_value(kind, t[i], alpha, gamma)
    return np.asarray(out)


def derivative(const double[::1] t, int kind, double alpha, double gamma):
    """p'(t) elementwise, t >= 0 (right derivative at 0)."""
    cdef Py_ssize_t i, n = t.shape[0]
    cdef double[::1] out = np.empty(n)
    with nogil:
        for i in range(n):
            out[i] = penalty_derivative(kind, t[i], alpha, gamma)
    return np.asarray(out)


def prox(const double[::1] u, const double[::1] v, int kind, double alpha,
         double gamma, bint positive):
    """argmin_w v/2 w^2 - u w + p(|w|) elementwise (v > 0)."""
    cdef Py_ssize_t i, n = u.shape[0]
    cdef double[::1] out = np.empty(n)
    with nogil:
        for i in range(n):
            out[i] = prox_1d(kind, u[i], v[i], alpha, gamma, positive)
    return np.asarray(out)


def kkt_violation(const double[::1] w, const double[::1] grad, int kind,
                     double alpha, double gamma, bint positive):
    """dist(-grad_j, dp(w_j)) elementwise (subdiff_distance of the pxd)."""
    cdef Py_ssize_t i, n = w.shape[0]
    cdef double[::1] out = np.empty(n)
    with nogil:
        for i in range(n):
            out[i] = subdiff_distance(kind, w[i], grad[i], alpha, gamma, positive)
    return np.asarray(out)


# The mixed penalty of one coordinate (per-feature a_j = alpha pw_j and
# l1_ratio, FeaturePenalty in _penalties.pxd), elementwise with a per-entry a.

def weighted_value(const double[::1] t, const double[::1] a, int kind,
                   double gamma, double l1_ratio):
    """l1_ratio p(t_j; a_j) + (1 - l1_ratio) a_j / 2 t_j^2 elementwise."""
    cdef Py_ssize_t i, n = t.shape[0]
    cdef double[::1] out = np.empty(n)
    with nogil:
        for i in range(n):
            out[i] = mixed_value(kind, t[i], a[i], gamma, l1_ratio)
    return np.asarray(out)


def weighted_prox(const double[::1] u, const double[::1] v, const double[::1] a,
                  int kind, double gamma, double l1_ratio, bint positive):
    """argmin_w v/2 w^2 - u w + mixed penalty of |w|, elementwise."""
    cdef Py_ssize_t i, n = u.shape[0]
    cdef double[::1] out = np.empty(n)
    with nogil:
        for i in range(n):
            out[i] = mixed_prox(kind, u[i], v[i], a[i], gamma, l1_ratio, positive)
    return np.asarray(out)


def weighted_kkt_violation(const double[::1] w, const double[::1] grad,
                           const double[::1] a, int kind, double gamma,
                           double l1_ratio, bint positive):
    """Distance of -grad_j to the subdifferential of the mixed penalty at w_j."""
    cdef Py_ssize_t i, n = w.shape[0]
    cdef double[::1] out = np.empty(n)
    with nogil:
        for i in range(n):
            out[i] = mixed_subdiff_distance(kind, w[i], grad[i], a[i], gamma,
                                            l1_ratio, positive)
    return np.asarray(out)
