"""sparsestat: scikit-learn compatible sparse statistical estimators.

Four families of estimators share one design: a thin, validating Python
layer in the family package (``linear_model``, ``dag``, ``covariance``,
``fractional``) over compiled Cython kernels that release the GIL. The
functions below set how many BLAS threads the fits use.
"""

__version__ = "0.1.0.dev0"

from sparsestat._config import config_context, get_config, set_config

__all__ = ["config_context", "get_config", "set_config"]
