"""Bad inputs x every registered estimator, each run where a crash is caught.

The cases (tests/_reliability.py) are adapted to the estimator's kind and
built from its ``_parameter_constraints``. One subprocess per estimator runs
all its cases and reports one JSON line per case; if that process dies
(segfault, abort) or hangs, the case it was running is rerun alone (if it
passes alone, memory was corrupted earlier and every case of that process
is rerun alone), the culprit is reported as crashed, and a new process
resumes with the cases not yet run.
Each case must end in a ValueError/TypeError whose message names the
problem, or in a fit whose outputs are all finite, without a RuntimeWarning
raised inside sparsestat.

The same file checks, in process, that fitting never modifies the caller's
arrays, that pickling preserves every output, and that fitting twice gives
identical results.
"""

import json
import os
import re
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from tests import _reliability as rel

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_ALL = 300
TIMEOUT_ONE = 60

# (estimator, case) pairs that expose a known bug, with the reason; each is
# an xfail(strict=True) so that the fix is noticed (then delete the line).
KNOWN_BUGS = {}


def _run_worker(name, *cases, timeout, extra_env=None):
    """Run the worker on ``cases`` (all when empty).

    Returns ``(reports, failure)``: the reports of the cases that finished,
    and ``None`` or ``(case, why)`` when the process died or hung while
    running ``case`` (``None`` if it died before its first case).
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", **(extra_env or {})}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "tests._reliability", name, *cases], cwd=ROOT,
            env=env, capture_output=True, text=True, timeout=timeout)
        stdout, stderr, code = proc.stdout, proc.stderr, proc.returncode
        died = None
        if code != 0:
            died = f"exit code {code}"
            if code < 0:
                died += f", {signal.Signals(-code).name}"
            died = f"worker died ({died})"
    except subprocess.TimeoutExpired as exc:
        # captured output is bytes here, whatever text=True says
        def text(out):
            return out.decode(errors="replace") if isinstance(out, bytes) else out or ""
        stdout, stderr = text(exc.stdout), text(exc.stderr)
        died = f"hang: no answer within {timeout} s"
    reports = [json.loads(line) for line in stdout.splitlines()
               if line.startswith("{")]
    if died is None:
        return reports, None
    running = [line[len("# running "):] for line in stderr.splitlines()
               if line.startswith("# running ")]
    culprit = running[-1] if running else None
    return reports, (culprit, f"{died} during {culprit or 'start-up'}\n"
                              f"{stderr[-3000:]}")


@cache
def _first_pass():
    """Every estimator's worker, run concurrently (one per core)."""
    names = sorted(rel.registry())
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        runs = pool.map(lambda n: _run_worker(n, timeout=TIMEOUT_ALL), names)
        return dict(zip(names, runs))


@cache
def _reports(name):
    reports, failure = _first_pass()[name]
    return _resume(name, reports, failure)


def _resume(name, reports, failure, extra_env=None, only=None):
    """Reports of every case: a crashed or hung case is recorded as such and
    a new worker resumes with the cases not yet run.

    A case that corrupts memory may crash the process only during a later
    case; so the case that was running is rerun alone, and if it passes
    alone, every case of the dead process is rerun alone to find the
    culprit.
    """
    found = {r["case"]: r for r in reports}
    todo = [c.name for c in rel.cases_for(name, rel.registry()[name])
            if only is None or c.name in only]
    batch = [r["case"] for r in reports]
    while failure is not None:
        culprit, why = failure
        if culprit is None:  # died before any case: nothing can run
            for case in todo:
                found.setdefault(case, {"case": case, "status": "crashed", "why": why})
            break
        for case in [culprit] + batch:
            alone, alone_failure = _run_worker(name, case, timeout=TIMEOUT_ONE,
                                               extra_env=extra_env)
            if alone_failure is not None:
                found[case] = {"case": case, "status": "crashed",
                               "why": alone_failure[1]}
            else:
                found[case] = alone[0]
            if case == culprit and alone_failure is not None:
                break  # the running case crashes by itself: it is the culprit
        todo = [c for c in todo if c not in found]
        if not todo:
            break
        more, failure = _run_worker(name, *todo, timeout=TIMEOUT_ALL,
                                    extra_env=extra_env)
        found.update((r["case"], r) for r in more)
        batch = [r["case"] for r in more]
    return found


def _isolate(name, extra_env=None, only=None):
    """Run the cases ``only`` (all when None), resuming after each crash."""
    cases = [c.name for c in rel.cases_for(name, rel.registry()[name])
             if only is None or c.name in only]
    reports, failure = _run_worker(name, *cases, timeout=TIMEOUT_ALL,
                                   extra_env=extra_env)
    return _resume(name, reports, failure, extra_env=extra_env, only=only)


def _params():
    for name, cls in rel.registry().items():
        for case in rel.cases_for(name, cls):
            marks = []
            if (name, case.name) in KNOWN_BUGS:
                marks.append(pytest.mark.xfail(
                    strict=True, reason=KNOWN_BUGS[name, case.name]))
            yield pytest.param(name, case.name, id=f"{name}-{case.name}",
                               marks=marks)


@pytest.mark.parametrize("name, case_name", list(_params()))
def test_bad_input(name, case_name):
    cls = rel.registry()[name]
    case = next(c for c in rel.cases_for(name, cls) if c.name == case_name)
    ctx = rel.context(name, cls)
    expect = rel.expectation(case, ctx)
    report = _reports(name).get(case_name)
    assert report is not None, "case missing from the worker's report"
    assert report["status"] != "crashed", report["why"]
    if report["status"] == "raised":
        assert report["clear"], (
            f"{report['exc_type']} is not a clear ValueError/TypeError:\n"
            f"{report['traceback']}")
        assert expect != "finite", (
            f"valid input rejected: {report['message']}\n{report['traceback']}")
        assert report["message"].strip(), "error without a message"
        match = case.match(ctx) if callable(case.match) else case.match
        if match:
            assert re.search(match, report["message"], re.IGNORECASE), (
                f"message does not name the problem ({match!r}): "
                f"{report['message']!r}")
    else:
        assert expect != "error", "bad input accepted silently"
        assert not report["nonfinite"], f"non-finite outputs: {report['nonfinite']}"
    assert not report["warnings"], f"RuntimeWarning in sparsestat: {report['warnings']}"


def test_a_segfault_is_caught_and_pinned_on_its_case():
    name = sorted(rel.registry())[0]
    crash = {"SPARSESTAT_SELFTEST_SEGFAULT_AT": "X_3d"}
    reports, failure = _run_worker(name, timeout=TIMEOUT_ALL, extra_env=crash)
    assert failure is not None and "worker died" in failure[1]
    assert failure[0] == "X_3d" and "SIGSEGV" in failure[1]
    assert "X_3d" not in {r["case"] for r in reports}
    isolated = _isolate(name, extra_env=crash, only=("X_1d", "X_3d", "X_int"))
    assert len(isolated) == 3
    assert isolated["X_3d"]["status"] == "crashed"
    assert "SIGSEGV" in isolated["X_3d"]["why"]
    assert all(r["status"] != "crashed" for c, r in isolated.items() if c != "X_3d")
    # the cases after the crash ran in a resumed worker
    assert isolated["X_int"]["status"] in ("fitted", "raised")


def test_at_least_30_cases_per_estimator():
    for name, cls in rel.registry().items():
        assert len(rel.cases_for(name, cls)) >= 30, name


# --------------------------------------------------------------------------
# Caller's arrays, pickling, refitting (in process: these are valid inputs)


NAMES = sorted(rel.registry())


def _inputs(name, layout):
    cls = rel.registry()[name]
    kind = rel.kind(cls)
    X, y = rel.make_data(name, kind)
    fit_params = {}
    if kind != "unsupervised" and rel.fit_accepts(cls, "sample_weight"):
        fit_params["sample_weight"] = np.linspace(0.5, 2.0, len(X))
    if layout == "fortran":
        X = np.asfortranarray(X)
    elif layout == "float32":
        X = X.astype(np.float32)
    elif layout == "csc":
        X = sp.csc_matrix(X)
    return cls, X, y, fit_params


@pytest.mark.parametrize("layout", ["c", "fortran", "float32", "csc"])
@pytest.mark.parametrize("name", NAMES)
def test_callers_arrays_not_modified(name, layout):
    cls, X, y, fit_params = _inputs(name, layout)
    if layout == "csc" and not rel.accepts_sparse(cls):
        pytest.skip("dense input only")
    copies = [a.copy() for a in (X, y, *fit_params.values()) if a is not None]
    est = rel.fit(rel.make_estimator(name, cls), X, y, **fit_params)
    rel.outputs(est, X, y)
    for before, after in zip(copies, (a for a in (X, y, *fit_params.values())
                                      if a is not None)):
        if sp.issparse(before):
            for part in ("data", "indices", "indptr"):
                np.testing.assert_array_equal(getattr(before, part),
                                              getattr(after, part))
        else:
            np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("name", NAMES)
def test_pickle_round_trip_gives_identical_outputs(name):
    cls, X, y, fit_params = _inputs(name, "c")
    est = rel.fit(rel.make_estimator(name, cls), X, y, **fit_params)
    rel.assert_same_outputs(rel.outputs(est, X, y),
                            rel.outputs(rel.pickle_round_trip(est), X, y))


@pytest.mark.parametrize("name", NAMES)
def test_fit_twice_gives_identical_results(name):
    cls, X, y, fit_params = _inputs(name, "c")
    est = rel.make_estimator(name, cls)
    first = rel.outputs(rel.fit(est, X, y, **fit_params), X, y)
    second = rel.outputs(rel.fit(est, X, y, **fit_params), X, y)
    rel.assert_same_outputs(first, second)
    third = rel.outputs(rel.fit(rel.fresh(est), X, y, **fit_params), X, y)
    rel.assert_same_outputs(first, third)


# --------------------------------------------------------------------------
# Cross-validation folds without weight (in process: the selection matters)


CV_WEIGHTED = [n for n in NAMES
               if rel.fit_accepts(rel.registry()[n], "sample_weight")
               and "cv" in rel.registry()[n]().get_params()]


@pytest.mark.parametrize("name", CV_WEIGHTED)
def test_zero_weight_test_fold_is_an_error_or_left_out(name):
    """A test fold whose samples all have zero weight has no score. Either
    ``fit`` raises a ValueError naming ``sample_weight``, or it warns and
    selects what cross-validation on the other folds selects (never
    alpha_max because a NaN won the comparison)."""
    import warnings

    from sklearn.model_selection import KFold

    cls = rel.registry()[name]
    X, y = rel.make_data(name, rel.kind(cls), n_samples=90)
    folds = list(KFold(3).split(X))
    sw = np.ones(len(X))
    sw[folds[0][1]] = 0.0
    est = rel.make_estimator(name, cls, cv=folds)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(X, y, sample_weight=sw)
        except ValueError as exc:
            assert "sample_weight" in str(exc), str(exc)
            return
    assert any("weight" in str(w.message) for w in caught), (
        "a fold without weight was scored silently")
    others = rel.make_estimator(name, cls, cv=folds[1:],
                                alphas=est.alphas_).fit(X, y, sample_weight=sw)
    assert est.alpha_ == others.alpha_
    np.testing.assert_allclose(est.coef_, others.coef_, rtol=1e-10)
