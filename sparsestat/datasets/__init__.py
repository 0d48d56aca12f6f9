"""Simulators with known ground truth, reproducible from ``random_state``."""

from sparsestat.datasets._dag import make_dag, sample_linear_sem
from sparsestat.datasets._mtp2 import make_mtp2_precision
from sparsestat.datasets._regression import make_sparse_regression

__all__ = [
    "make_dag",
    "make_mtp2_precision",
    "make_sparse_regression",
    "sample_linear_sem",
]
