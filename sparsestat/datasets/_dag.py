import numbers

import numpy as np
from sklearn.utils import check_random_state

from sparsestat.datasets._random_graphs import barabasi_albert_edges, erdos_renyi_upper
from sparsestat.utils._graph import topological_order

_NOISES = ("gaussian", "exponential", "gumbel")


def make_dag(
    n_nodes,
    *,
    graph="ER",
    edges_per_node=2,
    weight_range=(0.5, 2.0),
    random_state=None,
):
    """Random weighted DAG: Erdos-Renyi or scale-free, with random node order.

    ``"ER"``: every pair of nodes of a random ordering is joined with
    probability ``2 * edges_per_node / (n_nodes - 1)``, oriented along the
    ordering, so the expected number of edges is ``edges_per_node * n_nodes``
    (the ``ER<k>`` graphs of the NOTEARS/DAGMA/CoLiDE papers).
    ``"SF"``: Barabasi-Albert preferential attachment, each new node
    choosing ``edges_per_node`` distinct earlier nodes with probability
    proportional to their degree (plus one), edges pointing from the new
    node to the earlier ones (hubs are sinks, as in the ``SF<k>`` graphs of
    those papers); the nodes are then randomly permuted.
    Weights have a random sign and a magnitude uniform in ``weight_range``.

    Parameters
    ----------
    n_nodes : int
        Number of nodes ``d`` (at least 1).
    graph : {"ER", "SF"}, default="ER"
        Erdos-Renyi or scale-free graph (see above).
    edges_per_node : float, default=2
        Expected edges per node (ER), or parents chosen per new node (SF,
        rounded to an integer of at least 1).
    weight_range : (float, float), default=(0.5, 2.0)
        Range ``(low, high)`` of the edge-weight magnitudes, ``0 <= low <= high``.
    random_state : int, RandomState instance or None, default=None
        Graph, node order, signs and weights are all drawn from it.

    Returns
    -------
    W : ndarray of shape (n_nodes, n_nodes)
        Weighted adjacency of a DAG, ``W[i, j] != 0`` for the edge i -> j.

    See Also
    --------
    sample_linear_sem : data from the linear SEM of ``W``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.datasets import make_dag
    >>> W = make_dag(20, graph="ER", edges_per_node=2, random_state=0)
    >>> # acyclic: no path of length 20 (the adjacency matrix is nilpotent)
    >>> acyclic = not np.linalg.matrix_power((W != 0).astype(int), 20).any()
    >>> W.shape, acyclic, bool((abs(W[W != 0]) >= 0.5).all())
    ((20, 20), True, True)
    """
    if not isinstance(n_nodes, numbers.Integral) or n_nodes < 1:
        raise ValueError(f"n_nodes must be a positive integer, got {n_nodes!r}.")
    if graph not in ("ER", "SF"):
        raise ValueError(f"graph must be 'ER' or 'SF', got {graph!r}.")
    if not (isinstance(edges_per_node, numbers.Real) and edges_per_node >= 0):
        raise ValueError(
            f"edges_per_node must be a non-negative number, got {edges_per_node!r}."
        )
    low, high = _check_range(weight_range)
    rng = check_random_state(random_state)
    d = int(n_nodes)
    if graph == "ER":
        upper = erdos_renyi_upper(d, edges_per_node, rng)
    else:
        upper = _scale_free_upper(d, max(1, round(edges_per_node)), rng)
    perm = rng.permutation(d)
    pattern = upper[np.ix_(perm, perm)]
    signs = rng.choice([-1.0, 1.0], size=(d, d))
    magnitudes = rng.uniform(low, high, size=(d, d))
    return np.where(pattern, signs * magnitudes, 0.0)


def _check_range(weight_range):
    try:
        low, high = (float(v) for v in weight_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"weight_range must be a pair (low, high), got {weight_range!r}."
        ) from None
    if not (np.isfinite(low) and np.isfinite(high) and 0 <= low <= high):
        raise ValueError(
            "weight_range must satisfy 0 <= low <= high (finite), got "
            f"{weight_range!r}."
        )
    return low, high


def _scale_free_upper(d, m, rng):
    """Barabasi-Albert graph as an upper-triangular pattern (j > i: i -> j)."""
    upper = np.zeros((d, d), dtype=bool)
    for new, old in barabasi_albert_edges(d, m, rng, first_node=1):
        # new node -> earlier (hub) nodes: in the reversed index order the
        # earlier nodes come later, so store the edge as (d-1-new) -> (d-1-old)
        upper[d - 1 - new, d - 1 - old] = True
    return upper


def sample_linear_sem(
    W, n_samples, *, noise="gaussian", noise_scale=1.0, random_state=None
):
    """Sample a linear structural equation model ``X = X W + E``.

    Each column is ``X[:, j] = X @ W[:, j] + E[:, j]``; the noise terms are
    independent, with standard deviation ``noise_scale`` (scalar, or one per
    node). ``"gaussian"`` noise is centred; ``"exponential"`` and ``"gumbel"``
    noise (standard exponential and Gumbel laws rescaled to the requested
    standard deviation) are not, as in the papers' simulations.

    Parameters
    ----------
    W : array-like of shape (d, d)
        Weighted adjacency of a DAG (``W[i, j]``: weight of the edge i -> j).
        Not modified.
    n_samples : int
        Number of rows ``n``.
    noise : {"gaussian", "exponential", "gumbel"}, default="gaussian"
        Law of the noise terms (see above).
    noise_scale : float or array-like of shape (d,), default=1.0
        Standard deviation of each node's noise (positive).
    random_state : int, RandomState instance or None, default=None
        The noise is drawn from it.

    Returns
    -------
    X : ndarray of shape (n_samples, d)

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.datasets import make_dag, sample_linear_sem
    >>> W = make_dag(5, edges_per_node=1, random_state=0)
    >>> X = sample_linear_sem(W, 100, noise_scale=np.ones(5), random_state=0)
    >>> X.shape
    (100, 5)
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be a square matrix, got shape {W.shape}.")
    if not np.all(np.isfinite(W)):
        raise ValueError("W must be finite (no NaN or inf).")
    order = topological_order(W)
    if order is None:
        raise ValueError("W must be the weighted adjacency of a DAG (it has a cycle).")
    if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
    if noise not in _NOISES:
        raise ValueError(f"noise must be one of {_NOISES}, got {noise!r}.")
    d = W.shape[0]
    scale = np.asarray(noise_scale, dtype=np.float64)
    if scale.ndim == 0:
        scale = np.full(d, float(scale))
    if scale.shape != (d,):
        raise ValueError(
            f"noise_scale must be a scalar or have shape ({d},), got shape "
            f"{scale.shape}."
        )
    if not np.all(np.isfinite(scale)) or np.any(scale <= 0):
        raise ValueError("noise_scale must be positive and finite.")
    rng = check_random_state(random_state)
    if noise == "gaussian":
        E = rng.standard_normal((n_samples, d))
    elif noise == "exponential":
        E = rng.exponential(size=(n_samples, d))
    else:
        # a Gumbel law of scale b has standard deviation b * pi / sqrt(6)
        E = rng.gumbel(scale=np.sqrt(6.0) / np.pi, size=(n_samples, d))
    E *= scale
    X = np.zeros((n_samples, d))
    for j in order:
        X[:, j] = X @ W[:, j] + E[:, j] if W[:, j].any() else E[:, j]
    return X
