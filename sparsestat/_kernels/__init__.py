"""Cython kernels: the math of every solver.

Nothing here imports scikit-learn or validates input: the estimator layer
hands over validated, contiguous arrays of one floating dtype, and the
kernels trust them, run without the GIL and return plain arrays and counters.
"""
