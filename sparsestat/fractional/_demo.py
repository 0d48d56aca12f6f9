"""Demo rows for ``python -m sparsestat demo``: both fractional estimators."""

import time

import numpy as np

from sparsestat.datasets import make_sparse_regression
from sparsestat.fractional import FractionalSparseRegression, SparseFisherDiscriminant
from sparsestat.metrics import support_recovery


def run_demo(random_state=0):
    """Fit the fractional estimators on simulated data.

    Parameters
    ----------
    random_state : int, default=0
        Seed of the simulated data.

    Returns
    -------
    rows : list of dict
        Keys ``family, estimator, data, time_s, metric, value``.

    Examples
    --------
    >>> from sparsestat.fractional._demo import run_demo
    >>> [row["estimator"] for row in run_demo()]
    ['FractionalSparseRegression', 'SparseFisherDiscriminant']
    """
    rows = []
    X, y, coef = make_sparse_regression(
        200, 500, 10, snr=10, random_state=random_state
    )
    start = time.perf_counter()
    est = FractionalSparseRegression(k=10, alpha=100.0).fit(X, y)
    elapsed = time.perf_counter() - start
    # the ratio rewards k-sparse vectors: score the k largest coefficients
    top = np.zeros_like(est.coef_)
    keep = np.argsort(-np.abs(est.coef_))[:10]
    top[keep] = est.coef_[keep]
    rows.append({
        "family": "fractional",
        "estimator": "FractionalSparseRegression",
        "data": "make_sparse_regression 200x500, 10 non-zero",
        "time_s": elapsed,
        "metric": "support F1 (top k)",
        "value": support_recovery(coef, top)["f1"],
    })

    # two Gaussian classes, identity covariance, means apart on 10 features:
    # the model under which Fisher's direction is sparse
    rng = np.random.default_rng(random_state)
    y = rng.integers(0, 2, 600)
    X = rng.standard_normal((600, 200))
    X[:, :10] += 0.6 * y[:, None]
    n_train = 400
    start = time.perf_counter()
    clf = SparseFisherDiscriminant(alpha=3.0).fit(X[:n_train], y[:n_train])
    elapsed = time.perf_counter() - start
    rows.append({
        "family": "fractional",
        "estimator": "SparseFisherDiscriminant",
        "data": "Gaussian classes 600x200, 10 shifted means, 200 held out",
        "time_s": elapsed,
        "metric": "test accuracy",
        "value": float(clf.score(X[n_train:], y[n_train:])),
    })
    return rows
