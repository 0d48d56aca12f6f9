"""Pieces shared by the fractional estimators: design preparation, codes."""

import numpy as np
import scipy.sparse as sp

from sparsestat.utils.validation import check_finite_scalar, csc_int32

# mirrored by the enums of sparsestat/_kernels/_fractional.pyx
SOLVERS = {"pcd": 0, "fcd": 1}
SELECTIONS = {"cyclic": 0, "random": 1, "greedy": 2, "greedy-lipschitz": 3}


def check_finite_params(estimator, names):
    """``Interval`` accepts inf; the fractional solvers need finite scalars."""
    for name in names:
        check_finite_scalar(getattr(estimator, name), name)


def design_arrays(X):
    """Kernel arguments for dense (Fortran) or CSC ``X``.

    Returns ``(X_dense, data, indices, indptr, is_sparse)``; the unused side
    is a one-element placeholder that the kernel never reads.
    """
    dtype = X.dtype
    if sp.issparse(X):
        X = csc_int32(X)
        data = X.data if X.nnz else np.zeros(1, dtype=dtype)
        indices = X.indices if X.nnz else np.zeros(1, dtype=np.int32)
        return np.zeros((1, 1), dtype=dtype, order="F"), data, indices, X.indptr, True
    return (
        np.asfortranarray(X),
        np.zeros(1, dtype=dtype),
        np.zeros(1, dtype=np.int32),
        np.zeros(2, dtype=np.int32),
        False,
    )


def weighted_col_sq(X, sw):
    """``(X ** 2).T @ sw``: each column's curvature of the weighted squares."""
    if sp.issparse(X):
        return np.asarray(X.multiply(X).T @ sw).ravel()
    return (X * X).T @ sw


def record_buffers(record, n_updates, dtype):
    """Buffers for the per-update history (one slot when not recording)."""
    size = n_updates if record else 1
    return np.zeros(size, dtype=np.int32), np.zeros(size, dtype=dtype)


def seed_from(random_state):
    """A non-zero 64-bit seed for the kernel's generator."""
    return int(random_state.randint(1, np.iinfo(np.int32).max))
