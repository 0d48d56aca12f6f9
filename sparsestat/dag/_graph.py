"""Directed-graph helpers on adjacency matrices (``B[i, j]`` is the edge i -> j).

Kept free of networkx so that the estimator and the simulators work without it.
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
    >>> from sparsestat.dag._graph import topological_order
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
    >>> from sparsestat.dag._graph import is_dag
    >>> is_dag(np.triu(np.ones((3, 3)), k=1)), is_dag(np.ones((2, 2)))
    (True, False)
    """
    return topological_order(B) is not None


def threshold_to_dag(W, threshold):
    """Zero the weights with ``|w| < threshold``, then drop the weakest until acyclic.

    Edges are removed one at a time in increasing order of ``|w|`` (ties in
    row-major order) and the removal stops at the first acyclic graph. The
    number of removed edges is found by bisection, which gives the same graph
    as the one-at-a-time loop with ``O(log n_edges)`` acyclicity checks.

    Parameters
    ----------
    W : ndarray of shape (d, d)
        Weighted adjacency; it is not modified.
    threshold : float
        Weights of magnitude below it are set to zero.

    Returns
    -------
    W_dag : ndarray of shape (d, d)
        A copy of ``W`` with the removed weights set to zero; its graph is a
        DAG (the diagonal is always zeroed).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.dag._graph import threshold_to_dag
    >>> W = np.array([[0.0, 1.0, 0.1], [0.5, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> threshold_to_dag(W, 0.3)  # the 2-cycle loses its weaker edge
    array([[0., 1., 0.],
           [0., 0., 0.],
           [0., 0., 0.]])
    """
    W_dag = np.array(W, copy=True)
    np.fill_diagonal(W_dag, 0.0)
    W_dag[np.abs(W_dag) < threshold] = 0.0
    if is_dag(W_dag):
        return W_dag
    rows, cols = np.nonzero(W_dag)
    weakest_first = np.argsort(np.abs(W_dag[rows, cols]), kind="stable")
    rows, cols = rows[weakest_first], cols[weakest_first]

    def acyclic_after_removing(k):
        pattern = W_dag != 0
        pattern[rows[:k], cols[:k]] = False
        return is_dag(pattern)

    # acyclicity is monotone in k (removing edges never adds a cycle), and
    # removing every edge gives a DAG: bisect for the smallest k
    low, high = 0, rows.size
    while low < high:
        mid = (low + high) // 2
        if acyclic_after_removing(mid):
            high = mid
        else:
            low = mid + 1
    W_dag[rows[:low], cols[:low]] = 0.0
    return W_dag
