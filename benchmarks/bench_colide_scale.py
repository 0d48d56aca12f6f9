"""CoLiDE at scale: CPU time, iterations and where the time of one iteration goes.

Issue 16 point 5: ``CoLiDE`` must fit d = 500 (ER2, linear-Gaussian SEM) in
at most 2 minutes on one core. For d in {50, 100, 200, 500}: the data of
``bench_colide.py`` (``sparsestat.datasets.make_dag`` /
``sample_linear_sem``; EV weights ±U[0.5, 2], noise variance 1; NV
weights ±U[0.25, 1], variances U[0.5, 10]) with n = 10 d samples, default
``CoLiDE`` settings, BLAS pinned to one thread, and per fit:

* CPU time of ``fit`` (``time.process_time``: the machine is shared);
* total iterations (``n_iter_``) and iterations and CPU time per stage
  (parsed from the plain progress lines of ``verbose=1``, each stamped with
  the process CPU time when it is written);
* whether a ``ConvergenceWarning`` was raised; SHD/TPR/FDR against the truth;
* the unit costs at this d, timed in the same process: the kernel's
  unpivoted LU of ``sI - W∘W`` at the fitted ``W`` (private name, see
  below), LAPACK's pivoted ``getrf`` (scipy) of the same matrix, ``getri``
  on that LU, a dense d x d ``C @ W`` (gemm), and ``C @ W`` with ``W``
  sparse (scipy.sparse CSC at the support of the fitted raw ``W``);
* a unit model of one iteration: the kernel does one getri, one LU at the
  extrapolated point and, per line-search trial, one gemm and one LU (plus
  O(d^2) loops); with the trials per iteration counted in an instrumented
  build (``TRIALS_PER_ITERATION``, see ``results/colide_scale_profile.patch``
  and the notes of the table: no public name counts them) the model is
  ``t_getri + (1 + T) t_LU + T t_gemm``, set beside the measured time.

The kernel's LU (``sparsestat._kernels._colide.mmatrix_factor``) is the one
private name used (KNOWN_VIOLATIONS in tests/test_architecture.py): no
public name factors ``sI - W∘W`` without pivoting, and its cost is one of
the units of an iteration.

Usage::

    python benchmarks/bench_colide_scale.py                   # d 50..200, EV+NV
    python benchmarks/bench_colide_scale.py --d 500 --noise equal,nonequal
    python benchmarks/bench_colide_scale.py --d 500 --noise equal --seed 1
    python benchmarks/bench_colide_scale.py --d 500 --noise equal,nonequal --n-samples 1000

Each fit is appended to ``benchmarks/results/colide_scale_runs.jsonl`` (the
d = 500 fit takes minutes: run it once, in its own process); the table is
rewritten from that cache to ``benchmarks/results/colide_scale.md`` after
every run (``--table-only`` just rewrites it).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))  # this tree's sparsestat
from _common import load_average, machine_line, pin_blas  # noqa: E402

_LIMITER = pin_blas()

import argparse  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from scipy.linalg import lapack  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sparsestat.dag import CoLiDE  # noqa: E402
from sparsestat.datasets import make_dag, sample_linear_sem  # noqa: E402
from sparsestat.metrics import edge_recovery  # noqa: E402

RESULTS = Path(__file__).parent / "results"
CACHE = RESULTS / "colide_scale_runs.jsonl"
TABLE = RESULTS / "colide_scale.md"
DIMENSIONS = (50, 100, 200, 500)
BUDGET = 120.0  # seconds of one core for d = 500 (issue 16 point 5)
# line-search trials per iteration, counted by the instrumented kernel
# (results/colide_scale_profile.patch) on these designs at d = 100..500,
# EV and NV: 1.13-1.15 (the step grows by 1.1 after an accepted step and
# halves on a rejected one, so about 1 in 7 iterations rejects a trial)
TRIALS_PER_ITERATION = 1.14


def simulate(d, variance, seed, n_samples=None):
    """bench_colide.py's designs, ER2, with n = 10 d samples by default."""
    rng = np.random.default_rng(seed)
    if variance == "equal":
        W = make_dag(d, edges_per_node=2, weight_range=(0.5, 2.0), random_state=seed)
        scale = 1.0
    else:
        W = make_dag(d, edges_per_node=2, weight_range=(0.25, 1.0), random_state=seed)
        scale = np.sqrt(rng.uniform(0.5, 10.0, size=d))
    n = 10 * d if n_samples is None else n_samples
    X = sample_linear_sem(W, n, noise_scale=scale, random_state=seed + 1000)
    return W, X


class _Stamped(io.TextIOBase):
    """A stderr stand-in that stamps every line with the process CPU time."""

    def __init__(self):
        self.lines = []

    def write(self, text):
        for line in text.splitlines():
            if line.strip():
                self.lines.append((time.process_time(), line))
        return len(text)


_ITERS = re.compile(r"iters=(\d+)")


def fit_one(d, variance, seed, n_samples=None):
    W_true, X = simulate(d, variance, seed, n_samples)
    os.environ["SPARSESTAT_PROGRESS"] = "plain"
    stamped = _Stamped()
    est = CoLiDE(noise=variance, verbose=1)
    stderr = sys.stderr
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sys.stderr = stamped
        try:
            start = time.process_time()
            wall = time.perf_counter()
            est.fit(X)
            cpu = time.process_time() - start
            wall = time.perf_counter() - wall
        finally:
            sys.stderr = stderr
    stage_iters, stage_cpu, last = [], [], start
    for stamp, line in stamped.lines:
        match = _ITERS.search(line)
        if match:
            stage_iters.append(int(match.group(1)))
            stage_cpu.append(stamp - last)
            last = stamp
    scores = edge_recovery(W_true, est.adjacency_)
    row = {
        "d": d, "n": X.shape[0], "noise": variance, "seed": seed, "cpu": cpu,
        "wall": wall,
        "n_iter": int(est.n_iter_), "stage_iters": stage_iters,
        "stage_cpu": stage_cpu, "s_used": [float(v) for v in est.s_],
        "convergence_warning": any(issubclass(w.category, ConvergenceWarning)
                                   for w in caught),
        "warnings": sorted({w.category.__name__ for w in caught}),
        **{m: float(scores[m]) for m in ("shd", "tpr", "fdr")},
        "nnz_raw": int(np.count_nonzero(est.raw_coef_)),
        # to tell a bit-identical fit (before/after a kernel change)
        "raw_sha1": hashlib.sha1(np.ascontiguousarray(est.raw_coef_).tobytes()).hexdigest(),
        "nnz_true": int(np.count_nonzero(W_true)),
        "load": load_average(),
    }
    row["units"] = unit_costs(X, est.raw_coef_, est.s_[-1])
    return row


def _best(fn, min_time=0.3, max_repeats=50):
    """Best CPU time of repeated calls (at least 3, about ``min_time`` in all)."""
    best, total, k = float("inf"), 0.0, 0
    while k < 3 or (total < min_time and k < max_repeats):
        start = time.process_time()
        fn()
        elapsed = time.process_time() - start
        best, total, k = min(best, elapsed), total + elapsed, k + 1
    return best


def unit_costs(X, W, s):
    """CPU seconds of the building blocks of one iteration at this d."""
    from sparsestat._kernels._colide import mmatrix_factor  # private: see docstring

    d = W.shape[0]
    Xc = X - X.mean(axis=0)
    C = np.asfortranarray(Xc.T @ Xc / Xc.shape[0])
    W = np.asfortranarray(W, dtype=np.float64)
    A = np.asfortranarray(s * np.eye(d) - W * W)
    LU = np.empty((d, d), order="F")
    n_pos, _ = mmatrix_factor(W, s, LU)
    piv = np.arange(d, dtype=np.int32)
    eye = np.asfortranarray(np.eye(d))
    out = np.empty((d, d), order="F")
    Ws = sp.csc_matrix(W)
    # a dense W inside the domain (rho(W∘W) <= 0.25 d^2 / d^2 < s)
    Wdense = np.asfortranarray(np.random.default_rng(0).uniform(-0.5, 0.5, (d, d)) / np.sqrt(d))
    units = {
        "lu_kernel": _best(lambda: mmatrix_factor(W, s, LU)),
        "lu_kernel_dense": _best(
            lambda: mmatrix_factor(Wdense, s, LU)),
        "getrf": _best(lambda: lapack.dgetrf(A)),
        # the kernel's workspace (64 d: blocked getri); scipy's default
        # lwork is the minimal d, the unblocked algorithm
        "getri": _best(lambda: lapack.dgetri(LU, piv, lwork=64 * d)),
        "getri_min_lwork": _best(lambda: lapack.dgetri(LU, piv)),
        # the inverse by two triangular solves of the identity (getrs)
        "getrs_identity": _best(lambda: lapack.dgetrs(LU, piv, eye)),
        "numpy_inv": _best(lambda: np.linalg.inv(A)),
        "gemm": _best(lambda: np.matmul(C, W, out=out)),
        "spmm": _best(lambda: C @ Ws),
        "elementwise": _best(lambda: np.multiply(W, W, out=out)),
    }
    units["domain_ok"] = bool(n_pos == d)
    return units


def estimate(row):
    """Measured time per iteration, the unit model's split and its total."""
    u = row["units"]
    t_iter = row["cpu"] / max(row["n_iter"], 1)
    trials = TRIALS_PER_ITERATION
    parts = {
        "getri": u["getri"],
        "lu": (1 + trials) * u["lu_kernel"],
        "gemm": trials * u["gemm"],
    }
    return t_iter, sum(parts.values()), parts


def load_cache():
    runs = {}
    if CACHE.exists():
        for line in CACHE.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                row.setdefault("n", 10 * row["d"])
                runs[(row["d"], row["n"], row["noise"], row["seed"])] = row
    return runs


def write_table(runs):
    rows = sorted(runs.values(), key=lambda r: (r["noise"] != "equal", r["d"],
                                                r["n"], r["seed"]))
    lines = [
        "# CoLiDE at scale (issue 16 point 5)",
        "",
        machine_line() + f" numpy {np.__version__}, scipy {scipy.__version__}.",
        "Generated by `python benchmarks/bench_colide_scale.py` (d = 500 with "
        "`--d 500 --noise equal,nonequal`, `--d 500 --noise equal --seed k` "
        "and `--n-samples 1000`, each in its own process). ER2 DAGs from "
        "`make_dag`, data from `sample_linear_sem`, n = 10 d (and n = 1000, "
        "bench_colide.py's, at d = 500 with `--n-samples 1000`); EV: weights "
        "±U[0.5, 2], noise variance 1; NV: weights ±U[0.25, 1], variances "
        "U[0.5, 10] (the designs of bench_colide.py). Default `CoLiDE` "
        "settings (alpha 0.05, 4 stages, s = 1, .9, .8, .7, tol 1e-7, "
        "max_iter 10000 per stage), seed 0 (and seeds 1-4 at d = 500 EV, "
        "n = 10 d). Times are CPU "
        "seconds of this "
        "process (`time.process_time`), one BLAS thread, on a machine shared "
        "with other jobs (load average at the fit in the runs file).",
        "",
        "## Fits",
        "",
        "| data | d | n | seed | CPU time (s) | iterations | per stage | CPU s per stage "
        "| ms / iteration | unit model (ms) | ConvergenceWarning | SHD "
        "| TPR | FDR | nnz raw W / true |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        t_iter, model, _ = estimate(r)
        lines.append(
            f"| ER2-{'EV' if r['noise'] == 'equal' else 'NV'} | {r['d']} | {r['n']} "
            f"| {r['seed']} | {r['cpu']:.2f} | {r['n_iter']} "
            f"| {', '.join(map(str, r['stage_iters']))} "
            f"| {', '.join(f'{c:.2f}' for c in r['stage_cpu'])} "
            f"| {1e3 * t_iter:.2f} | {1e3 * model:.2f} "
            f"| {'yes' if r['convergence_warning'] else 'no'} | {r['shd']:.0f} "
            f"| {r['tpr']:.2f} | {r['fdr']:.2f} | {r['nnz_raw']} / {r['nnz_true']} |"
        )
    lines += [
        "",
        "## Unit costs at each d (CPU ms, best of repeats, same process as the fit)",
        "",
        "`LU kernel`: the solver's unpivoted blocked LU of `sI - W∘W` at the "
        "fitted W (sparse: its panel loops skip zeros); `LU kernel, dense`: "
        "the same on a dense W; `getrf`: LAPACK's pivoted LU of the same "
        "matrix (scipy); `getri`: the inverse from the LU, as the solver "
        "does (workspace 64 d); `getri, lwork d`: with the minimal workspace "
        "(scipy's default, unblocked); `getrs(I)`: the inverse by two "
        "triangular solves of the identity; `numpy inv`: `np.linalg.inv` "
        "(pivoted LU and solve); `gemm`: dense `C @ W`; `C @ W sparse`: "
        "scipy.sparse CSC W at the fitted support; `W∘W`: one d² pass.",
        "",
        "| d | LU kernel | LU kernel, dense | getrf | getri | getri, lwork d "
        "| getrs(I) | numpy inv | gemm | C @ W sparse | W∘W |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    seen = set()
    for r in rows:
        if r["d"] in seen:
            continue
        seen.add(r["d"])
        u = r["units"]
        lines.append(
            f"| {r['d']} | {1e3 * u['lu_kernel']:.3f} | {1e3 * u['lu_kernel_dense']:.3f} "
            f"| {1e3 * u['getrf']:.3f} | {1e3 * u['getri']:.3f} "
            f"| {1e3 * u['getri_min_lwork']:.3f} | {1e3 * u['getrs_identity']:.3f} "
            f"| {1e3 * u['numpy_inv']:.3f} | {1e3 * u['gemm']:.3f} "
            f"| {1e3 * u['spmm']:.3f} | {1e3 * u['elementwise']:.3f} |"
        )
    lines += [
        "",
        "## Split of one iteration by the unit model",
        "",
        "Per iteration the kernel does one getri, one LU at the extrapolated "
        f"point and, per line-search trial ({TRIALS_PER_ITERATION} per "
        "iteration, counted), one gemm `C @ Z` and one LU. The model uses "
        "the hot-cache unit costs above; `model / measured` is the share of "
        "the measured time per iteration it explains (the rest: O(d²) loops "
        "over cache-cold d x d arrays, and the O(d³) steps running slower "
        "inside the loop than alone; see the instrumented split in the notes).",
        "",
        "| data | d | n | ms / iteration | getri % | LU % | gemm % | model / measured |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        t_iter, total, parts = estimate(r)
        lines.append(
            f"| ER2-{'EV' if r['noise'] == 'equal' else 'NV'} | {r['d']} | {r['n']} "
            f"| {1e3 * t_iter:.2f} | {100 * parts['getri'] / total:.0f} "
            f"| {100 * parts['lu'] / total:.0f} | {100 * parts['gemm'] / total:.0f} "
            f"| {total / t_iter:.2f} |"
        )
    notes = RESULTS / "colide_scale_notes.md"
    if notes.exists():
        lines += ["", notes.read_text().rstrip()]
    TABLE.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--d", default="50,100,200")
    parser.add_argument("--noise", default="equal,nonequal")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-samples", type=int, default=None,
                        help="samples per fit (default 10 d)")
    parser.add_argument("--table-only", action="store_true")
    args = parser.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    if not args.table_only:
        for noise in args.noise.split(","):
            for d in map(int, args.d.split(",")):
                row = fit_one(d, noise, args.seed, args.n_samples)
                print(json.dumps(row), flush=True)
                with open(CACHE, "a") as fh:
                    fh.write(json.dumps(row) + "\n")
    write_table(load_cache())
    return 0


if __name__ == "__main__":
    sys.exit(main())
