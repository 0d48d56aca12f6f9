"""
Sparse logistic regression with nonconvex penalties
===================================================

:class:`~sparsestat.linear_model.NonconvexLogisticRegressionCV` fits a
binary logistic regression with an L1, MCP or SCAD penalty and chooses
``alpha`` by cross-validation (held-out log-loss). On data where 6 of 200
features matter, the nonconvex penalties select fewer false features than
L1 at a similar test accuracy.
"""

# %%
# Simulated classification data
# -----------------------------
# ``coef`` is the true weight vector; labels are drawn from the logistic
# model.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sparsestat.linear_model import NonconvexLogisticRegressionCV
from sparsestat.metrics import support_recovery

rng = np.random.default_rng(0)
n, p = 600, 200
X = rng.standard_normal((n, p))
coef = np.zeros(p)
coef[:6] = [2.0, -2.0, 1.5, -1.5, 1.0, -1.0]
y = (rng.random(n) < 1 / (1 + np.exp(-(X @ coef)))).astype(int)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# One cross-validated fit per penalty
# -----------------------------------
# Support F1 compares the selected features with the true 6 (1 is best).

models, scores = {}, {}
for penalty in ("l1", "mcp", "scad"):
    gamma = 3.7 if penalty == "scad" else 3.0
    model = NonconvexLogisticRegressionCV(penalty=penalty, gamma=gamma, cv=5)
    models[penalty] = model.fit(X_train, y_train)
    # ravel: coef_ is (1, n_features) for a binary problem, as in scikit-learn
    scores[penalty] = support_recovery(coef, np.ravel(model.coef_))
    print(f"{penalty:>4}: alpha_ = {model.alpha_:.4f}, test accuracy "
          f"{model.score(X_test, y_test):.3f}, {scores[penalty]}")

# %%
# Estimated coefficients
# ----------------------
# The first 6 features are the true ones (black crosses: true weights).

fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.2), sharey=True, layout="constrained")
for ax, (penalty, model) in zip(axes, models.items()):
    w = np.ravel(model.coef_)
    ax.bar(np.arange(p), w, width=1.0, color="C0")
    ax.plot(np.arange(6), coef[:6], "kx", label="true")
    ax.set_title(f"{penalty.upper()}: {scores[penalty]['nnz']} selected, "
                 f"F1 {scores[penalty]['f1']:.2f}", fontsize=10)
    ax.set_xlabel("feature")
axes[0].set_ylabel("coefficient")
axes[0].legend()
plt.show()
