import numpy as np


def _rates(true, est):
    """tp/fp/fn counts of two boolean vectors, turned into tpr, fdr, f1."""
    tp = int(np.sum(true & est))
    n_true, n_est = int(true.sum()), int(est.sum())
    tpr = tp / n_true if n_true else 1.0
    fdr = (n_est - tp) / n_est if n_est else 0.0
    f1 = 2 * tp / (n_true + n_est) if (n_true + n_est) else 1.0
    return tp, tpr, fdr, f1


def support_recovery(coef_true, coef_est, *, tol=0.0):
    """Compare the selected support of an estimate with the true one.

    Parameters
    ----------
    coef_true : array-like of shape (n_features,)
        True coefficients; the support is where they are non-zero.
    coef_est : array-like of shape (n_features,)
        Estimated coefficients; a feature is selected when ``|coef| > tol``.
    tol : float, default=0.0
        Magnitude at or below which an estimated coefficient counts as zero.

    Returns
    -------
    scores : dict
        ``tpr`` (share of true features selected), ``fdr`` (share of selected
        features that are false), ``f1`` and ``nnz`` (number selected).

    Examples
    --------
    >>> from sparsestat.metrics import support_recovery
    >>> support_recovery([1, 0, 2, 0], [0.5, 0.1, 0, 0])
    {'tpr': 0.5, 'fdr': 0.5, 'f1': 0.5, 'nnz': 2}
    """
    coef_true = np.ravel(np.asarray(coef_true))
    coef_est = np.ravel(np.asarray(coef_est))
    if coef_true.shape != coef_est.shape:
        raise ValueError(
            f"coef_true and coef_est must have the same shape, got "
            f"{coef_true.shape} and {coef_est.shape}."
        )
    true = coef_true != 0
    est = np.abs(coef_est) > tol
    _, tpr, fdr, f1 = _rates(true, est)
    return {"tpr": tpr, "fdr": fdr, "f1": f1, "nnz": int(est.sum())}
