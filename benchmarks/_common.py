"""Helpers shared by the benchmark scripts (not part of the package): BLAS
pinning, timing, formatting and the line saying where a table was made."""

import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

#: environment variables read by OpenBLAS, MKL, OpenMP and Rust's Rayon
#: (skein-glm) when they load
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                     "RAYON_NUM_THREADS")


def pin_blas():
    """Run BLAS and OpenMP on one thread in this process and its children.

    Call it at the top of a script, before numpy is imported: the thread
    count of a BLAS library is read when it loads, and the environment
    variables also reach subprocesses. Pools already loaded are limited with
    threadpoolctl; keep the returned limiter alive for the whole run.
    """
    for name in _THREAD_VARIABLES:
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def one_thread():
    """A context manager limiting every thread pool to one thread."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def utc_stamp():
    """The current time, ``YYYY-MM-DD HH:MM UTC``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def n_cores():
    """The cores this process may use (its CPU affinity; ``nproc`` would
    report ``OMP_NUM_THREADS``, which :func:`pin_blas` sets to 1)."""
    if hasattr(os, "sched_getaffinity"):
        return str(len(os.sched_getaffinity(0)))
    return str(os.cpu_count() or "?")


def machine_line(blas="BLAS pinned to 1 thread"):
    """One line saying where and when a table was produced."""
    cpu = platform.processor() or platform.machine()
    return (
        f"Produced {utc_stamp()} on {cpu}, {n_cores()} cores, Python "
        f"{sys.version.split()[0]}, {blas}."
    )


def load_average():
    """The 1, 5 and 15 minute load averages, ``"a, b, c"``."""
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def thread_pools():
    """One line per thread pool threadpoolctl sees (library, version, API,
    default thread count, file)."""
    from threadpoolctl import threadpool_info

    return [f"{lib['internal_api']} {lib.get('version')} "
            f"({lib['user_api']}, {lib['num_threads']} threads by default, "
            f"{Path(lib['filepath']).name})" for lib in threadpool_info()]


def wall_and_cpu(fn):
    """``(output, wall seconds, CPU seconds of this process)`` of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def best_of(fn, repeats, clock=time.process_time, stop_after=60.0):
    """Best time of ``repeats`` calls of ``fn()`` on ``clock``, and the last
    output; a call longer than ``stop_after`` seconds ends the repeats (a
    long run is its own average)."""
    best, out = float("inf"), None
    for _ in range(repeats):
        start = clock()
        out = fn()
        best = min(best, clock() - start)
        if best > stop_after:
            break
    return best, out


def mean_std(values, digits=2):
    """``"mean ± std"`` of the values (just the value when there is one)."""
    values = [float(v) for v in values]
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    mean = sum(values) / len(values)
    std = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def markdown_table(rows, columns):
    """Render a list of dicts as a markdown table."""
    def fmt(value):
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    lines = ["| " + " | ".join(columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(fmt(row.get(c, "")) for c in columns) + " |"
              for row in rows]
    return "\n".join(lines)
