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
        One row per fit, with the keys of the demo table (see
        ``sparsestat._cli.DEMO_COLUMNS``).

    Examples
    --------
    >>> from sparsestat.fractional._demo import run_demo
    >>> [row["estimator"] for row in run_demo()]
    ['FractionalSparseRegression', 'SparseFisherDiscriminant']
    """
    rows = []
    n, p, k = 200, 500, 10
    X, y, coef = make_sparse_regression(n, p, k, snr=10, random_state=random_state)
    start = time.perf_counter()
    est = FractionalSparseRegression(k=k, alpha=100.0).fit(X, y)
    elapsed = time.perf_counter() - start
    # the ratio rewards k-sparse vectors: score the k largest coefficients
    w = np.ravel(est.coef_)
    top = np.zeros_like(w)
    keep = np.argsort(-np.abs(w))[:k]
    top[keep] = w[keep]
    rows.append({
        "family": "fractional",
        "estimator": "FractionalSparseRegression",
        "data": f"regression n={n} p={p} SNR=10",
        "truth": f"{k} non-zero coefs",
        "found": f"top {k} of {np.count_nonzero(w)}",
        "f1": support_recovery(coef, top)["f1"],
        "metric": "coef error",
        "value": float(np.linalg.norm(top - coef) / np.linalg.norm(coef)),
        "time_s": elapsed,
    })

    # two Gaussian classes, identity covariance, means apart on 10 features:
    # the model under which Fisher's direction is sparse
    rng = np.random.default_rng(random_state)
    n, p, n_train, shifted = 600, 200, 400, 10
    y = rng.integers(0, 2, n)
    X = rng.standard_normal((n, p))
    X[:, :shifted] += 0.6 * y[:, None]
    start = time.perf_counter()
    clf = SparseFisherDiscriminant(alpha=3.0).fit(X[:n_train], y[:n_train])
    elapsed = time.perf_counter() - start
    truth = np.zeros(p)
    truth[:shifted] = 1.0
    # ravel: coef_ is (n_features,) or, as scikit-learn's, (1, n_features)
    scores = support_recovery(truth, np.ravel(clf.coef_))
    rows.append({
        "family": "fractional",
        "estimator": "SparseFisherDiscriminant",
        "data": f"2 Gaussian classes n={n_train} p={p}",
        "truth": f"{shifted} shifted means",
        "found": f"{scores['nnz']} non-zero",
        "f1": scores["f1"],
        "metric": "test accuracy",
        "value": float(clf.score(X[n_train:], y[n_train:])),
        "time_s": elapsed,
    })
    return rows
