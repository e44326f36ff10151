"""`lftm calibrate`: the posterior (ABC-SMC), out-of-sample table, patterns over draws.

Light to import: the parser is built here, the work is imported inside `run`. Also
runnable alone: ``python -m lftm_sim.posterior.cli SCENARIO... --out DIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError

DEFAULT_SCENARIOS = ("scenarios/england_nlns.toml", "scenarios/ontario_2003_2015.toml")
MARKER = "out_of_sample.csv"


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add `calibrate` to the CLI's subparsers."""
    p = subparsers.add_parser(
        "calibrate",
        help="posterior of the free mechanism parameters (ABC-SMC), tested out of sample",
        description="Fits the free mechanism parameters by ABC-SMC (pyabc) on each "
        "calibrated scenario's early years, over log-uniform priors; stores each posterior "
        "as Parquet with its settings; predicts every system's later years from every "
        "posterior with 50% and 90% intervals beside four baselines given the same points "
        "(out_of_sample.csv); optionally checks patterns P1-P9 over posterior draws.",
    )
    p.add_argument(
        "scenarios",
        nargs="*",
        type=Path,
        default=None,
        metavar="SCENARIO",
        help=f"scenarios with a [calibration] block (default: {' '.join(DEFAULT_SCENARIOS)})",
    )
    p.add_argument("--out", type=Path, default=Path("out/calibration"), help="output directory")
    p.add_argument("--force", action="store_true", help="overwrite existing results in --out")
    p.add_argument("--population", type=int, default=200, help="particles per generation")
    p.add_argument("--generations", type=int, default=8, help="most ABC-SMC generations")
    p.add_argument(
        "--max-simulations", type=int, default=20000, help="stop a fit after this many simulations"
    )
    p.add_argument(
        "--min-epsilon",
        type=float,
        default=0.0,
        help="stop a fit when the tolerance falls below this (percentage points)",
    )
    p.add_argument(
        "--schools",
        type=int,
        default=None,
        help="run the scenarios at this many schools (default: their own size)",
    )
    p.add_argument("--draws", type=int, default=100, help="posterior draws for predictions")
    p.add_argument(
        "--pattern-draws",
        type=int,
        default=0,
        help="posterior draws at which to check P1-P9 (0: skip)",
    )
    p.add_argument("--pattern-schools", type=int, default=300, help="schools per pattern run")
    p.add_argument("--pattern-replicates", type=int, default=4, help="replicates per pattern run")
    p.add_argument(
        "--free",
        default=None,
        help="comma-separated mechanism parameters to fit (default: the documented set)",
    )
    p.add_argument("--seed", type=int, default=0, help="master seed")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="pyabc multicore sampler processes (1: single core, reproducible)",
    )
    p.add_argument(
        "--fit-processes",
        type=int,
        default=1,
        help="fit up to this many systems at once, one process each (same posteriors as "
        "fitting them one after the other; default 1)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars or tables")
    return p


def _positive(args: argparse.Namespace) -> None:
    for key, least in (
        ("population", 2),
        ("generations", 1),
        ("max_simulations", 1),
        ("draws", 2),
        ("workers", 1),
        ("fit_processes", 1),
        ("pattern_draws", 0),
        ("pattern_schools", 10),
        ("pattern_replicates", 2),
    ):
        value = getattr(args, key)
        if value < least:
            flag = "--" + key.replace("_", "-")
            raise InputError(
                f"{flag} must be an integer >= {least}, got {value}",
                key=flag,
                allowed=f"an integer >= {least}",
                value=value,
            )
    if args.schools is not None and args.schools < 10:
        raise InputError(
            f"--schools must be an integer >= 10, got {args.schools}",
            key="--schools",
            allowed="an integer >= 10",
            value=args.schools,
        )
    if args.min_epsilon < 0:
        raise InputError(
            f"--min-epsilon must be >= 0, got {args.min_epsilon}",
            key="--min-epsilon",
            allowed="a number >= 0",
            value=args.min_epsilon,
        )


def run(args: argparse.Namespace) -> int:
    """Carry out `lftm calibrate`."""
    from .workflow import calibrate

    _positive(args)
    calibrate(args)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command alone; bad input is one line on stderr and exit status 2."""
    parser = argparse.ArgumentParser(prog="lftm")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(["calibrate", *(sys.argv[1:] if argv is None else argv)])
    try:
        return run(args)
    except InputError as err:
        print(f"lftm calibrate: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
