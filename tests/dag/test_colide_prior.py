"""CoLiDE's prior knowledge: forbidden_edges, required_edges, tiers."""

import numpy as np
import pytest

from sparsestat.dag import CoLiDE, threshold_to_dag
from sparsestat.dag._prior import find_cycle, prior_masks, transitive_closure
from sparsestat.dag._solver import _Point, _Problem, solve_stage
from sparsestat.datasets import make_dag, sample_linear_sem
from sparsestat.metrics import structural_hamming_distance
from sparsestat.utils._graph import is_dag, topological_order


def _sem(d=10, k=2, seed=0, n=1000, noise_scale=1.0):
    W = make_dag(d, edges_per_node=k, weight_range=(0.5, 2.0), random_state=seed)
    return W, sample_linear_sem(W, n, noise_scale=noise_scale, random_state=seed)


def _strongest_edge(W):
    return tuple(int(v) for v in np.unravel_index(np.argmax(np.abs(W)), W.shape))


# --- without prior knowledge: the same fit --------------------------------

@pytest.mark.parametrize("noise", ["equal", "nonequal"])
@pytest.mark.parametrize("seed", [0, 1])
def test_empty_prior_is_bit_identical_to_no_prior(noise, seed):
    # an all-False mask goes through the masked kernel (weights 1, only the
    # diagonal frozen): the same arithmetic as the plain problem
    W, X = _sem(d=12, seed=seed)
    plain = CoLiDE(noise=noise).fit(X)
    for prior in ({"forbidden_edges": np.zeros((12, 12), dtype=bool)},
                  {"required_edges": []},
                  {"tiers": np.zeros(12, dtype=int)}):
        masked = CoLiDE(noise=noise, **prior).fit(X)
        np.testing.assert_array_equal(masked.raw_coef_, plain.raw_coef_)
        np.testing.assert_array_equal(masked.coef_, plain.coef_)
        assert masked.n_iter_ == plain.n_iter_ and masked.s_ == plain.s_


# --- forbidden edges --------------------------------------------------------

@pytest.mark.parametrize("noise", ["equal", "nonequal"])
def test_forbidden_true_edge_never_appears(noise):
    W, X = _sem(seed=2)
    edge = _strongest_edge(W)
    assert CoLiDE(noise=noise).fit(X).adjacency_[edge]
    est = CoLiDE(noise=noise, forbidden_edges=[edge], w_threshold=0.0).fit(X)
    assert est.raw_coef_[edge] == 0.0 and est.coef_[edge] == 0.0
    assert not est.adjacency_[edge]
    # the mask form, the same fit
    mask = np.zeros_like(W, dtype=bool)
    mask[edge] = True
    again = CoLiDE(noise=noise, forbidden_edges=mask, w_threshold=0.0).fit(X)
    np.testing.assert_array_equal(again.raw_coef_, est.raw_coef_)


def test_forbidden_entries_are_zero_at_every_iterate():
    # a stage truncated after k iterations ends at its k-th iterate (the
    # kernel is deterministic): every one of the first 40 keeps the
    # forbidden entries at exactly zero, while they would move without it
    W, X = _sem(d=8, seed=3)
    Xc = X - X.mean(axis=0)
    C = Xc.T @ Xc / len(Xc)
    forbidden = W != 0
    np.fill_diagonal(forbidden, True)
    for frozen, expect_zero in ((forbidden, True), (None, False)):
        problem = _Problem(C, "equal", 0.05, 1e-4, frozen, None)
        problem.mu, problem.s = 1.0, 1.0
        start = _Point(np.zeros((8, 8)), np.zeros((8, 8)), problem)
        moved = False
        for k in range(1, 41):
            point, _, _, _ = solve_stage(problem, start, k, 0.0, 1.0)
            if expect_zero:
                assert np.all(point.W[forbidden] == 0.0), k
            moved |= bool(np.any(point.W[W != 0] != 0))
        assert moved != expect_zero


def test_forbidden_by_feature_name():
    pd = pytest.importorskip("pandas")
    W, X = _sem(seed=2)
    names = [f"x{k}" for k in range(10)]
    df = pd.DataFrame(X, columns=names)
    i, j = _strongest_edge(W)
    by_name = CoLiDE(forbidden_edges=[(names[i], names[j])]).fit(df)
    by_index = CoLiDE(forbidden_edges=[(i, j)]).fit(X)
    # (a DataFrame's array is Fortran-ordered: its means round otherwise)
    np.testing.assert_allclose(by_name.raw_coef_, by_index.raw_coef_, atol=1e-10)
    np.testing.assert_array_equal(by_name.adjacency_, by_index.adjacency_)
    assert by_name.raw_coef_[i, j] == 0.0
    graph = by_name.to_networkx()
    assert not graph.has_edge(names[i], names[j])
    with pytest.raises(ValueError, match="'nope'"):
        CoLiDE(forbidden_edges=[("x0", "nope")]).fit(df)
    with pytest.raises(ValueError, match="no feature names"):
        CoLiDE(forbidden_edges=[("x0", "x1")]).fit(X)


# --- required edges ---------------------------------------------------------

@pytest.mark.parametrize("noise", ["equal", "nonequal"])
def test_required_edges_always_appear(noise):
    W, X = _sem(seed=4)
    rng = np.random.default_rng(0)
    non_edges = np.argwhere((W == 0) & (W.T == 0) & ~np.eye(10, dtype=bool))
    # non-edges in the order of the true graph (acyclic with it), and a
    # true edge; a huge alpha and w_threshold remove everything else
    position = np.empty(10, dtype=int)
    position[topological_order(W)] = np.arange(10)
    forward = [tuple(e) for e in non_edges if position[e[0]] < position[e[1]]]
    required = [forward[k] for k in rng.choice(len(forward), 4, replace=False)]
    required.append(_strongest_edge(W))
    est = CoLiDE(noise=noise, required_edges=required, alpha=50.0,
                 w_threshold=1e6).fit(X)
    expected = np.zeros((10, 10), dtype=bool)
    expected[tuple(np.array(required).T)] = True
    np.testing.assert_array_equal(est.adjacency_, expected)
    assert is_dag(est.adjacency_)
    graph = est.to_networkx()
    assert all(graph.edges[e]["required"] for e in required)


def test_required_edges_survive_the_acyclicity_repair():
    # a 3-cycle of strong weights and a weak required edge closing another
    W = np.array([[0.0, 2.0, 0.0, 0.0],
                  [0.0, 0.0, 1.5, 0.0],
                  [1.0, 0.0, 0.0, 0.1],
                  [0.0, 0.9, 0.0, 0.0]])
    required = np.zeros((4, 4), dtype=bool)
    required[2, 0] = True  # the weakest edge of the 3-cycle
    out = threshold_to_dag(W, 0.3, required)
    assert is_dag(out) and out[2, 0] == 1.0
    # the cycle is broken at its weakest non-required edge; the edge 3 -> 1
    # (on no cycle once 2 -> 3 is thresholded away) stays
    assert out[1, 2] == 0.0 and out[0, 1] == 2.0 and out[3, 1] == 0.9
    np.testing.assert_array_equal(threshold_to_dag(W, 0.3, np.zeros((4, 4), bool)),
                                  threshold_to_dag(W, 0.3))
    with pytest.raises(ValueError, match="DAG"):
        threshold_to_dag(W, 0.3, (W > 0.5) & (W.T == 0) | required)
    with pytest.raises(ValueError, match="boolean mask"):
        threshold_to_dag(W, 0.3, required[:3])


def test_required_reverses_are_forbidden_in_the_solve():
    forbidden, required = prior_masks(None, [(0, 1), (1, 2)], None, 4)
    assert required.sum() == 2
    # 1 -> 0, 2 -> 1 and 2 -> 0 would close a cycle with the required edges
    assert forbidden[1, 0] and forbidden[2, 1] and forbidden[2, 0]
    assert not forbidden[0, 2] and not forbidden[3, 0]
    assert np.all(np.diagonal(forbidden))


# --- tiers --------------------------------------------------------------------

def test_tiers_forbid_backward_edges():
    W, X = _sem(seed=5)
    tiers = np.arange(10) % 3
    est = CoLiDE(tiers=tiers, w_threshold=0.0, alpha=0.0).fit(X)
    backward = tiers[:, None] > tiers[None, :]
    assert np.all(est.raw_coef_[backward] == 0.0)
    forbidden, _ = prior_masks(None, None, tiers, 10)
    np.testing.assert_array_equal(forbidden, backward | np.eye(10, dtype=bool))
    pd = pytest.importorskip("pandas")
    names = [f"v{k}" for k in range(10)]
    by_name = CoLiDE(tiers=dict(zip(names, tiers.tolist()))).fit(
        pd.DataFrame(X, columns=names))
    by_index = CoLiDE(tiers=tiers).fit(X)
    np.testing.assert_allclose(by_name.coef_, by_index.coef_, atol=1e-10)
    np.testing.assert_array_equal(by_name.adjacency_, by_index.adjacency_)


@pytest.mark.slow
@pytest.mark.parametrize("noise", ["equal", "nonequal"])
def test_true_order_as_tiers_reduces_shd(noise):
    # benchmarks/results/colide_prior.md: -62% to -92% on 8 designs
    total_without = total_with = 0
    for seed in range(3):
        W = make_dag(20, edges_per_node=2, weight_range=(0.5, 2.0), random_state=seed)
        scale = 1.0 if noise == "equal" else np.linspace(0.7, 3.0, 20)
        X = sample_linear_sem(W, 1000, noise_scale=scale, random_state=seed)
        position = np.empty(20, dtype=int)
        position[topological_order(W)] = np.arange(20)
        without = CoLiDE(noise=noise).fit(X)
        with_tiers = CoLiDE(noise=noise, tiers=position).fit(X)
        total_without += structural_hamming_distance(W, without.adjacency_)
        total_with += structural_hamming_distance(W, with_tiers.adjacency_)
        backward = position[:, None] > position[None, :]
        assert not np.any(with_tiers.adjacency_ & backward)
    assert total_with < total_without


# --- contradictions and bad input ------------------------------------------

def test_contradictions_name_the_edges():
    with pytest.raises(ValueError, match=r"cycle: 0 -> 1 -> 2 -> 0"):
        prior_masks(None, [(0, 1), (1, 2), (2, 0)], None, 4)
    with pytest.raises(ValueError, match=r"required and forbidden.*1 -> 3"):
        prior_masks([(1, 3)], [(1, 3), (0, 1)], None, 4)
    with pytest.raises(ValueError, match=r"later tier.*2 -> 0"):
        prior_masks(None, [(2, 0)], [0, 0, 1, 1], 4)
    with pytest.raises(ValueError, match=r"self-loops.*2 -> 2"):
        prior_masks(None, [(2, 2)], None, 4)
    names = np.array(["a", "b", "c"])
    with pytest.raises(ValueError, match=r"cycle: 'a' -> 'b' -> 'a'"):
        prior_masks(None, [("a", "b"), ("b", "a")], None, 3, names)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"forbidden_edges": np.zeros((3, 3), dtype=bool)}, ValueError, "shape"),
        ({"forbidden_edges": np.zeros((4, 4))}, TypeError, "dtype float64"),
        ({"forbidden_edges": [(0, 4)]}, ValueError, "out of range"),
        ({"forbidden_edges": [(-1, 2)]}, ValueError, "out of range"),
        ({"forbidden_edges": [(0, 1, 2)]}, ValueError, "pair"),
        ({"forbidden_edges": [(0.0, 1.0)]}, TypeError, "dtype float64"),
        ({"forbidden_edges": [(0, True)]}, TypeError, "integers"),
        ({"forbidden_edges": "01"}, TypeError, "forbidden_edges"),
        ({"required_edges": [(1, 1)]}, ValueError, "self-loops"),
        ({"required_edges": np.eye(4, dtype=bool)}, ValueError, "self-loops"),
        ({"required_edges": [(0, 1), (1, 0)]}, ValueError, "cycle"),
        ({"tiers": [0, 1, 2]}, ValueError, "one entry per node"),
        ({"tiers": [0, 1, 2.5, 3]}, TypeError, "integers"),
        ({"tiers": [[0, 1], [2, 3]]}, ValueError, "tiers"),
        ({"tiers": {0: 1, 1: 0}}, ValueError, "no tier for the nodes"),
        ({"tiers": {0: 1, 1: 0, 2: 0, 3: 0, 9: 1}}, ValueError, "out of range"),
    ],
)
def test_bad_prior_knowledge(params, error, match):
    _, X = _sem(d=4, seed=0, n=100)
    with pytest.raises(error, match=match):
        CoLiDE(**params).fit(X)


def test_graph_helpers():
    B = np.zeros((5, 5), dtype=bool)
    B[0, 1] = B[1, 2] = B[3, 4] = True
    assert find_cycle(B) is None
    reach = transitive_closure(B)
    assert reach[0, 2] and not reach[2, 0] and not reach[0, 3]
    B[2, 0] = True
    assert find_cycle(B) == [0, 1, 2]


def test_prior_knowledge_with_precomputed_covariance():
    W, X = _sem(seed=6)
    edge = _strongest_edge(W)
    raw = CoLiDE(forbidden_edges=[edge]).fit(X)
    Xc = X - raw.mean_
    pre = CoLiDE(forbidden_edges=[edge], covariance="precomputed").fit(
        Xc.T @ Xc / len(Xc))
    np.testing.assert_array_equal(pre.coef_, raw.coef_)
