"""
Fractional sparse recovery: coordinate descent against full-gradient methods
============================================================================

:class:`~sparsestat.fractional.FractionalSparseRegression` minimises the
ratio ``F(w) = (1/2 ||y - Xw||^2 + alpha ||w||_1) / (alpha ||w||_[k])``,
where ``||w||_[k]`` is the sum of the ``k`` largest ``|w_j|``, by
coordinate descent whose one-dimensional steps are solved globally (PCD
and FCD). We follow ``F`` over time for PCD, FCD and three full-gradient
methods (DPA, PGSA, QTPA, as implemented in the repository's
``benchmarks/bench_fractional.py``) from the same starting point, then
compare the recovered coefficients with the true 20-sparse signal.
"""

# %%
# A random Gaussian design and the five solvers
# ---------------------------------------------
# Each solver gets a budget of two seconds.

import os
import sys

import matplotlib.pyplot as plt
import numpy as np

from sparsestat.metrics import support_recovery

# the baselines live in the repository's benchmarks folder; sphinx-gallery
# runs examples from their folder, without __file__
HERE = os.path.dirname(os.path.abspath(globals().get("__file__", "plot_fractional.py")))
sys.path.insert(0, os.path.join(HERE, "..", "benchmarks"))
from bench_fractional import (  # noqa: E402
    coordinate,
    dpa,
    pgsa,
    qtpa,
    random_instance,
    spectral_sq,
    start_point,
)

m, n, k = 400, 1000, 20
G, y, true = random_instance(m, n, seed=0, n_nonzero=k)
alpha = 1.0 / m
budget = 2.0

x0, bound = start_point(G, y, alpha, k)
L = spectral_sq(G)
curves = {}
for solver in ("pcd", "fcd"):
    times, values, est = coordinate(G, y, alpha, k, budget, solver)
    curves[solver.upper()] = (times, values)
    if solver == "pcd":
        fitted = est
for name, method in (("DPA", dpa), ("PGSA", pgsa), ("QTPA", qtpa)):
    curves[name] = method(G, y, x0, alpha, k, bound, L, budget)
print("final F:", {name: round(float(v[-1]), 6) for name, (_, v) in curves.items()})

# %%
# The objective over time
# -----------------------
# The gap to the best value any solver found (lower is better), on log
# scales: the coordinate methods reach it orders of magnitude sooner.

best = min(values.min() for _, values in curves.values())
fig, ax = plt.subplots(figsize=(6.5, 3.8), layout="constrained")
for name, (times, values) in curves.items():
    ax.semilogy(np.maximum(times, 1e-4), values - best + 1e-12, label=name)
ax.set_xscale("log")
ax.set_xlabel("time (s)")
ax.set_ylabel("F(x) - best F found")
ax.set_title(f"random Gaussian design {m} x {n}, k = {k}")
ax.legend()

# %%
# The recovered support
# ---------------------
# The ratio rewards ``k``-sparse vectors: the ``k`` largest PCD
# coefficients against the true signal.

coef = np.ravel(fitted.coef_)
est_idx = np.argsort(-np.abs(coef))[:k]
fig, ax = plt.subplots(figsize=(6.5, 3.5), layout="constrained")
ax.stem(np.flatnonzero(true), true[true != 0], linefmt="C0-", markerfmt="C0o",
        basefmt=" ", label="true")
ax.stem(est_idx, coef[est_idx], linefmt="C3:", markerfmt="C3x", basefmt=" ",
        label="PCD, k largest")
ax.set_xlabel("feature")
ax.legend()
top = np.zeros(n)
top[est_idx] = coef[est_idx]
print("support recovery of the k largest PCD coefficients:",
      support_recovery(true, top))
plt.show()
