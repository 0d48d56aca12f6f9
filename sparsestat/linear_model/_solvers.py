"""Calls into the Cython kernels for the least-squares problems."""

import numpy as np

from sparsestat._kernels._cd import cd_solve
from sparsestat.linear_model._preprocess import PENALTY_CODES

# Epoch budget of one working-set phase; the outer max_iter bounds the rest.
MAX_EPOCHS = 10_000
# Smallest working set, as in skglm.
WS_START = 10


def solve_least_squares(design, y_c, sw, uniform, w, *, penalty, alpha, gamma,
                        positive, max_iter, tol):
    """Run working-set CD in place on ``w``; return the kernel's counters.

    Returns
    -------
    n_iter, kkt, gap, converged, n_epochs
    """
    dtype = design.X_mean.dtype.type
    return cd_solve(
        *design.kernel_args(),
        y_c,
        sw,
        not uniform,
        design.X_mean,
        design.norms2,
        w,
        PENALTY_CODES[penalty],
        dtype(alpha),
        dtype(gamma),
        bool(positive),
        int(max_iter),
        MAX_EPOCHS,
        dtype(tol),
        WS_START,
    )


def initial_coef(estimator, n_features, dtype):
    """Warm-start coefficients when allowed and compatible, else zeros."""
    coef = getattr(estimator, "coef_", None)
    if (
        estimator.warm_start
        and coef is not None
        and np.shape(coef) == (n_features,)
    ):
        return np.array(coef, dtype=dtype)
    return np.zeros(n_features, dtype=dtype)
