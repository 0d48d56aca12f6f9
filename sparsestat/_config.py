"""BLAS threads inside sparsestat's fits: one by default, for every fit.

The kernels and the Python layer make many small and medium BLAS/LAPACK
calls (scipy's ``cython_blas`` and numpy's linear algebra, two separate
OpenBLAS builds in the wheels). Threads cannot pay off at those sizes, and
on a busy or many-core machine, or under parallel CV folds, they compete
for the cores and slow a fit down by up to 50x. One BLAS thread also makes
the results independent of the number of cores.

threadpoolctl's limits are process-wide, so a plain ``threadpool_limits``
block per fit is wrong under concurrency (the first fit to finish would
restore many threads while another still runs). Instead, every fit enters
one reference-counted limit: the first fit to enter sets the BLAS pools to
the configured number of threads, the last to leave restores what it saw.
Parallelism comes from joblib (``n_jobs`` of the CV classes, grid searches).
"""

import functools
import numbers
import os
import sys
import threading
from contextlib import contextmanager

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

_config = {"blas_threads": 1}
_lock = threading.Lock()
# number of fits inside the limit; (library, threads) to restore at the end
_active = 0
_saved = []
_libraries = None
_local = threading.local()


def _reset_after_fork():
    # a fork while another thread held the lock would leave it held forever
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _check_blas_threads(blas_threads):
    if blas_threads is None:
        return None
    if (
        isinstance(blas_threads, numbers.Integral)
        and not isinstance(blas_threads, bool)
        and blas_threads >= 1
    ):
        return int(blas_threads)
    raise ValueError(
        f"blas_threads must be a positive int or None, got {blas_threads!r}."
    )


def get_config():
    """Return sparsestat's global configuration.

    Returns
    -------
    config : dict
        ``{"blas_threads": ...}``; see :func:`set_config`.

    Examples
    --------
    >>> import sparsestat
    >>> sparsestat.get_config()
    {'blas_threads': 1}
    """
    return dict(_config)


def set_config(*, blas_threads):
    """Set sparsestat's global configuration (process-wide).

    Parameters
    ----------
    blas_threads : int or None
        Number of BLAS threads inside every sparsestat fit (``fit`` of each
        estimator, :func:`~sparsestat.linear_model.nonconvex_path`,
        :func:`~sparsestat.covariance.mtp2_graphical_model` and the CV
        classes' workers). The package default is 1: fast on busy and
        many-core machines, and results that do not depend on the number of
        cores. ``None`` opts out: fits leave the BLAS thread pools as they
        are (the library defaults, or your own
        ``threadpoolctl.threadpool_limits``). The limit is process-wide
        while a fit runs, so it also applies to BLAS calls other threads make
        at that time; concurrent fits share the limit of the first to start.

    Examples
    --------
    >>> import sparsestat
    >>> sparsestat.set_config(blas_threads=None)  # leave BLAS threads alone
    >>> sparsestat.get_config()
    {'blas_threads': None}
    >>> sparsestat.set_config(blas_threads=1)  # back to the default
    """
    value = _check_blas_threads(blas_threads)
    with _lock:
        _config["blas_threads"] = value


@contextmanager
def config_context(*, blas_threads):
    """Context manager that sets the global configuration, then restores it.

    Like :func:`set_config`, the setting is process-wide while the block
    runs: do not enter different contexts from concurrent threads.

    Parameters
    ----------
    blas_threads : int or None
        See :func:`set_config`.

    Yields
    ------
    None

    Examples
    --------
    >>> import sparsestat
    >>> with sparsestat.config_context(blas_threads=None):
    ...     sparsestat.get_config()["blas_threads"] is None
    True
    >>> sparsestat.get_config()["blas_threads"]
    1
    """
    old = get_config()
    set_config(blas_threads=blas_threads)
    try:
        yield
    finally:
        set_config(**old)


def _blas_libraries():
    """(process-wide, per-thread) BLAS library controllers, found once.

    Scanning the loaded libraries takes a fraction of a second; by the first
    fit numpy's and scipy's BLAS are loaded (the kernels cimport
    scipy.linalg.cython_blas), and a BLAS loaded later is not one our fits
    call. The controllers' get/set_num_threads cost microseconds, while
    ThreadpoolController.limit costs a few hundred (it collects every
    library's full info on each call). An OpenBLAS on the OpenMP threading
    layer has one limit per calling thread (threadpoolctl sets it through
    omp_set_num_threads); the other libraries one per process.
    """
    global _libraries
    if _libraries is None:
        from threadpoolctl import ThreadpoolController

        libs = ThreadpoolController().select(user_api="blas").lib_controllers
        per_thread = [
            lib for lib in libs
            if lib.internal_api == "openblas"
            and getattr(lib, "threading_layer", None) == "openmp"
        ]
        shared = [lib for lib in libs if lib not in per_thread]
        _libraries = shared, per_thread
    return _libraries


@contextmanager
def _control():
    # threadpoolctl >= 3.8 lets only one "controlling" thread change a
    # process-wide OpenBLAS pool and silently ignores the others; a limit
    # here starts and ends in whichever thread comes first and last, so it
    # takes the control for the call and leaves it free afterwards
    try:
        from threadpoolctl import OpenBLASController

        release = OpenBLASController.clear_controlling_thread
    except (ImportError, AttributeError):  # older threadpoolctl: no such rule
        release = None
    if release is not None:
        release(force=True)
    try:
        yield
    finally:
        if release is not None:
            release(force=True)


def _set_threads(libraries, n_threads):
    """Set every library to ``n_threads``; return what to restore."""
    previous = []
    with _control():
        for lib in libraries:
            current = lib.get_num_threads()
            if current is not None and current != n_threads:
                lib.set_num_threads(n_threads)
                previous.append((lib, current))
    return previous


def _restore_threads(previous):
    if previous:
        with _control():
            for lib, n_threads in previous:
                lib.set_num_threads(n_threads)


@contextmanager
def limited_blas_threads(blas_threads=1):
    """Hold BLAS at ``blas_threads`` threads (``None``: leave it alone).

    For process-wide pools the limit is reference-counted across threads:
    the first entry sets it, the last exit restores the limits seen at the
    first entry; entries in between change nothing. Per-thread pools are set
    and restored by each entry.
    """
    global _active, _saved
    if blas_threads is None:
        yield
        return
    shared, per_thread = _blas_libraries()
    with _lock:
        if _active == 0:
            _saved = _set_threads(shared, blas_threads)
        _active += 1
    own = _set_threads(per_thread, blas_threads) if per_thread else []
    try:
        yield
    finally:
        _restore_threads(own)
        with _lock:
            _active -= 1
            if _active == 0:
                saved, _saved = _saved, []
                _restore_threads(saved)


@contextmanager
def _fit_scope(blas_threads):
    # marks this thread as inside a fit: nested public entries (a CV refit,
    # mtp2_graphical_model under MTP2GraphicalModel.fit) keep the outer
    # setting, which a worker process received from its parent and which
    # its own global configuration may not share
    _local.inside = True
    try:
        with limited_blas_threads(blas_threads):
            yield
    finally:
        _local.inside = False


def limit_blas_threads(func):
    """Decorator of a public fit entry: run it under the configured BLAS limit."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if getattr(_local, "inside", False):
            return func(*args, **kwargs)
        with _fit_scope(_config["blas_threads"]):
            return func(*args, **kwargs)

    return wrapper


class _WithBlasLimit:
    """A joblib task that applies the caller's BLAS setting where it runs
    (a thread, a loky process, a Dask worker)."""

    def __init__(self, function, blas_threads):
        self.function = function
        self.blas_threads = blas_threads

    def __call__(self, *args, **kwargs):
        if getattr(_local, "inside", False):  # joblib ran it in the caller's thread
            return self.function(*args, **kwargs)
        with _fit_scope(self.blas_threads):
            return self.function(*args, **kwargs)


def delayed(function):
    """:func:`joblib.delayed` for sparsestat's workers: each task runs under
    the BLAS setting of the fit that created it, also in another process."""
    import joblib

    return joblib.delayed(_WithBlasLimit(function, _config["blas_threads"]))


def _passed_through():
    """Folders whose frames lie between our frames and the user's: ours, and
    joblib's when it runs a CV worker in the caller's thread (``n_jobs=None``),
    so that a fold's warning names the user's ``fit`` line, not joblib's."""
    folders = [_PACKAGE_DIR]
    joblib = sys.modules.get("joblib")
    if joblib is not None and getattr(joblib, "__file__", None):
        folders.append(os.path.dirname(os.path.abspath(joblib.__file__)) + os.sep)
    return tuple(folders)


def user_stacklevel():
    """``stacklevel`` for :func:`warnings.warn` that names the first caller
    outside sparsestat (the user's ``fit`` call), however many of our frames
    (the fit decorator, a path function, a CV worker run by joblib) lie in
    between."""
    inside = _passed_through()
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(inside):
        frame, level = frame.f_back, level + 1
    return level
