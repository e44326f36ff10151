"""`lftm cost-effectiveness`: each strategy's gain over baseline against its budget.

Light to import (the CLI's help must start fast): the experiment modules are imported
inside `run`.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

DEFAULT_BUDGETS = "0,0.25,0.5,1,2,3"
DEFAULT_STRATEGIES = "top_down,bottom_up,middle_led"


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add `cost-effectiveness` to the CLI's subparsers."""
    p = subparsers.add_parser(
        "cost-effectiveness",
        help="each strategy's gain over baseline against its budget",
        description="Run every strategy at every budget, and baseline, with common random "
        "numbers; the model prices each strategy's levers from the budget (docs/costs.md). "
        "Writes cost_effectiveness.csv (gain over baseline with 95% intervals, spend and "
        "gain per unit of budget), cost_effectiveness.png, costs.csv (what each strategy's "
        "levers cost and what the reference budget buys) and provenance.json; with "
        "--decomposition also decomposition.csv (where middle-led's lead comes from).",
    )
    p.add_argument(
        "--budgets",
        default=DEFAULT_BUDGETS,
        help=f"comma-separated budgets in reference budgets per school-year, each in [0, 3] "
        f"(default {DEFAULT_BUDGETS})",
    )
    p.add_argument(
        "--strategies",
        default=DEFAULT_STRATEGIES,
        help=f"comma-separated preset strategies (default {DEFAULT_STRATEGIES})",
    )
    p.add_argument("--schools", type=int, default=500, help="number of schools (default 500)")
    p.add_argument("--districts", type=int, default=10, help="number of districts (default 10)")
    p.add_argument("--replicates", type=int, default=6, help="replicates (default 6)")
    p.add_argument("--years", type=float, default=12.0, help="years to run (default 12)")
    p.add_argument(
        "--metric",
        default="mean_capacity",
        help="reporter to measure gains in (default mean_capacity)",
    )
    p.add_argument("--decomposition", action="store_true", help="also run the decomposition")
    p.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("out/cost_effectiveness"),
        help="output directory (default out/cost_effectiveness)",
    )
    p.add_argument("--force", action="store_true", help="overwrite existing results")
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")
    return p


def _budgets(text: str) -> list[float]:
    from .declarations import declared
    from .errors import InputError

    budgets = []
    for item in text.split(","):
        try:
            value = float(item)
        except ValueError:
            raise InputError(
                f"--budgets: {item.strip()!r} is not a number; allowed: numbers in [0, 3]",
                key="--budgets",
                allowed="numbers in [0, 3]",
                value=item,
            ) from None
        budgets.append(declared("budget").check(value, key="--budgets"))
    if len(set(budgets)) < len(budgets):
        raise InputError("--budgets lists a budget twice", key="--budgets", value=text)
    return sorted(budgets)


def _strategies(text: str) -> list[str]:
    from .errors import InputError, suggest
    from .strategies import PRESETS

    names = [item.strip() for item in text.split(",")]
    allowed = [n for n in PRESETS if n != "baseline"]
    for name in names:
        if name not in allowed:
            raise InputError(
                f"--strategies: unknown strategy {name!r}{suggest(name, allowed)}; "
                f"allowed: {', '.join(allowed)}",
                key="--strategies",
                allowed=", ".join(allowed),
                value=name,
            )
    if len(set(names)) < len(names):
        raise InputError("--strategies lists a strategy twice", key="--strategies", value=text)
    return names


def _check_numbers(args: argparse.Namespace) -> None:
    from .declarations import declared
    from .errors import InputError
    from .metrics import MODEL_REPORTERS

    declared("n_schools").check(args.schools, key="--schools")
    declared("n_districts").check(min(args.districts, 10**6), key="--districts")
    if args.districts > args.schools:
        raise InputError(
            f"--districts must be at most --schools ({args.schools})", key="--districts"
        )
    for key, value, lo, hi in (
        ("--replicates", args.replicates, 1, 10_000),
        ("--workers", args.workers, 1, 256),
        ("--years", args.years, 0.25, 200),
        ("--seed", args.seed, 0, 2**63 - 1),
    ):
        if not lo <= value <= hi:
            raise InputError(f"{key} must be in [{lo:g}, {hi:g}], got {value:g}", key=key)
    reporters = [m for m in MODEL_REPORTERS if m != "year"]
    if args.metric not in reporters:
        raise InputError(
            f"--metric: unknown reporter {args.metric!r}; allowed: {', '.join(reporters)}",
            key="--metric",
            allowed=", ".join(reporters),
            value=args.metric,
        )


def run(args: argparse.Namespace) -> int:
    """Run the curves (and the decomposition), write the tables, figure and provenance.

    The output directory is checked before the first run and filled only when everything
    has been computed (`outputs.output_dir`): nothing is lost or half-written."""
    from dataclasses import asdict

    import pandas as pd

    from . import cost_effectiveness as ce
    from .costs import breakdown
    from .outputs import output_dir
    from .provenance import write_provenance
    from .strategies import PRESETS

    budgets, strategies = _budgets(args.budgets), _strategies(args.strategies)
    _check_numbers(args)
    design = ce.Design(
        n_schools=args.schools,
        n_districts=args.districts,
        replicates=args.replicates,
        years=args.years,
        metric=args.metric,
        seed=args.seed,
        workers=args.workers,
        progress=not args.quiet,
    )
    with output_dir(args.out, "lftm cost-effectiveness", args.force) as tmp:
        table = ce.curves(strategies, budgets, design)
        decomposition = ce.decomposition(design) if args.decomposition else None
        table.to_csv(tmp / "cost_effectiveness.csv", index=False)
        ce.curve_figure(table).savefig(tmp / "cost_effectiveness.png", dpi=120)
        levers = [breakdown(PRESETS[name]).assign(strategy=name) for name in strategies]
        pd.concat(levers, ignore_index=True).to_csv(tmp / "costs.csv", index=False)
        if decomposition is not None:
            decomposition.to_csv(tmp / "decomposition.csv", index=False)
        command = "lftm " + shlex.join(sys.argv[1:])
        settings = {**asdict(design), "budgets": budgets, "strategies": strategies}
        write_provenance(tmp, command, args.seed, settings)
        written = sorted(p.name for p in tmp.iterdir())
    if not args.quiet:
        print(table.drop(columns=["metric", "year"]).to_string(index=False, float_format="%.3f"))
        if decomposition is not None:
            shown = decomposition.drop(columns=["metric", "year"])
            print("\n" + shown.to_string(index=False, float_format="%.3f"))
        print(f"\nwrote {args.out}/: " + ", ".join(written))
    return 0
