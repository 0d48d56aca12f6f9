"""Demo rows for ``python -m sparsestat demo``: both fractional estimators."""

import numpy as np

from sparsestat.datasets import make_sparse_regression
from sparsestat.fractional import FractionalSparseRegression, SparseFisherDiscriminant
from sparsestat.metrics import support_recovery
from sparsestat.utils._demo import DemoCase


def demo_cases(random_state=0):
    """The fractional estimators on simulated data.

    Examples
    --------
    >>> from sparsestat.fractional._demo import demo_cases
    >>> [case.estimator for case in demo_cases()]
    ['FractionalSparseRegression', 'SparseFisherDiscriminant']
    """
    n, p, k = 200, 500, 10
    X, y, coef = make_sparse_regression(n, p, k, snr=10, random_state=random_state)

    def score_regression(est):
        # the ratio rewards k-sparse vectors: score the k largest coefficients
        w = np.ravel(est.coef_)
        top = np.zeros_like(w)
        keep = np.argsort(-np.abs(w))[:k]
        top[keep] = w[keep]
        return {"found": f"top {k} of {np.count_nonzero(w)}",
                "f1": support_recovery(coef, top)["f1"], "metric": "coef error",
                "value": float(np.linalg.norm(top - coef) / np.linalg.norm(coef))}

    yield DemoCase(
        estimator="FractionalSparseRegression",
        data=f"regression n={n} p={p} SNR=10",
        truth=f"{k} non-zero coefs",
        model=FractionalSparseRegression(k=k, alpha=100.0),
        X=X, y=y, score=score_regression,
    )

    # two Gaussian classes, identity covariance, means apart on 10 features:
    # the model under which Fisher's direction is sparse
    rng = np.random.default_rng(random_state)
    n, p, n_train, shifted = 600, 200, 400, 10
    y = rng.integers(0, 2, n)
    X = rng.standard_normal((n, p))
    X[:, :shifted] += 0.6 * y[:, None]
    truth = np.zeros(p)
    truth[:shifted] = 1.0

    def score_fisher(clf):
        # ravel: coef_ is (n_features,) or, as scikit-learn's, (1, n_features)
        scores = support_recovery(truth, np.ravel(clf.coef_))
        return {"found": f"{scores['nnz']} non-zero", "f1": scores["f1"],
                "metric": "test accuracy",
                "value": float(clf.score(X[n_train:], y[n_train:]))}

    yield DemoCase(
        estimator="SparseFisherDiscriminant",
        data=f"2 Gaussian classes n={n_train} p={p}",
        truth=f"{shifted} shifted means",
        model=SparseFisherDiscriminant(alpha=3.0),
        X=X[:n_train], y=y[:n_train], score=score_fisher,
    )
