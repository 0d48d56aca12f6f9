"""Benchmark of the linear-model family against scikit-learn and skglm.

Section "first fit": the time of the very first fit in a fresh Python process
(import excluded, compilation included: skglm compiles with numba on first
use, our kernels are compiled ahead of time), then the steady-state time of
one fit, on the same 100 x 1000 data, objective and tolerance.

Run:  python benchmarks/bench_linear_model.py [--quick]
Writes benchmarks/results/linear_model_first_fit.md.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import machine_line, markdown_table  # noqa: E402

ALPHA_RATIO = 0.1
GAMMA = 3.0
TOL = 1e-6

_FIRST_FIT = r"""
import json, sys, time
from threadpoolctl import threadpool_limits
threadpool_limits(1)
import numpy as np
from sparsestat.datasets import make_sparse_regression
X, y, _ = make_sparse_regression(100, 1000, 10, rho=0.5, random_state=0)
alpha = {alpha_ratio} * np.max(np.abs(X.T @ y)) / len(y)
which = sys.argv[1]
if which == "sparsestat-mcp":
    from sparsestat.linear_model import NonconvexLasso
    est = NonconvexLasso(alpha=alpha, penalty="mcp", gamma={gamma}, tol={tol},
                         fit_intercept=False)
elif which == "skglm-mcp":
    from skglm import MCPRegression
    est = MCPRegression(alpha=alpha, gamma={gamma}, tol={tol}, fit_intercept=False)
elif which == "sparsestat-l1":
    from sparsestat.linear_model import NonconvexLasso
    est = NonconvexLasso(alpha=alpha, penalty="l1", tol={tol}, fit_intercept=False)
elif which == "sklearn-l1":
    from sklearn.linear_model import Lasso
    est = Lasso(alpha=alpha, tol={tol}, fit_intercept=False, max_iter=100000)
elif which == "skglm-l1":
    from skglm import Lasso
    est = Lasso(alpha=alpha, tol={tol}, fit_intercept=False)
times = []
for _ in range(6):
    start = time.perf_counter()
    est.fit(X, y)
    times.append(time.perf_counter() - start)
from sparsestat._kernels import _penalty_array as pa
kind = 0 if which.endswith("l1") else 1
w = np.asarray(est.coef_, dtype=float).ravel()
objective = 0.5 * np.mean((y - X @ w) ** 2) + pa.value(np.abs(w), kind, alpha, {gamma}).sum()
print(json.dumps(dict(first=times[0], steady=float(np.median(times[1:])),
                      objective=float(objective), nnz=int(np.count_nonzero(w)))))
"""


def first_fit_rows():
    code = _FIRST_FIT.format(alpha_ratio=ALPHA_RATIO, gamma=GAMMA, tol=TOL)
    rows = []
    for which in ["sparsestat-mcp", "skglm-mcp", "sparsestat-l1", "sklearn-l1", "skglm-l1"]:
        out = subprocess.run([sys.executable, "-c", code, which], capture_output=True,
                             text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        library, penalty = which.split("-")
        rows.append({"penalty": penalty, "library": library,
                     "first fit (s)": result["first"],
                     "steady fit (s)": result["steady"],
                     "objective": result["objective"], "nnz": result["nnz"]})
    for penalty in ("mcp", "l1"):
        ours = next(r for r in rows if r["penalty"] == penalty and r["library"] == "sparsestat")
        for row in rows:
            if row["penalty"] == penalty:
                row["first-fit ratio (peer/ours)"] = row["first fit (s)"] / ours["first fit (s)"]
                row["steady ratio (peer/ours)"] = row["steady fit (s)"] / ours["steady fit (s)"]
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    rows = first_fit_rows()
    columns = ["penalty", "library", "first fit (s)", "steady fit (s)",
               "first-fit ratio (peer/ours)", "steady ratio (peer/ours)",
               "objective", "nnz"]
    text = "\n".join([
        "# Linear models: first fit and single fit, 100 x 1000",
        "",
        machine_line(),
        "",
        f"Toeplitz design rho=0.5, 10 nonzeros, alpha = {ALPHA_RATIO} alpha_max, "
        f"MCP gamma = {GAMMA}, no intercept, tol = {TOL:g} (each library's own "
        "stopping rule: KKT violation for skglm and sparsestat MCP, duality gap "
        "for L1). 'first fit' is the first call in a fresh process (includes "
        "numba compilation for skglm); 'steady' is the median of 5 more calls. "
        "Objective: 1/(2n)||y - Xw||^2 + penalty, computed identically for all.",
        "",
        markdown_table(rows, columns),
        "",
    ])
    out = HERE / "results" / "linear_model_first_fit.md"
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
