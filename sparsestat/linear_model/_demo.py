"""Rows of ``python -m sparsestat demo`` for the linear-model family."""

from time import perf_counter

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import NonconvexLasso
from sparsestat.metrics import support_recovery


def run_demo(random_state=0):
    X, y, coef = make_sparse_regression(
        300, 1000, 10, rho=0.5, snr=10, random_state=random_state
    )
    data = "sparse regression 300x1000, 10 nonzeros, rho=0.5"
    rows = []
    for penalty in ("l1", "mcp", "scad"):
        start = perf_counter()
        model = NonconvexLasso(alpha=0.35, penalty=penalty).fit(X, y)
        elapsed = perf_counter() - start
        rows.append({
            "family": "linear_model",
            "estimator": f"NonconvexLasso(penalty={penalty!r})",
            "data": data,
            "time_s": elapsed,
            "metric": "support F1",
            "value": support_recovery(coef, model.coef_)["f1"],
        })
    return rows
