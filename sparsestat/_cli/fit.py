"""``python -m sparsestat fit FAMILY DATA``: the fit commands, the estimator
each builds, and the run from the data file to the written result.

A command names its estimator by its registry name: the class, its
cross-validated variant (the registered class of the same name with a
``CV`` suffix), the package that exports it and whether it is supervised or
a classifier all come from :func:`sparsestat.utils.all_estimators`, read
only when a command needs an estimator, so that the data file is read and
checked before the estimators are imported.
"""

import contextlib
import sys
import warnings
from dataclasses import dataclass
from functools import cache

from sparsestat._cli.data import (
    as_float,
    check_classes,
    check_counts,
    check_missing,
    column_index,
    read_table,
    split_target,
    standardize,
)
from sparsestat._cli.errors import UserError
from sparsestat._cli.results import check_output, fit_result, write_result


@cache
def _registry():
    """``{name: (package, class)}`` of every registered estimator."""
    from sparsestat.utils.discovery import estimator_families

    return {name: (f"sparsestat.{package}", cls)
            for package, pairs in estimator_families().items()
            for name, cls in pairs}


@dataclass(frozen=True)
class FitFamily:
    """How ``python -m sparsestat fit NAME`` builds and reports an estimator."""

    estimator: str  # the estimator's name in the registry
    output: str  # "coefficients", "edges" or "precision"
    summary: str

    @property
    def module(self):
        """The package that exports the estimator."""
        return _registry()[self.estimator][0]

    @property
    def cv_estimator(self):
        """Name of the cross-validated variant, None when there is none."""
        name = f"{self.estimator}CV"
        return name if name in _registry() else None

    @property
    def supervised(self):
        """Whether ``fit`` needs a target column."""
        return self.estimator_class()().__sklearn_tags__().target_tags.required

    @property
    def counts(self):
        """Whether the target must be non-negative (Poisson counts)."""
        return self.estimator_class()().__sklearn_tags__().target_tags.positive_only

    @property
    def labels(self):
        """A classifier: the target may hold text labels."""
        from sklearn.base import is_classifier

        return is_classifier(self.estimator_class()())

    def estimator_class(self, cv=False):
        """The estimator class, or its cross-validated variant."""
        name = self.cv_estimator if cv else self.estimator
        return _registry()[name][1]


FIT_FAMILIES = {
    "lasso": FitFamily("NonconvexLasso", "coefficients",
                       "least squares with an MCP, SCAD or L1 penalty"),
    "logistic": FitFamily("NonconvexLogisticRegression", "coefficients",
                          "logistic regression, binary or multinomial (more than two "
                          "classes), with an MCP, SCAD or L1 penalty"),
    "poisson": FitFamily("NonconvexPoissonRegression", "coefficients",
                         "Poisson regression of counts (log link) with an MCP, SCAD "
                         "or L1 penalty"),
    "colide": FitFamily("CoLiDE", "edges",
                        "directed acyclic graph of a linear SEM (CoLiDE)"),
    "mtp2": FitFamily("MTP2GraphicalModel", "precision",
                      "Gaussian graphical model under total positivity"),
    "fractional": FitFamily("FractionalSparseRegression", "coefficients",
                            "sparse regression by a fractional objective"),
}


def _available(name, family):
    """Check that the family's estimator is registered in this installation."""
    try:
        registered = family.estimator in _registry()
    except ImportError as exc:
        raise UserError(f"family {name} is not available in this installation "
                        f"({exc})") from None
    if not registered:
        raise UserError(f"family {name} is not available in this installation "
                        f"(no estimator {family.estimator} in sparsestat)")


def load_estimator_class(name, family, cv):
    _available(name, family)
    if cv and family.cv_estimator is None:
        raise UserError(f"family {name} has no cross-validated estimator (--cv)")
    return family.estimator_class(cv)


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


def _features_and_target(args, family):
    """``(X, y, feature_names)`` of the data file; ``y`` is None for an
    unsupervised family."""
    data, names = read_table(args.data)
    # the registry is read only now, so that a missing file is reported
    # without importing the estimators
    _available(args.family, family)
    if family.supervised:
        if args.target is None:
            raise UserError(f"family {args.family} is supervised: give the "
                            "response column with --target COL")
        X, y, feature_names = split_target(data, names, args.target, args.data)
        X = as_float(args.data, feature_names, X)
        column = names[column_index(names, args.target)]
        if family.labels:
            if y.dtype == object:
                try:
                    y = as_float(args.data, ["(target)"], y[:, None]).ravel()
                except UserError:  # text class labels
                    if not all(y):
                        raise UserError(f"{args.data}: missing values in the "
                                        "target column") from None
                    y = y.astype(str)
            check_classes(y, column, args.data, args.family)
        else:
            y = as_float(args.data, [column], y[:, None]).ravel()
            if family.counts:
                check_counts(y, column, args.data, args.family)
    else:
        if args.target is not None:
            raise UserError(f"family {args.family} is unsupervised: --target "
                            "does not apply")
        X, y, feature_names = as_float(args.data, names, data), None, names
    check_missing(X, y, feature_names, args.data)
    return X, y, feature_names


def _fit(est, X, y):
    """Fit ``est``, turning a rejection of the data into a one-line error and
    convergence warnings into lines on stderr."""
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


def run_fit(args):
    family = FIT_FAMILIES[args.family]
    if args.output is not None:
        check_output(args.output, [args.data])
    X, y, feature_names = _features_and_target(args, family)
    est = build_estimator(args.family, family, args)
    scale = None
    if args.standardize:
        X, scale = standardize(X, feature_names, args.data)
    _fit(est, X, y)
    result = fit_result(args.family, family, est, feature_names, len(X), scale)
    written = write_result(result, family, args.output)
    if written is not None:
        if family.output == "coefficients" and isinstance(result["intercept"], list):
            what = (f"{len(result['coef'])} x {len(feature_names)} coefficients "
                    "(one row per class) and the intercepts")
        elif family.output == "coefficients":
            what = f"{len(result['coef'])} coefficients and the intercept"
        elif family.output == "edges":
            what = f"{len(result['edges'])} edges"
        else:
            what = f"a {len(feature_names)} x {len(feature_names)} precision matrix"
        print(f"wrote {what} to {written}")
