"""What a strategy costs, and what the budget buys: the pricing rule (docs/costs.md).

Every lever that takes people's time or money has a unit cost per school-year, declared once
as the ``cost`` field of its entry in `data/parameters.toml`: reference budgets per
school-year per unit of the lever above its declared default (the business-as-usual level,
which ordinary budgets already pay for). Costs are of four kinds (`Cost.basis`):

- ``sourced``: from a published programme budget (docs/costs.md gives the sums);
- ``assumption``: a stated guess where no budget breaks the activity out;
- ``free``: a disposition, permission or choice, free by a written argument;
- ``channel``: the three spending levers, shares of the money the priced activities leave.

`realise(strategy, budget)` is the one place a strategy and a budget become what the rules
see. Below the reference budget the whole plan shrinks in proportion ("money runs out
proportionally"); above it the priced activities run at their planned level and the extra
money flows to the channels. Seeds: LftM "needs support and resourcing from the top";
ingredient 8, "securing adequate resources to sustain the work".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .declarations import LEVER_PARAMS, SETTINGS
from .strategies import Strategy, resolve_timeline

#: Levers whose intensity above the declared default is paid for (per unit, by name).
UNIT_COSTS: dict[str, float] = {
    name: p.cost.per_unit
    for name, p in LEVER_PARAMS.items()
    if p.cost is not None and p.cost.basis in ("sourced", "assumption")
}
#: The spending channels: shares of the money left after the priced activities.
CHANNELS: tuple[str, ...] = tuple(
    name for name, p in LEVER_PARAMS.items() if p.cost is not None and p.cost.basis == "channel"
)
#: The level each priced lever has for free: its declared default (business as usual).
FREE_LEVEL: dict[str, float] = {name: float(LEVER_PARAMS[name].default) for name in UNIT_COSTS}


@dataclass(frozen=True)
class Funding:
    """How a budget funds a strategy, per school-year, in reference budgets.

    `activity_cost` is what the priced levers cost at their planned level; `funded` the
    share of that plan the budget pays for; `channels` the money left for the spending
    channels; `spend` what is spent in all.
    """

    budget: float
    activity_cost: float
    funded: float
    channels: float
    spend: float


def activity_cost(strategy: Strategy) -> float:
    """Cost per school-year of the strategy's priced levers at their planned level."""
    return sum(
        unit * max(getattr(strategy, name) - FREE_LEVEL[name], 0.0)
        for name, unit in UNIT_COSTS.items()
    )


def funding(strategy: Strategy, budget: float) -> Funding:
    """The pricing rule: how much of the plan `budget` pays for.

    With activity cost D and budget B, the plan is what the strategy does at the reference
    budget (B = 1). The funded share is f = min(1, B / max(D, 1)): below the reference, the
    activities and the channels shrink in the same proportion; a plan whose activities alone
    cost more than the reference is funded in proportion up to B = D. The channels get
    what is left, B - f D, split by the spending shares (unshared money is not spent).
    """
    if budget < 0:
        raise ValueError(f"budget must be at least 0, got {budget!r}")
    cost = activity_cost(strategy)
    funded = 1.0 if cost == 0 else min(1.0, budget / max(cost, 1.0))
    channels = max(budget - funded * cost, 0.0)
    spend = funded * cost + channels * strategy.spend_share
    return Funding(float(budget), cost, funded, channels, spend)


def realise(strategy: Strategy, budget: float) -> tuple[Strategy, float]:
    """What the rules see: the strategy as the budget funds it, and the spend per school-year.

    Each priced lever above its free level moves toward it in proportion to the unfunded
    share: x -> x0 + f (x - x0). Each spending share is rescaled so that budget * share is
    the money its channel actually gets. Free levers and levers at or below their free level
    are unchanged. Pure: the same inputs give the same outputs.
    """
    fund = funding(strategy, budget)
    levers: dict[str, float] = {}
    for name in UNIT_COSTS:
        planned, free = getattr(strategy, name), FREE_LEVEL[name]
        if planned > free:
            levers[name] = free + fund.funded * (planned - free)
    scale = fund.channels / budget if budget > 0 else 0.0
    levers.update({name: getattr(strategy, name) * scale for name in CHANNELS})
    return strategy.with_levers(**levers), fund.spend


def cost_per_school_year(strategy: Strategy, budget: float = 1.0) -> float:
    """What the strategy spends per school-year at `budget` (reference budgets)."""
    return funding(strategy, budget).spend


def breakdown(strategy: Strategy, budget: float = 1.0) -> pd.DataFrame:
    """One row per lever with a cost: planned and realised level, unit cost, cost bought."""
    realised, _ = realise(strategy, budget)
    fund = funding(strategy, budget)
    rows = []
    for name, p in LEVER_PARAMS.items():
        planned = getattr(strategy, name)
        if name in CHANNELS:
            bought = fund.channels * planned
        elif name in UNIT_COSTS:
            bought = UNIT_COSTS[name] * max(getattr(realised, name) - FREE_LEVEL[name], 0.0)
        else:
            bought = 0.0
        rows.append(
            {
                "lever": name,
                "basis": p.cost.basis if p.cost else "",
                "per_unit": p.cost.per_unit if p.cost else float("nan"),
                "free_level": float(p.default),
                "planned": planned,
                "realised": getattr(realised, name),
                "spend": bought,
            }
        )
    return pd.DataFrame(rows)


def _phases(params: Mapping[str, Any]) -> list[tuple[float, Strategy]]:
    """The (start year, planned strategy) phases a dict of SystemModel keywords runs."""
    timeline = resolve_timeline(params.get("timeline"), params.get("strategy", "baseline"))
    overrides = {k: v for k, v in params.items() if k in LEVER_PARAMS and v is not None}
    if overrides:
        timeline = timeline.with_levers(**overrides)
    return [(p.start, p.strategy) for p in timeline.phases]


def mean_spend(params: Mapping[str, Any], years: float | None = None) -> float:
    """Mean spend per school-year of a run (SystemModel keywords) over its first `years`.

    A single strategy spends the same every year; a timeline is averaged over its phases,
    weighted by how long each runs before `years` (the first phase only, without `years`).
    """
    budget = float(params.get("budget", SETTINGS["budget"].default))
    phases = _phases(params)
    if years is None or years <= 0:
        return cost_per_school_year(phases[0][1], budget)
    total = 0.0
    for k, (start, strategy) in enumerate(phases):
        end = phases[k + 1][0] if k + 1 < len(phases) else years
        total += max(min(end, years) - start, 0.0) * cost_per_school_year(strategy, budget)
    return total / years


def cost_table(
    variants: Mapping[str, Mapping[str, Any]], years: float | None = None
) -> pd.DataFrame:
    """Cost per school-year of each variant (name -> SystemModel keywords).

    Columns: variant, budget, activity_cost (the first phase's plan), funded (share of that
    plan paid for), spend (mean per school-year over `years`).
    """
    rows = []
    for name, params in variants.items():
        budget = float(params.get("budget", SETTINGS["budget"].default))
        fund = funding(_phases(params)[0][1], budget)
        rows.append(
            {
                "variant": name,
                "budget": budget,
                "activity_cost": fund.activity_cost,
                "funded": fund.funded,
                "spend": mean_spend(params, years),
            }
        )
    return pd.DataFrame(rows)


def gain_table(
    frame: pd.DataFrame,
    variants: Mapping[str, Mapping[str, Any]],
    metric: str = "mean_capacity",
    year: float | None = None,
    baseline: str = "baseline",
) -> pd.DataFrame:
    """Per variant: spend per school-year, gain over `baseline` and gain per unit of spend.

    `frame` is a tidy run frame (variant, replicate, year, reporters) as
    `experiments.run_variants` returns for `variants`. The gain at `year` (default: the
    last) is paired by replicate (common random numbers), with its 95% t-interval;
    gain_per_budget is the mean gain over the mean spend per school-year (NaN if none).
    """
    from .analysis import t_interval  # scipy.stats: kept out of the engine's imports

    if baseline not in set(frame["variant"]):
        raise ValueError(f"the frame has no {baseline!r} variant to measure gains against")
    year = float(frame["year"].max()) if year is None else year
    wide = frame[np.isclose(frame["year"], year)].pivot(
        index="replicate", columns="variant", values=metric
    )
    spend = cost_table(variants, years=year).set_index("variant")["spend"]
    rows = []
    for name in variants:
        if name == baseline:
            continue
        mean, low, high = t_interval((wide[name] - wide[baseline]).to_numpy())
        cost = float(spend[name])
        rows.append(
            {
                "variant": name,
                "spend": cost,
                "gain": mean,
                "gain_low": low,
                "gain_high": high,
                "gain_per_budget": mean / cost if cost > 0 else float("nan"),
                "n": len(wide),
            }
        )
    return pd.DataFrame(rows)
