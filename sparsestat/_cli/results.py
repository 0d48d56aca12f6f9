"""The results of ``python -m sparsestat fit``: the JSON-able record of a
fitted estimator, its CSV form, and the atomic write to the output path.

Outputs are written atomically (a temporary file in the output's folder,
then a rename), so an interrupted or failed write never leaves a truncated
file behind.
"""

import csv
import io
import json
import os
import sys
import tempfile

import numpy as np

from sparsestat._cli.errors import UserError


def fit_result(name, family, est, feature_names, n_samples, scale=None):
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
        # a binary classifier's coef_ is (1, n_features): one flat row; a
        # multinomial one has a row per class (and an intercept per class)
        coef = np.asarray(est.coef_, dtype=float)
        intercept = np.ravel(np.asarray(getattr(est, "intercept_", 0.0), dtype=float))
        if coef.ndim == 1 or coef.shape[0] == 1:
            coef, intercept = coef.ravel(), intercept[:1]
        if scale is not None:
            # w'(x - m)/s + b = (w/s)'x + b - (w/s)'m: the model on raw features
            mean, std = scale
            coef = coef / std
            intercept = intercept - coef @ mean
        result["coef"] = coef.tolist()
        result["intercept"] = (float(intercept[0]) if coef.ndim == 1
                               else intercept.tolist())
    elif family.output == "edges":
        W = np.asarray(est.coef_, dtype=float)
        if getattr(est, "adjacency_", None) is not None:
            # the thresholded, acyclic graph: edges are what adjacency_ keeps
            W = np.where(np.asarray(est.adjacency_, dtype=bool), W, 0.0)
        result["edges"] = [
            {"source": feature_names[i], "target": feature_names[j],
             "weight": float(W[i, j])} for i, j in zip(*np.nonzero(W), strict=True)]
    else:
        P = np.asarray(est.precision_, dtype=float)
        result["precision"] = P.tolist()
        result["edges"] = [
            {"source": feature_names[i], "target": feature_names[j],
             "weight": float(P[i, j])}
            for i, j in zip(*np.nonzero(np.triu(P, 1)), strict=True)]
    return result


def _csv_text(result, family):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if family.output == "coefficients" and isinstance(result["intercept"], list):
        # multinomial: one column per class
        writer.writerow(["feature", *(f"coefficient[{c}]" for c in result["classes"])])
        writer.writerow(["(intercept)", *map(repr, result["intercept"])])
        writer.writerows([f, *map(repr, column)] for f, column in
                         zip(result["features"], zip(*result["coef"]), strict=True))
    elif family.output == "coefficients":
        writer.writerow(["feature", "coefficient"])
        writer.writerow(["(intercept)", repr(result["intercept"])])
        writer.writerows([f, repr(c)] for f, c in
                         zip(result["features"], result["coef"], strict=True))
    elif family.output == "edges":
        writer.writerow(["source", "target", "weight"])
        writer.writerows([e["source"], e["target"], repr(e["weight"])]
                         for e in result["edges"])
    else:
        writer.writerow(["", *result["features"]])
        writer.writerows([f, *map(repr, row)]
                         for f, row in zip(result["features"], result["precision"],
                                           strict=True))
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


def check_output(output, inputs):
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
