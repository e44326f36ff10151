"""The dashboard without a browser: the wrapper model, the levers, the layout, the controls'
bounds, the page text, and the page itself rendered with `solara.render`."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from lftm_sim.dashboard.about import about_markdown
from lftm_sim.dashboard.controls import initial_params, lever_inputs, system_inputs
from lftm_sim.dashboard.layout import school_positions
from lftm_sim.dashboard.levers import adjusted, funding_text, lever_costs, moved
from lftm_sim.dashboard.model import LIVE_MAX_SCHOOLS, SideBySide
from lftm_sim.declarations import LEVER_PARAMS, SETTINGS
from lftm_sim.errors import InputError
from lftm_sim.experiments import run_model, run_seed
from lftm_sim.patterns import PATTERNS
from lftm_sim.strategies import INGREDIENTS, PRESETS, network_quality

SMALL = {"n_schools": 120, "n_districts": 4}
DEMO = "scenarios/classroom_demo.toml"


# --- the wrapper model -------------------------------------------------------------------


def test_panels_share_one_system_and_match_compare():
    """Common random numbers: each panel is `lftm compare`'s replicate 0 of its strategy."""
    m = SideBySide(**SMALL, seed=7)
    assert [p.name for p in m.panels] == ["top_down", "bottom_up", "middle_led"]
    first = m.panels[0].model.state
    for panel in m.panels[1:]:
        assert np.array_equal(panel.model.state.capacity, first.capacity)
    for _ in range(8):
        m.step()
    series = m.series()
    for panel in m.panels:
        expected = run_model({**SMALL, "strategy": panel.name}, run_seed(7, 0), 2)
        got = series[series["panel"] == panel.name].reset_index(drop=True)
        np.testing.assert_allclose(got["mean_capacity"], expected["mean_capacity"])
        np.testing.assert_allclose(got["gap"], expected["gap"])


def test_stop_year_switches_every_strategy_to_baseline():
    m = SideBySide(**SMALL, baseline=True, stop_year=3)
    for panel in m.panels:
        assert panel.model.timeline.at(3).strategy == PRESETS["baseline"]
        if panel.name != "baseline":
            assert panel.model.timeline.at(2.9).strategy == PRESETS[panel.name]
            assert "stops in year 3" in panel.label


def test_run_ends_at_the_horizon():
    m = SideBySide(**SMALL, top_down=False, bottom_up=False)
    for _ in range(int(m.years * 4)):
        assert m.running
        m.step()
    assert not m.running and m.year == m.years


def test_scenario_gives_system_seed_and_calendar_years():
    m = SideBySide(**initial_params(DEMO))
    assert m.calendar and m.start_year == 2000 and m.year == 2000
    assert m.panels[-1].name == "scenario"
    assert m.panels[0].model.topology.n_schools == 300
    assert m.seed == 42


@pytest.mark.parametrize(
    "bad",
    [
        {"n_schools": LIVE_MAX_SCHOOLS + 1},
        {"n_districts": 200, "n_schools": 100},
        {"budget": SETTINGS["budget"].hi + 1},
        {"seed": "x"},
        {"stop_year": 99},
        {"top_down": False, "bottom_up": False, "middle_led": False},
        {"scenario_file": "no/such.toml"},
    ],
)
def test_bad_controls_are_input_errors(bad):
    with pytest.raises(InputError):
        SideBySide(**{**SMALL, **bad})


# --- levers and their cost ---------------------------------------------------------------


def test_network_quality_moves_the_eight_ingredients_together():
    s, notes = adjusted(PRESETS["middle_led"], {"network_quality": 0.2})
    assert all(getattr(s, name) == 0.2 for name in INGREDIENTS) and not notes
    assert network_quality(s) == pytest.approx(0.2)


def test_spending_lever_takes_from_the_others_at_the_same_budget():
    s, notes = adjusted(PRESETS["top_down"], {"middle_investment": 0.3})
    assert s.middle_investment == 0.3 and s.central_support == pytest.approx(0.7)
    assert s.spend_share == pytest.approx(1.0) and "central support" in notes[0]


def test_untouched_levers_leave_the_preset_alone():
    preset = PRESETS["bottom_up"]
    assert moved(preset, {"autonomy": preset.autonomy, "pressure": None}) == {}
    assert adjusted(preset, {}) == (preset, [])
    with pytest.raises(InputError):
        adjusted(preset, {"pressure": LEVER_PARAMS["pressure"].hi + 0.5})


def test_lever_costs_without_and_with_the_cost_model(monkeypatch):
    before = PRESETS["middle_led"]
    after, _ = adjusted(before, {"pressure": 0.5, "middle_investment": 0.6})
    monkeypatch.setitem(sys.modules, "lftm_sim.costs", None)  # no cost model installed
    lines = {c.lever: c for c in lever_costs(before, after, budget=2.0)}
    assert set(lines) == {"pressure", "middle_investment"}
    assert (
        lines["middle_investment"].added is None
        and "1.20 budgets" in lines["middle_investment"].text
    )
    assert "not priced" in lines["pressure"].text
    fake = types.ModuleType("lftm_sim.costs")
    fake.activity_cost = lambda s: 2 * s.pressure  # a stand-in price: 2 budgets per unit
    monkeypatch.setitem(sys.modules, "lftm_sim.costs", fake)
    priced = {c.lever: c for c in lever_costs(before, after, budget=2.0)}
    assert priced["pressure"].added == pytest.approx(2 * (0.5 - before.pressure))
    assert priced["middle_investment"].added == 0
    assert "Spending levers use 100%" in funding_text(before, 1.0)  # the fake has no funding


def test_lever_costs_with_the_real_cost_model():
    costs = pytest.importorskip("lftm_sim.costs")
    before = PRESETS["top_down"]
    after, _ = adjusted(before, {"pressure": 0.9, "autonomy": 0.8})
    lines = {c.lever: c for c in lever_costs(before, after, budget=1.0)}
    assert lines["pressure"].added == pytest.approx(
        costs.activity_cost(before.with_levers(pressure=0.9)) - costs.activity_cost(before)
    )
    assert lines["pressure"].added > 0 and lines["autonomy"].added == 0  # autonomy is free
    fund = costs.funding(PRESETS["middle_led"], 1.0)
    assert f"funds {fund.funded:.0%}" in funding_text(PRESETS["middle_led"], 1.0)


# --- layout, controls, text --------------------------------------------------------------


def test_layout_puts_each_network_in_its_own_disc():
    m = SideBySide(n_schools=600, n_districts=12, top_down=False, bottom_up=False)
    top = m.panels[0].model.topology
    xy = school_positions(top)
    assert xy.shape == (600, 2) and np.isfinite(xy).all()
    centres = np.array([xy[top.school_network == k].mean(axis=0) for k in range(top.n_networks)])
    spread = max(
        np.linalg.norm(xy[top.school_network == k] - centres[k], axis=1).max()
        for k in range(top.n_networks)
    )
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=2)
    assert spread < 0.5 < gaps[~np.eye(len(centres), dtype=bool)].min()
    assert m.positions is not None and np.array_equal(m.positions, xy)


def test_control_bounds_come_from_the_declarations():
    params = initial_params()
    system = system_inputs(params)
    budget = SETTINGS["budget"]
    assert (system["budget"]["min"], system["budget"]["max"]) == (budget.lo, budget.hi)
    assert system["n_schools"]["max"] == min(SETTINGS["n_schools"].hi, LIVE_MAX_SCHOOLS)
    levers = lever_inputs(params)
    for name in ("pressure", "middle_investment", "lateral_learning", "autonomy"):
        assert (levers[name]["min"], levers[name]["max"]) == (
            LEVER_PARAMS[name].lo,
            LEVER_PARAMS[name].hi,
        )
        assert levers[name]["value"] == getattr(PRESETS[params["adjust"]], name)


def test_page_text_names_every_pattern_under_its_kind():
    text = about_markdown()
    emergent, encoded = text.split("encode the source texts' hypotheses")
    for code, pattern in PATTERNS.items():
        where = emergent if pattern.kind == "emergent" else encoded
        assert f"{code}: {pattern.claim}" in where
    assert "not a forecast" in text


# --- the page, rendered without a browser -------------------------------------------------


solara = pytest.importorskip("solara")
v = pytest.importorskip("ipyvuetify")


@pytest.fixture
def page():
    """The page rendered on a small system; yields (model reactive, render context)."""
    from lftm_sim.dashboard.app import Dashboard

    model = solara.reactive(SideBySide(**SMALL))
    _, rc = solara.render(solara.AppLayout(children=[Dashboard(model=model)]), handle_error=False)
    yield model, rc
    rc.close()


def _slider(rc, label: str):
    found = [w for w in rc.find(v.Slider).widgets if w.label.startswith(label)]
    assert len(found) == 1, label
    return found[0]


def test_page_has_the_controls(page):
    _, rc = page
    labels = {w.label for w in rc.find(v.Checkbox).widgets}
    assert {"top-down", "bottom-up", "baseline (business as usual)"} <= labels
    for label in (
        "Schools",
        "Districts",
        "Budget",
        "Pressure",
        "Middle investment",
        "Lateral learning",
        "Network quality",
        "School autonomy",
        "Stop the",
    ):
        _slider(rc, label)  # fmt: skip
    for button in ("Step", "Reset", "▶"):
        rc.find(v.Btn, children=[button]).assert_single()
    assert rc.find(v.TextField, label="Seed").widget.v_model == "0"


def test_step_advances_every_model_and_reset_rebuilds(page):
    model, rc = page
    first = model.value
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert first.steps == 2 and all(p.model.steps == 2 for p in first.panels)  # 2 terms
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert model.value is not first and model.value.steps == 0
    assert [p.model.steps for p in model.value.panels] == [0, 0, 0]
    assert model.value.controls == first.controls  # the same controls, a fresh run


def test_a_control_change_resets_the_run(page):
    model, rc = page
    rc.find(v.Btn, children=["Step"]).widget.click()
    before = model.value
    rc.find(v.Checkbox, label="baseline (business as usual)").widget.v_model = True
    assert model.value is not before and model.value.steps == 0
    assert [p.name for p in model.value.panels][0] == "baseline"
    _slider(rc, "Pressure").v_model = 0.5
    assert model.value.strategy.pressure == 0.5 and model.value.adjust == "middle_led"
    texts = [w.children[0] for w in rc.find(v.Html, tag="span").widgets]
    assert any(t.startswith("pressure 0.10 -> 0.50") for t in texts), texts
    rc.find(v.Btn, children=["Reset"]).widget.click()  # Reset keeps the controls
    assert model.value.strategy.pressure == 0.5


def test_a_refused_value_keeps_the_run_and_says_why(page):
    model, rc = page
    before = model.value
    seed = rc.find(v.TextField, label="Seed").widget
    seed.v_model = "twelve"
    seed.fire_event("keyup.enter", None)  # the seed is read when typed in (Enter or leave)
    assert model.value is before
    rc.find(v.Alert, children=["seed must be a whole number from 0, got 'twelve'"]).assert_single()
    seed.v_model = "12"
    seed.fire_event("keyup.enter", None)
    assert model.value.seed == 12 and not rc.find(v.Alert).widgets


# --- docs/teaching.md tells the truth about the page's defaults -----------------------------


def _lesson(**controls):
    """The page's default run (with baseline), 15 years: metric -> year x panel table."""
    m = SideBySide(baseline=True, **controls)
    while m.running:
        m.step()
    series = m.series()
    return lambda metric: series.pivot_table(index="year", columns="panel", values=metric)


def test_the_lesson_plan_quotes_what_the_page_shows():
    """The numbers docs/teaching.md quotes (about: to 0.01) and the order it describes."""
    about = lambda x: pytest.approx(x, abs=0.01)  # noqa: E731
    run = _lesson()
    p, c, gap = run("mean_performance"), run("mean_capacity"), run("gap")
    assert p.loc[3].idxmax() == "top_down"
    assert p.loc[3, ["top_down", "middle_led", "bottom_up"]].tolist() == [
        about(0.60),
        about(0.50),
        about(0.50),
    ]
    assert gap.loc[3, "bottom_up"] == about(0.34) and gap.loc[0, "bottom_up"] == about(0.30)
    assert p.loc[15, ["top_down", "bottom_up", "middle_led", "baseline"]].tolist() == [
        about(0.61),
        about(0.54),
        about(0.52),
        about(0.48),
    ]
    assert c.loc[15].idxmax() == "bottom_up" and c.loc[15, "bottom_up"] == about(0.62)
    assert gap.loc[15, ["bottom_up", "top_down", "middle_led"]].tolist() == [
        about(0.45),
        about(0.19),
        about(0.26),
    ]
    rich = _lesson(budget=3.0)
    p, c, gap = rich("mean_performance"), rich("mean_capacity"), rich("gap")
    assert (p.loc[0.5:, "top_down"] > p.loc[0.5:, "middle_led"]).all()  # from the 2nd term
    assert p.loc[15, ["middle_led", "top_down"]].tolist() == [about(0.65), about(0.66)]
    ahead = c["middle_led"] > c["top_down"]
    assert ahead.loc[12.5:].all() and not ahead.loc[0.5:12].any()  # about year 12
    assert c.loc[15, ["bottom_up", "middle_led", "top_down"]].tolist() == [
        about(0.77),
        about(0.75),
        about(0.72),
    ]
    assert gap.loc[15].idxmin() == "middle_led"
    assert gap.loc[15, ["middle_led", "top_down", "bottom_up"]].tolist() == [
        about(0.16),
        about(0.17),
        about(0.35),
    ]
    stopped = _lesson(budget=3.0, stop_year=6)("mean_performance")
    assert stopped.loc[[6, 12], "top_down"].tolist() == [about(0.67), about(0.54)]
    assert stopped.loc[12, "baseline"] == about(0.48)
    assert stopped.loc[[6, 12], "middle_led"].tolist() == [about(0.56), about(0.55)]
    lead = stopped["middle_led"] > stopped["top_down"]
    assert lead.loc[10.5:].all() and not lead.loc[0.5:10.25].any()
    lean = _lesson(network_quality=0.5)
    assert lean("mean_performance").loc[15, "middle_led"] == about(0.54)
    assert lean("mean_capacity").loc[15, "middle_led"] == about(0.59)
    assert lean("mean_performance").loc[15].idxmax() == "top_down"


def test_the_lesson_plan_quotes_the_cost_card():
    pytest.importorskip("lftm_sim.costs")
    middle = PRESETS["middle_led"]
    assert "cost 2.64 budgets" in funding_text(middle, 1.0) and "funds 38%" in funding_text(
        middle, 1.0
    )
    assert "cost 0.40 budgets" in funding_text(PRESETS["top_down"], 1.0)
    assert "funds 100%" in funding_text(middle, 3.0)
    lean, _ = adjusted(middle, {"network_quality": 0.5})
    assert "funds 66%" in funding_text(lean, 1.0)
    (saving,) = lever_costs(middle, lean, 1.0)
    assert saving.added == pytest.approx(-1.1, abs=0.05)


@pytest.mark.parametrize("kind", ["SeriesFigure", "DistributionFigure", "NetworkFigure"])
def test_a_blitted_frame_matches_a_full_redraw(kind):
    """Frames drawn over the saved background show what a full redraw shows, data in view."""
    import io

    from matplotlib.image import imread

    from lftm_sim.dashboard import figures

    m = SideBySide(**SMALL, stop_year=1)
    live = getattr(figures, kind)(m)
    for _ in range(9):  # past the stop year: the series axes have had to grow
        m.step()
        frame = live.png(m)
    full = io.BytesIO()
    live.update(m).savefig(full, format="png")
    a, b = imread(io.BytesIO(frame)), imread(io.BytesIO(full.getvalue()))
    assert a.shape == b.shape
    assert (np.abs(a - b).max(axis=-1) > 0.02).mean() < 0.001
    for line in getattr(live, "lines", {}).values():  # the series: every point in view
        lo, hi = line.axes.get_ylim()
        y = np.asarray(line.get_ydata(), dtype=float)
        assert lo <= y.min() <= y.max() <= hi
