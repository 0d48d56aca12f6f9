"""Each global 1-D solver against a brute-force minimisation on a dense grid."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sparsestat._kernels._fractional import Solver, fisher_step_1d, recovery_step_1d

PCD, FCD = Solver.SOLVER_PCD, Solver.SOLVER_FCD
GRID = 40001
finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
positive = st.floats(1e-2, 10, allow_nan=False, allow_infinity=False)
nonneg = st.floats(0, 10, allow_nan=False, allow_infinity=False)


def recovery_objective(z, xi, b, a, alpha, F, s_km1, kth, c0, solver):
    """The 1-D objective written directly from DESIGN section 6."""
    t = z - xi
    model = b * t + 0.5 * a * t**2 + alpha * np.abs(z)
    topk = s_km1 + np.maximum(np.abs(z), kth)
    # a tiny denominator overflows to inf: an objective no minimiser takes
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if solver == PCD:
            value = model - alpha * F * topk
        else:
            value = (c0 + model) / (alpha * topk)
    return np.where(topk > 0, value, np.inf)


def fisher_objective(z, xi, b, a, alpha, F, q, e, n0, solver):
    t = z - xi
    model = b * t + 0.5 * a * t**2 + alpha * np.abs(z)
    den = (q + e * t) ** 2
    if solver == PCD:
        return model - F * den
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(den > 0, (n0 + model) / den, np.inf)


def assert_global(objective, z, bound, args, scale):
    assert -bound <= z <= bound
    grid = np.linspace(-bound, bound, GRID)
    values = objective(grid, *args)
    best_grid = np.min(values[np.isfinite(values)])
    value = objective(np.array([z]), *args)[0]
    # the solver's point is feasible and at least as good as every grid point
    assert value <= best_grid + 1e-9 * max(1.0, abs(best_grid), scale)


@settings(max_examples=150, deadline=None)
@given(
    xi=finite, b=finite, a=positive, alpha=positive,
    extra=nonneg, s_km1=nonneg, kth=nonneg, slack=nonneg,
    bound=positive, solver=st.sampled_from([PCD, FCD]),
)
def test_recovery_step_is_global(xi, b, a, alpha, extra, s_km1, kth, slack,
                                 bound, solver):
    xi = float(np.clip(xi, -bound, bound))
    topk = s_km1 + max(abs(xi), kth)
    assume(topk > 1e-3)  # g(x) > 0 at the current point
    # c0 = loss + alpha (||x||_1 - |x_i|), with loss + b t + a t^2 / 2 >= 0
    # for all t and the other coordinates' L1 norm >= s_km1 + kth
    c0 = b**2 / (2 * a) + slack + alpha * (s_km1 + kth + extra)
    F = (c0 + alpha * abs(xi)) / (alpha * topk)
    assert F >= 1 - 1e-12
    args = (xi, b, a, alpha, F, s_km1, kth, c0, solver)
    z = recovery_step_1d(xi, b, a, alpha, F, s_km1, kth, c0, bound, solver)
    assert_global(recovery_objective, z, bound, args, abs(b) + a + alpha * F)


@settings(max_examples=150, deadline=None)
@given(
    xi=finite, b=finite, a=positive, alpha=positive,
    q=finite, e=finite, slack=nonneg, bound=positive,
    solver=st.sampled_from([PCD, FCD]),
)
def test_fisher_step_is_global(xi, b, a, alpha, q, e, slack, bound, solver):
    xi = float(np.clip(xi, -bound, bound))
    assume(abs(q) > 1e-2)  # g(x) = q^2 > 0 at the current point
    n0 = b**2 / (2 * a) + slack
    F = (n0 + alpha * abs(xi)) / q**2
    args = (xi, b, a, alpha, F, q, e, n0, solver)
    z = fisher_step_1d(xi, b, a, alpha, F, q, e, n0, bound, solver)
    assert_global(fisher_objective, z, bound, args, abs(b) + a + F * (q**2 + e**2))


def test_recovery_step_finds_far_outer_minimum():
    # PCD on an outer piece: tau > alpha pulls |z| up to the box end
    args = (0.1, 0.0, 1.0, 1.0, 3.0, 0.5, 0.2, 1.0)
    z = recovery_step_1d(*args, 5.0, PCD)
    grid = np.linspace(-5, 5, 100001)
    values = recovery_objective(grid, *args, PCD)
    assert abs(abs(z) - abs(grid[np.argmin(values)])) < 1e-3
    assert abs(z) > 1.0


def test_step_stays_when_current_point_is_optimal():
    # at xi = 0 with |b| < alpha and F = 1 close to the inner kink, z = 0 is best
    z = recovery_step_1d(0.0, 0.1, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 5.0, PCD)
    assert z == 0.0
