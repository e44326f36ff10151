"""`lftm sweep`, `lftm sensitivity` and `lftm policy-map` (registered in lftm_sim.cli).

Light to import: the parsers only; the work is imported inside `run`. Exit status: 0
done, 2 bad input (one line naming the file and key), 3 the sweep finished but some runs
failed (listed on stderr; `--resume` retries them).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMANDS = ("sweep", "sensitivity", "policy-map")
EXIT_FAILED_RUNS = 3
MAX_LISTED = 20


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {value}")
    return value


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "target",
        metavar="SPEC_OR_DIR",
        type=Path,
        help="a sweep spec (.toml) to run, or a sweep directory",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="sweep directory to write (default out/sweeps/SPEC_NAME)",
    )
    p.add_argument(
        "--workers",
        type=_workers,
        default=None,
        help="local worker processes (default 1; 0 = in this process)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask cluster: the scheduler's address, e.g. "
        "tcp://10.0.0.5:8786 (instead of --workers)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the sweep in the directory: skip finished runs, retry failed ones",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an earlier sweep in --out (or resume one written by another version)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def add_parser(subparsers) -> None:
    """Add sweep, sensitivity and policy-map (once, whichever name registered it)."""
    if "sweep" in subparsers.choices:
        return
    p = subparsers.add_parser(
        "sweep",
        help="designs x strategies x replicates to a resumable Parquet dataset",
        description="Run a sweep spec (designs grid, lhs, sobol, morris; strategies; "
        "replicates) on local processes or a Dask cluster, streaming per-run summaries to "
        "DIR/runs/*.parquet as it goes. A killed sweep continues with --resume. "
        "docs/sweeps.md documents the spec.",
    )
    _add_run_options(p)
    p.add_argument(
        "--status",
        action="store_true",
        help="print done / failed / left of the sweep directory and exit",
    )
    from .analysis_cli import add_analysis_parsers

    add_analysis_parsers(subparsers, _add_run_options)


def _check(args: argparse.Namespace) -> None:
    from .spec import fail

    def refuse(flag: str, problem: str, allowed: str) -> None:
        fail(None, flag, problem, allowed)

    if getattr(args, "status", False):
        for flag in ("resume", "force", "scheduler", "workers", "out"):
            if getattr(args, flag) not in (None, False):
                refuse(f"--{flag}", "does not go with --status", "--status alone")
        return
    if args.scheduler and args.workers is not None:
        refuse("--workers", "does not go with --scheduler", "one of --workers, --scheduler")
    if args.target.is_dir() and not args.resume and args.command == "sweep":
        refuse(
            "SPEC_OR_DIR",
            f"{args.target} is a directory",
            "a spec file, or a sweep directory with --resume or --status",
        )
    if args.target.is_dir() and args.out is not None and args.out != args.target:
        refuse("--out", "a resumed sweep stays in its directory", "no --out, or the same")


def sweep_dir(args: argparse.Namespace) -> Path:
    """The sweep directory the arguments name."""
    if args.target.is_dir():
        return args.target
    return args.out if args.out is not None else Path("out/sweeps") / args.target.stem


def start_sweep(args: argparse.Namespace):
    """Run (or resume) the sweep the arguments describe; its SweepResult."""
    from .lifecycle import run_sweep

    spec = None if args.target.is_dir() else args.target
    return run_sweep(
        spec,
        sweep_dir(args),
        workers=1 if args.workers is None else args.workers,
        scheduler=args.scheduler,
        resume=args.resume,
        force=args.force,
        progress=not args.quiet,
    )


def report_failures(result) -> int:
    """List failed runs on stderr; the exit status."""
    if not result.failures:
        return 0
    print(
        f"lftm: {len(result.failures)} of {result.total} runs failed "
        "(lftm sweep DIR --resume retries them):",
        file=sys.stderr,
    )
    for rid, error in list(result.failures.items())[:MAX_LISTED]:
        print(f"  {rid}: {error}", file=sys.stderr)
    if len(result.failures) > MAX_LISTED:
        print(f"  ... and {len(result.failures) - MAX_LISTED} more in DIR/failed/", file=sys.stderr)
    return EXIT_FAILED_RUNS


def run(args: argparse.Namespace) -> int:
    """Dispatch the three commands."""
    if args.command != "sweep":
        from .analysis_cli import run_analysis

        _check(args)
        return run_analysis(args, start_sweep, report_failures)
    _check(args)
    if args.status:
        from .lifecycle import sweep_status

        st = sweep_status(args.target)
        print(
            f"{args.target}: {st['done']} done, {st['failed']} failed, {st['left']} left "
            f"(of {st['total']})"
        )
        return 0
    result = start_sweep(args)
    if not args.quiet:
        t = result.timings
        print(
            f"wrote {result.root}/: {result.done} of {result.total} runs done; "
            f"ensemble {t.get('ensemble', 0):.1f} s, summarise {t.get('summarise', 0):.1f} s, "
            f"write {t.get('write', 0):.1f} s (worker time)"
        )
    return report_failures(result)
