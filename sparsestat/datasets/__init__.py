"""Simulators with known ground truth, reproducible from ``random_state``."""

from sparsestat.datasets._mtp2 import make_mtp2_precision
from sparsestat.datasets._regression import make_sparse_regression

__all__ = ["make_mtp2_precision", "make_sparse_regression"]
