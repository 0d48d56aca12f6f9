"""Registry-driven helpers of the reliability suites, and their subprocess worker.

Everything here is derived from ``sparsestat.utils.all_estimators()`` and from
each estimator's tags (regressor, classifier or unsupervised; sparse input
accepted or not) and ``_parameter_constraints``: no estimator is named here,
so a family joins the suites when its package exports it.

Worker usage (what tests/test_bad_input.py runs, one process per estimator)::

    python -m tests._reliability NAME              # every case, one JSON line each
    python -m tests._reliability NAME CASE ...     # the named cases
"""

import inspect
import json
import os
import pickle
import sys
import traceback
import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.utils import get_tags
from sklearn.utils._param_validation import Interval

from sparsestat.utils import all_estimators
from tests._suite_params import DATA_SHAPE, DEFAULT_SHAPE, FAST_PARAMS, GRIDS

# --------------------------------------------------------------------------
# Estimators, kinds and tiny data


def registry():
    """``{name: class}`` of every public estimator."""
    return dict(all_estimators())


def _check_params(name):
    try:
        from tests.test_common import CHECK_PARAMS
    except ImportError:  # pragma: no cover - test_common always exists
        return {}
    return CHECK_PARAMS.get(name, {})


def make_estimator(name, cls=None, **params):
    """The estimator with the suites' fast settings, then ``params``."""
    cls = cls or registry()[name]
    return cls(**{**_check_params(name), **FAST_PARAMS.get(name, {}), **params})


def kind(cls):
    """``"regressor"``, ``"classifier"`` or ``"unsupervised"``."""
    est = cls()
    if is_classifier(est):
        return "classifier"
    if is_regressor(est):
        return "regressor"
    return "unsupervised"


def accepts_sparse(cls):
    return bool(get_tags(cls()).input_tags.sparse)


def positive_target(cls):
    """Whether the regressor takes non-negative targets only (Poisson:
    scikit-learn's ``target_tags.positive_only``)."""
    return bool(get_tags(cls()).target_tags.positive_only)


def counts_like(score, rng):
    """Poisson counts with log-mean ``1 + 2 score / max |score|`` (means
    from e^-1 to e^3 whatever the scale of ``score``), for the regressors
    of non-negative targets."""
    score = np.asarray(score, dtype=np.float64)
    top = float(np.max(np.abs(score), initial=0.0))
    top = top if np.isfinite(top) and top > 0 else 1.0
    return rng.poisson(np.exp(1.0 + 2.0 * score / top)).astype(np.float64)


def fit_accepts(cls, argument):
    return argument in inspect.signature(cls.fit).parameters


def make_data(name, kind_, random_state=0, n_samples=None, n_features=None,
              dtype=np.float64):
    """Tiny, well-posed data of the estimator's kind: ``(X, y)``, y None
    for unsupervised estimators.

    Regression: a sparse linear model plus noise. Classification: its sign,
    with both classes present. Unsupervised: a chain structural equation
    model with positive weights (a DAG for structure learning, and a
    positively dependent Gaussian for graphical models under total
    positivity).
    """
    n_default, p_default = DATA_SHAPE.get(name, DEFAULT_SHAPE)
    n = n_samples or n_default
    p = n_features or p_default
    rng = np.random.default_rng(random_state)
    X = rng.standard_normal((n, p))
    if kind_ == "unsupervised":
        for j in range(1, p):
            X[:, j] += 0.6 * X[:, j - 1]
        return X.astype(dtype), None
    w = np.zeros(p)
    w[: min(3, p)] = [1.5, -1.0, 0.8][: min(3, p)]
    score = X @ w + 0.3 * rng.standard_normal(n)
    if kind_ == "regressor":
        if name in registry() and positive_target(registry()[name]):
            score = counts_like(score, rng)
        return X.astype(dtype), score.astype(dtype)
    y = (score > np.median(score)).astype(np.int64)
    return X.astype(dtype), y


def fit(est, X, y, **fit_params):
    if y is None:
        return est.fit(X, **fit_params)
    return est.fit(X, y, **fit_params)


_METHODS = ("predict", "decision_function", "predict_proba", "transform",
            "score_samples", "mahalanobis")


def outputs(est, X, y=None):
    """Every numeric output of a fitted estimator: prediction-like methods on
    ``X``, ``score``, and numeric fitted attributes (names ending in ``_``)."""
    out = {}
    for method in _METHODS:
        if hasattr(est, method):
            out[method] = np.asarray(getattr(est, method)(X))
    if hasattr(est, "score"):
        out["score"] = np.asarray(est.score(X) if y is None else est.score(X, y))
    for attr, value in vars(est).items():
        if not attr.endswith("_") or attr.startswith("_"):
            continue
        if sp.issparse(value):
            value = value.toarray()
        if isinstance(value, (Real, np.ndarray)) and not isinstance(value, bool):
            arr = np.asarray(value)
            if arr.dtype.kind in "biuf":
                out[attr] = arr
    return out


# Fitted attributes whose infinite value is meaningful: MTP2's gamma_ is inf
# for penalty="l1", the L1 limit of MCP/SCAD.
INFINITE_ALLOWED = ("gamma_",)


def nonfinite(out):
    return sorted(k for k, v in out.items()
                  if v.dtype.kind == "f" and not np.all(np.isfinite(v))
                  and not (k in INFINITE_ALLOWED and not np.any(np.isnan(v))))


# --------------------------------------------------------------------------
# Numeric hyper-parameters from _parameter_constraints


@dataclass
class NumericParam:
    name: str
    interval: Interval


def numeric_params(cls):
    """Hyper-parameters constrained to a numeric interval."""
    found = []
    for name, constraints in sorted(cls._parameter_constraints.items()):
        intervals = [c for c in constraints if isinstance(c, Interval)]
        if intervals:
            found.append(NumericParam(name, intervals[0]))
    return found


def option_params(cls, skip_values=()):
    """``{name: options}`` of the string-option and boolean hyper-parameters
    (penalty, solver, fit_intercept, ...): the fuzzer draws them, so every
    kernel an estimator can reach is exercised."""
    from sklearn.utils._param_validation import StrOptions

    found = {}
    for name, constraints in sorted(cls._parameter_constraints.items()):
        options = []
        for c in constraints:
            if isinstance(c, StrOptions):
                options += sorted(o for o in c.options
                                  if o not in c.deprecated and o not in skip_values)
            elif c == "boolean":
                options += [False, True]
        if options:
            found[name] = options
    return found


def _excludes_negative(param, cls):
    others = cls._parameter_constraints[param.name]
    intervals = [c for c in others if isinstance(c, Interval)]
    # "cv_object" and similar accept integers without an interval of ours
    loose = [c for c in others if c in ("cv_object", Integral, Real, "array-like")]
    return not loose and all(i.left is not None and i.left >= 0 for i in intervals)


def default_grid(name, cls):
    """GridSearchCV grid of one numeric hyper-parameter (see _suite_params)."""
    if name in GRIDS:
        return GRIDS[name]
    defaults = cls().get_params()
    candidates = [p.name for p in numeric_params(cls)
                  if p.interval.type is Real and isinstance(defaults.get(p.name), Real)
                  and defaults[p.name] > 0]
    param = "alpha" if "alpha" in candidates else (candidates or [None])[0]
    if param is None:
        return None
    value = float(defaults[param])
    return {param: [value / 2, value]}


# --------------------------------------------------------------------------
# Bad-input cases


@dataclass
class Case:
    """One bad input. ``expect`` is "error" (a ValueError/TypeError whose
    message matches ``match``), "finite" (a fit with finite outputs) or
    "either" (one or the other); ``expect`` and ``match`` may also be
    functions of the context (the estimator's kind, sparse support...)."""

    name: str
    build: object  # ctx -> (X, y, fit_params, params, X_predict or None)
    expect: str = "either"
    match: object = ""  # str, or ctx -> str
    applies: object = None  # ctx -> bool
    # outputs computed by scikit-learn's metrics, undefined for this input
    # (R^2 of one sample; R^2 of y ~ 1e300 overflows inside sklearn)
    ignore: tuple = ()


def _with(X=None, y=None, fit_params=None, params=None, X_predict=None):
    return X, y, fit_params or {}, params or {}, X_predict


def _memmap(X):
    import tempfile

    path = os.path.join(tempfile.mkdtemp(prefix="sparsestat_"), "X.dat")
    mm = np.memmap(path, dtype=X.dtype, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    return np.memmap(path, dtype=X.dtype, mode="r", shape=X.shape)


def _set(X, value, where=(0, 0)):
    X = X.astype(float)
    X[where] = value
    return X


def _sup(ctx):
    return ctx["kind"] != "unsupervised"


def _sw(ctx):
    return ctx["sample_weight"]


_SPARSE_FORMATS = ("csr", "csc", "coo", "lil", "dok", "bsr", "dia")


def _sparse_case(fmt):
    def build(ctx):
        return _with(sp.random(*ctx["X"].shape, density=0.6, format=fmt,
                               random_state=0) + sp.eye(*ctx["X"].shape,
                                                        format=fmt),
                     ctx["y"])

    def expect_for(ctx):
        return "finite" if ctx["sparse"] else "error"

    return Case(f"sparse_{fmt}", build, expect=expect_for, match="sparse|dense")


# --------------------------------------------------------------------------
# Sparse structure: legal but non-canonical storage, and corrupt structure
# (out-of-range or negative indices, a broken indptr) that compiled code
# must never read. An estimator without sparse support rejects all of them
# with its TypeError before looking at the structure.


def _csc(ctx):
    return sp.csc_matrix(ctx["X"])


def _duplicated_entries(ctx):
    """Every entry stored twice (2/3 + 1/3 of the value): legal in scipy,
    and equal to X once the duplicates are summed."""
    C = _csc(ctx)
    data = np.column_stack([C.data * (2 / 3), C.data / 3]).ravel()
    return sp.csc_matrix((data, np.repeat(C.indices, 2), C.indptr * 2),
                         shape=C.shape)


def _unsorted_indices(ctx):
    C = _csc(ctx)
    for j in range(C.shape[1]):
        part = slice(C.indptr[j], C.indptr[j + 1])
        C.indices[part] = C.indices[part][::-1]
        C.data[part] = C.data[part][::-1]
    C.has_sorted_indices = False
    return C


def _int64_indices(ctx, fmt="csc"):
    M = sp.csc_matrix(ctx["X"]) if fmt == "csc" else sp.csr_matrix(ctx["X"])
    M.indices = M.indices.astype(np.int64)
    M.indptr = M.indptr.astype(np.int64)
    return M


def _corrupt(ctx, fmt, part, position, value):
    """A matrix whose ``part`` array has ``value`` at ``position`` (set after
    construction, as a buggy producer would)."""
    M = {"csc": sp.csc_matrix, "csr": sp.csr_matrix, "coo": sp.coo_matrix}[fmt](ctx["X"])
    getattr(M, part)[position] = value
    return M


_STRUCTURE_MATCH = r"indices|indptr|index|structure|row|col|out of|range|bound"


def _valid_storage(ctx):
    return "finite" if ctx["sparse"] else "error"


def _structure_match(ctx):
    return _STRUCTURE_MATCH if ctx["sparse"] else "sparse|dense"


def _structure_case(name, make, valid):
    return Case(name, lambda c: _with(make(c), c["y"]),
                expect=_valid_storage if valid else "error",
                match=(lambda c: "sparse|dense" if not c["sparse"] else "")
                if valid else _structure_match)


def sparse_structure_cases():
    return [
        _structure_case("sparse_duplicate_entries", _duplicated_entries, True),
        _structure_case("sparse_unsorted_indices", _unsorted_indices, True),
        _structure_case("sparse_int64_indices_csc", _int64_indices, True),
        _structure_case("sparse_int64_indices_csr",
                        lambda c: _int64_indices(c, "csr"), True),
        _structure_case("sparse_index_too_large_csc",
                        lambda c: _corrupt(c, "csc", "indices", 3, 10**7), False),
        _structure_case("sparse_index_negative_csc",
                        lambda c: _corrupt(c, "csc", "indices", 3, -5), False),
        _structure_case("sparse_index_too_large_csr",
                        lambda c: _corrupt(c, "csr", "indices", 3, 10**7), False),
        _structure_case("sparse_index_negative_csr",
                        lambda c: _corrupt(c, "csr", "indices", 3, -5), False),
        _structure_case("sparse_row_too_large_coo",
                        lambda c: _corrupt(c, "coo", "row", 3, 10**7), False),
        _structure_case("sparse_indptr_decreasing",
                        lambda c: _corrupt(c, "csc", "indptr", 2, 1), False),
        _structure_case("sparse_indptr_end_past_data",
                        lambda c: _corrupt(c, "csc", "indptr", -1,
                                           c["X"].size + 50), False),
        _structure_case("sparse_indptr_start_not_zero",
                        lambda c: _corrupt(c, "csc", "indptr", 0, 2), False),
    ]


# --------------------------------------------------------------------------
# Sample weights (beyond the basic cases): extreme magnitudes, a single bad
# entry, and cross-validation folds without weight


def _weights(ctx, values):
    return _with(ctx["X"], ctx["y"], {"sample_weight": values})


def _one(ctx, value):
    sw = np.ones(len(ctx["X"]))
    sw[1] = value
    return sw


def _cv(ctx):
    return _sw(ctx) and "cv" in inspect.signature(registry()[ctx["name"]]).parameters


def _fold_weights(ctx, test_fold_empty):
    """Weights for unshuffled 3-fold CV: zero on the first third (its test
    fold has no weight), or only on the first third (the training part of
    that fold has no weight)."""
    from sklearn.model_selection import KFold

    n = len(ctx["X"])
    first = np.arange(n) < n // 3
    sw = np.where(first, 0.0, 1.0) if test_fold_empty else np.where(first, 1.0, 0.0)
    return _with(ctx["X"], ctx["y"], {"sample_weight": sw},
                 params={"cv": KFold(3)})


def weight_cases():
    return [
        Case("sample_weight_inf", lambda c: _weights(c, _one(c, np.inf)),
             "error", "inf|finite", applies=_sw),
        Case("sample_weight_one_negative", lambda c: _weights(c, _one(c, -1.0)),
             "error", "negative|weight", applies=_sw),
        Case("sample_weight_2d", lambda c: _weights(c, np.ones((len(c["X"]), 2))),
             "error", "weight|shape|1d|dim", applies=_sw),
        Case("sample_weight_strings", lambda c: _weights(
            c, np.full(len(c["X"]), "a")), "error", "weight|numeric|float|string",
            applies=_sw),
        # the sum of n weights of 1e308 overflows: normalisation must not
        Case("sample_weight_1e308", lambda c: _weights(
            c, np.full(len(c["X"]), 1e308)), "either", "weight", applies=_sw),
        Case("sample_weight_1e-308", lambda c: _weights(
            c, np.full(len(c["X"]), 1e-308)), "either", "weight", applies=_sw),
        Case("sample_weight_mixed_1e300", lambda c: _weights(
            c, np.where(np.arange(len(c["X"])) % 2, 1e300, 1e-300)), "either",
            "weight", applies=_sw),
        Case("sample_weight_all_zero_but_one", lambda c: _weights(
            c, (np.arange(len(c["X"])) == 0).astype(float)), "either",
            "weight|sample|class|zero", applies=_sw),
        # a fold without test weight has no score: an error, or the fold is
        # left out of the mean (NaN in the per-fold scores) with a warning;
        # tests/test_bad_input.py checks that the selection is then right
        Case("sample_weight_zero_test_fold", lambda c: _fold_weights(c, True),
             "either", "weight|fold", applies=_cv,
             ignore=("mse_path_", "scores_", "deviance_path_")),
        Case("sample_weight_zero_train_fold", lambda c: _fold_weights(c, False),
             "either", "weight|fold", applies=_cv),
    ]


def _classifier_labels(ctx, labels):
    return np.resize(np.asarray(labels), ctx["X"].shape[0])


def base_cases():
    """The bad inputs every estimator faces (adapted to its kind)."""
    pd = None
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        pass
    cases = [
        Case("nan_in_X", lambda c: _with(_set(c["X"], np.nan), c["y"]),
             "error", "nan|finite"),
        Case("inf_in_X", lambda c: _with(_set(c["X"], np.inf), c["y"]),
             "error", "inf|finite"),
        Case("neg_inf_in_X", lambda c: _with(_set(c["X"], -np.inf), c["y"]),
             "error", "inf|finite"),
        Case("nan_in_y", lambda c: _with(c["X"], _set(c["y"], np.nan, 0)),
             "error", "nan|finite|label", applies=_sup),
        Case("inf_in_y", lambda c: _with(c["X"], _set(c["y"], np.inf, 0)),
             "error", "inf|finite|label", applies=_sup),
        Case("zero_samples", lambda c: _with(c["X"][:0], None if c["y"] is None
                                             else c["y"][:0]),
             "error", "0 sample|minimum of|empty"),
        Case("zero_features", lambda c: _with(c["X"][:, :0], c["y"]),
             "error", "0 feature|minimum of|empty"),
        Case("one_sample", lambda c: _with(c["X"][:1], None if c["y"] is None
                                           else c["y"][:1]),
             "either", "sample|class|split|fold", ignore=("score",)),
        Case("two_samples", lambda c: _with(c["X"][:2], None if c["y"] is None
                                            else c["y"][:2]),
             "either", "sample|class|split|fold"),
        Case("one_feature", lambda c: _with(c["X"][:, :1], c["y"]), "either"),
        Case("wrong_y_length", lambda c: _with(c["X"], c["y"][:-3]),
             "error", "inconsistent|sample|length", applies=_sup),
        Case("X_3d", lambda c: _with(c["X"][:, :, None], c["y"]),
             "error", "dim|2d"),
        Case("X_1d", lambda c: _with(c["X"][:, 0], c["y"]), "error", "2d|1d|dim"),
        Case("X_scalar", lambda c: _with(np.float64(1.0), c["y"]),
             "error", "2d|scalar|dim|sample"),
        Case("X_object_numbers", lambda c: _with(c["X"].astype(object), c["y"]),
             "either"),
        Case("X_strings", lambda c: _with(np.full(c["X"].shape, "a"), c["y"]),
             "error", "string|convert|float|numeric"),
        Case("X_complex", lambda c: _with(c["X"] + 1j, c["y"]), "error",
             "complex"),
        Case("X_bool", lambda c: _with(c["X"] > 0, c["y"]), "either"),
        Case("X_int", lambda c: _with(np.round(10 * c["X"]).astype(np.int64),
                                      c["y"]), "finite"),
        Case("X_float16", lambda c: _with(c["X"].astype(np.float16), c["y"]),
             "either"),
        Case("X_huge_1e300", lambda c: _with(c["X"] * 1e300, c["y"]), "either",
             "overflow|large|finite|scale"),
        Case("X_tiny_1e-300", lambda c: _with(c["X"] * 1e-300, c["y"]), "either"),
        Case("X_mixed_scales", lambda c: _with(
            c["X"] * np.logspace(-150, 150, c["X"].shape[1]), c["y"]), "either",
            "overflow|large|finite|scale"),
        Case("y_huge_1e300", lambda c: _with(c["X"], c["y"] * 1e300), "either",
             "overflow|large|finite|scale",
             applies=lambda c: c["kind"] == "regressor", ignore=("score",)),
        Case("constant_columns", lambda c: _with(
            np.column_stack([c["X"], np.full(len(c["X"]), 3.0)]), c["y"]),
            "either"),
        Case("duplicated_columns", lambda c: _with(
            np.column_stack([c["X"], c["X"][:, :2]]), c["y"]), "either"),
        Case("all_zero_X", lambda c: _with(np.zeros_like(c["X"]), c["y"]),
             "either"),
        Case("y_constant", lambda c: _with(c["X"], np.full(len(c["X"]),
                                                           c["y"][0])),
             "either", "class|constant|label", applies=_sup),
        Case("y_three_classes", lambda c: _with(
            c["X"], _classifier_labels(c, [0, 1, 2])), "either",
            "class|binary|label", applies=lambda c: c["kind"] == "classifier"),
        Case("y_string_labels", lambda c: _with(
            c["X"], np.where(c["y"] > 0, "yes", "no")
            if c["kind"] == "classifier" else np.full(len(c["y"]), "a")),
            "either", "string|convert|float|numeric|label", applies=_sup),
        Case("y_column_vector", lambda c: _with(c["X"], c["y"][:, None]),
             "either", "shape|1d|column|dim", applies=_sup),
        Case("y_two_outputs", lambda c: _with(
            c["X"], np.column_stack([c["y"], c["y"]])), "either",
            "shape|1d|multi|dim|output", applies=_sup),
        Case("X_non_contiguous", lambda c: _with(
            np.repeat(c["X"], 2, axis=1)[:, ::2], c["y"]), "finite"),
        Case("X_fortran", lambda c: _with(np.asfortranarray(c["X"]), c["y"]),
             "finite"),
        Case("X_readonly_memmap", lambda c: _with(_memmap(c["X"]), c["y"]),
             "finite"),
        Case("X_float32", lambda c: _with(c["X"].astype(np.float32), c["y"]),
             "finite"),
        Case("X_list_of_lists", lambda c: _with(c["X"].tolist(), c["y"]),
             "finite"),
        *[_sparse_case(fmt) for fmt in _SPARSE_FORMATS],
        *sparse_structure_cases(),
        *weight_cases(),
        Case("sparse_with_nan", lambda c: _with(
            sp.csr_matrix(_set(c["X"], np.nan)), c["y"]), "error",
            "nan|finite|sparse|dense"),
        Case("predict_wrong_n_features", lambda c: _with(
            c["X"], c["y"], X_predict=c["X"][:, :-1]), "error", "feature"),
        Case("sample_weight_negative", lambda c: _with(
            c["X"], c["y"], {"sample_weight": -np.ones(len(c["X"]))}), "error",
            "negative|weight", applies=_sw),
        Case("sample_weight_wrong_length", lambda c: _with(
            c["X"], c["y"], {"sample_weight": np.ones(len(c["X"]) - 1)}),
            "error", "weight|shape|sample", applies=_sw),
        Case("sample_weight_nan", lambda c: _with(
            c["X"], c["y"], {"sample_weight": _set(np.ones(len(c["X"])), np.nan,
                                                   0)}),
            "error", "nan|finite", applies=_sw),
        Case("sample_weight_all_zero", lambda c: _with(
            c["X"], c["y"], {"sample_weight": np.zeros(len(c["X"]))}),
            "either", "weight|zero", applies=_sw),
    ]
    if pd is not None:
        cases += [
            Case("dataframe_numeric", lambda c: _with(
                pd.DataFrame(c["X"], columns=[f"f{j}" for j in
                                              range(c["X"].shape[1])]),
                c["y"]), "finite"),
            Case("dataframe_non_numeric_column", lambda c: _with(
                pd.DataFrame(c["X"], columns=[f"f{j}" for j in
                                              range(c["X"].shape[1])]
                             ).assign(city="Paris"), c["y"]), "error",
                "string|convert|float|numeric|dtype"),
        ]
    return cases


def param_cases(cls):
    """Negative, NaN and wrong-type values of every numeric hyper-parameter;
    the error must name the parameter."""
    cases = []
    for param in numeric_params(cls):
        bad = {"nan": np.nan, "wrong_type": "abc"}
        if _excludes_negative(param, cls):
            bad["negative"] = -1 if param.interval.type is Integral else -0.5
        for label, value in bad.items():
            cases.append(Case(
                f"param_{label}[{param.name}]",
                lambda c, p=param.name, v=value: _with(c["X"], c["y"],
                                                       params={p: v}),
                "error", param.name))
    return cases


def context(name, cls):
    kind_ = kind(cls)
    X, y = make_data(name, kind_)
    return {"name": name, "kind": kind_, "X": X, "y": y,
            "sparse": accepts_sparse(cls),
            "sample_weight": kind_ != "unsupervised"
            and fit_accepts(cls, "sample_weight")}


def cases_for(name, cls):
    ctx = context(name, cls)
    return [c for c in base_cases() + param_cases(cls)
            if c.applies is None or c.applies(ctx)]


def expectation(case, ctx):
    return case.expect(ctx) if callable(case.expect) else case.expect


def run_case(name, cls, case):
    """Run one case in this process; return a JSON-able report."""
    ctx = context(name, cls)
    report = {"case": case.name, "warnings": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            X, y, fit_params, params, X_predict = case.build(ctx)
            est = make_estimator(name, cls, **params)
            fit(est, X, y, **fit_params)
            X_out = X if X_predict is None else X_predict
            out = outputs(est, X_out, None if ctx["kind"] == "unsupervised"
                          else (y if X_predict is None else y))
            for key in case.ignore:
                out.pop(key, None)
            report.update(status="fitted", nonfinite=nonfinite(out))
        except Exception as exc:  # noqa: BLE001 - the report is the point
            report.update(
                status="raised", exc_type=type(exc).__name__,
                clear=isinstance(exc, (ValueError, TypeError)),
                message=str(exc)[:500],
                traceback=traceback.format_exc()[-2000:])
    report["warnings"] = [
        f"{w.category.__name__}: {w.message} ({os.path.basename(w.filename)}:"
        f"{w.lineno})"
        for w in caught if issubclass(w.category, RuntimeWarning)
        and f"{os.sep}sparsestat{os.sep}" in w.filename]
    return report


# --------------------------------------------------------------------------
# Caller's arrays, pickling, refitting


def assert_same_outputs(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def pickle_round_trip(est):
    return pickle.loads(pickle.dumps(est))


def fresh(est):
    return clone(est)


# --------------------------------------------------------------------------
# Worker


def main(argv):
    import faulthandler

    faulthandler.enable()
    name = argv[0]
    cls = registry()[name]
    cases = cases_for(name, cls)
    if len(argv) > 1:
        wanted = set(argv[1:])
        cases = [c for c in cases if c.name in wanted]
    # self-test of the crash isolation (tests/test_bad_input.py): a real
    # segmentation fault at the named case
    crash_at = os.environ.get("SPARSESTAT_SELFTEST_SEGFAULT_AT")
    for case in cases:
        print(f"# running {case.name}", file=sys.stderr, flush=True)
        if case.name == crash_at:
            faulthandler._sigsegv()
        # one JSON line per case, as soon as it is done: if a later case
        # crashes the process, the reports so far are kept
        print(json.dumps(run_case(name, cls, case)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
