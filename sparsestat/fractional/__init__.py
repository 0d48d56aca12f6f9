"""Fractional programs solved by coordinate descent with global 1-D steps.

``FractionalSparseRegression`` (k-sparse recovery ratio) and
``SparseFisherDiscriminant`` (sparse Fisher ratio), both solved by the same
compiled FCD / PCD coordinate-descent kernels (see the user guide).
"""

# importable from here for warnings filters
from sparsestat.fractional._base import DegenerateRatioWarning  # noqa: F401
from sparsestat.fractional._fisher import SparseFisherDiscriminant
from sparsestat.fractional._regression import FractionalSparseRegression

__all__ = ["FractionalSparseRegression", "SparseFisherDiscriminant"]
