"""The penalties of the package: one row per penalty, read by every family.

A row holds what the Python layer needs to know about a penalty (its
kernel code, the valid range of ``gamma``, the constants of the strong
rules and of the accelerated gradient's smooth split) and evaluates the
penalty through the kernels' own inline functions
(``sparsestat/_kernels/_penalties.pxd``), so that Python and Cython cannot
disagree. Adding a penalty is one member of the ``Penalty`` enum, one
branch in each function of ``_penalties.pxd`` and one row here;
``tests/utils/test_penalty_registry.py`` then checks the row against brute
force without being edited.

Examples
--------
>>> import numpy as np
>>> from sparsestat.utils.penalties import get_penalty
>>> mcp = get_penalty("mcp")
>>> mcp.derivative(np.array([0.0, 1.0, 9.0]), 1.0, 3.0).tolist()
[1.0, 0.6666666666666667, 0.0]
>>> mcp.strong_rule_factor(3.0), mcp.concave_lipschitz(3.0)
(1.5, 0.3333333333333333)
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sparsestat._kernels import _penalties as _kernel
from sparsestat._kernels._penalties import Penalty as PenaltyCode

__all__ = ["PENALTIES", "PenaltyParams", "PenaltySpec", "get_penalty", "check_gamma"]


def _as_vector(x):
    return np.ascontiguousarray(np.ravel(x), dtype=np.float64)


@dataclass(frozen=True)
class PenaltyParams:
    """The penalty bundle a kernel reads: kind and parameters of one solve.

    ``weights`` (per-feature multipliers of alpha) and ``l1_ratio``
    (elastic-net mixing) are the slots of the next penalties; None means
    unweighted and pure penalty, the only setting the kernels implement yet.
    """

    code: int
    alpha: float
    gamma: float
    positive: bool = False
    weights: object = None
    l1_ratio: object = None


@dataclass(frozen=True)
class PenaltySpec:
    """One penalty ``p(t; alpha, gamma)`` of ``t = |w|``.

    Attributes
    ----------
    name : str
        The value of the estimators' ``penalty`` parameter.
    code : PenaltyCode
        The kernels' enum member (``sparsestat._kernels._penalties.Penalty``).
    uses_gamma : bool
        Whether ``gamma`` enters the penalty.
    gamma_min : float
        ``gamma`` must exceed it: each coordinate problem on standardised
        features is then convex (DESIGN section 3); checked by
        :func:`check_gamma` and the linear models.
    gamma_defined : float
        ``gamma`` must exceed it for the formulas to be defined at all (the
        bound of the gradient solvers, whose steps use
        :attr:`concave_lipschitz` and need no convexity).
    default_gamma : float
        The concavity used when a caller leaves ``gamma`` to the penalty
        (``MTP2GraphicalModel(gamma=None)``: 2.0 for MCP is the setting of
        the adaptive-MTP2 experiments, 3.7 the usual SCAD choice).
    strong_rule : callable
        ``gamma -> factor``: the gradient of a zero coefficient is assumed
        to move by at most ``factor * (alpha_prev - alpha)`` along a path
        (sequential strong rules).
    concave_lipschitz : callable
        ``gamma -> L_q``: Lipschitz constant of the derivative of the
        concave part ``q(t) = p(t) - alpha t``, added to the smooth part's
        Lipschitz constant by the accelerated gradient.
    """

    name: str
    code: PenaltyCode
    uses_gamma: bool
    gamma_min: float
    gamma_defined: float
    default_gamma: float
    strong_rule: Callable[[float], float]
    concave_lipschitz: Callable[[float], float]

    def params(self, alpha, gamma, positive=False):
        """The :class:`PenaltyParams` of one solve with this penalty."""
        return PenaltyParams(int(self.code), float(alpha), float(gamma),
                             bool(positive))

    def strong_rule_factor(self, gamma):
        """Factor of the sequential strong rule at this ``gamma``."""
        return self.strong_rule(gamma)

    def value(self, t, alpha, gamma):
        """``p(t)`` elementwise for ``t >= 0`` (float64, shape of ``t``)."""
        t = np.asarray(t, dtype=np.float64)
        return _kernel.value(_as_vector(t), self.code, alpha, gamma).reshape(t.shape)

    def derivative(self, t, alpha, gamma):
        """``p'(t)`` elementwise for ``t >= 0``, with ``p'(0) = alpha``."""
        t = np.asarray(t, dtype=np.float64)
        out = _kernel.derivative(_as_vector(t), self.code, alpha, gamma)
        return out.reshape(t.shape)

    def prox(self, u, v, alpha, gamma, positive=False):
        """``argmin_w v/2 w^2 - u w + p(|w|)`` elementwise (``v > 0``).

        The global minimiser, also where the 1-D problem is not convex
        (``v gamma <= 1`` for MCP); with ``positive`` over ``w >= 0``.
        """
        u, v = np.broadcast_arrays(np.asarray(u, dtype=np.float64),
                                   np.asarray(v, dtype=np.float64))
        out = _kernel.prox(_as_vector(u), _as_vector(v), self.code, alpha, gamma,
                           bool(positive))
        return out.reshape(u.shape)

    def subdiff_distance(self, w, grad, alpha, gamma, positive=False):
        """Distance of ``-grad`` to the subdifferential of ``p(|.|)`` at ``w``.

        Zero exactly at the coordinate-wise stationary points (the KKT
        violation of the solvers' stopping rules).
        """
        w, grad = np.broadcast_arrays(np.asarray(w, dtype=np.float64),
                                      np.asarray(grad, dtype=np.float64))
        out = _kernel.kkt_violation(_as_vector(w), _as_vector(grad), self.code,
                                    alpha, gamma, bool(positive))
        return out.reshape(w.shape)


PENALTIES = {
    spec.name: spec
    for spec in (
        PenaltySpec(
            name="l1",
            code=PenaltyCode.PENALTY_L1,
            uses_gamma=False,
            gamma_min=-np.inf,
            gamma_defined=-np.inf,
            default_gamma=np.inf,
            strong_rule=lambda gamma: 1.0,
            concave_lipschitz=lambda gamma: 0.0,
        ),
        PenaltySpec(
            name="mcp",
            code=PenaltyCode.PENALTY_MCP,
            uses_gamma=True,
            gamma_min=1.0,
            gamma_defined=0.0,
            default_gamma=2.0,
            strong_rule=lambda gamma: gamma / (gamma - 1),
            concave_lipschitz=lambda gamma: 1.0 / gamma,
        ),
        PenaltySpec(
            name="scad",
            code=PenaltyCode.PENALTY_SCAD,
            uses_gamma=True,
            gamma_min=2.0,
            gamma_defined=1.0,
            default_gamma=3.7,
            strong_rule=lambda gamma: gamma / (gamma - 2),
            concave_lipschitz=lambda gamma: 1.0 / (gamma - 1.0),
        ),
    )
}


def get_penalty(name):
    """The row of penalty ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not a penalty of :data:`PENALTIES`.
    """
    try:
        return PENALTIES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"penalty must be one of {sorted(PENALTIES)}, got {name!r}."
        ) from None


def check_gamma(penalty, gamma):
    """Check the concavity parameter ``gamma`` against the penalty.

    ``gamma`` must exceed the penalty's :attr:`PenaltySpec.gamma_min`
    (MCP ``> 1``, SCAD ``> 2``) so that each coordinate problem on
    standardized features is convex (DESIGN section 3).

    Parameters
    ----------
    penalty : str
        Penalty name, a key of :data:`PENALTIES`.
    gamma : float
        Concavity parameter (unused by ``"l1"``).

    Examples
    --------
    >>> from sparsestat.utils.penalties import check_gamma
    >>> check_gamma("mcp", 3.0)
    >>> check_gamma("scad", 2.0)
    Traceback (most recent call last):
    ...
    ValueError: gamma must be > 2 for penalty='scad', got gamma=2.0.
    """
    spec = PENALTIES.get(penalty)
    if spec is not None and spec.uses_gamma and not gamma > spec.gamma_min:
        raise ValueError(
            f"gamma must be > {spec.gamma_min:g} for penalty={penalty!r}, "
            f"got gamma={gamma!r}."
        )
