"""Argument parsing and the entry point of ``python -m sparsestat``.

User mistakes (missing file, unknown column, non-numeric data, a missing
``--target``, an option the family does not have, data the estimator
rejects, a file that cannot be read or parsed, an output path that is one
of the input files) end in one line on stderr and exit code 1; ``argparse``
usage errors exit with code 2.
"""

import argparse
import sys

from sparsestat._cli.demo import format_table, run_demo
from sparsestat._cli.errors import UserError
from sparsestat._cli.fit import FIT_FAMILIES, run_fit


class _Parser(argparse.ArgumentParser):
    """An argument parser whose description may be made when help is shown:
    the list of fit families reads the estimator registry, which every
    other command imports only when it needs an estimator."""

    def __init__(self, *args, describe=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe = describe

    def format_help(self):
        if self._describe is not None:
            self.description, self._describe = self._describe(), None
        return super().format_help()


def _fit_description():
    families = "\n".join(f"  {k:<11} {f.module}.{f.estimator}: {f.summary}"
                         for k, f in FIT_FAMILIES.items())
    return ("Fit one estimator family on a data file.\n\nfamilies:\n" + families
            + "\n\noutputs: coefficients (lasso, logistic, poisson, fractional; "
            "one row per class\nfor a logistic target of more than two classes), "
            "an edge list (colide),\na precision matrix and its edges (mtp2).")


def _parser():
    parser = _Parser(
        prog="python -m sparsestat",
        description="sparsestat: sparse statistical estimators.",
    )
    parser.add_argument("--version", action="version",
                        version=f"sparsestat {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="fit every family on built-in simulated data and print a table"
    )
    demo.add_argument("--random-state", type=int, default=0,
                      help="seed of the simulated data (default 0)")
    fit = sub.add_parser(
        "fit", help="fit one family on a data file and write the result",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        describe=_fit_description,
        epilog=(
            "examples:\n"
            "  python -m sparsestat fit lasso data.csv --target y --alpha 0.1\n"
            "  python -m sparsestat fit logistic data.csv --target label --cv 5 "
            "--output coef.json\n"
            "  python -m sparsestat fit mtp2 returns.npy --output precision.csv"),
    )
    fit.add_argument("family", choices=FIT_FAMILIES, metavar="FAMILY",
                     help="one of: " + ", ".join(FIT_FAMILIES))
    fit.add_argument("data", metavar="DATA",
                     help="a CSV file with a header row, a .npy file (2-D array) "
                     "or a .npz file (arrays X [, y, columns] or a single array)")
    fit.add_argument("--target", metavar="COL",
                     help="response column (name, or 0-based index); required for "
                     "supervised families (lasso, logistic, poisson, fractional), every "
                     "other column is a feature")
    fit.add_argument("--alpha", type=float, metavar="A",
                     help="regularisation strength (default: the estimator's)")
    fit.add_argument("--penalty", metavar="P",
                     help="penalty, e.g. mcp, scad or l1 (families that have one)")
    fit.add_argument("--gamma", type=float, metavar="G",
                     help="concavity of the MCP/SCAD penalty (lasso, logistic, "
                     "poisson, mtp2)")
    fit.add_argument("--noise", choices=("equal", "nonequal"),
                     help="colide: one noise scale for every node (equal) or one "
                     "per node (nonequal)")
    fit.add_argument("--constraint", choices=("m_matrix", "diag_dominant"),
                     help="mtp2: precision matrix an M-matrix (m_matrix) or a "
                     "diagonally dominant M-matrix (diag_dominant)")
    fit.add_argument("--standardize", action="store_true",
                     help="scale every feature to mean 0 and variance 1 before "
                     "fitting; coefficients are reported for the original "
                     "features, graphs and precision matrices for the "
                     "standardised ones")
    fit.add_argument("-v", "--verbose", action="count", default=0,
                     help="show progress on stderr (repeat for more detail)")
    fit.add_argument("--cv", type=int, metavar="K",
                     help="choose alpha by K-fold cross-validation (families with "
                     "a CV estimator: lasso, logistic, poisson, mtp2)")
    fit.add_argument("--output", metavar="OUT",
                     help="write the result to OUT.json (everything) or OUT.csv "
                     "(coefficients, edge list or precision matrix), atomically; "
                     "never one of the input files; default: CSV on standard "
                     "output")
    return parser


def _version():
    from sparsestat import __version__

    return __version__


def main(argv=None):
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            print(format_table(run_demo(args.random_state)))
        else:
            run_fit(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
