"""Cost-effectiveness: each strategy's gain over baseline against its budget, and where a
strategy's lead comes from (docs/costs.md).

Every experiment here runs through `experiments.run_variants` with common random numbers:
replicate r of every variant meets the same system and the same noise, so gains over
baseline are paired by replicate. The model prices every strategy itself
(`costs.realise`), so a variant names a planned strategy and a budget, never a
pre-priced strategy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from .costs import FREE_LEVEL, gain_table
from .experiments import run_variants
from .strategies import PRESETS

#: Strategies whose curves are drawn by default.
CURVE_STRATEGIES: tuple[str, ...] = ("top_down", "bottom_up", "middle_led")
BASELINE = "baseline"


@dataclass(frozen=True)
class Design:
    """How the experiments run: system size, replicates, years, the outcome measured and
    the seeding (common random numbers from `seed`)."""

    n_schools: int = 500
    n_districts: int = 10
    replicates: int = 6
    years: float = 12.0
    metric: str = "mean_capacity"
    seed: int = 0
    workers: int = 1
    progress: bool = False

    @property
    def system(self) -> dict[str, int]:
        """The SystemModel keywords of the system every variant runs on."""
        return {"n_schools": int(self.n_schools), "n_districts": int(self.n_districts)}


def measure(variants: dict[str, dict[str, Any]], design: Design) -> pd.DataFrame:
    """Run `variants` (baseline among them) and return their gains over baseline."""
    frame = run_variants(
        variants,
        design.replicates,
        design.years,
        seed=design.seed,
        workers=design.workers,
        progress=design.progress,
    )
    table = gain_table(frame, variants, design.metric, design.years)
    return table.assign(metric=design.metric, year=design.years)


def curve_variants(
    strategies: Sequence[str], budgets: Sequence[float], system: dict[str, int]
) -> dict[str, dict[str, Any]]:
    """Baseline plus every strategy at every budget, named ``strategy@budget``."""
    variants: dict[str, dict[str, Any]] = {BASELINE: {"strategy": BASELINE, **system}}
    for name in strategies:
        for b in budgets:
            variants[f"{name}@{b:g}"] = {"strategy": name, "budget": float(b), **system}
    return variants


def curves(
    strategies: Sequence[str] = CURVE_STRATEGIES,
    budgets: Sequence[float] = (0.0, 0.25, 0.5, 1.0, 2.0, 3.0),
    design: Design = Design(),
) -> pd.DataFrame:
    """Gain over baseline at the design's last year of each strategy at each budget.

    Columns: strategy, budget, spend (per school-year), gain, gain_low, gain_high (95%),
    gain_per_budget, n (replicates), metric, year.
    """
    variants = curve_variants(strategies, budgets, design.system)
    table = measure(variants, design)
    table.insert(0, "budget", [variants[v]["budget"] for v in table["variant"]])
    table.insert(0, "strategy", [variants[v]["strategy"] for v in table["variant"]])
    return table.drop(columns="variant")


def decomposition_variants(system: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Where middle-led's lead over top-down comes from, at the reference budget unless
    named ``@0``.

    - "middle_led levers, money to central support": middle-led's free levers (its
      dispositions: humility, initiative, responsibility, letting go, ...) with every priced
      lever at its free level, and the whole budget spent on central support;
    - "middle_led money, top_down levers": top-down's levers, with the money they leave
      invested in the middle instead of central support;
    - each strategy at budget 0: what its free levers do without money.
    """
    middle = PRESETS["middle_led"]
    unpaid = {name: min(getattr(middle, name), free) for name, free in FREE_LEVEL.items()}
    return {
        BASELINE: {"strategy": BASELINE, **system},
        "top_down": {"strategy": "top_down", **system},
        "middle_led": {"strategy": "middle_led", **system},
        "middle_led levers, money to central support": {
            "strategy": {
                "preset": "middle_led",
                **unpaid,
                "middle_investment": 0.0,
                "central_support": 1.0,
            },
            **system,
        },
        "middle_led money, top_down levers": {
            "strategy": {"preset": "top_down", "central_support": 0.0, "middle_investment": 1.0},
            **system,
        },
        "top_down@0": {"strategy": "top_down", "budget": 0.0, **system},
        "bottom_up@0": {"strategy": "bottom_up", "budget": 0.0, **system},
        "middle_led@0": {"strategy": "middle_led", "budget": 0.0, **system},
    }


def decomposition(design: Design = Design()) -> pd.DataFrame:
    """Where the lead comes from: gain over baseline of each decomposition variant."""
    return measure(decomposition_variants(design.system), design)


def curve_figure(table: pd.DataFrame, x: str = "budget") -> Figure:
    """Gain over baseline against budget (or spend), one line and 95% band per strategy."""
    from . import plots  # the shared palette; imported here to keep this module light

    # InlineFigure: shows itself in Jupyter without pyplot
    fig = plots.InlineFigure(figsize=(6.4, 4.2), constrained_layout=True)
    ax = fig.add_subplot()
    for i, name in enumerate(dict.fromkeys(table["strategy"])):
        rows = table[table["strategy"] == name].sort_values(x)
        colour = plots.colour_of(name, i)
        ax.plot(rows[x], rows["gain"], "o-", color=colour, lw=2, label=name.replace("_", "-"))
        ax.fill_between(rows[x], rows["gain_low"], rows["gain_high"], color=colour, alpha=0.2)
    ax.axhline(0.0, color="#7f7f7f", lw=1, ls=":")
    metric, year = table["metric"].iloc[0], table["year"].iloc[0]
    ax.set_xlabel(
        "Budget (reference budgets per school-year)"
        if x == "budget"
        else "Spend (reference budgets per school-year)"
    )
    ax.set_ylabel(f"Gain over baseline in {metric.replace('_', ' ')}, year {year:g}")
    ax.legend(frameon=False)
    return fig
