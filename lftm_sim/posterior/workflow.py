"""The `lftm calibrate` workflow: fit each system, predict across systems, write it all.

DIR/posterior_SYSTEM/     each system's posterior (storage.py)
DIR/credible.csv          medians and 50%/90% credible intervals, per fit
DIR/schedule.csv          epsilon, simulations and acceptance per generation, per fit
DIR/constraints.csv       summary points, structural constraints, numerical rank, parameters
DIR/out_of_sample.csv     RMSE and coverage per system and method (model fits, baselines)
DIR/predictions.csv       every point with every method's forecast and intervals
DIR/patterns.csv, DIR/pattern_draws.csv   P1-P9 over posterior draws (--pattern-draws)
DIR/posterior_SYSTEM.png, DIR/predictions.png, DIR/provenance.json
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .abc import ABCSettings, run_abc
from .priors import FREE, default_priors
from .storage import Posterior, refuse_overwrite, write_posterior
from .targets import Target, fit_targets, load


def _free(text: str | None) -> tuple[str, ...]:
    if text is None:
        return FREE
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise InputError(
            "--free names no parameter",
            key="--free",
            allowed="comma-separated mechanism parameters",
            value=text,
        )
    return names


def prior_rank(targets: list[Target], priors, schools, seed: int, draws: int = 40) -> int:
    """Numerical rank of the noise-free summaries over prior draws."""
    from . import summaries
    from .priors import mechanisms_of
    from .targets import observations, simulate_many, systems, with_schools

    summ = summaries.summary_points(summaries.points_table(targets, observations()))
    rng = np.random.default_rng([seed, 7])
    theta = [{k: 10 ** rng.uniform(*p.log_bounds) for k, p in priors.items()} for _ in range(draws)]
    rows = np.full((draws, len(summ)), np.nan)
    for name, sc in systems(targets).items():
        mask = (summ["system"] == name).to_numpy()
        if not mask.any():
            continue
        sized = with_schools(sc, schools)
        for d, t in enumerate(theta):
            try:
                curve = simulate_many(sized, [mechanisms_of(t)], [int(rng.integers(2**31 - 1))])[0]
            except ValueError:  # refused by the model's form check: left out of the rank
                continue
            rows[d, mask] = summaries.simulated(summ[mask], {name: curve}, 0.0, rng)
    return summaries.numerical_rank(rows)


def _fit_one(task: tuple) -> Posterior:
    """One system's posterior and the numerical rank of its summaries (a process's work)."""
    system, mine, priors, settings, rank_seed = task
    post = run_abc(mine, priors, settings)
    post.settings["fit_on"] = system
    post.settings["numerical_rank"] = prior_rank(mine, priors, settings.schools, rank_seed)
    return post


def fit_all(args: argparse.Namespace, targets: list[Target]) -> dict[str, Posterior]:
    """One posterior per system, fitted on that system's early years. With
    ``--fit-processes N`` up to N systems are fitted at once, each in its own process with
    its own seed, so the posteriors are the same as one after the other."""
    priors = default_priors(_free(args.free))
    names = list(dict.fromkeys(t.system for t in targets))
    parallel = min(args.fit_processes, len(names)) > 1
    tasks = []
    for i, system in enumerate(names):
        settings = ABCSettings(
            population=args.population,
            generations=args.generations,
            min_epsilon=args.min_epsilon,
            max_simulations=args.max_simulations,
            seed=args.seed + i,
            workers=args.workers,
            schools=args.schools,
            progress=not args.quiet and not parallel,
        )
        tasks.append(
            (system, [t for t in targets if t.system == system], priors, settings, args.seed)
        )
    if parallel:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        if not args.quiet:
            print(f"fitting {', '.join(names)} in {min(args.fit_processes, len(names))} processes")
        ctx = mp.get_context("forkserver")
        with ProcessPoolExecutor(min(args.fit_processes, len(names)), mp_context=ctx) as pool:
            fitted = list(pool.map(_fit_one, tasks))
    else:
        fitted = [_fit_one(task) for task in tasks]
    posteriors = dict(zip(names, fitted, strict=True))
    for system, post in posteriors.items():
        write_posterior(post, Path(args.out) / f"posterior_{system}", force=args.force)
    return posteriors


def _tables(posteriors: dict[str, Posterior]) -> dict[str, pd.DataFrame]:
    cred = pd.concat([p.credible().assign(fit_on=s) for s, p in posteriors.items()])
    sched = pd.concat([p.schedule.assign(fit_on=s) for s, p in posteriors.items()])
    cons = pd.DataFrame(
        [
            {
                "fit_on": s,
                "summary_points": p.settings["summary_points"],
                "structural_constraints": p.settings["structural_constraints"],
                "numerical_rank": p.settings["numerical_rank"],
                "free_parameters": p.settings["free_parameters"],
                "seconds": p.settings["seconds"],
                "simulations": int(p.schedule["simulations"].sum()),
                "effective_sample_size": round(p.ess(), 1),
            }
            for s, p in posteriors.items()
        ]
    )
    return {"credible": cred, "schedule": sched, "constraints": cons}


def calibrate(args: argparse.Namespace) -> dict[str, Any]:
    """Everything `lftm calibrate` does; returns the tables it wrote."""
    from ..provenance import write_provenance
    from .figures import posterior_figure, predictions_figure
    from .predict import out_of_sample

    out = Path(args.out)
    refuse_overwrite(out, args.force, marker="out_of_sample.csv")
    for system_dir in out.glob("posterior_*"):
        refuse_overwrite(system_dir, args.force)
    paths = args.scenarios or [Path(p) for p in _defaults()]
    targets = fit_targets([load(p) for p in paths])
    posteriors = fit_all(args, targets)
    points, table = out_of_sample(posteriors, targets, args.draws, args.seed, args.schools)
    tables = _tables(posteriors) | {"out_of_sample": table, "predictions": points}
    if args.pattern_draws:
        from .draws import posterior_patterns

        for system, post in posteriors.items():
            per, summary = posterior_patterns(
                post,
                draws=args.pattern_draws,
                seed=args.seed,
                progress=not args.quiet,
                n_schools=args.pattern_schools,
                n_districts=max(1, args.pattern_schools // 50),
                replicates=args.pattern_replicates,
            )
            tables[f"patterns_{system}"] = summary.assign(fit_on=system)
            tables[f"pattern_draws_{system}"] = per.assign(fit_on=system)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(out / f"{name}.csv", index=False)
    for system, post in posteriors.items():
        posterior_figure(post).savefig(out / f"posterior_{system}.png", dpi=110)
    predictions_figure(points).savefig(out / "predictions.png", dpi=110)
    write_provenance(
        out,
        "lftm calibrate",
        args.seed,
        {
            k: (str(v) if isinstance(v, Path) else v)
            for k, v in vars(args).items()
            if k not in ("func",)
        }
        | {"scenarios": [str(p) for p in paths]},
    )
    if not args.quiet:
        _print(tables)
    return tables


def _defaults() -> tuple[str, ...]:
    from .cli import DEFAULT_SCENARIOS

    return DEFAULT_SCENARIOS


def _print(tables: dict[str, pd.DataFrame]) -> None:
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        cols = ["fit_on", "parameter", "median", "lo90", "hi90", "prior_lo", "prior_hi"]
        print("\nPosterior medians and 90% credible intervals")
        print(tables["credible"][cols].round(4).to_string(index=False))
        print("\nOut of sample: RMSE (percentage points) and interval coverage")
        print(tables["out_of_sample"].round(3).to_string(index=False))
        print("\nConstraints in the data against parameters")
        print(tables["constraints"].to_string(index=False))
