"""The root conftest.py fails a passing run that shows warnings."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(tmp_path, body):
    (tmp_path / "test_sample.py").write_text(
        "import warnings\nimport pytest\n\n\ndef test_sample():\n" + body
    )
    # ``-p conftest`` loads the project's conftest.py (the cwd is on sys.path)
    # for a test file outside the project
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "conftest", str(tmp_path / "test_sample.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def test_a_warning_not_asserted_on_fails_the_run(tmp_path):
    result = _run(tmp_path, "    warnings.warn('careless', UserWarning)\n")
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
    assert "1 passed" in result.stdout
    assert "1 warning(s) not asserted on" in result.stdout


def test_an_asserted_warning_passes(tmp_path):
    result = _run(
        tmp_path,
        "    with pytest.warns(UserWarning, match='expected'):\n"
        "        warnings.warn('expected', UserWarning)\n",
    )
    assert result.returncode == pytest.ExitCode.OK, result.stdout
    assert "warning" not in result.stdout
