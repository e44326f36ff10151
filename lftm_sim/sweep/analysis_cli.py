"""`lftm sensitivity` and `lftm policy-map`: run a spec (or take a sweep directory) and
analyse it. Parsers here are light; the analysis is imported in `run_analysis`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_analysis_parsers(subparsers, add_run_options) -> None:
    """Add `sensitivity` and `policy-map` to the CLI's subparsers."""
    s = subparsers.add_parser(
        "sensitivity",
        help="Morris or Sobol indices (SALib) of a sweep's outputs",
        description="Global sensitivity of chosen outputs: Morris mu* and sigma from a "
        "design = 'morris' sweep, Sobol first-order and total indices with intervals from a "
        "design = 'sobol' (Saltelli) sweep. Given a spec, runs the sweep first; given a "
        "sweep directory, analyses it. Writes sensitivity.csv, .parquet and .png, prints "
        "the N/2 vs N convergence check, the replicate-noise share and failed runs.",
    )
    add_run_options(s)
    s.add_argument(
        "--outputs",
        nargs="+",
        default=None,
        metavar="COLUMN",
        help="columns of DIR/runs, e.g. mean_performance_y12 gain_gap_y12 "
        "(default: the first reporter at the last kept year)",
    )
    s.add_argument(
        "--strategy",
        nargs="+",
        default=None,
        metavar="S",
        help="strategies to analyse (default: all)",
    )
    s.add_argument(
        "--report", type=Path, default=None, help="where to write (default DIR/sensitivity)"
    )
    p = subparsers.add_parser(
        "policy-map",
        help="where in the plane of two parameters one strategy beats another",
        description="The paired difference (strategy A minus B, same point and replicate) "
        "of an outcome over the cells of two varied parameters, with its interval: a "
        "heatmap with the boundary where it is 0 and the cells whose interval crosses 0 "
        "marked, and policy_map.csv with each strategy's spend share per cell.",
    )
    add_run_options(p)
    p.add_argument("--x", required=True, help="varied parameter on the x axis")
    p.add_argument("--y", required=True, help="varied parameter on the y axis")
    p.add_argument(
        "--outcome",
        default=None,
        metavar="COLUMN",
        help="a column of DIR/runs (default: first reporter at the last year)",
    )
    p.add_argument("--a", default="middle_led", help="strategy A (default middle_led)")
    p.add_argument("--b", default="top_down", help="strategy B (default top_down)")
    p.add_argument(
        "--bins",
        type=int,
        default=None,
        help="cells per axis for a non-grid design (default: the grid's own "
        f"values, or 8 bins beyond {25} values)",
    )
    p.add_argument(
        "--report", type=Path, default=None, help="where to write (default DIR/policy_map)"
    )


def _report_dir(args, root: Path, name: str) -> Path:
    from .spec import fail

    out = args.report if args.report is not None else root / name
    if out.exists() and any(out.iterdir()) and not args.force:
        fail(
            out,
            "--report",
            "exists and is not empty",
            "--force to overwrite it, or another --report",
        )
    return out


def run_analysis(args: argparse.Namespace, start_sweep, report_failures) -> int:
    """Run the sweep if asked, then the analysis; the exit status."""
    from .cli import sweep_dir
    from .sensitivity import stored_spec
    from .summary import year_tag

    status = 0
    if not args.target.is_dir() or args.resume:
        status = report_failures(start_sweep(args))
    root = sweep_dir(args)
    spec = stored_spec(root)
    if spec.evaluate == "patterns":
        from .patterns import column
        from .spec import fail

        if args.command != "sensitivity":
            fail(
                root / "spec.toml",
                "sweep.evaluate",
                "a pattern sweep has no strategies to map",
                "lftm sensitivity on a pattern sweep; policy-map on a sweep of runs",
            )
        defaults = [column(c, "statistic") for c in spec.patterns]
    else:
        defaults = [f"{spec.reporters[0]}_{year_tag(spec.keep_years[-1])}"]
    report = _report_dir(args, root, args.command.replace("-", "_"))
    if args.command == "sensitivity":
        _sensitivity(args, root, report, args.outputs or defaults)
    else:
        _policy_map(args, root, report, args.outcome or defaults[0])
    return status


def _sensitivity(args, root: Path, report: Path, outputs: list[str]) -> None:
    from .sensitivity import sensitivity, sensitivity_figure

    result = sensitivity(root, outputs, args.strategy)
    report.mkdir(parents=True, exist_ok=True)
    result.table.to_csv(report / "sensitivity.csv", index=False)
    result.table.to_parquet(report / "sensitivity.parquet", index=False)
    sensitivity_figure(result).savefig(report / "sensitivity.png", dpi=120)
    if args.quiet:
        return
    t = result.table
    first = t.iloc[0]
    print(
        f"blocks used {first['blocks_used']} of {first['blocks_total']}; runs missing or "
        f"NaN: {int(t['runs_missing'].max())}; replicate-noise share of the variance: "
        f"{t['noise_share'].max():.3g} at most"
    )
    for line in result.convergence:
        print(line)
    cols = ["strategy", "output", "parameter", "index", "value", "conf"]
    print(t[cols].round(4).to_string(index=False))
    print(f"wrote {report}/: sensitivity.csv, sensitivity.parquet, sensitivity.png")


def _policy_map(args, root: Path, report: Path, outcome: str) -> None:
    from .policy_map import policy_map, policy_map_figure

    cells = policy_map(root, args.x, args.y, outcome, args.a, args.b, args.bins)
    report.mkdir(parents=True, exist_ok=True)
    cells.to_csv(report / "policy_map.csv", index=False)
    policy_map_figure(cells).savefig(report / "policy_map.png", dpi=120)
    unequal = (cells[f"spend_{args.a}"] - cells[f"spend_{args.b}"]).abs() > 1e-9
    if unequal.any():
        print(
            f"note: {int(unequal.sum())} of {len(cells)} cells are not at equal cost "
            "(spend shares differ; see policy_map.csv)",
            file=sys.stderr,
        )
    if not args.quiet:
        wins = int((~cells["crosses_zero"] & (cells["mean_diff"] > 0)).sum())
        loses = int((~cells["crosses_zero"] & (cells["mean_diff"] < 0)).sum())
        print(
            f"{args.a} - {args.b} on {outcome}: ahead in {wins}, behind in {loses}, "
            f"undecided in {len(cells) - wins - loses} of {len(cells)} cells"
        )
        print(f"wrote {report}/: policy_map.csv, policy_map.png")
