"""Default BLAS threading against one BLAS thread, on a loaded machine.

One representative fit per family, run with the default settings (nothing
set before import: the point is what a user gets) and under
``threadpoolctl.threadpool_limits(1)``, interleaved, best of ``--repeats``
wall and CPU times, while a load generator this script starts in a
subprocess keeps every core busy (one pure-Python busy loop per core). A
ratio default / limited near 1 means the default is as fast as one BLAS
thread; the issue's bar is 1.3.

Run from the repository root::

    python benchmarks/bench_threads.py            # writes benchmarks/results/threads.md
    python benchmarks/bench_threads.py --no-load  # same on an idle machine
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from sparsestat.covariance import MTP2GraphicalModelCV
from sparsestat.dag import CoLiDE
from sparsestat.datasets import (
    make_dag,
    make_mtp2_precision,
    make_sparse_regression,
    sample_linear_sem,
)
from sparsestat.fractional import FractionalSparseRegression, SparseFisherDiscriminant
from sparsestat.linear_model import (
    NonconvexLassoCV,
    NonconvexLassoIC,
    NonconvexLogisticRegressionCV,
    NonconvexPoissonRegressionCV,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    load_average,
    markdown_table,
    one_thread,
    thread_pools,
    utc_stamp,
    wall_and_cpu,
)

RESULTS = Path(__file__).resolve().parent / "results" / "threads.md"
BAR = 1.3


def _mtp2_data():
    T = make_mtp2_precision(50, graph="BA", random_state=0)
    rng = np.random.default_rng(0)
    return rng.multivariate_normal(np.zeros(50), np.linalg.inv(T), size=250,
                                   method="cholesky")


def _counts_data():
    """Poisson counts of log-mean 0.5 + X coef (linear part of sd 0.8)."""
    X, _, coef = make_sparse_regression(500, 1000, 10, rho=0.5, random_state=2)
    coef *= 0.8 / np.std(X @ coef)
    return X, np.random.default_rng(2).poisson(np.exp(0.5 + X @ coef))


def _three_classes():
    """Three classes by thresholds of a sparse linear score, 500 x 500."""
    X, score, _ = make_sparse_regression(500, 500, 10, rho=0.5, random_state=3)
    return X, np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))


def cases():
    """(family, description, estimator factory, fit arguments)."""
    X_reg, y_reg, _ = make_sparse_regression(500, 2000, 10, rho=0.5, random_state=0)
    X_clf, y_clf, _ = make_sparse_regression(500, 1000, 10, rho=0.5,
                                             task="classification", random_state=0)
    W = make_dag(100, edges_per_node=2, random_state=0)
    X_dag = sample_linear_sem(W, 1000, random_state=1)
    X_frac, y_frac, _ = make_sparse_regression(500, 2000, 10, rho=0.5, random_state=1)
    return [
        ("linear_model", "NonconvexLassoCV(), 500 x 2000",
         NonconvexLassoCV, (X_reg, y_reg)),
        ("linear_model", "NonconvexLogisticRegressionCV(), 500 x 1000",
         NonconvexLogisticRegressionCV, (X_clf, y_clf)),
        ("linear_model", "NonconvexLogisticRegressionCV(), 3 classes, 500 x 500",
         NonconvexLogisticRegressionCV, _three_classes()),
        ("linear_model", "NonconvexPoissonRegressionCV(), 500 x 1000",
         NonconvexPoissonRegressionCV, _counts_data()),
        ("linear_model", "NonconvexLassoIC(), 500 x 2000",
         NonconvexLassoIC, (X_reg, y_reg)),
        ("dag", "CoLiDE(), d = 100, n = 1000", CoLiDE, (X_dag,)),
        ("covariance", "MTP2GraphicalModelCV(), p = 50, n = 250",
         MTP2GraphicalModelCV, (_mtp2_data(),)),
        ("fractional", "FractionalSparseRegression(k=10), 500 x 2000",
         FractionalSparseRegression, (X_frac, y_frac)),
        ("fractional", "SparseFisherDiscriminant(), 500 x 1000",
         SparseFisherDiscriminant, (X_clf, y_clf)),
    ]


def _timed(factory, args, limited):
    """Wall and CPU seconds of one fit, default or on one thread."""
    est = factory()
    if limited:
        with one_thread():
            _, wall, cpu = wall_and_cpu(lambda: est.fit(*args))
    else:
        _, wall, cpu = wall_and_cpu(lambda: est.fit(*args))
    return wall, cpu


def start_load(n_procs):
    """One busy Python loop per core, each in its own subprocess; they stop
    by themselves when this script's process ends, however it ends."""
    code = (
        "import os\n"
        f"while os.getppid() == {os.getpid()}:\n"
        "    for _ in range(10**6):\n"
        "        pass\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(n_procs)]
    time.sleep(2.0)  # let the loops start and the load average rise
    return procs


def stop_load(procs):
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-load", action="store_true",
                        help="do not start the load generator")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--only", default="",
                        help="comma-separated substrings of the fits to run")
    parser.add_argument("--label", default="",
                        help="a note on the code measured, for the table's header")
    args = parser.parse_args()

    # SIGTERM (a timeout) ends the script through the finally clause below
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    libraries = thread_pools()
    n_cores = os.cpu_count() or 1
    load = None if args.no_load else start_load(n_cores)
    rows = []
    start = time.perf_counter()
    try:
        load_before = load_average()
        for family, name, factory, fit_args in cases():
            if args.only and not any(k in name for k in args.only.split(",")):
                continue
            times = {False: [], True: []}
            for _ in range(args.repeats):
                for limited in (False, True):  # interleaved
                    times[limited].append(_timed(factory, fit_args, limited))
                    print(f"  {name}, {'1 thread' if limited else 'default'}: "
                          f"wall {times[limited][-1][0]:.3f} s", flush=True)
            default_wall = min(t[0] for t in times[False])
            default_cpu = min(t[1] for t in times[False])
            limited_wall = min(t[0] for t in times[True])
            limited_cpu = min(t[1] for t in times[True])
            row = {
                "family": family, "fit": name,
                "default wall (s)": default_wall, "1 thread wall (s)": limited_wall,
                "ratio wall": default_wall / limited_wall,
                "default CPU (s)": default_cpu, "1 thread CPU (s)": limited_cpu,
                "ratio CPU": default_cpu / limited_cpu,
            }
            row["within 1.3x"] = "yes" if row["ratio wall"] <= BAR else "NO"
            rows.append(row)
            print(f"{name}: wall {default_wall:.3f} s vs {limited_wall:.3f} s "
                  f"(x{row['ratio wall']:.2f}), CPU {default_cpu:.3f} s vs "
                  f"{limited_cpu:.3f} s (x{row['ratio CPU']:.2f})", flush=True)
        load_after = load_average()
    finally:
        if load is not None:
            stop_load(load)
    elapsed = time.perf_counter() - start

    columns = ["family", "fit", "default wall (s)", "1 thread wall (s)", "ratio wall",
               "default CPU (s)", "1 thread CPU (s)", "ratio CPU", "within 1.3x"]
    lines = [
        "# BLAS threads: default settings against threadpool_limits(1)",
        "",
        f"Produced {utc_stamp()} by `python benchmarks/bench_threads.py` on {n_cores} "
        f"cores, Python {sys.version.split()[0]}"
        + (f"; code: {args.label}" if args.label else "") + ".",
        "",
        "Each fit runs with the default settings and under "
        "`threadpoolctl.threadpool_limits(1)`, interleaved, best of "
        f"{args.repeats}; ratio = default / one thread (the bar is {BAR}). "
        + ("No load generator." if args.no_load else
           f"A load generator kept {n_cores} busy Python loops running."),
        f"Load average (1, 5, 15 min): {load_before} at the start, "
        f"{load_after} at the end; "
        f"{elapsed:.0f} s in all.",
        "",
        "Thread pools threadpoolctl saw:",
        "",
        *[f"- {lib}" for lib in libraries],
        "",
        markdown_table(rows, columns),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)


if __name__ == "__main__":
    main()
