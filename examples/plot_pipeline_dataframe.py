"""
A Pipeline on a DataFrame, tuned by GridSearchCV
================================================

sparsestat's estimators are scikit-learn estimators: they go into a
:class:`~sklearn.pipeline.Pipeline`, take a pandas DataFrame, keep its
column names (``feature_names_in_``) and are tuned by
:class:`~sklearn.model_selection.GridSearchCV` like any other. Here a
scaler and :class:`~sparsestat.linear_model.NonconvexLasso` are tuned over
the penalty and ``alpha`` on a small table of named features.
"""

# %%
# A table with named columns
# --------------------------
# Twelve measurements in very different units; the response depends on
# three of them.

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sparsestat.linear_model import NonconvexLasso

rng = np.random.default_rng(0)
n = 300
names = ["age", "income", "height_cm", "weight_kg", "hours_sleep", "steps",
         "coffee_cups", "commute_km", "screen_hours", "rent", "pets", "books"]
units = np.array([10, 2e4, 10, 15, 1, 3e3, 1.5, 12, 2, 500, 1, 20])
offsets = np.array([45, 5e4, 170, 75, 7, 8e3, 2, 20, 5, 1200, 1, 30])
X = pd.DataFrame(offsets + units * rng.standard_normal((n, len(names))),
                 columns=names)
# the response: standardised age, steps and screen hours, plus noise
Z = (X - X.mean()) / X.std()
y = 2.0 * Z["age"] - 1.5 * Z["steps"] + 1.0 * Z["screen_hours"] \
    + 0.5 * rng.standard_normal(n)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
X.head()

# %%
# Pipeline and grid search
# ------------------------
# Parameters of a step are addressed as ``<step>__<parameter>``.
# ``set_output(transform="pandas")`` makes the scaler hand a DataFrame on,
# so the model itself sees the column names.

pipe = make_pipeline(StandardScaler(), NonconvexLasso()).set_output(transform="pandas")
grid = {
    "nonconvexlasso__penalty": ["l1", "mcp", "scad"],
    "nonconvexlasso__alpha": np.geomspace(0.01, 1.0, 12),
}
search = GridSearchCV(pipe, grid, cv=5).fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"held-out R^2: {search.score(X_test, y_test):.3f}")

# %%
# The selected features, by name
# ------------------------------
# The fitted model remembers the DataFrame's columns.

model = search.best_estimator_[-1]
coef = pd.Series(np.ravel(model.coef_), index=model.feature_names_in_)
print(coef[coef != 0])

# %%
# Cross-validated score over the grid
# -----------------------------------
# Mean R^2 over the five folds (higher is better) for each penalty.

results = pd.DataFrame(search.cv_results_)
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for penalty, rows in results.groupby("param_nonconvexlasso__penalty"):
    ax.semilogx(rows["param_nonconvexlasso__alpha"].astype(float),
                rows["mean_test_score"], "o-", label=penalty.upper())
ax.set_xlabel("alpha")
ax.set_ylabel("mean CV R^2")
ax.legend()
plt.show()
