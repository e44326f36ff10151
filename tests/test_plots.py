"""Figures: data in every panel, one palette, labelled axes, legends that leave the panels be."""

import subprocess
import sys
from pathlib import Path

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from lftm_sim.experiments import run_variants
from lftm_sim.plots import (
    OKABE_ITO,
    STRATEGY_COLOURS,
    calibration_figure,
    compare_figure,
    observed_of,
    run_figure,
    scenario_figure,
    switches_of,
    variant_styles,
)
from lftm_sim.plots.style import GREY, SWITCH_LINESTYLE
from lftm_sim.scenarios import load_scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"
SMALL = {"n_schools": 40, "n_districts": 2}
PRESET_NAMES = ["baseline", "top_down", "bottom_up", "middle_led"]
HANDOVER = "top_down@0,middle_led@4"


@pytest.fixture(scope="module")
def presets():
    variants = {name: {**SMALL, "strategy": name} for name in PRESET_NAMES}
    return run_variants(variants, replicates=2, years=2, seed=3, progress=False)


@pytest.fixture(scope="module")
def handover():
    variants = {
        "top_down": {**SMALL, "strategy": "top_down"},
        HANDOVER: {**SMALL, "timeline": HANDOVER},
    }
    frame = run_variants(variants, replicates=2, years=6, seed=3, progress=False)
    return frame, variants


def _series_lines(ax):
    """The trajectory lines of a panel (not the vertical switch marks)."""
    return [ln for ln in ax.get_lines() if len(set(np.asarray(ln.get_xdata(), float))) > 1]


def _switch_lines(ax):
    return [ln for ln in ax.get_lines() if ln.get_linestyle() == SWITCH_LINESTYLE]


def _legend(fig):
    (legend,) = fig.legends
    return [t.get_text() for t in legend.get_texts()]


def _drawn(fig):
    """`fig` laid out and drawn on its own Agg canvas (no backend is switched)."""
    FigureCanvasAgg(fig).draw()
    return fig


def _visible_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def test_importing_plots_chooses_no_backend():
    code = (
        "import sys, matplotlib; matplotlib.use('svg'); import lftm_sim.plots, lftm_sim.cli; "
        "print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["svg", "False"]


def test_compare_figure_draws_every_strategy_in_its_colour(presets):
    fig = compare_figure(presets)
    assert isinstance(fig, Figure)
    axes = _visible_axes(fig)
    assert len(axes) == 3
    for ax in axes:
        lines = _series_lines(ax)
        assert [mcolors.to_hex(ln.get_color()) for ln in lines] == [
            STRATEGY_COLOURS[v].lower() for v in PRESET_NAMES
        ]
        assert all(len(ln.get_xdata()) == 9 for ln in lines)  # 2 years of terms, and year 0
        assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 4  # bands
        assert ax.get_xlabel() == "Years since the start"
        assert ax.get_ylabel() and ax.get_title()
    assert _legend(fig) == ["baseline", "top-down", "bottom-up", "middle-led"]
    assert fig.get_suptitle().startswith("Strategies compared\n2 replicates")
    assert axes[1].get_ylabel() == "share of students at the standard"


def test_palette_is_colour_blind_safe_and_fixed():
    safe = {c.lower() for c in OKABE_ITO.values()} | {GREY.lower()}
    assert {c.lower() for c in STRATEGY_COLOURS.values()} <= safe
    assert len(set(STRATEGY_COLOURS.values())) == 4
    # the same strategy keeps its colour whatever else is in the figure, and in any order
    a = variant_styles(["middle_led", "x", "top_down"])
    b = variant_styles(["top_down", "baseline", "middle_led"])
    assert a["middle_led"] == b["middle_led"] and a["top_down"] == b["top_down"]
    others = variant_styles([f"variant {i}" for i in range(8)]).values()
    assert len({(s.colour, str(s.linestyle)) for s in others}) == 8
    assert all(s.colour.lower() in safe - set(STRATEGY_COLOURS.values()) for s in others)
    assert all(s.linestyle not in ("-", SWITCH_LINESTYLE) for s in others)


def test_handover_differs_from_top_down_and_the_switch_is_marked(handover):
    frame, variants = handover
    switches = switches_of(variants)
    assert switches == {HANDOVER: [4.0]}
    fig = compare_figure(frame, title="Hand-over in year 4", switches=switches)
    for ax in _visible_axes(fig):
        top, hand = _series_lines(ax)
        assert top.get_color() != hand.get_color()
        assert top.get_linestyle() == "-" and hand.get_linestyle() != "-"
        (mark,) = _switch_lines(ax)
        assert list(mark.get_xdata()) == [4.0, 4.0] and mark.get_color() == hand.get_color()
    assert fig.get_suptitle().startswith("Hand-over in year 4\n")
    assert _legend(fig) == [
        "top-down",
        "top-down, then middle-led from\nyear 4",
        "strategy switch",
    ]


def test_calendar_years_and_switches_in_calendar_years(handover):
    frame, variants = handover
    fig = compare_figure(frame, start_year=2003, switches=switches_of(variants, 2003))
    ax = _visible_axes(fig)[0]
    assert ax.get_xlabel() == "Year"
    assert min(_series_lines(ax)[0].get_xdata()) == 2003
    assert list(_switch_lines(ax)[0].get_xdata()) == [2007.0, 2007.0]
    with pytest.raises(ValueError, match="not in the frame"):
        compare_figure(frame, switches={"nope": [1]})


def test_long_variant_names_are_wrapped_below_the_panels(presets):
    long = "Ontario 2003-2015: provincial strategy, then districts leading"
    names = {v: f"{long} (phase 1 from {2004 + i})" for i, v in enumerate(PRESET_NAMES)}
    plain = compare_figure(presets)
    fig = compare_figure(presets.assign(variant=presets["variant"].map(names)), title=long)
    _drawn(fig), _drawn(plain)
    labels = _legend(fig)
    assert labels[0] == "phase 1 from 2004"  # the title's scenario name is not repeated
    assert all(len(line) <= 30 for label in labels for line in label.splitlines())
    legend_top = fig.legends[0].get_window_extent().y1
    axes = _visible_axes(fig)
    assert all(legend_top <= ax.get_tightbbox().y0 + 1 for ax in axes)  # below, not over
    height = axes[0].get_position().height / _visible_axes(plain)[0].get_position().height
    assert height > 0.75
    untitled = compare_figure(presets.assign(variant=presets["variant"].map(names)))
    assert untitled.get_suptitle().startswith("Variants compared")
    assert all(len(line) <= 30 for label in _legend(untitled) for line in label.splitlines())


def test_one_replicate_draws_no_interval(presets):
    fig = compare_figure(presets[presets["replicate"] == 0])
    assert not any(isinstance(c, PolyCollection) for ax in fig.axes for c in ax.collections)
    assert "no interval" in fig.get_suptitle()


@pytest.fixture(scope="module")
def ontario_run():
    sc = load_scenario(SCENARIOS / "ontario_2003_2015.toml").with_system(schools=60, districts=6)
    frame = run_variants({sc.name: sc.model_kwargs()}, 2, sc.years, seed=1, progress=False)
    phases = sc.timeline().phases
    ends = [p.start for p in phases[1:]] + [sc.years]
    spans = [
        (sc.start_year + p.start, sc.start_year + e, p.label)
        for p, e in zip(phases, ends, strict=True)
    ]
    return sc, frame, spans


def test_observed_of_gives_the_published_percentages_as_shares(ontario_run):
    sc = ontario_run[0]
    obs = observed_of(sc)
    assert set(obs["series"]) == {*sc.calibration["series"], *sc.calibration["extra_predict"]}
    assert obs["value"].between(0.3, 0.9).all()
    assert obs["year"].between(sc.start_year, sc.end_year).all()
    combined = obs[obs["series"] == "eqao_combined_at_standard"]
    assert combined.set_index("year")["value"].to_dict() == {2003: 0.54, 2013: 0.71}
    assert observed_of(load_scenario(SCENARIOS / "classroom_demo.toml")).empty


def test_run_figure_draws_observed_points_above_the_band(ontario_run):
    sc, frame, spans = ontario_run
    strategies = [p.strategy for p in sc.phases]
    fig = run_figure(
        frame, sc.start_year, spans, title=sc.name, observed=observed_of(sc),
        phase_strategies=strategies,
    )  # fmt: skip
    performance, *others = _visible_axes(fig)
    assert performance.get_title() == "Mean performance" and len(others) == 3
    band = next(c for c in performance.collections if isinstance(c, PolyCollection))
    model = _series_lines(performance)[0]
    points = [ln for ln in performance.get_lines() if ln.get_linestyle() == "None"]
    assert len(points) == 4  # one per published series
    assert len({p.get_marker() for p in points}) == 4
    assert all(p.get_zorder() > max(model.get_zorder(), band.get_zorder()) for p in points)
    assert model.get_xdata()[0] == 2003 and performance.get_xlabel() == "Year"
    assert not any(ln.get_linestyle() == "None" for ax in others for ln in ax.get_lines())
    labels = _legend(fig)
    assert "published: eqao_g3_math" in labels and labels[0] == "model: mean and 95% interval"
    assert any(label.startswith("1: provincial strategy") for label in labels)
    # phases shaded in their strategy's colour: top-down, then middle-led
    shades = [p.get_facecolor()[:3] for p in performance.patches][:2]
    assert shades == [mcolors.to_rgb(STRATEGY_COLOURS[s]) for s in strategies]


def test_scenario_figure_takes_phases_strategies_and_data_from_the_scenario(ontario_run):
    sc, frame, spans = ontario_run
    fig = scenario_figure(frame, sc)
    expected = run_figure(
        frame, sc.start_year, spans, title=sc.name, observed=observed_of(sc),
        phase_strategies=[p.strategy for p in sc.phases],
    )  # fmt: skip
    assert _legend(fig) == _legend(expected) and fig.get_suptitle() == expected.get_suptitle()
    plain = _legend(scenario_figure(frame, sc, observed=False))
    assert not any(label.startswith("published") for label in plain)


def test_run_figure_without_observed_keeps_the_old_call(ontario_run):
    sc, frame, spans = ontario_run
    fig = run_figure(frame, sc.start_year, spans, title=sc.name)
    assert all(len(_series_lines(ax)) == 1 for ax in _visible_axes(fig))
    assert not any(label.startswith("published") for label in _legend(fig))
    assert fig.get_suptitle().startswith(sc.name)


def _points(scenarios: dict[str, list[str]]) -> pd.DataFrame:
    rows = []
    for scenario, series in scenarios.items():
        for name in series:
            for year in range(2000, 2006):
                window = "fit" if year <= 2002 else "predict"
                rows.append((scenario, name, year, 60 + year - 2000, 61 + year - 2000, 62.0,
                             window))  # fmt: skip
    columns = ["scenario", "series", "year", "value", "model", "linear_trend", "window"]
    return pd.DataFrame(rows, columns=columns)


def test_calibration_titles_are_wrapped_and_do_not_overlap():
    long = "Ontario 2003-2015: provincial strategy, then districts leading"
    england = "England: National Literacy and Numeracy Strategies"
    points = _points({england: ["ks2_english_level4", "ks2_maths_level4"], long: ["g3", "g6"]})
    fig = calibration_figure(points)
    axes = _visible_axes(fig)
    assert len(axes) == 4
    for ax in axes:
        assert [len(ln.get_xdata()) for ln in ax.get_lines()] == [6, 6, 6]
        assert ax.get_xlabel() == "Year" and ax.get_ylabel() == "% of students at the standard"
        assert max(len(line) for line in ax.get_title().splitlines()) <= 44
    markers = [ln for ax in axes for ln in ax.get_lines() if ln.get_linestyle() == "None"]
    assert len(markers) == 4 and all(m.get_zorder() > 2 for m in markers)
    _drawn(fig)
    boxes = [ax.title.get_window_extent() for ax in axes]
    width, height = fig.bbox.width, fig.bbox.height
    assert all(0 <= b.x0 and b.x1 <= width and b.y1 <= height for b in boxes)  # not cut off
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert _legend(fig)[:2] == ["published", "model"]


def test_figures_show_in_jupyter_as_png(presets):
    png = compare_figure(presets)._repr_png_()
    assert png.startswith(b"\x89PNG")
