"""Fitted graphs as networkx graphs, shared by the graph estimators."""

import numpy as np
from sklearn.utils.validation import check_is_fitted


def node_labels(estimator):
    """Node of each feature: its column name when ``X`` had string column
    names (``feature_names_in_``), else its index ``0 .. n_features - 1``."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return [str(name) for name in names]
    return list(range(estimator.n_features_in_))


def build_graph(estimator, edges, *, directed):
    """A ``networkx.DiGraph`` (``directed``) or ``Graph`` of ``estimator``'s
    features, with an edge per ``(i, j, attributes)`` of ``edges`` (feature
    indices); each node has an ``index`` attribute, its column index."""
    check_is_fitted(estimator)
    try:
        import networkx as nx
    except ImportError as exc:
        raise ImportError(
            f"{type(estimator).__name__}.to_networkx requires networkx: "
            "pip install networkx"
        ) from exc
    graph = nx.DiGraph() if directed else nx.Graph()
    labels = node_labels(estimator)
    for index, label in enumerate(labels):
        graph.add_node(label, index=index)
    for i, j, attributes in edges:
        graph.add_edge(labels[int(i)], labels[int(j)], **attributes)
    return graph


def upper_edges(adjacency):
    """Index pairs ``(i, j)``, ``i < j``, of a symmetric boolean adjacency."""
    return zip(*np.nonzero(np.triu(adjacency, k=1)))
