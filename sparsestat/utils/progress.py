"""Progress reporting for long fits (paths, stages, CV folds).

``verbose > 0`` shows a bar with the number of steps done out of the total
and, after each step, the solver's current value (objective, KKT violation,
alpha) as a postfix. The bar is tqdm's when tqdm is installed (``pip install
sparsestat[progress]``); otherwise, or when the environment variable
``SPARSESTAT_PROGRESS=plain`` is set (logs, CI), a plain text bar of one
line per report is written to standard error. Standard output is left alone
so that it can carry results (the command line writes CSV there).
"""

import os
import sys
import time

#: Plain bars report at most this many times per bar (and always the last
#: step), so that a 100-alpha path logs 20 lines, not 100.
_PLAIN_REPORTS = 20
_WIDTH = 20


def progress(iterable, *, verbose=0, desc=None, total=None, unit="step"):
    """Wrap ``iterable`` in a progress bar when ``verbose > 0``.

    Parameters
    ----------
    iterable : iterable
        The steps.
    verbose : int, default=0
        0 is silent.
    desc : str, optional
        Label of the bar.
    total : int, optional
        Number of steps; taken from ``len(iterable)`` when omitted.
    unit : str, default="step"
        What one step is (``"alpha"``, ``"fold"``, ``"stage"``).

    Returns
    -------
    bar : iterable
        Yields the items of ``iterable``. Its ``set_postfix(**values)``
        shows ``values`` (numbers are formatted ``%.3g``) after the count;
        call it in the loop body to report on the step just done. Its
        ``stop(reason)``, called in the loop body before a ``break``, counts
        the step just done and reports why the loop ends early (a path that
        stops at a saturated fit). When ``verbose == 0`` the bar prints
        nothing and these methods do nothing.

    Examples
    --------
    >>> from sparsestat.utils.progress import progress
    >>> bar = progress(range(3))
    >>> for k in bar:
    ...     bar.set_postfix(kkt=1e-3 / (k + 1))
    >>> list(progress(range(3)))
    [0, 1, 2]
    """
    if total is None:
        try:
            total = len(iterable)
        except TypeError:
            total = None
    if not verbose:
        return _Silent(iterable)
    tqdm = _tqdm()
    if tqdm is None:
        return _Plain(iterable, desc or "progress", total, unit)
    return _Tqdm(tqdm(iterable, desc=desc, total=total, unit=unit, leave=False,
                      file=sys.stderr, dynamic_ncols=True))


def _tqdm():
    """tqdm's class, or None when absent or when plain bars are asked for."""
    if os.environ.get("SPARSESTAT_PROGRESS", "").lower() == "plain":
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


def _format_postfix(values):
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in values.items())


class _Silent:
    """``verbose == 0``: the iterable itself, and a postfix that is ignored."""

    __slots__ = ("_iterable",)

    def __init__(self, iterable):
        self._iterable = iterable

    def __iter__(self):
        return iter(self._iterable)

    def set_postfix(self, **values):
        pass

    def stop(self, reason):
        """Report that the loop ends early, after the step just done, and why
        (call it in the loop body before ``break``)."""


class _Tqdm(_Silent):
    """tqdm's bar; postfix numbers formatted like the plain bar's."""

    __slots__ = ()

    def set_postfix(self, **values):
        self._iterable.set_postfix_str(_format_postfix(values), refresh=False)

    def stop(self, reason):
        bar = self._iterable
        bar.update(1)  # the step just done, which the break keeps tqdm from counting
        shown = getattr(bar, "postfix", None)
        bar.set_postfix_str(f"{shown}, stopped: {reason}" if shown
                            else f"stopped: {reason}")


class _Plain(_Silent):
    """A text bar on stderr, written after each reported step::

        [path] ########------------  8/20 alpha (0.41 s) alpha=0.0123, kkt=3.2e-05
    """

    __slots__ = ("_desc", "_total", "_unit", "_postfix", "_done", "_start")

    def __init__(self, iterable, desc, total, unit):
        super().__init__(iterable)
        self._desc, self._total, self._unit = desc, total, unit
        self._postfix = {}
        self._done, self._start = 0, time.perf_counter()

    def set_postfix(self, **values):
        self._postfix = values

    def stop(self, reason):
        # the loop breaks before __iter__ resumes: count and write the step here
        self._done += 1
        self._write(self._done, time.perf_counter() - self._start,
                    note=f"stopped: {reason}")

    def __iter__(self):
        total = self._total
        every = max(1, -(-total // _PLAIN_REPORTS)) if total else 1
        self._done, self._start = 0, time.perf_counter()
        for item in self._iterable:
            yield item
            # reached after the loop body: the postfix is the step just done
            self._done += 1
            if self._done % every == 0 or self._done == total:
                self._write(self._done, time.perf_counter() - self._start)

    def _write(self, done, elapsed, note=None):
        total = self._total
        if total:
            filled = round(_WIDTH * done / total)
            count = f"{'#' * filled}{'-' * (_WIDTH - filled)} {done}/{total}"
        else:
            count = f"{done}"
        postfix = ", ".join(filter(None, [_format_postfix(self._postfix), note]))
        print(f"[{self._desc}] {count} {self._unit} ({elapsed:.2f} s)"
              + (f" {postfix}" if postfix else ""), file=sys.stderr, flush=True)
