"""Graph-recovery scores against a pair-by-pair count written independently."""

import numpy as np
import pytest

from sparsestat.metrics import edge_recovery, structural_hamming_distance


def _pairwise_reference(B_true, B_est):
    """SHD and directed rates by walking every unordered pair once."""
    true, est = np.asarray(B_true) != 0, np.asarray(B_est) != 0
    d = true.shape[0]
    shd = tp = n_true = n_est = 0
    for i in range(d):
        for j in range(i + 1, d):
            t, e = (true[i, j], true[j, i]), (est[i, j], est[j, i])
            n_true += sum(t)
            n_est += sum(e)
            tp += (t[0] and e[0]) + (t[1] and e[1])
            shd += t != e  # missing, extra or reversed: one operation each
    negatives = d * (d - 1) // 2 - n_true
    return {
        "shd": shd,
        "tpr": tp / n_true if n_true else 1.0,
        "fdr": (n_est - tp) / n_est if n_est else 0.0,
        "fpr": (n_est - tp) / negatives if negatives > 0 else 0.0,
        "f1": 2 * tp / (n_true + n_est) if n_true + n_est else 1.0,
        "nnz": n_est,
    }


def _random_dag(rng, d, p):
    B = np.triu(rng.random((d, d)) < p, k=1).astype(float)
    perm = rng.permutation(d)
    return B[np.ix_(perm, perm)]


@pytest.mark.parametrize("seed", range(20))
def test_directed_scores_match_the_pairwise_count(seed):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 9))
    B_true = _random_dag(rng, d, 0.4)
    B_est = _random_dag(rng, d, 0.4) * rng.normal(size=(d, d))
    got = edge_recovery(B_true, B_est)
    want = _pairwise_reference(B_true, B_est)
    assert got == pytest.approx(want)
    assert structural_hamming_distance(B_true, B_est) == want["shd"]


def test_a_reversed_edge_counts_once_and_is_a_false_discovery():
    B = np.array([[0, 1], [0, 0]])
    scores = edge_recovery(B, B.T)
    assert scores["shd"] == 1
    assert scores["tpr"] == 0.0 and scores["fdr"] == 1.0 and scores["nnz"] == 1


def test_weights_and_diagonal_are_ignored():
    B = np.array([[0, 2.5, 0], [0, 0, -0.1], [0, 0, 0]])
    noisy = np.abs(B) + np.eye(3)
    scores = edge_recovery(B, noisy)
    assert scores == {"shd": 0, "tpr": 1.0, "fdr": 0.0, "fpr": 0.0, "f1": 1.0,
                      "nnz": 2}


def test_undirected_reads_the_symmetrized_patterns():
    T = np.array([[2.0, -1, 0, 0], [-1, 2, -1, 0], [0, -1, 2, 0], [0, 0, 0, 1]])
    est = np.array([[1.0, 0, 0, 0], [-1, 1, 0, -1], [0, 0, 1, 0], [0, 0, 0, 1]])
    scores = edge_recovery(T, est, directed=False)
    # true pairs {01, 12}; estimated pairs {01, 13}
    assert scores["shd"] == 2 and scores["nnz"] == 2
    assert scores["tpr"] == 0.5 and scores["fdr"] == 0.5 and scores["f1"] == 0.5
    assert scores["fpr"] == pytest.approx(1 / 4)


def test_empty_graphs_score_as_perfect():
    Z = np.zeros((3, 3))
    assert edge_recovery(Z, Z) == {"shd": 0, "tpr": 1.0, "fdr": 0.0, "fpr": 0.0,
                                   "f1": 1.0, "nnz": 0}


@pytest.mark.parametrize(
    "B_true, B_est, match",
    [
        (np.zeros((2, 3)), np.zeros((2, 3)), "B_true must be a square matrix"),
        (np.zeros((3, 3)), np.zeros(3), "B_est must be a square matrix"),
        (np.zeros((3, 3)), np.zeros((4, 4)), "must have the same shape"),
    ],
)
def test_bad_shapes_raise(B_true, B_est, match):
    with pytest.raises(ValueError, match=match):
        edge_recovery(B_true, B_est)
