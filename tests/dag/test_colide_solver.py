"""The pieces of the CoLiDE solver against independent references."""

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar

from sparsestat._kernels._colide import StageStatus, fista_stage, lu_nopivot
from sparsestat.dag._solver import _Point, _Problem, noise_scales_and_score, solve_stage
from sparsestat.datasets import make_dag, sample_linear_sem


def _data(d=6, seed=0):
    W = make_dag(d, edges_per_node=1.5, random_state=seed)
    X = sample_linear_sem(W, 300, noise_scale=np.linspace(0.5, 2, d), random_state=seed)
    Xc = X - X.mean(axis=0)
    return W, Xc.T @ Xc / len(Xc)


def _random_feasible(d, rng, s, radius=0.6):
    """A W with zero diagonal and spectral radius(W∘W) = radius * s."""
    W = rng.standard_normal((d, d))
    np.fill_diagonal(W, 0.0)
    rho = np.max(np.abs(np.linalg.eigvals(W * W)))
    return W * np.sqrt(radius * s / rho)


def _joint_score(W, C, sigma, equal):
    R = (np.eye(len(C)) - W).T @ C @ (np.eye(len(C)) - W)
    if equal:
        return np.trace(R) / (2 * sigma) + len(C) * sigma / 2
    return np.sum(np.diag(R) / (2 * sigma) + sigma / 2)


def _h(W, s):
    sign, logdet = np.linalg.slogdet(s * np.eye(len(W)) - W * W)
    return -logdet + len(W) * np.log(s)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("d", [12, 100])  # unblocked and blocked (trsm/gemm) paths
@pytest.mark.parametrize("seed", range(3))
def test_lu_nopivot_logdet_and_mmatrix_test(seed, d, dtype):
    # (threadpoolctl ships with scikit-learn) threaded BLAS on small
    # matrices only oversubscribes a shared machine
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        _check_lu(seed, d, dtype)


def _check_lu(seed, d, dtype):
    rng = np.random.default_rng(seed)
    s = 1.0
    for radius, inside in [(0.5, True), (0.99, True), (1.01, False), (3.0, False)]:
        W = _random_feasible(d, rng, s, radius)
        A = np.asfortranarray(s * np.eye(d) - W * W, dtype=dtype)
        n_positive, logdet = lu_nopivot(A.copy(order="F"))
        assert (n_positive == d) == inside
        if inside:
            atol = 1e-3 if dtype == np.float32 else 1e-9
            np.testing.assert_allclose(logdet, np.linalg.slogdet(A)[1], atol=atol)
            # the factors reproduce A
            lu = A.copy(order="F")
            lu_nopivot(lu)
            L = np.tril(lu, -1) + np.eye(d)
            np.testing.assert_allclose(
                L @ np.triu(lu), A, atol=1e-4 if dtype == np.float32 else 1e-10
            )


@pytest.mark.parametrize("equal", [True, False])
def test_closed_form_scales_minimise_the_joint_score(equal):
    rng = np.random.default_rng(0)
    _, C = _data()
    W = 0.3 * rng.standard_normal(C.shape)
    np.fill_diagonal(W, 0.0)
    sigma, score = noise_scales_and_score(C, W, equal, 1e-8)
    np.testing.assert_allclose(score, _joint_score(W, C, sigma, equal), rtol=1e-12)
    if equal:
        best = minimize_scalar(lambda t: _joint_score(W, C, t, True),
                               bounds=(1e-3, 50), method="bounded",
                               options={"xatol": 1e-10})
        np.testing.assert_allclose(sigma, best.x, rtol=1e-5)
    else:
        best = minimize(lambda t: _joint_score(W, C, t, False), np.ones(len(C)),
                        bounds=[(1e-3, 50)] * len(C), method="L-BFGS-B",
                        options={"ftol": 1e-14, "gtol": 1e-12})
        np.testing.assert_allclose(sigma, best.x, rtol=1e-4)
        # NV closed form: sigma_j = sqrt([(I-W)^T C (I-W)]_jj)
        R = (np.eye(len(C)) - W).T @ C @ (np.eye(len(C)) - W)
        np.testing.assert_allclose(sigma, np.sqrt(np.diag(R)), rtol=1e-12)


def test_scales_are_floored():
    _, C = _data()
    # W that explains nothing: the residual is C itself; a huge floor binds
    W = np.zeros_like(C)
    sigma, _ = noise_scales_and_score(C, W, False, 1e3)
    assert np.all(sigma == 1e3)


@pytest.mark.parametrize("noise", ["equal", "nonequal"])
def test_gradient_matches_finite_differences(noise):
    rng = np.random.default_rng(1)
    _, C = _data()
    d = len(C)
    problem = _Problem(C, noise, alpha=0.0, sigma_min=1e-8)
    problem.mu, problem.s = 0.7, 1.0
    W = _random_feasible(d, rng, problem.s, 0.5)
    point = _Point(W, C @ W, problem)
    grad = point.gradient_and_metric(problem)[0]

    def smooth(V):
        p = _Point(V, C @ V, problem)
        return p.smooth

    eps = 1e-6
    numeric = np.zeros_like(W)
    for i in range(d):
        for j in range(d):
            if i == j:
                continue
            E = np.zeros_like(W)
            E[i, j] = eps
            numeric[i, j] = (smooth(W + E) - smooth(W - E)) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)
    # and the smooth part is mu * (profiled score) + h_s with the independent formulas
    sigma = point.sigma
    expected = 0.7 * _joint_score(W, C, sigma, noise == "equal") + _h(W, 1.0)
    np.testing.assert_allclose(point.smooth, expected, rtol=1e-10)


def test_h_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    d, s = 5, 0.8
    W = _random_feasible(d, rng, s, 0.7)
    M_inv = np.linalg.inv(s * np.eye(d) - W * W)
    grad = 2 * W * M_inv.T
    eps = 1e-6
    for i in range(d):
        for j in range(d):
            E = np.zeros_like(W)
            E[i, j] = eps
            numeric = (_h(W + E, s) - _h(W - E, s)) / (2 * eps)
            np.testing.assert_allclose(grad[i, j], numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("seed", range(5))
def test_h_is_zero_exactly_on_dags(seed):
    rng = np.random.default_rng(seed)
    C = np.eye(6)
    problem = _Problem(C, "equal", 0.0, 1e-8)
    problem.s = 0.9
    dag = make_dag(6, edges_per_node=2, random_state=seed)
    point = _Point(dag, C @ dag, problem)
    # h_s(W) = 0 on a DAG, whatever the weights (W∘W is nilpotent)
    assert point.feasible
    np.testing.assert_allclose(point.h, 0.0, atol=1e-10)
    cyclic = _random_feasible(6, rng, problem.s, 0.5)
    point = _Point(cyclic, C @ cyclic, problem)
    assert point.feasible and point.h > 1e-6


def test_infeasible_points_are_detected():
    C = np.eye(3)
    problem = _Problem(C, "equal", 0.0, 1e-8)
    problem.s = 1.0
    W = np.array([[0.0, 2.0, 0.0], [0.9, 0.0, 0.0], [0.0, 0.0, 0.0]])
    # W∘W has spectral radius sqrt(4 * 0.81) = 1.8 > s
    assert not _Point(W, C @ W, problem).feasible
    assert _Point(W / 2, C @ W / 2, problem).feasible


@pytest.mark.parametrize("noise", ["equal", "nonequal"])
def test_stage_reaches_a_stationary_point(noise):
    """At the solution of one stage, -grad is in the subdifferential of mu*alpha*|W|."""
    _, C = _data(d=6, seed=3)
    problem = _Problem(C, noise, alpha=0.05, sigma_min=1e-8)
    problem.mu, problem.s = 0.5, 1.0
    start = _Point(np.zeros_like(C), np.zeros_like(C), problem)
    point, n_iter, converged, _ = solve_stage(problem, start, 20000, 1e-14, 1.0)
    assert converged
    grad = point.gradient_and_metric(problem)[0]
    lam = problem.mu * problem.alpha
    off = ~np.eye(len(C), dtype=bool)
    W = point.W
    nz = (W != 0) & off
    np.testing.assert_allclose(grad[nz], -lam * np.sign(W[nz]), atol=1e-5)
    assert np.all(np.abs(grad[~nz & off]) <= lam + 1e-5)


def test_huge_initial_step_stays_in_the_domain():
    """The line search shrinks any step that leaves {rho(W∘W) < s}."""
    _, C = _data(d=8, seed=4)
    problem = _Problem(C * 100, "equal", alpha=0.0, sigma_min=1e-8)
    problem.mu, problem.s = 10.0, 0.2
    start = _Point(np.zeros_like(C), np.zeros_like(C), problem)
    point, _, _, _ = solve_stage(problem, start, 200, 1e-8, 1e6)
    assert point.feasible
    assert np.all(np.isfinite(point.W))
    assert np.max(np.abs(np.linalg.eigvals(point.W * point.W))) < 0.2


@pytest.mark.parametrize("noise", ["equal", "nonequal"])
def test_products_are_current_after_trials_outside_the_domain(noise):
    """The kernel carries ``C @ W`` along with ``W`` (extrapolated, or one
    gemm per trial): after a huge first step, which makes the line search
    leave the domain repeatedly, the returned product is that of the
    returned iterate, and the iterate is inside the domain."""
    _, C = _data(d=8, seed=4)
    problem = _Problem(C * 100, noise, alpha=0.01, sigma_min=1e-8)
    problem.mu, problem.s = 10.0, 0.2
    start = _Point(np.zeros_like(C), np.zeros_like(C), problem)
    for n_iter in (1, 2, 5, 50):
        W, CW, done, _, _ = fista_stage(
            problem.C, problem.s, problem.mu, problem.mu * problem.alpha,
            problem.equal, problem.sigma_min, start.W, start.CW, n_iter, 0.0,
            1e6, 1.1)
        assert done == n_iter and np.any(W != 0)
        np.testing.assert_allclose(CW, problem.C @ W, rtol=1e-12, atol=1e-12)
        point = _Point(W, problem.C @ W, problem)
        assert point.feasible


@pytest.mark.parametrize("noise", ["equal", "nonequal"])
def test_estimator_scales_and_score_are_the_solvers(noise):
    """noise_scale_, score(X) and the stage objective share one implementation:
    at the training data they agree to the last bit."""
    from sparsestat.dag import CoLiDE

    W, X = _sem_data(seed=5)
    est = CoLiDE(noise=noise).fit(X)
    Xc = X - est.mean_
    C = Xc.T @ Xc / len(Xc)
    equal = noise == "equal"
    sigma, score = noise_scales_and_score(C, est.coef_, equal, est._sigma_min)
    np.testing.assert_array_equal(np.atleast_1d(est.noise_scale_), sigma)
    assert est.score(X) == -score
    problem = _Problem(C, noise, alpha=0.0, sigma_min=est._sigma_min)
    problem.s = 1.0
    point = _Point(est.coef_, C @ est.coef_, problem)
    np.testing.assert_array_equal(point.sigma, sigma)
    assert point.score == score


def _sem_data(seed):
    W = make_dag(7, edges_per_node=1.5, random_state=seed)
    return W, sample_linear_sem(W, 400, noise_scale=np.linspace(0.5, 2, 7),
                                random_state=seed)


def test_stage_statuses_are_the_kernel_enum():
    _, C = _data(d=5, seed=6)
    problem = _Problem(C, "equal", alpha=0.05, sigma_min=1e-8)
    problem.mu, problem.s = 1.0, 1.0
    start = _Point(np.zeros_like(C), np.zeros_like(C), problem)
    W, CW, _, status, _ = fista_stage(
        problem.C, 1.0, 1.0, 0.05, True, 1e-8, start.W, start.CW, 10**5, 1e-10, 1.0,
        1.1)
    assert status == StageStatus.CONVERGED
    *_, status, _ = fista_stage(
        problem.C, 1.0, 1.0, 0.0, True, 1e-8, start.W, start.CW, 1, 0.0, 1.0, 1.1)
    assert status == StageStatus.MAX_ITER_REACHED
    outside = np.asfortranarray(np.full_like(C, 2.0) - 2.0 * np.eye(len(C)))
    *_, status, _ = fista_stage(
        problem.C, 1.0, 1.0, 0.0, True, 1e-8, outside,
        np.asfortranarray(problem.C @ outside), 10, 0.0, 1.0, 1.1)
    assert status == StageStatus.INFEASIBLE_START
    start = _Point(outside, C @ outside, problem)
    assert not start.feasible
    with pytest.raises(ValueError, match="inside the domain"):
        solve_stage(problem, start, 10, 0.0, 1.0)
