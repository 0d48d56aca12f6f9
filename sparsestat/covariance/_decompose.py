"""Exact decomposition of one MTP2 stage into blocks of the thresholded graph.

A stage minimises ``f(T) = -logdet T + <T, K>`` with ``K = S - Lam`` over
the M-matrices. Its KKT conditions, with ``Sigma = T^{-1}``, are
``Sigma_ii = S_ii``, ``Sigma_ij >= K_ij`` for ``i != j`` and
``Sigma_ij = K_ij`` where ``T_ij < 0``. The inverse of an M-matrix is
non-negative and positive on the pairs its graph connects, so ``T_ij < 0``
needs ``K_ij > 0``: the support of ``T`` lies in the graph
``G = {K_ij > 0}``.

Gluing along a cut vertex. Let ``v`` separate ``G`` into ``A`` and ``B``
(``A & B = {v}``, no edge of ``G`` between ``A - v`` and ``B - v``), and
let ``T_A``, ``T_B`` solve the stage restricted to ``A`` and to ``B``. Both
have ``Sigma_vv = S_vv``, so the Gaussian that is Markov with respect to the
separator ``v`` and has these two marginals exists; its precision is
``[T_A] + [T_B] - e_v e_v' / S_vv`` (zero padded) and its covariance is
``Sigma_A``, ``Sigma_B`` on the two sides and
``Sigma_ab = Sigma_av Sigma_vb / S_vv`` across. This satisfies the KKT
conditions of the whole stage: they hold inside ``A`` and ``B`` by
construction, and across ``T_ab = 0`` with ``Sigma_ab >= 0 >= K_ab``. The
precision is an M-matrix. Repeating the argument splits a stage exactly
into the biconnected components of ``G`` (its blocks, glued along the
articulation points): a bridge ``(u, v)`` of ``G`` is a block of two
vertices with the closed form ``inv([[S_uu, K_uv], [K_uv, S_vv]])``, and
this is the bridge-block decomposition of Wang, Ying and Palomar
(NeurIPS 2023) refined by the cut vertices inside their bridge-blocks.

Not for diagonally dominant M-matrices: the row-sum constraint ``T 1 >= 0``
at a cut vertex couples the blocks (the subtracted ``1 / S_vv`` can make
the glued row sum negative, and the row-sum multipliers move ``Sigma_vv``
away from ``S_vv`` differently in each block), so that constraint keeps
the split into connected components only, which is exact for it too.
"""

import os

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

from sparsestat._kernels._mtp2 import Status

#: private switch of the tests and benchmarks: False solves each connected
#: component whole (the solver without the block decomposition)
_SPLIT_BLOCKS = True

#: doubles of the largest block's working set per entry of that block, by
#: solver (the kernels' ``p x p`` work arrays plus the block's copies of
#: ``T`` and ``K``)
_WORK_MATRICES = {"newton": 15, "pg": 8}

#: ``p x p`` float64 arrays a stage allocates: ``K``, the precision and
#: covariance being assembled and the temporary of the blocks' starts (the
#: caller's covariance, weights and start are already allocated)
_STAGE_MATRICES = 4


def available_memory():
    """Bytes of memory available to this process now (``MemAvailable`` of
    ``/proc/meminfo``, else free physical pages), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(p, largest, solver):
    """Raise MemoryError if a stage of ``p`` variables whose largest block
    has ``largest`` variables needs more memory than is available."""
    needed = 8 * (_STAGE_MATRICES * p * p + _WORK_MATRICES[solver] * largest**2)
    available = available_memory()
    if available is not None and needed > available:
        raise MemoryError(
            f"The MTP2 stage needs about {needed} bytes ({needed / 2**30:.2f} GiB: "
            f"{_STAGE_MATRICES} matrices of {p} x {p} doubles and the {solver!r} "
            f"solver's work on its largest block of {largest} variables), but "
            f"only {available} bytes ({available / 2**30:.2f} GiB) are available."
        )
    return needed


def _block_tree(indptr, indices, root, disc, low, clock):
    """Biconnected components of the connected component of ``root``.

    Iterative Hopcroft-Tarjan depth-first search on the CSR graph. A block
    is emitted when the search returns from a child ``w`` to a vertex ``u``
    with ``low[w] >= disc[u]``; its first vertex is ``u``. In the reverse
    order of emission every block but the first shares its first vertex
    (its articulation point) with an earlier block, the order in which
    :func:`_glue` attaches them.
    """
    blocks = []
    disc[root] = low[root] = clock
    clock += 1
    vertices = [root]
    # frames of the search: vertex, its parent, the next edge to scan
    path = [[root, -1, indptr[root]]]
    while path:
        frame = path[-1]
        v, parent, ptr = frame
        if ptr < indptr[v + 1]:
            frame[2] = ptr + 1
            w = indices[ptr]
            if disc[w] < 0:
                disc[w] = low[w] = clock
                clock += 1
                vertices.append(w)
                path.append([w, v, indptr[w]])
            elif w != parent and disc[w] < low[v]:
                low[v] = disc[w]
            continue
        path.pop()
        if not path:
            break
        u = path[-1][0]
        if low[v] < low[u]:
            low[u] = low[v]
        if low[v] >= disc[u]:
            block = [u]
            while True:
                x = vertices.pop()
                block.append(x)
                if x == v:
                    break
            blocks.append(np.array(block, dtype=np.intp))
    blocks.reverse()
    return blocks, clock


def stage_blocks(graph, split=True):
    """The pieces of a stage: one list of blocks per connected component.

    Parameters
    ----------
    graph : ndarray of shape (p, p), dtype=bool
        Symmetric thresholded graph ``K > 0`` (the diagonal is ignored).
    split : bool, default=True
        Split the components further into their biconnected components.

    Returns
    -------
    components : list of list of ndarray
        The vertex indices of each block; in each component, every block
        after the first starts with a vertex of an earlier block.
    """
    p = graph.shape[0]
    adj = csr_matrix(graph)
    adj.setdiag(False)
    adj.eliminate_zeros()
    if not split:
        n_comp, labels = connected_components(adj, directed=False)
        order = np.argsort(labels, kind="stable")
        bounds = np.searchsorted(labels[order], np.arange(n_comp + 1))
        return [[order[bounds[c]:bounds[c + 1]]] for c in range(n_comp)]
    indptr = adj.indptr.tolist()
    indices = adj.indices.tolist()
    disc = [-1] * p
    low = [0] * p
    clock = 0
    components = []
    for root in range(p):
        if disc[root] >= 0:
            continue
        if indptr[root] == indptr[root + 1]:
            disc[root] = clock
            clock += 1
            components.append([np.array([root], dtype=np.intp)])
            continue
        blocks, clock = _block_tree(indptr, indices, root, disc, low, clock)
        components.append(blocks)
    return components


def _bridge(s_u, s_v, k):
    """The 2 x 2 stage solution ``inv([[S_uu, k], [k, S_vv]])`` of edges
    ``(u, v)``, vectorised: ``(T_uu, T_vv, T_uv, ok)`` computed through the
    correlation ``k / sqrt(S_uu S_vv)`` so that no scale overflows; ``ok``
    is False where the 2 x 2 matrix is (numerically) singular."""
    root_u, root_v = np.sqrt(s_u), np.sqrt(s_v)
    c = k / root_u / root_v
    one_minus = 1.0 - c**2
    ok = one_minus > 1e3 * np.finfo(np.float64).eps
    one_minus = np.where(ok, one_minus, 1.0)
    return (1.0 / (s_u * one_minus), 1.0 / (s_v * one_minus),
            -c / (root_u * root_v * one_minus), ok)


def _squared_partial_correlations(T):
    """``sum_{u != v} T_vu^2 / (T_uu T_vv)`` for every row ``v``."""
    root = np.sqrt(np.diag(T))
    R = T / root[:, None]
    R /= root[None, :]
    np.fill_diagonal(R, 0.0)
    R **= 2
    return R.sum(axis=1)


def _tree_start(Kb, diag):
    """The block's stage solution on a maximum spanning tree of its graph.

    Weighted by ``K_uv / sqrt(S_uu S_vv)`` (the Chow-Liu tree of the
    thresholded correlations). On a tree every edge is a bridge, so the
    solution is the closed-form gluing of the edges' 2 x 2 solutions: a
    positive definite M-matrix, feasible for the block, that already holds
    its strongest edges (a much closer start than the diagonal).
    """
    m = Kb.shape[0]
    root = np.sqrt(diag)
    corr = Kb / root[:, None]
    corr /= root[None, :]
    np.fill_diagonal(corr, 0.0)
    # minimum spanning tree of 1 / corr: the maximum spanning tree of corr
    pos = corr > 0
    corr[pos] = 1.0 / corr[pos]
    corr[~pos] = 0.0
    tree = minimum_spanning_tree(csr_matrix(corr)).tocoo()
    u, v = tree.row, tree.col
    t_uu, t_vv, t_uv, ok = _bridge(diag[u], diag[v], Kb[u, v])
    if u.size != m - 1 or not ok.all():
        return None
    T = np.zeros((m, m))
    T[u, v] = T[v, u] = t_uv
    degree = np.bincount(u, minlength=m) + np.bincount(v, minlength=m)
    diagonal = (1.0 - degree) / diag
    np.add.at(diagonal, u, t_uu)
    np.add.at(diagonal, v, t_vv)
    T[np.diag_indices(m)] = diagonal
    return T


def _stage_objective(T, K):
    """``-logdet T + <T, K>`` up to a constant of the block (computed on
    the unit-diagonal rescaling, against overflow), or inf if ``T`` is not
    positive definite."""
    root = np.sqrt(np.diag(K))
    scaled = T * root[:, None]
    scaled *= root[None, :]
    try:
        L = np.linalg.cholesky(scaled)
    except np.linalg.LinAlgError:
        return np.inf
    return -2.0 * np.log(np.diag(L)).sum() + float(np.vdot(T, K))


def _block_start(precision, idx, outside):
    """A warm start for the block ``idx`` from the previous precision.

    ``T[idx, idx]`` is feasible, but at a cut vertex ``v`` it carries the
    other blocks' share of ``T_vv`` (in the glued form, ``T_vv`` adds every
    block's diagonal); their exact share is a Schur complement. Removing
    ``sum_{u outside} T_vu^2 / T_uu`` instead removes no more than it when
    the previous precision has the block structure (the inverse of an
    M-matrix dominates the inverse of its diagonal), so the start stays
    positive definite; the kernel restarts from the diagonal otherwise.
    ``outside`` holds :func:`_squared_partial_correlations` of the whole
    previous precision.
    """
    T = np.ascontiguousarray(precision[np.ix_(idx, idx)])
    shift = outside[idx] - _squared_partial_correlations(T)
    T[np.diag_indices_from(T)] *= 1.0 - np.clip(shift, 0.0, 1.0)
    return T


def _solve_block(idx, K, precision, diag, kernel, diag_dominant, max_iter, tol,
                 outside=None):
    """``(T, Sigma, n_iter, kkt, status)`` of the stage restricted to ``idx``."""
    if idx.size == 1:
        i = idx[0]
        return (np.array([[1.0 / diag[i]]]), np.array([[diag[i]]]), 0, 0.0,
                Status.CONVERGED)
    if idx.size == 2 and not diag_dominant:
        # a bridge: Sigma is the 2 x 2 covariance with K_uv off the diagonal
        u, v = idx
        t_uu, t_vv, t_uv, ok = _bridge(diag[u], diag[v], K[u, v])
        if ok:
            Sb = np.array([[diag[u], K[u, v]], [K[u, v], diag[v]]])
            Tb = np.array([[t_uu, t_uv], [t_uv, t_vv]])
            return Tb, Sb, 0, 0.0, Status.CONVERGED
        # (numerically) singular: no estimate exists; let the kernel report it
    block = np.ix_(idx, idx)
    Kb = np.ascontiguousarray(K[block])
    if outside is None:
        T = np.ascontiguousarray(precision[block])
    else:
        # the better (lower objective) of the previous stage's estimate and
        # the spanning-tree solution: the latter wins on the diagonal start
        # of stage 1 and, measured on BA trees, at later stages too (MCP
        # leaves the strong edges unpenalised)
        starts = [_block_start(precision, idx, outside), _tree_start(Kb, diag[idx])]
        T = min((t for t in starts if t is not None),
                key=lambda t: _stage_objective(t, Kb))
    d = np.maximum(T.sum(axis=1), 0.0)
    it, crit, st, Tinv = kernel(T, Kb, d, diag_dominant, max_iter, tol)
    if st == Status.NOT_PD:
        # cannot happen from a feasible start; restart from the diagonal
        T = np.diag(1.0 / diag[idx])
        d = np.diag(T).copy()
        it, crit, st, Tinv = kernel(T, Kb, d, diag_dominant, max_iter, tol)
    return T, Tinv, it, crit, st


def _glue(components, solutions, diag, dtype):
    """The precision and covariance of the whole stage from its blocks.

    The precision adds the blocks' and subtracts ``1 / S_vv`` once per extra
    block at each articulation point ``v``; the covariance across a cut
    vertex ``v`` is ``Sigma_av Sigma_vb / Sigma_vv``, filled block by block
    against the part of the component already assembled (each entry once,
    no ``p x p`` inversion).
    """
    p = diag.size
    precision = np.zeros((p, p), dtype=dtype)
    covariance = np.zeros((p, p), dtype=dtype)
    extra = np.zeros(p)
    sol = iter(solutions)
    for blocks in components:
        done = np.empty(sum(b.size for b in blocks) - len(blocks) + 1, dtype=np.intp)
        n_done = 0
        for idx in blocks:
            Tb, Sb = next(sol)
            if idx.size == 1:
                i = idx[0]
                precision[i, i] += Tb[0, 0]
                covariance[i, i] = Sb[0, 0]
                done[0] = i
                n_done = 1
                continue
            block = np.ix_(idx, idx)
            precision[block] += Tb
            if n_done == 0:
                covariance[block] = Sb
                done[: idx.size] = idx
                n_done = idx.size
                continue
            v, new = idx[0], idx[1:]
            extra[v] += 1.0
            prev = done[:n_done]
            cross = np.outer(Sb[1:, 0] / covariance[v, v], covariance[v, prev])
            covariance[np.ix_(new, prev)] = cross
            covariance[np.ix_(prev, new)] = cross.T
            covariance[np.ix_(new, new)] = Sb[1:, 1:]
            done[n_done : n_done + new.size] = new
            n_done += new.size
    cut = np.flatnonzero(extra)
    precision[cut, cut] -= extra[cut] / diag[cut]
    return precision, covariance


def solve_stage_blocks(emp_cov, weights, precision, diag_dominant, kernel, max_iter,
                       tol, solver):
    """Solve one stage block by block and assemble it.

    Parameters
    ----------
    emp_cov : ndarray of shape (p, p)
    weights : ndarray of shape (p, p)
        Penalty weights, zero diagonal.
    precision : ndarray of shape (p, p)
        Feasible start (the previous stage); its principal submatrices are
        feasible starts of the blocks.
    diag_dominant : bool
        Split into connected components only (see the module notes).
    kernel : callable
        ``mtp2_newton`` or ``mtp2_pg``.
    max_iter, tol
        Passed to the kernel.
    solver : {"newton", "pg"}
        For the memory estimate.

    Returns
    -------
    precision, covariance, n_iter, kkt, status
        The largest iteration count and KKT violation over the blocks, and
        the worst status.
    """
    p = emp_cov.shape[0]
    components = stage_blocks(emp_cov > weights,
                              split=_SPLIT_BLOCKS and not diag_dominant)
    largest = max(b.size for blocks in components for b in blocks)
    # before the stage's p x p allocations and the largest block's work
    check_memory(p, largest, solver)
    K = emp_cov - weights
    diag = np.diag(emp_cov).copy()
    # the decomposition's starts (see _solve_block); without it, each
    # component starts from the previous estimate as before
    improved = _SPLIT_BLOCKS and not diag_dominant
    outside = _squared_partial_correlations(precision) if improved else None
    solutions = []
    n_iter, kkt, status = 0, 0.0, Status.CONVERGED
    for blocks in components:
        for idx in blocks:
            Tb, Sb, it, crit, st = _solve_block(
                idx, K, precision, diag, kernel, diag_dominant, max_iter, tol, outside
            )
            solutions.append((Tb, Sb))
            n_iter = max(n_iter, it)
            kkt = max(kkt, crit)
            status = max(status, st)
    new, cov = _glue(components, solutions, diag, emp_cov.dtype)
    return new, cov, n_iter, kkt, status
