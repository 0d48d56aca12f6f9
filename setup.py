"""Build script: cythonize every .pyx under sparsestat/ with one directives dict."""

import os
from glob import glob

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

# One place for the directives of every kernel (glum's habit): the Python
# layer validates its inputs, so the kernels run without bounds or None checks.
COMPILER_DIRECTIVES = {
    "language_level": 3,
    "boundscheck": False,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": False,
    "nonecheck": False,
    "embedsignature": True,
}


def _extensions():
    extensions = []
    for source in sorted(glob(os.path.join("sparsestat", "**", "*.pyx"), recursive=True)):
        module = os.path.splitext(source)[0].replace(os.sep, ".")
        extensions.append(
            Extension(
                module,
                [source],
                include_dirs=[np.get_include()],
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                extra_compile_args=["-O3"],
            )
        )
    return extensions


setup(
    ext_modules=cythonize(
        _extensions(),
        compiler_directives=COMPILER_DIRECTIVES,
        nthreads=int(os.environ.get("SPARSESTAT_BUILD_JOBS", "2")),
    )
)
