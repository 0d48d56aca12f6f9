"""Support-recovery scores of coefficient vectors."""

import numpy as np
import pytest

from sparsestat.metrics import support_recovery


def test_counts_against_sets():
    rng = np.random.default_rng(0)
    for _ in range(20):
        coef_true = rng.normal(size=15) * (rng.random(15) < 0.3)
        coef_est = rng.normal(size=15) * (rng.random(15) < 0.4)
        true = set(np.flatnonzero(coef_true))
        est = set(np.flatnonzero(coef_est))
        tp = len(true & est)
        scores = support_recovery(coef_true, coef_est)
        assert scores["nnz"] == len(est)
        assert scores["tpr"] == (tp / len(true) if true else 1.0)
        assert scores["fdr"] == ((len(est) - tp) / len(est) if est else 0.0)
        assert scores["f1"] == pytest.approx(
            2 * tp / (len(true) + len(est)) if true or est else 1.0)


def test_tol_drops_small_estimates_but_not_small_true_coefficients():
    scores = support_recovery([1e-12, 0, 1], [0.2, -0.05, 1], tol=0.1)
    assert scores == {"tpr": 1.0, "fdr": 0.0, "f1": 1.0, "nnz": 2}


def test_column_vectors_are_flattened():
    assert support_recovery(np.array([[1], [0]]), np.array([1, 0])) == \
        support_recovery([1, 0], [1, 0])


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="must have the same shape"):
        support_recovery([1, 0, 1], [1, 0])
