"""The `Scenario` object: a validated scenario file, its timeline, model and variants."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import tomli_w

from ..declarations import LEVER_PARAMS, MECHANISM_PARAMS, SETTINGS
from ..errors import InputError, suggest
from ..strategies import Strategy, Timeline, resolve_strategy
from .errors import ScenarioError
from .schema import (
    LEVER_KEYS,
    STEPS_PER_YEAR,
    SYSTEM_KEYS,
    SYSTEM_KEYWORDS,
    Checker,
    system_key,
)

#: make_model keywords that are neither system settings nor levers.
MODEL_OPTIONS: tuple[str, ...] = ("strategy", "timeline", "mechanisms", "collect_agents", "graph")


def resolve_path(scenario_path: Path, value: str | None) -> Path | None:
    """A path from a scenario file, relative to the file (None stays None)."""
    if value is None:
        return None
    p = Path(value).expanduser()
    return p if p.is_absolute() else Path(scenario_path).parent / p


@dataclass(frozen=True)
class ScenarioPhase:
    """One phase in calendar years: a preset plus lever overrides, from `start` to `end`."""

    start: float
    end: float
    strategy: str
    label: str
    levers: dict[str, float] = field(default_factory=dict)

    def resolve(self) -> Strategy:
        """The phase's full strategy (preset with the overrides applied)."""
        return resolve_strategy({"preset": self.strategy, **self.levers})

    def to_dict(self, resolved: bool = True) -> dict[str, Any]:
        """The phase as a table; `resolved` gives every lever's value, else the overrides."""
        levers = self.resolve().to_dict() if resolved else dict(self.levers)
        out = {"start": self.start, "end": self.end, "strategy": self.strategy}
        out["label"] = self.label
        if levers:
            out["levers"] = levers
        return out


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. Build one with `load_scenario`; variants with `with_*`."""

    path: Path
    name: str
    status: str
    description: str
    start_year: float
    end_year: float
    seed: int
    system: dict[str, Any]
    phases: tuple[ScenarioPhase, ...]
    mechanisms: dict[str, float] = field(default_factory=dict)
    calibration: dict[str, Any] | None = None
    graph: nx.Graph | None = field(default=None, repr=False, compare=False)

    # --- derived ---------------------------------------------------------------------------

    @property
    def years(self) -> float:
        """Length of the run in years (end_year - start_year)."""
        return self.end_year - self.start_year

    @property
    def steps(self) -> int:
        """Length of the run in steps (terms)."""
        return int(round(self.years * STEPS_PER_YEAR))

    @property
    def graph_path(self) -> Path | None:
        """The graph file, resolved relative to the scenario file (None: generated)."""
        return resolve_path(self.path, self.system.get("graph"))

    @property
    def n_schools(self) -> int:
        """Number of schools (from the graph if there is one)."""
        if self.graph is not None:
            return sum(1 for _, k in self.graph.nodes(data="kind") if k == "school")
        return self.system["schools"]

    def timeline(self) -> Timeline:
        """The phases as a Timeline in years since start_year, with the phases' labels."""
        return Timeline(
            [
                (p.start - self.start_year, {"preset": p.strategy, **p.levers}, p.label)
                for p in self.phases
            ]
        )

    def phase_spans(self) -> list[tuple[float, float, str]]:
        """(start, end, label) of every phase, in calendar years."""
        return [(p.start, p.end, p.label) for p in self.phases]

    def model_kwargs(self) -> dict[str, Any]:
        """SystemModel keywords: system settings, timeline and mechanisms (not rng)."""
        kwargs = {
            SYSTEM_KEYWORDS.get(k, k): v
            for k, v in self.system.items()
            if k not in ("graph", "graph_nodes")
        }
        if self.graph is not None:
            kwargs["graph"] = self.graph
        kwargs["timeline"] = self.timeline()
        kwargs["mechanisms"] = dict(self.mechanisms)
        return kwargs

    def make_model(self, rng=None, **overrides):
        """Build the SystemModel (seeded with `seed` unless `rng` is given).

        `overrides` are SystemModel keywords: system settings (``n_schools=200`` or
        ``schools=200``) give a re-validated variant (memory included); levers apply to
        every phase; ``collect_agents=True`` is checked against memory too.
        """
        from ..model import SystemModel

        settings, rest = self._split_overrides(overrides)
        scenario = self.with_system(**settings) if settings else self
        if rest.get("collect_agents"):
            scenario.check_memory(collect_agents=True)
        kwargs = scenario.model_kwargs()
        if "strategy" in rest and "timeline" not in rest:
            kwargs["timeline"] = None  # one strategy for the whole run replaces the phases
        kwargs.update(rest)
        try:
            return SystemModel(**kwargs, rng=self.seed if rng is None else rng)
        except ScenarioError:
            raise
        except InputError as err:
            raise ScenarioError(self.path, _scenario_key(err.key), err.message) from None

    def resolved_parameters(self) -> dict[str, Any]:
        """Every setting, lever and mechanism parameter the scenario's run uses, checked
        without building a model (ScenarioError naming the key, e.g. a capacity_level
        whose rest capacity leaves (0, 1) with the mechanisms)."""
        from ..provenance import resolve_parameters

        try:
            return resolve_parameters(self.model_kwargs())
        except ScenarioError:
            raise
        except InputError as err:
            raise ScenarioError(self.path, _scenario_key(err.key), err.message) from None

    def _split_overrides(self, overrides: dict[str, Any]) -> tuple[dict, dict]:
        """make_model's overrides as ([system] settings by TOML name, other keywords);
        levers are checked against their declarations here."""
        toml_name = {SYSTEM_KEYWORDS.get(k, k): k for k in SYSTEM_KEYS if k != "graph"}
        toml_name.update({k: k for k in SYSTEM_KEYS if k != "graph"})
        allowed = sorted(set(toml_name) | set(LEVER_PARAMS) | set(MODEL_OPTIONS))
        settings, rest = {}, {}
        for name, value in overrides.items():
            if name in toml_name:
                settings[toml_name[name]] = value
            elif name in LEVER_PARAMS:
                rest[name] = Checker(self.path).value(f"levers.{name}", value, LEVER_KEYS[name])
            elif name in MODEL_OPTIONS:
                rest[name] = value
            else:
                raise ScenarioError(
                    self.path,
                    f"make_model({name})",
                    f"unknown keyword{suggest(name, allowed)}",
                    ", ".join(allowed),
                )
        return settings, rest

    def run(self, rng=None, **overrides):
        """Build and run the model over the scenario's years; the series gain a
        `calendar_year` column."""
        model = self.make_model(rng=rng, **overrides)
        df = model.run(self.years)
        df.insert(1, "calendar_year", self.start_year + df["year"])
        return df

    # --- variants -----------------------------------------------------------------------------

    def with_phase_start(self, index: int, year: float) -> Scenario:
        """A variant with the start of phase `index` (and the end of the one before) moved
        to calendar `year`: "what if the hand-over came in year 4?"."""
        from .loader import build
        from .schema import fmt, show

        n = len(self.phases)
        key = f"phases[{index}].start"
        if not isinstance(index, int) or isinstance(index, bool) or not 1 <= index < n:
            raise ScenarioError(
                self.path,
                key,
                "no boundary to move: the first phase starts at scenario.start_year"
                if index == 0
                else f"no phase {index!r}",
                f"an index from 1 to {n - 1}" if n > 1 else "none (a single phase)",
            )
        before, phase = self.phases[index - 1], self.phases[index]
        ok = isinstance(year, (int, float)) and not isinstance(year, bool)
        if not ok or not before.start < year < phase.end:
            raise ScenarioError(
                self.path,
                key,
                f"cannot move to {show(year)}: a phase would be empty or reversed",
                f"a year strictly between {fmt(before.start)} and {fmt(phase.end)}",
            )
        raw = self._as_dict(resolved=False)
        raw["phases"][index]["start"] = year
        raw["phases"][index - 1]["end"] = year
        return build(raw, self.path)

    def with_system(self, **settings) -> Scenario:
        """A variant with [system] settings changed (TOML names), validated again."""
        from .loader import build

        raw = self._as_dict(resolved=False)
        raw["system"].update(settings)
        return build(raw, self.path)

    def with_seed(self, seed: int) -> Scenario:
        """A variant with another seed."""
        from .loader import build

        raw = self._as_dict(resolved=False)
        raw["scenario"]["seed"] = seed
        return build(raw, self.path)

    # --- output -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The fully resolved scenario: every value used, defaults filled in, each phase's
        full lever set, all mechanism parameters, the graph path made absolute.
        Loading it back (`to_toml`) gives the same scenario."""
        return self._as_dict(resolved=True)

    def _as_dict(self, resolved: bool) -> dict[str, Any]:
        system = dict(self.system)
        if resolved:
            for key in ("graph", "graph_nodes"):
                if key in system:
                    system[key] = str(resolve_path(self.path, system[key]).resolve())
        defaults = {name: p.default for name, p in MECHANISM_PARAMS.items()}
        out: dict[str, Any] = {
            "scenario": {
                "name": self.name,
                "status": self.status,
                "description": self.description,
                "start_year": self.start_year,
                "end_year": self.end_year,
                "seed": self.seed,
            },
            "system": system,
            "mechanisms": {**defaults, **self.mechanisms} if resolved else dict(self.mechanisms),
            "phases": [p.to_dict(resolved=resolved) for p in self.phases],
        }
        if self.calibration is not None:
            out["calibration"] = {
                k: (list(v) if isinstance(v, (list, tuple)) else v)
                for k, v in self.calibration.items()
            }
        return out

    def to_toml(self) -> str:
        """The resolved scenario as TOML text (tomli-w)."""
        head = f"# Resolved from {self.path} by lftm_sim.scenarios: every value used.\n"
        return head + tomli_w.dumps(self.to_dict())

    def write_toml(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """Write the resolved scenario; an existing file is kept unless `overwrite`."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists (pass overwrite=True to replace it)")
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(self.to_toml(), encoding="utf-8")
        tmp.replace(path)
        return path

    def check_memory(self, collect_agents: bool = False) -> None:
        """Refuse (ScenarioError) a run too large for this machine's memory."""
        from .system import check_scenario_memory

        check_scenario_memory(self.path, self.system, self.graph, self.steps, collect_agents)


def _scenario_key(keyword: str | None) -> str:
    """The scenario key of a SystemModel keyword an InputError names."""
    if keyword in SETTINGS:
        return system_key(keyword)
    if keyword in LEVER_PARAMS:
        return f"levers.{keyword}"
    if keyword in MECHANISM_PARAMS:
        return f"mechanisms.{keyword}"
    return keyword or "system"
