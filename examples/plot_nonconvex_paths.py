"""
Nonconvex penalties: L1, MCP and SCAD paths, and cross-validation
=================================================================

On a correlated sparse regression problem, the Lasso needs a small alpha
to keep every true feature and then also selects false ones, while MCP and
SCAD stop shrinking large coefficients and recover the true support. The
figure shows the three coefficient paths (true features in colour, false
ones in grey), the cross-validation curve of :class:`NonconvexLassoCV`,
and the supports selected by cross-validation.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import NonconvexLassoCV, nonconvex_path
from sparsestat.metrics import support_recovery

X, y, coef = make_sparse_regression(
    200, 500, 8, rho=0.6, snr=20, random_state=0
)
true = np.flatnonzero(coef)

fig, axes = plt.subplots(2, 3, figsize=(14, 8))
for ax, penalty in zip(axes[0], ["l1", "mcp", "scad"]):
    alphas, coefs, _ = nonconvex_path(X, y, penalty=penalty, alphas=60, eps=1e-2)
    false = np.setdiff1d(np.arange(X.shape[1]), true)
    ax.semilogx(alphas, coefs[false].T, color="0.8", lw=0.6)
    for color, j in zip(plt.cm.Dark2(np.linspace(0, 1, true.size)), true):
        ax.semilogx(alphas, coefs[j], color=color, lw=1.5)
    ax.invert_xaxis()
    ax.set_title(f"{penalty.upper()} path")
    ax.set_xlabel("alpha")
axes[0, 0].set_ylabel("coefficient")

scores = {}
for penalty, color in [("l1", "C0"), ("mcp", "C1"), ("scad", "C2")]:
    gamma = 3.0 if penalty != "scad" else 3.7
    cv = NonconvexLassoCV(penalty=penalty, gamma=gamma, alphas=40, eps=1e-2,
                          cv=5).fit(X, y)
    mean = cv.mse_path_[0].mean(axis=1)  # one gamma: (n_alphas, n_folds)
    axes[1, 0].semilogx(cv.alphas_, mean, color=color, label=penalty.upper())
    axes[1, 0].axvline(cv.alpha_, color=color, ls="--", lw=0.8)
    scores[penalty] = support_recovery(coef, cv.coef_)
    print(f"{penalty:>4}: alpha_={cv.alpha_:.3f} {scores[penalty]}")
axes[1, 0].invert_xaxis()
axes[1, 0].set_xlabel("alpha")
axes[1, 0].set_ylabel("CV mean squared error")
axes[1, 0].legend()
axes[1, 0].set_title("cross-validation")

names = list(scores)
axes[1, 1].bar(names, [scores[p]["nnz"] for p in names], color=["C0", "C1", "C2"])
axes[1, 1].axhline(len(true), color="k", ls="--", label="true support size")
axes[1, 1].set_title("features selected by CV")
axes[1, 1].legend()
axes[1, 2].bar(names, [scores[p]["f1"] for p in names], color=["C0", "C1", "C2"])
axes[1, 2].set_ylim(0, 1.05)
axes[1, 2].set_title("support F1 at the CV choice")
fig.tight_layout()
fig.savefig("plot_nonconvex_paths.png", dpi=90)
