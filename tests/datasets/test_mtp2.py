"""The MTP2 precision simulator: M-matrix, positive definite, graph, scaling."""

import numpy as np
import pytest

from sparsestat.datasets import make_mtp2_precision


@pytest.mark.parametrize("graph", ["BA", "grid", "random"])
@pytest.mark.parametrize("diag_dominant", [False, True])
def test_mtp2_precision_properties(graph, diag_dominant):
    T = make_mtp2_precision(
        40, graph=graph, diag_dominant=diag_dominant, random_state=1
    )
    off = ~np.eye(40, dtype=bool)
    np.testing.assert_array_equal(T, T.T)
    assert np.all(T[off] <= 0)
    np.linalg.cholesky(T)
    C = np.linalg.inv(T)
    # MTP2: every covariance is non-negative (M-matrix inverse)
    assert np.all(C >= -1e-12)
    if diag_dominant:
        assert np.all(T.sum(axis=1) > 0)
        assert np.isclose(np.mean(np.diag(C)), 1.0)
    else:
        np.testing.assert_allclose(np.diag(C), 1.0)


def test_graph_shapes_and_reproducibility():
    ba = make_mtp2_precision(30, graph="BA", edges_per_node=2, random_state=0)
    # BA: m = 2 edges for each node after the first m = 2 (unlinked) seeds
    assert int((np.triu(ba, 1) != 0).sum()) == 2 * 28
    grid = make_mtp2_precision(9, graph="grid", random_state=0)  # 3 x 3 lattice
    assert int((np.triu(grid, 1) != 0).sum()) == 12
    assert np.array_equal(
        make_mtp2_precision(20, graph="random", random_state=3),
        make_mtp2_precision(20, graph="random", random_state=3),
    )
    assert make_mtp2_precision(1).shape == (1, 1)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_features": 0}, "n_features"),
        ({"graph": "ER"}, "graph"),
        ({"edges_per_node": 0}, "edges_per_node"),
        ({"weight_range": (0.0, 1.0)}, "weight_range"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_mtp2_precision(**kwargs)
