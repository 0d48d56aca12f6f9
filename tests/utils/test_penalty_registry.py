"""Every row of the penalty and datafit registries against brute force.

The tests walk ``PENALTIES`` and ``DATAFITS``: a new row is checked here
without editing this file.
"""

import numpy as np
import pytest

from sparsestat.utils.datafits import DATAFITS, get_datafit
from sparsestat.utils.penalties import PENALTIES, check_gamma, get_penalty

ALPHA = 0.7


def _gammas(spec):
    """Concavities to test: the default and two values above the bound."""
    if not spec.uses_gamma:
        return [3.0]
    return [spec.default_gamma, spec.gamma_min + 0.25, spec.gamma_min + 4.0]


CASES = [(name, gamma) for name, spec in PENALTIES.items() for gamma in _gammas(spec)]


def test_codes_and_names_are_consistent():
    codes = [int(spec.code) for spec in PENALTIES.values()]
    assert len(set(codes)) == len(codes)
    for name, spec in PENALTIES.items():
        assert spec.name == name
        assert get_penalty(name) is spec
    with pytest.raises(ValueError, match="penalty must be one of"):
        get_penalty("no such penalty")


@pytest.mark.parametrize("name", sorted(PENALTIES))
def test_gamma_bounds_and_default(name):
    spec = PENALTIES[name]
    assert spec.gamma_defined <= spec.gamma_min
    if not spec.uses_gamma:
        check_gamma(name, -1.0)
        return
    assert spec.default_gamma > spec.gamma_defined
    with pytest.raises(ValueError, match=f"penalty={name!r}"):
        check_gamma(name, spec.gamma_min)
    for gamma in _gammas(spec):
        if gamma > spec.gamma_min:
            check_gamma(name, gamma)
            factor = spec.strong_rule_factor(gamma)
            assert np.isfinite(factor) and factor >= 1.0
        assert spec.concave_lipschitz(gamma) >= 0.0


@pytest.mark.parametrize("name, gamma", CASES)
def test_value_and_derivative_agree(name, gamma):
    spec = PENALTIES[name]
    t = np.linspace(0.0, 3 * gamma * ALPHA, 2001)
    value = spec.value(t, ALPHA, gamma)
    assert value[0] == 0.0 and np.all(np.diff(value) >= -1e-15)
    deriv = spec.derivative(t, ALPHA, gamma)
    assert deriv[0] == ALPHA and np.all(deriv >= 0) and np.all(deriv <= ALPHA)
    h = 1e-6
    inner = t[1:-1]
    numeric = (spec.value(inner + h, ALPHA, gamma)
               - spec.value(inner - h, ALPHA, gamma)) / (2 * h)
    np.testing.assert_allclose(spec.derivative(inner, ALPHA, gamma), numeric,
                               rtol=0, atol=1e-6)
    # shapes pass through
    assert spec.value(t.reshape(3, -1)[:, :4], ALPHA, gamma).shape == (3, 4)


@pytest.mark.parametrize("name, gamma", CASES)
def test_concave_part_lipschitz(name, gamma):
    spec = PENALTIES[name]
    t = np.linspace(0.0, 3 * gamma * ALPHA, 4001)
    q_prime = spec.derivative(t, ALPHA, gamma) - ALPHA
    slopes = np.abs(np.diff(q_prime)) / np.diff(t)
    assert slopes.max() <= spec.concave_lipschitz(gamma) * (1 + 1e-9) + 1e-12


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("name, gamma", CASES)
def test_prox_is_the_global_minimiser(name, gamma, positive):
    """Against a fine grid, also where the 1-D problem is not convex
    (v gamma <= 1 for MCP, v (gamma - 1) <= 1 for SCAD)."""
    spec = PENALTIES[name]
    grid = np.linspace(-4.0, 4.0, 160_001)
    if positive:
        grid = grid[grid >= 0]
    pen = spec.value(np.abs(grid), ALPHA, gamma)
    for v in (0.1, 1.0 / gamma, 0.5, 1.0, 3.0):
        for u in np.linspace(-3.0, 3.0, 41):
            w = float(spec.prox(u, v, ALPHA, gamma, positive))
            obj = 0.5 * v * w * w - u * w + float(spec.value(abs(w), ALPHA, gamma))
            brute = float(np.min(0.5 * v * grid**2 - u * grid + pen))
            assert obj <= brute + 1e-9, (u, v, w)
            if positive:
                assert w >= 0


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("name, gamma", CASES)
def test_subdiff_distance_vanishes_at_prox_points(name, gamma, positive):
    spec = PENALTIES[name]
    u = np.linspace(-3.0, 3.0, 121)
    for v in (0.5, 1.0, 3.0):
        w = spec.prox(u, v, ALPHA, gamma, positive)
        # gradient of the smooth part v/2 w^2 - u w at its minimiser
        grad = v * w - u
        dist = spec.subdiff_distance(w, grad, ALPHA, gamma, positive)
        np.testing.assert_allclose(dist, 0.0, atol=1e-12)
        moved = spec.subdiff_distance(w + 0.5, v * (w + 0.5) - u, ALPHA, gamma,
                                      positive)
        assert np.all(moved > 0)


DATAFIT_NAMES = sorted(DATAFITS)


def _labels(spec, rng, n):
    if spec.labels is None:
        return rng.normal(size=n)
    return rng.choice(np.asarray(spec.labels), size=n)


def test_datafit_codes_and_names_are_consistent():
    codes = [int(spec.code) for spec in DATAFITS.values()]
    assert len(set(codes)) == len(codes)
    for name, spec in DATAFITS.items():
        assert spec.name == name and get_datafit(name) is spec
    with pytest.raises(ValueError, match="datafit must be one of"):
        get_datafit("no such datafit")


@pytest.mark.parametrize("name", DATAFIT_NAMES)
def test_datafit_derivative_and_curvature(name):
    spec = DATAFITS[name]
    rng = np.random.default_rng(0)
    n = 500
    y = _labels(spec, rng, n)
    eta = rng.normal(scale=3.0, size=n)
    sw = rng.uniform(0.1, 2.0, size=n)
    value = spec.value(y, eta, sw)
    assert np.all(value >= 0)
    h = 1e-6
    numeric = (spec.value(y, eta + h, sw) - spec.value(y, eta - h, sw)) / (2 * h)
    deriv = spec.derivative(y, eta, sw)
    np.testing.assert_allclose(deriv, numeric, rtol=1e-6, atol=1e-8)
    second = (spec.derivative(y, eta + h, sw)
              - spec.derivative(y, eta - h, sw)) / (2 * h)
    assert np.all(second <= spec.curvature_bound * sw * (1 + 1e-5) + 1e-8)
    assert np.all(second >= -1e-8)
