"""Benchmark of the linear-model family against scikit-learn and skglm.

Sections (run all, or name some: ``python benchmarks/bench_linear_model.py
mcp_path l1_path``):

- ``first_fit``: the very first fit in a fresh Python process (import
  excluded, compilation included: skglm compiles with numba on first use,
  our kernels are compiled ahead of time) and the steady-state time of one
  fit, 100 x 1000.
- ``mcp_path``, ``l1_path``, ``logistic_path``: regularisation paths on a
  correlated 1000 x 5000 design (Toeplitz rho = 0.5, 50 non-zeros), 100
  alphas on a log grid, each library with its own stopping rule at the same
  tolerance, in one process with BLAS pinned to one thread, peers warmed
  up (numba compilation excluded). Times are the best process CPU time of
  two runs (single-threaded, so this is the single-core time, robust to
  other jobs on a shared machine).
- ``e2006``, ``tdt2``: the same on the real data of ../shared/data.

Each section writes benchmarks/results/linear_model_<section>.md with the
times, the ratio peer time / our time, and the objective reached at every
alpha computed by one formula for all (mean and worst relative difference
of the peer's objective against ours: positive means ours is lower).
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import best_of, machine_line, markdown_table  # noqa: E402

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
from sparsestat.utils.penalties import get_penalty
pen = get_penalty("l1" if which.endswith("l1") else "mcp")
w = np.asarray(est.coef_, dtype=float).ravel()
objective = 0.5 * np.mean((y - X @ w) ** 2) + pen.value(np.abs(w), alpha, {gamma}).sum()
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


def first_fit_section():
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



# ---------------------------------------------------------------- paths

def _objective(loss, X, y, w, alpha, penalty, intercept=0.0):
    from sparsestat.utils.penalties import get_penalty

    eta = np.asarray(X @ w).ravel() + intercept
    if loss == "squared_error":
        data = 0.5 * np.mean((y - eta) ** 2)
    else:  # y in {0, 1}
        data = np.mean(np.logaddexp(0, eta) - y * eta)
    return data + get_penalty(penalty).value(np.abs(np.asarray(w, float)), alpha,
                                             GAMMA).sum()


def _timed(fn, repeats=2):
    """Best CPU time of ``repeats`` runs, and the last output.

    BLAS is pinned to one thread and numba runs single-threaded, so the
    process CPU time is the single-core compute time; unlike wall time it is
    not inflated when other jobs share the machine.
    """
    return best_of(fn, repeats)


def _ours(X, y, alphas, loss, penalty, tol):
    from sparsestat.linear_model import nonconvex_path

    return nonconvex_path(X, y, penalty=penalty, gamma=GAMMA, loss=loss,
                          alphas=alphas, tol=tol, fit_intercept=False)[1]


def _skglm(X, y, alphas, loss, penalty, tol):
    from skglm.datafits import Logistic, Quadratic
    from skglm.penalties import L1, MCPenalty
    from skglm.solvers import AndersonCD

    datafit = Quadratic() if loss == "squared_error" else Logistic()
    pen = L1(1.0) if penalty == "l1" else MCPenalty(1.0, GAMMA)
    target = y if loss == "squared_error" else 2 * y - 1
    solver = AndersonCD(tol=tol, fit_intercept=False, max_iter=200)
    return solver.path(X, target, datafit, pen, alphas=alphas)[1]


def _sklearn(X, y, alphas, loss, penalty, tol):
    from sklearn.linear_model import LogisticRegression, lasso_path

    if loss == "squared_error":
        return lasso_path(X, y, alphas=alphas, tol=tol, max_iter=100_000)[1]
    coefs = np.zeros((X.shape[1], len(alphas)))
    clf = LogisticRegression(l1_ratio=1, solver="liblinear", tol=tol,
                             fit_intercept=False, warm_start=True, max_iter=10_000)
    for k, alpha in enumerate(alphas):
        clf.set_params(C=1 / (X.shape[0] * alpha)).fit(X, y)
        coefs[:, k] = clf.coef_.ravel()
    return coefs


def compare_paths(X, y, loss, penalty, alphas, tol, peers):
    """Time our path and the peers' on the same alphas; compare objectives."""
    # warm-up on a slice: numba compilation and first-call costs excluded
    rows_warm = np.concatenate([np.flatnonzero(y == v)[:25] for v in np.unique(y)[:2]])
    if loss == "squared_error":
        rows_warm = np.arange(50)
    for fn in [_ours, *peers.values()]:
        fn(X[rows_warm][:, :100], y[rows_warm], alphas[:2], loss, penalty, tol)
    t_ours, coefs = _timed(lambda: _ours(X, y, alphas, loss, penalty, tol))
    obj_ours = np.array([_objective(loss, X, y, coefs[:, k], a, penalty)
                         for k, a in enumerate(alphas)])
    rows = [{"library": "sparsestat", "CPU time (s)": t_ours, "ratio (peer/ours)": 1.0,
             "mean obj diff": 0.0, "worst obj diff": 0.0,
             "final nnz": int(np.count_nonzero(coefs[:, -1]))}]
    for name, fn in peers.items():
        t_peer, c_peer = _timed(lambda fn=fn: fn(X, y, alphas, loss, penalty, tol))
        obj = np.array([_objective(loss, X, y, c_peer[:, k], a, penalty)
                        for k, a in enumerate(alphas)])
        rel = (obj - obj_ours) / np.abs(obj_ours)
        rows.append({"library": name, "CPU time (s)": t_peer,
                     "ratio (peer/ours)": t_peer / t_ours,
                     "mean obj diff": float(rel.mean()),
                     "worst obj diff": float(rel.min()),
                     "final nnz": int(np.count_nonzero(c_peer[:, -1]))})
        print(f"  {name}: {t_peer:.2f}s (ours {t_ours:.2f}s)", flush=True)
    return rows


def _grid(X, y, loss, n_alphas, eps):
    n = X.shape[0]
    if loss == "squared_error":
        alpha_max = np.abs(np.asarray(X.T @ y)).max() / n
    else:
        alpha_max = np.abs(np.asarray(X.T @ (y - 0.5))).max() / n
    return np.geomspace(alpha_max, eps * alpha_max, n_alphas)


PATH_COLUMNS = ["problem", "library", "CPU time (s)", "ratio (peer/ours)",
                "mean obj diff", "worst obj diff", "final nnz"]


def _write(section, title, description, rows):
    text = "\n".join([f"# {title}", "", machine_line(), "", description, "",
                      markdown_table(rows, PATH_COLUMNS), ""])
    (HERE / "results" / f"linear_model_{section}.md").write_text(text)
    print(text)


_OBJ_NOTE = (
    "Objective at each alpha: 1/(2n)||y - Xw||^2 (or mean log-loss) + penalty, "
    "one formula for all libraries, no intercept. 'mean/worst obj diff' is "
    "(peer - ours)/|ours| over the alphas: positive means our solutions have "
    "the lower objective, a negative worst value is the alpha where the peer "
    "found the better point (nonconvex problems have several stationary "
    "points; for L1 differences are at the tolerance level)."
)


def synthetic_section(section):
    from sparsestat.datasets import make_sparse_regression

    loss = "log_loss" if section == "logistic_path" else "squared_error"
    X, y, _ = make_sparse_regression(
        1000, 5000, 50, rho=0.5, snr=5,
        task="classification" if loss == "log_loss" else "regression",
        random_state=0)
    rows = []
    if section == "mcp_path":
        setups = [("mcp", 1e-2), ("mcp", 1e-3)]
        peers = {"skglm": _skglm}
    elif section == "l1_path":
        setups = [("l1", 1e-2), ("l1", 1e-3)]
        peers = {"sklearn": _sklearn, "skglm": _skglm}
    else:
        setups = [("mcp", 5e-2), ("l1", 5e-2)]
        peers = {"skglm": _skglm}
    for penalty, eps in setups:
        alphas = _grid(X, y, loss, 100, eps)
        print(f"{section}: {penalty} to {eps:g} alpha_max", flush=True)
        for row in compare_paths(X, y, loss, penalty, alphas, TOL, peers):
            rows.append({"problem": f"{penalty}, 100 alphas to {eps:g} alpha_max", **row})
    _write(section, f"Linear models: {section.replace('_', ' ')}, 1000 x 5000",
           "Toeplitz design rho = 0.5, 50 non-zeros, SNR 5, MCP gamma = 3, "
           f"tol = {TOL:g} (KKT violation; duality gap relative to ||y||^2/n for "
           "our and sklearn's L1). " + _OBJ_NOTE, rows)


DATA = HERE.parent.parent / "shared" / "data"


def real_data_section(section):
    from scipy.io import loadmat

    path = DATA / ("E2006_5000_10000.mat" if section == "e2006" else "TDT2.mat")
    if not path.exists():
        print(f"{path} not found: section {section} skipped")
        return
    mat = loadmat(path)
    rows = []
    if section == "e2006":
        X = mat["x"].tocsc().astype(np.float64)
        y = np.asarray(mat["y"], dtype=np.float64).ravel()
        # centred, since the paths are fitted without intercept
        y = y - y.mean()
        for penalty, peers in [("mcp", {"skglm": _skglm}),
                               ("l1", {"sklearn": _sklearn, "skglm": _skglm})]:
            alphas = _grid(X, y, "squared_error", 50, 1e-2)
            print(f"e2006 {penalty}", flush=True)
            for row in compare_paths(X, y, "squared_error", penalty, alphas, TOL, peers):
                rows.append({"problem": f"E2006 {penalty}, 50 alphas to 1e-2", **row})
        description = ("E2006-tfidf 5000 x 10000 sparse CSC (389,554 non-zeros), "
                       f"tol = {TOL:g}. " + _OBJ_NOTE)
    else:
        X = mat["fea"].tocsc().astype(np.float64)
        labels = np.asarray(mat["gnd"]).ravel()
        y = (labels == 1).astype(np.float64)
        for penalty, peers in [("mcp", {"skglm": _skglm}),
                               ("l1", {"sklearn (liblinear)": _sklearn, "skglm": _skglm})]:
            alphas = _grid(X, y, "log_loss", 20, 5e-2)
            print(f"tdt2 {penalty}", flush=True)
            for row in compare_paths(X, y, "log_loss", penalty, alphas, 1e-5, peers):
                rows.append({"problem": f"TDT2 topic 1 vs rest, {penalty}, 20 alphas "
                                        "to 0.05", **row})
        description = ("TDT2 9394 x 36771 sparse tf-idf, topic 1 against the rest, "
                       "logistic loss, tol = 1e-5 (liblinear's tol is its own "
                       "criterion). " + _OBJ_NOTE)
    _write(section, f"Linear models on real data: {section.upper()}", description, rows)


SECTIONS = {
    "first_fit": first_fit_section,
    "mcp_path": lambda: synthetic_section("mcp_path"),
    "l1_path": lambda: synthetic_section("l1_path"),
    "logistic_path": lambda: synthetic_section("logistic_path"),
    "e2006": lambda: real_data_section("e2006"),
    "tdt2": lambda: real_data_section("tdt2"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", choices=[*SECTIONS, []],
                        help="sections to run (default: all)")
    args = parser.parse_args()
    # imports first, so that every BLAS library is loaded when pinned
    import scipy.linalg  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import skglm  # noqa: F401
    from threadpoolctl import threadpool_limits

    import sparsestat.linear_model  # noqa: F401

    with threadpool_limits(1):
        for name in args.sections or SECTIONS:
            SECTIONS[name]()


if __name__ == "__main__":
    main()
