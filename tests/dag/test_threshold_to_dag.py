import networkx as nx
import numpy as np
import pytest

from sparsestat.dag import threshold_to_dag
from sparsestat.utils._graph import is_dag


def _random_digraph(d, density, rng):
    W = rng.uniform(-2, 2, size=(d, d)) * (rng.uniform(size=(d, d)) < density)
    np.fill_diagonal(W, 0.0)
    return W


def _sequential_removal(W, threshold):
    """The definition: drop edges one by one, weakest first, until acyclic."""
    A = W.copy()
    np.fill_diagonal(A, 0.0)
    A[np.abs(A) < threshold] = 0.0
    rows, cols = np.nonzero(A)
    for k in np.argsort(np.abs(A[rows, cols]), kind="stable"):
        if nx.is_directed_acyclic_graph(nx.DiGraph(A)):
            break
        A[rows[k], cols[k]] = 0.0
    return A


@pytest.mark.parametrize("seed", range(30))
def test_threshold_to_dag_equals_one_at_a_time_removal(seed):
    rng = np.random.default_rng(seed)
    W = _random_digraph(7, rng.uniform(0.1, 0.6), rng)
    W_copy = W.copy()
    out = threshold_to_dag(W, 0.3)
    np.testing.assert_array_equal(out, _sequential_removal(W, 0.3))
    assert is_dag(out)
    np.testing.assert_array_equal(W, W_copy)  # input untouched


def test_threshold_to_dag_keeps_a_dag_unchanged_above_threshold():
    W = np.triu(np.full((4, 4), 0.5), k=1)
    np.testing.assert_array_equal(threshold_to_dag(W, 0.3), W)
    assert not threshold_to_dag(W, 0.6).any()
