"""The one place where scikit-learn's parameter-constraint objects are imported.

scikit-learn exposes ``Interval``/``StrOptions`` only from a private module.
Every estimator imports them from here, so that a future move upstream is a
one-line change.
"""

from sklearn.utils._param_validation import (  # noqa: F401
    HasMethods,
    Hidden,
    Interval,
    Options,
    StrOptions,
)

__all__ = ["HasMethods", "Hidden", "Interval", "Options", "StrOptions"]
