"""Linear models with nonconvex (MCP, SCAD) and convex (L1) penalties."""

from sparsestat.linear_model._nonconvex_lasso import NonconvexLasso

__all__ = ["NonconvexLasso"]
