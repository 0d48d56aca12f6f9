"""``groups`` and scikit-learn metadata routing to the splitter of a CV class."""

from sklearn.model_selection import check_cv
from sklearn.utils.metadata_routing import (
    UNUSED,
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)


class SplitterRoutingMixin:
    """Metadata routing of a CV estimator whose ``fit`` feeds a splitter.

    ``fit(..., groups=None, **params)`` passes ``groups`` to the splitter's
    ``split`` (as scikit-learn's ``cross_validate`` does). With
    ``sklearn.set_config(enable_metadata_routing=True)``, ``groups``,
    ``sample_weight`` and any other metadata reach the splitter when it
    requests them (``GroupKFold`` requests ``groups``), through
    :meth:`get_metadata_routing`, as in scikit-learn's ``LassoCV``. The
    estimator itself does not consume ``groups``, so it has no
    ``set_fit_request(groups=...)``.
    """

    __metadata_request__fit = {"groups": UNUSED}

    def get_metadata_routing(self):
        """Get the metadata routing of this object.

        ``fit`` routes to the splitter's ``split``; ``sample_weight`` is also
        consumed by the estimator itself.

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRouter
            The routing information.
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                splitter=check_cv(self.cv),
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
        )


def cv_splits(estimator, cv, X, y, *, groups=None, sample_weight=None, params=None):
    """The ``(train, test)`` index pairs of ``cv`` on ``X``, ``y``.

    ``groups`` goes to ``cv.split``; with metadata routing enabled, every
    piece of metadata the splitter requests does (``groups``,
    ``sample_weight`` or ``params``). Without routing, ``params`` must be
    empty (the error says how to enable routing).
    """
    params = {} if params is None else params
    _raise_for_params(params, estimator, "fit")
    if _routing_enabled():
        metadata = {"groups": groups, "sample_weight": sample_weight, **params}
        metadata = {k: v for k, v in metadata.items() if v is not None}
        split_params = process_routing(estimator, "fit", **metadata).splitter.split
    else:
        split_params = {} if groups is None else {"groups": groups}
    return list(cv.split(X, y, **split_params))
