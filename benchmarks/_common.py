"""Helpers shared by the benchmark scripts (not part of the package)."""

import platform
import subprocess
import sys
from datetime import datetime, timezone


def machine_line():
    """One line saying where and when a table was produced."""
    cpu = platform.processor() or platform.machine()
    try:
        out = subprocess.run(["nproc"], capture_output=True, text=True, check=True)
        cores = out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        cores = "?"
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"Produced {stamp} on {cpu}, {cores} cores, Python "
        f"{sys.version.split()[0]}, BLAS pinned to 1 thread."
    )


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
