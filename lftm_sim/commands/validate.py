"""`lftm validate`: the argument parser and the command around `lftm_sim.validation`."""

from __future__ import annotations

import argparse
from pathlib import Path

SMOKE = dict(points=4, replicates=3, box_replicates=2, n_schools=120, n_districts=4)
DEFAULT_OUT = Path("docs/validation.md")
SMOKE_OUT = Path("out/validation/validation.md")
#: Flags whose value a ValidationSettings field takes.
FLAGS = {
    "points": "points",
    "replicates": "replicates",
    "box_replicates": "box_replicates",
    "schools": "n_schools",
    "districts": "n_districts",
}


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add `validate` to the CLI's subparsers."""
    p = subparsers.add_parser(
        "validate",
        help="check patterns P1-P9 at the defaults, their knock-outs and a parameter box",
        description="Pattern-oriented validation: every pattern (docs/design.md section 6) at the "
        "default mechanisms over replicates, each with its carrying mechanism knocked out "
        "(it must then fail), and over a Latin hypercube of a documented parameter box. "
        "Writes a markdown report (never over an existing one without --force). Exit "
        "status 0 when every pattern holds at the defaults.",
    )
    p.add_argument(
        "--smoke",
        action="store_true",
        help=f"a quick run (defaults {SMOKE['points']} points, {SMOKE['replicates']} "
        f"replicates, {SMOKE['n_schools']} schools); report to {SMOKE_OUT}",
    )
    p.add_argument("--points", type=int, default=None, help="box points (default 64)")
    p.add_argument(
        "--replicates",
        type=int,
        default=None,
        help="replicates at the defaults and knock-outs (default 20)",
    )
    p.add_argument(
        "--box-replicates", type=int, default=None, help="replicates per box point (default 8)"
    )
    p.add_argument("--schools", type=int, default=None, help="number of schools (default 500)")
    p.add_argument("--districts", type=int, default=None, help="number of districts (default 10)")
    p.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument(
        "--patterns", nargs="+", default=None, metavar="P", help="patterns (default: all)"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"markdown report (default {DEFAULT_OUT}; with --smoke {SMOKE_OUT})",
    )
    p.add_argument("--force", action="store_true", help="replace an existing report")
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 3 when a pattern fails at the defaults (by default a failing "
        "pattern is a finding written to the report, and the exit status is 0)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")
    return p


def settings_from_args(args: argparse.Namespace):
    """ValidationSettings from parsed flags; a bad value raises InputError (one line)."""
    from ..validation import ValidationSettings

    base = dict(SMOKE) if args.smoke else {}
    given = {field: getattr(args, flag) for flag, field in FLAGS.items()}
    base.update({field: value for field, value in given.items() if value is not None})
    if args.patterns:
        base["codes"] = tuple(args.patterns)
    return ValidationSettings(seed=args.seed, workers=args.workers, **base)


def command_line(args: argparse.Namespace) -> str:
    """The command that reproduces this report (recorded in it)."""
    parts = ["lftm validate"] + (["--smoke"] if args.smoke else [])
    for flag in FLAGS:
        if getattr(args, flag) is not None:
            parts.append(f"--{flag.replace('_', '-')} {getattr(args, flag)}")
    parts.append(f"--seed {args.seed} --workers {args.workers}")
    return " ".join(parts)


def run(args: argparse.Namespace) -> int:
    """`lftm validate`: write the report; a failing pattern is a finding in it, so the exit
    status is 0, or 3 with --strict when any pattern fails (1 stays a bug's traceback)."""
    from .. import validation
    from ..outputs import output_file

    settings = settings_from_args(args)
    out = args.out if args.out is not None else (SMOKE_OUT if args.smoke else DEFAULT_OUT)
    with output_file(out, args.force) as tmp:  # checked before the first run
        frame = validation.validate(settings, progress=not args.quiet)
        validation.write_report(frame, tmp, command_line(args))
    if not args.quiet:
        shown = frame[["code", "kind", "statistic", "passed", "knockout_fails", "box_share"]]
        print(shown.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        failing = ", ".join(frame.loc[~frame["passed"].astype(bool), "code"])
        print(f"\n{frame.attrs['seconds']:.0f} s; wrote {out}")
        if failing:
            print(f"patterns that fail at the defaults (findings, see the report): {failing}")
    if args.strict and not bool(frame["passed"].all()):
        return 3
    return 0
