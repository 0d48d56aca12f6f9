"""scikit-learn conventions of every cross-validated estimator of the registry:
``groups`` and metadata routing to the splitter, ``alphas`` as a number or
values (also in the information-criterion classes), result shapes and the
attributes kept from the refit."""

import inspect

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GroupKFold, KFold, cross_validate

from sparsestat.covariance import MTP2GraphicalModel
from sparsestat.datasets import (
    make_dag,
    make_mtp2_precision,
    make_sparse_regression,
    sample_linear_sem,
)
from sparsestat.linear_model import (
    NonconvexLasso,
    NonconvexLogisticRegression,
    NonconvexPoissonRegression,
    nonconvex_path,
)
from sparsestat.utils import all_estimators
from tests import _reliability as rel

# Small, fast settings of each CV class; a CV class missing here fails
# test_every_cv_class_is_covered.
FAST = {
    "NonconvexLassoCV": {"alphas": 4},
    "NonconvexLogisticRegressionCV": {"alphas": 4, "eps": 0.3},
    "NonconvexPoissonRegressionCV": {"alphas": 4, "eps": 0.3},
    "MTP2GraphicalModelCV": {"alphas": 3, "n_refinements": 1},
    "CoLiDECV": {"alphas": 3},
}
CV_CLASSES = sorted((name, cls) for name, cls in all_estimators()
                    if "cv" in inspect.signature(cls).parameters)
CV_PARAMS = [pytest.param(name, cls, id=name) for name, cls in CV_CLASSES]
# the classes that select along a path by an information criterion
IC_CLASSES = sorted((name, cls) for name, cls in all_estimators()
                    if "criterion" in inspect.signature(cls).parameters)


def _data(name):
    rng = np.random.default_rng(0)
    if name == "MTP2GraphicalModelCV":
        T = make_mtp2_precision(6, graph="BA", random_state=0)
        X = rng.multivariate_normal(np.zeros(6), np.linalg.inv(T), size=90,
                                    method="cholesky")
        return X, None
    if name == "CoLiDECV":
        W = make_dag(6, edges_per_node=1, random_state=0)
        return sample_linear_sem(W, 90, random_state=0), None
    task = "classification" if "Logistic" in name else "regression"
    X, y, _ = make_sparse_regression(90, 12, 3, snr=5, task=task, random_state=0)
    if rel.positive_target(dict(all_estimators())[name]):
        y = rel.counts_like(y, rng)
    return X, y


def _result(est):
    """The held-out scores of a fitted CV estimator, whatever their name."""
    for name in ("mse_path_", "scores_", "deviance_path_"):
        if hasattr(est, name):
            return getattr(est, name)
    return est.cv_results_["mean_test_score"]


GROUPS = np.repeat(np.arange(9), 10)


def test_every_cv_class_is_covered():
    assert {name for name, _ in CV_CLASSES} == set(FAST)


@pytest.mark.parametrize("name, cls", CV_PARAMS)
def test_groups_reach_the_splitter(name, cls):
    X, y = _data(name)
    splitter = GroupKFold(3)
    grouped = cls(cv=splitter, **FAST[name]).fit(X, y, groups=GROUPS)
    folds = list(splitter.split(X, y, GROUPS))
    explicit = cls(cv=folds, **FAST[name]).fit(X, y)
    np.testing.assert_array_equal(_result(grouped), _result(explicit))
    assert grouped.alpha_ == explicit.alpha_
    # a group splitter without groups: scikit-learn's own error
    with pytest.raises(ValueError, match="groups"):
        cls(cv=splitter, **FAST[name]).fit(X, y)
    # other splitters ignore groups, as in cross_validate
    plain = cls(cv=KFold(3), **FAST[name]).fit(X, y)
    with pytest.warns(UserWarning, match="groups parameter is ignored by KFold"):
        with_groups = cls(cv=KFold(3), **FAST[name]).fit(X, y, groups=GROUPS)
    np.testing.assert_array_equal(_result(plain), _result(with_groups))


@pytest.mark.parametrize("name, cls", CV_PARAMS)
def test_metadata_routing_of_groups(name, cls):
    X, y = _data(name)
    folds = list(GroupKFold(3).split(X, y, GROUPS))
    explicit = cls(cv=folds, **FAST[name]).fit(X, y)
    # extra metadata needs routing enabled; the message says how
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        cls(cv=GroupKFold(3), **FAST[name]).fit(X, y, other=GROUPS)
    with sklearn.config_context(enable_metadata_routing=True):
        routing = cls(cv=GroupKFold(3)).get_metadata_routing()
        assert routing.consumes("fit", ["groups"]) == {"groups"}
        routed = cls(cv=GroupKFold(3), **FAST[name]).fit(X, y, groups=GROUPS)
        np.testing.assert_array_equal(_result(routed), _result(explicit))
        # through a meta-estimator: cross_validate routes groups to its own
        # splitter and, via get_metadata_routing, to the inner one
        inner = cls(cv=GroupKFold(2), **FAST[name])
        out = cross_validate(inner, X, y, cv=GroupKFold(3),
                             params={"groups": GROUPS}, return_estimator=True)
        assert len(out["estimator"]) == 3
        assert all(np.isfinite(out["test_score"]))
    assert not sklearn.get_config()["enable_metadata_routing"]


@pytest.mark.parametrize("name, cls", CV_PARAMS)
def test_alphas_is_a_number_or_values(name, cls):
    X, y = _data(name)
    assert "n_alphas" not in inspect.signature(cls).parameters
    by_number = cls(**{**FAST[name], "alphas": 3, "cv": 3}).fit(X, y)
    grid = by_number.alphas_ if hasattr(by_number, "alphas_") else (
        by_number.cv_results_["alphas"][:3])
    assert np.shape(grid) == (3,)
    assert np.all(np.diff(grid) < 0)
    values = list(grid[::-1])  # any order
    by_values = cls(**{**FAST[name], "alphas": values, "cv": 3}).fit(X, y)
    assert by_values.alpha_ in grid
    for bad in (["a", "b"], 0, -2, [], [[0.1]], [np.nan], "many", True):
        with pytest.raises((TypeError, ValueError), match="alphas"):
            cls(**{**FAST[name], "alphas": bad}).fit(X, y)


def test_information_criterion_classes_are_found():
    assert len(IC_CLASSES) >= 3


@pytest.mark.parametrize("name, cls", IC_CLASSES, ids=[n for n, _ in IC_CLASSES])
def test_ic_alphas_is_a_number_or_values(name, cls):
    assert "n_alphas" not in inspect.signature(cls).parameters
    X, y = _data(name.replace("IC", "CV"))
    # the linear IC grids end at eps * alpha_max; MTP2's grid has no eps
    short = {"eps": 0.3} if "eps" in inspect.signature(cls).parameters else {}
    by_number = cls(alphas=6, **short).fit(X, y)
    assert by_number.alphas_.shape == (6,) and by_number.criterion_.shape == (6,)
    assert np.all(np.diff(by_number.alphas_) < 0)
    by_values = cls(alphas=list(by_number.alphas_[::-1])).fit(X, y)  # any order
    np.testing.assert_array_equal(by_values.alphas_, by_number.alphas_)
    assert by_values.alpha_ == by_number.alpha_
    for bad in (["a", "b"], 0, -2, [], [[0.1]], [np.nan], "many", True):
        with pytest.raises((TypeError, ValueError), match="alphas"):
            cls(alphas=bad).fit(X, y)


def test_path_alphas_is_a_number_or_values():
    X, y = _data("NonconvexLassoCV")
    assert "n_alphas" not in inspect.signature(nonconvex_path).parameters
    alphas, coefs, _ = nonconvex_path(X, y, alphas=5)
    assert alphas.shape == (5,) and coefs.shape == (X.shape[1], 5)
    same, coefs2, _ = nonconvex_path(X, y, alphas=list(alphas[::-1]))
    np.testing.assert_array_equal(same, alphas)
    np.testing.assert_allclose(coefs2, coefs)
    for bad in (["a", "b"], 0, None, True):
        with pytest.raises((TypeError, ValueError), match="alphas"):
            nonconvex_path(X, y, alphas=bad)


@pytest.mark.parametrize("name, attr", [("NonconvexLassoCV", "mse_path_"),
                                        ("NonconvexLogisticRegressionCV", "scores_"),
                                        ("NonconvexPoissonRegressionCV",
                                         "deviance_path_")])
def test_one_shape_of_the_cv_results_for_a_float_or_a_list_gamma(name, attr):
    cls = dict(CV_CLASSES)[name]
    X, y = _data(name)
    one = cls(alphas=4, cv=3, gamma=3.0).fit(X, y)
    listed = cls(alphas=4, cv=3, gamma=[3.0]).fit(X, y)
    grid = cls(alphas=4, cv=3, gamma=[2.5, 3.0, 6.0]).fit(X, y)
    assert getattr(one, attr).shape == getattr(listed, attr).shape == (1, 4, 3)
    np.testing.assert_array_equal(getattr(one, attr), getattr(listed, attr))
    assert getattr(grid, attr).shape == (3, 4, 3)
    # the gamma = 3 slice of the grid is the single-gamma result
    np.testing.assert_allclose(getattr(grid, attr)[1], getattr(one, attr)[0])
    # "l1" has one gamma whatever is given
    l1 = cls(alphas=4, cv=3, penalty="l1", gamma=[2.5, 3.0]).fit(X, y)
    assert getattr(l1, attr).shape == (1, 4, 3)


@pytest.mark.parametrize("penalty", ["l1", "mcp"])
def test_lasso_cv_keeps_the_refit_attributes(penalty):
    cls = dict(CV_CLASSES)["NonconvexLassoCV"]
    X, y = _data("NonconvexLassoCV")
    model = cls(alphas=5, cv=3, penalty=penalty).fit(X, y)
    refit = NonconvexLasso(alpha=model.alpha_, penalty=penalty,
                           gamma=model.gamma_).fit(X, y)
    assert model.n_iter_ == refit.n_iter_
    assert model.stop_crit_ == refit.stop_crit_
    if penalty == "l1":
        assert isinstance(model.dual_gap_, float)
        assert model.dual_gap_ == refit.dual_gap_
    else:
        assert model.dual_gap_ is None


@pytest.mark.parametrize("n_classes", [2, 3])
def test_logistic_cv_keeps_the_refit_attributes(n_classes):
    cls = dict(CV_CLASSES)["NonconvexLogisticRegressionCV"]
    X, y = _data("NonconvexLogisticRegressionCV")
    if n_classes == 3:
        y = np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])
    model = cls(alphas=5, cv=3).fit(X, y)
    refit = NonconvexLogisticRegression(alpha=model.alpha_,
                                        gamma=model.gamma_).fit(X, y)
    assert model.n_iter_ == refit.n_iter_
    assert model.stop_crit_ == refit.stop_crit_
    # (1, n_features) for two classes, one row per class for more
    rows = 1 if n_classes == 2 else n_classes
    assert model.coef_.shape == refit.coef_.shape == (rows, X.shape[1])
    np.testing.assert_array_equal(model.coef_, refit.coef_)


def test_poisson_cv_keeps_the_refit_attributes():
    cls = dict(CV_CLASSES)["NonconvexPoissonRegressionCV"]
    X, y = _data("NonconvexPoissonRegressionCV")
    model = cls(alphas=5, cv=3).fit(X, y)
    refit = NonconvexPoissonRegression(alpha=model.alpha_,
                                       gamma=model.gamma_).fit(X, y)
    assert model.n_iter_ == refit.n_iter_
    assert model.stop_crit_ == refit.stop_crit_
    # one-dimensional, as scikit-learn's PoissonRegressor
    assert model.coef_.shape == refit.coef_.shape == (X.shape[1],)
    np.testing.assert_array_equal(model.coef_, refit.coef_)
    assert model.intercept_ == refit.intercept_


def test_mtp2_cv_keeps_the_refit_attributes():
    cls = dict(CV_CLASSES)["MTP2GraphicalModelCV"]
    X, _ = _data("MTP2GraphicalModelCV")
    model = cls(alphas=3, n_refinements=1, cv=3).fit(X)
    refit = MTP2GraphicalModel(alpha=model.alpha_, gamma=model.gamma_).fit(X)
    np.testing.assert_array_equal(model.n_iter_, refit.n_iter_)
    assert model.stop_crit_ == refit.stop_crit_


@pytest.mark.parametrize("name", ["NonconvexLassoCV", "NonconvexPoissonRegressionCV"])
def test_fold_warnings_name_the_callers_line(name):
    # the folds' paths run in joblib's frames (n_jobs=None: in this thread);
    # their ConvergenceWarning names the user's fit call, not joblib's line
    from sklearn.exceptions import ConvergenceWarning

    X, y = _data(name)
    model = dict(CV_CLASSES)[name](alphas=4, cv=3, max_iter=1, tol=1e-12)
    # the folds warn, and so does the refit on all the data
    with pytest.warns(ConvergenceWarning, match="did not (reach tol|converge)") as record:
        model.fit(X, y)
    assert {w.filename for w in record} == {__file__}
