"""
Nonconvex penalties: L1, MCP and SCAD paths, and cross-validation
=================================================================

On a correlated sparse regression problem, the Lasso (L1) needs a small
``alpha`` to keep every true feature and then also selects false ones,
while MCP and SCAD stop shrinking large coefficients and recover the true
support. We draw the three regularisation paths, then let
:class:`~sparsestat.linear_model.NonconvexLassoCV` choose ``alpha`` and
compare the supports it selects.
"""

# %%
# Simulated data
# --------------
# 200 samples, 500 features with correlation 0.6 between neighbours, 8 of
# them in the true model (``coef`` is the ground truth).

import matplotlib.pyplot as plt
import numpy as np

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import NonconvexLassoCV, nonconvex_path
from sparsestat.metrics import support_recovery

X, y, coef = make_sparse_regression(200, 500, 8, rho=0.6, snr=20, random_state=0)
true = np.flatnonzero(coef)
false = np.setdiff1d(np.arange(X.shape[1]), true)
print(f"{X.shape[0]} samples, {X.shape[1]} features, true support {true.tolist()}")

# %%
# Regularisation paths
# --------------------
# :func:`~sparsestat.linear_model.nonconvex_path` fits a decreasing grid of
# ``alpha`` with warm starts. True features are drawn in colour, false ones
# in grey: the L1 path lets false features in before the true ones have
# reached their size, MCP and SCAD leave large coefficients unshrunk.

fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), sharey=True, layout="constrained")
colors = plt.cm.Dark2(np.linspace(0, 1, true.size))
for ax, penalty in zip(axes, ["l1", "mcp", "scad"]):
    alphas, coefs, _ = nonconvex_path(X, y, penalty=penalty, alphas=60, eps=1e-2)
    ax.semilogx(alphas, coefs[false].T, color="0.8", lw=0.6)
    for color, j in zip(colors, true):
        ax.semilogx(alphas, coefs[j], color=color, lw=1.5)
    ax.invert_xaxis()
    ax.set_title(f"{penalty.upper()} path")
    ax.set_xlabel("alpha")
axes[0].set_ylabel("coefficient")
grid = alphas  # the same grid for the cross-validation below

# %%
# Cross-validation
# ----------------
# Each penalty's ``alpha`` is chosen by 5-fold cross-validation on the grid
# above (dashed lines: the choices).

fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
scores = {}
for penalty, color in [("l1", "C0"), ("mcp", "C1"), ("scad", "C2")]:
    gamma = 3.7 if penalty == "scad" else 3.0
    cv = NonconvexLassoCV(penalty=penalty, gamma=gamma, alphas=grid, cv=5).fit(X, y)
    # mean over the folds (the last axis) of the held-out errors
    mse = np.squeeze(cv.mse_path_).mean(axis=-1)
    ax.semilogx(grid, mse, color=color, label=penalty.upper())
    ax.axvline(cv.alpha_, color=color, ls="--", lw=0.8)
    scores[penalty] = support_recovery(coef, np.ravel(cv.coef_))
    print(f"{penalty:>4}: alpha_ = {cv.alpha_:.3f}, {scores[penalty]}")
ax.invert_xaxis()
ax.set_xlabel("alpha")
ax.set_ylabel("CV mean squared error")
ax.legend()

# %%
# Selected supports
# -----------------
# At the cross-validated ``alpha``, L1 selects many more features than the
# 8 true ones; MCP and SCAD come close to the true support (F1 near 1).

names = list(scores)
fig, (ax_nnz, ax_f1) = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
ax_nnz.bar(names, [scores[p]["nnz"] for p in names], color=["C0", "C1", "C2"])
ax_nnz.axhline(true.size, color="k", ls="--", label="true support size")
ax_nnz.set_title("features selected by CV")
ax_nnz.legend()
ax_f1.bar(names, [scores[p]["f1"] for p in names], color=["C0", "C1", "C2"])
ax_f1.set_ylim(0, 1.05)
ax_f1.set_title("support F1 at the CV choice (1 is best)")
plt.show()
