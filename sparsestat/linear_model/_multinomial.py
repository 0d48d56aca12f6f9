r"""Block proximal Newton for the penalised multinomial logistic regression.

The model of ``K > 2`` classes has one linear predictor per class,
``eta_ik = x_i^T w_k + b_k``, and minimises

.. math::

    F(W, b) = \sum_i s_i \Big(\log \sum_k e^{\eta_{ik}} - \eta_{i y_i}\Big)
              + \sum_{k, j} p(|w_{kj}|; \alpha, \gamma)

with weights ``s`` summing to one. As glmnet does for
``family="multinomial"``, each outer iteration is one sweep over the
classes; the step of class ``k`` holds the other classes' predictors fixed.
With them fixed, the loss of class ``k`` is a binary log-loss with an
offset: ``log sum_l e^{eta_il} = c_i + log(1 + e^{eta_ik - c_i})`` with
``c_i = log sum_{l != k} e^{eta_il}``, whose second derivative in
``eta_ik`` is ``p_ik (1 - p_ik) <= 1/4``. Its quadratic model, a weighted
least-squares problem with weights ``s p_k (1 - p_k)`` and working response
``eta_k + (y_k - p_k) / (p_k (1 - p_k))``, is solved by the working-set CD
kernel (:func:`~sparsestat.linear_model._least_squares.cd_least_squares`),
and the step is accepted when it lowers ``F``; otherwise the curvature is
damped (Levenberg-Marquardt), and at damping 1/4 the model majorises the
class's loss, so the step cannot raise ``F``: every class step is a descent
step. (Böhning's bound ``1/2 (I - 11^T/K)`` majorises the full Hessian in
all classes at once; the per-class block needs only the 1/4 of the binary
case.) The solve stops when the KKT violation over every coefficient and
intercept is at most ``tol``.

Identifiability: adding the same vector to every class's coefficients, or
the same constant to every intercept, leaves the probabilities unchanged.
The penalty identifies the coefficients (for each feature it prefers the
shift with the smallest penalty, the median of the class coefficients for
L1, which stationarity enforces); the unpenalised intercepts are reported
summing to zero, which is also what scikit-learn's ``saga`` solver returns
(its intercept steps are gradients, whose sum over the classes is zero).
"""

from dataclasses import dataclass

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot

from sparsestat.linear_model._alpha_max import path_alpha_max
from sparsestat.linear_model._dispatch import resolve_max_iter
from sparsestat.linear_model._least_squares import cd_least_squares
from sparsestat.linear_model._path import Path, alpha_grid, check_auto_grid
from sparsestat.utils._design import center_target, make_design
from sparsestat.utils.penalties import PLAIN, get_penalty
from sparsestat.utils.progress import progress

# Curvature floor: keeps the working response finite where p(1-p) underflows.
_MIN_CURVATURE = 1e-10
_ARMIJO = 1e-4
# p_k (1 - p_k) <= 1/4 with the other classes fixed: with this damping the
# quadratic model of one class majorises its loss
_MAJORISING_CURVATURE = 0.25
# Largest extrapolation factor along a sweep's step.
_MAX_EXTRAPOLATION = 64.0
# Relative move below which a penalty change is computed by the midpoint
# rule (see _penalty_change).
_MIDPOINT_MOVE = 1e-4
# Smallest class proportion of the null intercepts (log of zero otherwise).
_MIN_PROPORTION = 1e-12

# The solvers that take the multinomial loss: the proximal gradient kernel
# (``_apg.pyx``) evaluates a datafit of one linear predictor per sample
# (``_datafits.pxd``); the softmax couples the K predictors of a sample.
MULTINOMIAL_SOLVERS = ("cd",)


def check_multinomial_solver(solver):
    """Raise unless ``solver`` can fit the multinomial loss."""
    if solver not in MULTINOMIAL_SOLVERS:
        raise ValueError(
            f"solver={solver!r} fits binary targets only: the proximal "
            "gradient kernel takes a datafit of one linear predictor per "
            "sample, and the multinomial loss couples one predictor per "
            "class. Use solver='cd' (block proximal Newton) for more than "
            "two classes."
        )


def row_logsumexp(eta):
    """``log sum_k exp(eta_ik)`` of each row, shifted by the row maximum
    (scipy's ``logsumexp`` does the same with an overhead that dominates
    the small per-class steps)."""
    top = eta.max(axis=1)
    return top + np.log(np.exp(eta - top[:, None]).sum(axis=1))


def row_softmax(eta):
    """Softmax of each row of ``eta``."""
    e = np.exp(eta - eta.max(axis=1)[:, None])
    return e / e.sum(axis=1)[:, None]


def linear_predictors(X, W, b):
    """``X W^T + b`` in float64, shape (n_samples, n_classes)."""
    eta = np.asarray(safe_sparse_dot(X, W.T), dtype=np.float64)
    return eta + np.asarray(b, dtype=np.float64)


def multinomial_loss(eta, Y, sw):
    """Weighted mean of ``-log softmax(eta)_{y_i}`` (``Y`` one-hot)."""
    return float(sw @ (row_logsumexp(eta) - np.einsum("ik,ik->i", Y, eta)))


@dataclass(frozen=True)
class ClassPenalty:
    """The penalty of one solve applied to every class's coefficients.

    ``weighting`` (:class:`~sparsestat.utils.penalties.PenaltyWeighting`)
    holds the per-feature factors ``pw_j`` and ``l1_ratio``: coefficient
    ``w_kj`` pays ``l1_ratio p(|w_kj|; alpha pw_j, gamma) + (1 - l1_ratio)
    alpha pw_j / 2 w_kj^2``, the same factor for every class. Arrays are
    (..., n_features), rows evaluated by the registry's kernel functions.
    """

    name: str
    alpha: float
    gamma: float
    weighting: object = PLAIN
    positive: bool = False

    @property
    def spec(self):
        return get_penalty(self.name)

    def values(self, W):
        """Penalty of each entry of ``W``."""
        W = np.asarray(W, dtype=np.float64)
        if self.weighting.is_plain:
            return self.spec.value(np.abs(W), self.alpha, self.gamma)
        rows = W.reshape(-1, W.shape[-1])
        out = [self.spec.weighted_value(w, self.alpha, self.gamma, self.weighting)
               for w in rows]
        return np.asarray(out).reshape(W.shape)

    def derivatives(self, t):
        """Derivative in ``t = |w| >= 0`` of each entry's penalty (``p`` is
        homogeneous: ``p'(t; a, gamma) = a p'(t / a; 1, gamma)``)."""
        t = np.asarray(t, dtype=np.float64)
        if self.weighting.is_plain:
            return self.spec.derivative(t, self.alpha, self.gamma)
        a = self.alpha * self.weighting.factors(t.shape[-1])
        safe = np.where(a > 0, a, 1.0)
        mixed = (self.weighting.l1_ratio * a
                 * self.spec.derivative(t / safe, 1.0, self.gamma)
                 + (1 - self.weighting.l1_ratio) * a * t)
        return np.where(a > 0, mixed, 0.0)

    def subdiff_distance(self, W, grad):
        """Distance of ``-grad`` to the subdifferential at each entry."""
        if self.weighting.is_plain:
            return self.spec.subdiff_distance(W, grad, self.alpha, self.gamma,
                                              self.positive)
        return np.vstack([
            self.spec.weighted_subdiff_distance(w, g, self.alpha, self.gamma,
                                                self.weighting, self.positive)
            for w, g in zip(W, grad, strict=True)
        ])

    def class_values(self, W):
        """Penalty of each class's coefficients, shape (n_classes,)."""
        return self.values(W).sum(axis=-1)


def multinomial_gradient(X, eta, Y, sw):
    """Gradient of the loss in ``W`` (n_classes, n_features) and in ``b``."""
    resid = sw[:, None] * (row_softmax(eta) - Y)
    grad = np.asarray(safe_sparse_dot(X.T, resid), dtype=np.float64)
    return grad.T, resid.sum(axis=0)


def multinomial_kkt(W, grad, grad_b, live, fit_intercept, pen, kkt_scale):
    """Largest scaled distance of ``-grad`` to the subdifferential over every
    coefficient of every class (``pen``: :class:`ClassPenalty`), and the
    largest intercept gradient."""
    viol = pen.subdiff_distance(W, grad) * kkt_scale
    kkt = float(viol[:, live].max()) if live.any() else 0.0
    return max(kkt, float(np.abs(grad_b).max())) if fit_intercept else kkt


def null_intercepts(Y, sw, fit_intercept):
    """Intercepts of the model with ``W = 0``: the log weighted class
    proportions, centred (zeros without intercept)."""
    if not fit_intercept:
        return np.zeros(Y.shape[1])
    proportions = np.maximum(sw @ Y.astype(np.float64), _MIN_PROPORTION)
    logp = np.log(proportions)
    return logp - logp.mean()


def null_model(design, Y, sw, fit_intercept, weighting=PLAIN, tol=1e-10):
    """``(W, b, grad)`` of the path's null model: zero coefficients but for
    the features of penalty weight 0, fitted unpenalised (with the
    intercepts); ``grad`` is the loss gradient there (held columns zero).

    Without such features ``W = 0`` and ``b`` the centred log class
    proportions. With them, the block Newton solver runs at an alpha far
    above every gradient, which keeps every penalised coefficient at zero.
    """
    K, n_features = Y.shape[1], design.X_mean.shape[0]
    live = design.norms2 > 0
    W = np.zeros((K, n_features), dtype=design.X_mean.dtype)
    b = null_intercepts(Y, sw, fit_intercept)
    free = live & ~weighting.penalised(n_features)
    X = design.matrix
    if free.any():
        eta = np.broadcast_to(b, (Y.shape[0], K))
        grad = multinomial_gradient(X, eta, Y, sw)[0]
        big = 1e6 * (float(np.abs(grad).max()) + 1.0)
        b_solve = b if design.shift is None else b + W @ design.shift
        _, _, _, b_solve = prox_newton_multinomial(
            X, Y, sw, W, b_solve, live=live, fit_intercept=fit_intercept,
            pen=ClassPenalty("l1", big, 3.0, weighting), max_iter=100, tol=tol,
            kkt_scale=design.kkt_scale(1.0),
        )
        b = b_solve if design.shift is None else b_solve - W @ design.shift
    eta = linear_predictors(X, W, b if design.shift is None else b + W @ design.shift)
    grad = multinomial_gradient(X, eta, Y, sw)[0]
    grad[:, ~live] = 0
    return W, b, grad


def multinomial_alpha_max(design, Y, sw, fit_intercept, weighting=PLAIN):
    """Smallest alpha at which the null model is stationary: the largest
    null gradient over the classes of each live penalised feature, divided
    by ``l1_ratio pw_j`` (:func:`~sparsestat.linear_model._alpha_max.path_alpha_max`
    of the largest class gradient of each feature)."""
    grad = null_model(design, Y, sw, fit_intercept, weighting)[2]
    return path_alpha_max(design, np.abs(grad).max(axis=0, initial=0.0), weighting)


def check_class_weights(Y, sw):
    """Raise if a class has no weight (its intercept would be -inf)."""
    empty = np.flatnonzero(~(sw @ Y > 0))
    if empty.size:
        raise ValueError(
            f"Class index {int(empty[0])} has no sample of positive weight in "
            "the training data (all its sample_weight are zero, or a CV "
            "training fold holds none of its samples): its probability would "
            "be zero and its intercept -inf. Give its samples weight or use a "
            "splitter whose training parts hold every class."
        )


def multinomial_path(X, Y, sw, *, penalty, gamma, alphas, eps=1e-3,
                     fit_intercept, positive=False, tol, max_iter, solver="cd",
                     damping=None, coef_init=None, intercept_init=None,
                     verbose=0, weighting=None, desc="path"):
    """Multinomial path over decreasing ``alphas``, each warm started at the
    previous solution (the signature of
    :func:`~sparsestat.linear_model._path.compute_path`).

    Parameters
    ----------
    X : Fortran ndarray or canonical CSC matrix, float32 or float64
    Y : ndarray of shape (n_samples, n_classes)
        One-hot labels.
    sw : ndarray of shape (n_samples,)
        Weights summing to one.
    alphas : int or ndarray
        A number of alphas (log grid from :func:`multinomial_alpha_max` down
        to ``eps`` times it) or the alphas, already decreasing.
    max_iter : int or None
        Sweeps per alpha (None: the ``"cd"`` default).
    solver : {"cd"}
        Only the block proximal Newton (see :data:`MULTINOMIAL_SOLVERS`).
    damping : ignored
        The gradient solvers' schedule (accepted for the signature).
    coef_init : ndarray of shape (n_classes, n_features), optional
    intercept_init : ndarray of shape (n_classes,), optional
        Warm start of the first solve (default: the null model).
    weighting : PenaltyWeighting, optional
        Per-feature penalty weights and ``l1_ratio``
        (:func:`~sparsestat.utils.penalties.make_weighting`), the same for
        every class; None is the plain penalty.

    Returns
    -------
    Path
        ``coefs`` of shape (n_classes, n_features, n_alphas) and
        ``intercepts`` of shape (n_classes, n_alphas), summing to zero over
        the classes.
    """
    check_multinomial_solver(solver)
    check_class_weights(Y, sw)
    max_iter = resolve_max_iter(max_iter, solver)
    dtype = X.dtype
    n_features, K = X.shape[1], Y.shape[1]
    design = make_design(X, sw, fit_intercept)
    live = design.norms2 > 0
    kkt_scale = design.kkt_scale(1.0)
    tol = max(tol, design.precision())
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    weighting = PLAIN if weighting is None else weighting
    if coef_init is None or isinstance(alphas, int):
        W, b, grad = null_model(design, Y, sw, fit_intercept, weighting)
    if isinstance(alphas, int):
        top = path_alpha_max(design, np.abs(grad).max(axis=0, initial=0.0),
                             weighting)
        check_auto_grid(top, weighting.l1_ratio)
        alphas = alpha_grid(top, alphas, eps)
    alphas = np.asarray(alphas, dtype=np.float64)
    if coef_init is not None:
        W = np.array(coef_init, dtype=dtype, order="C")
        b = null_intercepts(Y, sw, fit_intercept)
    if intercept_init is not None and fit_intercept:
        b = np.asarray(intercept_init, dtype=np.float64).copy()
    # the solve runs on the design's matrix (a centred copy when X's offsets
    # are too large for accurate products), with b_k + shift^T w_k as the
    # intercepts, mapped back after each solve
    shift = design.shift
    path = Path(alphas, np.empty((K, n_features, alphas.size), dtype=dtype),
                np.empty((K, alphas.size)),
                *(np.empty(alphas.size) for _ in range(3)),
                np.empty(alphas.size, dtype=bool), [])
    steps = progress(range(alphas.size), verbose=verbose, desc=desc, unit="alphas")
    for a in steps:
        alpha = float(alphas[a])
        b_solve = b if shift is None else b + W @ shift
        n_iter, kkt, converged, b_solve = prox_newton_multinomial(
            design.matrix, Y, sw, W, b_solve, live=live,
            fit_intercept=fit_intercept,
            pen=ClassPenalty(penalty, alpha, float(gamma), weighting, bool(positive)),
            max_iter=max_iter, tol=tol, kkt_scale=kkt_scale,
        )
        b = b_solve if shift is None else b_solve - W @ shift
        if fit_intercept:
            b = b - b.mean()
        path.coefs[:, :, a] = W
        path.intercepts[:, a] = b
        path.stop_crits[a] = kkt
        path.n_iters[a] = n_iter
        path.gaps[a] = np.nan
        path.converged[a] = converged
        steps.set_postfix(alpha=alpha, nnz=int(np.count_nonzero(W)), kkt=float(kkt))
    return path


def loss_change(eta, prob, Y, sw, change):
    """Change of the weighted loss when the predictors ``eta`` move by
    ``change`` (n_samples, n_classes), accurate also when it is far below
    the rounding of the loss itself.

    ``log sum_k e^{eta_k + d_k} - log sum_k e^{eta_k} = log1p(sum_k p_k
    expm1(d_k))`` with ``p = softmax(eta)`` (``prob``): the difference of
    two rounded totals would lose every digit of a change below ``1e-16``
    times the loss, and the linear convergence of the class steps ends
    with such changes. Rows that move by more than 1 use the plain
    difference (no cancellation there, and ``expm1`` could overflow).
    """
    # the rows moved by more than 1 may overflow or reach log1p(-1) here;
    # they are replaced by the plain difference below
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        small = np.abs(change).max(axis=1) < 1
        near = np.log1p(np.einsum("ik,ik->i", prob, np.expm1(change)))
    if not small.all():
        far = row_logsumexp(eta + change) - row_logsumexp(eta)
        near = np.where(small, near, far)
    return float(sw @ (near - np.einsum("ik,ik->i", Y, change)))


def prox_newton_multinomial(X, Y, sw, W, intercept, *, live, fit_intercept,
                            pen, max_iter, tol, kkt_scale):
    """Block proximal Newton in place on ``W`` (n_classes, n_features).

    One iteration is a sweep of class steps (module docstring), then an
    extrapolation along the sweep's step and the penalty-minimising shift
    along the loss's flat directions, each kept only if it lowers the
    objective. Returns ``n_iter, kkt, converged, intercept`` (``intercept``
    of shape (n_classes,), not normalised); ``pen`` is the
    :class:`ClassPenalty`.
    """
    K = Y.shape[1]
    b = (np.asarray(intercept, dtype=np.float64).copy() if fit_intercept
         else np.zeros(K))
    eta = linear_predictors(X, W, b)
    pens = pen.class_values(W)
    damping = np.zeros(K)
    kkt, converged, n_iter = np.inf, False, 0
    for it in range(max_iter + 1):
        grad, grad_b = multinomial_gradient(X, eta, Y, sw)
        kkt = multinomial_kkt(W, grad, grad_b, live, fit_intercept, pen,
                              kkt_scale)
        if kkt <= tol:
            converged = True
            break
        if it == max_iter:
            break
        n_iter += 1
        moved = False
        inner_tol = max(0.1 * tol, 0.1 * kkt)
        W_start, b_start, eta_start = W.copy(), b.copy(), eta.copy()
        for k in range(K):
            # p from the predictors after the previous classes' steps
            prob = row_softmax(eta)
            curvature = np.maximum(prob[:, k] * (1 - prob[:, k]), _MIN_CURVATURE)
            # damping as in the binary proximal Newton loop: full steps to a
            # model solution only; where one does not lower F, the curvature
            # is raised and the model solved again, up to the majorising 1/4
            while True:
                majorising = damping[k] >= _MAJORISING_CURVATURE
                step = _class_model_step(
                    X, Y[:, k], sw, W[k], b[k], eta[:, k], prob[:, k],
                    curvature + damping[k], live, fit_intercept, pen,
                    inner_tol, kkt_scale,
                )
                pen_k = _class_step_decrease(Y, sw, W[k], eta, prob, k, step, pen,
                                             armijo=0.0 if majorising else _ARMIJO)
                if pen_k is not None or majorising:
                    break
                damping[k] = min(max(4 * damping[k], 1e-4), _MAJORISING_CURVATURE)
            if pen_k is None:
                continue  # class k is stationary to the precision of F
            damping[k] = damping[k] / 3 if damping[k] > 1e-8 else 0.0
            step_w, step_b, step_eta, _ = step
            pens[k] = pen_k
            W[k] += step_w
            b[k] += step_b
            eta[:, k] += step_eta
            moved = True
        if not moved:
            break
        pens = _extrapolate(Y, sw, W, b, eta, W_start, b_start, eta_start, pens,
                            pen)
        shift = penalty_shift(W, live, pen)
        if shift is not None:
            # the loss is unchanged: every class's predictor moves by X c
            W += shift
            eta += np.asarray(safe_sparse_dot(X, shift[0]), dtype=np.float64)[:, None]
            pens = pen.class_values(W)
    return n_iter, kkt, converged, b


def _extrapolate(Y, sw, W, b, eta, W_start, b_start, eta_start, pens, pen):
    """Move in place along the sweep's step ``d`` (from ``W_start``) to
    ``start + t d`` for the ``t`` in 2, 4, 8... with the lowest objective,
    while it decreases; return the class penalties at the point kept.

    Class steps ignore the coupling of the classes (the off-diagonal
    ``-p_k p_l`` of the Hessian), so where classes compete for samples the
    sweeps advance by a nearly constant step along a shallow valley (linear
    convergence at a rate close to one); doubling along it costs one
    product with X per trial, no CD solve, and is kept only if it lowers
    the objective (a descent step, as every class step is).
    """
    dW, db, deta = W - W_start, b - b_start, eta - eta_start
    prob = row_softmax(eta)
    best, best_change = None, 0.0
    t = 2.0
    while t <= _MAX_EXTRAPOLATION:
        W_t = W_start + t * dW
        pens_t = pen.class_values(W_t)
        # objective at start + t d minus the objective at the current point
        change = (loss_change(eta, prob, Y, sw, (t - 1) * deta)
                  + _penalty_change(W, W_t, pen))
        if not change < best_change:
            break
        best, best_change = (t, pens_t), change
        t *= 2
    if best is None:
        return pens
    t, pens = best
    W[...] = W_start + t * dW
    b[...] = b_start + t * db
    eta[...] = eta_start + t * deta
    return pens


def _penalty_change(W_old, W_new, pen):
    """Penalty of ``W_new`` minus that of ``W_old``, summed over the entries
    that differ (the others cancel exactly).

    Where a coefficient keeps its sign and moves by a small fraction of its
    size, the change is ``p'`` at the midpoint times the move: exact on the
    linear and quadratic pieces of L1, MCP and SCAD, and free of the
    rounding of the two values (``eps * p``), which would swamp the changes
    of the last class steps (of the order of the squared KKT violation).
    """
    W_old = np.atleast_2d(W_old).astype(np.float64)
    W_new = np.atleast_2d(W_new).astype(np.float64)
    moved = W_old != W_new
    if not moved.any():
        return 0.0
    t_old, t_new = np.abs(W_old), np.abs(W_new)
    plain = pen.values(W_new) - pen.values(W_old)
    small = ((np.sign(W_old) == np.sign(W_new))
             & (np.abs(t_new - t_old) <= _MIDPOINT_MOVE * (t_old + t_new)))
    midpoint = pen.derivatives(0.5 * (t_old + t_new)) * (t_new - t_old)
    return float(np.where(small, midpoint, plain)[moved].sum())


def penalty_shift(W, live, pen):
    """The shift ``c`` (one value per feature, the same for every class)
    that lowers the penalty of ``W + c`` most among a few candidates, as an
    array of shape (1, n_features); None when no feature's penalty
    decreases. The loss does not change along these directions.

    Each penalty is concave in ``t`` on either side of 0, so the sum over
    the classes is concave in ``c`` between the points where one
    coefficient is zero: its minimum is at one of them, ``c = -w_kj``
    (at infinity every term reaches its maximum); for L1 this is the
    median. With a ridge part (``l1_ratio < 1``) the mean of the column
    joins the candidates (the ridge minimiser); the candidates then need
    not hold the minimum, and a shift is kept only where it lowers the
    penalty.
    """
    K, p = W.shape
    candidates = -W
    if pen.weighting.l1_ratio < 1:
        candidates = np.vstack([candidates, -W.mean(axis=0, keepdims=True)])
    # penalty of feature j's column shifted by candidate m: (m, p)
    values = pen.values(W[np.newaxis, :, :] + candidates[:, np.newaxis, :]).sum(axis=1)
    current = pen.values(W).sum(axis=0)
    best = np.argmin(values, axis=0)
    best_value = values[best, np.arange(p)]
    # only a clear decrease moves a feature (ties keep the coefficients)
    better = live & (best_value < current - 1e-12 * np.maximum(current, 1e-300))
    if not better.any():
        return None
    shift = np.where(better, candidates[best, np.arange(p)], 0.0)
    return shift[np.newaxis, :].astype(W.dtype)


def _class_model_step(X, y_k, sw, w_k, b_k, eta_k, prob, curvature, live,
                      fit_intercept, pen, inner_tol, kkt_scale):
    """Solve the penalised quadratic model of class ``k`` by CD.

    Returns ``(step_w, step_b, step_eta, decrease)`` with ``decrease`` half
    the model's curvature along the step.
    """
    dtype = X.dtype
    hw = sw * curvature
    h_sum = float(hw.sum())
    z = (eta_k + (y_k - prob) / curvature).astype(dtype)
    hw = hw.astype(dtype)
    design = make_design(X, hw / dtype.type(h_sum), fit_intercept, checked=True)
    design.norms2[~live] = 0
    z_c, z_mean = center_target(z, hw / h_sum, fit_intercept)
    w_model = w_k.copy()
    cd_least_squares(
        design, z_c, hw, False, w_model, penalty=pen.name, alpha=pen.alpha,
        gamma=pen.gamma, positive=pen.positive, max_iter=100, tol=inner_tol,
        kkt_scale=kkt_scale, sw_sum=h_sum, gap_stop=False,
        weighting=None if pen.weighting.is_plain else pen.weighting,
    )
    b_model = z_mean - float(design.X_offset @ w_model) if fit_intercept else 0.0
    step_w = w_model - w_k
    step_b = b_model - b_k if fit_intercept else 0.0
    step_eta = np.asarray(safe_sparse_dot(X, step_w), dtype=np.float64).ravel() + step_b
    return step_w, step_b, step_eta, 0.5 * float(hw @ step_eta**2)


def _class_step_decrease(Y, sw, w_k, eta, prob, k, step, pen, armijo):
    """The new penalty of class ``k`` if its step lowers the objective by at
    least ``armijo`` times the model's curvature term, else None."""
    step_w, step_b, step_eta, decrease = step
    if not np.any(step_w) and step_b == 0:
        return None
    change = np.zeros_like(eta)
    change[:, k] = step_eta
    w_new = w_k + step_w
    pen_k = float(pen.class_values(w_new[np.newaxis])[0])
    delta = (loss_change(eta, prob, Y, sw, change)
             + _penalty_change(w_k, w_new, pen))
    return pen_k if delta <= -armijo * decrease and delta < 0 else None
