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

__all__ = [
    "PENALTIES",
    "PenaltyParams",
    "PenaltySpec",
    "PenaltyWeighting",
    "check_gamma",
    "get_penalty",
    "make_weighting",
]


def _as_vector(x):
    return np.ascontiguousarray(np.ravel(x), dtype=np.float64)


@dataclass(frozen=True)
class PenaltyParams:
    """The penalty bundle a kernel reads: kind and parameters of one solve.

    ``weights`` (float64 per-feature factors ``pw_j`` of alpha, length
    n_features) and ``l1_ratio`` (elastic-net mixing): coordinate ``j`` is
    penalised by ``l1_ratio p(|w_j|; alpha pw_j, gamma) + (1 - l1_ratio)
    alpha pw_j / 2 w_j^2``. ``weights=None`` (then ``l1_ratio`` is 1) is
    the plain penalty, which the kernels run on their unweighted branch.
    Built by :meth:`PenaltySpec.params` from a :class:`PenaltyWeighting`.
    """

    code: int
    alpha: float
    gamma: float
    positive: bool = False
    weights: object = None
    l1_ratio: float = 1.0


@dataclass(frozen=True)
class PenaltyWeighting:
    """Per-feature weights and elastic-net mixing of a penalty, fixed along a path.

    The one object the solvers and paths pass through (argument
    ``weighting``) to say how the penalty applies to each feature;
    ``alpha`` varies along a path, this does not. Build it with
    :func:`make_weighting` (which validates and rescales).

    Attributes
    ----------
    weights : ndarray of shape (n_features,) or None
        Non-negative finite float64 factors ``pw_j``, rescaled so that their
        mean over the penalised (non-zero) features is one; ``pw_j = 0``
        leaves feature ``j`` unpenalised. None: every factor is one.
    l1_ratio : float
        Mixing in [0, 1]: ``l1_ratio * p(|w|; alpha pw_j, gamma) +
        (1 - l1_ratio) * alpha pw_j / 2 * w^2`` (ncvreg's Mnet, glmnet's
        ``alpha``).
    """

    weights: object = None
    l1_ratio: float = 1.0

    @property
    def is_plain(self):
        """Whether this is the unweighted pure penalty (every factor one,
        ``l1_ratio = 1``), run by the kernels' unchanged branch."""
        return self.weights is None and self.l1_ratio == 1.0

    def factors(self, n_features):
        """The factors ``pw_j`` as a float64 array (ones when unweighted)."""
        if self.weights is None:
            return np.ones(n_features)
        return self.weights

    def penalised(self, n_features):
        """Boolean mask of the features with a positive factor."""
        return self.factors(n_features) > 0

    def kernel_weights(self, n_features):
        """The ``weights`` slot of :class:`PenaltyParams`: None for the
        plain penalty, else the factors (ones when only ``l1_ratio`` is set)."""
        if self.is_plain:
            return None
        return np.ascontiguousarray(self.factors(n_features), dtype=np.float64)


PLAIN = PenaltyWeighting()


def make_weighting(penalty_weights=None, l1_ratio=1.0, n_features=None):
    """Validate ``penalty_weights`` and build the :class:`PenaltyWeighting`.

    The weights are rescaled so that their mean over the penalised
    (non-zero) features is one (glmnet rescales its ``penalty.factor`` to
    sum to the number of features instead, i.e. a mean of one over all
    features, zeros included; the two agree when no weight is zero).
    Weights that are all equal after that rescaling are the unweighted
    penalty.

    Parameters
    ----------
    penalty_weights : array-like of shape (n_features,) or None
        Non-negative finite weights; None means unweighted.
    l1_ratio : float, default=1.0
        Elastic-net mixing in [0, 1] (validated by the estimators'
        parameter constraints; checked again here).
    n_features : int
        The number of features the weights must match.

    Returns
    -------
    PenaltyWeighting

    Raises
    ------
    ValueError
        Naming ``penalty_weights`` if they are not a 1-D numeric array of
        length ``n_features``, hold NaN, infinity or a negative value, or
        are all zero (nothing would be penalised: fit with ``alpha=0`` for
        the unpenalised model); naming ``l1_ratio`` if it is not in [0, 1].

    Examples
    --------
    >>> from sparsestat.utils.penalties import make_weighting
    >>> make_weighting([0.0, 1.0, 3.0], 0.5, 3).weights.tolist()
    [0.0, 0.5, 1.5]
    >>> make_weighting([2.0, 2.0], 1.0, 2).is_plain
    True
    """
    if isinstance(l1_ratio, bool) or not isinstance(l1_ratio, (int, float, np.number)):
        raise ValueError(f"l1_ratio must be a real number in [0, 1], got {l1_ratio!r}.")
    l1_ratio = float(l1_ratio)
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be in [0, 1], got {l1_ratio!r}.")
    if penalty_weights is None:
        return PenaltyWeighting(None, l1_ratio)
    try:
        raw = np.asarray(penalty_weights)
    except (TypeError, ValueError):
        raise ValueError(
            f"penalty_weights must be a 1-D array of {n_features} non-negative "
            f"finite numbers, got {penalty_weights!r}."
        ) from None
    if raw.dtype.kind not in "biuf" or raw.dtype.kind == "b":
        raise ValueError(
            f"penalty_weights must hold real numbers, got dtype {raw.dtype}."
        )
    if raw.ndim != 1 or raw.shape[0] != n_features:
        raise ValueError(
            f"penalty_weights must have shape ({n_features},) (one weight per "
            f"feature), got shape {raw.shape}."
        )
    weights = raw.astype(np.float64)
    if not np.all(np.isfinite(weights)):
        raise ValueError(
            "penalty_weights must be finite: NaN and infinity are rejected "
            "(to leave a feature out, drop its column)."
        )
    if np.any(weights < 0):
        raise ValueError(
            f"penalty_weights must be non-negative, got {weights.min()!r}."
        )
    penalised = weights > 0
    if not penalised.any():
        raise ValueError(
            "penalty_weights are all zero: nothing would be penalised. Give "
            "some feature a positive weight, or fit with alpha=0 for the "
            "unpenalised model."
        )
    weights = weights * (penalised.sum() / weights.sum())
    if np.all(weights == 1.0):
        return PenaltyWeighting(None, l1_ratio)
    return PenaltyWeighting(np.ascontiguousarray(weights), l1_ratio)


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

    def params(self, alpha, gamma, positive=False, weighting=None, n_features=None):
        """The :class:`PenaltyParams` of one solve with this penalty.

        ``weighting`` (a :class:`PenaltyWeighting`, None for the plain
        penalty) fills the ``weights`` and ``l1_ratio`` slots; ``n_features``
        is needed when it sets ``l1_ratio`` without weights.
        """
        if weighting is None or weighting.is_plain:
            return PenaltyParams(int(self.code), float(alpha), float(gamma),
                                 bool(positive))
        return PenaltyParams(int(self.code), float(alpha), float(gamma),
                             bool(positive), weighting.kernel_weights(n_features),
                             float(weighting.l1_ratio))

    def weighted_value(self, w, alpha, gamma, weighting):
        """The penalty of each coordinate of ``w`` (shape (n_features,))
        under ``weighting``; equals :meth:`value` of ``|w|`` when plain."""
        w = np.asarray(w, dtype=np.float64)
        if weighting is None or weighting.is_plain:
            return self.value(np.abs(w), alpha, gamma)
        a = _as_vector(float(alpha) * weighting.factors(w.shape[0]))
        return _kernel.weighted_value(_as_vector(np.abs(w)), a, self.code,
                                      float(gamma), float(weighting.l1_ratio))

    def weighted_prox(self, u, v, alpha, gamma, weighting, positive=False):
        """``argmin_w v/2 w^2 - u w`` plus coordinate j's weighted penalty,
        for vectors ``u``, ``v`` of shape (n_features,)."""
        u = np.asarray(u, dtype=np.float64)
        v = np.broadcast_to(np.asarray(v, dtype=np.float64), u.shape)
        if weighting is None or weighting.is_plain:
            return self.prox(u, v, alpha, gamma, positive)
        a = _as_vector(float(alpha) * weighting.factors(u.shape[0]))
        return _kernel.weighted_prox(_as_vector(u), _as_vector(v), a, self.code,
                                     float(gamma), float(weighting.l1_ratio),
                                     bool(positive))

    def weighted_subdiff_distance(self, w, grad, alpha, gamma, weighting,
                                  positive=False):
        """:meth:`subdiff_distance` of each coordinate under ``weighting``
        (the ridge part's derivative joins ``grad``; vectors of shape
        (n_features,))."""
        if weighting is None or weighting.is_plain:
            return self.subdiff_distance(w, grad, alpha, gamma, positive)
        w = np.asarray(w, dtype=np.float64)
        a = _as_vector(float(alpha) * weighting.factors(w.shape[0]))
        return _kernel.weighted_kkt_violation(
            _as_vector(w), _as_vector(grad), a, self.code, float(gamma),
            float(weighting.l1_ratio), bool(positive))

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
