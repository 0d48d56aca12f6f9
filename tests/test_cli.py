"""The command line as a new user runs it: subprocesses on real files.

Families are taken from the CLI's own table; a family whose estimator is not
importable in this installation is checked for its one-line error instead.
"""

import csv
import inspect
import json
import os
import re
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import numpy as np
import pytest

from sparsestat._cli import FIT_FAMILIES

ROOT = Path(__file__).resolve().parents[1]


def available(name):
    family = FIT_FAMILIES[name]
    try:
        return hasattr(import_module(family.module), family.estimator)
    except ImportError:
        return False


def run(*args, cwd):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "sparsestat", *map(str, args)],
                          cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def assert_one_line_error(proc, *words):
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Regression, classification and unsupervised CSV files with headers."""
    tmp = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 4))
    y = 2 * X[:, 0] - X[:, 2] + 0.1 * rng.standard_normal(80)
    Z = rng.standard_normal((200, 4))
    for j in range(1, 4):
        Z[:, j] += 0.7 * Z[:, j - 1]
    names = ["age", "dose", "weight", "height"]
    counts = rng.poisson(np.exp(0.5 + 0.6 * X[:, 1]))
    classes = np.digitize(X[:, 0] + 0.3 * rng.standard_normal(80), [-0.5, 0.5])
    return {
        "dir": tmp,
        "names": names,
        "regression": write_csv(tmp / "reg.csv", [*names, "response"],
                                np.column_stack([X, y]).tolist()),
        "classification": write_csv(tmp / "cls.csv", [*names, "label"],
                                    np.column_stack([X, y > 0]).astype(float).tolist()),
        "unsupervised": write_csv(tmp / "nodes.csv", ["n0", "n1", "n2", "n3"],
                                  Z.tolist()),
        "counts_csv": write_csv(tmp / "counts.csv", [*names, "visits"],
                            np.column_stack([X, counts]).tolist()),
        "multiclass_csv": write_csv(tmp / "three.csv", [*names, "grade"],
                                [[*map(str, row), grade] for row, grade in
                                 zip(X, np.array(["low", "mid", "high"])[classes])]),
        "X": X, "y": y, "counts": counts, "classes": classes,
    }


SUPERVISED = [n for n, f in FIT_FAMILIES.items() if f.supervised]
UNSUPERVISED = [n for n, f in FIT_FAMILIES.items() if not f.supervised]


def _data_file(name, data):
    if not FIT_FAMILIES[name].supervised:
        return data["unsupervised"], []
    if name == "logistic":
        return data["classification"], ["--target", "label"]
    if FIT_FAMILIES[name].counts:
        return data["counts_csv"], ["--target", "visits"]
    return data["regression"], ["--target", "response"]


def test_help_documents_every_option(tmp_path):
    proc = run("fit", "--help", cwd=tmp_path)
    assert proc.returncode == 0
    for option in ("--target", "--alpha", "--penalty", "--cv", "--output",
                   "--gamma", "--noise", "--constraint", "--standardize",
                   "--verbose", *FIT_FAMILIES):
        assert option in proc.stdout
    top = run("--help", cwd=tmp_path)
    assert top.returncode == 0 and "demo" in top.stdout and "fit" in top.stdout


@pytest.mark.parametrize("name", list(FIT_FAMILIES))
def test_fit_writes_json_and_csv(name, data, tmp_path):
    path, target = _data_file(name, data)
    if not available(name):
        proc = run("fit", name, path, *target, cwd=tmp_path)
        assert_one_line_error(proc, f"family {name} is not available")
        return
    proc = run("fit", name, path, *target, "--output", tmp_path / "out.json",
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "out.json").read_text())
    assert result["family"] == name
    assert result["features"] == (data["names"] if FIT_FAMILIES[name].supervised
                                  else ["n0", "n1", "n2", "n3"])
    proc = run("fit", name, path, *target, "--output", tmp_path / "out.csv",
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(open(tmp_path / "out.csv")))
    assert len(rows) >= 2
    output = FIT_FAMILIES[name].output
    if output == "coefficients":
        assert rows[0] == ["feature", "coefficient"]
        assert [r[0] for r in rows[2:]] == data["names"]
        np.testing.assert_allclose([float(r[1]) for r in rows[2:]], result["coef"])
    elif output == "edges":
        assert rows[0] == ["source", "target", "weight"]
        assert len(rows) - 1 == len(result["edges"])
    else:
        assert rows[0][1:] == ["n0", "n1", "n2", "n3"]
        P = np.array([[float(v) for v in r[1:]] for r in rows[1:]])
        np.testing.assert_allclose(P, P.T)


@pytest.mark.skipif(not available("lasso"), reason="linear models not built")
def test_lasso_coefficients_match_the_library(data, tmp_path):
    from sparsestat.linear_model import NonconvexLasso

    proc = run("fit", "lasso", data["regression"], "--target", "response",
               "--alpha", "0.05", "--penalty", "scad", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(proc.stdout.splitlines()))
    model = NonconvexLasso(alpha=0.05, penalty="scad").fit(data["X"], data["y"])
    np.testing.assert_allclose([float(r[1]) for r in rows[2:]], model.coef_,
                               rtol=1e-12)
    np.testing.assert_allclose(float(rows[1][1]), model.intercept_, rtol=1e-12)


@pytest.mark.skipif(not available("lasso"), reason="linear models not built")
def test_cv_and_target_by_index_and_numpy_files(data, tmp_path):
    proc = run("fit", "lasso", data["regression"], "--target", "response",
               "--cv", "3", "--output", tmp_path / "cv.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "cv.json").read_text())
    assert result["estimator"].endswith("CV") and result["alpha"] > 0
    full = np.column_stack([data["X"], data["y"]])
    np.save(tmp_path / "d.npy", full)
    np.savez(tmp_path / "d.npz", X=data["X"], y=data["y"])
    by_index = run("fit", "lasso", tmp_path / "d.npy", "--target", "4",
                   "--alpha", "0.1", cwd=tmp_path)
    by_npz = run("fit", "lasso", tmp_path / "d.npz", "--target", "y",
                 "--alpha", "0.1", cwd=tmp_path)
    by_csv = run("fit", "lasso", data["regression"], "--target", "response",
                 "--alpha", "0.1", cwd=tmp_path)
    assert by_index.returncode == by_npz.returncode == by_csv.returncode == 0
    values = [[r.split(",")[1] for r in p.stdout.splitlines()[1:]]
              for p in (by_index, by_npz, by_csv)]
    assert values[0] == values[1] == values[2]


def test_data_mistakes_give_one_line_and_exit_code_1(data, tmp_path):
    """In subprocesses, as a user meets them (before any estimator is built)."""
    reg = data["regression"]
    assert_one_line_error(run("fit", "lasso", tmp_path / "nope.csv", "--target",
                              "y", cwd=tmp_path), "no such file")
    assert_one_line_error(run("fit", "lasso", reg, "--target", "income",
                              cwd=tmp_path), "no column named 'income'")
    assert_one_line_error(run("fit", "lasso", reg, cwd=tmp_path), "--target")
    bad = write_csv(tmp_path / "bad.csv", ["a", "b", "y"],
                    [[1, 2, 3], [4, "four", 6], [7, 8, 9]])
    assert_one_line_error(run("fit", "lasso", bad, "--target", "y", cwd=tmp_path),
                          "'b'", "not numeric", "'four'")


def main_error(capsys, *args):
    """Run the CLI in process; the one-line contract is the same."""
    from sparsestat._cli import main

    code = main([str(a) for a in args])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def main_ok(capsys, *args):
    """Run the CLI in process (no interpreter start-up); ``(stdout, stderr)``."""
    from sparsestat._cli import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out, err


@pytest.mark.skipif(not available("lasso"), reason="linear models not built")
def test_more_mistakes_give_one_line(data, tmp_path, capsys):
    reg = data["regression"]
    missing = write_csv(tmp_path / "missing.csv", ["a", "b", "y"],
                        [[1, 2, 3], [4, "", 6], [7, 8, 9]])
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,y\n1,2,3\n4,5\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    pickled = tmp_path / "obj.npy"
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    cases = [
        (("fit", "lasso", missing, "--target", "y"), ("missing", "'b'")),
        (("fit", "lasso", ragged, "--target", "y"), ("line 3",)),
        (("fit", "lasso", empty, "--target", "y"), ("empty",)),
        (("fit", "lasso", tmp_path, "--target", "y"), ("directory",)),
        (("fit", "lasso", pickled, "--target", "0"), ("cannot read",)),
        (("fit", "lasso", reg, "--target", "99"), ("out of range",)),
        (("fit", "lasso", reg, "--target", "response", "--alpha", "-1"),
         ("alpha",)),
        (("fit", "lasso", reg, "--target", "response", "--penalty", "ridge"),
         ("penalty",)),
        (("fit", "lasso", reg, "--target", "response", "--output", "out.txt"),
         (".json or .csv",)),
        (("fit", "lasso", reg, "--target", "response", "--cv", "3", "--alpha",
          "1"), ("--cv",)),
        (("fit", "lasso", reg, "--target", "response", "--cv", "1"), ("--cv",)),
        (("fit", "lasso", reg, "--target", "response", "--output",
          tmp_path / "no" / "dir" / "o.json"), ("cannot write",)),
        (("fit", "logistic", reg, "--target", "response"),
         ("'response' is continuous", "family lasso")),
    ]
    for args, words in cases:
        line = main_error(capsys, *args)
        for word in words:
            assert word in line, (args, line)


@pytest.mark.skipif(not available("logistic"), reason="linear models not built")
def test_logistic_accepts_text_labels(data, tmp_path, capsys):
    from sparsestat._cli import main

    labels = np.where(data["y"] > 0, "sick", "healthy")
    path = write_csv(tmp_path / "labels.csv", [*data["names"], "status"],
                     [[*map(str, row), lab] for row, lab in zip(data["X"], labels)])
    out = tmp_path / "out.json"
    assert main(["fit", "logistic", str(path), "--target", "status",
                 "--output", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["classes"] == ["healthy", "sick"]
    assert result["coef"][0] > 0  # "sick" goes with a large first feature
    # these labels are separable, so the MCP fit may say that the model
    # saturated: that line belongs to the fit above, not to the error below
    capsys.readouterr()
    # a regression target must stay numeric
    line = main_error(capsys, "fit", "lasso", path, "--target", "status")
    assert "'status' is not numeric" in line


@pytest.mark.skipif(not available("logistic"), reason="linear models not built")
def test_logistic_fits_a_multiclass_target(data, tmp_path, capsys):
    from sparsestat.linear_model import NonconvexLogisticRegression

    out = tmp_path / "three.json"
    said, _ = main_ok(capsys, "fit", "logistic", data["multiclass_csv"], "--target",
                      "grade", "--alpha", "0.05", "--output", out)
    assert said.strip() == (f"wrote 3 x 4 coefficients (one row per class) and "
                            f"the intercepts to {out}")
    result = json.loads(out.read_text())
    labels = np.array(["low", "mid", "high"])[data["classes"]]
    model = NonconvexLogisticRegression(alpha=0.05).fit(data["X"], labels)
    assert result["classes"] == model.classes_.tolist() == ["high", "low", "mid"]
    np.testing.assert_allclose(result["coef"], model.coef_, rtol=1e-12)
    np.testing.assert_allclose(result["intercept"], model.intercept_, rtol=1e-12)
    # the CSV has one coefficient column per class
    table, _ = main_ok(capsys, "fit", "logistic", data["multiclass_csv"], "--target",
                       "grade", "--alpha", "0.05", "--standardize")
    rows = list(csv.reader(table.splitlines()))
    assert rows[0] == ["feature", "coefficient[high]", "coefficient[low]",
                       "coefficient[mid]"]
    assert [r[0] for r in rows[1:]] == ["(intercept)", *data["names"]]
    # standardised fits report the model on the raw features: same decisions
    coef = np.array([[float(v) for v in r[1:]] for r in rows[2:]]).T
    intercept = np.array([float(v) for v in rows[1][1:]])
    scaled = (data["X"] - data["X"].mean(0)) / data["X"].std(0)
    std_model = NonconvexLogisticRegression(alpha=0.05).fit(scaled, labels)
    np.testing.assert_allclose(data["X"] @ coef.T + intercept,
                               std_model.decision_function(scaled), atol=1e-9)
    # a single class still gets a message to act on
    one = write_csv(tmp_path / "one.csv", ["a", "y"], [[1.0, 1], [2.0, 1], [3.0, 1]])
    line = main_error(capsys, "fit", "logistic", one, "--target", "y")
    assert "single class" in line and "two or more" in line


@pytest.mark.skipif(not available("poisson"), reason="linear models not built")
def test_poisson_fits_counts_and_refuses_negative_targets(data, tmp_path, capsys):
    from sparsestat.linear_model import NonconvexPoissonRegression

    table, _ = main_ok(capsys, "fit", "poisson", data["counts_csv"], "--target",
                       "visits", "--alpha", "0.05")
    rows = list(csv.reader(table.splitlines()))
    model = NonconvexPoissonRegression(alpha=0.05).fit(data["X"], data["counts"])
    np.testing.assert_allclose([float(r[1]) for r in rows[2:]], model.coef_,
                               rtol=1e-12)
    np.testing.assert_allclose(float(rows[1][1]), model.intercept_, rtol=1e-12)
    out = tmp_path / "cv.json"
    main_ok(capsys, "fit", "poisson", data["counts_csv"], "--target", "visits",
            "--cv", "3", "--output", out)
    assert json.loads(out.read_text())["estimator"] == "NonconvexPoissonRegressionCV"
    line = main_error(capsys, "fit", "poisson", data["regression"], "--target",
                      "response")
    assert "negative" in line and "family lasso" in line


@pytest.mark.parametrize("name", UNSUPERVISED)
def test_target_is_refused_for_unsupervised_families(name, data, tmp_path):
    proc = run("fit", name, data["unsupervised"], "--target", "n0", cwd=tmp_path)
    assert_one_line_error(proc, "unsupervised", "--target")


def test_usage_errors_exit_2(tmp_path):
    proc = run("fit", "ridge", "data.csv", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = run("fit", "lasso", "data.csv", "--alpha", "big", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_demo_prints_a_table(tmp_path):
    from sparsestat._cli import DEMO_COLUMNS, DEMO_METRICS

    proc = run("demo", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    header = [h.strip() for h in lines[0].split("|")]
    assert header == list(DEMO_COLUMNS.values())
    end = lines.index("")  # the legend follows a blank line
    rows = [[c.strip() for c in line.split("|")] for line in lines[2:end]]
    # one row per fit: estimator names are unique
    names = [r[0] for r in rows]
    assert len(names) == len(set(names)) and "NonconvexLasso(penalty='mcp')" in names
    # every estimator of the registry that is not a model selector (CV or
    # information criterion) has a row; the multinomial model has one too
    from sparsestat.utils import all_estimators

    selectors = ("cv", "criterion")
    plain = {name for name, cls in all_estimators()
             if not any(p in inspect.signature(cls).parameters for p in selectors)}
    assert plain <= {name.split("(")[0] for name in names}
    assert any(r[1].startswith("3 classes") for r in rows)
    col = {h: i for i, h in enumerate(header)}
    for r in rows:
        assert r[col["truth"]] and r[col["found"]]
        assert r[col["better"]] == DEMO_METRICS[r[col["metric"]]][0]
        assert re.fullmatch(r"\d+\.\d{3} s", r[col["time"]]), r[col["time"]]
        assert 0 <= float(r[col["F1"]]) <= 1
    legend = "\n".join(lines[end:])
    for metric in {"F1", *(r[col["metric"]] for r in rows)}:
        assert f"{metric} ({DEMO_METRICS[metric][0]} is better): " in legend

