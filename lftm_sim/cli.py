"""The `lftm` command line: compare, run, calibrate, validate."""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis import report_years, summarise
from .experiments import run_model, run_seed, run_variants
from .model import MAX_SCHOOLS, SystemModel
from .plots import calibration_figure, compare_figure, run_figure
from .provenance import write_provenance
from .strategies import PRESETS

DEFAULT_STRATEGIES = ("baseline", "top_down", "bottom_up", "middle_led")
#: Subcommands defined in modules of their own: each has add_parser(subparsers) and
#: run(args) -> exit status. Keep those modules light to import (heavy imports in run).
COMMAND_MODULES: dict[str, str] = {
    "validate": "lftm_sim.commands.validate",
    "cost-effectiveness": "lftm_sim.cost_effectiveness_cli",
}


class UsageError(Exception):
    """Bad input: reported as one line on stderr with exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exit status 2."""

    def error(self, message: str):
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


# --- the parser ----------------------------------------------------------------------


def build_parser() -> Parser:
    """The `lftm` parser with its subcommands."""
    parser = Parser(
        prog="lftm",
        description="Simulate whole-system change in education: top-down, bottom-up and "
        "Leadership from the Middle.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    _add_compare(sub)
    _add_run(sub)
    _add_calibrate(sub)
    for module in COMMAND_MODULES.values():
        importlib.import_module(module).add_parser(sub)
    return parser


def _add_common(p: argparse.ArgumentParser, seed_default: int | None = 0) -> None:
    p.add_argument(
        "--seed",
        type=_int_in(0, 2**63 - 1),
        default=seed_default,
        help="master seed"
        + (
            f" (default {seed_default})"
            if seed_default is not None
            else " (default: the scenario's seed)"
        ),
    )
    p.add_argument("--force", action="store_true", help="overwrite existing results")
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")


def _add_compare(sub) -> None:
    p = sub.add_parser(
        "compare",
        help="strategies (or scenarios) x replicates, with paired differences",
        description="Run strategies, timelines or scenario files x replicates with common "
        "random numbers; write compare.csv (means and paired differences, middle-led minus "
        "each other strategy, with 95%% intervals), compare.png, runs.csv and "
        "provenance.json.",
    )
    p.add_argument(
        "--strategies",
        nargs="+",
        default=list(DEFAULT_STRATEGIES),
        metavar="S",
        help="preset names or timelines such as top_down@0,middle_led@4 "
        "(default: the four presets)",
    )
    p.add_argument(
        "--scenario",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="compare scenario files instead (each on its own system, common "
        "seeds); the first is the reference of the paired differences",
    )
    p.add_argument(
        "--phase-start",
        action="append",
        default=[],
        metavar="I=YEAR",
        help="with one --scenario: add a variant whose phase I (0-based) starts "
        "in calendar YEAR, e.g. 1=2007 (repeatable)",
    )
    p.add_argument(
        "--replicates",
        type=_int_in(1, 10_000),
        default=20,
        help="replicates per variant (default 20)",
    )
    p.add_argument(
        "--years",
        type=_years,
        default=None,
        help="years to run (default 12; with --scenario, the scenario's years)",
    )
    p.add_argument(
        "--schools",
        type=_int_in(1, MAX_SCHOOLS),
        default=None,
        help="number of schools (default 2000; with --scenario, the scenario's)",
    )
    p.add_argument(
        "--districts",
        type=_int_in(0, MAX_SCHOOLS),
        default=None,
        help="districts, 0 for no middle tier (default 30; with --scenario, the scenario's)",
    )
    p.add_argument(
        "--workers",
        type=_int_in(1, 256),
        default=1,
        help="worker processes (results do not depend on it; default 1)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("out/compare"),
        help="output directory (default out/compare)",
    )
    _add_common(p)


def _add_run(sub) -> None:
    p = sub.add_parser(
        "run",
        help="run one scenario file",
        description="Run a scenario file: time series (CSV and Parquet), the resolved "
        "scenario, a figure in calendar years with the phases shaded, and provenance.json.",
    )
    p.add_argument(
        "scenario", type=Path, help="scenario file (TOML), e.g. scenarios/ontario_2003_2015.toml"
    )
    p.add_argument(
        "--replicates", type=_int_in(1, 10_000), default=1, help="replicates (default 1)"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory (default out/run/<scenario file name>)",
    )
    p.add_argument(
        "--agents", action="store_true", help="also write agent-level series (agents.parquet)"
    )
    p.add_argument("--workers", type=_int_in(1, 256), default=1, help="worker processes")
    _add_common(p, seed_default=None)


def _add_calibrate(sub) -> None:
    p = sub.add_parser(
        "calibrate",
        help="fit the shared mechanism parameters to published series",
        description="Fit the shared mechanism parameters jointly on the early years of the "
        "scenarios' published series; score them out of sample beside naive forecasts. "
        "Writes calibration.csv, rmse.csv, calibration.png and calibration.toml.",
    )
    p.add_argument(
        "scenario",
        nargs="+",
        type=Path,
        help="scenario files with a [calibration] block (England and Ontario)",
    )
    p.add_argument(
        "--replicates",
        type=_int_in(1, 100),
        default=2,
        help="replicates per evaluation (default 2)",
    )
    p.add_argument(
        "--schools",
        type=_int_in(50, MAX_SCHOOLS),
        default=1500,
        help="schools simulated per scenario while fitting (default 1500)",
    )
    p.add_argument(
        "--starts",
        type=_int_in(1, 1000),
        default=16,
        help="Latin-hypercube starting points (default 16)",
    )
    p.add_argument(
        "--max-evals",
        type=_int_in(1, 10_000),
        default=80,
        help="Nelder-Mead evaluations after the starts (default 80)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("out/calibration"),
        help="output directory (default out/calibration)",
    )
    p.add_argument(
        "--store",
        action="store_true",
        help="also store the fitted values as the package's calibrated set",
    )
    _add_common(p)


# --- compare ---------------------------------------------------------------------------


def _strategy_variants(args: argparse.Namespace) -> dict[str, dict]:
    """Model keywords per strategy or timeline; a bad name raises ValueError."""
    schools = 2000 if args.schools is None else args.schools
    districts = 30 if args.districts is None else args.districts
    if districts > schools:
        raise ValueError(f"--districts must be at most --schools ({schools}), got {districts}")
    if args.phase_start:
        raise ValueError("--phase-start needs one --scenario")
    variants = {}
    for item in args.strategies:
        if "@" not in item and item not in PRESETS and item != "stop":
            raise ValueError(
                f"--strategies: unknown strategy {item!r}; allowed: "
                f"{', '.join(PRESETS)} or a timeline like top_down@0,stop@6"
            )
        spec = {"timeline": item} if "@" in item else {"strategy": item}
        variants[item] = {"n_schools": schools, "n_districts": districts, **spec}
    if len(variants) < len(args.strategies):
        raise ValueError("--strategies lists the same strategy twice")
    return variants


def _scenario_variants(args: argparse.Namespace) -> tuple[dict[str, dict], float]:
    """Model keywords per scenario file and per phase-start variant, and the years to run."""
    from .scenarios import load_scenario

    scenarios = [load_scenario(path) for path in args.scenario]
    if args.phase_start and len(scenarios) != 1:
        raise ValueError("--phase-start needs exactly one --scenario")
    named = [(sc.name, sc) for sc in scenarios]
    for item in args.phase_start:
        index, _, year = item.partition("=")
        try:
            index_i, year_f = int(index), float(year)
        except ValueError:
            raise ValueError(f"--phase-start must be I=YEAR (e.g. 1=2007), got {item!r}") from None
        variant = scenarios[0].with_phase_start(index_i, year_f)
        named.append((f"{scenarios[0].name} (phase {index_i} from {year_f:g})", variant))
    sizes = {
        k: v for k, v in (("schools", args.schools), ("districts", args.districts)) if v is not None
    }
    if sizes:  # through the loader, so sizes are validated (memory included)
        named = [(name, sc.with_system(**sizes)) for name, sc in named]
    variants = {name: sc.model_kwargs() for name, sc in named}
    if len(variants) < len(named):
        raise ValueError("--scenario lists two scenarios with the same name")
    years = args.years if args.years is not None else max(sc.years for _, sc in named)
    return variants, years


def _resolved(variants: dict[str, dict]) -> dict:
    """Every lever and setting each variant will use (validates them on a tiny system)."""
    resolved = {}
    for name, params in variants.items():
        small = dict(params)
        if small.get("graph") is None:
            small["n_schools"] = min(params.get("n_schools", 2000), 20)
            small["n_districts"] = min(params.get("n_districts", 30), 2)
        record = SystemModel(**small, rng=0).resolved_parameters()
        if params.get("graph") is None:
            record["settings"].update(
                n_schools=params.get("n_schools", 2000), n_districts=params.get("n_districts", 30)
            )
        resolved[name] = record
    return resolved


def _refuse_overwrite(out: Path, marker: str, force: bool) -> None:
    if (out / marker).exists() and not force:
        raise ValueError(f"--out {out} already holds results; pass --force to overwrite")


def _command_line() -> str:
    return "lftm " + shlex.join(sys.argv[1:])


def compare(args: argparse.Namespace) -> int:
    """`lftm compare`: variants x replicates -> compare.csv, compare.png, runs.csv."""
    if args.scenario:
        variants, years = _scenario_variants(args)
        reference = next(iter(variants))
    else:
        variants, years = _strategy_variants(args), args.years or 12.0
        reference = "middle_led" if "middle_led" in variants else next(iter(variants))
    resolved = _resolved(variants)
    out = args.out
    _refuse_overwrite(out, "compare.csv", args.force)

    frame = run_variants(
        variants,
        args.replicates,
        years,
        seed=args.seed,
        workers=args.workers,
        progress=not args.quiet,
    )
    summary = summarise(frame, report_years(years), reference=reference)
    out.mkdir(parents=True, exist_ok=True)
    summary.to_csv(out / "compare.csv", index=False)
    frame.to_csv(out / "runs.csv", index=False)
    compare_figure(frame).savefig(out / "compare.png", dpi=120)
    write_provenance(
        out,
        _command_line(),
        args.seed,
        {
            "replicates": args.replicates,
            "years": years,
            "workers": args.workers,
            "reference": reference,
            "variants": resolved,
            "clip_count": int(frame.groupby(["variant", "replicate"])["clip_count"].max().sum()),
        },
    )
    if not args.quiet:
        _print_table(summary, reference)
        print(
            f"\nwrote {out / 'compare.csv'}, {out / 'compare.png'}, {out / 'runs.csv'}, "
            f"{out / 'provenance.json'}"
        )
    return 0


def _print_table(summary: pd.DataFrame, reference: str) -> None:
    last = summary[np.isclose(summary["year"], summary["year"].max())]
    shown = ["mean_capacity", "mean_performance", "gap", "equity_gap", "mean_innovation"]
    means = last[(last["kind"] == "mean") & last["metric"].isin(shown)]
    table = means.pivot(index="variant", columns="metric", values="estimate")[shown]
    table = table.loc[list(dict.fromkeys(means["variant"]))]
    print(f"\nYear {last['year'].max():g}: means over replicates")
    print(table.round(3).to_string())
    diffs = last[(last["kind"] == "paired_difference") & last["metric"].isin(shown)]
    if len(diffs):
        print(f"\n{reference} minus each other variant (95% interval)")
        cells = diffs.assign(
            cell=diffs.apply(
                lambda r: f"{r.estimate:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}]", axis=1
            )
        )
        print(cells.pivot(index="versus", columns="metric", values="cell")[shown].to_string())


# --- run -------------------------------------------------------------------------------


def run_scenario(args: argparse.Namespace) -> int:
    """`lftm run SCENARIO`: series (CSV, Parquet), resolved scenario, figure, provenance."""
    from .agents import School
    from .scenarios import load_scenario

    sc = load_scenario(args.scenario)
    seed = sc.seed if args.seed is None else args.seed
    out = args.out or Path("out/run") / args.scenario.stem
    _refuse_overwrite(out, "series.csv", args.force)
    resolved = _resolved({sc.name: sc.model_kwargs()})[sc.name]
    agents = []
    if args.agents:  # one pass per replicate, keeping the agent-level frames
        frames = []
        for r in range(args.replicates):
            df, agent_df = run_model(
                {**sc.model_kwargs(), "collect_agents": True},
                run_seed(seed, r),
                sc.years,
                agents=School,
            )
            frames.append(df.assign(variant=sc.name, replicate=r))
            agents.append(agent_df.reset_index().assign(replicate=r))
        frame = pd.concat(frames, ignore_index=True)
    else:
        frame = run_variants(
            {sc.name: sc.model_kwargs()},
            args.replicates,
            sc.years,
            seed=seed,
            workers=args.workers,
            progress=not args.quiet,
        )
    frame.insert(0, "calendar_year", sc.start_year + frame["year"])
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "series.csv", index=False)
    frame.to_parquet(out / "series.parquet", index=False)
    if agents:
        pd.concat(agents, ignore_index=True).to_parquet(out / "agents.parquet", index=False)
    (out / "scenario.toml").write_text(sc.to_toml())
    phases = sc.timeline().phases
    spans = [
        (
            sc.start_year + p.start,
            sc.start_year + (phases[i + 1].start if i + 1 < len(phases) else sc.years),
            p.label,
        )
        for i, p in enumerate(phases)
    ]
    run_figure(frame, sc.start_year, spans, title=sc.name).savefig(out / "run.png", dpi=120)
    write_provenance(
        out,
        _command_line(),
        seed,
        {
            "replicates": args.replicates,
            "scenario": sc.to_dict(),
            "resolved": resolved,
            "clip_count": int(frame.groupby("replicate")["clip_count"].max().sum()),
        },
    )
    if not args.quiet:
        last = frame[frame["step"] == frame["step"].max()]
        print(
            f"{sc.name}, {sc.start_year:g}-{sc.end_year:g}: mean performance "
            f"{last['mean_performance'].mean():.3f}, gap {last['gap'].mean():.3f}, "
            f"mean capacity {last['mean_capacity'].mean():.3f}"
        )
        files = "series.csv, series.parquet, scenario.toml, run.png, provenance.json"
        print(f"wrote {out}/: {files}" + (", agents.parquet" if agents else ""))
    return 0


# --- calibrate -------------------------------------------------------------------------


def calibrate_cmd(args: argparse.Namespace) -> int:
    """`lftm calibrate SCENARIO...`: joint fit, out-of-sample scores, figure, stored set."""
    from .calibration import calibrate, store_calibration
    from .scenarios import load_scenario

    scenarios = [load_scenario(path) for path in args.scenario]
    out = args.out
    _refuse_overwrite(out, "calibration.csv", args.force)
    result = calibrate(
        scenarios,
        replicates=args.replicates,
        seed=args.seed,
        n_schools=args.schools,
        starts=args.starts,
        max_evals=args.max_evals,
        progress=not args.quiet,
    )
    out.mkdir(parents=True, exist_ok=True)
    result["points"].to_csv(out / "calibration.csv", index=False)
    result["rmse"].to_csv(out / "rmse.csv", index=False)
    calibration_figure(result["points"]).savefig(out / "calibration.png", dpi=120)
    store_calibration(result, out / "calibration.toml")
    if args.store:
        store_calibration(result)
    write_provenance(
        out, _command_line(), args.seed, {**result["settings"], "fitted": result["fitted"]}
    )
    if not args.quiet:
        print("fitted:", ", ".join(f"{k} = {v:g}" for k, v in result["fitted"].items()))
        print("\nRMSE in percentage points (model beside naive forecasts)")
        print(result["rmse"].round(2).to_string(index=False))
        print(f"\nwrote {out}/: calibration.csv, rmse.csv, calibration.png, calibration.toml")
    return 0


# --- entry point -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run `lftm`; bad input is one line on stderr and exit status 2."""
    parser = build_parser()
    command = "lftm"
    try:
        args = parser.parse_args(argv)
        if args.version:
            from . import __version__

            print(__version__)
            return 0
        if args.command is None:
            parser.print_help()
            return 2
        command = f"lftm {args.command}"
        handlers = {
            "compare": compare,
            "run": run_scenario,
            "calibrate": calibrate_cmd,
        }
        if args.command in COMMAND_MODULES:
            return importlib.import_module(COMMAND_MODULES[args.command]).run(args)
        return handlers[args.command](args)
    except (UsageError, ValueError) as err:
        print(f"{command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
