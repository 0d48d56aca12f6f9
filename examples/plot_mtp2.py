"""
Gaussian graphical models under total positivity
=================================================

An MTP2 Gaussian has an M-matrix precision: all partial correlations are
non-negative. :class:`sparsestat.covariance.MTP2GraphicalModel` estimates
it with adaptive MCP stages under the M-matrix constraint or the stronger
diagonally dominant M-matrix constraint. We recover a lattice graph under
both constraints, then look at returns-like data from a one-factor model.
"""

# %%
# A 5 x 5 lattice, under each constraint
# --------------------------------------
# For each constraint: the true precision matrix, the estimate (relative
# Frobenius error, lower is better; edge F1, higher is better), and the
# lattice with the true edges in grey, the recovered ones in blue and the
# false ones in red.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.covariance import EmpiricalCovariance, GraphicalLassoCV

from sparsestat.covariance import MTP2GraphicalModel
from sparsestat.datasets import make_mtp2_precision
from sparsestat.metrics import edge_recovery

rng = np.random.default_rng(0)
p, n, side = 25, 500, 5
pos = np.array([divmod(k, side) for k in range(p)], dtype=float)

for constraint, dd in (("m_matrix", False), ("diag_dominant", True)):
    T = make_mtp2_precision(p, graph="grid", diag_dominant=dd, random_state=0)
    X = rng.multivariate_normal(np.zeros(p), np.linalg.inv(T), size=n,
                                method="cholesky")
    alpha = 1.5 * np.sqrt(np.log(p) / n) * np.mean(np.var(X, axis=0))
    model = MTP2GraphicalModel(alpha=alpha, constraint=constraint).fit(X)
    scores = edge_recovery(T, model.precision_, directed=False)
    err = np.linalg.norm(model.precision_ - T) / np.linalg.norm(T)

    fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.4), layout="constrained")
    vmax = np.abs(T).max()
    axes[0].imshow(T, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    axes[0].set_title(f"true precision\n({constraint})", fontsize=10)
    axes[1].imshow(model.precision_, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    axes[1].set_title(f"estimate\nrel. error {err:.3f}, F1 {scores['f1']:.2f}",
                      fontsize=10)
    ax = axes[2]
    for i, j in zip(*np.nonzero(np.triu(T, 1))):
        ax.plot(pos[[i, j], 1], pos[[i, j], 0], color="0.8", lw=6, zorder=1)
    for i, j in zip(*np.nonzero(np.triu(model.adjacency_, 1))):
        color = "tab:blue" if T[i, j] != 0 else "tab:red"
        ax.plot(pos[[i, j], 1], pos[[i, j], 0], color=color, lw=2, zorder=2)
    ax.scatter(pos[:, 1], pos[:, 0], s=30, color="k", zorder=3)
    ax.set_title("graph: true (grey), found\n(blue), false (red)", fontsize=10)
    ax.set_axis_off()
    print(f"{constraint}: relative error {err:.3f}, {scores}")

# %%
# One-factor returns
# ------------------
# Returns ``r = beta * market + noise`` with every ``beta > 0`` are MTP2:
# the true precision is an M-matrix. The sign constraint alone regularises,
# so the MTP2 estimate with ``alpha = 0`` is compared with the sample
# covariance and scikit-learn's ``GraphicalLassoCV`` by their partial
# correlations and their log-likelihood on a fresh sample (higher is
# better).

n_assets, n_days = 30, 250
beta = rng.uniform(0.5, 1.5, n_assets)


def simulate(n_obs):
    market = rng.standard_normal(n_obs)
    return np.outer(market, beta) + rng.standard_normal((n_obs, n_assets))


def partial_correlations(precision):
    d = 1 / np.sqrt(np.diag(precision))
    pc = -precision * np.outer(d, d)
    np.fill_diagonal(pc, 0)
    return pc


returns, future = simulate(n_days), simulate(n_days)
with np.errstate(invalid="ignore"):  # GraphicalLassoCV's -inf fold scores
    glasso_cv = GraphicalLassoCV().fit(returns)
models = {
    "sample covariance": EmpiricalCovariance().fit(returns),
    "GraphicalLassoCV": glasso_cv,
    "MTP2, alpha=0": MTP2GraphicalModel(alpha=0.0).fit(returns),
}

fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.8), layout="constrained")
vmax = np.abs(partial_correlations(models["sample covariance"].precision_)).max()
for ax, (title, model) in zip(axes, models.items()):
    pc = partial_correlations(model.precision_)
    image = ax.imshow(pc, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    ax.set_title(f"{title}\n{np.mean(pc[pc != 0] < 0):.0%} negative partial corr.\n"
                 f"held-out log-lik. {model.score(future):.2f}", fontsize=10)
fig.colorbar(image, ax=axes, shrink=0.7, label="partial correlation")
plt.show()
