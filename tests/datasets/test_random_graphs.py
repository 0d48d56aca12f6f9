"""The random graph models shared by make_dag and make_mtp2_precision."""

import numpy as np
import pytest

from sparsestat.datasets._random_graphs import barabasi_albert_edges, erdos_renyi_upper

RNGS = {"Generator": np.random.default_rng, "RandomState": np.random.RandomState}


@pytest.mark.parametrize("kind", RNGS)
def test_erdos_renyi_is_strictly_upper_with_the_expected_edge_count(kind):
    rng = RNGS[kind](0)
    counts = []
    for _ in range(200):
        upper = erdos_renyi_upper(30, 1.5, rng)
        assert upper.dtype == bool and not np.tril(upper).any()
        counts.append(upper.sum())
    # 1.5 * 30 = 45 expected edges, standard error 0.45 over 200 graphs
    assert abs(np.mean(counts) - 45) < 2.5
    assert erdos_renyi_upper(4, 10, rng).sum() == 6  # probability clipped at 1
    assert not erdos_renyi_upper(1, 2, rng).any()
    assert not erdos_renyi_upper(5, 0, rng).any()


@pytest.mark.parametrize("kind", RNGS)
@pytest.mark.parametrize("m, first_node", [(1, 1), (2, 1), (3, 1), (2, 2), (3, 3)])
def test_barabasi_albert_links_new_nodes_to_distinct_earlier_ones(kind, m, first_node):
    n = 25
    edges = barabasi_albert_edges(n, m, RNGS[kind](1), first_node=first_node)
    for new in range(n):
        parents = [old for node, old in edges if node == new]
        expected = min(m, new) if new >= first_node else 0
        assert len(parents) == expected
        assert parents == sorted(set(parents)) and all(p < new for p in parents)
    # edges come in creation order
    assert [new for new, _ in edges] == sorted(new for new, _ in edges)


@pytest.mark.parametrize("kind", RNGS)
def test_both_samplers_attach_with_probability_degree_plus_one(kind):
    """Nodes 0 and 1 start alone, node 2 links to both: degrees + 1 are
    (2, 2, 3), so node 3's pair is drawn by successive sampling with
    P({0, 1}) = 2 (2/7)(2/5) = 16/70 and P({0, 2}) = P({1, 2}) = 27/70."""
    rng = RNGS[kind](2)
    n_draws = 10000
    pairs = {}
    for _ in range(n_draws):
        edges = barabasi_albert_edges(4, 2, rng, first_node=2)
        assert edges[:2] == [(2, 0), (2, 1)]
        pair = tuple(old for _, old in edges[2:])
        pairs[pair] = pairs.get(pair, 0) + 1
    freq = {pair: count / n_draws for pair, count in pairs.items()}
    expected = {(0, 1): 16 / 70, (0, 2): 27 / 70, (1, 2): 27 / 70}
    assert set(freq) == set(expected)
    for pair, prob in expected.items():
        # the standard error is below 0.005
        assert abs(freq[pair] - prob) < 0.025, (pair, freq[pair], prob)
