"""`lftm compare`: strategies, timelines or scenario files x replicates, with paired
differences (common random numbers)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError
from .common import MAX_SCHOOLS, add_common, add_workers, int_in, years
from .posteriors import add_compare_posterior

DEFAULT_STRATEGIES = ("baseline", "top_down", "bottom_up", "middle_led")
DEFAULT_SIZE = {"n_schools": 2000, "n_districts": 30}
DEFAULT_YEARS = 12.0


def add_parser(sub) -> argparse.ArgumentParser:
    """Add `compare` to the CLI's subparsers."""
    p = sub.add_parser(
        "compare",
        help="strategies (or scenarios) x replicates, with paired differences",
        description="Run strategies, timelines or scenario files x replicates with common "
        "random numbers; write compare.csv (means and paired differences, middle-led minus "
        "each other strategy, with 95% intervals), compare.png, runs.csv and "
        "provenance.json; with --posterior, also compare_posterior.csv (differences with "
        "intervals that include parameter uncertainty).",
    )
    p.add_argument(
        "--strategies",
        nargs="+",
        default=None,
        metavar="S",
        help="preset names or timelines such as top_down@0,middle_led@4 "
        "(default: the four presets; not with --scenario)",
    )
    p.add_argument(
        "--scenario",
        nargs="+",
        metavar="FILE",
        help="compare scenario files (or bundled scenario names) instead, each on its own "
        "system, common seeds; the first is the reference of the paired differences",
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
        type=int_in(1, 10_000),
        default=20,
        help="replicates per variant (default 20; intervals need at least 2); with "
        "--posterior, also the replicates per posterior draw of compare_posterior.csv",
    )
    _add_system(p)
    add_compare_posterior(p)
    add_workers(p)
    p.add_argument(
        "--out",
        type=Path,
        default=Path("out/compare"),
        help="output directory (default out/compare)",
    )
    add_common(p)
    return p


def _add_system(p: argparse.ArgumentParser) -> None:
    """--years, --at, --schools, --districts."""
    p.add_argument(
        "--years",
        type=years,
        default=None,
        help="years to run (default 12; with --scenario, the scenario's years)",
    )
    p.add_argument(
        "--at",
        type=years,
        nargs="+",
        default=None,
        metavar="YEAR",
        help="years (since the start) reported in compare.csv (default: five evenly "
        "spaced; the final year is always included)",
    )
    p.add_argument(
        "--schools",
        type=int_in(1, MAX_SCHOOLS),
        default=None,
        help="number of schools (default 2000; with --scenario, the scenario's)",
    )
    p.add_argument(
        "--districts",
        type=int_in(0, MAX_SCHOOLS),
        default=None,
        help="districts, 0 for no middle tier (default 30; with --scenario, the scenario's)",
    )


# --- variants -------------------------------------------------------------------------


def strategy_variants(args: argparse.Namespace) -> dict[str, dict]:
    """Model keywords per strategy or timeline named by --strategies."""
    from ..strategies import ALIASES, PRESETS, Timeline

    given = {"n_schools": args.schools, "n_districts": args.districts}
    size = {k: DEFAULT_SIZE[k] if v is None else v for k, v in given.items()}
    if size["n_districts"] > size["n_schools"]:
        raise InputError(
            f"--districts must be at most --schools ({size['n_schools']}), "
            f"got {size['n_districts']}",
            key="--districts",
        )
    if args.phase_start:
        raise InputError("--phase-start needs one --scenario", key="--phase-start")
    variants = {}
    for item in args.strategies or DEFAULT_STRATEGIES:
        if item in variants:
            raise InputError(
                f"--strategies names {item!r} twice; give each strategy once",
                key="--strategies",
            )
        if "@" in item:
            try:
                spec = {"timeline": Timeline(item)}
            except ValueError as exc:
                raise InputError(f"--strategies: {exc}", key="--strategies") from None
        elif item in PRESETS or item in ALIASES:
            spec = {"strategy": item}
        else:
            raise InputError(
                f"--strategies: unknown strategy {item!r}; allowed: "
                f"{', '.join(PRESETS)} or a timeline like top_down@0,stop@6",
                key="--strategies",
            )
        variants[item] = {**size, **spec}
    return variants


def scenario_variants(args: argparse.Namespace) -> tuple[dict[str, dict], dict, float]:
    """Model keywords per scenario and phase-start variant, each variant's Scenario, and
    the years to run."""
    from ..scenarios import load_scenario

    if args.strategies is not None:
        raise InputError(
            "--strategies cannot be used with --scenario (a scenario's phases fix its "
            "strategies); to compare strategies on a scenario's system, add scenario files "
            "or --phase-start variants",
            key="--strategies",
        )
    scenarios = [load_scenario(path) for path in args.scenario]
    if args.phase_start and len(scenarios) != 1:
        raise InputError(
            f"--phase-start needs exactly one --scenario, got {len(scenarios)}",
            key="--phase-start",
        )
    named = [(sc.name, sc) for sc in scenarios]
    for item in args.phase_start:
        index, _, year = item.partition("=")
        try:
            index_i, year_f = int(index), float(year)
        except ValueError:
            raise InputError(
                f"--phase-start must be I=YEAR (e.g. 1=2007), got {item!r}", key="--phase-start"
            ) from None
        variant = scenarios[0].with_phase_start(index_i, year_f)
        named.append((f"{scenarios[0].name} (phase {index_i} from {year_f:g})", variant))
    _refuse_repeats(args, named)
    given = {"schools": args.schools, "districts": args.districts}
    sizes = {k: v for k, v in given.items() if v is not None}
    if sizes:  # through the loader, so sizes are validated (memory included)
        named = [(name, sc.with_system(**sizes)) for name, sc in named]
    run_years = args.years if args.years is not None else max(sc.years for _, sc in named)
    for _, sc in named:
        _refuse_phases_after(sc, run_years)
    return {name: sc.model_kwargs() for name, sc in named}, dict(named), run_years


def _refuse_repeats(args: argparse.Namespace, named: list) -> None:
    seen: dict[str, int] = {}
    for i, (name, _) in enumerate(named):
        if name in seen:
            if i >= len(args.scenario):
                raise InputError(
                    f"--phase-start {args.phase_start[i - len(args.scenario)]} is given twice; "
                    "give each variant once",
                    key="--phase-start",
                )
            raise InputError(
                f"--scenario: {args.scenario[seen[name]]} and {args.scenario[i]} are both "
                f"named {name!r}; give each scenario once, or rename one ([scenario] name)",
                key="--scenario",
            )
        seen[name] = i


def _refuse_phases_after(sc, run_years: float) -> None:
    for i, phase in enumerate(sc.phases):
        if phase.start - sc.start_year >= run_years:
            raise InputError(
                f"--years {run_years:g} ends the run in {sc.start_year + run_years:g}, before "
                f"phase {i} ({phase.label}) of {sc.path} starts in {phase.start:g}; allowed: "
                f"--years more than {phase.start - sc.start_year:g}, or no --years",
                key="--years",
            )


def _refuse_timelines_after(variants: dict[str, dict], run_years: float) -> None:
    for name, params in variants.items():
        timeline = params.get("timeline")
        late = [p for p in getattr(timeline, "phases", ()) if p.start >= run_years]
        if late:
            raise InputError(
                f"--strategies {name}: the phase {late[0].label}@{late[0].start:g} starts "
                f"after the run ends (--years {run_years:g}); allowed: --years more than "
                f"{late[0].start:g}, or an earlier phase",
                key="--strategies",
            )


def report_at(args: argparse.Namespace, run_years: float) -> list[float]:
    """The years compare.csv reports: --at (checked) or evenly spaced; the final year
    always included."""
    from ..analysis import report_years, whole_terms

    if args.at is None:
        return report_years(run_years)
    bad = [y for y in args.at if y > run_years]
    if bad:
        raise InputError(
            f"--at {bad[0]:g} is after the run ends (year {run_years:g}); allowed: years "
            f"in [0, {run_years:g}]",
            key="--at",
        )
    return whole_terms([*args.at, run_years])


# --- the command ----------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """`lftm compare`: variants x replicates -> compare.csv, compare.png, runs.csv."""
    from ..outputs import output_dir
    from ..provenance import resolve_parameters
    from .posteriors import DEFAULT_DRAWS, VariantPosteriors
    from .runs import announce, estimate_seconds, run_members

    if args.scenario:
        variants, scenarios, run_years = scenario_variants(args)
        reference = next(iter(variants))
    else:
        variants, scenarios = strategy_variants(args), {}
        run_years = args.years or DEFAULT_YEARS
        _refuse_timelines_after(variants, run_years)
        reference = "middle_led" if "middle_led" in variants else next(iter(variants))
    at = report_at(args, run_years)
    if scenarios:  # checked without building a model; errors name the file and key
        resolved = {name: sc.resolved_parameters() for name, sc in scenarios.items()}
    else:
        resolved = {name: resolve_parameters(kw) for name, kw in variants.items()}
    posterior = VariantPosteriors.of(args, variants, scenarios)
    schools = max(r["settings"]["n_schools"] for r in resolved.values())
    per_draw = 0 if posterior.shared is None else (args.posterior_draws or DEFAULT_DRAWS)
    runs = len(variants) * args.replicates * (1 + per_draw)
    seconds = estimate_seconds(runs, run_years, schools, args.workers)
    with output_dir(args.out, "lftm compare", args.force) as tmp:  # checked before any run
        announce(seconds, f"{runs} runs of {schools:,} schools", args.quiet)
        frame = run_members(
            variants,
            args.replicates,
            run_years,
            args.seed,
            args.workers,
            not args.quiet,
            draws=posterior.draws,
        )
        posterior.write_table(tmp, variants, reference, run_years, args)
        summary = _write(
            tmp, frame, at, reference, (variants, scenarios), args, resolved, run_years, posterior
        )
        costs = _costs(tmp, frame, variants, run_years)
    if not args.quiet:
        _print_table(summary, reference, args.replicates)
        posterior.print(variants, scenarios, args.posterior)
        _print_costs(costs)
        written = OUTPUT_FILES + (("compare_posterior.csv",) if posterior.shared else ())
        print(f"\nwrote {', '.join(str(args.out / f) for f in written)}")
    return 0


OUTPUT_FILES = ("compare.csv", "costs.csv", "compare.png", "runs.csv", "provenance.json")


def _costs(tmp, frame, variants: dict, run_years: float):
    """costs.csv: each variant's spend per school-year (docs/costs.md) and, where a
    baseline ran, its gain in mean capacity over baseline and the gain per unit spent."""
    from ..costs import cost_table, gain_table

    if "baseline" in variants:
        costs = gain_table(frame, variants, year=run_years)
    else:
        costs = cost_table(variants, run_years)
    costs.to_csv(tmp / "costs.csv", index=False)
    return costs


def _print_costs(costs) -> None:
    print("\nSpend per school-year (reference budgets, docs/costs.md)", end="")
    if "gain" in costs:
        print("; gain in mean capacity over baseline, and per unit spent")
    else:
        print()
    print(costs.to_string(index=False, float_format="%.3f"))


def _write(tmp, frame, at, reference, named, args, resolved, run_years, posterior):
    from ..analysis import summarise
    from ..provenance import write_provenance
    from .common import command_line, headless_figures

    variants, scenarios = named
    summary = summarise(frame, at, reference=reference)
    summary.to_csv(tmp / "compare.csv", index=False)
    frame.to_csv(tmp / "runs.csv", index=False)
    headless_figures()
    _figure(frame, scenarios, args).savefig(tmp / "compare.png", dpi=120)
    clips = int(frame.groupby(["variant", "replicate"])["clip_count"].max().sum())
    parameters = {
        "replicates": args.replicates,
        "years": run_years,
        "report_years": at,
        "workers": args.workers,
        "reference": reference,
        "variants": resolved,  # the declared values; posterior.draws replace fitted ones
        "clip_count": clips,
        **posterior.records(variants, args.seed),
    }
    if scenarios:
        parameters["scenarios"] = {name: sc.to_dict() for name, sc in scenarios.items()}
    write_provenance(tmp, command_line(), args.seed, parameters)
    return summary


def _figure(frame, scenarios: dict, args: argparse.Namespace):
    """compare.png: in calendar years, strategy switches marked, when every variant is a
    scenario starting in the same year; else in years since the start."""
    from ..plots import compare_figure, switches_of

    starts = {sc.start_year for sc in scenarios.values()}
    if len(starts) == 1:
        start = starts.pop()
        kwargs = {name: sc.model_kwargs() for name, sc in scenarios.items()}
        title = "Scenarios compared" if len(args.scenario) > 1 else "Hand-over years compared"
        return compare_figure(
            frame, title=title, start_year=start, switches=switches_of(kwargs, start)
        )
    if scenarios:
        return compare_figure(frame, title="Scenarios compared")
    timelines = {v: {"timeline": v} for v in frame["variant"].unique() if "@" in v}
    return compare_figure(frame, switches=switches_of(timelines) or None)


def _print_table(summary, reference: str, replicates: int) -> None:
    import numpy as np

    last = summary[np.isclose(summary["year"], summary["year"].max())]
    shown = ["mean_capacity", "mean_performance", "gap", "equity_gap", "mean_innovation"]
    means = last[(last["kind"] == "mean") & last["metric"].isin(shown)]
    table = means.pivot(index="variant", columns="metric", values="estimate")[shown]
    table = table.loc[list(dict.fromkeys(means["variant"]))]
    print(f"\nYear {last['year'].max():g}: means over replicates")
    print(table.round(3).to_string())
    diffs = last[(last["kind"] == "paired_difference") & last["metric"].isin(shown)]
    if not len(diffs):
        return
    if replicates < 2:
        print(
            f"\n{reference} minus each other variant: no 95% interval with {replicates} "
            "replicate (it needs at least 2; compare.csv holds NaN)"
        )
        cells = diffs.assign(cell=diffs["estimate"].map(lambda x: f"{x:+.3f}"))
    else:
        print(f"\n{reference} minus each other variant (95% interval)")
        cells = diffs.assign(
            cell=diffs.apply(
                lambda r: f"{r.estimate:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}]", axis=1
            )
        )
    print(cells.pivot(index="versus", columns="metric", values="cell")[shown].to_string())
