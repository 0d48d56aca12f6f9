import numpy as np
from sklearn.utils import check_random_state


def make_sparse_regression(
    n_samples=100,
    n_features=200,
    n_informative=10,
    *,
    rho=0.5,
    snr=5.0,
    task="regression",
    coef_range=(0.5, 2.0),
    random_state=None,
):
    """Sparse linear model with a Toeplitz-correlated Gaussian design.

    Rows of ``X`` are drawn from ``N(0, Sigma)`` with ``Sigma[i, j] =
    rho ** |i - j|`` (an AR(1) recursion over the columns, so no ``p x p``
    matrix is formed). ``n_informative`` coefficients, at random positions,
    have random signs and magnitudes uniform in ``coef_range``. The noise
    level gives the requested signal-to-noise ratio
    ``snr = Var(X coef) / sigma^2``.

    Parameters
    ----------
    n_samples : int, default=100
        Number of rows of ``X`` (>= 1).
    n_features : int, default=200
        Number of columns of ``X`` (>= 1).
    n_informative : int, default=10
        Number of non-zero coefficients (at most ``n_features``).
    rho : float in [0, 1), default=0.5
        Correlation between neighbouring features.
    snr : float > 0, default=5.0
        Signal-to-noise ratio.
    task : {"regression", "classification"}, default="regression"
        ``"classification"`` returns labels ``y = 1[X coef + noise > 0]``.
    coef_range : (float, float), default=(0.5, 2.0)
        Range of the magnitudes of the non-zero coefficients.
    random_state : int, RandomState instance or None, default=None
        Design, support, coefficients and noise are all drawn from it.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), Fortran-ordered
    y : ndarray of shape (n_samples,)
        Responses, or labels in {0, 1} for classification.
    coef : ndarray of shape (n_features,)
        True coefficients.

    Examples
    --------
    >>> from sparsestat.datasets import make_sparse_regression
    >>> X, y, coef = make_sparse_regression(50, 20, 3, random_state=0)
    >>> X.shape, y.shape, int((coef != 0).sum())
    ((50, 20), (50,), 3)
    """
    if n_samples < 1 or n_features < 1:
        raise ValueError("n_samples and n_features must be positive.")
    if not 0 <= n_informative <= n_features:
        raise ValueError(
            f"n_informative must be in [0, n_features={n_features}], got "
            f"{n_informative}."
        )
    if not 0 <= rho < 1:
        raise ValueError(f"rho must be in [0, 1), got {rho}.")
    if not snr > 0:
        raise ValueError(f"snr must be positive, got {snr}.")
    if task not in ("regression", "classification"):
        raise ValueError(
            f"task must be 'regression' or 'classification', got {task!r}."
        )
    rng = check_random_state(random_state)
    X = np.empty((n_samples, n_features), order="F")
    X[:, 0] = rng.standard_normal(n_samples)
    innovation = np.sqrt(1.0 - rho**2)
    for j in range(1, n_features):
        X[:, j] = rho * X[:, j - 1] + innovation * rng.standard_normal(n_samples)

    coef = np.zeros(n_features)
    support = rng.choice(n_features, n_informative, replace=False)
    low, high = coef_range
    coef[support] = rng.choice([-1.0, 1.0], n_informative) * rng.uniform(
        low, high, n_informative
    )
    signal = X @ coef
    # population variance coef' Sigma coef, so that snr does not depend on n
    idx = np.flatnonzero(coef)
    sigma_block = rho ** np.abs(idx[:, None] - idx[None, :])
    signal_var = float(coef[idx] @ sigma_block @ coef[idx])
    noise_std = np.sqrt(signal_var / snr) if signal_var > 0 else 1.0
    y = signal + noise_std * rng.standard_normal(n_samples)
    if task == "classification":
        y = (y > 0).astype(np.float64)
    return X, y, coef
