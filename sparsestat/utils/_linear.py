"""Binary targets and linear predictions shared by the linear estimators.

Used by the linear models (``NonconvexLasso``, ``NonconvexLogisticRegression``
and their CV classes) and by the fractional ones
(``FractionalSparseRegression``, ``SparseFisherDiscriminant``): one
encoding of two-class targets, one ``X @ coef_ + intercept_`` behind the
regressors' ``predict`` and the binary classifiers' ``decision_function``
and ``predict``.
"""

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data


def encode_binary_target(y):
    """Return ``(classes, y01)``; exactly two classes are required.

    ``classes`` are the sorted labels (``classes[1]`` is the positive
    class) and ``y01`` is 1.0 where ``y == classes[1]``, else 0.0.

    Examples
    --------
    >>> from sparsestat.utils._linear import encode_binary_target
    >>> classes, y01 = encode_binary_target(["b", "a", "b"])
    >>> classes.tolist(), y01.tolist()
    (['a', 'b'], [1.0, 0.0, 1.0])
    """
    check_classification_targets(y)
    classes = np.unique(y)
    if classes.size < 2:
        raise ValueError(
            f"y has 1 class ({classes[0]!r}); binary classification needs "
            "exactly 2 classes."
        )
    y_type = type_of_target(y, input_name="y")
    if y_type != "binary":
        raise ValueError(
            "Only binary classification is supported. The type of the target "
            f"is {y_type} ({classes.size} classes); wrap the estimator in "
            "sklearn.multiclass.OneVsRestClassifier for more classes."
        )
    return classes, (np.asarray(y) == classes[1]).astype(np.float64)


def linear_decision(estimator, X):
    """``X @ coef_.T + intercept_`` after the usual checks.

    ``coef_`` is 1-D for a regressor and of shape (1, n_features) for a
    binary classifier (scikit-learn's layout), with ``intercept_`` a float or
    of shape (1,) accordingly: the scores have shape (n_samples,). A
    multiclass ``coef_`` of shape (n_classes, n_features) gives scores of
    shape (n_samples, n_classes).
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
    if np.ndim(coef) == 2 and coef.shape[0] > 1:
        # a multiclass model: one column of scores per class
        return np.asarray(safe_sparse_dot(X, coef.T)) + intercept
    if np.ndim(coef) == 2:
        coef, intercept = coef[0], intercept[0]
    return np.asarray(safe_sparse_dot(X, coef)).ravel() + intercept


class LinearRegressorMixin:
    """``predict`` of a fitted linear regressor (1-D coef_, float intercept_)."""

    def predict(self, X):
        """Predict with the fitted linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            ``X @ coef_ + intercept_``.
        """
        return linear_decision(self, X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class BinaryLinearClassifierMixin:
    """``decision_function`` and ``predict`` of a fitted binary linear classifier.

    Needs ``classes_``, ``coef_`` of shape (1, n_features) and ``intercept_``
    of shape (1,), as scikit-learn's binary linear classifiers store them;
    ``classes_[1]`` is the positive class.
    """

    def decision_function(self, X):
        """Linear score ``X @ coef_ + intercept_``; positive means ``classes_[1]``.

        For a logistic model the score is the log-odds of ``classes_[1]``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``X @ coef_[0] + intercept_[0]``.
        """
        return linear_decision(self, X)

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            ``classes_[1]`` where the decision function is positive, else
            ``classes_[0]``.
        """
        scores = self.decision_function(X)
        return self.classes_[(scores > 0).astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = False
        return tags
