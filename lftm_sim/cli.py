"""The `lftm` command line."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis import report_years, summarise
from .experiments import run_variants
from .model import MAX_SCHOOLS, SystemModel
from .plots import compare_figure
from .provenance import write_provenance
from .strategies import PRESETS

DEFAULT_STRATEGIES = ("baseline", "top_down", "bottom_up", "middle_led")


class UsageError(Exception):
    """Bad input: reported as one line on stderr with exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exit status 2."""

    def error(self, message: str):  # noqa: D401 - argparse's signature
        raise UsageError(message)


def _int_in(lo: int, hi: int):
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


def _years(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a number of years in (0, 200], got {text!r}"
        ) from None
    if not 0 < value <= 200:
        raise argparse.ArgumentTypeError(f"must be in (0, 200], got {value:g}")
    return value


def build_parser() -> Parser:
    parser = Parser(
        prog="lftm",
        description="Simulate whole-system change in education: top-down, bottom-up and "
        "Leadership from the Middle.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    cmp_ = sub.add_parser(
        "compare",
        help="strategies x replicates on one system, with paired differences",
        description="Run strategies (or timelines) x replicates on one system with common "
        "random numbers; write compare.csv (means and paired differences, middle-led minus "
        "each other strategy, with 95%% intervals), compare.png, runs.csv and "
        "provenance.json.",
    )
    cmp_.add_argument(
        "--strategies",
        nargs="+",
        default=list(DEFAULT_STRATEGIES),
        metavar="S",
        help="preset names or timelines such as "
        "top_down@0,middle_led@4 (default: the four presets)",
    )
    cmp_.add_argument(
        "--replicates",
        type=_int_in(1, 10_000),
        default=20,
        help="replicates per strategy (default 20)",
    )
    cmp_.add_argument("--years", type=_years, default=12.0, help="years to run (default 12)")
    cmp_.add_argument(
        "--schools",
        type=_int_in(1, MAX_SCHOOLS),
        default=2000,
        help="number of schools (default 2000)",
    )
    cmp_.add_argument(
        "--districts",
        type=_int_in(0, MAX_SCHOOLS),
        default=30,
        help="number of districts, 0 for no middle tier (default 30)",
    )
    cmp_.add_argument(
        "--seed", type=_int_in(0, 2**63 - 1), default=0, help="master seed (default 0)"
    )
    cmp_.add_argument(
        "--workers",
        type=_int_in(1, 256),
        default=1,
        help="worker processes (results do not depend on it; default 1)",
    )
    cmp_.add_argument(
        "--out",
        type=Path,
        default=Path("out/compare"),
        help="output directory (default out/compare)",
    )
    cmp_.add_argument("--force", action="store_true", help="overwrite existing results")
    cmp_.add_argument("--quiet", action="store_true", help="no progress bar or table")
    return parser


def _variants(items: list[str], schools: int, districts: int) -> dict[str, dict]:
    """Model keywords per variant; a bad name or timeline raises ValueError."""
    variants = {}
    for item in items:
        spec = {"timeline": item} if "@" in item else {"strategy": item}
        variants[item] = {"n_schools": schools, "n_districts": districts, **spec}
    if len(variants) < len(items):
        raise ValueError("--strategies lists the same strategy twice")
    return variants


def _resolved(variants: dict[str, dict]) -> dict:
    """Every lever and setting each variant will use (validates them, builds nothing big)."""
    resolved = {}
    for name, params in variants.items():
        probe = SystemModel(
            **{
                **params,
                "n_schools": min(params["n_schools"], 20),
                "n_districts": min(params["n_districts"], 2),
            },
            rng=0,
        )
        record = probe.resolved_parameters()
        record["settings"].update(n_schools=params["n_schools"], n_districts=params["n_districts"])
        resolved[name] = record
    return resolved


def compare(args: argparse.Namespace) -> int:
    if args.districts > args.schools:
        raise ValueError(
            f"--districts must be at most --schools ({args.schools}), got {args.districts}"
        )
    for item in args.strategies:
        if "@" not in item and item not in PRESETS and item != "stop":
            raise ValueError(
                f"--strategies: unknown strategy {item!r}; allowed: "
                f"{', '.join(PRESETS)} or a timeline like top_down@0,stop@6"
            )
    variants = _variants(args.strategies, args.schools, args.districts)
    resolved = _resolved(variants)
    out = args.out
    if (out / "compare.csv").exists() and not args.force:
        raise ValueError(f"--out {out} already holds results; pass --force to overwrite")

    frame = run_variants(
        variants,
        args.replicates,
        args.years,
        seed=args.seed,
        workers=args.workers,
        progress=not args.quiet,
    )
    reference = "middle_led" if "middle_led" in variants else args.strategies[0]
    summary = summarise(frame, report_years(args.years), reference=reference)
    out.mkdir(parents=True, exist_ok=True)
    summary.to_csv(out / "compare.csv", index=False)
    frame.to_csv(out / "runs.csv", index=False)
    fig = compare_figure(frame)
    fig.savefig(out / "compare.png", dpi=120)
    write_provenance(
        out,
        "lftm " + shlex.join(sys.argv[1:]),
        args.seed,
        {
            "replicates": args.replicates,
            "years": args.years,
            "workers": args.workers,
            "reference": reference,
            "variants": resolved,
            "clip_count": int(frame.groupby(["variant", "replicate"])["clip_count"].max().sum()),
        },
    )
    if not args.quiet:
        _print_table(summary, args.years, reference)
        print(
            f"\nwrote {out / 'compare.csv'}, {out / 'compare.png'}, {out / 'runs.csv'}, "
            f"{out / 'provenance.json'}"
        )
    return 0


def _print_table(summary: pd.DataFrame, years: float, reference: str) -> None:
    last = summary[np.isclose(summary["year"], summary["year"].max())]
    shown = ["mean_capacity", "mean_performance", "gap", "equity_gap", "mean_innovation"]
    means = last[(last["kind"] == "mean") & last["metric"].isin(shown)]
    table = means.pivot(index="variant", columns="metric", values="estimate")[shown]
    table = table.loc[list(dict.fromkeys(means["variant"]))]
    print(f"\nYear {last['year'].max():g}: means over replicates")
    print(table.round(3).to_string())
    diffs = last[(last["kind"] == "paired_difference") & last["metric"].isin(shown)]
    if len(diffs):
        print(f"\n{reference} minus each other strategy (95% interval)")
        cells = diffs.assign(
            cell=diffs.apply(
                lambda r: f"{r.estimate:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}]", axis=1
            )
        )
        print(cells.pivot(index="versus", columns="metric", values="cell")[shown].to_string())


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.version:
            from . import __version__

            print(__version__)
            return 0
        if args.command is None:
            parser.print_help()
            return 2
        return {"compare": compare}[args.command](args)
    except (UsageError, ValueError) as err:
        command = f"lftm {args.command}" if "args" in locals() and args.command else "lftm"
        print(f"{command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lftm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
