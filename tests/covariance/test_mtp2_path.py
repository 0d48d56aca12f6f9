"""mtp2_path: every point equals a separate cold fit, order and bad input."""

import re

import numpy as np
import pytest
from sklearn.covariance import empirical_covariance
from sklearn.exceptions import ConvergenceWarning

from sparsestat.covariance import mtp2_graphical_model, mtp2_path
from sparsestat.covariance._path import _alpha_grid
from sparsestat.datasets import make_mtp2_precision


def _emp_cov(p=12, n=60, graph="BA", diag_dominant=False, seed=0):
    T = make_mtp2_precision(p, graph=graph, diag_dominant=diag_dominant,
                            random_state=seed)
    rng = np.random.default_rng(seed)
    X = rng.multivariate_normal(np.zeros(p), np.linalg.inv(T), size=n,
                                method="cholesky")
    return empirical_covariance(X)


def _objective(T, S, weights):
    return -np.linalg.slogdet(T)[1] + np.sum(T * S) + np.sum(weights * np.abs(T))


def _gradient_violation(T, S, weights):
    """Scale-free KKT violation of an M-matrix stage, from first principles:
    free entries stationary, zero entries with a gradient pointing inside."""
    G = S - weights - np.linalg.inv(T)
    zero = (T == 0) & ~np.eye(T.shape[0], dtype=bool)
    viol = np.where(zero, np.maximum(G, 0), np.abs(G))
    d = np.sqrt(np.diag(T))
    return float(np.max(viol * d[:, None] * d[None, :]))


@pytest.mark.parametrize("constraint", ["m_matrix", "diag_dominant"])
@pytest.mark.parametrize("solver", ["newton", "pg"])
def test_first_stage_points_equal_cold_fits(constraint, solver):
    # the weighted L1 stage is convex: the warm start changes nothing but
    # the work
    S = _emp_cov(diag_dominant=constraint == "diag_dominant", seed=1)
    alphas = _alpha_grid(S, 6)
    # projected gradient through the iterative DD projection stalls near
    # 1e-8 (as in test_mtp2.py): ask each solver for what it reaches
    tol = {"newton": 1e-10, "pg": 1e-8}[solver]
    if (solver, constraint) == ("pg", "diag_dominant"):
        tol = 1e-7
    kw = dict(constraint=constraint, penalty="l1", solver=solver, tol=tol,
              max_iter=50000)
    precisions, covariances, n_iter, stop_crit = mtp2_path(S, alphas, **kw)
    assert precisions.shape == covariances.shape == (6, 12, 12)
    assert [len(it) for it in n_iter] == [1] * 6
    assert np.all(stop_crit <= tol)
    for k, alpha in enumerate(alphas):
        T, C, _, _, weights = mtp2_graphical_model(S, alpha, **kw)
        f_path = _objective(precisions[k], S, weights)
        f_cold = _objective(T, S, weights)
        assert abs(f_path - f_cold) <= 10 * tol * abs(f_cold)
        np.testing.assert_allclose(precisions[k], T, atol=1e-4 * np.abs(T).max())
        np.testing.assert_allclose(covariances[k] @ precisions[k], np.eye(12),
                                   atol=1e-8)


@pytest.mark.parametrize("penalty", ["mcp", "scad"])
def test_adaptive_points_equal_cold_fits(penalty):
    # the later stages depend on the previous stage's estimate, which the
    # warm start moves within the tolerance: the cold fit's final weights
    # define the same convex problem, which the path's point must solve
    S = _emp_cov(p=15, n=80, graph="grid", seed=2)
    alphas = _alpha_grid(S, 5)[1:]
    kw = dict(penalty=penalty, n_stages=4, tol=1e-10)
    precisions, _, n_iter, stop_crit = mtp2_path(S, alphas, **kw)
    assert [len(it) for it in n_iter] == [4] * 4
    for k, alpha in enumerate(alphas):
        T, _, _, _, weights = mtp2_graphical_model(S, alpha, **kw)
        f_path = _objective(precisions[k], S, weights)
        f_cold = _objective(T, S, weights)
        assert abs(f_path - f_cold) <= 1e-9 * abs(f_cold)
        assert _gradient_violation(precisions[k], S, weights) < 1e-7
        np.testing.assert_allclose(precisions[k], T, atol=1e-6 * np.abs(T).max())
        # same graph
        np.testing.assert_array_equal(precisions[k] != 0, T != 0)


def test_warm_starts_save_first_stage_iterations():
    S = _emp_cov(p=30, n=150, seed=3)
    alphas = _alpha_grid(S, 10)
    _, _, n_iter, _ = mtp2_path(S, alphas, penalty="l1")
    cold = [mtp2_graphical_model(S, a, penalty="l1")[2][0] for a in alphas]
    assert sum(it[0] for it in n_iter) < sum(cold)


def test_results_follow_the_callers_order():
    S = _emp_cov(seed=4)
    grid = _alpha_grid(S, 5)
    sorted_path = mtp2_path(S, grid)
    order = [3, 0, 4, 1, 2]
    shuffled = mtp2_path(S, grid[order])
    np.testing.assert_allclose(shuffled[0], sorted_path[0][order], atol=1e-10)
    np.testing.assert_allclose(shuffled[1], sorted_path[1][order], atol=1e-8)
    np.testing.assert_allclose(shuffled[3], sorted_path[3][order])
    assert shuffled[2] == [sorted_path[2][k] for k in order]
    # repeated values, and an integer: the automatic decreasing grid
    twice = mtp2_path(S, [grid[2], grid[2]])[0]
    np.testing.assert_allclose(twice[0], twice[1])
    automatic = mtp2_path(S, 5)
    np.testing.assert_allclose(automatic[0], sorted_path[0])
    # alpha above max_ij S_ij removes every edge
    off = ~np.eye(12, dtype=bool)
    assert np.all(sorted_path[0][0][off] == 0)


def test_convergence_warning_names_alpha():
    S = _emp_cov(seed=0)
    with pytest.warns(ConvergenceWarning, match=r"stage 1 at alpha=0\.05"):
        precisions, *_ = mtp2_path(S, [0.05], penalty="l1", max_iter=1, tol=1e-12)
    np.linalg.cholesky(precisions[0])


def test_progress_bar_over_alphas(monkeypatch, capsys):
    monkeypatch.setenv("SPARSESTAT_PROGRESS", "plain")
    S = _emp_cov(seed=0)
    mtp2_path(S, [0.3, 0.05, 0.1], verbose=1)
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 3 and lines[-1].startswith("[MTP2 path]")
    assert "3/3 alphas" in lines[-1]
    # solved in decreasing order: the last is the smallest
    assert re.search(r"alpha=0\.05, iters=\d+, kkt=[\d.e+-]+$", lines[-1])


@pytest.mark.parametrize(
    "emp_cov, alphas, kwargs, error, match",
    [
        (None, [], {}, ValueError, "alphas"),
        (None, [0.1, -0.1], {}, ValueError, "alphas"),
        (None, [0.1, np.nan], {}, ValueError, "alphas"),
        (None, [np.inf], {}, ValueError, "alphas"),
        (None, 0, {}, ValueError, "alphas"),
        (None, "many", {}, TypeError, "alphas"),
        (np.ones((3, 4)), [0.1], {}, ValueError, "emp_cov.*square"),
        (np.ones(3), [0.1], {}, ValueError, "emp_cov.*square"),
        ([[1.0, np.nan], [np.nan, 1.0]], [0.1], {}, ValueError, "emp_cov.*finite"),
        ([[1.0, 0.5], [0.2, 1.0]], [0.1], {}, ValueError, "emp_cov.*symmetric"),
        ([[1.0, 0.0], [0.0, 0.0]], [0.1], {}, ValueError, "emp_cov.*diagonal"),
        (None, [0.1], {"constraint": "box"}, ValueError, "constraint"),
        (None, [0.1], {"penalty": "lasso"}, ValueError, "penalty"),
        (None, [0.1], {"gamma": 0.0}, ValueError, "gamma"),
        (None, [0.1], {"penalty": "scad", "gamma": 2.0}, ValueError, "gamma"),
        (None, [0.1], {"gamma": np.inf}, ValueError, "gamma"),
        (None, [0.1], {"n_stages": 0}, ValueError, "n_stages"),
        (None, [0.1], {"max_iter": -1}, ValueError, "max_iter"),
        (None, [0.1], {"tol": -1.0}, ValueError, "tol"),
        (None, [0.1], {"tol": np.nan}, ValueError, "tol"),
        (None, [0.1], {"solver": "cd"}, ValueError, "solver"),
    ],
)
def test_bad_input(emp_cov, alphas, kwargs, error, match):
    S = _emp_cov(p=4, n=30) if emp_cov is None else emp_cov
    with pytest.raises(error, match=match):
        mtp2_path(S, alphas, **kwargs)


@pytest.mark.parametrize("alphas, gammas", [(4, None), ([0.3, 0.02, 0.1, 0.05], [1.5, 3.0])])
def test_cv_equals_brute_force_cold_fits(alphas, gammas):
    # every candidate the CV scored (grid and refinements) re-scored from
    # independent cold fits on each fold's training rows
    from sklearn.covariance import log_likelihood
    from sklearn.model_selection import KFold

    from sparsestat.covariance import MTP2GraphicalModelCV

    p, n = 8, 120
    T = make_mtp2_precision(p, graph="grid", random_state=7)
    rng = np.random.default_rng(7)
    X = rng.multivariate_normal(np.zeros(p), np.linalg.inv(T), size=n,
                                method="cholesky")
    cv = KFold(3, shuffle=True, random_state=0)
    model = MTP2GraphicalModelCV(alphas=alphas, n_refinements=2, gammas=gammas,
                                 cv=cv, tol=1e-10).fit(X)
    results = model.cv_results_
    brute = np.empty((3, len(results["alphas"])))
    for k, (train, test) in enumerate(cv.split(X)):
        location = X[train].mean(axis=0)
        S = empirical_covariance(X[train] - location, assume_centered=True)
        S_test = empirical_covariance(X[test] - location, assume_centered=True)
        for j, (alpha, gamma) in enumerate(zip(results["alphas"], results["gammas"])):
            precision = mtp2_graphical_model(S, alpha, gamma=gamma, tol=1e-10)[0]
            brute[k, j] = log_likelihood(S_test, precision)
    for k in range(3):
        np.testing.assert_allclose(results[f"split{k}_test_score"], brute[k],
                                   rtol=1e-9)
    # the selection maximises the brute-force mean score; candidates with the
    # same support can tie to rounding (MCP's final stage leaves edges above
    # gamma * alpha unpenalised, so nearby alphas give one estimate)
    mean = brute.mean(axis=0)
    chosen = np.flatnonzero((results["alphas"] == model.alpha_)
                            & (results["gammas"] == model.gamma_))
    assert chosen.size == 1
    assert mean[chosen[0]] >= mean.max() - 1e-9 * abs(mean.max())
