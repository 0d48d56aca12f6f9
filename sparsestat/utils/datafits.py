"""The datafits of the linear models: one row per datafit.

A row holds the kernel code of a datafit ``sum_i sw_i ell(y_i, eta_i)`` of
the linear predictor ``eta``, the bound on ``ell''`` that turns the
design's Gram spectrum into the gradient's Lipschitz constant, the labels
it takes, and evaluates the loss through the kernels' inline functions
(``sparsestat/_kernels/_datafits.pxd``). Adding a datafit (multinomial)
is one member of the ``Datafit`` enum, one branch in each
function of ``_datafits.pxd`` and one row here;
``tests/utils/test_penalty_registry.py`` checks every row's derivative
against finite differences without being edited.

Examples
--------
>>> import numpy as np
>>> from sparsestat.utils.datafits import get_datafit
>>> quad = get_datafit("quadratic")
>>> float(quad.value(np.array([1.0]), np.array([0.0]), np.array([1.0])).sum())
0.5
"""

from dataclasses import dataclass

import numpy as np

from sparsestat._kernels import _datafits as _kernel
from sparsestat._kernels._datafits import Datafit as DatafitCode

__all__ = ["DATAFITS", "DatafitSpec", "get_datafit"]


def _as_vector(x):
    return np.ascontiguousarray(np.ravel(x), dtype=np.float64)


@dataclass(frozen=True)
class DatafitSpec:
    """One datafit ``sw ell(y, eta)`` of the linear predictor ``eta``.

    Attributes
    ----------
    name : str
        Name used by the solvers (``"quadratic"``, ``"logistic"``).
    code : DatafitCode
        The kernels' enum member (``sparsestat._kernels._datafits.Datafit``).
    curvature_bound : float
        Upper bound of ``d^2 ell / d eta^2``: the gradient's Lipschitz
        constant is this times the top eigenvalue of the weighted Gram
        matrix. ``inf`` when the curvature has no global bound (Poisson:
        ``exp(eta)``); such a datafit has no global Lipschitz constant and
        is solved by proximal Newton only.
    labels : tuple of float or None
        The values ``y`` may take when they are finitely many (logistic),
        or, for a target domain other than the real line, representative
        values of it (Poisson: non-negative counts and fractions, see
        ``domain``); the registry test draws ``y`` from them. None: any
        real.
    domain : {"real", "binary", "non-negative"}
        The set of valid targets.
    """

    name: str
    code: DatafitCode
    curvature_bound: float
    labels: tuple = None
    domain: str = "real"

    def value(self, y, eta, sw):
        """``sw_i ell(y_i, eta_i)`` elementwise (float64)."""
        y, eta, sw = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64)
                                           for a in (y, eta, sw)))
        return _kernel.value(_as_vector(y), _as_vector(eta), _as_vector(sw),
                             self.code).reshape(y.shape)

    def derivative(self, y, eta, sw):
        """``sw_i d ell(y_i, eta_i) / d eta_i`` elementwise (float64)."""
        y, eta, sw = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64)
                                           for a in (y, eta, sw)))
        return _kernel.derivative(_as_vector(y), _as_vector(eta), _as_vector(sw),
                                  self.code).reshape(y.shape)


DATAFITS = {
    spec.name: spec
    for spec in (
        DatafitSpec("quadratic", DatafitCode.DATAFIT_QUADRATIC, 1.0),
        # p (1 - p) <= 1/4
        DatafitSpec("logistic", DatafitCode.DATAFIT_LOGISTIC, 0.25, (-1.0, 1.0),
                    "binary"),
        # exp(eta) is unbounded
        DatafitSpec("poisson", DatafitCode.DATAFIT_POISSON, np.inf,
                    (0.0, 0.5, 1.0, 2.0, 3.0, 7.0, 20.0), "non-negative"),
    )
}


def get_datafit(name):
    """The row of datafit ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not a datafit of :data:`DATAFITS`.
    """
    try:
        return DATAFITS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"datafit must be one of {sorted(DATAFITS)}, got {name!r}."
        ) from None
