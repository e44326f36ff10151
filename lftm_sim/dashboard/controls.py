"""The dashboard's controls, as Mesa `UserInputs` specifications built from the declarations.

Every bound comes from `lftm_sim.declarations` (the live page also caps the system size at
`LIVE_MAX_SCHOOLS`), so a value out of range cannot be entered. `initial_params` gives the
keywords of `SideBySide` for a fresh page; `changed` applies one control's new value and
says what else follows (a new strategy to adjust starts from its preset's levers).
"""

from __future__ import annotations

import inspect
from typing import Any

from ..declarations import SETTINGS
from ..strategies import PRESETS
from .levers import LABELS, MAIN_LEVERS, lever_bounds, lever_value
from .model import LIVE_MAX_SCHOOLS, STRATEGIES, SideBySide, load_scenario_file

SCHOOL_STEP = 50
MAX_LIVE_DISTRICTS = 100
LEVER_STEP = 0.05
STRATEGY_LABELS = {
    "baseline": "baseline (business as usual)",
    "top_down": "top-down",
    "bottom_up": "bottom-up",
    "middle_led": "middle-led (Leadership from the Middle)",
}


def initial_params(scenario_file: str | None = None) -> dict[str, Any]:
    """SideBySide keywords for a fresh page: its defaults, or a scenario's system and seed."""
    defaults = {
        name: p.default
        for name, p in inspect.signature(SideBySide.__init__).parameters.items()
        if name != "self"
    }
    if scenario_file:
        sc = load_scenario_file(scenario_file)
        defaults.update(scenario_file=str(scenario_file), seed=sc.seed)
        defaults["budget"] = sc.system.get("budget", defaults["budget"])
        if sc.graph is None:
            defaults.update(n_schools=sc.system["schools"], n_districts=sc.system["districts"])
        else:  # the graph fixes the system: no size controls
            defaults.update(n_schools=None, n_districts=None)
    return defaults


def changed(params: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    """`params` with control `name` set to `value` (and what follows from it)."""
    new = {**params, name: value}
    if name == "adjust":  # the levers start from the newly chosen strategy's own values
        new.update(dict.fromkeys(MAIN_LEVERS))
    if name == "n_schools" and new["n_districts"] is not None:
        new["n_districts"] = min(new["n_districts"], value)
    return new


def _slider(label: str, value: float, lo: float, hi: float, step: float, kind: str) -> dict:
    """A Mesa slider specification; the label shows the value (a class reads it off)."""
    shown = f"{value:g}" if kind == "SliderInt" else f"{value:.2f}"
    return {
        "type": kind,
        "label": f"{label}: {shown}",
        "value": value,
        "min": lo,
        "max": hi,
        "step": step,
    }


def strategy_inputs(params: dict[str, Any], years: float) -> dict[str, dict]:
    """Which strategies to show, and the year they stop (before the run's `years`)."""
    inputs = {
        name: {"type": "Checkbox", "label": STRATEGY_LABELS[name], "value": params[name]}
        for name in STRATEGIES
    }
    if params.get("scenario_file"):
        inputs["scenario_timeline"] = {
            "type": "Checkbox",
            "label": "the scenario's own timeline",
            "value": params["scenario_timeline"],
        }
    last = int(years) - 1 if float(years).is_integer() else int(years)
    stop = _slider("Stop the strategies in year", params["stop_year"], 0, last, 1, "SliderInt")
    if not params["stop_year"]:
        stop["label"] = "Stop the strategies in year: never (0)"
    inputs["stop_year"] = stop
    return inputs


def system_inputs(params: dict[str, Any]) -> dict[str, dict]:
    """System size (unless a scenario's graph fixes it), budget and seed."""
    inputs = {}
    if params["n_schools"] is not None:
        schools, districts = SETTINGS["n_schools"], SETTINGS["n_districts"]
        hi = min(schools.hi, LIVE_MAX_SCHOOLS)
        inputs["n_schools"] = _slider(
            "Schools",
            params["n_schools"],
            max(schools.lo, SCHOOL_STEP),
            hi,
            SCHOOL_STEP,
            "SliderInt",
        )
        hi = min(districts.hi, MAX_LIVE_DISTRICTS, params["n_schools"])
        inputs["n_districts"] = _slider(
            "Districts (0 = no middle tier)",
            params["n_districts"],
            districts.lo,
            hi,
            1,
            "SliderInt",
        )
    budget = SETTINGS["budget"]
    inputs["budget"] = _slider(
        "Budget",
        params["budget"],
        budget.lo,
        budget.hi,
        0.1,
        "SliderFloat",
    )
    inputs["seed"] = {"type": "InputText", "label": "Seed", "value": str(params["seed"])}
    return inputs


def lever_inputs(params: dict[str, Any]) -> dict[str, dict]:
    """The strategy to adjust and its five main levers (untouched levers show its preset)."""
    shown = [n for n in PRESETS if params.get(n)] or list(PRESETS)
    inputs = {
        "adjust": {
            "type": "Select",
            "label": "Adjust the levers of",
            "value": params["adjust"],
            "values": shown if params["adjust"] in shown else [params["adjust"], *shown],
        }
    }
    preset = PRESETS[params["adjust"]]
    for name in MAIN_LEVERS:
        lo, hi = lever_bounds(name)
        value = params[name] if params[name] is not None else lever_value(preset, name)
        inputs[name] = _slider(LABELS[name], round(value, 4), lo, hi, LEVER_STEP, "SliderFloat")
    return inputs
