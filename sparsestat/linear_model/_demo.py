"""Rows of ``python -m sparsestat demo`` for the linear-model family."""

from time import perf_counter

import numpy as np

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import NonconvexLasso
from sparsestat.metrics import support_recovery


def run_demo(random_state=0):
    """Fit ``NonconvexLasso`` with each penalty on one simulated design.

    Parameters
    ----------
    random_state : int, default=0
        Seed of the simulated data.

    Returns
    -------
    rows : list of dict
        One row per fit, with the keys of the demo table (see
        ``sparsestat._cli.DEMO_COLUMNS``).

    Examples
    --------
    >>> from sparsestat.linear_model._demo import run_demo
    >>> [row["estimator"] for row in run_demo()]
    ["NonconvexLasso(penalty='l1')", "NonconvexLasso(penalty='mcp')", \
"NonconvexLasso(penalty='scad')"]
    """
    n, p, k = 300, 1000, 10
    X, y, coef = make_sparse_regression(n, p, k, rho=0.5, snr=10,
                                        random_state=random_state)
    rows = []
    for penalty in ("l1", "mcp", "scad"):
        start = perf_counter()
        model = NonconvexLasso(alpha=0.35, penalty=penalty).fit(X, y)
        elapsed = perf_counter() - start
        w = np.ravel(model.coef_)
        scores = support_recovery(coef, w)
        rows.append({
            "family": "linear_model",
            "estimator": f"NonconvexLasso(penalty={penalty!r})",
            "data": f"regression n={n} p={p} rho=0.5 SNR=10",
            "truth": f"{k} non-zero coefs",
            "found": f"{scores['nnz']} non-zero",
            "f1": scores["f1"],
            "metric": "coef error",
            "value": float(np.linalg.norm(w - coef) / np.linalg.norm(coef)),
            "time_s": elapsed,
        })
    return rows
