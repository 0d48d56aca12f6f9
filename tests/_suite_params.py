"""Per-estimator settings of the registry-driven suites (bad input, fuzz,
Dask, threads, doctests). Every suite iterates ``all_estimators()``; an
estimator absent from these dicts runs with the defaults described below, so
a new family joins every suite without an edit here. Add one line per
estimator only when its defaults are too slow for tiny problems or when the
automatic choice of a grid parameter does not fit.
"""

# Constructor settings that keep tiny fits fast (merged over the estimator's
# defaults, and over tests/test_common.py's CHECK_PARAMS when it has an entry).
FAST_PARAMS = {
    "NonconvexLassoCV": {"alphas": 5, "cv": 2},
    "NonconvexLogisticRegressionCV": {"alphas": 5, "cv": 2},
    # refining the grid multiplies the fits (tested in tests/covariance)
    "MTP2GraphicalModelCV": {"n_refinements": 0},
    # a short path and few folds keep tiny fits fast
    "CoLiDECV": {"alphas": 4, "cv": 3},
    "CoLiDEIC": {"alphas": 6},
}

# GridSearchCV grid (one numeric hyper-parameter) per estimator. Without an
# entry the grid is {alpha: [a/2, a]} for an ``alpha`` parameter, else the
# first Real hyper-parameter constrained to an interval, at half and at its
# default.
GRIDS = {
    "NonconvexLassoCV": {"gamma": [2.5, 4.0]},
    "NonconvexLogisticRegressionCV": {"gamma": [2.5, 4.0]},
}

# Tiny data used by the suites: n_samples, n_features. Unsupervised
# estimators (graphical models, DAG learning) get n_samples > n_features.
DATA_SHAPE = {}
DEFAULT_SHAPE = (30, 5)
# Data of the concurrent-threads test (tests/test_threads.py), a bit larger
# so that the threads overlap; DATA_SHAPE entries take precedence.
THREADS_SHAPE = (120, 12)

# Fuzzing (tests/test_fuzz.py) draws valid data only, so by default any
# exception is a failure. An estimator for which some valid-looking draws are
# ill-posed (e.g. a graphical model with fewer samples than features) lists
# here a regex of the ValueError messages it may legitimately raise.
FUZZ_ALLOWED_ERRORS = {
    # a column the fuzzer zeroes entirely has no variance
    "CoLiDE": r"constant columns",
    # also a column constant in the training part of a fold
    "CoLiDECV": r"constant columns",
    "CoLiDEIC": r"constant columns",
    "MTP2GraphicalModel": r"constant columns|No positive definite MTP2 estimate",
    "MTP2GraphicalModelCV": r"constant columns|No positive definite MTP2 estimate",
    "MTP2GraphicalModelIC": r"constant columns|No positive definite MTP2 estimate",
    # the ratio is undefined when every column is zero; y at the underflow
    # limit of float32 puts alpha beyond the dtype in the unit-scale problem
    "FractionalSparseRegression": r"no non-zero column|out of range for the scale",
    "SparseFisherDiscriminant": r"no non-zero column|all-zero|class means",
}

# Smallest number of features the fuzzer draws (default 1). From issues 4
# and 5: DAG learning and graphical models reject a single column by design.
FUZZ_MIN_FEATURES = {"CoLiDE": 2, "CoLiDECV": 2, "CoLiDEIC": 2,
                     "MTP2GraphicalModel": 2, "MTP2GraphicalModelCV": 2,
                     "MTP2GraphicalModelIC": 2}

# Smallest number of samples the fuzzer draws for an estimator (CV classes
# need a few samples per fold and class).
FUZZ_MIN_SAMPLES = {}
DEFAULT_FUZZ_MIN_SAMPLES = 8

# The fuzzer also draws every string-option and boolean hyper-parameter
# (penalty, solver, fit_intercept, ...). Option values that change what the
# input means are never drawn; parameters listed per estimator keep their
# default.
FUZZ_SKIP_OPTION_VALUES = ("precomputed",)
FUZZ_FIXED_PARAMS = {}
