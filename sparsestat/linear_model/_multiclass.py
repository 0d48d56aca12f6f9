"""The multiclass face of the logistic estimators.

Target encoding and checks of more than two classes, the fit of
:class:`NonconvexLogisticRegression` on them (the solver is
:mod:`~sparsestat.linear_model._multinomial`), the softmax predictions
shared by the estimator and its CV class, and the held-out scores of the
CV class. Binary targets never come here: their code path is unchanged.
"""

import warnings

import numpy as np
from scipy.special import log_softmax, logsumexp, softmax
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from sparsestat._config import user_stacklevel
from sparsestat.linear_model._base import LogisticClassifierMixin
from sparsestat.linear_model._dispatch import resolve_max_iter
from sparsestat.linear_model._multinomial import (
    check_multinomial_solver,
    multinomial_path,
)

# Fewest samples of a class (rows of y, whatever their weights: a weight
# is a count of repetitions, so zero-weight rows count as rows the caller
# gave, and the weighted and repeated fits see the same classes).
MIN_CLASS_SAMPLES = 2


def is_multiclass(y):
    """Whether the (validated) target holds more than two classes."""
    check_classification_targets(y)
    return type_of_target(y, input_name="y") == "multiclass"


def encode_multiclass_target(y, sw, dtype):
    """Return ``(classes, Y)``: sorted labels and one-hot ``Y`` of ``dtype``.

    Raises ValueError when a class has fewer than two samples or no
    positive weight.
    """
    classes, index, counts = np.unique(y, return_inverse=True, return_counts=True)
    few = np.flatnonzero(counts < MIN_CLASS_SAMPLES)
    if few.size:
        raise ValueError(
            f"Class {classes[few[0]]!r} has {int(counts[few[0]])} sample; the "
            f"multinomial model needs at least {MIN_CLASS_SAMPLES} samples of "
            "every class (one sample identifies no coefficient and is "
            "separated from the rest by any feature). Remove the class or "
            "collect more of its samples."
        )
    Y = np.zeros((index.size, classes.size), dtype=dtype)
    Y[np.arange(index.size), index] = 1
    unweighted = np.flatnonzero(~(sw @ Y > 0))
    if unweighted.size:
        raise ValueError(
            f"Class {classes[unweighted[0]]!r} has zero total sample_weight: "
            "its probability would be zero and its intercept -inf. Give its "
            "samples weight or remove them."
        )
    return classes, Y


def initial_multinomial_coef(estimator, n_classes, n_features, dtype):
    """Warm start ``(W, b)`` from a previous multiclass fit of the same
    shape and finite values, else ``(None, None)``."""
    coef = getattr(estimator, "coef_", None)
    intercept = getattr(estimator, "intercept_", None)
    if not estimator.warm_start or coef is None or intercept is None:
        return None, None
    coef, intercept = np.asarray(coef), np.asarray(intercept)
    if coef.shape != (n_classes, n_features) or intercept.shape != (n_classes,):
        return None, None
    with np.errstate(over="ignore"):
        W = coef.astype(dtype)
    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(intercept))):
        warnings.warn(
            f"warm_start=True but the previous coef_ or intercept_ holds NaN "
            f"or inf (in {dtype}); starting from zeros instead.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
        return None, None
    return W, intercept.astype(np.float64)


def fit_multinomial(estimator, X, y, sw, weighting=None):
    """Fit ``estimator`` (a :class:`NonconvexLogisticRegression`) on more
    than two classes: one path of one alpha of the multinomial loss (with
    the penalty ``weighting`` of its ``penalty_weights`` and ``l1_ratio``),
    then the fitted attributes."""
    check_multinomial_solver(estimator.solver)
    classes, Y = encode_multiclass_target(y, sw, X.dtype)
    coef_init, intercept_init = initial_multinomial_coef(
        estimator, classes.size, X.shape[1], X.dtype)
    max_iter = resolve_max_iter(estimator.max_iter, estimator.solver)
    path = multinomial_path(
        X, Y, sw, penalty=estimator.penalty, gamma=estimator.gamma,
        alphas=[estimator.alpha], fit_intercept=estimator.fit_intercept,
        tol=estimator.tol, max_iter=max_iter, solver=estimator.solver,
        coef_init=coef_init, intercept_init=intercept_init, weighting=weighting,
    )
    n_iter, kkt = int(path.n_iters[0]), float(path.stop_crits[0])
    name = type(estimator).__name__
    if estimator.verbose:
        print(f"{name}({estimator.penalty}, multinomial, {classes.size} classes): "
              f"{n_iter} iterations, KKT violation {kkt:.3e}")
    if not path.converged[0]:
        warnings.warn(
            f"{name} did not converge in max_iter={max_iter} iterations (KKT "
            f"violation {kkt:.3e} > tol={estimator.tol:g}). Increase max_iter "
            "or alpha (separable classes have no bounded MCP/SCAD solution).",
            ConvergenceWarning,
            stacklevel=user_stacklevel(),
        )
    estimator.classes_ = classes
    estimator.coef_ = path.coefs[:, :, 0].copy()
    estimator.intercept_ = path.intercepts[:, 0].astype(X.dtype)
    estimator.n_iter_ = n_iter
    estimator.stop_crit_ = kkt
    return estimator


class MulticlassLogisticMixin(LogisticClassifierMixin):
    """Predictions of a fitted logistic model of two or more classes.

    With more than two classes ``coef_`` has one row per class and the
    probabilities are the softmax of the class scores; with two classes
    every method is the binary one of
    :class:`~sparsestat.linear_model._base.LogisticClassifierMixin`.
    """

    def _multiclass(self):
        coef = getattr(self, "coef_", None)
        return coef is not None and np.ndim(coef) == 2 and coef.shape[0] > 1

    def decision_function(self, X):
        """Linear scores: the log-odds of ``classes_[1]`` (two classes), or
        one score per class whose softmax is the probabilities (more).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            ``X @ coef_[0] + intercept_[0]`` for two classes, else
            ``X @ coef_.T + intercept_``.
        """
        return super().decision_function(X)

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            The class of largest score (the positive class where the
            log-odds are positive, for two classes).
        """
        if not self._multiclass():
            return super().predict(X)
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]

    def predict_proba(self, X):
        """Class probabilities, columns ordered as ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The softmax of the class scores (rows sum to one).
        """
        if not self._multiclass():
            return super().predict_proba(X)
        return softmax(self.decision_function(X), axis=1)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities.
        """
        if not self._multiclass():
            return super().predict_log_proba(X)
        return log_softmax(self.decision_function(X), axis=1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags


def multinomial_decision(X_test, path):
    """Held-out class scores of every alpha of ``path``, shape
    (n_test, n_classes, n_alphas), in float64."""
    K, p, A = path.coefs.shape
    coefs = path.coefs.astype(np.float64).transpose(1, 0, 2).reshape(p, K * A)
    scores = np.asarray(safe_sparse_dot(X_test, coefs)).reshape(-1, K, A)
    return scores + path.intercepts


def multinomial_scores(scoring, Y, decision, sw):
    """Per-alpha weighted held-out score (higher is better) of the class
    scores ``decision`` (n_test, n_classes, n_alphas) against one-hot ``Y``."""
    if scoring == "accuracy":
        correct = np.argmax(decision, axis=1) == np.argmax(Y, axis=1)[:, None]
        return sw @ correct / sw.sum()
    # -log softmax of the true class (the log-loss), per sample and alpha
    loss = logsumexp(decision, axis=1) - np.einsum("ik,ika->ia", Y, decision)
    return -(sw @ loss) / sw.sum()


def check_multiclass_scoring(scoring):
    """Raise for a score the CV class cannot compute on more than two classes."""
    if scoring == "roc_auc":
        raise ValueError(
            "scoring='roc_auc' is a binary score; with more than two classes "
            "use scoring='neg_log_loss' or 'accuracy' (scikit-learn's 'roc_auc' "
            "scorer refuses multiclass targets too)."
        )
