"""Information criteria against 5-fold cross-validation: support and cost.

On simulated sparse designs (``sparsestat.datasets.make_sparse_regression``:
Toeplitz-correlated Gaussian rows, ``rho = 0`` iid or ``0.5`` correlated,
random supports with magnitudes in [0.5, 2]), each penalty (MCP, SCAD, L1 for
least squares; MCP, L1 for the logistic model) selects alpha on the same
grid (least squares 100 alphas down to 1e-3 alpha_max, logistic 50 down to
1e-2, the classes' defaults) by

- ``NonconvexLassoIC`` / ``NonconvexLogisticRegressionIC`` with BIC, EBIC
  (``ebic_gamma`` 0.5 and 1): one path on all the data;
- ``NonconvexLassoCV`` / ``NonconvexLogisticRegressionCV`` with ``cv=5``:
  five fold paths and the refit.

Reported per design and penalty, over the seeds: the support F1 (mean and
standard deviation), the number of selected features, and the process CPU
time of ``fit`` (BLAS pinned to one thread, every method in one process,
one after the other on the same data), with the CV time divided by the
criterion's. The table goes to benchmarks/results/information_criterion.md.

Usage: ``python benchmarks/bench_information_criterion.py [--seeds 3]``.
"""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import pin_blas  # noqa: E402

_LIMITS = pin_blas()

import warnings  # noqa: E402

import numpy as np  # noqa: E402
from _common import (  # noqa: E402
    load_average,
    machine_line,
    markdown_table,
    mean_std,
    wall_and_cpu,
)
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sparsestat.datasets import make_sparse_regression  # noqa: E402
from sparsestat.linear_model import (  # noqa: E402
    NonconvexLassoCV,
    NonconvexLassoIC,
    NonconvexLogisticRegressionCV,
    NonconvexLogisticRegressionIC,
)
from sparsestat.metrics import support_recovery  # noqa: E402

# (task, n_samples, n_features, n_informative, rho, snr)
DESIGNS = [
    ("regression", 200, 1000, 10, 0.0, 5.0),
    ("regression", 200, 1000, 10, 0.5, 5.0),
    ("regression", 1000, 200, 10, 0.0, 5.0),
    ("regression", 1000, 200, 10, 0.5, 5.0),
    ("classification", 400, 1000, 5, 0.0, 5.0),
    ("classification", 400, 1000, 5, 0.5, 5.0),
    ("classification", 1000, 200, 5, 0.5, 5.0),
]
PENALTIES = {"regression": ("mcp", "scad", "l1"), "classification": ("mcp", "l1")}


def methods(task, penalty):
    """``{label: estimator}`` of one design and penalty."""
    if task == "regression":
        ic, cv = NonconvexLassoIC, NonconvexLassoCV
    else:
        ic, cv = NonconvexLogisticRegressionIC, NonconvexLogisticRegressionCV
    return {
        "BIC": ic("bic", penalty=penalty),
        "EBIC 0.5": ic("ebic", penalty=penalty, ebic_gamma=0.5),
        "EBIC 1": ic("ebic", penalty=penalty, ebic_gamma=1.0),
        "CV 5-fold": cv(penalty=penalty, cv=5),
    }


def run_design(design, seeds):
    task, n, p, k, rho, snr = design
    records = {}
    for seed in range(seeds):
        X, y, coef = make_sparse_regression(n, p, k, rho=rho, snr=snr, task=task,
                                            random_state=seed)
        for penalty in PENALTIES[task]:
            for label, est in methods(task, penalty).items():
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", ConvergenceWarning)
                    _, _, cpu = wall_and_cpu(lambda est=est, X=X, y=y: est.fit(X, y))
                rec = records.setdefault((penalty, label),
                                         {"f1": [], "nnz": [], "cpu": [], "warn": 0})
                scores = support_recovery(coef, np.ravel(est.coef_))
                rec["f1"].append(scores["f1"])
                rec["nnz"].append(scores["nnz"])
                rec["cpu"].append(cpu)
                rec["warn"] += sum(issubclass(w.category, ConvergenceWarning)
                                   for w in caught)
    return records


def table_rows(design, records):
    task, n, p, k, rho, _ = design
    model = "least squares" if task == "regression" else "logistic"
    rows = []
    for penalty in PENALTIES[task]:
        cv_cpu = np.mean(records[penalty, "CV 5-fold"]["cpu"])
        cv_f1 = np.mean(records[penalty, "CV 5-fold"]["f1"])
        for label in ("BIC", "EBIC 0.5", "EBIC 1", "CV 5-fold"):
            rec = records[penalty, label]
            cpu = float(np.mean(rec["cpu"]))
            f1 = float(np.mean(rec["f1"]))
            rows.append({
                "model": model, "n x p": f"{n} x {p}", "k": k, "rho": rho,
                "penalty": penalty, "selection": label,
                "F1": mean_std(rec["f1"]),
                "selected": mean_std(rec["nnz"], digits=1),
                "CPU s": f"{cpu:.3f}",
                "CV CPU / CPU": "1" if label == "CV 5-fold" else f"{cv_cpu / cpu:.1f}",
                "F1 >= CV": "" if label == "CV 5-fold" else
                            ("yes" if f1 >= cv_f1 - 1e-12 else "no"),
                "conv. warnings": rec["warn"],
            })
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--output", default=str(HERE / "results" /
                                                 "information_criterion.md"))
    args = parser.parse_args(argv)
    rows = []
    for design in DESIGNS:
        records = run_design(design, args.seeds)
        new = table_rows(design, records)
        rows += new
        print(markdown_table(new, list(new[0])), flush=True)
    columns = list(rows[0])
    summary = []
    for label in ("BIC", "EBIC 0.5", "EBIC 1"):
        mine = [r for r in rows if r["selection"] == label]
        wins = sum(r["F1 >= CV"] == "yes" for r in mine)
        speedup = np.median([float(r["CV CPU / CPU"]) for r in mine])
        summary.append({
            "selection": label,
            "cases with F1 >= CV": f"{wins} of {len(mine)}",
            "median CV CPU / CPU": f"{speedup:.1f}",
        })
    text = "\n".join([
        "# Information criteria against 5-fold cross-validation",
        "",
        machine_line() + f" Load average before the run: {load_average()}.",
        "",
        f"Simulated sparse designs (`make_sparse_regression`, {args.seeds} seeds "
        "each: seed s draws the design, the support and the noise), `k` "
        "non-zero coefficients of magnitude in [0.5, 2], signal-to-noise "
        "ratio 5 (logistic: labels of the thresholded linear model). Every "
        "method selects alpha on its class's default grid (least squares 100 "
        "alphas to 1e-3 alpha_max, logistic 50 to 1e-2) with the default "
        "gamma (3); the criteria score one path on all the data, CV runs 5 "
        "fold paths and a refit. F1 of the selected support against the true "
        "one (mean ± std over the seeds); `selected` = number of non-zero "
        "coefficients; CPU = process time of `fit`, mean over the seeds, BLAS "
        "on one thread; `CV CPU / CPU` = the CV class's time over the row's; "
        "`F1 >= CV`: the row's mean F1 is at least that of 5-fold CV. "
        "`conv. warnings`: ConvergenceWarnings raised over the seeds. "
        "Produced by `benchmarks/bench_information_criterion.py`.",
        "",
        "## Summary",
        "",
        markdown_table(summary, list(summary[0])),
        "",
        "## Every design",
        "",
        markdown_table(rows, columns),
        "",
    ])
    Path(args.output).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
