"""Directed-graph helpers on adjacency matrices (``B[i, j]`` is the edge i -> j).

Below the families: the DAG simulators (``datasets``) and CoLiDE's
post-processing (``dag``) both need them. Kept free of networkx so that
neither needs it.
"""

import numpy as np


def topological_order(B):
    """Return a topological order of the graph of ``B``, or None if it has a cycle.

    Kahn's algorithm on the dense pattern: repeatedly remove the nodes that
    have no remaining parent.

    Parameters
    ----------
    B : array-like of shape (d, d)
        Adjacency or weighted adjacency; ``B[i, j] != 0`` is the edge i -> j.
        The diagonal counts (a self loop is a cycle).

    Returns
    -------
    order : ndarray of shape (d,) or None

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.utils._graph import topological_order
    >>> B = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0]])
    >>> topological_order(B).tolist()
    [2, 1, 0]
    >>> topological_order(B + B.T) is None
    True
    """
    pattern = np.asarray(B) != 0
    d = pattern.shape[0]
    n_parents = pattern.sum(axis=0).astype(np.int64)
    removed = np.zeros(d, dtype=bool)
    order = []
    ready = list(np.flatnonzero(n_parents == 0))
    while ready:
        node = ready.pop()
        order.append(node)
        removed[node] = True
        children = np.flatnonzero(pattern[node])
        n_parents[children] -= 1
        ready.extend(c for c in children if n_parents[c] == 0 and not removed[c])
    if len(order) < d:
        return None
    return np.asarray(order, dtype=np.intp)


def is_dag(B):
    """Whether the graph of the adjacency matrix ``B`` is acyclic.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.utils._graph import is_dag
    >>> is_dag(np.triu(np.ones((3, 3)), k=1)), is_dag(np.ones((2, 2)))
    (True, False)
    """
    return topological_order(B) is not None
