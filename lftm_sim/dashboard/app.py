"""The dashboard page: `solara run lftm_sim/dashboard/app.py` serves the module-level `page`.

`lftm dashboard` runs exactly that (with the scenario, if any, in LFTM_DASHBOARD_SCENARIO).
Every browser tab gets its own page state: its own controls and its own SideBySide model.
"""

from __future__ import annotations

import os

import solara

from lftm_sim.dashboard.components import Controls, Main
from lftm_sim.dashboard.controls import changed, initial_params
from lftm_sim.dashboard.model import SideBySide
from lftm_sim.errors import InputError

SCENARIO_ENV = "LFTM_DASHBOARD_SCENARIO"
PLAY_INTERVAL_MS = 100
TERMS_PER_FRAME = 2


@solara.component
def Dashboard(scenario_file: str | None = None, model: solara.Reactive[SideBySide] | None = None):
    """Strategies side by side: controls in the sidebar, plots in the body.

    Changing a control rebuilds the model at year 0 (Mesa's Reset does the same with the
    current controls); a value the model refuses leaves the run as it was and says why.
    Like SolaraViz, it takes a reactive model to drive (else it builds its own).
    """
    start = solara.use_memo(
        lambda: model.value.controls if model is not None else initial_params(scenario_file), []
    )
    params = solara.use_reactive(start)
    built = solara.use_memo(lambda: None if model is not None else SideBySide(**start), [])
    model = solara.use_reactive(model if model is not None else built)
    error = solara.use_reactive(None)
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(TERMS_PER_FRAME)

    def on_change(name: str, value) -> None:
        new = changed(params.value, name, value)
        try:
            built = SideBySide(**new)
        except InputError as err:
            error.set(str(err))
            return
        error.set(None)
        params.set(new)
        model.set(built)

    with solara.AppBar():
        solara.AppBarTitle("lftm-sim: strategies side by side")
    with solara.Sidebar():
        with solara.Column():  # always there, so the controls below keep their widgets
            if error.value:
                solara.Error(error.value)
        Controls(model, params, on_change, play_interval, render_interval)
    Main(model.value)


@solara.component
def Page():
    """The page `solara run` serves."""
    Dashboard(os.environ.get(SCENARIO_ENV) or None)


page = Page()
