"""MTP2GraphicalModelCV says when candidates cannot be scored.

A fold whose training part has a constant column cannot estimate anything
and scores -inf for every candidate; when that happens to every candidate,
the CV used to return the first alpha with NaN spreads and no warning.
"""

import warnings

import numpy as np
import pytest

from sparsestat.covariance import MTP2GraphicalModelCV, mtp2_graphical_model


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((60, 4)) + rng.standard_normal((60, 1))
    # column 0 varies only in the first rows: constant in the training part
    # of the first fold (unshuffled 3-fold CV)
    X[:, 0] = 0.0
    X[0, 0] = 1.0
    return X


def test_every_candidate_failing_is_an_error_naming_the_fold():
    X = _data()
    with pytest.raises(ValueError, match=r"no candidate could be scored.*fold 0.*"
                                         r"column\(s\) \[0\] constant"):
        MTP2GraphicalModelCV(cv=3).fit(X)
    with pytest.raises(ValueError, match="no candidate"):
        MTP2GraphicalModelCV(alphas=[0.1, 0.01], cv=3).fit(X)


def test_no_warning_when_every_fold_scores():
    X = _data()
    X[::3, 0] = 1.0  # now non-constant in every training part
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = MTP2GraphicalModelCV(alphas=[0.1, 0.01], cv=3).fit(X)
    assert np.all(np.isfinite(model.cv_results_["mean_test_score"]))
    assert np.all(np.isfinite(model.cv_results_["std_test_score"]))


def test_some_candidates_failing_is_a_warning_naming_them(monkeypatch):
    # a held-out log-likelihood that is not finite for one candidate only
    import sparsestat.covariance._cv as mod

    real = mod.log_likelihood

    def fake(test_cov, precision):
        value = real(test_cov, precision)
        return -np.inf if precision[0, 1] == 0 else value

    monkeypatch.setattr(mod, "log_likelihood", fake)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 3)) + rng.standard_normal((80, 1))
    with pytest.warns(UserWarning, match=r"1 of 2 candidates.*alpha=10"):
        model = MTP2GraphicalModelCV(alphas=[10.0, 0.01], cv=2).fit(X)
    assert model.alpha_ == 0.01


def test_nan_precision_init_is_an_error():
    S = np.array([[1.0, 0.5], [0.5, 1.0]])
    with pytest.raises(ValueError, match="precision_init"):
        mtp2_graphical_model(S, 0.05, precision_init=np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="precision_init"):
        mtp2_graphical_model(S, 0.05, precision_init=np.eye(3))
