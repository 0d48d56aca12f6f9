"""The kernels release the GIL and keep no global state: four threads fitting
the same estimator on the same data at once get bit-identical results, equal
to a sequential fit. Every registered estimator.

Every fit runs with one BLAS thread (a process-wide, reference-counted
limit), restores the caller's limits when the last concurrent fit ends, and
leaves BLAS alone after ``sparsestat.set_config(blas_threads=None)``.
"""

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from joblib import Parallel
from threadpoolctl import ThreadpoolController, threadpool_limits

import sparsestat
from sparsestat.covariance import mtp2_graphical_model, mtp2_path
from sparsestat.linear_model import (
    NonconvexLasso,
    alpha_max,
    nonconvex_path,
    sufficient_statistics,
)
from tests import _reliability as rel
from tests._suite_params import DATA_SHAPE, THREADS_SHAPE

N_THREADS = 4


@pytest.mark.parametrize("name", sorted(rel.registry()))
def test_concurrent_fits_are_bit_identical(name):
    cls = rel.registry()[name]
    kind = rel.kind(cls)
    n, p = DATA_SHAPE.get(name, THREADS_SHAPE)
    X, y = rel.make_data(name, kind, n_samples=n, n_features=p)
    X = np.asfortranarray(X)  # shared read-only by all threads
    reference = rel.outputs(rel.fit(rel.make_estimator(name, cls), X, y), X, y)

    def fit_one(_):
        return rel.outputs(rel.fit(rel.make_estimator(name, cls), X, y), X, y)

    with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
        results = list(pool.map(fit_one, range(N_THREADS)))
    for result in results:
        rel.assert_same_outputs(reference, result)


# --------------------------------------------------------------------------
# BLAS thread policy (sparsestat._config): one BLAS thread inside every fit
# by default, the caller's limits restored afterwards, opt-out by set_config.

_CONTROLLER = ThreadpoolController()


def blas_threads():
    """Current thread count of every BLAS library threadpoolctl sees."""
    libraries = _CONTROLLER.select(user_api="blas").lib_controllers
    return [lib.num_threads for lib in libraries]


def _several_threads():
    """Limits of 2 BLAS threads (skip where the BLAS cannot use 2)."""
    limits = threadpool_limits(limits=2, user_api="blas")
    if set(blas_threads()) != {2}:
        limits.restore_original_limits()
        pytest.skip("the BLAS libraries do not accept 2 threads here")
    return limits


def _validating_module(cls):
    """The module whose ``validate_data`` the fit calls: the class's own, or
    that of the first base class (a shared fit mixin) that imports it."""
    for klass in cls.__mro__:
        module = sys.modules.get(klass.__module__)
        if module is not None and hasattr(module, "validate_data"):
            return module
    raise AssertionError(f"no module of {cls.__name__}'s bases imports validate_data")


def _record_inside(monkeypatch, module, attribute):
    """Wrap ``module.attribute`` (called inside the fit) so that it records
    the BLAS thread counts at the time of the call."""
    seen = []
    original = getattr(module, attribute)

    def recording(*args, **kwargs):
        seen.append(blas_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(module, attribute, recording)
    return seen


@pytest.mark.parametrize("name", sorted(rel.registry()))
def test_fit_runs_with_one_blas_thread(name, monkeypatch):
    cls = rel.registry()[name]
    n, p = DATA_SHAPE.get(name, THREADS_SHAPE)
    X, y = rel.make_data(name, rel.kind(cls), n_samples=n, n_features=p)
    seen = _record_inside(monkeypatch, _validating_module(cls), "validate_data")
    limits = _several_threads()
    try:
        rel.fit(rel.make_estimator(name, cls), X, y)
        after = blas_threads()
    finally:
        limits.restore_original_limits()
    assert seen, f"{name}.fit did not validate through its module's validate_data"
    assert all(set(counts) == {1} for counts in seen), seen
    assert set(after) == {2}  # the caller's limits are back


@pytest.mark.parametrize("call, module, attribute", [
    (lambda: nonconvex_path(*rel.make_data("NonconvexLasso", "regressor")),
     "sparsestat.linear_model._path", "compute_path"),
    (lambda: mtp2_graphical_model(
        np.cov(rel.make_data("MTP2GraphicalModel", "unsupervised")[0].T), alpha=0.1),
     "sparsestat.covariance._path", "_solve_stage"),
    (lambda: mtp2_path(
        np.cov(rel.make_data("MTP2GraphicalModel", "unsupervised")[0].T), [0.2, 0.1]),
     "sparsestat.covariance._mtp2_path", "_solve_stage"),
    (lambda: alpha_max(*rel.make_data("NonconvexLasso", "regressor")),
     "sparsestat.linear_model._alpha_max", "null_model"),
    (lambda: sufficient_statistics(*rel.make_data("NonconvexLasso", "regressor")),
     "sparsestat.linear_model._precompute", "_statistics"),
], ids=["nonconvex_path", "mtp2_graphical_model", "mtp2_path", "alpha_max",
        "sufficient_statistics"])
def test_public_functions_run_with_one_blas_thread(call, module, attribute,
                                                   monkeypatch):
    seen = _record_inside(monkeypatch, sys.modules[module], attribute)
    limits = _several_threads()
    try:
        call()
        after = blas_threads()
    finally:
        limits.restore_original_limits()
    assert seen and all(set(counts) == {1} for counts in seen), seen
    assert set(after) == {2}


_POLICY = "set_config(blas_threads=None)"


@pytest.mark.parametrize("name", sorted(rel.registry()))
def test_docstring_states_the_blas_policy(name):
    # the class docstring says what its fit does to BLAS and how to opt out
    assert _POLICY in " ".join(rel.registry()[name].__doc__.split()), name


@pytest.mark.parametrize("func", [nonconvex_path, alpha_max, sufficient_statistics,
                                  mtp2_graphical_model],
                         ids=lambda f: f.__name__)
def test_public_solver_functions_limit_blas_and_say_so(func):
    wrapper = sparsestat._config.limit_blas_threads(len).__code__
    assert func.__code__ is wrapper, f"{func.__name__} is not @limit_blas_threads"
    assert _POLICY in " ".join(func.__doc__.split()), func.__name__


def test_limits_restored_after_overlapping_fits(monkeypatch):
    """Fit A ends while fit B (another thread) still runs: B keeps one BLAS
    thread, and only B's end restores the caller's limits."""
    import sparsestat.linear_model._nonconvex_lasso as module

    X, y = rel.make_data("NonconvexLasso", "regressor")
    a_inside, b_inside, a_done = threading.Event(), threading.Event(), threading.Event()
    seen = {}
    original = module.validate_data

    def validate(*args, **kwargs):
        # A ends only once B is inside its fit; B goes on once A has ended
        name = threading.current_thread().name
        if name == "A":
            seen[name] = blas_threads()
            a_inside.set()
            assert b_inside.wait(60)
        else:
            b_inside.set()
            assert a_done.wait(60)
            seen[name] = blas_threads()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "validate_data", validate)
    limits = _several_threads()
    try:
        fit_a, fit_b = (
            threading.Thread(name=name, target=NonconvexLasso(alpha=0.1).fit,
                             args=(X, y))
            for name in "AB"
        )
        fit_a.start()
        assert a_inside.wait(60)
        fit_b.start()
        fit_a.join()
        between = blas_threads()  # A is done, B waits inside its fit
        a_done.set()
        fit_b.join()
        after = blas_threads()
    finally:
        limits.restore_original_limits()
    assert set(seen["A"]) == {1}
    assert set(between) == {1}
    assert set(seen["B"]) == {1}
    assert set(after) == {2}


def test_limits_restored_after_concurrent_fits():
    name = "NonconvexLassoCV"
    X, y = rel.make_data(name, "regressor", n_samples=120, n_features=12)
    limits = _several_threads()
    try:
        with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
            list(pool.map(lambda _: rel.make_estimator(name).fit(X, y), range(8)))
        after = blas_threads()
    finally:
        limits.restore_original_limits()
    assert set(after) == {2}


def test_caller_limit_of_one_is_kept():
    X, y = rel.make_data("NonconvexLasso", "regressor")
    with threadpool_limits(limits=1, user_api="blas"):
        NonconvexLasso(alpha=0.1).fit(X, y)
        assert set(blas_threads()) == {1}


def test_opt_out_leaves_blas_threads_alone(monkeypatch):
    import sparsestat.linear_model._nonconvex_lasso as module

    X, y = rel.make_data("NonconvexLasso", "regressor")
    seen = _record_inside(monkeypatch, module, "validate_data")
    limits = _several_threads()
    try:
        with sparsestat.config_context(blas_threads=None):
            assert sparsestat.get_config() == {"blas_threads": None}
            NonconvexLasso(alpha=0.1).fit(X, y)
        assert sparsestat.get_config() == {"blas_threads": 1}
        NonconvexLasso(alpha=0.1).fit(X, y)
    finally:
        limits.restore_original_limits()
    assert [set(counts) for counts in seen] == [{2}, {1}]


def _worker_blas_threads():
    return blas_threads()


def _worker_blas_threads_under(limit):
    # what the worker's BLAS libraries report under an explicit limit: a
    # library that cannot run `limit` threads reports fewer
    with threadpool_limits(limits=limit, user_api="blas"):
        return blas_threads()


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_workers_follow_the_callers_setting(backend):
    """CV workers run under the setting of the fit that created them, also in
    another process (where the global configuration is the default)."""
    from sparsestat._config import delayed

    if len(blas_threads()) == 0 or (os.cpu_count() or 1) < 2:
        pytest.skip("needs a BLAS that can use 2 threads")
    from joblib import delayed as joblib_delayed

    jobs = 2
    for setting in (1, 2):
        with sparsestat.config_context(blas_threads=setting):
            tasks = [delayed(_worker_blas_threads)() for _ in range(jobs)]
        counts = Parallel(n_jobs=jobs, backend=backend)(tasks)
        if backend == "threading":
            # threadpoolctl's limits are process-wide: two threads each entering
            # and leaving their own limit race (one restores while the other
            # reads), so the reference for threads is taken once, here
            reference = [_worker_blas_threads_under(setting)] * jobs
        else:
            reference = Parallel(n_jobs=jobs, backend=backend)(
                joblib_delayed(_worker_blas_threads_under)(setting)
                for _ in range(jobs)
            )
        assert counts == reference, (setting, counts, reference)
        assert all(max(c) == setting for c in counts), (setting, counts)


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "1"])
def test_set_config_rejects_bad_blas_threads(value):
    with pytest.raises(ValueError, match="blas_threads"):
        sparsestat.set_config(blas_threads=value)
    assert sparsestat.get_config() == {"blas_threads": 1}
