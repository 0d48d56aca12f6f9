"""Demo of the covariance family for ``python -m sparsestat demo``."""

import time

import numpy as np

from sparsestat.covariance import MTP2GraphicalModel
from sparsestat.datasets import make_mtp2_precision
from sparsestat.metrics import edge_recovery


def run_demo(random_state=0):
    """Fit the M-matrix and diagonally dominant MTP2 models on simulated data.

    Returns
    -------
    rows : list of dict
        Keys family, estimator, data, time_s, metric, value.

    Examples
    --------
    >>> from sparsestat.covariance._demo import run_demo
    >>> rows = run_demo()
    >>> sorted({row["metric"] for row in rows})
    ['edge_f1', 'rel_frobenius_error']
    """
    rows = []
    p, n = 100, 500
    rng = np.random.default_rng(random_state)
    # a BA tree for the M-matrix model, a 10 x 10 lattice for the diagonally
    # dominant one (a DD precision on a BA tree has hubs so strongly
    # correlated that n = 5p is too few samples to recover its edges)
    settings = (("m_matrix", False, "BA"), ("diag_dominant", True, "grid"))
    for constraint, dd, graph in settings:
        T = make_mtp2_precision(
            p, graph=graph, diag_dominant=dd, random_state=random_state
        )
        X = rng.multivariate_normal(
            np.zeros(p), np.linalg.inv(T), size=n, method="cholesky"
        )
        alpha = 1.5 * np.sqrt(np.log(p) / n) * np.mean(np.diag(np.cov(X.T)))
        start = time.perf_counter()
        model = MTP2GraphicalModel(alpha=alpha, constraint=constraint).fit(X)
        elapsed = time.perf_counter() - start
        data = f"{graph} p={p} n={n}" + (" (DD)" if dd else "")
        name = f"MTP2GraphicalModel({constraint})"
        err = np.linalg.norm(model.precision_ - T) / np.linalg.norm(T)
        f1 = edge_recovery(T, model.precision_, directed=False)["f1"]
        for metric, value in (("rel_frobenius_error", err), ("edge_f1", f1)):
            rows.append(
                {
                    "family": "covariance",
                    "estimator": name,
                    "data": data,
                    "time_s": elapsed,
                    "metric": metric,
                    "value": float(value),
                }
            )
    return rows
