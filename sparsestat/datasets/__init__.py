"""Simulators with known ground truth, reproducible from ``random_state``."""

from sparsestat.datasets._regression import make_sparse_regression

__all__ = ["make_sparse_regression"]
from sparsestat.datasets._dag import make_dag, sample_linear_sem  # noqa: E402

__all__ += ["make_dag", "sample_linear_sem"]
