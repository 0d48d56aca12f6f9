"""The runner of ``python -m sparsestat demo``.

Each family's ``_demo`` module has ``demo_cases(random_state=0)``, a
generator of :class:`DemoCase` objects (data simulated from
``random_state``, an unfitted estimator and how to score it);
:func:`run_case` times the fit and makes the table row.
"""

from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import Any


@dataclass(frozen=True)
class DemoCase:
    """One fit of the demo table.

    ``score(fitted)`` returns the keys ``found``, ``f1``, ``metric`` and
    ``value`` of the row (see ``sparsestat._cli.demo.DEMO_COLUMNS``).
    """

    estimator: str  # the label of the row
    data: str
    truth: str
    model: Any  # an unfitted estimator
    X: Any
    score: Callable[[Any], dict]
    y: Any = None


def run_case(family, case):
    """Fit ``case.model`` on its data and return the demo-table row.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from sparsestat.utils._demo import DemoCase, run_case
    >>> X = np.arange(6.0).reshape(3, 2)
    >>> case = DemoCase("OLS", "3 rows", "-", LinearRegression(), X,
    ...                 lambda m: {"found": "2", "f1": 1.0, "metric": "m",
    ...                            "value": 0.0}, y=X[:, 0])
    >>> sorted(run_case("toy", case))  # doctest: +NORMALIZE_WHITESPACE
    ['data', 'estimator', 'f1', 'family', 'found', 'metric', 'time_s',
     'truth', 'value']
    """
    start = perf_counter()
    if case.y is None:
        case.model.fit(case.X)
    else:
        case.model.fit(case.X, case.y)
    elapsed = perf_counter() - start
    scores = case.score(case.model)
    return {
        "family": family,
        "estimator": case.estimator,
        "data": case.data,
        "truth": case.truth,
        "found": scores["found"],
        "f1": scores["f1"],
        "metric": scores["metric"],
        "value": scores["value"],
        "time_s": elapsed,
    }
