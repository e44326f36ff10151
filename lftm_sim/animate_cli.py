"""`lftm animate`: the strategies side by side as a GIF or MP4 for slides. Light to
import: the model, matplotlib and imageio are imported in run()."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register `lftm animate`."""
    p = subparsers.add_parser(
        "animate",
        help="animate the strategies side by side (GIF or MP4)",
        description="Run the strategies on one system (common random numbers) and write an "
        "animation of their mean capacity, performance and gap, one frame per year.",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("out/animation.gif"),
        help="output file, .gif or .mp4 (default out/animation.gif)",
    )
    p.add_argument(
        "--strategies",
        nargs="+",
        default=["top_down", "bottom_up", "middle_led"],
        help="presets or timelines such as top_down@0,middle_led@4",
    )
    p.add_argument(
        "--metrics",
        nargs="+",
        default=None,
        help="reporters to draw (default mean_capacity mean_performance gap)",
    )
    p.add_argument("--schools", type=int, default=500, help="number of schools (default 500)")
    p.add_argument("--districts", type=int, default=10, help="number of districts (default 10)")
    p.add_argument("--replicates", type=int, default=4, help="replicates (default 4)")
    p.add_argument("--years", type=float, default=12.0, help="years to run (default 12)")
    p.add_argument("--every", type=float, default=1.0, help="years between frames (default 1)")
    p.add_argument("--fps", type=float, default=2.0, help="frames per second (default 2)")
    p.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _check(args) -> None:
    from .errors import InputError

    for key, value, ok, allowed in (
        ("--years", args.years, args.years > 0, "a number of years > 0"),
        ("--every", args.every, args.every > 0, "a number of years > 0"),
        ("--fps", args.fps, args.fps > 0, "frames per second > 0"),
        ("--schools", args.schools, args.schools >= 2, "an integer >= 2"),
    ):
        if not ok:
            raise InputError(
                f"{key} must be {allowed}, got {value!r}", key=key, allowed=allowed, value=value
            )


def run(args) -> int:
    """Run the strategies, render the frames, write the file; returns the exit status."""
    from .animate import ANIMATE_METRICS, check_format, frames, write
    from .errors import InputError, suggest
    from .experiments import run_variants
    from .outputs import output_file
    from .plots import METRICS
    from .strategies import resolve_timeline

    _check(args)
    suffix = check_format(args.out)
    metrics = tuple(args.metrics or ANIMATE_METRICS)
    for m in metrics:
        if m not in METRICS:
            raise InputError(
                f"unknown metric {m!r}{suggest(m, list(METRICS))}",
                key="--metrics",
                allowed=", ".join(METRICS),
                value=m,
            )
    variants = {}
    for s in args.strategies:
        timeline = resolve_timeline(s if "@" in s else None, s)  # InputError if unknown
        variants[s] = {
            "n_schools": args.schools,
            "n_districts": args.districts,
            "timeline": timeline,
        }
    with output_file(args.out, force=args.force) as tmp:
        series = run_variants(
            variants, args.replicates, args.years, seed=args.seed, progress=not args.quiet
        )
        images = frames(series, metrics, args.every)
        write(tmp, images, args.fps, suffix)
    if not args.quiet:
        print(f"wrote {args.out} ({len(images)} frames)")
    return 0
