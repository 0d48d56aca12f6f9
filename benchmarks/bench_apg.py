"""Accelerated gradient dampings against proximal gradient (the seed's comparison).

MCP least squares (gamma = 3) on the seed paper's simulated design: Toeplitz
correlation rho in {0.1, 0.5, 0.9}, n = 1000 samples, p = 2050 features, 50
non-zero coefficients, SNR 5, alpha = 0.1 alpha_max, intercept fitted. For
each design the three solvers (tuned damping, Ghadimi-Lan damping, proximal
gradient) first run to a KKT violation of 1e-9 (or 50,000 steps) recording
the objective after every step. The target is the best objective any of
them found plus 1e-6 of its magnitude; the table gives the gradient steps
each needed to get there and the time of a run stopped after exactly that
many steps (best of three). A solver whose run ends at another stationary
point (the problem is nonconvex) and never meets the target is marked
"not reached".

Run: ``python benchmarks/bench_apg.py`` (about 40 s; BLAS pinned to one
thread). Writes ``benchmarks/results/linear_model_apg.md``.
"""

import contextlib
import io
import pathlib
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

HERE = pathlib.Path(__file__).resolve().parent
# the benchmark helpers, and the in-place build of the worktree
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _common import machine_line, markdown_table  # noqa: E402

from sparsestat.datasets import make_sparse_regression  # noqa: E402
from sparsestat.linear_model import NonconvexLasso  # noqa: E402
from sparsestat.utils.penalties import get_penalty  # noqa: E402

N_SAMPLES, N_FEATURES, N_INFORMATIVE, SNR = 1000, 2050, 50, 5.0
RHOS = (0.1, 0.5, 0.9)
GAMMA = 3.0
ALPHA_RATIO = 0.1
RTOL_TARGET = 1e-6
MAX_ITER = 50_000
REPEATS = 3  # timing runs per solver; the table keeps the fastest
# the estimator's (solver, damping) of each method
SOLVERS = {"tuned": ("apg", "tuned"), "ghadimi-lan": ("apg", "ghadimi-lan"),
           "pgd": ("pgd", "tuned")}
OUT = HERE / "results" / "linear_model_apg.md"


def problem(rho):
    X, y = make_sparse_regression(N_SAMPLES, N_FEATURES, N_INFORMATIVE, rho=rho,
                                  snr=SNR, random_state=0)[:2]
    X_c, y_c = X - X.mean(axis=0), y - y.mean()
    alpha_max = np.abs(X_c.T @ y_c).max() / N_SAMPLES
    return X, y, ALPHA_RATIO * alpha_max


def objective(X, y, model, alpha):
    """1/(2n) ||y - Xw - b||^2 + MCP, the objective every solver minimises."""
    r = y - X @ model.coef_ - model.intercept_
    return (0.5 * np.mean(r**2)
            + get_penalty("mcp").value(np.abs(model.coef_), alpha, GAMMA).sum())


def run(X, y, alpha, name, max_iter, tol, record):
    """Fit from w = 0; the time includes the estimator's set-up (design,
    Lipschitz constant by Lanczos), the same for the three methods."""
    solver, damping = SOLVERS[name]
    model = NonconvexLasso(alpha=alpha, penalty="mcp", gamma=GAMMA, solver=solver,
                           damping=damping, max_iter=max_iter, tol=tol,
                           verbose=2 if record else 0)
    start = time.perf_counter()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        # runs stopped after a given number of steps do not converge
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return model, time.perf_counter() - start


def bench_rho(rho):
    X, y, alpha = problem(rho)
    runs = {name: run(X, y, alpha, name, MAX_ITER, 1e-9, True)[0] for name in SOLVERS}
    # CD as an outside check of the objective value
    cd = NonconvexLasso(alpha=alpha, penalty="mcp", gamma=GAMMA, max_iter=1000,
                        tol=1e-10).fit(X, y)
    best = min(model.objective_path_.min() for model in runs.values())
    target = best + RTOL_TARGET * abs(best)
    rows = []
    for name, model in runs.items():
        trace = model.objective_path_
        hit = np.flatnonzero(trace <= target)
        converged = model.stop_crit_ <= 1e-9
        row = {"rho": rho, "solver": name,
               "final objective": f"{trace[-1]:.10g}",
               "steps to KKT 1e-9": model.n_iter_ if converged else f">{MAX_ITER}",
               "nnz": int(np.count_nonzero(model.coef_))}
        if hit.size:
            steps = int(hit[0])
            seconds = min(run(X, y, alpha, name, max(steps, 1), 1e-300, False)[1]
                          for _ in range(REPEATS))
            row["steps to target"] = steps
            row["time to target (s)"] = seconds
        else:
            row["steps to target"] = "not reached"
            row["time to target (s)"] = ""
        rows.append(row)
    for row in rows:
        row["target"] = f"{target:.10g}"
    return rows, objective(X, y, cd, alpha)


def _ratio(steps, reference):
    if isinstance(steps, str) or isinstance(reference, str):
        return "n/a"
    return steps / reference


def main():
    rows, notes, ratios = [], [], []
    with threadpool_limits(limits=1):
        for rho in RHOS:
            rho_rows, cd_obj = bench_rho(rho)
            rows += rho_rows
            target = float(rho_rows[0]["target"])
            where = ("reaches the target" if cd_obj <= target else
                     "stops at another stationary point, above the target")
            notes.append(f"rho = {rho}: working-set CD (KKT 1e-10) objective "
                         f"{cd_obj:.10g} ({where})")
            steps = {row["solver"]: row["steps to target"] for row in rho_rows}
            ratios.append({
                "rho": rho,
                "ghadimi-lan / tuned steps": _ratio(steps["ghadimi-lan"],
                                                    steps["tuned"]),
                "pgd / tuned steps": _ratio(steps["pgd"], steps["tuned"]),
            })
            for row in rho_rows:
                print(row, flush=True)
    columns = ["rho", "solver", "steps to target", "time to target (s)",
               "steps to KKT 1e-9", "final objective", "target", "nnz"]
    text = "\n".join([
        "# Nonconvex accelerated gradient: tuned vs Ghadimi-Lan damping vs "
        "proximal gradient",
        "",
        machine_line(),
        "",
        f"MCP least squares (gamma = {GAMMA}, intercept fitted), Toeplitz design "
        f"n = {N_SAMPLES}, p = {N_FEATURES}, {N_INFORMATIVE} non-zeros, SNR {SNR} "
        f"(`make_sparse_regression(..., random_state=0)`), alpha = "
        f"{ALPHA_RATIO} alpha_max, all solvers from w = 0, each fit computing "
        "the same L (Lanczos on the centred Gram matrix). Target: best "
        "objective found by "
        f"any of the three plus {RTOL_TARGET:g} relative. Steps are gradient "
        "steps (`n_iter_`); times are the best of three fits stopped after "
        "that many steps (including the fit's set-up and Lanczos) "
        "(the accelerated runs include their KKT test every 10 steps), on a "
        "machine shared with other jobs, so noisy.",
        "",
        markdown_table(rows, columns),
        "",
        "Steps to the target relative to the tuned damping (goal: both > 1):",
        "",
        markdown_table(ratios, ["rho", "ghadimi-lan / tuned steps",
                                "pgd / tuned steps"]),
        "",
        "Outside check of the objective value:",
        "",
        *[f"- {note}" for note in notes],
        "",
        "Reproduce: `python benchmarks/bench_apg.py`.",
        "",
    ])
    OUT.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
