"""CoLiDE under a change of units of the data (documented in its Notes).

CoLiDE is not scale-invariant by design, but exactly equivariant:
``CoLiDE(alpha=c * a, mu_init=m / c).fit(c * X)`` is
``CoLiDE(alpha=a, mu_init=m).fit(X)`` with noise scales times ``c``. The
stopping rule and the floor of the noise scales are relative, so the rule
holds to rounding even at ``c = 1e-8`` or ``1e8`` (a stage neither stops at
once on tiny data nor runs to max_iter on huge data).
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sparsestat.dag import CoLiDE
from sparsestat.datasets import make_dag, sample_linear_sem


@pytest.fixture(scope="module")
def data():
    W = make_dag(6, random_state=0)
    return sample_linear_sem(W, 200, random_state=0)


@pytest.mark.parametrize("noise", ["equal", "nonequal"])
@pytest.mark.parametrize("c", [1e-8, 1e-4, 1e4, 1e8])
def test_rescaled_data_with_rescaled_parameters(data, noise, c):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        base = CoLiDE(noise=noise).fit(data)
        scaled = CoLiDE(noise=noise, alpha=0.05 * c, mu_init=1.0 / c).fit(data * c)
    assert base.adjacency_.any()
    np.testing.assert_array_equal(scaled.adjacency_, base.adjacency_)
    np.testing.assert_allclose(scaled.raw_coef_, base.raw_coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(scaled.coef_, base.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(np.asarray(scaled.noise_scale_) / c,
                               base.noise_scale_, rtol=1e-8)
    # the same iterations: no stage stopped earlier or later
    assert scaled.n_iter_ == base.n_iter_


def test_same_parameters_on_tiny_data_are_the_model_not_the_tolerance(data):
    # with alpha fixed, tiny units let the L1 term win: coef_ is 0, and a
    # much tighter tol does not change that (the stop is not premature)
    loose = CoLiDE().fit(data * 1e-4)
    tight = CoLiDE(tol=1e-14, max_iter=100_000).fit(data * 1e-4)
    assert not loose.adjacency_.any()
    np.testing.assert_array_equal(loose.raw_coef_, tight.raw_coef_)


def test_zero_dim_s_is_a_number(data):
    a = CoLiDE(s=np.array(0.9), n_stages=2).fit(data)
    b = CoLiDE(s=0.9, n_stages=2).fit(data)
    np.testing.assert_array_equal(a.raw_coef_, b.raw_coef_)
    with pytest.raises(ValueError, match="s must be"):
        CoLiDE(s=[1.0, "a"]).fit(data)
