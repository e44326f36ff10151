"""Trajectories over time: strategies compared, and one scenario's run with its phases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..analysis import band
from . import style as st

COMPARE_METRICS = ("mean_capacity", "mean_performance", "gap")
RUN_METRICS = ("mean_performance", "mean_capacity", "gap", "mean_commitment")
#: Switch years: one list for every variant, or a list per variant name.
Switches = Sequence[float] | Mapping[str, Sequence[float]]


def switches_of(variants: Mapping[str, Mapping[str, Any]], start_year: float = 0.0) -> dict:
    """The years each variant changes strategy (every phase start but the first), from the
    ``timeline`` in its SystemModel keywords; `start_year` turns them into calendar years."""
    from ..strategies import Timeline

    out = {}
    for name, params in variants.items():
        timeline = params.get("timeline")
        if timeline is None:
            continue
        if not isinstance(timeline, Timeline):
            timeline = Timeline(timeline)
        starts = [start_year + p.start for p in timeline.phases[1:]]
        if starts:
            out[name] = starts
    return out


def _interval_note(n: int, level: float) -> str:
    if n < 2:
        return "1 replicate: no interval can be computed"
    return f"{n} replicates, mean and {level:.0%} interval"


def _draw_band(ax: Axes, x, stats: pd.DataFrame, style: st.Style, with_band: bool) -> None:
    ax.plot(x, stats["mean"], color=style.colour, ls=style.linestyle, lw=2, zorder=st.Z_LINE)
    if with_band:
        ax.fill_between(
            x, stats["low"], stats["high"], color=style.colour, alpha=0.2, lw=0, zorder=st.Z_BAND
        )


def _switch_marks(switches: Switches | None, styles: dict[str, st.Style]) -> list[tuple]:
    """(year, colour) of each switch line: a variant's own colour, grey for all variants."""
    if switches is None:
        return []
    if not isinstance(switches, Mapping):
        return [(float(x), st.GREY) for x in switches]
    unknown = set(switches) - set(styles)
    if unknown:
        raise ValueError(f"switches name variants not in the frame: {sorted(unknown)}")
    return [(float(x), styles[name].colour) for name, years in switches.items() for x in years]


def _draw_switches(ax: Axes, marks: list[tuple]) -> None:
    for x, colour in marks:
        ax.axvline(x, color=colour, ls=st.SWITCH_LINESTYLE, lw=1.5, zorder=st.Z_MARK)
        ax.annotate(
            f"{x:g}",
            (x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -2),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=7,
            color=colour,
        )


def compare_figure(
    frame: pd.DataFrame,
    metrics: Sequence[str] = COMPARE_METRICS,
    title: str | None = None,
    *,
    start_year: float | None = None,
    switches: Switches | None = None,
    level: float = 0.95,
) -> Figure:
    """Mean trajectories over replicates with `level` interval bands, one style per variant.

    `start_year` draws calendar years (a scenario's first year) instead of years since the
    start; `switches` marks each strategy switch with a dotted vertical line (years on the
    drawn axis, e.g. from `switches_of`), in its variant's colour when given per variant;
    `title` replaces "Strategies compared" (legend labels starting with it are shortened).
    """
    variants = list(dict.fromkeys(frame["variant"]))
    styles = st.variant_styles(variants)
    n = frame["replicate"].nunique()
    offset = 0.0 if start_year is None else float(start_year)
    marks = _switch_marks(switches, styles)
    fig, axes = st.new_figure(len(metrics))
    for ax, metric in zip(axes, metrics, strict=True):
        stats = band(frame, metric, level)
        for v in variants:
            s = stats[stats["variant"] == v]
            _draw_band(ax, offset + s["year"], s, styles[v], with_band=n > 1)
        _draw_switches(ax, marks)
        st.label_panel(ax, metric, calendar=start_year is not None)
    handles = [st.line_handle(styles[v]) for v in variants]
    labels = [st.variant_label(v, within=title) for v in variants]
    if marks:
        handles.append(Line2D([], [], color=st.GREY, ls=st.SWITCH_LINESTYLE, lw=1.5))
        many = isinstance(switches, Mapping) and len(switches) > 1
        labels.append("strategy switch" + (" (its variant's colour)" if many else ""))
    st.legend_below(fig, handles, labels)
    if title is None:
        presets = all(st.strategy_key(v) for v in variants)
        title = "Strategies compared" if presets else "Variants compared"
    fig.suptitle(f"{title}\n{_interval_note(n, level)}", fontsize=11)
    return fig


def _shade_phases(
    ax: Axes, phases: Sequence[tuple[float, float, str]], strategies: Sequence[str] | None
) -> list[tuple[Patch, str]]:
    """Shade each phase (tinted by its strategy's colour when known) and number it."""
    greys = ("#EDEDED", "#FAFAFA")
    legend = []
    for i, (lo, hi, label) in enumerate(phases):
        key = st.strategy_key(strategies[i]) if strategies else None
        colour, alpha = (st.STRATEGY_COLOURS[key], 0.13) if key else (greys[i % 2], 1.0)
        patch = ax.axvspan(lo, hi, color=colour, alpha=alpha, lw=0, zorder=st.Z_SHADE)
        if i:
            ax.axvline(lo, color="#555555", lw=0.8, zorder=st.Z_SHADE)
        # the number sits just above the panel, where no data can hide it
        ax.text((lo + hi) / 2, 1.01, str(i + 1), transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=8, weight="bold", color="#333333")  # fmt: skip
        what = f" ({strategies[i].replace('_', '-')})" if strategies else ""
        legend.append((patch, st.wrap(f"{i + 1}: {label}{what}, {lo:g}-{hi:g}", 34)))
    return legend


def _draw_observed(ax: Axes, observed: pd.DataFrame) -> list[tuple[Line2D, str]]:
    """Published points above everything else, one marker per series."""
    legend = []
    series = observed["series"] if "series" in observed else pd.Series("published", observed.index)
    for i, name in enumerate(dict.fromkeys(series)):
        rows = observed[series == name]
        marker = st.MARKERS[i % len(st.MARKERS)]
        (points,) = ax.plot(rows["year"], rows["value"], marker, **st.PUBLISHED_POINT)
        legend.append((points, st.wrap(f"published: {name}")))
    return legend


def run_figure(
    frame: pd.DataFrame,
    start_year: float,
    phases: Sequence[tuple[float, float, str]],
    metrics: Sequence[str] = RUN_METRICS,
    title: str = "",
    *,
    observed: pd.DataFrame | None = None,
    observed_metric: str = "mean_performance",
    phase_strategies: Sequence[str] | None = None,
    level: float = 0.95,
) -> Figure:
    """A scenario's run in calendar years: the model's mean and `level` band over
    replicates, its phases shaded and numbered (named in the legend).

    `phases` holds (start, end, label) in calendar years; `phase_strategies` the preset of
    each phase (tints its shading with that strategy's colour). `observed` (columns year,
    value, and optionally series, in the units of `observed_metric`; see `observed_of`)
    is drawn as points on top of that metric's panel.
    """
    n = frame["replicate"].nunique()
    model = st.Style(st.MODEL_COLOUR)
    fig, axes = st.new_figure(len(metrics))
    legend: list[tuple] = []
    for ax, metric in zip(axes, metrics, strict=True):
        stats = band(frame.assign(variant="run"), metric, level)
        phase_legend = _shade_phases(ax, phases, phase_strategies)
        _draw_band(ax, start_year + stats["year"], stats, model, with_band=n > 1)
        if observed is not None and len(observed) and metric == observed_metric:
            legend = _draw_observed(ax, observed)
        st.label_panel(ax, metric, calendar=True)
        ax.set_title(ax.get_title(), fontsize=10, pad=14)  # room for the phase numbers
    model_label = "model: mean" + (f" and {level:.0%} interval" if n > 1 else "")
    items = [(st.line_handle(model), model_label), *legend, *phase_legend]
    st.legend_below(fig, [h for h, _ in items], [lab for _, lab in items])
    fig.suptitle(f"{title}\n{_interval_note(n, level)}" if title else _interval_note(n, level))
    return fig


def scenario_figure(
    frame: pd.DataFrame,
    scenario: Any,
    metrics: Sequence[str] = RUN_METRICS,
    *,
    observed: bool = True,
    level: float = 0.95,
) -> Figure:
    """`run_figure` for a loaded scenario (`lftm_sim.scenarios.Scenario`): its phases
    tinted by their strategies, its name as title and, with `observed`, its published
    series over the mean-performance panel."""
    phases = scenario.phases
    return run_figure(
        frame,
        scenario.start_year,
        [(p.start, p.end, p.label) for p in phases],
        metrics,
        scenario.name,
        observed=observed_of(scenario) if observed else None,
        phase_strategies=[p.strategy for p in phases],
        level=level,
    )


def observed_of(scenario: Any) -> pd.DataFrame:
    """A scenario's published series in percent at the standard, within its years, as
    shares (percent / 100) to sit on the mean-performance axis: columns year, value,
    series. Empty without a [calibration] block (other units are not comparable)."""
    cal = getattr(scenario, "calibration", None) or {}
    names = [*cal.get("series", []), *cal.get("extra_predict", [])]
    if not names:
        return pd.DataFrame(columns=["year", "value", "series"])
    from ..calibration import observations

    obs = observations()
    rows = obs[
        (obs["system"] == cal["system"])
        & obs["series"].isin(names)
        & obs["year"].between(scenario.start_year, scenario.end_year)
        & (obs["unit"] == "percent")
    ]
    return pd.DataFrame(
        {"year": rows["year"], "value": rows["value"] / 100, "series": rows["series"]}
    ).reset_index(drop=True)
