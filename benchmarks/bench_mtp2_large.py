"""MTP2 at large p: the block decomposition of the stages against the solver
that solves each connected component whole.

Unweighted BA trees (``make_mtp2_precision(p, graph="BA")``), n = 5 p
Gaussian samples, four adaptive MCP stages with gamma = 2 and
alpha = 1.5 sqrt(log p / n), the default Newton solver and tolerance
(``mtp2_graphical_model`` on the empirical covariance: only the fit is
timed, not the covariance). ``new`` splits every stage into the
biconnected blocks of its thresholded graph (bridges in closed form);
``old`` (the private switch ``_decompose._SPLIT_BLOCKS = False``) solves
every connected component whole, as before. Times are CPU seconds of this
process with BLAS pinned to one thread, also in units of one ``p x p``
inverse (``numpy.linalg.inv`` of the covariance, best of three, measured in
the same run). Peak memory: the largest amount traced by ``tracemalloc``
during the fit (numpy's arrays, the kernels' work arrays included), in
multiples of one ``p x p`` float64 matrix.

Samples are drawn without forming the covariance: ``x = P' L^{-T} z`` with
the sparse Cholesky factor ``L`` of the permuted precision (leaves first,
which has no fill-in on a tree), and the covariance is accumulated over
chunks of rows, so the n x p data are never held at once.

Run ``python benchmarks/bench_mtp2_large.py`` from the worktree (``--p 2000
5000``; ``--old-max-p`` the largest p at which the old solver also runs;
``--block-times 2000`` prints instead how the kernel time of one fit splits
between the largest block and the others, the bound on threads over blocks).
"""

import argparse
import time
import tracemalloc
from pathlib import Path

from _common import load_average, machine_line, pin_blas

_LIMITER = pin_blas()

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402

from sparsestat.covariance import _decompose, mtp2_graphical_model  # noqa: E402
from sparsestat.datasets import make_mtp2_precision  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "mtp2_large.md"


def _leaves_first(T):
    """An elimination order peeling vertices of degree <= 1 first (perfect
    on a tree: no fill-in), the rest in index order."""
    p = T.shape[0]
    adj = [set(np.flatnonzero(T[i])) - {i} for i in range(p)]
    order, seen = [], np.zeros(p, dtype=bool)
    queue = [i for i in range(p) if len(adj[i]) <= 1]
    while queue:
        i = queue.pop()
        if seen[i]:
            continue
        seen[i] = True
        order.append(i)
        for j in adj[i]:
            adj[j].discard(i)
            if not seen[j] and len(adj[j]) <= 1:
                queue.append(j)
    order.extend(np.flatnonzero(~seen).tolist())
    return np.array(order)


def sample_covariance(T, n, seed, chunk=2500):
    """Biased empirical covariance of ``n`` draws of ``N(0, T^{-1})``."""
    p = T.shape[0]
    perm = _leaves_first(T)
    L = np.linalg.cholesky(T[np.ix_(perm, perm)])
    # upper factor U = L': x_perm = U^{-1} z, solved row by row from the end
    U = sparse.csr_matrix(L.T)
    rng = np.random.default_rng(seed)
    total = np.zeros((p, p))
    mean = np.zeros(p)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        x = rng.standard_normal((p, m))
        for i in range(p - 1, -1, -1):
            lo, hi = U.indptr[i], U.indptr[i + 1]
            cols, vals = U.indices[lo + 1 : hi], U.data[lo + 1 : hi]
            if cols.size:
                x[i] -= vals @ x[cols]
            x[i] /= U.data[lo]
        X = np.empty_like(x)
        X[perm] = x
        mean += X.sum(axis=1)
        total += X @ X.T
    mean /= n
    return total / n - np.outer(mean, mean)


def _inverse_time(S):
    best = np.inf
    for _ in range(3):
        t = time.process_time()
        np.linalg.inv(S)
        best = min(best, time.process_time() - t)
    return best


def _fit(S, alpha, split):
    _decompose._SPLIT_BLOCKS = split
    try:
        tracemalloc.start()
        t = time.process_time()
        T, _, n_iter, kkt, W = mtp2_graphical_model(
            S, alpha, penalty="mcp", gamma=2.0, n_stages=4
        )
        cpu = time.process_time() - t
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        _decompose._SPLIT_BLOCKS = True
    blocks = _decompose.stage_blocks(S > W, split=split)
    largest = max(b.size for c in blocks for b in c)
    n_blocks = sum(len(c) for c in blocks)
    return T, cpu, peak, n_iter, largest, n_blocks


def run(p, old, seed=0):
    n = 5 * p
    T0 = make_mtp2_precision(p, graph="BA", random_state=seed)
    t = time.process_time()
    S = sample_covariance(T0, n, seed)
    sample_time = time.process_time() - t
    alpha = 1.5 * np.sqrt(np.log(p) / n)
    inv = _inverse_time(S)
    rows = []
    fits = {}
    for label, split in (("new", True), ("old", False)) if old else (("new", True),):
        T, cpu, peak, n_iter, largest, n_blocks = _fit(S, alpha, split)
        fits[label] = T
        err = np.linalg.norm(T - T0) / np.linalg.norm(T0)
        rows.append(
            f"| {p} | {label} | {cpu:.1f} | {cpu / inv:.1f} | "
            f"{peak / (8 * p * p):.1f} | {largest} | {n_blocks} | "
            f"{'/'.join(map(str, n_iter))} | {err:.4f} |"
        )
        print(rows[-1], flush=True)
    diff = ""
    if old:
        diff = (f"max |T_new - T_old| / max |T_old| = "
                f"{np.abs(fits['new'] - fits['old']).max() / np.abs(fits['old']).max():.1e}")
    return rows, inv, sample_time, diff


def block_times(p, seed=0):
    """Per stage: the fit's CPU time, the kernel time of the largest block
    and of all the other blocks (what threads over blocks could overlap)."""
    from sparsestat.covariance import _path

    n = 5 * p
    S = sample_covariance(make_mtp2_precision(p, graph="BA", random_state=seed),
                          n, seed)
    alpha = 1.5 * np.sqrt(np.log(p) / n)
    kernel, calls = _path.mtp2_newton, []

    def timed(T, *args):
        t = time.process_time()
        out = kernel(T, *args)
        calls.append((T.shape[0], time.process_time() - t))
        return out

    _path.mtp2_newton = timed
    try:
        precision = np.diag(1.0 / np.diag(S))
        weights = np.full_like(S, alpha)
        np.fill_diagonal(weights, 0.0)
        for stage in range(1, 5):
            calls.clear()
            t = time.process_time()
            precision = _path._solve_stage(S, weights, precision, False, "newton",
                                           1000, 1e-6)[0]
            total = time.process_time() - t
            largest = max(calls)
            rest = sum(c[1] for c in calls) - largest[1]
            print(f"| {p} | {stage} | {total:.2f} | {largest[1]:.2f} ({largest[0]}) "
                  f"| {rest:.3f} ({len(calls) - 1} blocks) |")
            weights = _path.penalty_weights(precision, alpha, "mcp", 2.0)
    finally:
        _path.mtp2_newton = kernel


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--p", type=int, nargs="+", default=[2000, 5000])
    parser.add_argument("--old-max-p", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--block-times", type=int, metavar="P",
                        help="only print, per stage at this p, the time of the "
                        "largest block's kernel against the other blocks'")
    args = parser.parse_args()
    if args.block_times:
        print("| p | stage | stage CPU s | largest block's kernel s (size) "
              "| other blocks' kernels s |")
        print("|---|---|---|---|---|")
        block_times(args.block_times)
        return
    lines = [
        "# MTP2 at large p: block decomposition of the stages",
        "",
        machine_line(),
        "",
        "BA tree, n = 5 p, four adaptive MCP stages (gamma = 2), alpha = "
        "1.5 sqrt(log p / n), solver='newton', tol=1e-6, seed 0. `new`: "
        "biconnected blocks of each stage's thresholded graph (bridges in "
        "closed form), covariance glued from the blocks; `old`: each "
        "connected component solved whole. CPU seconds; `inverses`: the "
        "time in units of one p x p `numpy.linalg.inv` measured in the same "
        "run; `peak`: tracemalloc peak during the fit in p x p doubles; "
        "`largest`: the largest block of the last stage; `iters`: Newton "
        "iterations per stage (largest over the blocks); `error`: "
        "||T - T0||_F / ||T0||_F.",
        "",
        "| p | solver | CPU s | inverses | peak (p^2 doubles) | largest block "
        "| blocks | iters | error |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for p in args.p:
        rows, inv, sample_time, diff = run(p, old=p <= args.old_max_p)
        lines.extend(rows)
        notes.append(
            f"- p = {p}: one inverse {inv:.2f} s; sampling and covariance "
            f"(untimed) {sample_time:.1f} s" + (f"; {diff}" if diff else "")
            + f"; load average after the run {load_average()}."
        )
        if p > args.old_max_p:
            notes.append(f"- p = {p}: the old solver was not run (its cost "
                         "grows as p^3 over the whole component).")
    lines += [""] + notes + [""]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
