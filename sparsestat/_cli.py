"""Command line: ``python -m sparsestat demo`` and ``python -m sparsestat fit``.

``demo`` lists every family package that provides ``_demo.run_demo``.
``fit`` maps a family name to an estimator class by module path and class
name, imported only when asked for, so that a family missing from an
installation gives a one-line error instead of breaking the whole command.

User mistakes (missing file, unknown column, non-numeric data, a missing
``--target``, an option the family does not have, data the estimator
rejects, a file that cannot be read or parsed, an output path that is one
of the input files) end in one line on stderr and exit code 1; ``argparse``
usage errors exit with code 2. Outputs are written atomically (a temporary
file in the output's folder, then a rename), so an interrupted or failed
write never leaves a truncated file behind.
"""

import argparse
import contextlib
import csv
import io
import json
import os
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from importlib import import_module

import numpy as np

FAMILIES = ("linear_model", "dag", "covariance", "fractional")
#: keys of a demo row shown in the table (rows also carry "family"), and
#: the header of each
DEMO_COLUMNS = {
    "estimator": "estimator",
    "data": "simulated data",
    "truth": "truth",
    "found": "found",
    "f1": "F1",
    "metric": "metric",
    "value": "value",
    "better": "better",
    "time_s": "time",
}

#: what each metric of the demo table is, and which direction is better
DEMO_METRICS = {
    "F1": ("higher", "agreement of the selected support (non-zero coefficients "
           "or edges) with the truth, 2 TP / (true + found); 1 is perfect"),
    "coef error": ("lower", "||w - w_true||_2 / ||w_true||_2; 0 is perfect"),
    "SHD": ("lower", "structural Hamming distance to the true DAG: edges added, "
            "removed or reversed; 0 is perfect"),
    "precision error": ("lower", "||Theta - Theta_true||_F / ||Theta_true||_F "
                        "of the precision matrix; 0 is perfect"),
    "test accuracy": ("higher", "share of held-out samples classified right "
                      "(the data column counts the training samples)"),
}


@dataclass(frozen=True)
class FitFamily:
    """How ``python -m sparsestat fit NAME`` builds and reports an estimator."""

    module: str
    estimator: str
    cv_estimator: str | None
    supervised: bool
    output: str  # "coefficients", "edges" or "precision"
    summary: str
    labels: bool = False  # a classifier: the target may hold text labels


FIT_FAMILIES = {
    "lasso": FitFamily("sparsestat.linear_model", "NonconvexLasso",
                       "NonconvexLassoCV", True, "coefficients",
                       "least squares with an MCP, SCAD or L1 penalty"),
    "logistic": FitFamily("sparsestat.linear_model", "NonconvexLogisticRegression",
                          "NonconvexLogisticRegressionCV", True, "coefficients",
                          "binary logistic regression with an MCP, SCAD or L1 penalty",
                          labels=True),
    "colide": FitFamily("sparsestat.dag", "CoLiDE", None, False, "edges",
                        "directed acyclic graph of a linear SEM (CoLiDE)"),
    "mtp2": FitFamily("sparsestat.covariance", "MTP2GraphicalModel",
                      "MTP2GraphicalModelCV", False, "precision",
                      "Gaussian graphical model under total positivity"),
    "fractional": FitFamily("sparsestat.fractional", "FractionalSparseRegression",
                            None, True, "coefficients",
                            "sparse regression by a fractional objective"),
}


class UserError(Exception):
    """A mistake of the user's: reported as one line, exit code 1."""


# --------------------------------------------------------------------------
# demo


def _demo_modules():
    for family in FAMILIES:
        try:
            yield family, import_module(f"sparsestat.{family}._demo")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"sparsestat.{family}", f"sparsestat.{family}._demo"):
                raise


def _format_table(rows):
    """The demo table: one line per fit, then what each metric means."""
    header = list(DEMO_COLUMNS.values())
    cells = [[_format_cell(key, row) for key in DEMO_COLUMNS] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    numeric = {"f1", "value", "time_s"}
    def line(values):
        return " | ".join(v.rjust(w) if key in numeric else v.ljust(w)
                          for key, v, w in zip(DEMO_COLUMNS, values, widths)).rstrip()
    lines = [line(header), "-+-".join("-" * w for w in widths)]
    lines += [line(r) for r in cells]
    lines.append("")
    lines.append("truth: the simulated ground truth each fit is compared with; "
                 "found: what the fit selected; time: wall-clock seconds of the "
                 "fit alone.")
    used = ["F1", *dict.fromkeys(row["metric"] for row in rows)]
    for name in used:
        better, meaning = DEMO_METRICS[name]
        lines.append(f"{name} ({better} is better): {meaning}.")
    return "\n".join(lines)


def _format_cell(key, row):
    if key == "better":
        return DEMO_METRICS[row["metric"]][0]
    value = row[key]
    if key == "time_s":
        return f"{value:.3f} s"
    if key == "value" and float(value).is_integer():
        return f"{value:.0f}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def run_demo(random_state=0):
    """Fit every implemented family on simulated data; return the table rows."""
    rows = []
    for _, module in _demo_modules():
        rows.extend(module.run_demo(random_state=random_state))
    return rows


# --------------------------------------------------------------------------
# fit: reading data


def _read_csv(path):
    """Column names and a list of columns (strings) of a CSV with a header."""
    # newline=None (universal newlines) so that files with CR-only line ends
    # (old Mac exports) parse like LF and CRLF files
    try:
        with open(path, newline=None, encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise UserError(f"{path} is not a text CSV file") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    reader = csv.reader(io.StringIO(text))
    try:
        rows = [row for row in reader if row]
    except csv.Error as exc:
        # the csv module's limit (128 KiB per cell) is far beyond any number
        raise UserError(f"{path}, line {reader.line_num}: cannot parse as CSV "
                        f"({exc})") from None
    if not rows:
        raise UserError(f"{path} is empty")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    if not body:
        raise UserError(f"{path} has a header row but no data rows")
    if len(set(header)) != len(header):
        raise UserError(f"{path} has duplicated column names")
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise UserError(
                f"{path}, line {number}: {len(row)} fields, the header has {len(header)}")
    return header, body


def as_float(path, names, block):
    """A table block as float64; a non-numeric cell is a one-line error
    naming the column, the value and the line. Empty cells become NaN."""
    if block.dtype != object:
        return np.asarray(block, dtype=np.float64)
    out = np.empty(block.shape)
    for j, name in enumerate(names):
        for i, cell in enumerate(block[:, j]):
            try:
                out[i, j] = float(cell) if cell else np.nan
            except ValueError:
                raise UserError(
                    f"{path}: column {name!r} is not numeric (value {cell!r} on "
                    f"line {i + 2})") from None
    return out


def _read_numpy(path, suffix):
    """``(array, names or None)`` of a .npy or .npz file; any failure to read
    or decompress it is a one-line error."""
    try:
        loaded = np.load(path, allow_pickle=False)
        if suffix == ".npy":
            return loaded, None
        with loaded:
            arrays = {key: loaded[key] for key in loaded.files}
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile,
            zlib.error) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise UserError(f"cannot read {path}: {reason}") from None
    if "X" not in arrays:
        if len(arrays) == 1:
            return np.asarray(next(iter(arrays.values()))), None
        raise UserError(
            f"{path} holds arrays {sorted(arrays)}; expected 'X' (and "
            "optionally 'y', 'columns') or a single array")
    data = np.asarray(arrays["X"])
    if data.ndim != 2:
        raise UserError(f"{path}: X must be a 2-D array, got {data.ndim}-D")
    names = [f"x{j}" for j in range(data.shape[1])]
    if "columns" in arrays:
        columns = np.asarray(arrays["columns"])
        if columns.ndim != 1 or len(columns) != data.shape[1]:
            raise UserError(
                f"{path}: 'columns' holds {columns.size} names but X has "
                f"{data.shape[1]} columns")
        names = [str(c) for c in columns]
    if "y" in arrays:
        y = np.asarray(arrays["y"])
        if y.ndim != 1 or len(y) != len(data):
            raise UserError(f"{path}: y must be 1-D with one value per row of X "
                            f"(X has {len(data)} rows, y has shape {y.shape})")
        if "y" in names:
            raise UserError(f"{path}: 'columns' names a column 'y', the name of "
                            "the target array")
        data, names = np.column_stack([data, y]), [*names, "y"]
    return data, names


def read_table(path):
    """``(data, column_names)`` from a CSV (header row), .npy or .npz file.

    CSV cells stay strings (an object array) until :func:`as_float`
    converts them, so that a classifier's target may hold text labels.

    An .npz file holds either one 2-D array or arrays ``X`` and optionally
    ``y`` (then the target column is named ``y``) and ``columns`` (names of
    X's columns).
    """
    if not os.path.exists(path):
        raise UserError(f"no such file: {path}")
    if os.path.isdir(path):
        raise UserError(f"{path} is a directory, not a data file")
    suffix = os.path.splitext(path)[1].lower()
    if suffix in (".npy", ".npz"):
        data, names = _read_numpy(path, suffix)
        if data.ndim != 2:
            raise UserError(f"{path}: expected a 2-D array, got {data.ndim}-D")
        if data.dtype.kind not in "biuf":
            raise UserError(f"{path}: array of dtype {data.dtype} is not numeric")
        names = names or [f"x{j}" for j in range(data.shape[1])]
        if len(set(names)) != len(names):
            raise UserError(f"{path} has duplicated column names")
        return np.asarray(data, dtype=np.float64), names
    header, body = _read_csv(path)
    cells = np.empty((len(body), len(header)), dtype=object)
    cells[:] = [[cell.strip() for cell in row] for row in body]
    return cells, header


def _column(names, target, path=""):
    """Index of the target column, given by name or 0-based index."""
    if target in names:
        return names.index(target)
    try:
        j = int(target)
    except ValueError:
        raise UserError(
            f"{path}: no column named {target!r} (columns: {', '.join(names)})"
        ) from None
    if not -len(names) <= j < len(names):
        raise UserError(f"{path}: column index {j} out of range "
                        f"(there are {len(names)} columns)")
    return j % len(names)


def split_target(data, names, target, path):
    """``(X, y, feature_names)``; ``target`` is a column name or a 0-based index."""
    j = _column(names, target, path)
    keep = [k for k in range(len(names)) if k != j]
    return data[:, keep], data[:, j], [names[k] for k in keep]


def _check_missing(X, y, feature_names, path):
    bad = [feature_names[j] for j in np.flatnonzero(~np.isfinite(X).all(axis=0))]
    if bad:
        raise UserError(f"{path}: missing or non-finite values in column(s) "
                        f"{', '.join(map(repr, bad))}")
    if y is not None and y.dtype.kind == "f" and not np.isfinite(y).all():
        raise UserError(f"{path}: missing or non-finite values in the target column")


# --------------------------------------------------------------------------
# fit: estimator


def load_estimator_class(name, family, cv):
    class_name = family.cv_estimator if cv else family.estimator
    if cv and class_name is None:
        raise UserError(f"family {name} has no cross-validated estimator (--cv)")
    try:
        module = import_module(family.module)
        return getattr(module, class_name)
    except (ImportError, AttributeError):
        raise UserError(
            f"family {name} is not available in this installation "
            f"({family.module}.{class_name} cannot be imported)") from None


def build_estimator(name, family, args):
    cls = load_estimator_class(name, family, args.cv is not None)
    params = cls().get_params()
    chosen = {}
    if args.cv is not None:
        if args.alpha is not None:
            raise UserError("--alpha and --cv exclude each other: with --cv, "
                            "alpha is chosen by cross-validation")
        if args.cv < 2:
            raise UserError(f"--cv must be at least 2, got {args.cv}")
        chosen["cv"] = args.cv
    elif args.alpha is not None:
        chosen["alpha"] = args.alpha
    for option in ("penalty", "gamma", "noise", "constraint"):
        value = getattr(args, option)
        if value is not None:
            chosen[option] = value
    if args.verbose:
        chosen["verbose"] = args.verbose
    for key in chosen:
        if key not in params:
            raise UserError(f"family {name} has no option --{key}")
    return cls(**chosen)


# --------------------------------------------------------------------------
# fit: results


def _result(name, family, est, feature_names, n_samples, scale=None):
    """The JSON-able result; ``scale = (mean, std)`` when the features were
    standardised, so that coefficients are reported on the original scale."""
    result = {
        "family": name,
        "estimator": type(est).__name__,
        "params": {k: v for k, v in est.get_params().items()
                   if isinstance(v, (int, float, str, bool)) or v is None},
        "n_samples": int(n_samples),
        "features": list(feature_names),
        "standardized": scale is not None,
    }
    for attr in ("alpha_", "gamma_", "n_iter_", "noise_scale_"):
        value = getattr(est, attr, None)
        if value is not None:
            result[attr.rstrip("_")] = np.asarray(value).tolist()
    classes = getattr(est, "classes_", None)
    if classes is not None:
        result["classes"] = np.asarray(classes).tolist()
    if family.output == "coefficients":
        # ravel: a binary classifier's coef_ may be (1, n_features)
        coef = np.ravel(est.coef_).astype(float)
        intercept = float(np.ravel(getattr(est, "intercept_", 0.0))[0])
        if scale is not None:
            # w'(x - m)/s + b = (w/s)'x + b - (w/s)'m: the model on raw features
            mean, std = scale
            coef = coef / std
            intercept -= float(coef @ mean)
        result["coef"] = coef.tolist()
        result["intercept"] = intercept
    elif family.output == "edges":
        W = np.asarray(est.coef_, dtype=float)
        if getattr(est, "adjacency_", None) is not None:
            # the thresholded, acyclic graph: edges are what adjacency_ keeps
            W = np.where(np.asarray(est.adjacency_, dtype=bool), W, 0.0)
        result["edges"] = [
            {"source": feature_names[i], "target": feature_names[j],
             "weight": float(W[i, j])} for i, j in zip(*np.nonzero(W))]
    else:
        P = np.asarray(est.precision_, dtype=float)
        result["precision"] = P.tolist()
        result["edges"] = [
            {"source": feature_names[i], "target": feature_names[j],
             "weight": float(P[i, j])}
            for i, j in zip(*np.nonzero(np.triu(P, 1)))]
    return result


def _csv_text(result, family):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if family.output == "coefficients":
        writer.writerow(["feature", "coefficient"])
        writer.writerow(["(intercept)", repr(result["intercept"])])
        writer.writerows([f, repr(c)] for f, c in zip(result["features"], result["coef"]))
    elif family.output == "edges":
        writer.writerow(["source", "target", "weight"])
        writer.writerows([e["source"], e["target"], repr(e["weight"])]
                         for e in result["edges"])
    else:
        writer.writerow(["", *result["features"]])
        writer.writerows([f, *map(repr, row)]
                         for f, row in zip(result["features"], result["precision"]))
    return out.getvalue()


def write_result(result, family, output):
    """Write ``result`` to ``output`` (stdout when None); return the path
    written, or None."""
    if output is None:
        sys.stdout.write(_csv_text(result, family))
        return None
    suffix = os.path.splitext(output)[1].lower()
    text = (json.dumps(result, indent=2) + "\n" if suffix == ".json"
            else _csv_text(result, family))
    # through a symlink, replace its target, not the link
    target = os.path.realpath(output)
    _write_atomically(target, text, output)
    return target


def _write_atomically(target, text, shown):
    """Write ``text`` to a temporary file next to ``target``, then rename it
    over ``target``: readers see the old file or the new one, never half."""
    folder = os.path.dirname(target) or "."
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.",
                                   suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates the file 0600; give it the mode open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise UserError(f"cannot write {shown}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _check_output(output, inputs):
    """Refuse an output path that is, or resolves to, one of the inputs
    (same path, ``./`` prefix, symlink or hard link): writing it would
    destroy the data."""
    if not output.lower().endswith((".json", ".csv")):
        raise UserError(f"--output must end in .json or .csv, got {output}")
    if os.path.isdir(output):
        raise UserError(f"cannot write {output}: it is a directory")
    for path in inputs:
        same = os.path.realpath(output) == os.path.realpath(path)
        if not same and os.path.exists(output) and os.path.exists(path):
            try:
                same = os.path.samefile(output, path)
            except OSError:
                pass
        if same:
            raise UserError(f"--output {output} is the input file {path}; "
                            "choose another output path (nothing was written)")


def run_fit(args):
    family = FIT_FAMILIES[args.family]
    if args.output is not None:
        _check_output(args.output, [args.data])
    data, names = read_table(args.data)
    if family.supervised:
        if args.target is None:
            raise UserError(f"family {args.family} is supervised: give the "
                            "response column with --target COL")
        X, y, feature_names = split_target(data, names, args.target, args.data)
        X = as_float(args.data, feature_names, X)
        if family.labels:
            if y.dtype == object:
                try:
                    y = as_float(args.data, ["(target)"], y[:, None]).ravel()
                except UserError:  # text class labels
                    if not all(y):
                        raise UserError(f"{args.data}: missing values in the "
                                        "target column") from None
                    y = y.astype(str)
            _check_binary(y, names[_column(names, args.target)], args)
        else:
            y = as_float(args.data, [names[_column(names, args.target)]],
                         y[:, None]).ravel()
    else:
        if args.target is not None:
            raise UserError(f"family {args.family} is unsupervised: --target "
                            "does not apply")
        X, y, feature_names = as_float(args.data, names, data), None, names
    _check_missing(X, y, feature_names, args.data)
    # imported only now: reading the data needs numpy alone
    est = build_estimator(args.family, family, args)
    scale = None
    if args.standardize:
        X, scale = _standardize(X, feature_names, args.data)
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            # verbose reports go to stderr: stdout may carry the CSV result
            with contextlib.redirect_stdout(sys.stderr):
                est.fit(X) if y is None else est.fit(X, y)
        except (ValueError, TypeError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise UserError(f"cannot fit {type(est).__name__}: "
                            f"{first or type(exc).__name__}") from None
    for warning in caught:
        if issubclass(warning.category, ConvergenceWarning):
            print(f"warning: {warning.message}", file=sys.stderr)
    result = _result(args.family, family, est, feature_names, len(X), scale)
    written = write_result(result, family, args.output)
    if written is not None:
        if family.output == "coefficients":
            what = f"{len(result['coef'])} coefficients and the intercept"
        elif family.output == "edges":
            what = f"{len(result['edges'])} edges"
        else:
            what = f"a {len(feature_names)} x {len(feature_names)} precision matrix"
        print(f"wrote {what} to {written}")


def _check_binary(y, column, args):
    """A classifier family fits two classes: say what to do with more."""
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise UserError(f"{args.data}: missing or non-finite values in the "
                            "target column")
        if not np.all(y == np.round(y)):
            raise UserError(
                f"{args.data}: target column {column!r} is continuous; family "
                f"{args.family} needs two class labels (use family lasso for a "
                "numeric response)")
    classes = np.unique(y)
    if len(classes) == 2:
        return
    shown = ", ".join(f"{c:g}" if isinstance(c, float) else str(c)
                      for c in classes[:5].tolist()) + (", ..." if len(classes) > 5 else "")
    if len(classes) < 2:
        raise UserError(f"{args.data}: target column {column!r} holds a single "
                        f"class ({shown}); logistic regression needs two")
    raise UserError(
        f"{args.data}: target column {column!r} has {len(classes)} classes "
        f"({shown}); family {args.family} fits two: keep the rows of two classes, "
        f"or make a 0/1 column (one class against the rest) and pass it as --target")


def _standardize(X, feature_names, path):
    """Centre and scale every feature to unit variance; refuse constant
    columns, whose scale is undefined."""
    mean = X.mean(axis=0)
    std = np.sqrt(((X - mean) ** 2).mean(axis=0))
    flat = [feature_names[j] for j in np.flatnonzero(~(std > 0))]
    if flat:
        raise UserError(f"{path}: --standardize: column(s) "
                        f"{', '.join(map(repr, flat))} are constant")
    return (X - mean) / std, (mean, std)


# --------------------------------------------------------------------------
# argument parsing


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m sparsestat",
        description="sparsestat: sparse statistical estimators.",
    )
    parser.add_argument("--version", action="version",
                        version=f"sparsestat {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="fit every family on built-in simulated data and print a table"
    )
    demo.add_argument("--random-state", type=int, default=0,
                      help="seed of the simulated data (default 0)")
    families = "\n".join(f"  {k:<11} {f.module}.{f.estimator}: {f.summary}"
                         for k, f in FIT_FAMILIES.items())
    fit = sub.add_parser(
        "fit", help="fit one family on a data file and write the result",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Fit one estimator family on a data file.\n\nfamilies:\n" + families
            + "\n\noutputs: coefficients (lasso, logistic, fractional), an edge "
            "list\n(colide), a precision matrix and its edges (mtp2)."),
        epilog=(
            "examples:\n"
            "  python -m sparsestat fit lasso data.csv --target y --alpha 0.1\n"
            "  python -m sparsestat fit logistic data.csv --target label --cv 5 "
            "--output coef.json\n"
            "  python -m sparsestat fit mtp2 returns.npy --output precision.csv"),
    )
    fit.add_argument("family", choices=FIT_FAMILIES, metavar="FAMILY",
                     help="one of: " + ", ".join(FIT_FAMILIES))
    fit.add_argument("data", metavar="DATA",
                     help="a CSV file with a header row, a .npy file (2-D array) "
                     "or a .npz file (arrays X [, y, columns] or a single array)")
    fit.add_argument("--target", metavar="COL",
                     help="response column (name, or 0-based index); required for "
                     "supervised families (lasso, logistic, fractional), every "
                     "other column is a feature")
    fit.add_argument("--alpha", type=float, metavar="A",
                     help="regularisation strength (default: the estimator's)")
    fit.add_argument("--penalty", metavar="P",
                     help="penalty, e.g. mcp, scad or l1 (families that have one)")
    fit.add_argument("--gamma", type=float, metavar="G",
                     help="concavity of the MCP/SCAD penalty (lasso, logistic, "
                     "mtp2)")
    fit.add_argument("--noise", choices=("equal", "nonequal"),
                     help="colide: one noise scale for every node (equal) or one "
                     "per node (nonequal)")
    fit.add_argument("--constraint", choices=("m_matrix", "diag_dominant"),
                     help="mtp2: precision matrix an M-matrix (m_matrix) or a "
                     "diagonally dominant M-matrix (diag_dominant)")
    fit.add_argument("--standardize", action="store_true",
                     help="scale every feature to mean 0 and variance 1 before "
                     "fitting; coefficients are reported for the original "
                     "features, graphs and precision matrices for the "
                     "standardised ones")
    fit.add_argument("-v", "--verbose", action="count", default=0,
                     help="show progress on stderr (repeat for more detail)")
    fit.add_argument("--cv", type=int, metavar="K",
                     help="choose alpha by K-fold cross-validation (families with "
                     "a CV estimator: lasso, logistic, mtp2)")
    fit.add_argument("--output", metavar="OUT",
                     help="write the result to OUT.json (everything) or OUT.csv "
                     "(coefficients, edge list or precision matrix), atomically; "
                     "never one of the input files; default: CSV on standard "
                     "output")
    return parser


def _version():
    from sparsestat import __version__

    return __version__


def main(argv=None):
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            print(_format_table(run_demo(args.random_state)))
        else:
            run_fit(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
