"""Linear models with nonconvex (MCP, SCAD) and convex (L1) penalties."""

from sparsestat.linear_model._alpha_max import alpha_max
from sparsestat.linear_model._cv import NonconvexLassoCV, NonconvexLogisticRegressionCV
from sparsestat.linear_model._logistic import NonconvexLogisticRegression
from sparsestat.linear_model._nonconvex_lasso import NonconvexLasso
from sparsestat.linear_model._path import nonconvex_path

__all__ = [
    "NonconvexLasso",
    "NonconvexLassoCV",
    "NonconvexLogisticRegression",
    "NonconvexLogisticRegressionCV",
    "alpha_max",
    "nonconvex_path",
]
