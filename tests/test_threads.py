"""The kernels release the GIL and keep no global state: four threads fitting
the same estimator on the same data at once get bit-identical results, equal
to a sequential fit. Every registered estimator."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

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
