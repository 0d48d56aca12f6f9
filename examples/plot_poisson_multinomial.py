"""
Poisson counts and multinomial classes with nonconvex penalties
===============================================================

Two generalised linear models with the same penalties as the Lasso:
:class:`~sparsestat.linear_model.NonconvexPoissonRegression` for counts
(log link; the data term is half the mean Poisson deviance, as in
scikit-learn's :class:`~sklearn.linear_model.PoissonRegressor`) and
:class:`~sparsestat.linear_model.NonconvexLogisticRegression`, which fits the
multinomial model when ``y`` has more than two classes, with a penalty on
every coefficient of every class. First the MCP and L1 paths of a Poisson
model on simulated counts, then a multinomial model of the handwritten
digits that ship with scikit-learn, with the pixels each digit's
coefficients select.
"""

# %%
# Simulated counts
# ----------------
# 400 samples, 200 features with correlation 0.5 between neighbours, 6 of
# them in the true log-linear model ``log E[y] = 0.5 + X coef``.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import NonconvexLogisticRegression, nonconvex_path
from sparsestat.metrics import support_recovery

rng = np.random.default_rng(0)
X, _, coef = make_sparse_regression(400, 200, 6, rho=0.5, random_state=0)
coef *= 0.8 / np.std(X @ coef)  # the log-mean varies by about +-0.8
y = rng.poisson(np.exp(0.5 + X @ coef))
true = np.flatnonzero(coef)
false = np.setdiff1d(np.arange(X.shape[1]), true)
print(f"counts from 0 to {y.max()}, mean {y.mean():.2f}; true support {true.tolist()}")

# %%
# MCP and L1 paths
# ----------------
# :func:`~sparsestat.linear_model.nonconvex_path` with ``loss="poisson"``
# fits a decreasing grid of ``alpha`` with warm starts (the intercept is
# fitted, unpenalised). True features in colour, false ones in grey; the
# right panel scores the selected support at each ``alpha`` against the
# true one (F1 = 1: exactly the true features). L1 needs a small ``alpha``
# to bring every true feature in, and false ones come with them; MCP stops
# shrinking large coefficients and keeps the true support over a wide range
# of ``alpha``.

fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.2), layout="constrained")
colors = plt.cm.Dark2(np.linspace(0, 1, true.size))
for ax, penalty, style in [(axes[0], "l1", "-"), (axes[1], "mcp", "--")]:
    alphas, coefs, intercepts, _ = nonconvex_path(
        X, y, loss="poisson", penalty=penalty, alphas=50, eps=0.02,
        return_intercept=True)
    ax.semilogx(alphas, coefs[false].T, color="0.8", lw=0.6)
    for color, j in zip(colors, true, strict=True):
        ax.semilogx(alphas, coefs[j], color=color, lw=1.5)
    ax.invert_xaxis()
    ax.set_title(f"Poisson {penalty.upper()} path")
    ax.set_xlabel("alpha")
    f1 = [support_recovery(coef, coefs[:, k])["f1"] for k in range(alphas.size)]
    axes[2].semilogx(alphas, f1, "k", ls=style, label=penalty.upper())
    best = int(np.argmax(f1))
    print(f"{penalty:>4}: best support F1 {f1[best]:.2f} at alpha = {alphas[best]:.4f} "
          f"({np.count_nonzero(coefs[:, best])} features)")
axes[0].set_ylabel("coefficient")
axes[2].invert_xaxis()
axes[2].set_xlabel("alpha")
axes[2].set_ylabel("support F1")
axes[2].legend()

# %%
# Multinomial: handwritten digits
# -------------------------------
# 1797 images of 8 x 8 pixels, 10 classes. With more than two classes,
# :class:`~sparsestat.linear_model.NonconvexLogisticRegression` minimises
# the mean multinomial log-loss plus the penalty of every entry of
# ``coef_`` (shape (n_classes, n_features), as in scikit-learn), so each
# digit selects its own pixels. The pixels are standardised (constant
# border pixels stay zero).

digits = load_digits()
X_train, X_test, y_train, y_test = train_test_split(
    digits.data, digits.target, test_size=0.3, random_state=0,
    stratify=digits.target)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# Accuracy against sparsity
# -------------------------
# A warm-started grid of ``alpha`` for each penalty (``warm_start=True``
# starts each fit from the previous solution). At the same number of
# non-zero coefficients MCP is the more accurate in the very sparse models
# (a few pixels per digit); with more than about 100 coefficients L1 is.

alphas = np.geomspace(0.1, 0.003, 8)
fig, ax = plt.subplots(figsize=(5, 3.4), layout="constrained")
for penalty, marker in [("l1", "o"), ("mcp", "s")]:
    model = NonconvexLogisticRegression(penalty=penalty, warm_start=True)
    nnz, accuracy = [], []
    for alpha in alphas:
        model.set_params(alpha=alpha).fit(X_train, y_train)
        nnz.append(np.count_nonzero(model.coef_))
        accuracy.append(model.score(X_test, y_test))
        if penalty == "mcp" and np.isclose(alpha, alphas[5]):
            W, classes = model.coef_.copy(), model.classes_
    ax.plot(nnz, accuracy, marker=marker, label=penalty.upper())
    print(f"{penalty:>4}: " + ", ".join(f"{k} coefs: {a:.3f}"
                                        for k, a in zip(nnz, accuracy, strict=True)))
ax.set_xlabel("non-zero coefficients (of 640)")
ax.set_ylabel("test accuracy")
ax.legend()

# %%
# Selected pixels per class
# -------------------------
# The MCP model at ``alpha`` = 0.0082: each panel is one row of ``coef_``
# as an 8 x 8 image. Red pixels raise the score of that digit, blue ones
# lower it, white ones are not selected for it: each digit uses its own few
# pixels.

used = np.count_nonzero(np.any(W != 0, axis=0))
print(f"MCP at alpha = {alphas[5]:.4f}: {np.count_nonzero(W)} non-zero "
      f"coefficients, {used} of 64 pixels used by some digit")
scale = np.abs(W).max()
fig, axes = plt.subplots(2, 5, figsize=(9, 4), layout="constrained")
for digit, row, ax in zip(classes, W, axes.ravel(), strict=True):
    image = ax.imshow(row.reshape(8, 8), cmap="RdBu_r", vmin=-scale, vmax=scale)
    ax.set_title(f"{digit}: {np.count_nonzero(row)} pixels", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
fig.colorbar(image, ax=axes, shrink=0.8, label="coefficient")
plt.show()
