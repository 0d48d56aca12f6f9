"""The command line as a new user runs it: subprocesses on real files.

Families are taken from the CLI's own table; a family whose estimator is not
importable in this installation is checked for its one-line error instead.
"""

import csv
import json
import os
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
    return {
        "dir": tmp,
        "names": names,
        "regression": write_csv(tmp / "reg.csv", [*names, "response"],
                                np.column_stack([X, y]).tolist()),
        "classification": write_csv(tmp / "cls.csv", [*names, "label"],
                                    np.column_stack([X, y > 0]).astype(float).tolist()),
        "unsupervised": write_csv(tmp / "nodes.csv", ["n0", "n1", "n2", "n3"],
                                  Z.tolist()),
        "X": X, "y": y,
    }


SUPERVISED = [n for n, f in FIT_FAMILIES.items() if f.supervised]
UNSUPERVISED = [n for n, f in FIT_FAMILIES.items() if not f.supervised]


def _data_file(name, data):
    if not FIT_FAMILIES[name].supervised:
        return data["unsupervised"], []
    if name == "logistic":
        return data["classification"], ["--target", "label"]
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
    # a regression target must stay numeric
    line = main_error(capsys, "fit", "lasso", path, "--target", "status")
    assert "'status' is not numeric" in line


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
    proc = run("demo", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    header = proc.stdout.splitlines()[0]
    for column in ("family", "estimator", "time_s", "metric", "value"):
        assert column in header
    assert "linear_model" in proc.stdout


def test_version(tmp_path):
    import sparsestat

    proc = run("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == (
        f"sparsestat {sparsestat.__version__}")


# --------------------------------------------------------------------------
# nothing of the user's data is lost (issue 17, point 8)


@pytest.mark.skipif(not available("lasso"), reason="linear models not built")
def test_output_that_is_an_input_is_refused(data, tmp_path, capsys, monkeypatch):
    original = data["regression"].read_bytes()
    work = tmp_path / "work"
    work.mkdir()
    (work / "data.csv").write_bytes(original)
    os.symlink("data.csv", work / "link.csv")
    os.link(work / "data.csv", work / "hard.csv")
    (work / "sub").mkdir()
    # the reproducer, as a user runs it
    proc = run("fit", "lasso", "data.csv", "--target", "response", "--output",
               "data.csv", cwd=work)
    assert_one_line_error(proc, "is the input file", "nothing was written")
    monkeypatch.chdir(work)
    cases = [
        ("data.csv", "./data.csv"),
        ("./data.csv", "sub/../data.csv"),
        ("data.csv", str(work / "data.csv")),
        ("data.csv", "link.csv"),      # output is a symlink to the input
        ("link.csv", "data.csv"),      # input is a symlink to the output
        ("data.csv", "hard.csv"),      # a hard link: same file, other name
    ]
    for source, output in cases:
        line = main_error(capsys, "fit", "lasso", source, "--target", "response",
                          "--output", output)
        assert "is the input file" in line, (source, output, line)
        assert (work / "data.csv").read_bytes() == original, (source, output)
        assert os.path.islink(work / "link.csv")
    assert sorted(p.name for p in work.iterdir()) == [
        "data.csv", "hard.csv", "link.csv", "sub"]


@pytest.mark.skipif(not available("lasso"), reason="linear models not built")
def test_output_is_written_atomically(data, tmp_path, capsys, monkeypatch):
    from sparsestat import _cli

    out = tmp_path / "coef.json"
    out.write_text("previous result")

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_cli.os, "replace", failing_replace)
    line = main_error(capsys, "fit", "lasso", data["regression"], "--target",
                      "response", "--output", out)
    assert "cannot write" in line and "No space left" in line
    # the old file is intact and no temporary file is left behind
    assert out.read_text() == "previous result"
    assert [p.name for p in tmp_path.iterdir()] == ["coef.json"]
    monkeypatch.undo()

    # a symlinked output replaces the link's target and keeps the link
    target = tmp_path / "real.csv"
    target.write_text("old")
    os.symlink("real.csv", tmp_path / "alias.csv")
    assert _cli.main(["fit", "lasso", str(data["regression"]), "--target",
                      "response", "--output", str(tmp_path / "alias.csv")]) == 0
    assert os.path.islink(tmp_path / "alias.csv")
    assert target.read_text().startswith("feature,coefficient")
    umask = os.umask(0)
    os.umask(umask)
    assert (target.stat().st_mode & 0o777) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "alias.csv", "coef.json", "real.csv"]


@pytest.mark.skipif(not available("lasso"), reason="linear models not built")
def test_writing_output_says_where(data, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out, _ = main_ok(capsys, "fit", "lasso", data["regression"], "--target",
                     "response", "--output", "coef.json")
    assert out.strip() == (
        f"wrote 4 coefficients and the intercept to {tmp_path / 'coef.json'}")
    if available("mtp2"):
        out, _ = main_ok(capsys, "fit", "mtp2", data["unsupervised"], "--output",
                         "p.csv")
        assert out.strip() == (
            f"wrote a 4 x 4 precision matrix to {tmp_path / 'p.csv'}")


# --------------------------------------------------------------------------
# the options of issue 18, point 13


@pytest.mark.skipif(not available("lasso"), reason="linear models not built")
def test_gamma_and_verbose_reach_the_estimator(data, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SPARSESTAT_PROGRESS", "plain")
    out = tmp_path / "o.json"
    _, err = main_ok(capsys, "fit", "lasso", data["regression"], "--target",
                     "response", "--gamma", "2.5", "--penalty", "scad",
                     "--verbose", "--output", out)
    params = json.loads(out.read_text())["params"]
    assert params["gamma"] == 2.5 and params["verbose"] == 1
    assert "NonconvexLasso(scad" in err  # the estimator's report
    # with the result on stdout, progress still goes to stderr only
    stdout, err = main_ok(capsys, "fit", "lasso", data["regression"], "--target",
                          "response", "--cv", "3", "-v")
    assert stdout.splitlines()[0] == "feature,coefficient"
    assert len(stdout.splitlines()) == 6
    assert "[CV 3 folds" in err


@pytest.mark.skipif(not (available("colide") and available("mtp2")),
                    reason="dag or covariance not built")
def test_noise_and_constraint_reach_the_estimator(data, tmp_path, capsys):
    from sparsestat._cli import main

    out = tmp_path / "o.json"
    assert main(["fit", "colide", str(data["unsupervised"]), "--noise",
                 "nonequal", "--output", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["params"]["noise"] == "nonequal"
    assert len(result["noise_scale"]) == 4  # one scale per node
    assert main(["fit", "mtp2", str(data["unsupervised"]), "--constraint",
                 "diag_dominant", "--output", str(out)]) == 0
    assert json.loads(out.read_text())["params"]["constraint"] == "diag_dominant"
    # an option the family does not have is named
    line = main_error(capsys, "fit", "lasso", data["regression"], "--target",
                      "response", "--noise", "equal")
    assert "family lasso has no option --noise" in line
    line = main_error(capsys, "fit", "colide", data["unsupervised"], "--gamma", "2")
    assert "family colide has no option --gamma" in line


@pytest.mark.skipif(not available("lasso"), reason="linear models not built")
def test_standardize_reports_coefficients_of_the_raw_features(data, tmp_path, capsys):
    from sparsestat.linear_model import NonconvexLasso

    X = data["X"] * [1.0, 100.0, 0.01, 5.0] + [0.0, 50.0, -3.0, 1e3]
    path = write_csv(tmp_path / "scaled.csv", [*data["names"], "response"],
                     np.column_stack([X, data["y"]]).tolist())
    out = tmp_path / "o.json"
    main_ok(capsys, "fit", "lasso", path, "--target", "response", "--alpha",
            "0.05", "--standardize", "--output", out)
    result = json.loads(out.read_text())
    assert result["standardized"] is True
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    model = NonconvexLasso(alpha=0.05).fit(Z, data["y"])
    coef = np.asarray(result["coef"])
    np.testing.assert_allclose(coef * X.std(axis=0), model.coef_, rtol=1e-8,
                               atol=1e-12)
    # same predictions on the raw features as the standardised model
    np.testing.assert_allclose(X @ coef + result["intercept"], model.predict(Z),
                               rtol=1e-8, atol=1e-10)
    constant = write_csv(tmp_path / "const.csv", ["a", "b", "y"],
                         [[1, 0, 1], [1, 1, 2], [1, 2, 2]])
    line = main_error(capsys, "fit", "lasso", constant, "--target", "y",
                      "--standardize")
    assert "--standardize" in line and "'a'" in line and "constant" in line


@pytest.mark.skipif(not available("logistic"), reason="linear models not built")
def test_multiclass_target_says_what_to_do(data, tmp_path, capsys):
    labels = np.array(["a", "b", "c"])[np.arange(80) % 3]
    path = write_csv(tmp_path / "three.csv", [*data["names"], "kind"],
                     [[*map(str, row), lab] for row, lab in zip(data["X"], labels)])
    line = main_error(capsys, "fit", "logistic", path, "--target", "kind")
    assert "'kind' has 3 classes (a, b, c)" in line
    assert "one class against the rest" in line
    numeric = write_csv(tmp_path / "num.csv", ["a", "y"],
                        [[i, i % 4] for i in range(20)])
    line = main_error(capsys, "fit", "logistic", numeric, "--target", "y")
    assert "4 classes (0, 1, 2, 3)" in line
    single = write_csv(tmp_path / "one.csv", ["a", "y"], [[i, 1] for i in range(9)])
    assert "single class" in main_error(capsys, "fit", "logistic", single,
                                        "--target", "y")


# --------------------------------------------------------------------------
# files the reader cannot parse


@pytest.mark.skipif(not available("lasso"), reason="linear models not built")
def test_cr_only_newlines_parse_like_lf(data, tmp_path, capsys):
    lf, _ = main_ok(capsys, "fit", "lasso", data["regression"], "--target",
                    "response", "--alpha", "0.1")
    text = data["regression"].read_text().replace("\r\n", "\n")
    cr = tmp_path / "cr.csv"
    cr.write_bytes(text.replace("\n", "\r").encode())
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(text.replace("\n", "\r\n").encode())
    for path in (cr, crlf):
        out, _ = main_ok(capsys, "fit", "lasso", path, "--target", "response",
                         "--alpha", "0.1")
        assert out == lf


def test_unparsable_files_end_in_one_line(tmp_path, capsys, monkeypatch):
    huge = tmp_path / "huge.csv"
    huge.write_text("a,b,y\n1," + "9" * 200_000 + ",3\n4,5,6\n")
    good = tmp_path / "good.npz"
    np.savez(good, X=np.ones((5, 3)), y=np.arange(5.0))
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(good.read_bytes()[:120])
    truncated = tmp_path / "truncated.npz"  # a valid zip whose member is cut
    truncated.write_bytes(good.read_bytes()[:-40])
    bad_npy = tmp_path / "bad.npy"
    bad_npy.write_bytes(b"\x93NUMPY garbage")
    short = tmp_path / "short.npz"
    np.savez(short, X=np.ones((5, 3)), y=np.arange(5.0), columns=np.array(["a", "b"]))
    long = tmp_path / "long.npz"
    np.savez(long, X=np.ones((5, 3)), columns=np.array(["a", "b", "c", "d"]))
    clash = tmp_path / "clash.npz"
    np.savez(clash, X=np.ones((5, 2)), y=np.arange(5.0), columns=np.array(["y", "b"]))
    cases = [
        (huge, ("huge.csv, line 2", "cannot parse as CSV")),
        (corrupt, ("cannot read", "corrupt.npz")),
        (truncated, ("cannot read", "truncated.npz")),
        (bad_npy, ("cannot read", "bad.npy")),
        (short, ("'columns' holds 2 names but X has 3 columns",)),
        (long, ("'columns' holds 4 names but X has 3 columns",)),
        (clash, ("'columns' names a column 'y'",)),
    ]
    for path, words in cases:
        line = main_error(capsys, "fit", "lasso", path, "--target", "y")
        for word in words:
            assert word in line, (path.name, line)

    # an unreadable file (root reads any file, so the denial is simulated)
    import builtins

    secret = tmp_path / "secret.csv"
    secret.write_text("a,y\n1,2\n")
    real_open = builtins.open

    def denying_open(file, *args, **kwargs):
        if str(file) == str(secret):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", denying_open)
    line = main_error(capsys, "fit", "lasso", secret, "--target", "y")
    assert "cannot read" in line and "Permission denied" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without permission")
def test_unreadable_file_in_a_subprocess(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a,y\n1,2\n")
    secret.chmod(0)
    assert_one_line_error(run("fit", "lasso", secret, "--target", "y",
                              cwd=tmp_path), "cannot read", "Permission denied")
