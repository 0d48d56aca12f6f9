"""Command line: ``python -m sparsestat demo`` and ``python -m sparsestat fit``.

One module per job: :mod:`~sparsestat._cli.data` reads and checks the data
file, :mod:`~sparsestat._cli.fit` maps a fit command to its estimator (from
the estimator registry) and runs it, :mod:`~sparsestat._cli.results`
records and writes the result, :mod:`~sparsestat._cli.demo` runs and shows
every family's demo, and :mod:`~sparsestat._cli.main` parses the arguments.
"""

from sparsestat._cli.demo import DEMO_COLUMNS, DEMO_METRICS, run_demo
from sparsestat._cli.errors import UserError
from sparsestat._cli.fit import FIT_FAMILIES, FitFamily
from sparsestat._cli.main import main

__all__ = ["DEMO_COLUMNS", "DEMO_METRICS", "FIT_FAMILIES", "FitFamily", "UserError",
           "main", "run_demo"]
