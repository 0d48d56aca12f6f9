"""CoLiDE's prior knowledge: forbidden and required edges, tiers, as masks.

Edges follow ``coef_``: ``(i, j)`` or ``mask[i, j]`` is the edge i -> j.
Nodes are column indices, or feature names when the estimator was fitted on
a DataFrame (``feature_names_in_``).
"""

import numbers

import numpy as np

from sparsestat.utils._graph import topological_order


def prior_masks(forbidden_edges, required_edges, tiers, d, feature_names=None):
    """The forbidden and required (d, d) masks, after the consistency checks.

    Parameters
    ----------
    forbidden_edges, required_edges : None, bool array of shape (d, d) or
        sequence of (node, node) pairs
    tiers : None, sequence of d integers or dict node -> integer
        ``tiers[i] > tiers[j]`` forbids the edge i -> j.
    d : int
    feature_names : ndarray of str or None

    Returns
    -------
    forbidden, required : ndarray of shape (d, d), dtype=bool, or None
        Both None when no prior knowledge is given. ``forbidden`` includes
        the diagonal, the backward edges of ``tiers`` and every edge that
        would close a cycle with required edges.
    """
    if forbidden_edges is None and required_edges is None and tiers is None:
        return None, None
    nodes = _NodeNames(d, feature_names)
    explicit = _edge_mask(forbidden_edges, "forbidden_edges", nodes)
    required = _edge_mask(required_edges, "required_edges", nodes)
    loops = np.flatnonzero(np.diagonal(required))
    if loops.size:
        raise ValueError(
            "required_edges has self-loops, which no DAG has: "
            f"{nodes.edges(zip(loops, loops))}."
        )
    both = required & explicit
    if both.any():
        raise ValueError(
            "Edges both required and forbidden (required_edges and "
            f"forbidden_edges): {nodes.edges(zip(*np.nonzero(both)))}."
        )
    backward = np.zeros((d, d), dtype=bool)
    if tiers is not None:
        tier = _tiers(tiers, nodes)
        backward = tier[:, None] > tier[None, :]
        against = required & backward
        if against.any():
            raise ValueError(
                "required_edges point from a later tier to an earlier one, "
                f"which tiers forbids: {nodes.edges(zip(*np.nonzero(against)))}."
            )
    cycle = find_cycle(required)
    if cycle is not None:
        path = " -> ".join(nodes.label(k) for k in [*cycle, cycle[0]])
        raise ValueError(f"required_edges form a cycle: {path}.")
    # no DAG with the required edges has an edge closing a cycle with them:
    # forbidding those is exact, and keeps the solver from settling on the
    # reverse orientation of a required edge
    forbidden = explicit | backward | transitive_closure(required).T
    np.fill_diagonal(forbidden, True)
    return forbidden, required


def transitive_closure(B):
    """``R[i, j]`` True when the graph of ``B`` has a path i -> ... -> j."""
    reach = np.asarray(B, dtype=bool).copy()
    for k in range(reach.shape[0]):
        # Warshall: paths through k; rows that reach k gain k's reach
        reach[reach[:, k]] |= reach[k]
    return reach


def find_cycle(B):
    """The nodes of one directed cycle of the graph of ``B``, or None."""
    pattern = np.asarray(B, dtype=bool)
    if topological_order(pattern) is not None:
        return None
    # iterative depth-first search; a back edge to a node on the stack
    # closes a cycle
    d = pattern.shape[0]
    state = np.zeros(d, dtype=np.int8)  # 0 new, 1 on the stack, 2 done
    for root in range(d):
        if state[root]:
            continue
        stack = [(root, iter(np.flatnonzero(pattern[root])))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state[child] == 1:
                path = [n for n, _ in stack]
                return path[path.index(child):]
            elif state[child] == 0:
                state[child] = 1
                stack.append((child, iter(np.flatnonzero(pattern[child]))))
    return None  # pragma: no cover (topological_order found a cycle)


class _NodeNames:
    """Resolves node references (indices or feature names) and labels nodes."""

    def __init__(self, d, feature_names):
        self.d = d
        self.names = None if feature_names is None else [str(n) for n in feature_names]
        self._index = None if self.names is None else {
            n: k for k, n in enumerate(self.names)}

    def index(self, node, param):
        if isinstance(node, str):
            if self._index is None:
                raise ValueError(
                    f"{param} refers to the node {node!r} by name, but X has no "
                    "feature names (fit on a DataFrame to use names)."
                )
            if node not in self._index:
                raise ValueError(
                    f"{param} refers to the unknown node {node!r}; the feature "
                    f"names are {self.names}."
                )
            return self._index[node]
        if isinstance(node, (bool, np.bool_)) or not isinstance(node, numbers.Integral):
            raise TypeError(
                f"{param}: nodes are column indices (integers) or feature names "
                f"(strings), got {node!r} of type {type(node).__name__}."
            )
        if not 0 <= node < self.d:
            raise ValueError(
                f"{param} refers to the node {int(node)}, out of range for "
                f"{self.d} features."
            )
        return int(node)

    def label(self, k):
        return repr(self.names[k]) if self.names is not None else str(int(k))

    def edges(self, pairs):
        return ", ".join(f"{self.label(i)} -> {self.label(j)}" for i, j in pairs)


def _edge_mask(edges, param, nodes):
    """A boolean (d, d) mask from a mask or from a sequence of pairs."""
    d = nodes.d
    mask = np.zeros((d, d), dtype=bool)
    if edges is None:
        return mask
    if isinstance(edges, (str, bytes, dict, set)):
        raise TypeError(
            f"{param} must be a boolean (d, d) mask or a sequence of (i, j) "
            f"pairs (edges i -> j), got {type(edges).__name__}."
        )
    try:
        array = np.asarray(edges)
    except ValueError:  # ragged: reported below, pair by pair
        array = None
    if array is not None and array.size == 0:
        return mask
    if array is not None and array.dtype == bool:
        if array.shape != (d, d):
            raise ValueError(
                f"{param} as a boolean mask must have shape ({d}, {d}), got "
                f"{array.shape}."
            )
        return array.copy()
    if array is not None and array.dtype.kind in "fc":
        raise TypeError(
            f"{param} must be a boolean (d, d) mask or a sequence of (i, j) "
            f"pairs of node indices or names, got an array of dtype "
            f"{array.dtype}."
        )
    for pair in edges:
        if isinstance(pair, (str, bytes)) or np.ndim(pair) != 1 or len(pair) != 2:
            raise ValueError(
                f"{param}: every edge must be a pair (i, j) for i -> j, got "
                f"{pair!r}."
            )
        mask[nodes.index(pair[0], param), nodes.index(pair[1], param)] = True
    return mask


def _tiers(tiers, nodes):
    """The tier of every node as an int64 array of length d."""
    d = nodes.d
    if isinstance(tiers, dict):
        tier = np.full(d, -1, dtype=np.int64)
        given = np.zeros(d, dtype=bool)
        for node, value in tiers.items():
            k = nodes.index(node, "tiers")
            tier[k] = _tier_value(value)
            given[k] = True
        if not given.all():
            missing = [nodes.label(k) for k in np.flatnonzero(~given)]
            raise ValueError(f"tiers gives no tier for the nodes {missing}.")
        return tier
    if isinstance(tiers, (str, bytes)) or np.ndim(tiers) != 1:
        raise ValueError(
            f"tiers must be a sequence of {d} integers (one tier per node) or "
            "a dict from node to tier."
        )
    if len(tiers) != d:
        raise ValueError(f"tiers must have one entry per node ({d}), got {len(tiers)}.")
    return np.array([_tier_value(v) for v in tiers], dtype=np.int64)


def _tier_value(value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"tiers must be integers, got {value!r}.")
    return int(value)
