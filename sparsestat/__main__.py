"""Command line: ``python -m sparsestat demo|fit ...`` (see sparsestat._cli)."""

import sys

from sparsestat._cli import main, run_demo

__all__ = ["main", "run_demo"]

if __name__ == "__main__":
    sys.exit(main())
