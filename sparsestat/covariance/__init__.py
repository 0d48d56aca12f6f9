"""Gaussian graphical models under total positivity (MTP2)."""

from sparsestat.covariance._cv import MTP2GraphicalModelCV
from sparsestat.covariance._graphical_model import MTP2GraphicalModel
from sparsestat.covariance._ic import MTP2GraphicalModelIC
from sparsestat.covariance._mtp2_path import mtp2_path
from sparsestat.covariance._path import mtp2_graphical_model, penalty_weights

__all__ = [
    "MTP2GraphicalModel",
    "MTP2GraphicalModelCV",
    "MTP2GraphicalModelIC",
    "mtp2_graphical_model",
    "mtp2_path",
    "penalty_weights",
]
