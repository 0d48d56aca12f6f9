"""Accelerated / plain proximal gradient (solve_apg) against references.

References: the working-set CD solver and sklearn's Lasso (quadratic),
sklearn's LogisticRegression (logistic L1) and L-BFGS-B on the smooth
split w = u - v, u, v >= 0 (logistic MCP/SCAD, on problems where the
objective is convex so that the minimiser is unique). Objectives and KKT
violations are recomputed here with numpy from the formulas.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize
from sklearn.linear_model import Lasso, LogisticRegression
from threadpoolctl import threadpool_limits

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model._apg_solver import lipschitz_constant, solve_apg
from sparsestat.linear_model._least_squares import cd_least_squares
from sparsestat.utils._design import center_target, make_design
from tests.linear_model._reference import (
    penalty_derivative_reference as penalty_deriv_np,
)

DAMPINGS = ["tuned", "ghadimi-lan", None]
GAMMA = {"l1": 3.0, "mcp": 3.0, "scad": 3.7}
# logistic MCP/SCAD: gamma large enough for a convex objective on our data
GAMMA_LOGISTIC = {"l1": 3.0, "mcp": 25.0, "scad": 25.0}


# --- formulas, written independently of the kernels ---------------------------
def penalty_np(w, penalty, alpha, gamma):
    t = np.abs(w)
    if penalty == "l1":
        return alpha * t.sum()
    if penalty == "mcp":
        return np.where(t <= gamma * alpha, alpha * t - t**2 / (2 * gamma),
                        gamma * alpha**2 / 2).sum()
    return np.where(
        t <= alpha, alpha * t,
        np.where(t <= gamma * alpha,
                 (2 * gamma * alpha * t - t**2 - alpha**2) / (2 * (gamma - 1)),
                 alpha**2 * (gamma + 1) / 2),
    ).sum()


def loss_and_grad(X, y, sw, w, b, datafit, fit_intercept):
    """(loss, grad_w, grad_b) in float64 from the dense X."""
    X = np.asarray(X, dtype=np.float64)
    if datafit == "quadratic":
        m = sw @ X if fit_intercept else np.zeros(X.shape[1])
        y_c = y - sw @ y if fit_intercept else y
        r = y_c - (X - m) @ w
        return 0.5 * sw @ r**2, -(X - m).T @ (sw * r), 0.0
    z = y * (X @ w + b)
    loss = sw @ np.logaddexp(0, -z)
    g = -sw * y / (1 + np.exp(z))
    return loss, X.T @ g, g.sum()


def objective(X, y, sw, w, b, datafit, fit_intercept, penalty, alpha, gamma):
    loss = loss_and_grad(X, y, sw, w, b, datafit, fit_intercept)[0]
    return loss + penalty_np(w, penalty, alpha, gamma)


def kkt_np(X, y, sw, w, b, datafit, fit_intercept, penalty, alpha, gamma,
           positive=False):
    _, grad, grad_b = loss_and_grad(X, y, sw, w, b, datafit, fit_intercept)
    t = np.abs(w)
    at_zero = np.maximum((-grad if positive else np.abs(grad)) - alpha, 0)
    off_zero = np.abs(grad + np.sign(w) * penalty_deriv_np(t, penalty, alpha, gamma))
    viol = np.where(w == 0, at_zero, off_zero).max()
    if datafit == "logistic" and fit_intercept:
        viol = max(viol, abs(grad_b))
    return viol


# --- problems -----------------------------------------------------------------
def make_problem(datafit, sparse, dtype, n=150, p=12, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    if sparse:
        X *= rng.rand(n, p) < 0.6
    X = np.asfortranarray(X * 1.5)
    coef = np.zeros(p)
    coef[:4] = [1.5, -1.0, 0.8, 0.3]
    z = X @ coef + 0.3
    if datafit == "quadratic":
        y = z + 0.5 * rng.randn(n)
    else:
        y = np.where(rng.rand(n) < 1 / (1 + np.exp(-z)), 1.0, -1.0)
    sw = rng.uniform(0.5, 1.5, n)
    sw /= sw.sum()
    X_fit = sp.csc_matrix(X).astype(dtype) if sparse else X.astype(dtype)
    return X, X_fit, y, sw


def run(X_fit, y, sw, datafit, penalty, alpha, gamma, damping, tol,
        fit_intercept=True, positive=False, max_iter=100_000, **kw):
    dtype = X_fit.dtype
    sw_t = sw.astype(dtype)
    design = make_design(X_fit, sw_t, fit_intercept and datafit == "quadratic")
    if datafit == "quadratic":
        y_t = center_target(y.astype(dtype), sw_t, fit_intercept)[0]
    else:
        y_t = y.astype(dtype)
    w = np.zeros(X_fit.shape[1], dtype=dtype)
    # unit scales: these tests check the absolute KKT violation
    kw.setdefault("kkt_scale", np.ones(X_fit.shape[1], dtype=dtype))
    out = solve_apg(design, y_t, sw_t, w, datafit=datafit,
                    fit_intercept=fit_intercept, penalty=penalty, alpha=alpha,
                    gamma=gamma, positive=positive, damping=damping,
                    max_iter=max_iter, tol=tol, **kw)
    return w, out


def alpha_of(X, y, sw, datafit, frac):
    if datafit == "quadratic":
        y_c = y - sw @ y
        return frac * np.abs((X - sw @ X).T @ (sw * y_c)).max()
    return frac * np.abs(X.T @ (sw * y)).max() / 2


def reference(X, y, sw, datafit, penalty, alpha, gamma, fit_intercept=True,
              positive=False):
    """(w, b, objective) from an independent solver, in float64."""
    n, p = X.shape
    if datafit == "quadratic":
        design = make_design(X, sw, fit_intercept)
        y_c = center_target(y, sw, fit_intercept)[0]
        w = np.zeros(p)
        cd_least_squares(design, y_c, sw, False, w, penalty=penalty,
                            alpha=alpha, gamma=gamma, positive=positive,
                            max_iter=1000, tol=1e-12, kkt_scale=np.ones(p))
        return w, 0.0
    # logistic: L-BFGS-B on w = u - v, u, v >= 0 (and b free); the penalty
    # p(u + v) is differentiable on the orthant with p'(0) = alpha
    def fun(z):
        u, v, b = z[:p], z[p:2 * p], z[-1]
        w = u - v
        loss, grad, grad_b = loss_and_grad(X, y, sw, w, b, "logistic", True)
        t = u + v
        pen = penalty_np(t, penalty, alpha, gamma)
        dp = penalty_deriv_np(t, penalty, alpha, gamma)
        return loss + pen, np.concatenate([grad + dp, -grad + dp,
                                           [grad_b if fit_intercept else 0.0]])
    bounds = [(0, None)] * p + [(0, 0 if positive else None)] * p + [(None, None)]
    res = minimize(fun, np.zeros(2 * p + 1), jac=True, method="L-BFGS-B",
                   bounds=bounds, options=dict(ftol=1e-15, gtol=1e-11, maxiter=10_000))
    return res.x[:p] - res.x[p:2 * p], res.x[-1]


def correlated_problem(datafit, rho):
    """Toeplitz design; logistic with n > p and noisy labels, since on
    separable data the bounded MCP lets |w| grow without limit."""
    if datafit == "quadratic":
        X, y = make_sparse_regression(150, 300, 10, rho=rho, snr=5,
                                      random_state=0)[:2]
    else:
        X, y = make_sparse_regression(200, 60, 10, rho=rho, snr=1,
                                      task="classification", random_state=0)[:2]
        y = 2.0 * y - 1
    return X, y, np.full(X.shape[0], 1 / X.shape[0])


def run_mcp_all(X, y, sw, datafit, alpha, tol, **kw):
    """MCP (gamma 3) with each damping: {damping: solve_apg's output}."""
    outs = {}
    for damping in DAMPINGS:
        outs[damping] = run(X, y, sw, datafit, "mcp", alpha, 3.0, damping, tol,
                            **kw)[1]
        assert outs[damping][2], damping
    return outs


# --- tests --------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("penalty", ["l1", "mcp", "scad"])
@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
def test_matches_reference(datafit, penalty, sparse, dtype):
    X, X_fit, y, sw = make_problem(datafit, sparse, dtype)
    gamma = (GAMMA if datafit == "quadratic" else GAMMA_LOGISTIC)[penalty]
    alpha = alpha_of(X, y, sw, datafit, 0.1)
    if datafit == "quadratic":
        # convex objective, hence a unique minimiser to compare with
        m = sw @ X
        gram = (X - m).T @ ((X - m) * sw[:, None])
        assert np.linalg.eigvalsh(gram)[0] > 1 / (gamma - 1)
    w_ref, b_ref = reference(X, y, sw, datafit, penalty, alpha, gamma)
    f_ref = objective(X, y, sw, w_ref, b_ref, datafit, True, penalty, alpha, gamma)
    tol = 1e-9 if dtype == np.float64 else 1e-4
    rtol = 1e-9 if dtype == np.float64 else 1e-5
    for damping in DAMPINGS:
        w, (n_iter, kkt, converged, b) = run(X_fit, y, sw, datafit, penalty,
                                             alpha, gamma, damping, tol)
        assert w.dtype == dtype
        assert converged and kkt <= tol and n_iter > 0
        w64 = w.astype(np.float64)
        f = objective(X, y, sw, w64, b, datafit, True, penalty, alpha, gamma)
        assert f == pytest.approx(f_ref, rel=rtol, abs=rtol)
        kkt_here = kkt_np(X, y, sw, w64, b, datafit, True, penalty, alpha, gamma)
        # float32: the kernel's own KKT is computed in single precision
        assert kkt_here <= tol * (1.01 if dtype == np.float64 else 2)
        atol = 1e-5 if dtype == np.float64 else 1e-2
        np.testing.assert_allclose(w64, w_ref, atol=atol)


@pytest.mark.parametrize("sparse", [False, True])
def test_l1_matches_sklearn(sparse):
    X, X_fit, y, sw = make_problem("quadratic", sparse, np.float64)
    n = X.shape[0]
    alpha = alpha_of(X, y, sw, "quadratic", 0.05)
    lasso = Lasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(
        X_fit, y, sample_weight=sw * n)
    w, (n_iter, kkt, converged, _) = run(X_fit, y, sw, "quadratic", "l1", alpha,
                                         1.0, "tuned", 1e-10)
    assert converged
    np.testing.assert_allclose(w, lasso.coef_, atol=1e-7)


@pytest.mark.parametrize("sparse", [False, True])
def test_logistic_l1_matches_sklearn(sparse):
    X, X_fit, y, sw = make_problem("logistic", sparse, np.float64)
    n = X.shape[0]
    alpha = alpha_of(X, y, sw, "logistic", 0.1)
    # liblinear would penalise an intercept: compare without one
    clf = LogisticRegression(l1_ratio=1.0, solver="liblinear", C=1 / (n * alpha),
                             fit_intercept=False, tol=1e-12, max_iter=100_000)
    clf.fit(X_fit, y, sample_weight=sw * n)
    w, (n_iter, kkt, converged, b) = run(X_fit, y, sw, "logistic", "l1", alpha,
                                         1.0, "tuned", 1e-10, fit_intercept=False)
    assert converged and b == 0
    f_ref = objective(X, y, sw, clf.coef_.ravel(), 0.0, "logistic", False, "l1",
                      alpha, 1.0)
    f = objective(X, y, sw, w, 0.0, "logistic", False, "l1", alpha, 1.0)
    assert f <= f_ref + 1e-10
    np.testing.assert_allclose(w, clf.coef_.ravel(), atol=1e-5)
    # saga leaves the intercept unpenalised
    clf = LogisticRegression(l1_ratio=1.0, solver="saga", C=1 / (n * alpha),
                             tol=1e-10, max_iter=100_000)
    clf.fit(X, y, sample_weight=sw * n)
    w, (n_iter, kkt, converged, b) = run(X_fit, y, sw, "logistic", "l1", alpha,
                                         1.0, "tuned", 1e-10)
    assert converged
    assert b == pytest.approx(clf.intercept_[0], abs=1e-4)
    np.testing.assert_allclose(w, clf.coef_.ravel(), atol=1e-4)


@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
@pytest.mark.parametrize("penalty", ["l1", "mcp", "scad"])
def test_positive(datafit, penalty):
    X, X_fit, y, sw = make_problem(datafit, False, np.float64, seed=1)
    gamma = (GAMMA if datafit == "quadratic" else GAMMA_LOGISTIC)[penalty]
    alpha = alpha_of(X, y, sw, datafit, 0.05)
    w_ref, b_ref = reference(X, y, sw, datafit, penalty, alpha, gamma, positive=True)
    f_ref = objective(X, y, sw, w_ref, b_ref, datafit, True, penalty, alpha, gamma)
    for damping in DAMPINGS:
        w, (n_iter, kkt, converged, b) = run(X_fit, y, sw, datafit, penalty, alpha,
                                             gamma, damping, 1e-9, positive=True)
        assert converged and np.all(w >= 0) and np.any(w > 0)
        # the unconstrained solution has negative entries: the constraint binds
        assert kkt_np(X, y, sw, w, b, datafit, True, penalty, alpha, gamma) > 1e-3
        assert kkt_np(X, y, sw, w, b, datafit, True, penalty, alpha, gamma,
                      positive=True) <= 1.01e-9
        f = objective(X, y, sw, w, b, datafit, True, penalty, alpha, gamma)
        assert f == pytest.approx(f_ref, rel=1e-9)


@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
def test_objective_traces(datafit):
    X, y, sw = correlated_problem(datafit, rho=0.8)
    alpha = alpha_of(X, y, sw, datafit, 0.1)
    traces = {}
    for damping, (n_iter, _, _, _, trace) in run_mcp_all(
            X, y, sw, datafit, alpha, 1e-8, return_trace=True).items():
        assert trace.shape == (n_iter + 1,)
        traces[damping] = trace
    # proximal gradient with step 1/L is a descent method
    assert np.all(np.diff(traces[None]) <= 1e-12 * abs(traces[None][0]))
    # tuned: restarted right after any increase, and the restart step descends
    up = np.diff(traces["tuned"]) > 1e-12 * abs(traces["tuned"][0])
    assert not np.any(up[:-1] & up[1:])
    # (p > n: the three may stop at different stationary points, so their
    # final objectives are not compared)
    for trace in traces.values():
        assert trace[-1] < trace[0]


@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
def test_tuned_needs_fewer_steps_on_correlated_design(datafit):
    X, y, sw = correlated_problem(datafit, rho=0.9)
    alpha = alpha_of(X, y, sw, datafit, 0.1)
    n_iter = {damping: out[0] for damping, out in
              run_mcp_all(X, y, sw, datafit, alpha, 1e-6).items()}
    assert n_iter["tuned"] < n_iter["ghadimi-lan"]
    assert n_iter["tuned"] < n_iter[None]


def test_warm_start_at_solution_takes_no_step():
    X, X_fit, y, sw = make_problem("logistic", False, np.float64)
    alpha = alpha_of(X, y, sw, "logistic", 0.1)
    design = make_design(X, sw, False)
    w = np.zeros(X.shape[1])
    kw = dict(datafit="logistic", penalty="mcp", alpha=alpha, gamma=25.0,
              positive=False, max_iter=10_000, tol=1e-8)
    _, _, converged, b = solve_apg(design, y, sw, w, **kw)
    assert converged
    w_before = w.copy()
    n_iter, kkt, converged, b2 = solve_apg(design, y, sw, w, intercept=b, **kw)
    assert n_iter == 0 and converged and b2 == b
    np.testing.assert_array_equal(w, w_before)


def test_max_iter_reached():
    X, X_fit, y, sw = make_problem("quadratic", False, np.float64)
    alpha = alpha_of(X, y, sw, "quadratic", 0.01)
    w, (n_iter, kkt, converged, _) = run(X_fit, y, sw, "quadratic", "mcp", alpha,
                                         3.0, "ghadimi-lan", 1e-12, max_iter=5)
    assert n_iter == 5 and not converged and kkt > 1e-12 and np.isfinite(w).all()


def test_constant_column_held_at_zero():
    X, X_fit, y, sw = make_problem("quadratic", False, np.float64)
    X_fit = np.asfortranarray(np.column_stack([X_fit, np.full(X.shape[0], 2.0)]))
    w, (n_iter, kkt, converged, _) = run(X_fit, y, sw, "quadratic", "mcp", 0.0,
                                         3.0, "tuned", 1e-8)
    assert converged and w[-1] == 0
    X0 = X_fit[:, :-1]
    np.testing.assert_allclose(w[:-1], np.linalg.lstsq(
        (X0 - sw @ X0) * np.sqrt(sw)[:, None], (y - sw @ y) * np.sqrt(sw),
        rcond=None)[0], atol=1e-6)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
@pytest.mark.parametrize("shape", [(40, 30), (320, 310)])
def test_lipschitz_constant(datafit, sparse, shape):
    rng = np.random.RandomState(0)
    X = rng.randn(*shape) * (rng.rand(*shape) < 0.5) + 0.3
    sw = rng.uniform(0.5, 1.5, shape[0])
    sw /= sw.sum()
    X_fit = sp.csc_matrix(X) if sparse else np.asfortranarray(X)
    design = make_design(X_fit, sw, True)
    L = lipschitz_constant(design, sw, datafit=datafit, fit_intercept=True)
    if datafit == "quadratic":
        A = X - sw @ X
    else:
        # the intercept's column of ones is scaled like the columns of X
        kappa = np.sqrt(np.mean(sw @ X**2))
        A = np.column_stack([X, np.full(shape[0], kappa)]) / 2
    # one BLAS thread: threaded eigvalsh crawls on a busy machine
    with threadpool_limits(limits=1):
        expected = np.linalg.eigvalsh(A.T @ (A * sw[:, None]))[-1]
    assert expected * (1 - 1e-12) <= L <= expected * (1 + 1e-5)


def test_bad_names():
    X, X_fit, y, sw = make_problem("quadratic", False, np.float64)
    for kw, name in [({"datafit": "hinge"}, "datafit"),
                     ({"damping": "nesterov"}, "damping"),
                     ({"penalty": "lasso"}, "penalty"),
                     ({"gamma": 1.0, "penalty": "scad"}, "gamma"),
                     ({"gamma": 0.0}, "gamma"), ({"alpha": -1.0}, "alpha"),
                     ({"alpha": np.nan}, "alpha"), ({"tol": -1.0}, "tol"),
                     ({"max_iter": -1}, "max_iter"), ({"max_iter": 2.5}, "max_iter"),
                     ({"datafit": "logistic"}, "labels")]:
        args = dict(datafit="quadratic", penalty="mcp", alpha=0.1, gamma=3.0,
                    damping="tuned")
        args.update(kw)
        args.setdefault("tol", 1e-6)
        with pytest.raises(ValueError, match=name):
            run(X_fit, y, sw, **args)
