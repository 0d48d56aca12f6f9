"""Simulators with known ground truth, reproducible from ``random_state``."""

from sparsestat.datasets._regression import make_sparse_regression

__all__ = ["make_sparse_regression"]
