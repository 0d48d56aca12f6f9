"""EBIC against cross-validation for the MTP2 graphical model: the graph.

BA trees at p = 100, n = 500 (99 true edges), sampled as
``bench_mtp2.py::_sample`` draws them (``make_mtp2_precision(p,
graph="BA", random_state=seed)``, Cholesky Gaussian samples of the same
seed). Selections, each with its class's defaults otherwise:

- ``EBIC 0.5``: ``MTP2GraphicalModelIC()`` (EBIC with ebic_gamma = 0.5 on
  its 40-point warm-started path);
- ``EBIC 1``: the same with ``ebic_gamma=1``;
- ``BIC``: ``MTP2GraphicalModelIC("bic")``;
- ``CV``: ``MTP2GraphicalModelCV()`` (5-fold held-out likelihood, a 5-point
  grid refined 4 times, then the refit);
- ``oracle MLE``: the M-matrix MLE on the true support (not an estimator:
  the floor of the error; ``bench_mtp2._oracle``).

Metrics: edges selected, edge F1 (``metrics.edge_recovery``,
``directed=False``), relative Frobenius error ``||T_hat - T|| / ||T||``,
process CPU time of ``fit`` (BLAS pinned to one thread, all methods one
after the other in one process on the same data). The bar of issue 15: the
mean EBIC F1 >= 0.97 at a mean error at most 15% above CV's.

Usage, from the worktree: ``PYTHONPATH=. python benchmarks/bench_mtp2_ic.py
[--seeds 10] [--quick]``; the
table goes to benchmarks/results/mtp2_ic.md.
"""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import pin_blas  # noqa: E402

_LIMITS = pin_blas()

import subprocess  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from _common import (  # noqa: E402
    load_average,
    machine_line,
    markdown_table,
    mean_std,
    wall_and_cpu,
)
from bench_mtp2 import _oracle, _sample  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sparsestat.covariance import (  # noqa: E402
    MTP2GraphicalModelCV,
    MTP2GraphicalModelIC,
)
from sparsestat.metrics import edge_recovery  # noqa: E402

P, RATIO = 100, 5
METHODS = {
    "EBIC 0.5": lambda: MTP2GraphicalModelIC(),
    "EBIC 1": lambda: MTP2GraphicalModelIC(ebic_gamma=1.0),
    "BIC": lambda: MTP2GraphicalModelIC("bic"),
    "CV": lambda: MTP2GraphicalModelCV(),
}


def _scores(T_hat, T):
    off = ~np.eye(T.shape[0], dtype=bool)
    return {
        "edges": int(np.count_nonzero(T_hat[off]) // 2),
        "f1": edge_recovery(T, T_hat, directed=False)["f1"],
        "error": np.linalg.norm(T_hat - T) / np.linalg.norm(T),
    }


def run_seed(seed):
    T, X, _ = _sample(P, RATIO, seed)
    rows = {}
    for label, make in METHODS.items():
        est = make()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            _, _, cpu = wall_and_cpu(lambda est=est: est.fit(X))
        rows[label] = {**_scores(est.precision_, T), "cpu": cpu,
                       "alpha": est.alpha_,
                       "warnings": sum(issubclass(w.category, ConvergenceWarning)
                                       for w in caught)}
    rows["oracle MLE"] = {**_scores(_oracle(X, T), T), "cpu": float("nan"),
                          "alpha": float("nan"), "warnings": 0}
    return rows


def _reading(means):
    """Sentences on the bar and the default, from ``{label: (mean F1,
    mean error / CV's, mean edges)}``."""
    lines = []
    for label in ("EBIC 0.5", "EBIC 1"):
        f1, ratio, edges = means[label]
        met = f1 >= 0.97 and ratio <= 1.15
        lines.append(
            f"- {label}: {edges:.1f} edges, mean F1 {f1:.3f} "
            f"({'>=' if f1 >= 0.97 else '<'} 0.97), error {ratio:.3f} x CV's "
            f"({'<=' if ratio <= 1.15 else '>'} 1.15): the bar is "
            f"{'met' if met else 'missed'}.")
    f1, ratio, edges = means["CV"]
    lines.append(f"- CV: {edges:.1f} edges, mean F1 {f1:.3f}: held-out likelihood "
                 "keeps weak false edges, for the lowest error of the four selections.")
    half, one = (means[k] for k in ("EBIC 0.5", "EBIC 1"))
    why = ("it meets the bar" if half[0] >= 0.97 and half[1] <= 1.15
           else "it misses the bar too (see above)")
    lines.append(
        f"- Default `ebic_gamma=0.5` (Foygel and Drton's recommendation): {why}. "
        f"EBIC 1 changes the F1 by {one[0] - half[0]:+.3f} and the error ratio "
        f"by {one[1] - half[1]:+.3f}: a larger gamma removes a few more false "
        "edges but selects a larger alpha, whose MCP bias on the true edges "
        "raises the error.")
    return lines


def _commit():
    try:
        return subprocess.run(["git", "-C", str(HERE), "log", "-1", "--format=%h"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--quick", action="store_true",
                        help="two seeds, print only")
    args = parser.parse_args()
    seeds = range(2 if args.quick else args.seeds)
    load_before = load_average()
    results = {}
    for seed in seeds:
        results[seed] = run_seed(seed)
        line = ", ".join(f"{k}: {v['edges']} edges F1 {v['f1']:.3f} err "
                         f"{v['error']:.4f} cpu {v['cpu']:.2f}"
                         for k, v in results[seed].items())
        print(f"seed {seed}: {line}", flush=True)
    labels = list(results[seeds[0]])

    def column(label, key):
        return [results[s][label][key] for s in seeds]

    cv_err = np.mean(column("CV", "error"))
    cv_cpu = np.mean(column("CV", "cpu"))
    summary = []
    for label in labels:
        err = np.mean(column(label, "error"))
        f1 = np.mean(column(label, "f1"))
        row = {
            "selection": label,
            "edges (true 99)": mean_std(column(label, "edges"), 1),
            "edge F1": mean_std(column(label, "f1"), 3),
            "min F1": f"{np.min(column(label, 'f1')):.3f}",
            "rel. error": mean_std(column(label, "error"), 4),
            "error / CV's": f"{err / cv_err:.3f}",
            "CPU s": "" if label == "oracle MLE" else mean_std(column(label, "cpu"), 2),
            "CV CPU / CPU": ("" if label in ("oracle MLE", "CV")
                             else f"{cv_cpu / np.mean(column(label, 'cpu')):.1f}"),
            "conv. warnings": sum(column(label, "warnings")),
        }
        if label.startswith("EBIC"):
            row["bar (F1 >= 0.97, error <= 1.15 CV)"] = (
                "yes" if f1 >= 0.97 and err <= 1.15 * cv_err else "no")
        summary.append(row)
    reading = _reading({label: (np.mean(column(label, "f1")),
                                np.mean(column(label, "error")) / cv_err,
                                np.mean(column(label, "edges")))
                        for label in labels})
    per_seed = [
        {"seed": s, **{f"{label} edges / F1 / error":
                       f"{results[s][label]['edges']} / {results[s][label]['f1']:.3f}"
                       f" / {results[s][label]['error']:.4f}" for label in labels}}
        for s in seeds
    ]
    columns = ["selection", "edges (true 99)", "edge F1", "min F1", "rel. error",
               "error / CV's", "CPU s", "CV CPU / CPU", "conv. warnings",
               "bar (F1 >= 0.97, error <= 1.15 CV)"]
    text = "\n".join([
        "# MTP2 graphical model: EBIC against cross-validation",
        "",
        machine_line() + f" Load average before the run: {load_before}; after: "
        f"{load_average()}. Commit {_commit()} (plus the working tree).",
        "",
        f"BA trees, p = {P}, n = {RATIO * P} (99 true edges), seeds "
        f"{seeds.start}-{seeds.stop - 1}, sampled as `bench_mtp2.py::_sample`. "
        "`EBIC g`: `MTP2GraphicalModelIC(ebic_gamma=g)` (defaults: MCP, "
        "4 stages, the 40-point grid from max S_ij to 1% of it, warm-started "
        "path); `BIC`: `MTP2GraphicalModelIC(\"bic\")`; `CV`: "
        "`MTP2GraphicalModelCV()` (defaults); `oracle MLE`: the M-matrix MLE "
        "on the true support (knows the graph; the floor of the error). Means "
        "± standard deviations over the seeds; CPU = process time of `fit`, "
        "BLAS on one thread, every method on the same data in one process. "
        "Produced by `benchmarks/bench_mtp2_ic.py`.",
        "",
        "## Summary",
        "",
        markdown_table(summary, columns),
        "",
        "## Reading",
        "",
        *reading,
        "",
        "## Every seed",
        "",
        markdown_table(per_seed, ["seed", *[f"{label} edges / F1 / error"
                                            for label in labels]]),
        "",
    ])
    print(text)
    if not args.quick:
        (HERE / "results" / "mtp2_ic.md").write_text(text)


if __name__ == "__main__":
    main()
