"""MTP2 estimates follow the units of the data.

``X -> c X`` maps ``S`` to ``c^2 S``; the objective
``-logdet T + tr(T S) + sum lam_ij |T_ij|`` at ``T / c^2`` with
``lam c^2`` is the original plus a constant, so ``alpha * c**2`` (and, for
MCP, ``gamma / c**4``) gives ``precision_ / c**2`` with the same edges. The
stopping rule is scale-free, so this holds to the solver's tolerance at
scales far from 1 (the projected-gradient safeguards on the step used to be
absolute: at ``c = 1e-4`` the steps were clipped by a factor 1e4).
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sparsestat.covariance import MTP2GraphicalModel
from sparsestat.datasets import make_mtp2_precision


def _sample(p=12, n=150, seed=0):
    T = make_mtp2_precision(p, random_state=seed)
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(np.zeros(p), np.linalg.inv(T), size=n,
                                   method="cholesky")


@pytest.mark.parametrize(
    "penalty, solver, constraint",
    [
        ("l1", "newton", "m_matrix"),
        ("mcp", "newton", "m_matrix"),
        ("mcp", "newton", "diag_dominant"),
        ("l1", "pg", "m_matrix"),
        ("mcp", "pg", "diag_dominant"),
    ],
)
@pytest.mark.parametrize("c", [1e-4, 1e4])
def test_rescaled_data_gives_rescaled_precision(penalty, solver, constraint, c):
    X = _sample()
    # projected gradient needs more than the default 1000 iterations on the
    # later stages here
    params = dict(penalty=penalty, solver=solver, constraint=constraint,
                  max_iter=5000)
    alpha, gamma = 0.05, 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        base = MTP2GraphicalModel(alpha=alpha, gamma=gamma, **params).fit(X)
        scaled = MTP2GraphicalModel(
            alpha=alpha * c**2, gamma=gamma / c**4, **params
        ).fit(X * c)
    P = scaled.precision_ * c**2
    # same edges, and the same precision up to the tolerance (1e-6 on a
    # scale-free KKT measure)
    np.testing.assert_array_equal(P != 0, base.precision_ != 0)
    assert (P != 0).sum() > P.shape[0]  # some edges
    scale = np.max(np.abs(base.precision_))
    np.testing.assert_allclose(P, base.precision_, rtol=0, atol=1e-4 * scale)
    np.testing.assert_allclose(scaled.covariance_ / c**2, base.covariance_,
                               rtol=1e-4)


def test_mcp_gamma_below_one_is_valid():
    # gamma carries units (1 / variance^2): the regression bound gamma > 1
    # would forbid the rescaled value for data in larger units
    X = _sample()
    model = MTP2GraphicalModel(alpha=0.05, gamma=0.5).fit(X)
    assert np.all(np.isfinite(model.precision_))
    with pytest.raises(ValueError, match="gamma"):
        MTP2GraphicalModel(alpha=0.05, gamma=0.0).fit(X)
