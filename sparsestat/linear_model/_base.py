"""Parameter constraints and probabilities shared by the linear estimators."""

from numbers import Real

import numpy as np
from scipy.special import expit

from sparsestat.utils._linear import BinaryLinearClassifierMixin
from sparsestat.utils._param_validation import Interval, StrOptions, c_int_interval
from sparsestat.utils.penalties import PENALTIES

PENALTY_CONSTRAINTS = {
    "penalty": [StrOptions(set(PENALTIES))],
    "gamma": [Interval(Real, 1, None, closed="neither")],
    "fit_intercept": ["boolean"],
    "solver": [StrOptions({"cd", "apg", "pgd"})],
    "damping": [StrOptions({"tuned", "ghadimi-lan"})],
    "max_iter": [c_int_interval(1)],
    "tol": [Interval(Real, 0, None, closed="neither")],
    "verbose": ["verbose"],
}

# per-feature penalty weights and elastic-net mixing of the estimators
# (validated and rescaled by sparsestat.utils.penalties.make_weighting in fit)
WEIGHTING_CONSTRAINTS = {
    "l1_ratio": [Interval(Real, 0, 1, closed="both")],
    "penalty_weights": ["array-like", None],
}


class LogisticClassifierMixin(BinaryLinearClassifierMixin):
    """Probabilities of a fitted binary logistic model.

    ``decision_function`` (the log-odds of ``classes_[1]``) and ``predict``
    come from :class:`~sparsestat.utils._linear.BinaryLinearClassifierMixin`.
    """

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
