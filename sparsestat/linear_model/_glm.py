"""The GLM datafits of the proximal Newton loop: log-loss and Poisson.

Each class gives :mod:`~sparsestat.linear_model._prox_newton` what its
quadratic model needs at a linear predictor ``eta``: the mean ``mu(eta)``
(the derivative of the cumulant), the curvature ``mu'(eta)`` (the model's
weights; working response ``eta + (y - mu) / mu'``), the weighted data
term and its gradient, the intercept of the null model, and the step rule
(how Levenberg-Marquardt damping grows and when a damped model majorises
the loss). The data terms are the kernels' (``_datafits.pxd``) written
with numpy: the loop runs in Python around the CD kernel.

``y`` is the target of the loss: {0, 1} labels for the log-loss, the
non-negative counts for Poisson, of X's dtype; the weights ``sw`` sum to
one, so the data term is a weighted mean.
"""

import numpy as np
from scipy.special import expit, xlogy
from sklearn.utils.extmath import safe_sparse_dot

from sparsestat.utils.penalties import get_penalty

# Curvature floor: keeps the working response finite where p(1-p) underflows.
_MIN_CURVATURE = 1e-10

# A fitted mean this many e-folds from the data's mean is exact in double
# precision (expit(36) = 1 - 2e-16; exp(-36) = 2e-16 times the mean count):
# the iterate is following a direction along which the loss decreases
# without bound (separation, or zero counts fitted by a mean tending to 0).
SATURATED_ETA = 36.0
# Deviance below this fraction of the null deviance: the model saturated
# (ncvreg stops its GLM paths at 1% with "model saturated"; 1e-3 leaves the
# high signal-to-noise fits of non-separable data alone).
SATURATED_DEVIANCE = 1e-3


def penalty_objective(w, penalty, alpha, gamma, weighting=None):
    """Sum of the penalty over the coefficients (``weighting``: per-feature
    weights and l1_ratio, None for plain)."""
    return get_penalty(penalty).weighted_value(w, float(alpha), float(gamma),
                                               weighting).sum()


def penalty_is_bounded(penalty, alpha, gamma, weighting=None):
    """Whether every direction can cost a bounded penalty: the penalty
    flattens out far from zero (MCP, SCAD, or alpha = 0) without a ridge
    part (``l1_ratio = 1``). Then the penalised loss can have no minimiser,
    the loss decreasing without bound along a separating direction.
    (Unpenalised features, weight 0, that separate the data on their own
    are caught by the null model's fit of them, which warns.)"""
    if weighting is not None and weighting.l1_ratio < 1 and alpha > 0:
        return False
    t = np.array([2.0 * float(gamma) * float(alpha) + 1.0])
    return not get_penalty(penalty).derivative(t, float(alpha), float(gamma))[0] > 0


class LogLoss:
    """Binary log-loss ``log(1 + exp(eta)) - y eta``, ``y`` in {0, 1}."""

    name = "log_loss"
    datafit = "logistic"
    # margins beyond SATURATED_ETA alone are no separation: the unpenalised
    # maximum likelihood of non-separable data (8000 x 1500, noisy labels)
    # has margins up to 55; they count only with a deviance below 1% of the
    # null deviance (ncvreg's "model saturated" level)
    diverged_deviance = 1e-2
    # p (1 - p) <= 1/4: with this curvature the quadratic model majorises
    # the loss everywhere
    majorising_curvature = 0.25

    def data_term(self, eta, y, sw):
        """Weighted mean log-loss at ``eta``."""
        loss = np.logaddexp(0, eta) - y * eta
        return float(sw @ loss)

    def objective(self, eta, y, sw, w, penalty, alpha, gamma, weighting=None):
        """Weighted mean log-loss plus the penalty."""
        return self.data_term(eta, y, sw) + penalty_objective(w, penalty, alpha,
                                                              gamma, weighting)

    def mean(self, eta):
        return expit(eta)

    def curvature(self, mu):
        return np.maximum(mu * (1 - mu), _MIN_CURVATURE)

    def gradient(self, X, eta, y, sw):
        """Gradient of the weighted mean log-loss in (w, b)."""
        resid = sw * (expit(eta) - y)
        return np.asarray(safe_sparse_dot(X.T, resid)).ravel(), float(resid.sum())

    def null_intercept(self, y, sw, fit_intercept):
        """The log-odds of the weighted mean label (0 without intercept),
        clipped away from 0 and 1."""
        p = float(sw @ y) if fit_intercept else 0.5
        p = min(max(p, 1e-12), 1 - 1e-12)
        return float(np.log(p / (1 - p)))

    def reference_eta(self, y, sw):
        """Linear predictor of the data's mean (saturation is measured from it)."""
        return 0.0

    def residual_scale(self, y, sw):
        """Scale of the residuals ``y - mu``: probabilities, of scale 1."""
        return 1.0

    def damping_start(self, curvature, sw):
        return 1e-4

    def next_damping(self, damping, curvature, sw):
        return min(max(4 * damping, 1e-4), self.majorising_curvature)

    def majorises(self, damping, mu, curvature, step_eta):
        """At damping 1/4 the model majorises the log-loss everywhere."""
        return damping >= self.majorising_curvature

    def diverged(self, eta, y, reference):
        """A fitted probability equal to 0 or 1 in double precision."""
        return bool(np.max(np.abs(eta - reference), initial=0.0) >= SATURATED_ETA)


class PoissonLoss:
    """Poisson ``exp(eta) - y eta + y log y - y`` (half the unit deviance)."""

    # a mean tending to zero on zero counts saturates whatever the deviance
    diverged_deviance = np.inf

    name = "poisson"
    datafit = "poisson"
    majorising_curvature = np.inf

    def data_term(self, eta, y, sw):
        """Weighted mean of half the Poisson deviance at ``eta``.

        In float64 whatever the dtype of X: the y-only constant
        ``y log y - y`` is of the size of the counts, and float32 sums
        would hide the decreases the step rule compares.
        """
        eta, y, sw = (np.asarray(a, dtype=np.float64) for a in (eta, y, sw))
        with np.errstate(over="ignore", invalid="ignore"):
            loss = np.exp(eta) - y * eta + (xlogy(y, y) - y)
            value = float(sw @ loss)
        return value if not np.isnan(value) else np.inf

    def objective(self, eta, y, sw, w, penalty, alpha, gamma, weighting=None):
        """Weighted mean half deviance plus the penalty."""
        return self.data_term(eta, y, sw) + penalty_objective(w, penalty, alpha,
                                                              gamma, weighting)

    def mean(self, eta):
        with np.errstate(over="ignore"):
            return np.exp(eta)

    def curvature(self, mu):
        # relative floor: the counts (and mu) have the units of y; the
        # absolute one keeps the working response finite where every mean
        # underflows
        floor = max(_MIN_CURVATURE * float(np.max(mu, initial=0.0)),
                    float(np.finfo(mu.dtype).tiny))
        return np.maximum(mu, floor)

    def gradient(self, X, eta, y, sw):
        """Gradient of the weighted mean half deviance in (w, b)."""
        resid = sw * (self.mean(eta) - y)
        return np.asarray(safe_sparse_dot(X.T, resid)).ravel(), float(resid.sum())

    def null_intercept(self, y, sw, fit_intercept):
        """Log of the weighted mean count (0 without intercept).

        A target of zeros only has its infimum at mean 0 (intercept
        ``-inf``); the intercept is then ``log(1e-300)``, a mean that is
        zero to the precision of any count, and a finite linear predictor.
        """
        if not fit_intercept:
            return 0.0
        return float(np.log(max(float(sw @ y), 1e-300)))

    def reference_eta(self, y, sw):
        return self.null_intercept(y, sw, True)

    def residual_scale(self, y, sw):
        """Scale of the residuals ``y - mu``: the weighted mean count."""
        scale = float(sw @ y)
        return scale if scale > 0 and np.isfinite(scale) else 1.0

    def damping_start(self, curvature, sw):
        return 1e-4 * float(sw @ curvature)

    def next_damping(self, damping, curvature, sw):
        # no global bound to stop at: the damping grows until a step passes
        # the majorisation test below
        return max(4 * damping, self.damping_start(curvature, sw))

    def majorises(self, damping, mu, curvature, step_eta):
        """Whether the damped model majorises the loss along the step.

        Between ``eta`` and ``eta + step_eta`` the loss's curvature is at
        most ``mu exp(max(step_eta, 0))``; a model whose curvature
        ``curvature + damping`` is at least that is a majorant on the
        segment, so its CD solution (which does not raise the model from
        ``w``) does not raise the objective. As the damping grows the
        step shrinks like its inverse and the test passes.
        """
        with np.errstate(over="ignore"):
            bound = mu * np.exp(np.maximum(step_eta, 0))
        return bool(np.all(bound <= curvature + damping))

    def diverged(self, eta, y, reference):
        """A fitted mean ``e^-36`` times the mean count: zero counts fitted
        by a mean tending to 0."""
        return bool(np.min(eta - reference, initial=0.0) <= -SATURATED_ETA)


GLM_LOSSES = {loss.name: loss for loss in (LogLoss(), PoissonLoss())}
