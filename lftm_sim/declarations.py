"""One declaration per parameter: every system setting, lever and mechanism parameter.

The declarations live in `data/parameters.toml`, one table per parameter: its default,
allowed range, kind (a number, an integer, or a count), unit, one-line meaning and source.
Everything else is derived from them: the constructor's validation (`SystemModel`,
`Strategy`, `Mechanisms`), the scenario-file schema, the CLI flags that take them, the tables
of docs/ODD.md and docs/formats.md (kept in step by tests/test_docs.py), the parameter box of
`lftm validate`, and the ranges sweeps and calibration sample.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import numpy as np

from .errors import InputError, unknown

MAX_SCHOOLS = 2_000_000
KINDS = ("number", "integer", "count")
#: How a lever's cost is known: from a published budget, assumed, free by argument, or a
#: spending channel (a share of the money left after the priced activities).
COST_BASES = ("sourced", "assumption", "free", "channel")


@dataclass(frozen=True)
class Cost:
    """A lever's unit cost: reference budgets per school-year per unit of the lever above
    its declared default (the business-as-usual level), how that is known, and why.

    For a spending channel `per_unit` is 1: a share of the budget costs that share.
    """

    per_unit: float
    basis: str
    note: str


@dataclass(frozen=True)
class Param:
    """One parameter: name, default, allowed range [lo, hi], kind, unit, meaning, source.

    `kind` is "number" (any real in the range), "integer" (a whole number) or "count" (a
    number of things, such as priorities, that the rules treat as a real).
    """

    name: str
    default: Any
    lo: float
    hi: float
    kind: str = "number"
    unit: str = ""
    doc: str = ""
    source: str = ""
    group: str = ""  # "setting", "lever" or "mechanism" (filled in by the registry)
    cost: Cost | None = None  # levers only: the unit cost (lftm_sim.costs, docs/costs.md)

    def allowed(self) -> str:
        """What the parameter accepts, in words (error messages, docs)."""
        what = "an integer" if self.kind == "integer" else "a number"
        return f"{what} in [{_fmt(self.lo)}, {_fmt(self.hi)}]"

    def check(self, value: Any, file: str | None = None, key: str | None = None) -> Any:
        """Return `value` (an int for integers, else a float) or raise InputError."""
        key = key or self.name
        number = not isinstance(value, bool) and isinstance(value, (int, float, np.number))
        whole = number and (isinstance(value, (int, np.integer)) or float(value).is_integer())
        if not number or (self.kind == "integer" and not whole):
            raise InputError(
                f"{key} must be {self.allowed()}, got {value!r}",
                key=key,
                allowed=self.allowed(),
                value=value,
                file=file,
            )
        if not math.isfinite(float(value)) or not self.lo <= value <= self.hi:
            raise InputError(
                f"{key} must be in [{_fmt(self.lo)}, {_fmt(self.hi)}], got {value!r}",
                key=key,
                allowed=self.allowed(),
                value=value,
                file=file,
            )
        return int(value) if self.kind == "integer" else float(value)


def _fmt(x: float) -> str:
    return f"{x:g}" if not float(x).is_integer() or abs(x) < 1e6 else str(int(x))


def _cost(entry: dict | None) -> Cost | None:
    if entry is None:
        return None
    cost = Cost(float(entry["per_unit"]), entry["basis"], entry["note"])
    assert cost.basis in COST_BASES and cost.per_unit >= 0, cost
    assert (cost.per_unit == 0) == (cost.basis == "free"), cost
    return cost


def _load() -> dict[str, dict[str, Param]]:
    raw = tomllib.loads(files("lftm_sim").joinpath("data/parameters.toml").read_text("utf-8"))
    groups: dict[str, dict[str, Param]] = {}
    for group in ("setting", "lever", "mechanism"):
        groups[group] = {}
        for name, entry in raw[group].items():
            lo, hi = entry["range"]
            p = Param(
                name,
                entry["default"],
                lo,
                hi,
                entry["kind"],
                entry["unit"],
                entry["doc"],
                entry["source"],
                group,
                _cost(entry.get("cost")),
            )
            assert p.kind in KINDS, p
            assert p.cost is None or group == "lever", f"{name}: only levers have a cost"
            groups[group][name] = p
    return groups


_GROUPS = _load()
#: System settings: keywords of `SystemModel` that fix the system.
SETTINGS: dict[str, Param] = _GROUPS["setting"]
#: Levers: what a strategy sets (`strategies.Strategy`).
LEVER_PARAMS: dict[str, Param] = _GROUPS["lever"]
#: Mechanism parameters: how strongly the system responds (`parameters.Mechanisms`).
MECHANISM_PARAMS: dict[str, Param] = _GROUPS["mechanism"]
#: Every declared parameter, by name (names are unique across the three groups).
PARAMETERS: dict[str, Param] = {**SETTINGS, **LEVER_PARAMS, **MECHANISM_PARAMS}
assert len(PARAMETERS) == len(SETTINGS) + len(LEVER_PARAMS) + len(MECHANISM_PARAMS)
assert SETTINGS["n_schools"].hi == MAX_SCHOOLS


def declared(name: str, group: str | None = None) -> Param:
    """The declaration of `name` (InputError with a did-you-mean suggestion if unknown)."""
    pool = (
        PARAMETERS if group is None else {k: p for k, p in PARAMETERS.items() if p.group == group}
    )
    if name not in pool:
        raise unknown(f"{group} parameter" if group else "parameter", name, pool)
    return pool[name]
