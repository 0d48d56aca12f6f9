import numpy as np
from sklearn.utils import check_random_state

from sparsestat.datasets._random_graphs import barabasi_albert_edges, erdos_renyi_upper


def _grid_edges(p):
    ncols = int(np.ceil(np.sqrt(p)))
    edges = []
    for k in range(p):
        col = k % ncols
        if col + 1 < ncols and k + 1 < p:
            edges.append((k, k + 1))
        if k + ncols < p:
            edges.append((k, k + ncols))
    return edges


def make_mtp2_precision(
    n_features=50,
    *,
    graph="BA",
    edges_per_node=1,
    weight_range=(1.0, 1.0),
    diag_dominant=False,
    random_state=None,
):
    """Sparse precision matrix of an MTP2 Gaussian (an M-matrix).

    An adjacency matrix ``A`` (edge weights uniform in ``weight_range``,
    all ones by default) is drawn on the chosen graph. The default M-matrix
    variant is ``T = D (1.05 lambda_max(A) I - A) D`` with the diagonal ``D``
    that gives the covariance ``inv(T)`` a unit diagonal. With the default
    unit weights and ``graph="BA"`` this is the simulation design of the
    MTP2 literature (Ying, Cardoso and Palomar, 2023); unequal weights make
    the weakest partial correlations much smaller than the strongest. The
    diagonally dominant variant is the graph Laplacian of ``A`` plus a
    positive diagonal (uniform in ``[0.1, 1]`` times the mean weight),
    rescaled by one scalar so that the covariance has mean diagonal one (a
    per-row scaling would break the diagonal dominance).

    Parameters
    ----------
    n_features : int, default=50
        Dimension ``p`` (>= 1).
    graph : {"BA", "grid", "random"}, default="BA"
        Barabasi-Albert (``edges_per_node`` links per new node, attachment
        probability proportional to degree + 1 as in igraph), a 2-D
        lattice with ``ceil(sqrt(p))`` columns, or an Erdos-Renyi graph of
        expected degree ``2 * edges_per_node``.
    edges_per_node : int, default=1
        Links of each new node (``"BA"``), or half the expected degree
        (``"random"``); unused by ``"grid"``.
    weight_range : (float, float), default=(1.0, 1.0)
        Range of the edge weights (> 0); the default is the unweighted graph.
    diag_dominant : bool, default=False
        Return a diagonally dominant M-matrix.
    random_state : int, RandomState instance or None, default=None
        Graph and weights are drawn from it.

    Returns
    -------
    precision : ndarray of shape (n_features, n_features)
        Symmetric positive definite M-matrix (non-positive off-diagonal).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.datasets import make_mtp2_precision
    >>> T = make_mtp2_precision(30, graph="BA", random_state=0)
    >>> np.allclose(np.diag(np.linalg.inv(T)), 1.0)
    True
    >>> int((np.triu(T, 1) != 0).sum())  # a tree: p - 1 edges
    29
    >>> D = make_mtp2_precision(30, graph="grid", diag_dominant=True, random_state=0)
    >>> bool(np.all(D.sum(axis=1) > 0))
    True
    """
    if int(n_features) != n_features or n_features < 1:
        raise ValueError(f"n_features must be a positive integer, got {n_features!r}.")
    if graph not in ("BA", "grid", "random"):
        raise ValueError(f"graph must be 'BA', 'grid' or 'random', got {graph!r}.")
    if int(edges_per_node) != edges_per_node or edges_per_node < 1:
        raise ValueError(
            f"edges_per_node must be a positive integer, got {edges_per_node!r}."
        )
    low, high = weight_range
    if not 0 < low <= high < np.inf:
        raise ValueError(
            f"weight_range must satisfy 0 < low <= high, got {weight_range!r}."
        )
    p = int(n_features)
    rng = np.random.default_rng(check_random_state(random_state).randint(2**31))
    if graph == "BA":
        m = int(edges_per_node)
        edges = barabasi_albert_edges(p, m, rng, first_node=min(m, p))
    elif graph == "grid":
        edges = _grid_edges(p)
    else:
        upper = erdos_renyi_upper(p, int(edges_per_node), rng)
        edges = list(zip(*np.nonzero(upper), strict=True))
    A = np.zeros((p, p))
    for i, j in edges:
        A[i, j] = A[j, i] = rng.uniform(low, high)
    if diag_dominant:
        T = np.diag(A.sum(axis=1)) - A
        T += np.diag(rng.uniform(0.1, 1.0, size=p) * (low + high) / 2)
        T *= np.mean(np.diag(np.linalg.inv(T)))
    else:
        lam_max = np.linalg.eigvalsh(A)[-1] if p > 1 else 0.0
        T = 1.05 * lam_max * np.eye(p) - A if lam_max > 0 else np.eye(p)
        scale = np.sqrt(np.diag(np.linalg.inv(T)))
        T = T * np.outer(scale, scale)
    return (T + T.T) / 2
