"""Command line: ``python -m sparsestat demo``.

Every family package may provide ``_demo.run_demo(random_state)``, returning
rows of the summary table; the demo lists exactly the families that do.
"""

import argparse
import sys
from importlib import import_module

FAMILIES = ("linear_model", "dag", "covariance", "fractional")
COLUMNS = ("family", "estimator", "data", "time_s", "metric", "value")


def _demo_modules():
    for family in FAMILIES:
        try:
            yield family, import_module(f"sparsestat.{family}._demo")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"sparsestat.{family}", f"sparsestat.{family}._demo"):
                raise


def _format_table(rows):
    cells = [[_format_cell(row[c]) for c in COLUMNS] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(COLUMNS)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(COLUMNS, widths))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    return "\n".join(lines)


def _format_cell(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def run_demo(random_state=0):
    """Fit every implemented family on simulated data; return the table rows."""
    rows = []
    for _, module in _demo_modules():
        rows.extend(module.run_demo(random_state=random_state))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m sparsestat",
        description="sparsestat: sparse statistical estimators.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="fit every family on built-in simulated data and print a table"
    )
    demo.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "demo":
        print(_format_table(run_demo(args.random_state)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
