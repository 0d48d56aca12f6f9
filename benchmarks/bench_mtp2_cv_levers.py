"""Two levers on the cost of MTP2GraphicalModelCV: a looser tolerance and
fewer refinement rounds (issue 15, point 3, bar: 15 single fits' time).

Data as ``bench_mtp2_cv.py``: BA graphs, p = 100, n = 500 rows drawn by
``bench_mtp2._sample``, seeds 0-4. On each sample, ``MTP2GraphicalModelCV``
with its defaults except ``tol`` in {1e-6 (default), 1e-4, 1e-3} and
``n_refinements`` in {4 (default), 1}; the tolerance applies to the
candidates and to the final refit alike (the estimator has one ``tol``).
The unit is one ``MTP2GraphicalModel(alpha=alpha_)`` fit at the default
CV's ``alpha_`` and tolerance (best of 3), measured in the same process
right after the CVs of its seed (the first setting is the default CV).
Process CPU seconds, BLAS pinned to one thread. The table goes to
benchmarks/results/mtp2_cv_levers.md.

Usage: ``python benchmarks/bench_mtp2_cv_levers.py [--seeds 5] [--p 100]``.
"""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# this tree's package (an editable install may point at another checkout)
sys.path[:0] = [str(HERE), str(HERE.parent)]

from _common import pin_blas  # noqa: E402

_LIMITS = pin_blas()

import time  # noqa: E402

import numpy as np  # noqa: E402
from _common import best_of, load_average, machine_line, markdown_table  # noqa: E402
from bench_mtp2 import _sample  # noqa: E402

from sparsestat.covariance import MTP2GraphicalModel, MTP2GraphicalModelCV  # noqa: E402

# the first is the CV's defaults, the reference of the others
SETTINGS = [(1e-6, 4), (1e-4, 4), (1e-3, 4), (1e-6, 1), (1e-3, 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--p", type=int, default=100)
    args = parser.parse_args()
    load_before = load_average()
    rows = []
    for seed in range(args.seeds):
        _, X, _ = _sample(args.p, 5, seed)
        fits = []
        for tol, n_refinements in SETTINGS:
            start = time.process_time()
            cv = MTP2GraphicalModelCV(tol=tol, n_refinements=n_refinements).fit(X)
            fits.append((tol, n_refinements, time.process_time() - start, cv))
        default = fits[0][3]
        single, _ = best_of(
            lambda: MTP2GraphicalModel(alpha=default.alpha_).fit(X), 3
        )
        for k, (tol, n_refinements, cpu, cv) in enumerate(fits):
            rows.append({
                "seed": seed, "tol": f"{tol:g}", "n_refinements": n_refinements,
                "CV CPU (s)": cpu, "single fit CPU (s)": single,
                "CV / single": cpu / single, "alpha_": cv.alpha_,
                "same alpha_ as default": bool(np.isclose(cv.alpha_, default.alpha_)),
                "best mean test score": f"{cv.cv_results_['mean_test_score'].max():.6f}",
                "setting": k,
            })
            print(rows[-1], flush=True)
    summary = []
    for k, (tol, n_refinements) in enumerate(SETTINGS):
        mine = [r for r in rows if r["setting"] == k]
        summary.append({
            "tol": f"{tol:g}", "n_refinements": n_refinements,
            "mean CV / single": float(np.mean([r["CV / single"] for r in mine])),
            "max CV / single": float(np.max([r["CV / single"] for r in mine])),
            "seeds with the default's alpha_": sum(r["same alpha_ as default"]
                                                   for r in mine),
        })
    columns = [c for c in rows[0] if c != "setting"]
    text = "\n".join([
        "# MTP2GraphicalModelCV: tolerance and refinement levers",
        "",
        f"{machine_line()} Load average before / after: {load_before} / "
        f"{load_average()} (2 cores shared with other jobs; the unit fit is "
        "measured right after its seed's CVs, so the ratios share the load).",
        "",
        f"BA graphs, p = {args.p}, n = {5 * args.p}, seeds 0-{args.seeds - 1}; "
        "produced by `python benchmarks/bench_mtp2_cv_levers.py`. `single` = "
        "one MTP2GraphicalModel fit at the default CV's alpha_ and tol 1e-6, "
        "best of 3.",
        "",
        markdown_table(summary, list(summary[0])),
        "",
        markdown_table(rows, columns),
        "",
    ])
    out = HERE / "results" / "mtp2_cv_levers.md"
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
