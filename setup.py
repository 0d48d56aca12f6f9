"""Build script: cythonize every .pyx under sparsestat/ with one directives dict."""

import os
from glob import glob

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

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


class BuildExt(build_ext):
    """``build_ext`` that reuses up-to-date in-place extensions when editable.

    ``pip install -e`` builds into fresh temporary folders every time, so a
    second ``pip install -e ".[test]"`` after ``pip install -e .`` would
    compile every kernel again although the in-place ``.so`` files already
    match their sources. In editable mode an extension whose in-place file
    is newer than its .pyx, every .pxd of the package and this script is
    copied instead of compiled. Extensions are compiled
    ``SPARSESTAT_BUILD_JOBS`` at a time (default 2).
    """

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            self.parallel = int(os.environ.get("SPARSESTAT_BUILD_JOBS", "2"))

    def build_extension(self, ext):
        if getattr(self, "editable_mode", False):
            regular = self.get_ext_fullpath(ext.name)
            # the in-place file, relative to the project root (the cwd of a build)
            inplace_file = self.get_ext_filename(ext.name)
            if _is_newer_than(inplace_file, _project_sources(ext)):
                self.mkpath(os.path.dirname(regular))
                self.copy_file(inplace_file, regular, level=self.verbose)
                return
        super().build_extension(ext)


def _project_sources(ext):
    """The files of this project that an extension is built from: its .pyx,
    every .pxd of the package and this script (the directives). The .c file
    is left out on purpose: each isolated build installs numpy and scipy
    afresh, their .pxd files are then newer than the .c, and cythonize
    rewrites an identical .c, which says nothing about our sources."""
    pyx = [os.path.splitext(s)[0] + ".pyx" for s in ext.sources]
    pxd = glob(os.path.join("sparsestat", "**", "*.pxd"), recursive=True)
    return [*pyx, *pxd, *ext.depends, globals().get("__file__", "setup.py")]


def _is_newer_than(target, sources):
    if not os.path.exists(target):
        return False
    built = os.path.getmtime(target)
    return all(os.path.getmtime(s) <= built for s in sources if os.path.exists(s))


setup(
    cmdclass={"build_ext": BuildExt},
    ext_modules=cythonize(
        _extensions(),
        compiler_directives=COMPILER_DIRECTIVES,
        nthreads=int(os.environ.get("SPARSESTAT_BUILD_JOBS", "2")),
    )
)
