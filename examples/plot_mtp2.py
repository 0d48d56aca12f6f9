"""
Gaussian graphical models under total positivity
=================================================

An MTP2 Gaussian has an M-matrix precision (all partial correlations are
non-negative). :class:`sparsestat.covariance.MTP2GraphicalModel` estimates
it with adaptive MCP stages under the M-matrix constraint or the stronger
diagonally dominant M-matrix constraint.

Top rows: true and estimated precision matrices on a 5 x 5 lattice for both
constraints, and the recovered graph. Bottom row: returns-like data from a
one-factor model (every asset loads positively on the market, which makes
the returns MTP2): partial correlations of the sample, of scikit-learn's
GraphicalLasso and of the MTP2 estimate. The figure is saved next to this
file as ``plot_mtp2.png``.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.covariance import GraphicalLasso  # noqa: E402

from sparsestat.covariance import MTP2GraphicalModel  # noqa: E402
from sparsestat.datasets import make_mtp2_precision  # noqa: E402
from sparsestat.metrics import edge_recovery  # noqa: E402

rng = np.random.default_rng(0)
p, n = 25, 500
side = 5
fig, axes = plt.subplots(3, 3, figsize=(12, 12))

for row, (constraint, dd) in enumerate((("m_matrix", False), ("diag_dominant", True))):
    T = make_mtp2_precision(p, graph="grid", diag_dominant=dd, random_state=0)
    X = rng.multivariate_normal(np.zeros(p), np.linalg.inv(T), size=n)
    alpha = 1.5 * np.sqrt(np.log(p) / n) * np.mean(np.var(X, axis=0))
    model = MTP2GraphicalModel(alpha=alpha, constraint=constraint).fit(X)
    scores = edge_recovery(T, model.precision_, directed=False)
    err = np.linalg.norm(model.precision_ - T) / np.linalg.norm(T)
    vmax = np.abs(T).max()
    axes[row, 0].imshow(T, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    axes[row, 0].set_title(f"true precision ({constraint})")
    axes[row, 1].imshow(model.precision_, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    axes[row, 1].set_title(f"estimate: rel. error {err:.3f}, F1 {scores['f1']:.2f}")
    # the lattice: true edges in grey, recovered edges in colour
    ax = axes[row, 2]
    pos = np.array([divmod(k, side) for k in range(p)], dtype=float)
    for i, j in zip(*np.nonzero(np.triu(T, 1))):
        ax.plot(pos[[i, j], 1], pos[[i, j], 0], color="0.8", lw=6, zorder=1)
    for i, j in zip(*np.nonzero(np.triu(model.adjacency_, 1))):
        color = "tab:blue" if T[i, j] != 0 else "tab:red"
        ax.plot(pos[[i, j], 1], pos[[i, j], 0], color=color, lw=2, zorder=2)
    ax.scatter(pos[:, 1], pos[:, 0], s=40, color="k", zorder=3)
    ax.set_title("graph: true (grey), found (blue), false (red)")
    ax.set_axis_off()

# returns from a one-factor model: r = beta * market + noise, beta > 0
n_assets, n_days = 30, 250
beta = rng.uniform(0.5, 1.5, n_assets)
market = rng.standard_normal(n_days) * 0.01
returns = np.outer(market, beta) + rng.standard_normal((n_days, n_assets)) * 0.01
returns /= returns.std(axis=0)


def partial_correlations(precision):
    d = 1 / np.sqrt(np.diag(precision))
    pc = -precision * np.outer(d, d)
    np.fill_diagonal(pc, 0)
    return pc


alpha = 1.5 * np.sqrt(np.log(n_assets) / n_days)
sample = partial_correlations(np.linalg.inv(np.cov(returns.T, bias=True)))
glasso = partial_correlations(GraphicalLasso(alpha=alpha).fit(returns).precision_)
mtp2 = partial_correlations(MTP2GraphicalModel(alpha=alpha).fit(returns).precision_)
vmax = np.abs(sample).max()
for ax, pc, title in zip(
    axes[2], (sample, glasso, mtp2), ("sample", "GraphicalLasso", "MTP2GraphicalModel")
):
    ax.imshow(pc, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    ax.set_title(f"one-factor returns: {title}\n{np.mean(pc < 0):.0%} negative partial corr.")
fig.tight_layout()
fig.savefig(Path(__file__).with_suffix(".png"), dpi=80)
print("saved", Path(__file__).with_suffix(".png").name)
