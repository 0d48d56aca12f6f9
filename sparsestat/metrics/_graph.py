import numpy as np

from sparsestat.metrics._support import _rates


def _as_pattern(B, name):
    B = np.asarray(B)
    if B.ndim != 2 or B.shape[0] != B.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {B.shape}.")
    pattern = B != 0
    np.fill_diagonal(pattern, False)
    return pattern


def structural_hamming_distance(B_true, B_est):
    """Structural Hamming distance between two directed graphs.

    The number of edge additions, deletions and reversals that turn the
    estimated graph into the true one; a reversed edge counts once.

    Parameters
    ----------
    B_true, B_est : array-like of shape (d, d)
        Adjacency (or weighted adjacency) matrices, ``B[i, j] != 0`` meaning
        the edge ``i -> j``. Diagonals are ignored.

    Returns
    -------
    shd : int

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.metrics import structural_hamming_distance
    >>> B = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    >>> structural_hamming_distance(B, B.T)  # two reversals
    2
    """
    return edge_recovery(B_true, B_est)["shd"]


def edge_recovery(B_true, B_est, *, directed=True):
    """Edge-recovery scores of an estimated graph against the true graph.

    Parameters
    ----------
    B_true, B_est : array-like of shape (d, d)
        Adjacency or weighted adjacency matrices; an entry is an edge when it
        is non-zero (``B[i, j]``: edge ``i -> j``). Diagonals are ignored.
    directed : bool, default=True
        With ``False`` both matrices are read as undirected graphs (their
        symmetrized patterns, e.g. the off-diagonal support of a precision
        matrix) and every unordered pair is counted once.

    Returns
    -------
    scores : dict
        ``shd`` (structural Hamming distance; a reversed edge counts once),
        ``tpr`` (true edges recovered with the right orientation over true
        edges), ``fdr`` (reversed plus false edges over estimated edges),
        ``fpr`` (reversed plus false edges over true non-edges), ``f1`` and
        ``nnz`` (estimated edges).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsestat.metrics import edge_recovery
    >>> B = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]])
    >>> B_hat = np.array([[0, 1, 0], [0, 0, 0], [0, 1, 0]])
    >>> scores = edge_recovery(B, B_hat)
    >>> scores["shd"], scores["tpr"], scores["nnz"]
    (2, 0.3333333333333333, 2)
    """
    true = _as_pattern(B_true, "B_true")
    est = _as_pattern(B_est, "B_est")
    if true.shape != est.shape:
        raise ValueError(
            f"B_true and B_est must have the same shape, got {true.shape} and "
            f"{est.shape}."
        )
    d = true.shape[0]
    upper = np.triu(np.ones((d, d), dtype=bool), k=1)
    n_pairs = d * (d - 1) // 2
    if not directed:
        true_u = (true | true.T)[upper]
        est_u = (est | est.T)[upper]
        tp, tpr, fdr, f1 = _rates(true_u, est_u)
        fp = int(est_u.sum()) - tp
        negatives = n_pairs - int(true_u.sum())
        return {
            "shd": int(np.sum(true_u != est_u)),
            "tpr": tpr,
            "fdr": fdr,
            "fpr": fp / negatives if negatives else 0.0,
            "f1": f1,
            "nnz": int(est_u.sum()),
        }
    skeleton_true = (true | true.T)[upper]
    skeleton_est = (est | est.T)[upper]
    # a pair present in both skeletons but with another orientation is one
    # reversal; a pair present in only one skeleton is one addition/deletion
    same_orientation = (true == est)[upper] & (true.T == est.T)[upper]
    reversed_pairs = skeleton_true & skeleton_est & ~same_orientation
    shd = int(np.sum(skeleton_true != skeleton_est) + np.sum(reversed_pairs))
    tp = int(np.sum(true & est))
    n_true, n_est = int(true.sum()), int(est.sum())
    false_or_reversed = n_est - tp
    negatives = n_pairs - n_true
    return {
        "shd": shd,
        "tpr": tp / n_true if n_true else 1.0,
        "fdr": false_or_reversed / n_est if n_est else 0.0,
        "fpr": false_or_reversed / negatives if negatives > 0 else 0.0,
        "f1": 2 * tp / (n_true + n_est) if (n_true + n_est) else 1.0,
        "nnz": n_est,
    }
