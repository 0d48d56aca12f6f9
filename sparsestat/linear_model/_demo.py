"""Rows of ``python -m sparsestat demo`` for the linear-model family."""

import numpy as np

from sparsestat.datasets import make_sparse_regression
from sparsestat.linear_model import (
    NonconvexLasso,
    NonconvexLogisticRegression,
    NonconvexPoissonRegression,
)
from sparsestat.metrics import support_recovery
from sparsestat.utils._demo import DemoCase


def demo_cases(random_state=0):
    """``NonconvexLasso`` with each penalty on one simulated design, then an
    MCP Poisson model of counts and an MCP multinomial model of 3 classes.

    Examples
    --------
    >>> from sparsestat.linear_model._demo import demo_cases
    >>> [case.estimator for case in demo_cases()]  # doctest: +NORMALIZE_WHITESPACE
    ["NonconvexLasso(penalty='l1')", "NonconvexLasso(penalty='mcp')",
     "NonconvexLasso(penalty='scad')", "NonconvexPoissonRegression(penalty='mcp')",
     "NonconvexLogisticRegression(penalty='mcp')"]
    """
    n, p, k = 300, 1000, 10
    X, y, coef = make_sparse_regression(n, p, k, rho=0.5, snr=10,
                                        random_state=random_state)

    def score(model):
        w = np.ravel(model.coef_)
        scores = support_recovery(coef, w)
        return {"found": f"{scores['nnz']} non-zero", "f1": scores["f1"],
                "metric": "coef error",
                "value": float(np.linalg.norm(w - coef) / np.linalg.norm(coef))}

    for penalty in ("l1", "mcp", "scad"):
        yield DemoCase(
            estimator=f"NonconvexLasso(penalty={penalty!r})",
            data=f"regression n={n} p={p} rho=0.5 SNR=10",
            truth=f"{k} non-zero coefs",
            model=NonconvexLasso(alpha=0.35, penalty=penalty),
            X=X, y=y, score=score,
        )
    yield _poisson_case(random_state)
    yield _multinomial_case(random_state)


def _poisson_case(random_state):
    # counts of log-mean 1 + X coef, the linear part of standard deviation 1
    n, p, k = 500, 200, 6
    X, _, coef = make_sparse_regression(n, p, k, rho=0.5, random_state=random_state)
    coef *= 1.0 / np.std(X @ coef)
    y = np.random.default_rng(random_state).poisson(np.exp(1.0 + X @ coef))

    def score(model):
        scores = support_recovery(coef, model.coef_)
        return {"found": f"{scores['nnz']} non-zero", "f1": scores["f1"],
                "metric": "coef error",
                "value": float(np.linalg.norm(model.coef_ - coef) / np.linalg.norm(coef))}

    return DemoCase(
        estimator="NonconvexPoissonRegression(penalty='mcp')",
        data=f"counts n={n} p={p} rho=0.5 log link",
        truth=f"{k} non-zero coefs",
        model=NonconvexPoissonRegression(alpha=0.3, penalty="mcp"),
        X=X, y=y, score=score,
    )


def _multinomial_case(random_state):
    # 3 classes from a multinomial model: feature j raises the odds of class
    # j mod 3 against the other two (class coefficients sum to zero, so each
    # true feature has an effect)
    rng = np.random.default_rng(random_state)
    n_classes, n, n_train, p, k = 3, 600, 400, 100, 6
    X = rng.standard_normal((n, p))
    W = np.zeros((n_classes, p))
    W[:, :k] = -0.75
    W[np.arange(k) % n_classes, np.arange(k)] = 1.5
    eta = X @ W.T
    prob = np.exp(eta - eta.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    y = (prob.cumsum(axis=1) < rng.random((n, 1))).sum(axis=1)
    truth = np.any(W != 0, axis=0).astype(float)

    def score(clf):
        # a feature is selected when any class uses it
        used = np.any(clf.coef_ != 0, axis=0).astype(float)
        scores = support_recovery(truth, used)
        return {"found": f"{scores['nnz']} features", "f1": scores["f1"],
                "metric": "test accuracy",
                "value": float(clf.score(X[n_train:], y[n_train:]))}

    return DemoCase(
        estimator="NonconvexLogisticRegression(penalty='mcp')",
        data=f"{n_classes} classes n={n_train} p={p} multinomial",
        truth=f"{k} features",
        model=NonconvexLogisticRegression(alpha=0.07, penalty="mcp"),
        X=X[:n_train], y=y[:n_train], score=score,
    )
