"""Linear models with nonconvex (MCP, SCAD) and convex (L1) penalties."""

from sparsestat.linear_model._alpha_max import alpha_max
from sparsestat.linear_model._cv import NonconvexLassoCV, NonconvexLogisticRegressionCV
from sparsestat.linear_model._information_criterion import (
    NonconvexLassoIC,
    NonconvexLogisticRegressionIC,
    NonconvexPoissonRegressionIC,
)
from sparsestat.linear_model._logistic import NonconvexLogisticRegression
from sparsestat.linear_model._nonconvex_lasso import NonconvexLasso
from sparsestat.linear_model._path import nonconvex_path
from sparsestat.linear_model._poisson import NonconvexPoissonRegression
from sparsestat.linear_model._poisson_cv import NonconvexPoissonRegressionCV
from sparsestat.linear_model._precompute import (
    SufficientStatistics,
    sufficient_statistics,
)

__all__ = [
    "NonconvexLasso",
    "NonconvexLassoCV",
    "NonconvexLassoIC",
    "NonconvexLogisticRegression",
    "NonconvexLogisticRegressionCV",
    "NonconvexLogisticRegressionIC",
    "NonconvexPoissonRegression",
    "NonconvexPoissonRegressionCV",
    "NonconvexPoissonRegressionIC",
    "SufficientStatistics",
    "alpha_max",
    "nonconvex_path",
    "sufficient_statistics",
]
