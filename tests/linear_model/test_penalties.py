"""The scalar penalty functions of the kernels against closed forms and brute force."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsestat._kernels import _penalties as pa

KINDS = {"l1": 0, "mcp": 1, "scad": 2}


def penalty_reference(t, kind, alpha, gamma):
    t = np.abs(t)
    if kind == "l1":
        return alpha * t
    if kind == "mcp":
        return np.where(t <= gamma * alpha, alpha * t - t**2 / (2 * gamma),
                        gamma * alpha**2 / 2)
    return np.where(
        t <= alpha,
        alpha * t,
        np.where(t <= gamma * alpha,
                 (2 * gamma * alpha * t - t**2 - alpha**2) / (2 * (gamma - 1)),
                 alpha**2 * (gamma + 1) / 2),
    )


def prox_closed_form(u, v, kind, alpha, gamma):
    """The textbook thresholding rules (valid in the convex regime)."""
    a, s = abs(u), np.sign(u)
    if kind == "l1":
        return s * max(a - alpha, 0) / v
    if kind == "mcp":
        if a <= alpha:
            return 0.0
        if a <= v * gamma * alpha:
            return s * (a - alpha) / (v - 1 / gamma)
        return u / v
    if a <= alpha:
        return 0.0
    if a <= alpha * (1 + v):
        return s * (a - alpha) / v
    if a <= v * gamma * alpha:
        return s * (a - gamma * alpha / (gamma - 1)) / (v - 1 / (gamma - 1))
    return u / v


def one_d_objective(w, u, v, kind, alpha, gamma):
    return 0.5 * v * w**2 - u * w + penalty_reference(w, kind, alpha, gamma)


@pytest.mark.parametrize("kind", ["l1", "mcp", "scad"])
def test_value_and_derivative_match_closed_forms(kind):
    t = np.linspace(0, 10, 1001)
    alpha, gamma = 0.7, 3.5
    np.testing.assert_allclose(
        pa.value(t, KINDS[kind], alpha, gamma),
        penalty_reference(t, kind, alpha, gamma),
        rtol=1e-12, atol=1e-12,
    )
    # the derivative agrees with a central finite difference away from kinks
    h = 1e-6
    inner = t[1:-1]
    numeric = (penalty_reference(inner + h, kind, alpha, gamma)
               - penalty_reference(inner - h, kind, alpha, gamma)) / (2 * h)
    kinks = np.minimum(np.abs(inner - alpha), np.abs(inner - gamma * alpha)) < 1e-3
    np.testing.assert_allclose(
        pa.derivative(inner, KINDS[kind], alpha, gamma)[~kinks], numeric[~kinks],
        atol=1e-5,
    )


@settings(max_examples=300, deadline=None)
@given(
    u=st.floats(-20, 20),
    v=st.floats(0.05, 5),
    alpha=st.floats(0.01, 3),
    gamma_excess=st.floats(0.05, 10),
    kind=st.sampled_from(["l1", "mcp", "scad"]),
)
def test_prox_matches_closed_form_in_the_convex_regime(u, v, alpha, gamma_excess, kind):
    # convex regime: v gamma > 1 (MCP), v (gamma - 1) > 1 (SCAD)
    gamma = (1 / v + gamma_excess) if kind == "mcp" else (1 + 1 / v + gamma_excess)
    got = pa.prox(np.array([u]), np.array([v]), KINDS[kind], alpha, gamma, False)[0]
    expected = prox_closed_form(u, v, kind, alpha, gamma)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=400, deadline=None)
@given(
    u=st.floats(-20, 20),
    v=st.floats(0.01, 5),
    alpha=st.floats(0.01, 3),
    gamma=st.floats(2.01, 12),
    kind=st.sampled_from(["l1", "mcp", "scad"]),
    positive=st.booleans(),
)
def test_prox_is_the_global_minimiser_against_brute_force(u, v, alpha, gamma, kind, positive):
    # any v, including the nonconvex regime where the closed forms fail
    got = pa.prox(np.array([u]), np.array([v]), KINDS[kind], alpha, gamma, positive)[0]
    bound = abs(u) / v + gamma * alpha + 1
    grid = np.linspace(0 if positive else -bound, bound, 200_001)
    values = one_d_objective(grid, u, v, kind, alpha, gamma)
    best = values.min()
    scale = 1 + abs(best)
    assert one_d_objective(got, u, v, kind, alpha, gamma) <= best + 1e-7 * scale
    if positive:
        assert got >= 0


@pytest.mark.parametrize("kind", ["l1", "mcp", "scad"])
def test_kkt_violation_is_zero_at_prox_points(kind):
    rng = np.random.default_rng(0)
    u = rng.normal(scale=3, size=200)
    v = np.ones(200)
    alpha, gamma = 0.8, 3.0
    w = pa.prox(u, v, KINDS[kind], alpha, gamma, False)
    # gradient of v/2 w^2 - u w at w is v w - u
    viol = pa.kkt_violation(w, v * w - u, KINDS[kind], alpha, gamma, False)
    np.testing.assert_allclose(viol, 0, atol=1e-12)
    # moving away from the prox point creates a violation
    viol_off = pa.kkt_violation(w + 0.5, v * (w + 0.5) - u, KINDS[kind], alpha,
                                gamma, False)
    assert viol_off.max() > 0.1
