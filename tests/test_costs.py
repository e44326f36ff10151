"""The cost model: declared unit costs, the pricing rule `costs.realise`, cost tables."""

import tomllib
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lftm_sim import SystemModel, costs
from lftm_sim.declarations import COST_BASES, LEVER_PARAMS
from lftm_sim.experiments import run_model
from lftm_sim.strategies import INGREDIENTS, LEVERS, PRESETS, SPENDING, Strategy

NAMED = ("top_down", "bottom_up", "middle_led")


def test_every_lever_declares_its_cost_in_the_parameter_file():
    raw = tomllib.loads(files("lftm_sim").joinpath("data/parameters.toml").read_text("utf-8"))
    assert set(raw["lever"]) == set(LEVERS)
    for name, entry in raw["lever"].items():
        cost = entry["cost"]
        assert cost["basis"] in COST_BASES, name
        assert cost["note"].strip(), f"{name}: a cost needs its reason"
        assert LEVER_PARAMS[name].cost.per_unit == cost["per_unit"]
    assert "cost" not in next(iter(raw["mechanism"].values()))


def test_unit_costs_are_read_from_the_declarations():
    priced = {n for n, p in LEVER_PARAMS.items() if p.cost.basis in ("sourced", "assumption")}
    assert set(costs.UNIT_COSTS) == priced
    for name, unit in costs.UNIT_COSTS.items():
        assert unit == LEVER_PARAMS[name].cost.per_unit > 0
        assert costs.FREE_LEVEL[name] == LEVER_PARAMS[name].default
    assert costs.CHANNELS == SPENDING
    free = {n for n, p in LEVER_PARAMS.items() if p.cost.basis == "free"}
    assert free == {n for n in LEVERS if LEVER_PARAMS[n].cost.per_unit == 0}
    # what the issue found free is priced now: lateral learning and all eight ingredients
    assert {"lateral_learning", "reining_in", "co_design", *INGREDIENTS} <= priced


def test_network_programme_matches_its_published_anchor():
    """middle_led's network levers cost what New Zealand's Communities of Learning cost per
    school-year (2.4 reference budgets, docs/costs.md), 47% of it facilitation roles."""
    s = PRESETS["middle_led"]
    network = ("lateral_learning", *INGREDIENTS)
    parts = {n: costs.UNIT_COSTS[n] * (getattr(s, n) - costs.FREE_LEVEL[n]) for n in network}
    assert sum(parts.values()) == pytest.approx(2.4, abs=0.01)
    assert parts["facilitation"] / 2.4 == pytest.approx(0.47, abs=0.01)
    assert costs.UNIT_COSTS["pressure"] * PRESETS["top_down"].pressure == pytest.approx(
        0.078, abs=1e-3
    )


@pytest.mark.parametrize("budget", [0.0, 0.25, 1.0, 2.0, 3.0])
def test_presets_spend_the_same(budget):
    spends = [costs.cost_per_school_year(PRESETS[name], budget) for name in NAMED]
    assert spends == pytest.approx([budget] * 3, abs=1e-12)
    assert costs.cost_per_school_year(PRESETS["baseline"], budget) == 0.0


def test_presets_buy_different_things_at_the_reference_budget():
    fund = {name: costs.funding(PRESETS[name], 1.0) for name in NAMED}
    assert fund["bottom_up"].activity_cost == 0 and fund["bottom_up"].channels == 1.0
    assert 0 < fund["top_down"].activity_cost < 1 and fund["top_down"].funded == 1.0
    assert fund["middle_led"].activity_cost > 1 > fund["middle_led"].funded > 0
    assert fund["middle_led"].channels == 0.0  # its activities use the whole budget


@pytest.mark.parametrize("name", list(PRESETS))
def test_budget_zero_funds_no_priced_lever(name):
    s = PRESETS[name]
    realised, spend = costs.realise(s, 0.0)
    assert spend == 0.0
    for lever in costs.UNIT_COSTS:
        assert getattr(realised, lever) == min(getattr(s, lever), costs.FREE_LEVEL[lever])
    assert all(getattr(realised, c) == 0 for c in costs.CHANNELS)
    for lever in set(LEVERS) - set(costs.UNIT_COSTS) - set(costs.CHANNELS):
        assert getattr(realised, lever) == getattr(s, lever), "free levers stay as planned"


def test_spending_alone_is_unchanged_by_pricing():
    """A strategy that only spends (no priced lever above its free level) runs as before."""
    s = Strategy(central_support=0.4, middle_investment=0.6)
    for budget in (0.5, 1.0, 3.0):
        realised, spend = costs.realise(s, budget)
        assert realised == s and spend == pytest.approx(budget)


def test_full_budget_funds_the_whole_plan():
    s = PRESETS["middle_led"]
    d = costs.activity_cost(s)
    realised, spend = costs.realise(s, 3.0)
    assert d < 3.0 and spend == pytest.approx(3.0)
    for lever in costs.UNIT_COSTS:
        assert getattr(realised, lever) == pytest.approx(getattr(s, lever))
    assert 3.0 * realised.middle_investment == pytest.approx(3.0 - d)


levers = st.fixed_dictionaries(
    {
        name: st.floats(*((1.0, 20.0) if name == "priorities" else (0.0, 1.0)))
        for name in LEVERS
        if name not in SPENDING
    }
)
shares = st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3).map(
    lambda xs: [x / max(1.0, sum(xs)) * (1 - 1e-9) for x in xs]
)


def _seen(s: Strategy, budget: float) -> np.ndarray:
    realised, spend = costs.realise(s, budget)
    priced = [getattr(realised, n) for n in costs.UNIT_COSTS]
    money = [budget * getattr(realised, c) for c in costs.CHANNELS]
    return np.array([*priced, *money, spend])


@settings(max_examples=200, deadline=None)
@given(levers, shares, st.floats(0.0, 3.0), st.floats(0.0, 3.0))
def test_realise_is_monotone_in_the_budget(lever_values, share_values, b1, b2):
    s = Strategy(**lever_values, **dict(zip(SPENDING, share_values, strict=True)))
    lo, hi = sorted((b1, b2))
    assert (_seen(s, lo) <= _seen(s, hi) + 1e-12).all()
    realised, spend = costs.realise(s, hi)
    assert spend <= hi + 1e-12
    for name in costs.UNIT_COSTS:  # toward the free level, never past it
        x, x0 = getattr(s, name), costs.FREE_LEVEL[name]
        assert min(x, x0) - 1e-12 <= getattr(realised, name) <= max(x, x0) + 1e-12


def test_timeline_spend_is_averaged_over_its_phases():
    params = {"timeline": "top_down@0,stop@6", "budget": 2.0}
    assert costs.mean_spend(params, years=12) == pytest.approx(1.0)
    assert costs.mean_spend(params) == pytest.approx(2.0)  # the first phase
    assert costs.mean_spend({"strategy": "middle_led", "pressure": 0.2}, 5) == pytest.approx(1.0)


def test_cost_table_and_breakdown():
    table = costs.cost_table(
        {"a": {"strategy": "middle_led", "budget": 0.5}, "b": {"strategy": "baseline"}}
    )
    assert list(table["variant"]) == ["a", "b"]
    assert table["spend"].tolist() == pytest.approx([0.5, 0.0])
    rows = costs.breakdown(PRESETS["top_down"]).set_index("lever")
    assert rows["spend"].sum() == pytest.approx(1.0)
    assert rows.loc["central_support", "spend"] == pytest.approx(1 - 0.4, abs=0.01)
    assert rows.loc["humility", "basis"] == "free" and rows.loc["humility", "spend"] == 0


def test_gain_table_pairs_by_replicate():
    frame = pd.DataFrame(
        {
            "variant": ["baseline", "baseline", "x", "x"],
            "replicate": [0, 1, 0, 1],
            "year": [3.0] * 4,
            "mean_capacity": [0.5, 0.6, 0.7, 0.7],
        }
    )
    variants = {"baseline": {"strategy": "baseline"}, "x": {"strategy": "top_down", "budget": 2}}
    row = costs.gain_table(frame, variants).iloc[0]
    assert row["variant"] == "x" and row["gain"] == pytest.approx(0.15)
    assert row["spend"] == pytest.approx(2.0) and row["gain_per_budget"] == pytest.approx(0.075)
    assert row["gain_low"] < 0.15 < row["gain_high"] and row["n"] == 2
    with pytest.raises(ValueError, match="baseline"):
        costs.gain_table(frame[frame["variant"] == "x"], {"x": variants["x"]})


def test_the_cost_table_in_the_docs_matches_the_declarations():
    text = (Path(__file__).resolve().parents[1] / "docs" / "costs.md").read_text("utf-8")
    for name, p in LEVER_PARAMS.items():
        row = f"| `{name}` | {p.cost.basis} | {p.cost.per_unit:g} | {float(p.default):g} |"
        assert row in text, f"docs/costs.md: no row {row!r}"
    for name in NAMED:
        assert f"**{costs.activity_cost(PRESETS[name]):.3f}**" in text


def test_the_model_runs_the_priced_strategy():
    """The core prices each phase's strategy: the rules see `realise(planned, budget)`;
    the model still reports the planned strategy as the one in force."""
    m = SystemModel(n_schools=60, n_districts=3, strategy="middle_led", budget=0.5, rng=2)
    m.step()
    assert m.strategy == PRESETS["middle_led"]
    assert m.core.priced[0] == costs.realise(PRESETS["middle_led"], 0.5)[0]
    assert m.core.spend[0] == pytest.approx(0.5)
    # at budget 0 the priced strategy is a fixed point of pricing, so running it as the plan
    # gives the same run: budget 0 buys nothing but the free levers
    unpaid, _ = costs.realise(PRESETS["middle_led"], 0.0)
    ran = run_model(
        {"n_schools": 60, "n_districts": 3, "strategy": "middle_led", "budget": 0}, 4, 2
    )
    same = run_model({"n_schools": 60, "n_districts": 3, "strategy": unpaid, "budget": 0}, 4, 2)
    pd.testing.assert_frame_equal(ran, same)
