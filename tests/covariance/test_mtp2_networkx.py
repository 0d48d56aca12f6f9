import numpy as np
import pytest

from sparsestat.covariance import MTP2GraphicalModel, MTP2GraphicalModelCV
from sparsestat.datasets import make_mtp2_precision

nx = pytest.importorskip("networkx")


def _sample(p=6, n=300, seed=0):
    T = make_mtp2_precision(p, graph="BA", random_state=seed)
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(np.zeros(p), np.linalg.inv(T), size=n,
                                   method="cholesky")


@pytest.mark.parametrize("cv", [False, True])
def test_to_networkx_uses_the_column_names(cv):
    pd = pytest.importorskip("pandas")
    X = _sample()
    names = [f"gene{i}" for i in range(X.shape[1])]
    est = (MTP2GraphicalModelCV(alphas=3, n_refinements=0, cv=3) if cv
           else MTP2GraphicalModel(alpha=0.05))
    est.fit(pd.DataFrame(X, columns=names))
    graph = est.to_networkx()
    assert isinstance(graph, nx.Graph) and not graph.is_directed()
    assert list(graph.nodes) == names
    assert [graph.nodes[n]["index"] for n in names] == list(range(len(names)))
    T = est.precision_
    expected = {frozenset((names[i], names[j]))
                for i, j in zip(*np.nonzero(np.triu(est.adjacency_, 1)), strict=True)}
    assert expected and {frozenset(e) for e in graph.edges} == expected
    for u, v, data in graph.edges(data=True):
        i, j = names.index(u), names.index(v)
        assert data["precision"] == T[i, j] < 0
        partial = -T[i, j] / np.sqrt(T[i, i] * T[j, j])
        assert data["weight"] == pytest.approx(partial) and data["weight"] > 0


def test_to_networkx_without_names_and_before_fit():
    from sklearn.exceptions import NotFittedError

    X = _sample()
    est = MTP2GraphicalModel(alpha=0.05)
    with pytest.raises(NotFittedError):
        est.to_networkx()
    graph = est.fit(X).to_networkx()
    assert list(graph.nodes) == list(range(X.shape[1]))
    assert graph.number_of_edges() == int(np.triu(est.adjacency_, 1).sum())


def test_to_networkx_without_networkx(monkeypatch):
    import builtins

    est = MTP2GraphicalModel(alpha=0.05).fit(_sample())
    real_import = builtins.__import__

    def no_networkx(name, *args, **kwargs):
        if name == "networkx":
            raise ImportError("no networkx")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_networkx)
    with pytest.raises(ImportError,
                       match="MTP2GraphicalModel.to_networkx requires networkx"):
        est.to_networkx()
