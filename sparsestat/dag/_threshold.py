"""CoLiDE's post-processing: threshold the weights, then cut to a DAG."""

import numpy as np
from scipy.sparse.csgraph import connected_components

from sparsestat.utils._graph import is_dag


def threshold_to_dag(W, threshold, required=None):
    """Zero the weights with ``|w| < threshold``, then drop the weakest until acyclic.

    Edges are removed one at a time in increasing order of ``|w|`` (ties in
    row-major order) and the removal stops at the first acyclic graph. The
    number of removed edges is found by bisection, which gives the same graph
    as the one-at-a-time loop with ``O(log n_edges)`` acyclicity checks.
    Required edges are never removed, neither by the threshold nor by the
    acyclicity repair: the other edges are removed instead, weakest first
    among those on a cycle (both ends in one strongly connected component;
    removing all of them leaves only the required edges inside each
    component, which form a DAG). Without ``required`` (or with no edge
    in it), every edge is a candidate, as above.

    Parameters
    ----------
    W : ndarray of shape (d, d)
        Weighted adjacency; it is not modified.
    threshold : float
        Weights of magnitude below it are set to zero.
    required : array-like of shape (d, d), dtype=bool, default=None
        Edges ``i -> j`` (``required[i, j]``) kept whatever their weight; they
        must form a DAG without self-loops.

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
    small = np.abs(W_dag) < threshold
    if required is not None:
        required = _check_required(required, W_dag.shape)
        # without edges, the plain rule below (and its graphs) unchanged
        required = required if required.any() else None
    if required is not None:
        small &= ~required
    W_dag[small] = 0.0
    if is_dag(W_dag):
        return W_dag
    removable = W_dag != 0
    if required is not None:
        _, component = connected_components(removable, connection="strong")
        removable &= ~required & (component[:, None] == component[None, :])
    rows, cols = np.nonzero(removable)
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


def _check_required(required, shape):
    required = np.asarray(required)
    if required.dtype != bool or required.shape != shape:
        raise ValueError(
            f"required must be a boolean mask of shape {shape}, got "
            f"{required.dtype} of shape {required.shape}."
        )
    if required.diagonal().any() or not is_dag(required):
        raise ValueError("required edges must form a DAG (no cycle, no self-loop).")
    return required
