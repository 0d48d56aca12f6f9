"""Fractional programs solved by coordinate descent with global 1-D steps.

``FractionalSparseRegression`` (k-sparse recovery ratio) and
``SparseFisherDiscriminant`` (sparse Fisher ratio), both over the FCD / PCD
kernels of ``sparsestat._kernels._fractional`` (DESIGN section 6).
"""

from sparsestat.fractional._base import DegenerateRatioWarning
from sparsestat.fractional._fisher import SparseFisherDiscriminant
from sparsestat.fractional._regression import FractionalSparseRegression

__all__ = ["FractionalSparseRegression", "SparseFisherDiscriminant"]
