"""MTP2 stages split into the biconnected blocks of the thresholded graph:
the blocks, exactness against the undecomposed solver, the KKT conditions
of the whole stage at the glued solution, the diagonally dominant case and
the memory check."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from sparsestat.covariance import MTP2GraphicalModel, _decompose, penalty_weights
from sparsestat.covariance._path import _solve_stage
from sparsestat.datasets import make_mtp2_precision

nx = pytest.importorskip("networkx")


def _objective(T, K):
    """The smooth stage objective ``-logdet T + <T, K>`` on the feasible set."""
    return -np.linalg.slogdet(T)[1] + np.sum(T * K)


def _undecomposed(monkeypatch, *args):
    with monkeypatch.context() as m:
        m.setattr(_decompose, "_SPLIT_BLOCKS", False)
        return _solve_stage(*args)


def _path():
    return nx.path_graph(6)


def _two_cycles():
    g = nx.cycle_graph(5)
    g.add_edges_from([(5, 6), (6, 7), (7, 8), (8, 5), (2, 6)])  # bridge (2, 6)
    return g


def _star():
    return nx.star_graph(6)


def _bowtie_and_tail():
    # two triangles sharing vertex 2 (2-edge-connected, with a cut vertex),
    # a bridge (4, 5) and a path, plus an isolated vertex 8
    g = nx.Graph([(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 2), (4, 5), (5, 6),
                  (6, 7)])
    g.add_node(8)
    return g


GRAPHS = {"path": _path, "two_cycles": _two_cycles, "star": _star,
          "bowtie": _bowtie_and_tail}


def _adjacency(g):
    return nx.to_numpy_array(g, nodelist=range(g.number_of_nodes())) > 0


@pytest.mark.parametrize("name", GRAPHS)
def test_blocks_are_the_biconnected_components(name):
    g = GRAPHS[name]()
    components = _decompose.stage_blocks(_adjacency(g))
    blocks = [frozenset(b.tolist()) for c in components for b in c]
    expected = {frozenset(b) for b in nx.biconnected_components(g)}
    expected |= {frozenset([v]) for v in nx.isolates(g)}
    assert len(blocks) == len(expected)
    assert set(blocks) == expected
    # every block after a component's first starts with an earlier vertex
    for c in components:
        seen = set(c[0].tolist())
        for b in c[1:]:
            assert b[0] in seen and not seen & set(b[1:].tolist())
            seen |= set(b.tolist())


def _stage_on_graph(g, seed=0, n=400, T0=None):
    """A covariance and weights whose thresholded graph is exactly ``g``
    (sampled from ``T0``, by default a random M-matrix on ``g``)."""
    p = g.number_of_nodes()
    A = _adjacency(g).astype(float)
    rng = np.random.default_rng(seed)
    if T0 is None:
        T0 = np.diag(1.0 + A.sum(axis=1)) - A * rng.uniform(0.5, 1.0, A.shape)
        T0 = (np.triu(T0) + np.triu(T0, 1).T)
    X = rng.multivariate_normal(np.zeros(p), np.linalg.inv(T0), size=n,
                                method="cholesky")
    S = np.cov(X.T, bias=True)
    edge = A > 0
    weights = np.where(edge, 0.01, np.maximum(S, 0.0) + 0.05)
    np.fill_diagonal(weights, 0.0)
    K = S - weights
    assert np.array_equal(K > 0, edge | np.eye(p, dtype=bool))
    return S, weights, np.diag(1.0 / np.diag(S))


def _assert_kkt(T, C, S, weights, tol):
    """The KKT conditions of the whole stage, from first principles."""
    p = T.shape[0]
    off = ~np.eye(p, dtype=bool)
    assert np.all(T[off] <= 0)
    np.linalg.cholesky(T)
    Sigma = np.linalg.inv(T)
    scale = np.sqrt(np.outer(np.diag(S), np.diag(S)))
    np.testing.assert_allclose(C, Sigma, atol=tol * scale.max())
    G = (S - weights - Sigma) / scale
    support = (T != 0) & off
    assert np.abs(np.diag(G)).max() < tol
    assert np.abs(G[support]).max(initial=0.0) < tol
    assert G[~support & off].max(initial=-1.0) < tol


@pytest.mark.parametrize("solver", ["newton", "pg"])
@pytest.mark.parametrize("name", GRAPHS)
def test_glued_solution_matches_undecomposed_and_kkt(name, solver, monkeypatch):
    S, weights, start = _stage_on_graph(GRAPHS[name]())
    args = (S, weights, start, False, solver, 5000, 1e-10)
    T, C, _, kkt, status = _solve_stage(*args)
    T_ref, _, _, _, _ = _undecomposed(monkeypatch, *args)
    assert status == 0 and kkt < 1e-10
    np.testing.assert_allclose(T, T_ref, atol=1e-8 * np.abs(T_ref).max())
    _assert_kkt(T, C, S, weights, 1e-8)


def test_bridges_have_the_closed_form():
    # on a tree every block is a bridge: no kernel call, the exact solution
    S, weights, start = _stage_on_graph(_star())
    T, C, n_iter, kkt, _ = _solve_stage(S, weights, start, False, "newton", 0, 0.0)
    assert n_iter == 0 and kkt == 0.0
    _assert_kkt(T, C, S, weights, 1e-12)


def _ba_sample(p, seed=0):
    T0 = make_mtp2_precision(p, graph="BA", random_state=seed)
    rng = np.random.default_rng(seed)
    X = rng.multivariate_normal(np.zeros(p), np.linalg.inv(T0), size=5 * p,
                                method="cholesky")
    return np.cov(X.T, bias=True), 1.5 * np.sqrt(np.log(p) / (5 * p))


def test_p500_every_stage_matches_undecomposed(monkeypatch):
    S, alpha = _ba_sample(500)
    precision = np.diag(1.0 / np.diag(S))
    weights = np.full_like(S, alpha)
    np.fill_diagonal(weights, 0.0)
    sizes = []
    # _solve_stage is not BLAS-limited itself (its public callers are)
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(4):
            args = (S, weights, precision, False, "newton", 1000, 1e-8)
            T, C, _, _, status = _solve_stage(*args)
            T_ref, _, _, _, status_ref = _undecomposed(monkeypatch, *args)
            assert status == status_ref == 0
            K = S - weights
            f, f_ref = _objective(T, K), _objective(T_ref, K)
            assert abs(f - f_ref) <= 1e-8 * abs(f_ref)
            _assert_kkt(T, C, S, weights, 1e-7)
            blocks = _decompose.stage_blocks(K > 0)
            sizes.append(max(b.size for c in blocks for b in c))
            precision = T
            weights = penalty_weights(T, alpha, "mcp", 2.0)
    # the decomposition did split the (connected) thresholded graph
    assert max(sizes) < 0.8 * S.shape[0]


def _glue_directly(S, weights, diag_dominant):
    """Solve every biconnected block with the given constraint and glue."""
    from sparsestat._kernels._mtp2 import mtp2_newton

    K = S - weights
    components = _decompose.stage_blocks(K > 0, split=True)
    start = np.diag(1.0 / np.diag(S))
    diag = np.diag(S).copy()
    solutions = [
        _decompose._solve_block(b, K, start, diag, mtp2_newton, diag_dominant,
                                1000, 1e-10)[:2]
        for c in components for b in c
    ]
    return _decompose._glue(components, solutions, diag, S.dtype)[0]


def test_diag_dominant_is_not_split_at_cut_vertices(monkeypatch):
    # a star whose hub row is far from diagonally dominant: each bridge's
    # 2 x 2 solution is, but glued at the hub they give a negative row sum
    # (the subtracted 1 / S_vv), so the decomposition must not be applied
    g = _star()
    T0 = np.eye(7) - 0.3 * _adjacency(g)
    S, weights, start = _stage_on_graph(g, T0=T0)
    glued = _glue_directly(S, weights, diag_dominant=True)
    assert glued.sum(axis=1).min() < -0.1
    args = (S, weights, start, True, "newton", 1000, 1e-10)
    T, C, _, kkt, status = _solve_stage(*args)
    T_ref, _, _, _, _ = _undecomposed(monkeypatch, *args)
    assert status == 0
    np.testing.assert_array_equal(T, T_ref)
    assert T.sum(axis=1).min() >= -1e-12
    np.testing.assert_allclose(C, np.linalg.inv(T), atol=1e-8)


def test_memory_error_names_the_size(monkeypatch):
    S, alpha = _ba_sample(60)
    monkeypatch.setattr(_decompose, "available_memory", lambda: 1000)
    model = MTP2GraphicalModel(alpha=alpha, covariance="precomputed")
    with pytest.raises(MemoryError, match=r"needs about \d+ bytes .* only 1000 bytes"):
        model.fit(S)


def test_memory_estimate_uses_the_largest_block(monkeypatch):
    p = 100
    assert _decompose.check_memory(p, 10, "newton") == 8 * (4 * p * p + 15 * 100)
    assert _decompose.check_memory(p, 10, "pg") == 8 * (4 * p * p + 8 * 100)
    monkeypatch.setattr(_decompose, "available_memory", lambda: None)
    assert _decompose.check_memory(10**6, 10**6, "newton") > 0  # unknown: no check


def test_available_memory_is_read():
    available = _decompose.available_memory()
    assert available is None or available > 0
