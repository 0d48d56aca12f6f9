"""CoLiDE's post-processing: threshold the weights, then cut to a DAG."""

import numpy as np

from sparsestat.utils._graph import is_dag


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
    >>> from sparsestat.dag import threshold_to_dag
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
