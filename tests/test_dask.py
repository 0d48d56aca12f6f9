"""Scale-out: CV estimators and GridSearchCV on a Dask cluster give the
sequential results.

One ``LocalCluster`` (2 worker processes, 1 thread each) for the module.
Every registered CV estimator (name ending in "CV") is fitted with
``n_jobs=2`` under ``joblib.parallel_config(backend="dask")``, and
``GridSearchCV`` over one numeric hyper-parameter of every registered
estimator likewise; all outputs must equal the sequential run's (up to a
relative 1e-12: the workers are other processes, whose BLAS may sum in
another order).
"""

import logging
import os
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("dask.distributed")
from joblib import parallel_config  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from tests import _reliability as rel  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RTOL = 1e-12
pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def client():
    # worker processes import sparsestat from this worktree
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), old or ""])
    try:
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.ERROR)
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old
    with cluster, distributed.Client(cluster) as client:
        yield client


def assert_close_outputs(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=RTOL, atol=0,
                                   err_msg=key)


CV_NAMES = sorted(n for n in rel.registry() if n.endswith("CV"))


@pytest.mark.parametrize("name", CV_NAMES)
def test_cv_estimator_on_dask_equals_sequential(name, client):
    cls = rel.registry()[name]
    X, y = rel.make_data(name, rel.kind(cls))
    sequential = rel.fit(rel.make_estimator(name, cls), X, y)
    parallel = rel.make_estimator(name, cls)
    if "n_jobs" in parallel.get_params():
        parallel.set_params(n_jobs=2)
    with parallel_config(backend="dask"), distributed.get_task_stream() as tasks:
        rel.fit(parallel, X, y)
    assert tasks.data, "no task ran on the cluster"
    assert_close_outputs(rel.outputs(sequential, X, y), rel.outputs(parallel, X, y))


def _search(name, cls, n_jobs):
    grid = rel.default_grid(name, cls)
    if grid is None:
        pytest.skip("no numeric hyper-parameter to search")
    est = rel.make_estimator(name, cls)
    if rel.kind(cls) == "unsupervised" and not hasattr(est, "score"):
        pytest.skip("unsupervised estimator without score(X)")
    return GridSearchCV(est, grid, cv=3, n_jobs=n_jobs)


@pytest.mark.parametrize("name", sorted(rel.registry()))
def test_grid_search_on_dask_equals_sequential(name, client):
    cls = rel.registry()[name]
    X, y = rel.make_data(name, rel.kind(cls))
    sequential = rel.fit(_search(name, cls, None), X, y)
    parallel = _search(name, cls, 2)
    with parallel_config(backend="dask"), distributed.get_task_stream() as tasks:
        rel.fit(parallel, X, y)
    assert tasks.data, "no task ran on the cluster"
    assert sequential.best_params_ == parallel.best_params_
    np.testing.assert_allclose(parallel.cv_results_["mean_test_score"],
                               sequential.cv_results_["mean_test_score"],
                               rtol=RTOL)
    assert_close_outputs(rel.outputs(sequential.best_estimator_, X, y),
                         rel.outputs(parallel.best_estimator_, X, y))
