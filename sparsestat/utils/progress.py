"""Progress reporting for long fits (paths, stages, CV folds)."""


def progress(iterable, *, verbose=0, desc=None, total=None):
    """Wrap ``iterable`` in a progress bar when ``verbose > 0``.

    tqdm is used when installed; otherwise one line per step is printed.

    Parameters
    ----------
    iterable : iterable
        The steps.
    verbose : int, default=0
        0 is silent.
    desc : str, optional
        Label of the bar.
    total : int, optional
        Number of steps, when ``iterable`` has no ``len``.

    Examples
    --------
    >>> from sparsestat.utils.progress import progress
    >>> list(progress(range(3)))
    [0, 1, 2]
    """
    if not verbose:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _printing(iterable, desc or "progress", total)
    return tqdm(iterable, desc=desc, total=total, leave=False)


def _printing(iterable, desc, total):
    for step, item in enumerate(iterable, start=1):
        suffix = f"/{total}" if total is not None else ""
        print(f"[{desc}] step {step}{suffix}", flush=True)
        yield item
