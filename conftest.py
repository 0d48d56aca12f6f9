"""Test-run policy for ``tests/`` and the doctests under ``sparsestat/``.

A run whose tests all pass but that shows warnings in its summary fails
(exit code 1): a warning is either the behaviour under test, and then the
test asserts it with ``pytest.warns``, or a careless setup (data or
parameters on which a solver cannot converge) or a wrong warning of an
estimator, and both are to be fixed. ``filterwarnings = ["error", ...]`` is
not used for this: turning every warning into an exception would change the
code paths under test (scikit-learn's checks and joblib workers would see an
exception where the user sees a warning); counting what the summary shows
changes nothing in the run and names every offender in the summary.
"""

import pytest


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or session.exitstatus != pytest.ExitCode.OK:
        return
    shown = len(reporter.stats.get("warnings", []))
    if shown:
        reporter.write_line(
            f"{shown} warning(s) not asserted on (see the warnings summary): "
            "assert them with pytest.warns or remove their cause; this run fails.",
            red=True, bold=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
