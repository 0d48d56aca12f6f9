"""Demo rows for ``python -m sparsestat demo``: CoLiDE-EV and -NV on simulated SEMs."""

import numpy as np

from sparsestat.dag import CoLiDE
from sparsestat.datasets import make_dag, sample_linear_sem
from sparsestat.metrics import edge_recovery
from sparsestat.utils._demo import DemoCase


def demo_cases(random_state=0):
    """CoLiDE-EV and CoLiDE-NV on a 20-node ER2 linear SEM.

    Examples
    --------
    >>> from sparsestat.dag._demo import demo_cases
    >>> [case.estimator for case in demo_cases()]
    ["CoLiDE(noise='equal')", "CoLiDE(noise='nonequal')"]
    """
    rng = np.random.default_rng(random_state)
    d, n = 20, 1000
    W = make_dag(d, edges_per_node=2, random_state=random_state)
    designs = {
        "equal": ("equal noise var.", 1.0),
        "nonequal": ("noise var. U[0.5, 2]", np.sqrt(rng.uniform(0.5, 2.0, d))),
    }
    n_edges = int(np.count_nonzero(W))

    def score(est):
        scores = edge_recovery(W, est.adjacency_)
        return {"found": f"{scores['nnz']} edges", "f1": scores["f1"],
                "metric": "SHD", "value": float(scores["shd"])}

    for noise, (label, scale) in designs.items():
        yield DemoCase(
            estimator=f"CoLiDE(noise={noise!r})",
            data=f"ER2 DAG d={d} n={n} {label}",
            truth=f"{n_edges} directed edges",
            model=CoLiDE(noise=noise),
            X=sample_linear_sem(W, n, noise_scale=scale, random_state=random_state),
            score=score,
        )
