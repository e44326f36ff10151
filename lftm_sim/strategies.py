"""Strategies as bundles of levers, the four presets, and timelines of strategies.

A strategy is nothing but a set of lever values: no code anywhere branches on a
strategy's name, so a custom strategy with a preset's values behaves exactly as the
preset does. Every preset value is fixed from a seed sentence; docs/ODD.md quotes them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from .declarations import LEVER_PARAMS
from .errors import InputError, suggest
from .parameters import checked

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


def _default(name: str) -> float:
    return LEVER_PARAMS[name].default


@dataclass(frozen=True)
class Strategy:
    """A strategy: one value for every lever the state (and the middle) can move.

    Spending levers are shares of the budget per school-year (`SystemModel(budget=...)`);
    all other levers are intensities in [0, 1] except `priorities` (a count >= 1).
    """

    # the state's levers
    pressure: float = _default("pressure")
    central_support: float = _default("central_support")
    school_grants: float = _default("school_grants")
    middle_investment: float = _default("middle_investment")
    priorities: float = _default("priorities")
    precision: float = _default("precision")
    # the schools' room to move
    autonomy: float = _default("autonomy")
    letting_go: float = _default("letting_go")
    reining_in: float = _default("reining_in")
    # the middle: Hargreaves' six principles
    responsiveness: float = _default("responsiveness")
    responsibility: float = _default("responsibility")
    initiative: float = _default("initiative")
    integration: float = _default("integration")
    transparency: float = _default("transparency")
    humility: float = _default("humility")
    # networks: organised lateral learning and the eight ingredients
    lateral_learning: float = _default("lateral_learning")
    trust_building: float = _default("trust_building")
    ambitious_goals: float = _default("ambitious_goals")
    instruction_focus: float = _default("instruction_focus")
    facilitation: float = _default("facilitation")
    interaction: float = _default("interaction")
    connecting_outward: float = _default("connecting_outward")
    partnerships: float = _default("partnerships")
    resources: float = _default("resources")
    # network formation: 1 = co-designed (Joint Initiative), 0 = imposed
    co_design: float = _default("co_design")
    network_uptake: float = _default("network_uptake")

    def __post_init__(self) -> None:
        for f in fields(self):
            value = checked(LEVER_PARAMS[f.name], getattr(self, f.name), "lever")
            object.__setattr__(self, f.name, value)
        spent = sum(getattr(self, name) for name in SPENDING)
        if spent > 1.0 + 1e-12:
            raise InputError(
                f"spending levers {', '.join(SPENDING)} are shares of the budget and "
                f"must sum to at most 1, got {spent:g}",
                key="middle_investment",
                allowed="spending levers summing to at most 1",
                value=spent,
            )

    def with_levers(self, **levers: float) -> Strategy:
        """Return a copy with some levers changed (unknown names raise InputError)."""
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
assert LEVERS == tuple(LEVER_PARAMS), "Strategy fields follow the declarations"
#: Allowed range of each lever (derived from the declarations).
LEVER_RANGES: dict[str, tuple[float, float]] = {
    name: (float(p.lo), float(p.hi)) for name, p in LEVER_PARAMS.items()
}

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


def check_lever_name(name: str) -> None:
    """Raise InputError for a name that is not a lever."""
    if name not in LEVERS:
        raise InputError(
            f"unknown lever {name!r}{suggest(name, LEVERS)}; levers are: " + ", ".join(LEVERS),
            key=str(name),
            allowed=", ".join(LEVERS),
            value=name,
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
            raise InputError(
                f"unknown strategy {strategy!r}{suggest(strategy, allowed)}; "
                f"allowed: {', '.join(allowed)}",
                key="strategy",
                allowed=", ".join(allowed),
                value=strategy,
            )
        return PRESETS[key]
    if isinstance(strategy, dict):
        levers = dict(strategy)
        base = resolve_strategy(levers.pop("preset", "baseline"))
        return base.with_levers(**levers)
    raise InputError(
        f"strategy must be a name, a Strategy or a dict, got {strategy!r}",
        key="strategy",
        allowed="a preset name, a Strategy or a dict of levers",
        value=strategy,
    )


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

    Build it from ``[(start_year, strategy), ...]`` (optionally ``(start, strategy, label)``)
    or from a string such as ``"top_down@0,stop@6"`` (strategy name ``@`` start year; "stop"
    means baseline). The first phase starts at year 0; a phase runs until the next one
    starts. A timeline is never changed once built.
    """

    _ITEM = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(?:@\s*([0-9.]+))?\s*$")

    def __init__(self, phases: list[tuple] | str):
        if isinstance(phases, str):
            phases = self._parse(phases)
        if not phases:
            raise _timeline_error("a timeline needs at least one phase", phases)
        built = []
        for start, strategy, *label in phases:
            built.append(Phase(float(start), resolve_strategy(strategy), _label(strategy, label)))
        starts = [p.start for p in built]
        if starts[0] != 0:
            raise _timeline_error(
                f"a timeline's first phase must start at year 0, got {starts[0]:g}", phases
            )
        if any(b <= a for a, b in zip(starts, starts[1:], strict=False)):
            raise _timeline_error(
                f"timeline phases must start at increasing years, got {starts}", phases
            )
        self.phases: tuple[Phase, ...] = tuple(built)

    @classmethod
    def _parse(cls, text: str) -> list[tuple[float, str]]:
        phases = []
        for i, item in enumerate(text.split(",")):
            m = cls._ITEM.match(item)
            if not m:
                raise _timeline_error(f"cannot read timeline item {item!r}; write NAME@YEAR", text)
            start = float(m.group(2)) if m.group(2) else (0.0 if i == 0 else None)
            if start is None:
                raise _timeline_error(f"timeline item {item!r} needs a start year: NAME@YEAR", text)
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
        """The same timeline (and phase labels) with lever values applied to every phase."""
        return Timeline([(p.start, p.strategy.with_levers(**levers), p.label) for p in self.phases])

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
        return Timeline([(0.0, strategy, strategy if isinstance(strategy, str) else "custom")])
    if isinstance(timeline, Timeline):
        return timeline
    if isinstance(timeline, str):
        return Timeline(timeline)
    raise _timeline_error(
        f"timeline must be a Timeline or a string like 'top_down@0,stop@6', got {timeline!r}",
        timeline,
    )


def _label(strategy: str | Strategy | dict, label: list) -> str:
    if label:
        return str(label[0])
    if isinstance(strategy, dict) and "preset" in strategy:
        return f"{strategy['preset']}*"
    return strategy if isinstance(strategy, str) else "custom"


def _timeline_error(message: str, value: Any) -> InputError:
    allowed = "phases NAME@YEAR starting at year 0, at increasing years"
    return InputError(message, key="timeline", allowed=allowed, value=value)
