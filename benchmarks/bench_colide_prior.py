"""CoLiDE with prior knowledge: how much do tiers, required and forbidden edges help?

On the designs of ``bench_colide.py`` (its ``simulate``: n = 1000; EV
weights ±[0.5, 2] and noise variance 1, NV weights ±[0.25, 1] and variances
U[0.5, 10]), ER2 and ER4 graphs with d = 20 and 50, CoLiDE-EV on EV data and
CoLiDE-NV on NV data at the defaults, each seed fitted

* without prior knowledge;
* with ``tiers`` = the true topological order (one tier per node: every
  backward edge forbidden);
* with 3 tiers (the topological order cut in thirds: coarser knowledge);
* with 10% of the true edges (rounded up, drawn at random) required;
* with 10% of the non-edges (ordered pairs i != j without an edge i -> j,
  reversed true edges included) forbidden.

SHD (``sparsestat.metrics.structural_hamming_distance``) is counted on the
whole graph, the given edges included. The CPU time is that of ``fit``
(BLAS pinned to one thread). A check column counts forbidden edges found
and required edges missed (must be 0).

Usage::

    python benchmarks/bench_colide_prior.py            # 5 seeds
    python benchmarks/bench_colide_prior.py --seeds 3

Writes ``benchmarks/results/colide_prior.md``.
"""

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import pin_blas  # noqa: E402

_LIMITS = pin_blas()

import warnings  # noqa: E402

import numpy as np  # noqa: E402
from _common import load_average, machine_line, markdown_table, mean_std  # noqa: E402
from bench_colide import simulate  # noqa: E402

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sparsestat.dag import CoLiDE  # noqa: E402
from sparsestat.metrics import edge_recovery, structural_hamming_distance  # noqa: E402

TABLE = HERE / "results" / "colide_prior.md"

# (name, d, edges per node, variance type)
DESIGNS = [
    ("ER2-d20-EV", 20, 2, "equal"),
    ("ER2-d20-NV", 20, 2, "nonequal"),
    ("ER4-d20-EV", 20, 4, "equal"),
    ("ER4-d20-NV", 20, 4, "nonequal"),
    ("ER2-d50-EV", 50, 2, "equal"),
    ("ER2-d50-NV", 50, 2, "nonequal"),
    ("ER4-d50-EV", 50, 4, "equal"),
    ("ER4-d50-NV", 50, 4, "nonequal"),
]
VARIANTS = ["none", "tiers (true order)", "3 tiers", "10% edges required",
            "10% non-edges forbidden"]
FRACTION = 0.1


def true_order(W):
    """A topological order of the true DAG (Kahn's algorithm, last ready
    node first: the order the table was produced with)."""
    n_parents = (W != 0).sum(axis=0)
    ready, order = list(np.flatnonzero(n_parents == 0)), []
    while ready:
        node = ready.pop()
        order.append(node)
        children = np.flatnonzero(W[node])
        n_parents[children] -= 1
        ready.extend(c for c in children if n_parents[c] == 0)
    return np.asarray(order)


def prior_of(variant, W, rng):
    """The CoLiDE keyword arguments of one variant for the true graph ``W``."""
    d = W.shape[0]
    if variant == "none":
        return {}
    position = np.empty(d, dtype=np.int64)
    position[true_order(W)] = np.arange(d)
    if variant == "tiers (true order)":
        return {"tiers": position}
    if variant == "3 tiers":
        return {"tiers": 3 * position // d}
    edges = np.argwhere(W != 0)
    if variant == "10% edges required":
        k = int(np.ceil(FRACTION * len(edges)))
        return {"required_edges": edges[rng.choice(len(edges), k, replace=False)]}
    non_edges = np.argwhere((W == 0) & ~np.eye(d, dtype=bool))
    k = int(np.ceil(FRACTION * len(non_edges)))
    return {"forbidden_edges": non_edges[rng.choice(len(non_edges), k, replace=False)]}


def violations(est, prior):
    """Forbidden edges in the estimate plus required edges missing from it."""
    count = 0
    if "required_edges" in prior:
        i, j = np.asarray(prior["required_edges"]).T
        count += int(np.sum(~est.adjacency_[i, j]))
    if "forbidden_edges" in prior:
        i, j = np.asarray(prior["forbidden_edges"]).T
        count += int(np.sum(est.adjacency_[i, j]))
    if "tiers" in prior:
        tier = np.asarray(prior["tiers"])
        count += int(np.sum(est.adjacency_ & (tier[:, None] > tier[None, :])))
    return count


def run(seeds):
    rows = []
    for name, d, k, variance in DESIGNS:
        per_variant = {v: {"shd": [], "tpr": [], "fdr": [], "cpu": [], "bad": 0,
                           "warned": 0}
                       for v in VARIANTS}
        for seed in range(seeds):
            W, X = simulate(d, k, variance, seed)
            for variant in VARIANTS:
                prior = prior_of(variant, W, np.random.default_rng(seed + 7))
                est = CoLiDE(noise=variance, **prior)
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", ConvergenceWarning)
                    start = time.process_time()
                    est.fit(X)
                    cpu = time.process_time() - start
                scores = edge_recovery(W, est.adjacency_)
                record = per_variant[variant]
                record["shd"].append(structural_hamming_distance(W, est.adjacency_))
                record["tpr"].append(scores["tpr"])
                record["fdr"].append(scores["fdr"])
                record["cpu"].append(cpu)
                record["bad"] += violations(est, prior)
                record["warned"] += sum(issubclass(w.category, ConvergenceWarning)
                                        for w in caught)
        base = np.mean(per_variant["none"]["shd"])
        for variant in VARIANTS:
            record = per_variant[variant]
            mean_shd = np.mean(record["shd"])
            rows.append({
                "design": name,
                "prior knowledge": variant,
                "SHD": mean_std(record["shd"], 1),
                "SHD change": ("" if variant == "none"
                               else f"{100 * (mean_shd - base) / base:+.0f}%"),
                "TPR": mean_std(record["tpr"]),
                "FDR": mean_std(record["fdr"]),
                "CPU (s)": mean_std(record["cpu"]),
                "violations": record["bad"],
                "ConvergenceWarnings": record["warned"],
            })
            print(rows[-1], flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    load_before = load_average()
    rows = run(args.seeds)
    columns = ["design", "prior knowledge", "SHD", "SHD change", "TPR", "FDR",
               "CPU (s)", "violations", "ConvergenceWarnings"]
    text = "\n".join([
        "# CoLiDE with prior knowledge",
        "",
        f"Generated by `python benchmarks/bench_colide_prior.py --seeds "
        f"{args.seeds}`. {machine_line()} Load average before / after: "
        f"{load_before} / {load_average()}.",
        "",
        "Designs of `bench_colide.py` (n = 1000; EV: weights ±[0.5, 2], "
        "noise variance 1, CoLiDE-EV; NV: weights ±[0.25, 1], variances "
        "U[0.5, 10], CoLiDE-NV), defaults otherwise. Mean ± standard "
        f"deviation over {args.seeds} seeds; 'SHD change' is the change of "
        "the mean SHD against no prior knowledge. 'tiers (true order)' gives "
        "each node its position in a topological order of the true graph, "
        "'3 tiers' that order cut in thirds; required and forbidden edges "
        "are 10% (rounded up) of the true edges and of the non-edges "
        "(reversed true edges included), drawn at random; SHD counts them "
        "too. 'violations' counts forbidden edges found plus required "
        "edges missed, summed over the seeds; 'ConvergenceWarnings' the "
        "fits that reached max_iter in a stage.",
        "",
        markdown_table(rows, columns),
        "",
    ])
    TABLE.write_text(text)
    print(f"wrote {TABLE}")


if __name__ == "__main__":
    main()
