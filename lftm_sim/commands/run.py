"""`lftm run SCENARIO`: one scenario's series (CSV, Parquet), the resolved scenario, a
figure in calendar years with the phases shaded, and provenance.json."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError
from .common import add_common, add_workers, int_in
from .posteriors import add_run_posterior

OUTPUT_FILES = (
    "series.csv",
    "series.parquet",
    "costs.csv",
    "scenario.toml",
    "run.png",
    "provenance.json",
)


def add_parser(sub) -> argparse.ArgumentParser:
    """Add `run` to the CLI's subparsers."""
    p = sub.add_parser(
        "run",
        help="run one scenario file (or bundled scenario, see `lftm scenarios`)",
        description="Run a scenario file: time series (CSV and Parquet), the resolved "
        "scenario, a figure in calendar years with the phases shaded, and provenance.json. "
        "A calibrated scenario runs on posterior draws (see --posterior).",
    )
    p.add_argument(
        "scenario",
        help="scenario file (TOML), e.g. scenarios/ontario_2003_2015.toml, or the name of a "
        "bundled scenario, e.g. ontario_2003_2015 (list them: lftm scenarios)",
    )
    p.add_argument(
        "--replicates",
        type=int_in(1, 10_000),
        default=1,
        help="replicates (default 1; on posterior draws, one draw per replicate)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory (default out/run/<scenario file name>)",
    )
    p.add_argument(
        "--agents",
        action="store_true",
        help="also write agent-level series (agents.parquet: step, year, calendar_year, "
        "agent_id, each school's state, replicate)",
    )
    add_run_posterior(p)
    add_workers(p)
    add_common(p, seed_default=None)
    return p


def run(args: argparse.Namespace) -> int:
    """`lftm run SCENARIO`: series, resolved scenario, figure, provenance."""
    from ..outputs import output_dir
    from ..posterior.use import scenario_posterior
    from ..scenarios import load_scenario
    from .posteriors import posterior_note, replicate_draws
    from .runs import announce, estimate_seconds

    if args.agents and args.workers > 1:
        raise InputError(
            "--agents collects every school's state in this process, one run at a time; "
            f"drop --workers {args.workers}, or drop --agents",
            key="--workers",
        )
    sc = load_scenario(args.scenario)
    seed = sc.seed if args.seed is None else args.seed
    out = args.out or Path("out/run") / sc.path.stem
    if args.agents:
        sc.check_memory(collect_agents=True)
    resolved = sc.resolved_parameters()
    src = scenario_posterior(sc, args.posterior)
    draws = replicate_draws({sc.name: sc.model_kwargs()}, {sc.name: src}, args.replicates, seed)
    seconds = estimate_seconds(args.replicates, sc.years, sc.n_schools, args.workers)
    with output_dir(out, "lftm run", args.force) as tmp:  # checked before the first run
        announce(seconds, f"{args.replicates} run(s) of {sc.n_schools:,} schools", args.quiet)
        frame, agents = _simulate(sc, seed, args, draws)
        frame.insert(0, "calendar_year", sc.start_year + frame["year"])
        _write(tmp, sc, frame, agents, seed, args, resolved, (src, draws.get(sc.name)))
    if not args.quiet:
        last = frame[frame["step"] == frame["step"].max()]
        print(
            f"{sc.name}, {sc.start_year:g}-{sc.end_year:g}: mean performance "
            f"{last['mean_performance'].mean():.3f}, gap {last['gap'].mean():.3f}, "
            f"mean capacity {last['mean_capacity'].mean():.3f}; spend "
            f"{_spend(sc):.3f} reference budgets per school-year (docs/costs.md)"
        )
        print(f"Parameters: {posterior_note(sc.model_kwargs(), src, sc, args.posterior)}")
        files = ", ".join(OUTPUT_FILES + (("agents.parquet",) if agents is not None else ()))
        print(f"wrote {out}/: {files}")
    return 0


def _simulate(sc, seed: int, args: argparse.Namespace, draws: dict):
    """The series of every replicate (and the agent-level frame with --agents), replicate
    r on posterior draw r where `draws` has one. A single run, or agent collection, steps
    in this process with a bar by step; several runs go through the chunked dispatcher."""
    import numpy as np
    import pandas as pd

    from ..agents import School
    from .runs import build_members, run_members, run_one_by_step

    variant = {sc.name: sc.model_kwargs()}
    if not args.agents and args.replicates > 1:
        frame = run_members(
            variant, args.replicates, sc.years, seed, args.workers, not args.quiet, draws=draws
        )
        return frame, None
    frames, agents = [], []
    _, members, seeds = build_members(variant, args.replicates, seed, draws)
    for r in range(args.replicates):
        rng = np.random.default_rng(seeds[r])  # as the ensemble seeds member r
        mechanisms = members[r]["mechanisms"]
        model = sc.make_model(rng=rng, collect_agents=args.agents, mechanisms=mechanisms)
        desc = f"replicate {r + 1}/{args.replicates}"
        df = run_one_by_step(model, sc.years, desc, not args.quiet)
        frames.append(df.assign(variant=sc.name, replicate=r))
        if args.agents:
            agents.append(_agent_frame(model, School, sc.start_year).assign(replicate=r))
    frame = pd.concat(frames, ignore_index=True)
    first = ["variant", "replicate"]
    frame = frame[first + [c for c in frame.columns if c not in first]]
    return frame, (pd.concat(agents, ignore_index=True) if args.agents else None)


def _agent_frame(model, agent_type, start_year: float):
    """Agent-level series with step, year and calendar_year columns, like the series."""
    from ..dynamics import STEPS_PER_YEAR

    df = model.datacollector.get_agenttype_vars_dataframe(agent_type).reset_index()
    df = df.rename(columns={"Step": "step", "AgentID": "agent_id"})
    df["step"] = df["step"].astype(int)
    df.insert(1, "year", df["step"] / STEPS_PER_YEAR)
    df.insert(2, "calendar_year", start_year + df["year"])
    return df


def _cost_frame(sc):
    """The scenario's spend per school-year over its phases (a run has no baseline, so
    no gain per unit spent: `lftm compare` gives that)."""
    from ..costs import cost_table

    return cost_table({sc.name: sc.model_kwargs()}, sc.years)


def _spend(sc) -> float:
    return float(_cost_frame(sc)["spend"].iloc[0])


def _write(tmp, sc, frame, agents, seed: int, args, resolved, posterior) -> None:
    from ..plots import scenario_figure
    from ..provenance import write_provenance
    from .common import command_line, headless_figures
    from .posteriors import posterior_record

    frame.to_csv(tmp / "series.csv", index=False)
    frame.to_parquet(tmp / "series.parquet", index=False)
    if agents is not None:
        agents.to_parquet(tmp / "agents.parquet", index=False)
    (tmp / "scenario.toml").write_text(sc.to_toml(), encoding="utf-8")
    _cost_frame(sc).to_csv(tmp / "costs.csv", index=False)
    headless_figures()
    scenario_figure(frame, sc).savefig(tmp / "run.png", dpi=120)
    parameters = {
        "replicates": args.replicates,
        "scenario": sc.to_dict(),
        "resolved": resolved,  # the declared values; posterior.draws replace the fitted ones
        "posterior": posterior_record(sc.model_kwargs(), *posterior),
        "clip_count": int(frame.groupby("replicate")["clip_count"].max().sum()),
    }
    write_provenance(tmp, command_line(), seed, parameters)
