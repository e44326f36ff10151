"""SideBySide: the strategies on one system, from one seed, stepped together.

SolaraViz drives one model; this wrapper holds one `SystemModel` per chosen strategy, all
built on the same system settings and from the same seed (common random numbers: the same
districts, networks and starting schools, the same draws each term), so what differs
between the panels is the strategy alone. Its keywords are the dashboard's controls.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import mesa
import numpy as np
import pandas as pd

from ..declarations import SETTINGS
from ..errors import InputError
from ..experiments import run_seed
from ..model import STEPS_PER_YEAR, SystemModel
from ..strategies import PRESETS, Timeline
from .layout import school_positions
from .levers import adjusted, moved

#: The strategies a class compares, in the order of the panels.
STRATEGIES: tuple[str, ...] = ("baseline", "top_down", "bottom_up", "middle_led")
SCENARIO_PANEL = "scenario"
DEFAULT_YEARS = 15
#: Largest system the page runs live (the declarations allow far more; a class does not wait).
LIVE_MAX_SCHOOLS = 5000
METRICS: tuple[str, ...] = ("mean_capacity", "mean_performance", "gap")


@dataclass(frozen=True)
class Panel:
    """One strategy's run: its name, a label for the class, and its SystemModel."""

    name: str
    label: str
    model: SystemModel


def load_scenario_file(path: str | Path):
    """The scenario at `path` (the loader's ScenarioError, an InputError, on any problem)."""
    from ..scenarios import load_scenario

    return load_scenario(path)


class SideBySide(mesa.Model):
    """Strategies side by side: one SystemModel per strategy, same system and seed.

    `adjust` names the strategy the lever keywords change (None: untouched); `stop_year`
    > 0 switches every strategy to baseline in that year; `scenario_file` takes the system,
    seed, mechanisms and calendar years from a scenario and adds its timeline as a panel.
    """

    def __init__(
        self,
        baseline: bool = False,
        top_down: bool = True,
        bottom_up: bool = True,
        middle_led: bool = True,
        scenario_timeline: bool = True,
        n_schools: int = 1000,
        n_districts: int = 20,
        budget: float = SETTINGS["budget"].default,
        adjust: str = "middle_led",
        pressure: float | None = None,
        middle_investment: float | None = None,
        lateral_learning: float | None = None,
        network_quality: float | None = None,
        autonomy: float | None = None,
        stop_year: int = 0,
        seed: int | str = 0,
        scenario_file: str | None = None,
    ):
        self.controls = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        seed = _seed(seed)
        super().__init__(rng=seed)
        self.seed = seed
        sc = load_scenario_file(scenario_file) if scenario_file else None
        self.scenario_name = sc.name if sc else None
        self.scenario_phases = sc.timeline().phases if sc else ()
        self.start_year = float(sc.start_year) if sc else 0.0
        self.calendar = sc is not None
        self.years = float(sc.years) if sc else float(DEFAULT_YEARS)
        system = self._system(sc, n_schools, n_districts, budget)
        self._adjust(
            adjust,
            dict(
                pressure=pressure,
                middle_investment=middle_investment,
                lateral_learning=lateral_learning,
                network_quality=network_quality,
                autonomy=autonomy,
            ),
        )
        if not 0 <= stop_year < self.years:
            raise InputError(
                f"stop_year must be 0 (never) or a year before {self.years:g}, got {stop_year}"
            )
        self.stop_year = int(stop_year)
        shown = dict(
            baseline=baseline, top_down=top_down, bottom_up=bottom_up, middle_led=middle_led
        )
        self.panels = self._panels(system, shown, sc if scenario_timeline else None)
        self._check_same_system()
        self.positions = school_positions(self.panels[0].model.topology)  # once, shared
        self.running = True

    # --- set-up ----------------------------------------------------------------------

    def _adjust(self, adjust: str, levers: dict[str, float | None]) -> None:
        """The strategy the levers change: its preset, the adjusted strategy, the notes."""
        if adjust not in PRESETS:
            raise InputError(f"adjust must be one of {', '.join(PRESETS)}, got {adjust!r}")
        self.adjust, self.preset = adjust, PRESETS[adjust]
        self.strategy, self.notes = adjusted(self.preset, moved(self.preset, levers))

    def _system(self, sc, n_schools, n_districts, budget) -> dict:
        """SystemModel keywords shared by every panel (a scenario's, sizes from controls)."""
        if sc is None:
            system = {"mechanisms": None}
        else:
            system = sc.model_kwargs()
            system.pop("timeline")
        if system.get("graph") is None:
            schools = SETTINGS["n_schools"].check(n_schools, key="schools")
            if schools > LIVE_MAX_SCHOOLS:
                raise InputError(
                    f"schools must be at most {LIVE_MAX_SCHOOLS} on the live page, got {schools}"
                )
            districts = SETTINGS["n_districts"].check(n_districts, key="districts")
            if districts > schools:
                raise InputError(
                    f"districts must be at most the number of schools ({schools}), got {districts}"
                )
            system.update(n_schools=schools, n_districts=districts)
        system["budget"] = SETTINGS["budget"].check(budget, key="budget")
        return system

    def _panels(self, system: dict, shown: dict[str, bool], sc) -> list[Panel]:
        """One panel per shown strategy, then the scenario's own timeline (if given)."""
        timelines = {name: self._timeline(name) for name in STRATEGIES if shown[name]}
        if sc is not None:
            timelines[SCENARIO_PANEL] = self._stopped(sc.timeline())
        if not timelines:
            raise InputError("choose at least one strategy to show")
        return [Panel(n, self._label(n), self._build(system, tl)) for n, tl in timelines.items()]

    def _timeline(self, name: str) -> Timeline:
        strategy = self.strategy if name == self.adjust else PRESETS[name]
        label = name if name != self.adjust or strategy is self.preset else f"{name}*"
        return self._stopped(Timeline([(0.0, strategy)]), label)

    def _stopped(self, timeline: Timeline, label: str | None = None) -> Timeline:
        """The timeline with every phase from `stop_year` on replaced by baseline."""
        stop = self.stop_year
        phases = [(p.start, p.strategy) for p in timeline.phases if not stop or p.start < stop]
        if stop:
            phases.append((float(stop), "stop"))
        built = Timeline(phases)
        if label is not None:
            built.phases = (replace(built.phases[0], label=label), *built.phases[1:])
        return built

    def _build(self, system: dict, timeline: Timeline) -> SystemModel:
        # every panel draws from the same seed: `lftm compare --seed S`, replicate 0
        rng = np.random.default_rng(run_seed(self.seed, 0))
        return SystemModel(**system, timeline=timeline, rng=rng)

    def _check_same_system(self) -> None:
        first = self.panels[0].model.topology
        for panel in self.panels[1:]:
            top = panel.model.topology
            assert np.array_equal(top.peer_u, first.peer_u) and np.array_equal(
                top.school_network, first.school_network
            ), "panels must share one system (common random numbers)"

    def _label(self, name: str) -> str:
        if name == SCENARIO_PANEL:  # named by its phases: "scenario: top-down > hand-over"
            text = "scenario: " + " > ".join(p.label for p in self.scenario_phases)
            return text + (f", stops in year {self.stop_year}" if self.stop_year else "")
        text = name.replace("_", "-")
        if name == self.adjust and self.strategy is not self.preset:
            text += " (adjusted)"
        if self.stop_year and name != "baseline":
            text += f", stops in year {self.stop_year}"  # figures cut labels at ", stops"
        return text

    # --- running ---------------------------------------------------------------------

    def step(self) -> None:
        """One term in every panel; stops at the end of the run."""
        for panel in self.panels:
            panel.model.step()
        self.running = self.panels[0].model.steps < round(self.years * STEPS_PER_YEAR)

    @property
    def year(self) -> float:
        """Years since the start (calendar year when a scenario gives one)."""
        return self.start_year + self.panels[0].model.year

    def series(self) -> pd.DataFrame:
        """Tidy time series of every panel: step, year, panel, label and the reporters."""
        frames = []
        for panel in self.panels:
            df = panel.model.results()
            df["year"] = self.start_year + df["year"]
            frames.append(df.assign(panel=panel.name, label=panel.label))
        return pd.concat(frames, ignore_index=True)


def _seed(value: int | str) -> int:
    """A seed from the control (text or number): a whole number in [0, 2**63 - 1]."""
    try:
        seed = int(str(value).strip())
    except ValueError:
        raise InputError(
            f"seed must be a whole number from 0, got {value!r}", key="seed", value=value
        ) from None
    if not 0 <= seed < 2**63:
        raise InputError(f"seed must be in [0, 2**63 - 1], got {seed}", key="seed", value=value)
    return seed
