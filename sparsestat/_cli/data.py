"""Reading the data file of ``python -m sparsestat fit``: CSV, .npy and .npz
tables, the split into features and target, and the checks of their values.

Every failure is a :class:`~sparsestat._cli.errors.UserError` naming the
file (and the column or line where it applies).
"""

import csv
import io
import os
import zipfile
import zlib

import numpy as np

from sparsestat._cli.errors import UserError


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
                f"{path}, line {number}: {len(row)} fields, the header has "
                f"{len(header)}")
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


def column_index(names, target, path=""):
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
    j = column_index(names, target, path)
    keep = [k for k in range(len(names)) if k != j]
    return data[:, keep], data[:, j], [names[k] for k in keep]


def check_missing(X, y, feature_names, path):
    """Refuse missing or non-finite feature values (naming the columns) and
    target values."""
    bad = [feature_names[j] for j in np.flatnonzero(~np.isfinite(X).all(axis=0))]
    if bad:
        raise UserError(f"{path}: missing or non-finite values in column(s) "
                        f"{', '.join(map(repr, bad))}")
    if y is not None and y.dtype.kind == "f" and not np.isfinite(y).all():
        raise UserError(f"{path}: missing or non-finite values in the target column")


def check_classes(y, column, path, family):
    """A classifier family fits two classes or more (multinomial): refuse a
    continuous target and a single class with what to do instead."""
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise UserError(f"{path}: missing or non-finite values in the "
                            "target column")
        if not np.all(y == np.round(y)):
            raise UserError(
                f"{path}: target column {column!r} is continuous; family "
                f"{family} needs class labels (use family lasso for a "
                "numeric response)")
    classes = np.unique(y)
    if len(classes) >= 2:
        return
    shown = ", ".join(f"{c:g}" if isinstance(c, float) else str(c)
                      for c in classes.tolist())
    raise UserError(f"{path}: target column {column!r} holds a single "
                    f"class ({shown}); logistic regression needs two or more")


def check_counts(y, column, path, family):
    """A count family (Poisson) needs a non-negative target."""
    negative = int(np.count_nonzero(y < 0))
    if negative:
        raise UserError(
            f"{path}: target column {column!r} has {negative} negative "
            f"value(s); family {family} models counts (non-negative numbers): "
            "use family lasso for a response that can be negative")


def standardize(X, feature_names, path):
    """Centre and scale every feature to unit variance; refuse constant
    columns, whose scale is undefined."""
    mean = X.mean(axis=0)
    std = np.sqrt(((X - mean) ** 2).mean(axis=0))
    flat = [feature_names[j] for j in np.flatnonzero(~(std > 0))]
    if flat:
        raise UserError(f"{path}: --standardize: column(s) "
                        f"{', '.join(map(repr, flat))} are constant")
    return (X - mean) / std, (mean, std)
