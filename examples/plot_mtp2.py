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
the returns MTP2): partial correlations of the sample covariance, of
scikit-learn's GraphicalLassoCV and of the MTP2 estimate without any
penalty (alpha = 0), with their log-likelihood on a fresh sample. The
figure is saved next to this file as ``plot_mtp2.png``.
"""


import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.covariance import EmpiricalCovariance, GraphicalLassoCV  # noqa: E402

from sparsestat.covariance import MTP2GraphicalModel  # noqa: E402
from sparsestat.datasets import make_mtp2_precision  # noqa: E402
from sparsestat.metrics import edge_recovery  # noqa: E402

rng = np.random.default_rng(0)
p, n = 25, 500
side = 5
fig, axes = plt.subplots(3, 3, figsize=(12, 12))

for row, (constraint, dd) in enumerate((("m_matrix", False), ("diag_dominant", True))):
    T = make_mtp2_precision(p, graph="grid", diag_dominant=dd, random_state=0)
    X = rng.multivariate_normal(
        np.zeros(p), np.linalg.inv(T), size=n, method="cholesky"
    )
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

# returns from a one-factor model: r = beta * market + noise, beta > 0; the
# true precision is an M-matrix with all partial correlations positive
n_assets, n_days = 30, 250
beta = rng.uniform(0.5, 1.5, n_assets)


def simulate(n_obs):
    market = rng.standard_normal(n_obs)
    return np.outer(market, beta) + rng.standard_normal((n_obs, n_assets))


returns, future = simulate(n_days), simulate(n_days)


def partial_correlations(precision):
    d = 1 / np.sqrt(np.diag(precision))
    pc = -precision * np.outer(d, d)
    np.fill_diagonal(pc, 0)
    return pc


# the sign constraint alone regularises: the MTP2 estimate with alpha = 0
with np.errstate(invalid="ignore"):  # GraphicalLassoCV's -inf fold scores
    glasso_cv = GraphicalLassoCV().fit(returns)
models = {
    "sample covariance": EmpiricalCovariance().fit(returns),
    "GraphicalLassoCV": glasso_cv,
    "MTP2, alpha=0": MTP2GraphicalModel(alpha=0.0).fit(returns),
}
vmax = np.abs(partial_correlations(models["sample covariance"].precision_)).max()
for ax, (title, model) in zip(axes[2], models.items()):
    pc = partial_correlations(model.precision_)
    ax.imshow(pc, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    ax.set_title(
        f"one-factor returns: {title}\n"
        f"{np.mean(pc[pc != 0] < 0):.0%} of non-zero partial corr. negative,\n"
        f"held-out log-lik. {model.score(future):.2f}"
    )
fig.tight_layout()
fig.savefig("plot_mtp2.png", dpi=80)
print("saved plot_mtp2.png")
