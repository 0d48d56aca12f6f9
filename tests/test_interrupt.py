"""Ctrl-C stops any fit: SIGINT during a long compiled solve raises
KeyboardInterrupt within seconds.

Each case runs a fit that would take minutes (tolerance 0, huge max_iter)
in a subprocess, waits until the fit has started, sends SIGINT and checks
that the process ends soon with KeyboardInterrupt on stderr. Before the
kernels checked for signals, such fits ran on for minutes after SIGINT.
The time limit is generous for a loaded machine and far below that.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="SIGINT is POSIX (Ctrl-C events differ on Windows)"
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# seconds to wait after SIGINT: the kernels check every few milliseconds,
# so this only absorbs interpreter start-up and a loaded machine
EXIT_TIMEOUT = 30

# A child started from a background job inherits SIGINT ignored, and Python
# then installs no KeyboardInterrupt handler: install it explicitly, so that
# the test measures the kernels, not how the test run was launched.
_PRELUDE = """
import signal, sys, warnings
signal.signal(signal.SIGINT, signal.default_int_handler)
import numpy as np
warnings.simplefilter("ignore")
rng = np.random.default_rng(0)
"""

CASES = {
    # one cd_solve call: the single compiled call of the reproducer
    "lasso_cd": """
from sparsestat.linear_model import NonconvexLasso
X = np.asfortranarray(np.cumsum(rng.standard_normal((1000, 5000)), axis=1))
y = X[:, :50] @ rng.standard_normal(50) + rng.standard_normal(1000)
est = NonconvexLasso(alpha=1e-4, tol=1e-300, max_iter=10**8)
""",
    # correlated columns (random walks): accelerated gradient converges slowly
    "lasso_apg": """
from sparsestat.linear_model import NonconvexLasso
X = np.asfortranarray(np.cumsum(rng.standard_normal((300, 2000)), axis=1))
y = X[:, :50] @ rng.standard_normal(50) + rng.standard_normal(300)
est = NonconvexLasso(alpha=1e-4, solver="apg", tol=1e-300, max_iter=10**8)
""",
    "logistic_cd": """
from sparsestat.linear_model import NonconvexLogisticRegression
# noisy labels with n > 2 p: not separable, so the MCP fit has a minimiser
# (separable labels would stop it at once: "model saturated"), which
# tol=1e-300 never accepts
X = np.asfortranarray(rng.standard_normal((8000, 1500)))
noise = 3 * rng.standard_normal(8000)
y = (X[:, :50] @ rng.standard_normal(50) + noise > 0).astype(int)
est = NonconvexLogisticRegression(alpha=1e-4, tol=1e-300, max_iter=10**8)
""",
    # a Python-level loop of kernel calls (the path)
    "lasso_cv": """
from sparsestat.linear_model import NonconvexLassoCV
X = np.asfortranarray(np.cumsum(rng.standard_normal((300, 2000)), axis=1))
y = X[:, :50] @ rng.standard_normal(50) + rng.standard_normal(300)
est = NonconvexLassoCV(tol=1e-300, max_iter=10**8, cv=3)
""",
    "mtp2_newton": """
from sparsestat.covariance import MTP2GraphicalModel
X = rng.standard_normal((400, 200)) + rng.standard_normal((400, 1))
y = None
est = MTP2GraphicalModel(alpha=1e-3, tol=0, max_iter=10**8, n_stages=100)
""",
    "mtp2_pg_dd": """
from sparsestat.covariance import MTP2GraphicalModel
X = rng.standard_normal((400, 200)) + rng.standard_normal((400, 1))
y = None
est = MTP2GraphicalModel(alpha=1e-3, tol=0, max_iter=10**8, solver="pg",
                         constraint="diag_dominant", n_stages=100)
""",
    "colide": """
from sparsestat.dag import CoLiDE
# with tol=0 each stage still stops once no step decreases the objective
# (about a second for d = 200, 20 stages): d = 300 and 100 stages run for
# well over the second the test waits
X = rng.standard_normal((600, 300))
X[:, 1:] += 0.8 * X[:, :-1]
y = None
est = CoLiDE(alpha=1e-4, tol=0, max_iter=10**8, n_stages=100, s=1.0, mu_factor=0.5)
""",
}

_RUN = """
print("started", flush=True)
est.fit(X) if y is None else est.fit(X, y)
print("finished", flush=True)
"""


@pytest.mark.parametrize("case", sorted(CASES))
def test_sigint_stops_fit(case):
    code = _PRELUDE + CASES[case] + _RUN
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
    )
    try:
        # data generation and imports happen before the marker
        line = proc.stdout.readline()
        assert line.strip() == "started", proc.stderr.read()
        time.sleep(1.0)
        assert proc.poll() is None, "the fit ended before SIGINT: make it longer"
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{case}: still running {EXIT_TIMEOUT} s after SIGINT")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "finished" not in out
    assert proc.returncode != 0
    assert "KeyboardInterrupt" in err, err
