"""The scenario-file schema: every section and key, its kind, default, range and meaning.

System settings, levers and mechanism parameters take their defaults, ranges and meanings
from `lftm_sim.declarations` (one declaration per parameter); the keys only scenario files
have (years, phases, calibration) are declared here. `Checker` validates values against
the schema and raises `ScenarioError` naming the file and key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..declarations import LEVER_PARAMS, MECHANISM_PARAMS, SETTINGS, Param
from ..dynamics import STEPS_PER_YEAR
from ..errors import suggest
from ..strategies import ALIASES, PRESETS
from .errors import ScenarioError

STATUSES: tuple[str, ...] = ("calibrated", "illustrative")
YEAR_RANGE: tuple[int, int] = (1800, 2200)
REQUIRED = object()


def fmt(x: float) -> str:
    """A number as written in messages: integers as they are, floats with %g."""
    return str(x) if isinstance(x, int) else f"{x:g}"


@dataclass(frozen=True)
class Spec:
    """One key of the schema: its kind, default (REQUIRED if none), range and meaning."""

    kind: str  # int, number, year, str, path, str_list, year_pair, table, tables
    default: Any = REQUIRED
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None
    doc: str = ""

    @classmethod
    def of(cls, param: Param) -> Spec:
        """The key of a declared parameter (its default, range and meaning)."""
        kind = "int" if param.kind == "integer" else "number"
        return cls(kind, param.default, param.lo, param.hi, doc=param.doc)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def allowed(self) -> str:
        """What the key accepts, in words (used in error messages and docs/formats.md)."""
        if self.choices is not None:
            return ", ".join(self.choices)
        rng = ""
        if self.lo is not None and self.hi is not None:
            rng = f" in [{fmt(self.lo)}, {fmt(self.hi)}]"
        elif self.lo is not None:
            rng = f" >= {fmt(self.lo)}"
        return {
            "int": f"an integer{rng}",
            "number": f"a number{rng}",
            "year": f"a year{rng}, in whole terms (a multiple of {1 / STEPS_PER_YEAR:g})",
            "str": "a string",
            "path": "a path (string) relative to the scenario file",
            "str_list": "a non-empty array of strings" if self.required else "an array of strings",
            "year_pair": f"an array of two years [first, last]{rng}",
            "table": "a table",
            "tables": "an array of tables",
        }[self.kind]


SCENARIO_KEYS: dict[str, Spec] = {
    "name": Spec("str", doc="Short title of the scenario."),
    "status": Spec(
        "str",
        choices=STATUSES,
        doc="`calibrated`: compared with published figures (needs a [calibration] section); "
        "`illustrative`: no published figures behind the outcomes.",
    ),
    "description": Spec("str", "", doc="What the scenario represents and where it comes from."),
    "start_year": Spec("year", lo=YEAR_RANGE[0], hi=YEAR_RANGE[1], doc="Calendar year of step 0."),
    "end_year": Spec(
        "year", lo=YEAR_RANGE[0], hi=YEAR_RANGE[1], doc="Calendar year the run ends (> start)."
    ),
    "seed": Spec("int", 0, 0, 2**63 - 1, doc="Seed of the model's random generator."),
}

#: [system] key -> SystemModel keyword (the others are spelled the same).
SYSTEM_KEYWORDS: dict[str, str] = {"schools": "n_schools", "districts": "n_districts"}
_TOML_NAME = {keyword: key for key, keyword in SYSTEM_KEYWORDS.items()}
#: [system] keys: every declared system setting, plus the graph files.
SYSTEM_KEYS: dict[str, Spec] = {
    _TOML_NAME.get(name, name): Spec.of(param) for name, param in SETTINGS.items()
}
SYSTEM_KEYS["graph"] = Spec(
    "path",
    None,
    doc="A graph file (GraphML or edge-list CSV) giving the system instead of generating "
    "it; then schools, districts, network_size and consortium_size must not be given.",
)
SYSTEM_KEYS["graph_nodes"] = Spec(
    "path", None, doc="Node file (CSV: node,kind) for an edge-list graph without kind columns."
)
#: Keys the graph file fixes, so they may not be given with one.
GRAPH_FIXES: tuple[str, ...] = ("schools", "districts", "network_size", "consortium_size")
#: Lever and mechanism keys, from their declarations.
LEVER_KEYS: dict[str, Spec] = {name: Spec.of(p) for name, p in LEVER_PARAMS.items()}
MECHANISM_KEYS: dict[str, Spec] = {name: Spec.of(p) for name, p in MECHANISM_PARAMS.items()}

PHASE_KEYS: dict[str, Spec] = {
    "start": Spec("year", doc="Calendar year the phase starts (the first: start_year)."),
    "end": Spec("year", doc="Calendar year it ends (the next phase's start; the last: end_year)."),
    "strategy": Spec(
        "str",
        choices=tuple(PRESETS) + tuple(ALIASES),
        doc="Preset the phase starts from; `stop` means baseline.",
    ),
    "label": Spec("str", None, doc="Name shown in outputs (default: the strategy)."),
    "levers": Spec("table", None, doc="Lever overrides of the preset: NAME = value."),
}

CALIBRATION_KEYS: dict[str, Spec] = {
    "system": Spec("str", doc="System name in real_systems.csv (england, ontario, ...)."),
    "series": Spec("str_list", doc="Series names in real_systems.csv compared over time."),
    "fit": Spec("year_pair", doc="Years [first, last] whose data the calibration fits."),
    "predict": Spec("year_pair", doc="Years [first, last] predicted out of sample (after `fit`)."),
    "extra_predict": Spec(
        "str_list",
        None,
        doc="Series predicted out of sample over the whole run, anchored at their figure in "
        "start_year (e.g. Ontario's combined EQAO share: 2003 and 2013).",
    ),
}

SECTIONS: dict[str, str] = {
    "scenario": "table",
    "system": "table",
    "mechanisms": "table",
    "phases": "tables",
    "calibration": "table",
}


def system_key(keyword: str) -> str:
    """The scenario key of a SystemModel setting keyword (n_schools -> system.schools)."""
    return f"system.{_TOML_NAME.get(keyword, keyword)}"


def type_name(value: Any) -> str:
    """A TOML value's type, in TOML's words."""
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "float"), (str, "string")):
        if isinstance(value, kind):
            return name
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    return "date/time" if hasattr(value, "isoformat") else type(value).__name__


def show(value: Any) -> str:
    """A value for a message, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Checker:
    """Checks values against the schema; every refusal raises ScenarioError naming the
    file and the key."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, problem: str, allowed: str = "", value: Any = None) -> None:
        raise ScenarioError(self.path, key, problem, allowed, value)

    def table(self, key: str, value: Any, kind: str) -> Any:
        if kind == "table" and not isinstance(value, dict):
            self.fail(key, f"must be a table, got {type_name(value)}", f"a [{key}] table")
        if kind == "tables" and not (
            isinstance(value, list) and all(isinstance(v, dict) for v in value)
        ):
            self.fail(
                key, f"must be an array of tables, got {type_name(value)}", f"[[{key}]] tables"
            )
        return value

    def keys(self, prefix: str, table: dict, specs: dict[str, Spec], what: str = "key") -> None:
        """Refuse unknown keys (suggesting the nearest) and missing required ones."""
        for name in table:
            if name not in specs:
                self.fail(
                    f"{prefix}.{name}" if prefix else name,
                    f"unknown {what}{suggest(name, specs)}",
                    ", ".join(specs),
                )
        for name, spec in specs.items():
            if spec.required and name not in table:
                self.fail(f"{prefix}.{name}" if prefix else name, "missing", spec.allowed())

    def value(self, key: str, value: Any, spec: Spec) -> Any:
        """`value` checked against `spec` (its type, range, choices)."""
        if spec.kind in ("table", "tables"):
            return self.table(key, value, spec.kind)
        if spec.kind in ("str", "path"):
            return self._text(key, value, spec)
        if spec.kind == "str_list":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self._wrong_type(key, value, spec)
            if not value and spec.required:
                self.fail(key, "empty array", spec.allowed())
            return list(value)
        if spec.kind == "year_pair":
            return self._year_pair(key, value, spec)
        return self._number(key, value, spec)

    def _wrong_type(self, key: str, value: Any, spec: Spec) -> None:
        self.fail(key, f"wrong type: {type_name(value)} {show(value)}", spec.allowed(), value)

    def _text(self, key: str, value: Any, spec: Spec) -> str:
        if not isinstance(value, str):
            self._wrong_type(key, value, spec)
        if spec.kind == "path" and not value.strip():
            self.fail(key, "empty path", spec.allowed())
        if spec.choices is not None and value not in spec.choices:
            self.fail(
                key, f"unknown value {value!r}{suggest(value, spec.choices)}", spec.allowed(), value
            )
        return value

    def _year_pair(self, key: str, value: Any, spec: Spec) -> list[float]:
        if not isinstance(value, list) or len(value) != 2:
            self._wrong_type(key, value, spec)
        year = Spec("number", lo=spec.lo, hi=spec.hi)
        first, last = (self.value(f"{key}[{i}]", value[i], year) for i in (0, 1))
        if last < first:
            self.fail(key, f"last year {fmt(last)} is before first {fmt(first)}", spec.allowed())
        return [first, last]

    def _number(self, key: str, value: Any, spec: Spec) -> float:
        allowed = spec.allowed()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._wrong_type(key, value, spec)
        if spec.kind == "int" and not isinstance(value, int):
            self._wrong_type(key, value, spec)
        if not math.isfinite(value):
            self.fail(key, f"not a finite number: {value!r}", allowed, value)
        if (spec.lo is not None and value < spec.lo) or (spec.hi is not None and value > spec.hi):
            self.fail(key, f"out of range: {fmt(value)}", allowed, value)
        terms = value * STEPS_PER_YEAR
        if spec.kind == "year" and abs(terms - round(terms)) > 1e-9:
            self.fail(key, f"{fmt(value)} is not a whole term", allowed, value)
        return value
