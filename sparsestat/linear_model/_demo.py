"""Rows of ``python -m sparsestat demo`` for the linear-model family."""

import numpy as np

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import NonconvexLasso
from sparsestat.metrics import support_recovery
from sparsestat.utils._demo import DemoCase


def demo_cases(random_state=0):
    """``NonconvexLasso`` with each penalty on one simulated design.

    Examples
    --------
    >>> from sparsestat.linear_model._demo import demo_cases
    >>> [case.estimator for case in demo_cases()]
    ["NonconvexLasso(penalty='l1')", "NonconvexLasso(penalty='mcp')", \
"NonconvexLasso(penalty='scad')"]
    """
    n, p, k = 300, 1000, 10
    X, y, coef = make_sparse_regression(n, p, k, rho=0.5, snr=10,
                                        random_state=random_state)

    def score(model):
        w = np.ravel(model.coef_)
        scores = support_recovery(coef, w)
        return {"found": f"{scores['nnz']} non-zero", "f1": scores["f1"],
                "metric": "coef error",
                "value": float(np.linalg.norm(w - coef) / np.linalg.norm(coef))}

    for penalty in ("l1", "mcp", "scad"):
        yield DemoCase(
            estimator=f"NonconvexLasso(penalty={penalty!r})",
            data=f"regression n={n} p={p} rho=0.5 SNR=10",
            truth=f"{k} non-zero coefs",
            model=NonconvexLasso(alpha=0.35, penalty=penalty),
            X=X, y=y, score=score,
        )
