import numpy as np
import pytest

from sparsestat.datasets import make_dag, sample_linear_sem
from sparsestat.utils._graph import is_dag


@pytest.mark.parametrize("graph", ["ER", "SF"])
def test_make_dag_is_a_reproducible_weighted_dag(graph):
    W = make_dag(30, graph=graph, edges_per_node=2, weight_range=(0.5, 2.0),
                 random_state=3)
    assert is_dag(W)
    assert np.all(np.diag(W) == 0)
    weights = np.abs(W[W != 0])
    assert weights.min() >= 0.5 and weights.max() <= 2.0
    assert (W > 0).any() and (W < 0).any()
    np.testing.assert_array_equal(
        W, make_dag(30, graph=graph, edges_per_node=2, random_state=3)
    )
    assert not np.array_equal(
        W, make_dag(30, graph=graph, edges_per_node=2, random_state=4)
    )


def test_make_dag_edge_counts():
    # ER: edges_per_node * d edges on average; SF: m edges per new node
    counts = [np.count_nonzero(make_dag(40, edges_per_node=2, random_state=s))
              for s in range(20)]
    assert abs(np.mean(counts) - 80) < 8
    sf = make_dag(40, graph="SF", edges_per_node=2, random_state=0)
    assert np.count_nonzero(sf) == 1 + 2 * 38


def test_scale_free_graph_is_permuted():
    # without a permutation every edge would point from a lower to a higher index
    W = make_dag(30, graph="SF", edges_per_node=2, random_state=0)
    rows, cols = np.nonzero(W)
    assert (rows > cols).any() and (rows < cols).any()


@pytest.mark.parametrize("noise", ["gaussian", "exponential", "gumbel"])
def test_sample_linear_sem_noise_has_the_requested_scale(noise):
    W = make_dag(6, edges_per_node=1, random_state=0)
    scale = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
    W_copy = W.copy()
    X = sample_linear_sem(W, 40000, noise=noise, noise_scale=scale, random_state=0)
    np.testing.assert_array_equal(W, W_copy)
    # the residuals of the true SEM are the noise terms
    E = X - X @ W
    np.testing.assert_allclose(E.std(axis=0), scale, rtol=0.03)
    # and the true weights are the population regression coefficients
    X2 = sample_linear_sem(W, 40000, noise=noise, noise_scale=scale, random_state=0)
    np.testing.assert_array_equal(X, X2)


def test_sample_linear_sem_scalar_scale_and_covariance():
    W = np.array([[0.0, 1.5], [0.0, 0.0]])
    X = sample_linear_sem(W, 50000, noise_scale=2.0, random_state=1)
    # Cov = (I - W)^-T D (I - W)^-1 with D = 4 I
    inv = np.linalg.inv(np.eye(2) - W)
    np.testing.assert_allclose(np.cov(X.T), inv.T @ (4 * np.eye(2)) @ inv, rtol=0.05)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"W": np.ones((2, 2))}, "cycle"),
        ({"W": np.zeros((2, 3))}, "square"),
        ({"noise": "laplace"}, "noise"),
        ({"noise_scale": -1.0}, "noise_scale"),
        ({"noise_scale": np.ones(3)}, "noise_scale"),
        ({"n_samples": 0}, "n_samples"),
    ],
)
def test_sample_linear_sem_bad_input(kwargs, match):
    params = {"W": np.zeros((2, 2)), "n_samples": 10}
    params.update(kwargs)
    W = params.pop("W")
    n = params.pop("n_samples")
    with pytest.raises(ValueError, match=match):
        sample_linear_sem(W, n, **params)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"graph": "BA"}, "graph"),
        ({"edges_per_node": -1}, "edges_per_node"),
        ({"weight_range": (2.0, 1.0)}, "weight_range"),
        ({"weight_range": 3}, "weight_range"),
    ],
)
def test_make_dag_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_dag(5, **kwargs)
    with pytest.raises(ValueError, match="n_nodes"):
        make_dag(0)
