"""Gaussian graphical models under total positivity (MTP2)."""

from sparsestat.covariance._mtp2 import (
    MTP2GraphicalModel,
    MTP2GraphicalModelCV,
    mtp2_graphical_model,
    penalty_weights,
)

__all__ = [
    "MTP2GraphicalModel",
    "MTP2GraphicalModelCV",
    "mtp2_graphical_model",
    "penalty_weights",
]
