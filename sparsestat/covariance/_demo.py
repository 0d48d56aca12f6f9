"""Demo of the covariance family for ``python -m sparsestat demo``."""

import numpy as np

from sparsestat.covariance import MTP2GraphicalModel
from sparsestat.datasets import make_mtp2_precision
from sparsestat.metrics import edge_recovery
from sparsestat.utils._demo import DemoCase


def demo_cases(random_state=0):
    """The M-matrix and diagonally dominant MTP2 models on simulated data.

    Examples
    --------
    >>> from sparsestat.covariance._demo import demo_cases
    >>> [case.estimator for case in demo_cases()]
    ["MTP2GraphicalModel('m_matrix')", "MTP2GraphicalModel('diag_dominant')"]
    """
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

        def score(model, T=T):
            scores = edge_recovery(T, model.precision_, directed=False)
            error = np.linalg.norm(model.precision_ - T) / np.linalg.norm(T)
            return {"found": f"{scores['nnz']} edges", "f1": scores["f1"],
                    "metric": "precision error", "value": float(error)}

        yield DemoCase(
            estimator=f"MTP2GraphicalModel({constraint!r})",
            data=f"MTP2 Gaussian p={p} n={n} {graph}",
            truth=f"{int(np.count_nonzero(np.triu(T, 1)))} edges",
            model=MTP2GraphicalModel(alpha=alpha, constraint=constraint),
            X=X, score=score,
        )
