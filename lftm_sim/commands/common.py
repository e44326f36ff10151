"""What the `lftm` subcommands share: flag types, the common flags, the command line,
workers, the matplotlib backend. Light to import (no numpy, pandas or mesa)."""

from __future__ import annotations

import argparse
import shlex
import sys

#: Schools a system may have (the declared range of n_schools, restated for the parser
#: without importing numpy; tests/test_cli.py checks they agree).
MAX_SCHOOLS = 2_000_000


def int_in(lo: int, hi: int):
    """An argparse type: an integer in [lo, hi]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be an integer in [{lo}, {hi}], got {text!r}"
            ) from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be in [{lo}, {hi}], got {value}")
        return value

    return parse


def years(text: str) -> float:
    """An argparse type: a number of years in (0, 200]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a number of years in (0, 200], got {text!r}"
        ) from None
    if not 0 < value <= 200:
        raise argparse.ArgumentTypeError(f"must be in (0, 200], got {value:g}")
    return value


def add_common(p: argparse.ArgumentParser, seed_default: int | None = 0) -> None:
    """--seed, --force, --quiet."""
    p.add_argument(
        "--seed",
        type=int_in(0, 2**63 - 1),
        default=seed_default,
        help="master seed"
        + (
            f" (default {seed_default})"
            if seed_default is not None
            else " (default: the scenario's seed)"
        ),
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace this command's earlier results in --out (replaced whole)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")


def add_workers(p: argparse.ArgumentParser) -> None:
    """--workers (default: 1; results never depend on it)."""
    p.add_argument(
        "--workers",
        type=int_in(1, 256),
        default=1,
        help="worker processes (results do not depend on it; default 1; more than the "
        "machine's cores are not started)",
    )


def command_line() -> str:
    """The command as typed (recorded in provenance.json)."""
    return "lftm " + shlex.join(sys.argv[1:])


def headless_figures() -> None:
    """Draw to files: the CLI chooses matplotlib's Agg backend (the library never does)."""
    import matplotlib

    matplotlib.use("Agg")
