"""Demo of the covariance family for ``python -m sparsestat demo``."""

import time

import numpy as np

from sparsestat.covariance import MTP2GraphicalModel
from sparsestat.datasets import make_mtp2_precision
from sparsestat.metrics import edge_recovery


def run_demo(random_state=0):
    """Fit the M-matrix and diagonally dominant MTP2 models on simulated data.

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
    >>> from sparsestat.covariance._demo import run_demo
    >>> [row["metric"] for row in run_demo()]
    ['precision error', 'precision error']
    """
    rows = []
    p, n = 100, 500
    rng = np.random.default_rng(random_state)
    # a BA tree for the M-matrix model, a 10 x 10 lattice for the diagonally
    # dominant one (a DD precision on a BA tree has hubs so strongly
    # correlated that n = 5p is too few samples to recover its edges)
    settings = (("m_matrix", False, "BA tree"), ("diag_dominant", True, "10x10 grid"))
    for constraint, dd, graph in settings:
        T = make_mtp2_precision(
            p, graph="BA" if graph == "BA tree" else "grid", diag_dominant=dd,
            random_state=random_state,
        )
        X = rng.multivariate_normal(
            np.zeros(p), np.linalg.inv(T), size=n, method="cholesky"
        )
        alpha = 1.5 * np.sqrt(np.log(p) / n) * np.mean(np.diag(np.cov(X.T)))
        start = time.perf_counter()
        model = MTP2GraphicalModel(alpha=alpha, constraint=constraint).fit(X)
        elapsed = time.perf_counter() - start
        scores = edge_recovery(T, model.precision_, directed=False)
        n_edges = int(np.count_nonzero(np.triu(T, 1)))
        rows.append({
            "family": "covariance",
            "estimator": f"MTP2GraphicalModel({constraint!r})",
            "data": f"MTP2 Gaussian p={p} n={n} {graph}",
            "truth": f"{n_edges} edges",
            "found": f"{scores['nnz']} edges",
            "f1": scores["f1"],
            "metric": "precision error",
            "value": float(np.linalg.norm(model.precision_ - T) / np.linalg.norm(T)),
            "time_s": elapsed,
        })
    return rows
