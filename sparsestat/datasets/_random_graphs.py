"""Random graph models shared by the simulators (DAGs, MTP2 precisions)."""

import numpy as np


def erdos_renyi_upper(n_nodes, edges_per_node, rng):
    """Upper triangle of an Erdos-Renyi graph, ``edges_per_node * n`` edges expected.

    Every pair ``i < j`` is an edge with probability
    ``min(1, 2 * edges_per_node / (n_nodes - 1))``, independently.

    Parameters
    ----------
    n_nodes : int
    edges_per_node : float
        Half the expected degree (>= 0).
    rng : numpy.random.Generator or numpy.random.RandomState
        One ``(n_nodes, n_nodes)`` array of uniforms is drawn from it, also
        when ``n_nodes`` is 1.

    Returns
    -------
    upper : ndarray of shape (n_nodes, n_nodes), dtype=bool
        ``upper[i, j]`` for ``i < j`` only.
    """
    prob = min(1.0, 2.0 * edges_per_node / (n_nodes - 1)) if n_nodes > 1 else 0.0
    return np.triu(rng.random((n_nodes, n_nodes)) < prob, k=1)


def barabasi_albert_edges(n_nodes, m, rng, *, first_node):
    """Preferential attachment with probability proportional to degree + 1.

    Nodes ``0 .. first_node - 1`` start without edges; every later node
    ``new`` links to ``min(m, new)`` distinct earlier nodes. The "+ 1"
    (igraph's default zero appeal, used by the reference MTP2 simulations)
    lets leaves keep attracting links; pure degree-proportional attachment
    grows larger hubs.

    Parameters
    ----------
    n_nodes : int
    m : int
        Links of each new node (>= 1).
    rng : numpy.random.Generator or numpy.random.RandomState
    first_node : int
        The first node that links to earlier ones: 1 makes the first
        ``m + 1`` nodes a clique (``make_dag``), ``m`` a star
        (``make_mtp2_precision``).

    Returns
    -------
    edges : list of (int, int)
        ``(new, old)`` pairs with ``old < new``, in the order of creation
        (``old`` increasing for each ``new``).
    """
    # every node once plus both endpoints of every edge: a uniform draw from
    # this list is a draw proportional to degree + 1; counts holds the same
    # law as one number per node
    pool = list(range(first_node))
    counts = np.zeros(n_nodes)
    counts[:first_node] = 1.0
    edges = []
    for new in range(first_node, n_nodes):
        chosen = _distinct_draws(rng, pool, counts[:new], min(m, new))
        for old in chosen:
            edges.append((new, old))
            pool.extend((new, old))
            counts[old] += 1.0
        pool.append(new)
        counts[new] = len(chosen) + 1.0
    return edges


def _distinct_draws(rng, pool, counts, k):
    """``k`` distinct nodes, drawn in turn with probability proportional to ``counts``.

    ``pool`` lists node ``v`` ``counts[v]`` times. Both branches are
    successive sampling without replacement with probability proportional
    to the counts; each keeps the random stream its simulator always had:
    ``make_mtp2_precision`` (a Generator) redraws uniformly from the pool
    until ``k`` nodes are distinct, ``make_dag`` (a RandomState,
    scikit-learn's convention) calls ``RandomState.choice`` on the counts.
    """
    if isinstance(rng, np.random.Generator):
        chosen = set()
        while len(chosen) < k:
            chosen.add(int(pool[rng.integers(len(pool))]))
        return sorted(chosen)
    chosen = rng.choice(counts.size, size=k, replace=False, p=counts / counts.sum())
    return sorted(chosen.tolist())
