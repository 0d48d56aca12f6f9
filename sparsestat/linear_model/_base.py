"""Parameter constraints and prediction shared by the linear estimators."""

from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from sparsestat.utils._param_validation import Interval, StrOptions, c_int_interval

PENALTY_CONSTRAINTS = {
    "penalty": [StrOptions({"l1", "mcp", "scad"})],
    "gamma": [Interval(Real, 1, None, closed="neither")],
    "fit_intercept": ["boolean"],
    "solver": [StrOptions({"cd", "apg", "pgd"})],
    "damping": [StrOptions({"tuned", "ghadimi-lan"})],
    "max_iter": [c_int_interval(1)],
    "tol": [Interval(Real, 0, None, closed="neither")],
    "verbose": ["verbose"],
}


def linear_decision(estimator, X):
    """``X @ coef_ + intercept_`` after the usual checks."""
    check_is_fitted(estimator)
    X = validate_data(
        estimator, X, accept_sparse=True, dtype=[np.float64, np.float32], reset=False
    )
    return np.asarray(safe_sparse_dot(X, estimator.coef_)).ravel() + estimator.intercept_


class BinaryLinearClassifierMixin:
    """Prediction methods of a fitted binary linear classifier.

    Needs ``classes_``, ``coef_`` and ``intercept_``; ``classes_[1]`` is the
    positive class.
    """

    def decision_function(self, X):
        """Linear predictor ``X @ coef_ + intercept_`` (log-odds of ``classes_[1]``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        return linear_decision(self, X)

    def predict_proba(self, X):
        """Class probabilities, columns ordered as ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
        """
        p1 = expit(self.decision_function(X))
        return np.column_stack([1 - p1, p1])

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, 2)
        """
        scores = self.decision_function(X)
        return np.column_stack([-np.logaddexp(0, scores), -np.logaddexp(0, -scores)])

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        scores = self.decision_function(X)
        return self.classes_[(scores > 0).astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = False
        return tags
