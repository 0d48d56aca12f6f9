import networkx as nx
import numpy as np
import pytest

from sparsestat.utils._graph import is_dag, topological_order


def _random_digraph(d, density, rng):
    W = rng.uniform(-2, 2, size=(d, d)) * (rng.uniform(size=(d, d)) < density)
    np.fill_diagonal(W, 0.0)
    return W


@pytest.mark.parametrize("seed", range(20))
def test_is_dag_matches_networkx(seed):
    rng = np.random.default_rng(seed)
    W = _random_digraph(8, rng.uniform(0.05, 0.4), rng)
    expected = nx.is_directed_acyclic_graph(nx.DiGraph(W))
    assert is_dag(W) == expected
    order = topological_order(W)
    if expected:
        # every edge goes forward in the order
        position = np.empty(8, dtype=int)
        position[order] = np.arange(8)
        rows, cols = np.nonzero(W)
        assert np.all(position[rows] < position[cols])
    else:
        assert order is None


def test_self_loop_is_a_cycle():
    assert not is_dag(np.eye(3))
