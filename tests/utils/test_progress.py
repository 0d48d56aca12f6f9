"""``verbose=1`` shows a progress bar with totals and the solver's values.

The plain fallback is forced (``SPARSESTAT_PROGRESS=plain``) so that the
output does not depend on whether tqdm is installed; the tqdm branch is
checked with a stand-in class that records what it was given.
"""

import re

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sparsestat.utils import progress as progress_module
from sparsestat.utils.progress import progress


@pytest.fixture
def plain(monkeypatch):
    monkeypatch.setenv("SPARSESTAT_PROGRESS", "plain")


@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 8))
    y = X[:, 0] - 0.5 * X[:, 3] + 0.1 * rng.standard_normal(60)
    return X, y


def _lines(capsys):
    out, err = capsys.readouterr()
    assert out == "", "progress must leave standard output alone"
    return err.strip().splitlines()


def test_plain_bar_counts_and_postfix(plain, capsys):
    bar = progress(range(40), verbose=1, desc="demo", unit="things")
    for k in bar:
        bar.set_postfix(kkt=1.0 / (k + 1), k=k)
    lines = _lines(capsys)
    # at most 20 reports, the last one always
    assert len(lines) == 20
    assert lines[-1].startswith("[demo] " + "#" * 20 + " 40/40 things")
    assert lines[-1].endswith("kkt=0.025, k=39")
    assert "2/40 things" in lines[0] and "kkt=0.5, k=1" in lines[0]


def test_silent_when_verbose_is_0(capsys):
    bar = progress(range(3), verbose=0)
    assert [k for k in bar] == [0, 1, 2]
    bar.set_postfix(kkt=1.0)
    assert capsys.readouterr() == ("", "")


def test_tqdm_is_used_when_installed(monkeypatch):
    seen = {}

    class FakeTqdm:
        def __init__(self, iterable, **kwargs):
            seen.update(kwargs)
            self.iterable = iterable
            seen["postfix"] = []

        def __iter__(self):
            return iter(self.iterable)

        def set_postfix_str(self, text, refresh=True):
            seen["postfix"].append(text)
            self.postfix = text

        def update(self, n=1):
            seen["updates"] = seen.get("updates", 0) + n

    monkeypatch.delenv("SPARSESTAT_PROGRESS", raising=False)
    monkeypatch.setattr(progress_module, "_tqdm", lambda: FakeTqdm)
    bar = progress(iter(range(5)), verbose=1, desc="path", total=5, unit="alphas")
    for k in bar:
        bar.set_postfix(alpha=0.5**k)
    assert seen["total"] == 5 and seen["desc"] == "path" and seen["unit"] == "alphas"
    assert seen["postfix"][-1] == "alpha=0.0625"
    bar = progress(iter(range(5)), verbose=1, desc="path", total=5, unit="alphas")
    for k in bar:
        bar.set_postfix(alpha=0.5**k)
        bar.stop("model saturated")
        break
    assert seen["updates"] == 1  # the step the break keeps tqdm from counting
    assert seen["postfix"][-1] == "alpha=1, stopped: model saturated"


def test_path_reports_alphas_done_of_total(plain, capsys, regression):
    from sparsestat.linear_model import nonconvex_path

    X, y = regression
    nonconvex_path(X, y, alphas=7, verbose=1)
    lines = _lines(capsys)
    assert len(lines) == 7 and lines[-1].startswith("[path]")
    assert "7/7 alphas" in lines[-1]
    assert re.search(r"alpha=[\d.e-]+, nnz=\d+, kkt=[\d.e+-]+$", lines[-1])


def _target(name, y):
    """The target of the model ``name``: ``y``, two or three classes, or
    Poisson counts."""
    if "Logistic" in name:
        return np.digitize(y, [-0.5, 0.5]) if name.endswith("3") else (y > 0).astype(int)
    if "Poisson" in name:
        return np.random.default_rng(1).poisson(np.exp(0.5 + 0.5 * y))
    return y


def test_bar_stopped_early_counts_the_last_step_and_says_why(plain, capsys):
    bar = progress(range(10), verbose=1, desc="path", unit="alphas")
    for k in bar:
        bar.set_postfix(alpha=0.5**k)
        if k == 3:
            bar.stop("model saturated")
            break
    lines = _lines(capsys)
    assert lines[-1].startswith("[path] ########------------ 4/10 alphas")
    assert lines[-1].endswith("alpha=0.125, stopped: model saturated")
    assert len(lines) == 4
    progress(range(3), verbose=0).stop("ignored")  # silent bars ignore it
    assert capsys.readouterr() == ("", "")


def test_poisson_path_reports_alphas_done_of_total(plain, capsys, regression):
    from sparsestat.linear_model import nonconvex_path

    X, y = regression
    nonconvex_path(X, _target("Poisson", y), loss="poisson", alphas=6, verbose=1)
    lines = _lines(capsys)
    assert len(lines) == 6 and "6/6 alphas" in lines[-1]
    assert re.search(r"alpha=[\d.e-]+, nnz=\d+, kkt=[\d.e+-]+$", lines[-1])


def test_saturated_path_stops_the_bar_truthfully(plain, capsys):
    from sparsestat.linear_model import nonconvex_path

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    labels = (X[:, 0] > 0).astype(int)  # separable: MCP saturates
    with pytest.warns(ConvergenceWarning, match="saturated"):
        alphas, _, _ = nonconvex_path(X, labels, loss="log_loss", alphas=8, verbose=1)
    lines = _lines(capsys)
    assert alphas.size < 8
    assert f"{alphas.size}/8 alphas" in lines[-1]
    assert lines[-1].endswith("stopped: model saturated")


@pytest.mark.parametrize("name", ["NonconvexLassoCV", "NonconvexLogisticRegressionCV",
                                  "NonconvexLogisticRegressionCV3",
                                  "NonconvexPoissonRegressionCV"])
def test_linear_cv_reports_folds_times_grid(plain, capsys, regression, name):
    from sparsestat import linear_model

    X, y = regression
    cls = getattr(linear_model, name.rstrip("3"))
    cls(cv=3, alphas=5, gamma=[2.0, 3.0], verbose=1).fit(X, _target(name, y))
    bars = [line for line in _lines(capsys) if line.startswith("[CV")]
    assert bars[0].startswith("[CV 3 folds x 2 gamma value(s)")
    assert "6/6 paths" in bars[-1] and "gamma=3, fold=3" in bars[-1]


@pytest.mark.parametrize("name", ["NonconvexLassoIC", "NonconvexLogisticRegressionIC3",
                                  "NonconvexPoissonRegressionIC"])
def test_ic_reports_each_path_of_the_grid(plain, capsys, regression, name):
    from sparsestat import linear_model

    X, y = regression
    cls = getattr(linear_model, name.rstrip("3"))
    cls(alphas=5, verbose=1).fit(X, _target(name, y))
    lines = _lines(capsys)
    label = name.rstrip("3")
    assert [line.split("]")[0] for line in lines] == [f"[{label} path"] * 5
    assert "5/5 alphas" in lines[-1] and "kkt=" in lines[-1]
    cls(alphas=4, gamma=[2.0, 3.0], verbose=1).fit(X, _target(name, y))
    labels = [line.split("]")[0] for line in _lines(capsys)]
    assert labels == ([f"[{label} path 1/2, gamma=2"] * 4
                      + [f"[{label} path 2/2, gamma=3"] * 4)


def test_colide_reports_stages_and_score(plain, capsys):
    from sparsestat.dag import CoLiDE

    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 5))
    X[:, 1] += X[:, 0]
    model = CoLiDE(n_stages=3, s=(1.0, 0.9, 0.8), verbose=1).fit(X)
    lines = _lines(capsys)
    n_stages = len(model.s_)
    assert [line.split("]")[0] for line in lines] == ["[CoLiDE stages"] * n_stages
    assert f"{n_stages}/{n_stages} stages" in lines[-1]
    assert re.search(r"s=[\d.]+, mu=[\d.e-]+, score=[\d.e+-]+, h=[\d.e+-]+", lines[-1])


def test_mtp2_reports_stages_and_cv_rounds(plain, capsys, regression):
    from sparsestat.covariance import MTP2GraphicalModel, MTP2GraphicalModelCV

    X, _ = regression
    MTP2GraphicalModel(alpha=0.05, n_stages=3, verbose=1).fit(X)
    lines = _lines(capsys)
    assert len(lines) == 3 and "3/3 stages" in lines[-1]
    assert re.search(r"iters=\d+, kkt=[\d.e+-]+$", lines[-1])
    MTP2GraphicalModelCV(alphas=3, n_refinements=2, cv=3, verbose=1).fit(X)
    labels = {line.split(":")[0] for line in _lines(capsys) if line.startswith("[CV")}
    assert {"[CV grid", "[CV refinement 1/2"} <= labels
    assert labels <= {"[CV grid", "[CV refinement 1/2", "[CV refinement 2/2"}


def test_fractional_reports_its_summary(plain, capsys, regression):
    from sparsestat.fractional import FractionalSparseRegression

    X, y = regression
    FractionalSparseRegression(k=2, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert re.search(r"\[FractionalSparseRegression\] \d+ epochs, objective", out)
