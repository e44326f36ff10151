"""Solara components of the dashboard, on Mesa's visualisation building blocks.

Mesa's `ModelController` gives Step, Play/Pause and Reset; Mesa's `UserInputs` draws the
controls from their specifications (`controls`); the plots are matplotlib figures
(`figures`), redrawn when the model steps (Mesa's `update_counter`). The network figure, the
dearest to draw, is redrawn once every `NETWORK_EVERY` terms.
"""

from __future__ import annotations

from collections.abc import Callable

import solara
from mesa.visualization.solara_viz import ModelController, UserInputs
from mesa.visualization.utils import update_counter

from . import figures
from .about import about_markdown
from .controls import lever_inputs, strategy_inputs, system_inputs
from .levers import funding_text, lever_costs
from .model import STEPS_PER_YEAR, SideBySide

NETWORK_EVERY = 4  # terms between redraws of the network figure (one school year)


def _plot(model: SideBySide, kind: type, key: int) -> None:
    """A live figure: built once per model, a new frame drawn only when `key` changes."""
    live = solara.use_memo(lambda: kind(model), [id(model)])
    png = solara.use_memo(lambda: live.png(model), [id(model), key])
    solara.Image(png)


@solara.component
def SeriesPlot(model: SideBySide):
    """Mean capacity, mean performance and the gap over time, one colour per strategy."""
    update_counter.get()
    _plot(model, figures.SeriesFigure, model.steps)


@solara.component
def DistributionPlot(model: SideBySide):
    """School performance now, per strategy (the gap as whiskers)."""
    update_counter.get()
    _plot(model, figures.DistributionFigure, model.steps)


@solara.component
def NetworkPlot(model: SideBySide):
    """Each panel's school network coloured by capacity (redrawn once a school year)."""
    update_counter.get()
    _plot(model, figures.NetworkFigure, model.steps // NETWORK_EVERY)


@solara.component
def YearBanner(model: SideBySide):
    """Where the run is: the (calendar) year and term, and the scenario's name."""
    update_counter.get()
    steps = model.panels[0].model.steps
    year, term = divmod(steps, STEPS_PER_YEAR)
    end = model.start_year + model.years
    when = f"{model.start_year + year:g}" if model.calendar else f"{year}"
    title = f"Year {when}, term {term + 1}" if model.running else f"Year {end:g}: the end"
    if not model.calendar and model.running:
        title += f" (of {model.years:g})"
    solara.Markdown(f"## {title}")
    if model.scenario_name:
        solara.Text(f"Scenario: {model.scenario_name}")


@solara.component
def CostCard(model: SideBySide, budget: float):
    """What the levers the instructor moved add, and what else had to give."""
    lines = lever_costs(model.preset, model.strategy, budget)
    if not lines:
        solara.Text(f"{model.adjust.replace('_', '-')} as preset: move a lever to see its cost.")
    for line in lines:
        solara.Text(line.text)
    for note in model.notes:
        solara.Text(note)
    solara.Text(funding_text(model.strategy, budget))


@solara.component
def Controls(
    model: solara.Reactive[SideBySide],
    params: solara.Reactive[dict],
    on_change: Callable[[str, object], None],
    play_interval: solara.Reactive[int],
    render_interval: solara.Reactive[int],
):
    """The sidebar: Mesa's Step/Play/Reset, then the strategies, system and levers."""
    with solara.Card("Run"):
        ModelController(
            model,
            model_parameters=params,
            play_interval=play_interval,
            render_interval=render_interval,
            use_threads=solara.use_reactive(False),
        )
        solara.SliderInt(
            f"Terms per frame: {render_interval.value}", value=render_interval, min=1, max=8
        )
        solara.SliderInt(
            f"Pause between frames: {play_interval.value} ms",
            value=play_interval,
            min=0,
            max=1000,
            step=50,
        )
    with solara.Card("Strategies"):
        UserInputs(strategy_inputs(params.value, model.value.years), on_change=on_change)
    with solara.Card("System"):
        UserInputs(system_inputs(params.value), on_change=on_change)
    with solara.Card("Levers"):
        UserInputs(lever_inputs(params.value), on_change=on_change)
        CostCard(model.value, params.value["budget"])


@solara.component
def Main(model: SideBySide):
    """The page body: the year, the time series, the distributions, the networks, the text."""
    with solara.Column(style={"padding": "0 12px"}):
        YearBanner(model)
        SeriesPlot(model)
        with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap"}):
            NetworkPlot(model)
            DistributionPlot(model)
        solara.Markdown(about_markdown())
