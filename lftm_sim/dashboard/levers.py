"""The levers an instructor moves, what moving them does to a strategy, and what it costs.

Five main levers: pressure, middle investment, lateral learning, network quality (the eight
ingredients moved together) and autonomy. Their ranges come from the parameter
declarations. A moved lever changes one strategy (the one the instructor adjusts); the other
panels keep their presets, so the class sees the effect against them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ..declarations import LEVER_PARAMS, Param
from ..strategies import INGREDIENTS, SPENDING, Strategy, network_quality

#: The levers on the page, in the order shown. "network_quality" stands for the eight
#: ingredients set together (their geometric mean is the network quality Q).
MAIN_LEVERS: tuple[str, ...] = (
    "pressure",
    "middle_investment",
    "lateral_learning",
    "network_quality",
    "autonomy",
)
LABELS = {
    "pressure": "Pressure (targets, accountability)",
    "middle_investment": "Middle investment (budget share)",
    "lateral_learning": "Lateral learning in networks",
    "network_quality": "Network quality (8 ingredients)",
    "autonomy": "School autonomy",
}
TOLERANCE = 1e-9


def lever_bounds(name: str) -> tuple[float, float]:
    """The declared range of a main lever (network quality: the range all eight share)."""
    if name == "network_quality":
        params = [LEVER_PARAMS[i] for i in INGREDIENTS]
        return max(p.lo for p in params), min(p.hi for p in params)
    p: Param = LEVER_PARAMS[name]
    return p.lo, p.hi


def lever_value(strategy: Strategy, name: str) -> float:
    """A main lever's value in a strategy (network quality: the ingredients' geometric mean)."""
    if name == "network_quality":
        return network_quality(strategy)
    return float(getattr(strategy, name))


def moved(strategy: Strategy, levers: dict[str, float | None]) -> dict[str, float]:
    """The levers whose value differs from the strategy's own (None means untouched)."""
    return {
        name: float(value)
        for name, value in levers.items()
        if value is not None and abs(float(value) - lever_value(strategy, name)) > TOLERANCE
    }


def adjusted(strategy: Strategy, levers: dict[str, float]) -> tuple[Strategy, list[str]]:
    """The strategy with `levers` set, and notes on what else had to change.

    Spending levers are shares of one budget: raising one takes the money out of the other
    spending levers in proportion, so the total never passes the budget (the comparison
    stays at equal cost). Network quality sets all eight ingredients to the same value.
    """
    if not levers:
        return strategy, []
    for name, value in levers.items():
        if name not in MAIN_LEVERS:
            raise KeyError(name)
        LEVER_PARAMS[INGREDIENTS[0] if name == "network_quality" else name].check(value, key=name)
    values = {}
    for name, value in levers.items():
        if name == "network_quality":
            values.update(dict.fromkeys(INGREDIENTS, value))
        else:
            values[name] = value
    notes = []
    spending = {n: getattr(strategy, n) for n in SPENDING} | {
        n: v for n, v in values.items() if n in SPENDING
    }
    fixed = {n for n in values if n in SPENDING}
    excess = sum(spending.values()) - 1.0
    others = {n: v for n, v in spending.items() if n not in fixed and v > 0}
    if excess > TOLERANCE and others:
        scale = max(0.0, 1.0 - excess / sum(others.values()))
        for n, v in others.items():
            values[n] = v * scale
            notes.append(f"{n.replace('_', ' ')} {v:.2f} -> {v * scale:.2f} (same budget)")
    return strategy.with_levers(**values), notes


@dataclass(frozen=True)
class LeverCost:
    """What one moved lever adds to a strategy's cost, in words and (when priced) numbers."""

    lever: str
    before: float
    after: float
    added: float | None  # reference budgets per school-year; None: not priced yet
    text: str


def lever_costs(before: Strategy, after: Strategy, budget: float) -> list[LeverCost]:
    """One line per main lever that differs between `before` and `after`.

    With `lftm_sim.costs` present, the added cost is the change in the priced activities'
    cost per school-year when that lever alone moves. Without it, spending levers show the
    share of the budget they take and the other levers say they are not priced yet.
    """
    activity_cost = _pricing()
    lines = []
    for name in MAIN_LEVERS:
        old, new = lever_value(before, name), lever_value(after, name)
        if abs(old - new) <= TOLERANCE:
            continue
        label = name.replace("_", " ")
        if activity_cost is not None:
            only = adjusted(before, {name: new})[0]
            added = activity_cost(only) - activity_cost(before)
            text = f"{label} {old:.2f} -> {new:.2f}: {added:+.3f} budgets per school-year"
        elif name in SPENDING:
            added = None
            text = (
                f"{label} {old:.2f} -> {new:.2f}: {new:.0%} of the budget "
                f"({new * budget:.2f} budgets per school-year)"
            )
        else:
            added = None
            text = f"{label} {old:.2f} -> {new:.2f}: not priced in this version"
        lines.append(LeverCost(name, old, new, added, text))
    return lines


def funding_text(strategy: Strategy, budget: float) -> str:
    """What the budget buys of the strategy's plan, in one line.

    With the cost model: the plan's priced activities, the share of them the budget funds
    and the money left for the spending levers. Without it: the budget share the spending
    levers use."""
    costs = _cost_model()
    if costs is None or not hasattr(costs, "funding"):
        return f"Spending levers use {strategy.spend_share:.0%} of the budget of {budget:g}."
    fund = costs.funding(strategy, budget)
    return (
        f"The plan's activities cost {fund.activity_cost:.2f} budgets per school-year: a "
        f"budget of {budget:g} funds {fund.funded:.0%} of them and leaves {fund.channels:.2f} "
        "for the spending levers."
    )


def _cost_model():
    """`lftm_sim.costs` where the cost model is installed, else None."""
    try:  # optional: the dashboard works without the cost model
        return importlib.import_module("lftm_sim.costs")
    except ImportError:
        return None


def _pricing():
    """`lftm_sim.costs.activity_cost` where the cost model is installed, else None."""
    return getattr(_cost_model(), "activity_cost", None)
