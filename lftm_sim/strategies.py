"""Strategies as bundles of levers, the four presets, and timelines of strategies.

A strategy is nothing but a set of lever values: no code anywhere branches on a
strategy's name, so a custom strategy with a preset's values behaves exactly as the
preset does. Every preset value is fixed from a seed sentence; docs/ODD.md quotes them.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

#: The eight essential ingredients of effective networks (Fullan & Rincon-Gallardo).
INGREDIENTS: tuple[str, ...] = (
    "trust_building",  # developing high-trust relationships
    "ambitious_goals",  # ambitious student learning goals linked to measurable outcomes
    "instruction_focus",  # continuously improving instructional practice
    "facilitation",  # deliberate leadership and skilled facilitation
    "interaction",  # frequently interacting and learning inwards
    "connecting_outward",  # connecting outward to learn from others
    "partnerships",  # new partnerships among students, teachers and families
    "resources",  # securing adequate resources to sustain the work
)

#: Hargreaves' six principles of districts that lead from the middle.
PRINCIPLES: tuple[str, ...] = (
    "responsiveness",
    "responsibility",
    "initiative",
    "integration",
    "transparency",
    "humility",
)

#: Levers that spend the budget; their sum may not exceed 1 (shares of the budget).
SPENDING: tuple[str, ...] = ("central_support", "school_grants", "middle_investment")


@dataclass(frozen=True)
class Strategy:
    """A strategy: one value for every lever the state (and the middle) can move.

    Spending levers are shares of the budget per school-year (`SystemModel(budget=...)`);
    all other levers are intensities in [0, 1] except `priorities` (a count >= 1).
    """

    # the state's levers
    pressure: float = 0.0
    central_support: float = 0.0
    school_grants: float = 0.0
    middle_investment: float = 0.0
    priorities: float = 5.0
    precision: float = 0.5
    # the schools' room to move
    autonomy: float = 0.3
    letting_go: float = 0.2
    reining_in: float = 0.2
    # the middle: Hargreaves' six principles
    responsiveness: float = 0.3
    responsibility: float = 0.3
    initiative: float = 0.3
    integration: float = 0.3
    transparency: float = 0.3
    humility: float = 0.3
    # networks: organised lateral learning and the eight ingredients
    lateral_learning: float = 0.0
    trust_building: float = 0.3
    ambitious_goals: float = 0.3
    instruction_focus: float = 0.3
    facilitation: float = 0.3
    interaction: float = 0.3
    connecting_outward: float = 0.3
    partnerships: float = 0.3
    resources: float = 0.3
    # network formation: 1 = co-designed (Joint Initiative), 0 = imposed
    co_design: float = 0.5
    network_uptake: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            lo, hi = LEVER_RANGES[f.name]
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise ValueError(
                    f"lever {f.name!r} must be a number in [{lo}, {hi}], got {value!r}"
                )
            if not np.isfinite(value) or not lo <= value <= hi:
                raise ValueError(f"lever {f.name!r} must be in [{lo}, {hi}], got {value!r}")
            object.__setattr__(self, f.name, float(value))
        spent = sum(getattr(self, name) for name in SPENDING)
        if spent > 1.0 + 1e-12:
            raise ValueError(
                f"spending levers {', '.join(SPENDING)} are shares of the budget and "
                f"must sum to at most 1, got {spent:g}"
            )

    def with_levers(self, **levers: float) -> Strategy:
        """Return a copy with some levers changed (unknown names raise ValueError)."""
        for name in levers:
            check_lever_name(name)
        return replace(self, **levers)

    def to_dict(self) -> dict[str, float]:
        """All lever values, by name."""
        return asdict(self)

    @property
    def spend_share(self) -> float:
        """Share of the budget this strategy spends (1 for the three named strategies)."""
        return sum(getattr(self, name) for name in SPENDING)


LEVERS: tuple[str, ...] = tuple(f.name for f in fields(Strategy))
LEVER_RANGES: dict[str, tuple[float, float]] = {name: (0.0, 1.0) for name in LEVERS}
LEVER_RANGES["priorities"] = (1.0, 20.0)

PRESETS: dict[str, Strategy] = {
    # Business as usual: no pressure, support, middle investment or organised networks;
    # the autonomy schools ordinarily have.
    "baseline": Strategy(),
    # The seven big ideas done well: few priorities, precision, capacity-building support,
    # accountability with support ("prioritize and implement").
    "top_down": Strategy(
        pressure=0.6,
        central_support=1.0,
        priorities=3,
        precision=0.9,
        autonomy=0.1,
        letting_go=0.1,
        reining_in=0.6,
        responsiveness=0.2,
        responsibility=0.6,
        initiative=0.1,
        integration=0.9,
        transparency=0.7,
        humility=0.2,
        lateral_learning=0.1,
        ambitious_goals=0.9,
        co_design=0.2,
    ),
    # School autonomy (Tomorrow's Schools): the budget goes to schools as untied grants.
    "bottom_up": Strategy(
        school_grants=1.0,
        priorities=10,
        precision=0.3,
        autonomy=1.0,
        letting_go=0.7,
        reining_in=0.1,
        responsiveness=0.1,
        responsibility=0.1,
        initiative=0.1,
        integration=0.1,
        transparency=0.2,
        humility=0.1,
        trust_building=0.2,
        ambitious_goals=0.2,
        instruction_focus=0.2,
        facilitation=0.2,
        interaction=0.2,
        connecting_outward=0.2,
        partnerships=0.2,
        resources=0.2,
    ),
    # Leadership from the Middle: invest in districts and networks, six principles and
    # eight ingredients high, directional vision with letting go and reining in.
    "middle_led": Strategy(
        pressure=0.1,
        middle_investment=1.0,
        priorities=3,
        precision=0.7,
        letting_go=0.7,
        reining_in=0.8,
        responsiveness=0.9,
        responsibility=0.9,
        initiative=0.9,
        integration=0.8,
        transparency=0.9,
        humility=0.9,
        lateral_learning=0.9,
        trust_building=0.85,
        ambitious_goals=0.85,
        instruction_focus=0.85,
        facilitation=0.85,
        interaction=0.85,
        connecting_outward=0.85,
        partnerships=0.85,
        resources=0.85,
        co_design=0.9,
        network_uptake=0.5,
    ),
}

#: Names that mean "switch to baseline" inside a timeline.
ALIASES: dict[str, str] = {"stop": "baseline"}


def _nearest(name: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_lever_name(name: str) -> None:
    """Raise ValueError for a name that is not a lever."""
    if name not in LEVERS:
        raise ValueError(
            f"unknown lever {name!r}{_nearest(name, list(LEVERS))}; levers are: "
            + ", ".join(LEVERS)
        )


def resolve_strategy(strategy: str | Strategy | dict[str, Any]) -> Strategy:
    """A Strategy from a preset name, a Strategy, or a dict of levers over `baseline`.

    A dict may name a preset to start from under the key ``"preset"``.
    """
    if isinstance(strategy, Strategy):
        return strategy
    if isinstance(strategy, str):
        key = ALIASES.get(strategy, strategy)
        if key not in PRESETS:
            allowed = list(PRESETS) + list(ALIASES)
            raise ValueError(
                f"unknown strategy {strategy!r}{_nearest(strategy, allowed)}; "
                f"allowed: {', '.join(allowed)}"
            )
        return PRESETS[key]
    if isinstance(strategy, dict):
        levers = dict(strategy)
        base = resolve_strategy(levers.pop("preset", "baseline"))
        return base.with_levers(**levers)
    raise ValueError(f"strategy must be a name, a Strategy or a dict, got {strategy!r}")


def network_quality(s: Strategy) -> float:
    """Network quality: the geometric mean of the eight essential ingredients.

    "We have identified eight essential ingredients of effective networks": a missing
    ingredient (value 0) makes the whole product 0.
    """
    values = np.array([getattr(s, name) for name in INGREDIENTS])
    return float(np.prod(values ** (1.0 / len(values))))


def focus(s: Strategy, per_priority: float) -> float:
    """Share of central effort that stays focused: 1 for one priority, less for many.

    "A small number of key priorities."
    """
    return 1.0 / (1.0 + per_priority * (s.priorities - 1.0))


@dataclass(frozen=True)
class Phase:
    """One phase of a timeline: a strategy from `start` (years since the start) on."""

    start: float
    strategy: Strategy
    label: str


class Timeline:
    """Phases of strategies over time, held as one object (so batch_run keeps it whole).

    Build it from ``[(start_year, strategy), ...]`` or from a string such as
    ``"top_down@0,stop@6"`` (strategy name ``@`` start year; "stop" means baseline).
    The first phase starts at year 0; a phase runs until the next one starts.
    """

    _ITEM = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(?:@\s*([0-9.]+))?\s*$")

    def __init__(self, phases: list[tuple[float, str | Strategy | dict]] | str):
        if isinstance(phases, str):
            phases = self._parse(phases)
        if not phases:
            raise ValueError("a timeline needs at least one phase")
        built = []
        for start, strategy in phases:
            label = strategy if isinstance(strategy, str) else "custom"
            if isinstance(strategy, dict) and "preset" in strategy:
                label = f"{strategy['preset']}*"
            built.append(Phase(float(start), resolve_strategy(strategy), str(label)))
        starts = [p.start for p in built]
        if starts[0] != 0:
            raise ValueError(f"a timeline's first phase must start at year 0, got {starts[0]:g}")
        if any(b <= a for a, b in zip(starts, starts[1:], strict=False)):
            raise ValueError(f"timeline phases must start at increasing years, got {starts}")
        self.phases: tuple[Phase, ...] = tuple(built)

    @classmethod
    def _parse(cls, text: str) -> list[tuple[float, str]]:
        phases = []
        for i, item in enumerate(text.split(",")):
            m = cls._ITEM.match(item)
            if not m:
                raise ValueError(f"cannot read timeline item {item!r}; write NAME@YEAR")
            start = float(m.group(2)) if m.group(2) else (0.0 if i == 0 else None)
            if start is None:
                raise ValueError(f"timeline item {item!r} needs a start year: NAME@YEAR")
            phases.append((start, m.group(1)))
        return phases

    def at(self, year: float) -> Phase:
        """The phase in force at `year` (years since the start)."""
        current = self.phases[0]
        for phase in self.phases:
            if phase.start <= year + 1e-9:
                current = phase
        return current

    def with_levers(self, **levers: float) -> Timeline:
        """The same timeline with explicit lever values applied to every phase."""
        return Timeline([(p.start, p.strategy.with_levers(**levers)) for p in self.phases])

    def describe(self) -> list[dict[str, Any]]:
        """Phases as plain dicts (for provenance files)."""
        return [
            {"start_year": p.start, "label": p.label, "levers": p.strategy.to_dict()}
            for p in self.phases
        ]

    def __repr__(self) -> str:
        return "Timeline(" + ",".join(f"{p.label}@{p.start:g}" for p in self.phases) + ")"


def resolve_timeline(timeline: str | Timeline | None, strategy: str | Strategy | dict) -> Timeline:
    """The timeline to run: the given one, or the single `strategy` for the whole run."""
    if timeline is None:
        label = strategy if isinstance(strategy, str) else "custom"
        tl = Timeline([(0.0, strategy)])
        tl.phases = (replace(tl.phases[0], label=str(label)),)
        return tl
    if isinstance(timeline, Timeline):
        return timeline
    if isinstance(timeline, str):
        return Timeline(timeline)
    raise ValueError(
        f"timeline must be a Timeline or a string like 'top_down@0,stop@6', got {timeline!r}"
    )
