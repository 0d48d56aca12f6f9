"""Parameter constraints and prediction shared by the linear estimators."""

from numbers import Real

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
    """``X @ coef_.T + intercept_`` after the usual checks, of shape (n_samples,).

    ``coef_`` is 1-D for a regressor and of shape (1, n_features) for a
    binary classifier (scikit-learn's layout), with ``intercept_`` a float or
    of shape (1,) accordingly.
    """
    check_is_fitted(estimator)
    # every sparse format is used as given except DOK, which has no data
    # array that scikit-learn could check for nan/inf: it becomes CSR first
    # (the fit path converts every format to CSC for the same reason)
    X = validate_data(
        estimator, X, accept_sparse=["csr", "csc", "coo", "lil", "bsr", "dia"],
        dtype=[np.float64, np.float32], reset=False,
    )
    coef, intercept = estimator.coef_, estimator.intercept_
    if np.ndim(coef) == 2:
        coef, intercept = coef[0], intercept[0]
    return np.asarray(safe_sparse_dot(X, coef)).ravel() + intercept


class BinaryLinearClassifierMixin:
    """Prediction methods of a fitted binary linear classifier.

    Needs ``classes_``, ``coef_`` of shape (1, n_features) and ``intercept_``
    of shape (1,), as scikit-learn's binary linear classifiers store them;
    ``classes_[1]`` is the positive class.
    """

    def decision_function(self, X):
        """Linear predictor ``X @ coef_ + intercept_`` (log-odds of ``classes_[1]``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Log-odds of ``classes_[1]``.
        """
        return linear_decision(self, X)

    def predict_proba(self, X):
        """Class probabilities, columns ordered as ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Probabilities of ``classes_[0]`` and ``classes_[1]``.
        """
        p1 = expit(self.decision_function(X))
        return np.column_stack([1 - p1, p1])

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, 2)
            Log-probabilities, computed stably from the log-odds.
        """
        scores = self.decision_function(X)
        return np.column_stack([-np.logaddexp(0, scores), -np.logaddexp(0, -scores)])

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            ``classes_[1]`` where the log-odds are positive, else
            ``classes_[0]``.
        """
        scores = self.decision_function(X)
        return self.classes_[(scores > 0).astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = False
        return tags
