"""Sweep specs (TOML): read and validate everything before a single run starts.

A spec names a base (a scenario file, or model parameters under [system] and
[mechanisms]), the strategies, the parameters to vary with their ranges or lists, the
design, replicates, the outputs to keep and a master seed. Every range and value is
checked against `lftm_sim.declarations`; every problem raises `InputError` with a
one-line message ``FILE: KEY: problem; allowed: ...``. docs/sweeps.md is the reference.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..declarations import MECHANISM_PARAMS, PARAMETERS, SETTINGS, Param
from ..errors import InputError, suggest
from ..metrics import MODEL_REPORTERS

DESIGNS: tuple[str, ...] = ("grid", "lhs", "sobol", "morris")
EVALUATIONS: tuple[str, ...] = ("runs", "patterns")  # sweep/patterns.py
SCALES: tuple[str, ...] = ("linear", "log")
#: Fewest design points each design accepts (grid: levels per axis; morris: trajectories;
#: sobol: base samples N, a power of two so the Sobol' sequence stays balanced).
MIN_POINTS: dict[str, int] = {"grid": 2, "lhs": 2, "sobol": 16, "morris": 4}
MAX_RUNS = 10_000_000
SWEEP_KEYS = (
    "name",
    "description",
    "scenario",
    "years",
    "design",
    "points",
    "levels",
    "replicates",
    "seed",
    "baseline",
    "evaluate",
    "patterns",
)
OUTPUT_KEYS = ("reporters", "years", "series", "retained_from", "targets")
PARAM_KEYS = ("range", "scale", "values", "strategies")
DEFAULT_REPORTERS = ("mean_performance", "gap", "mean_capacity")
REPORTERS = tuple(r for r in MODEL_REPORTERS if r != "year")


@dataclass(frozen=True)
class Varied:
    """One varied parameter: a continuous range (linear or log) or a list of values."""

    name: str
    param: Param
    lo: float | None = None
    hi: float | None = None
    scale: str = "linear"
    values: tuple[float, ...] | None = None
    strategies: tuple[str, ...] | None = None  # None: every strategy

    @property
    def categorical(self) -> bool:
        """A list of values, crossed with the continuous design."""
        return self.values is not None


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep spec. Build one with `load_spec`."""

    path: Path
    text: str
    name: str
    description: str
    years: float
    design: str
    points: int
    levels: int
    replicates: int
    seed: int
    base: dict[str, Any]  # SystemModel keywords shared by every run (no strategy)
    strategies: dict[str, dict[str, Any]]  # name -> {"strategy": ...} or {"timeline": ...}
    varied: tuple[Varied, ...]
    reporters: tuple[str, ...]
    keep_years: tuple[float, ...]
    series: bool = False
    baseline: str | None = None
    retained_from: float | None = None
    targets: dict[str, float] = field(default_factory=dict)
    scenario: str | None = None
    evaluate: str = "runs"  # or "patterns": P1-P9 judged at each point (sweep/patterns.py)
    patterns: tuple[str, ...] = ()

    @property
    def runs_per_point(self) -> int:
        """Rows a design point gives: strategies x replicates, or one pattern row."""
        return 1 if self.evaluate == "patterns" else len(self.strategies) * self.replicates

    @property
    def row_replicates(self) -> int:
        """Replicates behind each design point's rows of one strategy."""
        return 1 if self.evaluate == "patterns" else self.replicates

    @property
    def continuous(self) -> tuple[Varied, ...]:
        """The parameters the design samples."""
        return tuple(v for v in self.varied if not v.categorical)

    @property
    def categorical(self) -> tuple[Varied, ...]:
        """The parameters whose lists are crossed with the design."""
        return tuple(v for v in self.varied if v.categorical)

    @property
    def varied_by_name(self) -> dict[str, Varied]:
        """The varied parameters by name."""
        return {v.name: v for v in self.varied}


def fail(path: Path | str | None, key: str, problem: str, allowed: str = "", value: Any = None):
    """Raise the one-line InputError ``FILE: KEY: problem; allowed: ...`` (no FILE when
    the input is a flag)."""
    message = f"{key}: {problem}" + (f"; allowed: {allowed}" if allowed else "")
    where = None if path is None else str(path)
    raise InputError(message, key=key, allowed=allowed or None, value=value, file=where)


def read_toml(path: Path) -> tuple[dict, str]:
    """The parsed TOML and its text; InputError for a missing, unreadable or bad file."""
    if not path.exists():
        fail(path, "file", "not found", "a path to an existing sweep spec (.toml)")
    if path.is_dir():
        fail(path, "file", "is a directory", "a sweep spec file (.toml)")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        fail(path, "file", "malformed TOML: not UTF-8 text", "UTF-8 TOML")
    except OSError as exc:
        fail(path, "file", f"cannot read: {exc.strerror or exc}")
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        line = m.group(1) if m else str(text.count("\n") + 1)
        fail(path, f"line {line}", f"malformed TOML: {exc}", "TOML (toml.io)")


class _Reader:
    """Typed access to one table of the spec, naming the key in every error."""

    def __init__(self, path: Path, prefix: str, table: Any, allowed: tuple[str, ...] = ()):
        self.path, self.prefix = path, prefix
        if not isinstance(table, dict):
            fail(path, prefix, f"must be a table, got {table!r}", "a TOML table")
        self.table = table
        for key in table if allowed else ():
            if key not in allowed:
                fail(path, self.key(key), f"unknown key{suggest(key, allowed)}", ", ".join(allowed))

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def get(self, name: str, kind: type | tuple, default: Any = None, what: str = "") -> Any:
        if name not in self.table:
            if default is _REQUIRED:
                fail(self.path, self.key(name), "missing", what)
            return default
        value = self.table[name]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            fail(self.path, self.key(name), f"must be {what}, got {value!r}", what, value)
        if not isinstance(value, kind):
            fail(self.path, self.key(name), f"must be {what}, got {value!r}", what, value)
        return value

    def number(self, name: str, lo: float, hi: float, default: Any, integer: bool = False):
        span = f"[{_num(lo)}, {_num(hi)}]"
        what = f"{'an integer' if integer else 'a number'} in {span}"
        value = self.get(name, int if integer else (int, float), default, what)
        if value is not default and not lo <= value <= hi:
            fail(self.path, self.key(name), f"must be in {span}, got {value!r}", what)
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: Any) -> Any:
        value = self.get(name, str, default, "one of " + ", ".join(choices))
        if value is not default and value not in choices:
            fail(
                self.path,
                self.key(name),
                f"unknown value {value!r}{suggest(value, choices)}",
                ", ".join(choices),
            )
        return value


_REQUIRED = object()


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def load_spec(path: str | os.PathLike, relative_to: Path | None = None) -> SweepSpec:
    """Read and validate a sweep spec; InputError (one line) on any problem.

    A relative scenario path is looked up beside the spec (or in `relative_to`)."""
    from ..strategies import PRESETS

    path = Path(path)
    raw, text = read_toml(path)
    _Reader(path, "", raw, ("sweep", "system", "mechanisms", "strategies", "parameters", "output"))
    sw = _Reader(path, "sweep", raw.get("sweep", {}), SWEEP_KEYS)
    evaluate = sw.choice("evaluate", EVALUATIONS, "runs")
    if evaluate == "patterns":
        from .patterns import load_pattern_spec

        return load_pattern_spec(path, raw, text, sw)
    if "patterns" in sw.table:
        fail(path, "sweep.patterns", 'only for evaluate = "patterns"', 'evaluate = "patterns"')
    scenario_name = sw.get("scenario", str, None, "a scenario file or name")
    where = Path(relative_to) if relative_to is not None else path.parent
    base, scenario_years, scenario_seed = _base(path, raw, scenario_name, where)
    years = sw.number("years", 0.25, 200, scenario_years if scenario_years else _REQUIRED)
    if years is _REQUIRED:
        fail(path, "sweep.years", "missing (no base scenario gives it)", "a number in [0.25, 200]")
    design = sw.choice("design", DESIGNS, "lhs")
    points = sw.number("points", MIN_POINTS[design], 1_000_000, 10, integer=True)
    _check_points(path, design, points)
    strategies = _strategies(path, raw.get("strategies"), scenario_name is not None, PRESETS)
    baseline = sw.get("baseline", str, None, "the name of one of [strategies]")
    if baseline is not None and baseline not in strategies:
        fail(path, "sweep.baseline", f"unknown strategy {baseline!r}", ", ".join(strategies))
    varied = _varied(path, raw.get("parameters", {}), strategies, base)
    if not varied:
        fail(path, "parameters", "nothing to vary", "one or more [parameters.NAME] tables")
    if design in ("sobol", "morris") and all(v.categorical for v in varied):
        fail(path, "sweep.design", f"{design} needs a parameter with a range", "range = [lo, hi]")
    out = _output(path, raw.get("output", {}), float(years))
    spec = SweepSpec(
        path=path,
        text=text,
        name=sw.get("name", str, path.stem, "a string"),
        description=sw.get("description", str, "", "a string"),
        years=float(years),
        design=design,
        points=points,
        levels=sw.number("levels", 2, 100, 4, integer=True),
        replicates=sw.number("replicates", 1, 100_000, 1, integer=True),
        seed=sw.number("seed", 0, 2**63 - 1, scenario_seed, integer=True),
        base=base,
        strategies=strategies,
        varied=varied,
        baseline=baseline,
        scenario=scenario_name,
        **out,
    )
    _check_size(spec)
    return spec


def _check_points(path: Path, design: str, points: int) -> None:
    if design == "sobol" and points & (points - 1):
        fail(
            path,
            "sweep.points",
            f"Sobol (Saltelli) needs a power of two of base samples, got {points}",
            f"a power of two >= {MIN_POINTS['sobol']} (16, 32, 64, ...)",
        )


def _check_size(spec: SweepSpec) -> None:
    from .design import n_points

    runs = n_points(spec) * spec.runs_per_point
    if runs > MAX_RUNS:
        fail(spec.path, "sweep.points", f"{runs} runs is too many", f"at most {MAX_RUNS} runs")


def _base(
    path: Path, raw: dict, scenario: str | None, where: Path
) -> tuple[dict, float | None, int]:
    """The SystemModel keywords every run shares, the scenario's years and seed."""
    system = _Reader(path, "system", raw.get("system", {}), tuple(SETTINGS))
    mechs = _Reader(path, "mechanisms", raw.get("mechanisms", {}), tuple(MECHANISM_PARAMS))
    base: dict[str, Any] = {}
    years, seed = None, 0
    if scenario is not None:
        base, years, seed = _scenario_base(path, scenario, where)
        if "graph" in base and {"n_schools", "n_districts"} & set(system.table):
            fail(path, "system", "the scenario's graph fixes the size", "other settings")
    for name, value in system.table.items():
        base[name] = SETTINGS[name].check(value, file=str(path), key=f"system.{name}")
    mechanisms = dict(base.get("mechanisms", {}))
    for name, value in mechs.table.items():
        mechanisms[name] = MECHANISM_PARAMS[name].check(
            value, file=str(path), key=f"mechanisms.{name}"
        )
    base["mechanisms"] = mechanisms
    return base, years, seed


def _scenario_base(path: Path, name: str, where: Path) -> tuple[dict, float, int]:
    # imported here: the scenario loader is heavy and only needed for scenario-based specs
    from ..scenarios import find_scenario, load_scenario

    target = Path(name)
    if not target.is_absolute() and (where / target).exists():
        target = where / target
    try:
        scenario = load_scenario(find_scenario(str(target)))
    except ValueError as exc:
        fail(path, "sweep.scenario", f"cannot use scenario {name!r}: {exc}")
    return scenario.model_kwargs(), float(scenario.years), int(scenario.seed)


def _strategies(path: Path, table: Any, has_scenario: bool, presets: dict) -> dict[str, dict]:
    """name -> {"strategy": preset/dict} or {"timeline": "a@0,b@4"}."""
    from ..strategies import ALIASES, Timeline, resolve_strategy

    if table is None:
        if has_scenario:
            return {"scenario": {}}
        fail(path, "strategies", "missing", "a [strategies] table: name = preset or timeline")
    _Reader(path, "strategies", table)
    if not table:
        fail(path, "strategies", "empty", "one or more strategies")
    names = list(presets) + list(ALIASES)
    out: dict[str, dict] = {}
    for name, value in table.items():
        key = f"strategies.{name}"
        try:
            if isinstance(value, str) and ("@" in value or "," in value):
                Timeline(value)
                out[name] = {"timeline": value, "strategy": "baseline"}
            elif isinstance(value, str):
                if value not in names:
                    fail(
                        path,
                        key,
                        f"unknown preset {value!r}{suggest(value, names)}",
                        ", ".join(names) + ", or a timeline NAME@YEAR,...",
                    )
                out[name] = {"timeline": None, "strategy": value}
            elif isinstance(value, dict):
                resolve_strategy(dict(value))
                out[name] = {"timeline": None, "strategy": dict(value)}
            else:
                fail(path, key, f"must be a preset, a timeline or a table, got {value!r}")
        except (ValueError, TypeError) as exc:
            if isinstance(exc, InputError):
                raise
            fail(path, key, str(exc), "a preset, a timeline NAME@YEAR,... or a lever table")
    return out


def _varied(path: Path, table: Any, strategies: dict, base: dict) -> tuple[Varied, ...]:
    rd = _Reader(path, "parameters", table)
    found = []
    for name, entry in rd.table.items():
        key = f"parameters.{name}"
        if name not in PARAMETERS:
            fail(path, key, f"unknown parameter{suggest(name, PARAMETERS)}", "declared parameters")
        if "graph" in base and name in ("n_schools", "n_districts"):
            fail(path, key, "the scenario's graph fixes the size", "other parameters")
        found.append(_one_varied(path, key, name, entry, strategies, base.get("timeline")))
    return tuple(found)


def _one_varied(
    path: Path, key: str, name: str, entry: Any, strategies: dict, timeline: Any
) -> Varied:
    param = PARAMETERS[name]
    rd = _Reader(path, key, entry, PARAM_KEYS)
    if ("range" in entry) == ("values" in entry):
        fail(
            path, key, "needs exactly one of range or values", "range = [lo, hi] or values = [...]"
        )
    only = rd.get("strategies", list, None, "a list of strategy names")
    if only is not None:
        if param.group != "lever":
            fail(path, f"{key}.strategies", "only levers can differ by strategy", "levers")
        for s in only:
            if s not in strategies:
                fail(path, f"{key}.strategies", f"unknown strategy {s!r}", ", ".join(strategies))
        only = tuple(only)
    if "values" in entry:
        values = rd.get("values", list, None, f"a list of values, each {param.allowed()}")
        if not values:
            fail(path, f"{key}.values", "empty", f"values each {param.allowed()}")
        checked = tuple(param.check(v, str(path), f"{key}.values") for v in values)
        _check_levers(path, key, name, checked, strategies, only, timeline)
        return Varied(name, param, values=checked, strategies=only)
    bounds = rd.get("range", list, None, f"[lo, hi] within {param.allowed()}")
    if len(bounds) != 2:
        fail(path, f"{key}.range", f"must be [lo, hi], got {bounds!r}", param.allowed())
    lo, hi = (param.check(v, str(path), f"{key}.range") for v in bounds)
    if not lo < hi:
        fail(path, f"{key}.range", f"lo must be below hi, got {bounds!r}", "lo < hi")
    scale = rd.choice("scale", SCALES, "linear")
    if scale == "log" and lo <= 0:
        fail(path, f"{key}.range", f"a log scale needs lo > 0, got {lo:g}", "0 < lo < hi")
    _check_levers(path, key, name, (lo, hi), strategies, only, timeline)
    return Varied(name, param, float(lo), float(hi), scale, strategies=only)


def _check_levers(path, key, name, values, strategies, only, timeline) -> None:
    """A lever's extremes must make a valid strategy (spending shares sum to at most 1)."""
    if PARAMETERS[name].group != "lever":
        return
    for sname, member in strategies.items():
        if only is not None and sname not in only:
            continue
        for v in values:
            try:
                strategy_timeline(member, timeline).with_levers(**{name: v})
            except ValueError as exc:
                fail(
                    path,
                    key,
                    f"{name} = {v:g} with strategy {sname!r}: {exc}",
                    "values that keep every strategy valid (or set strategies = [...])",
                )


def strategy_timeline(member: dict[str, Any], base_timeline: Any):
    """The Timeline a strategy entry runs (the scenario's own for an empty entry)."""
    from ..strategies import resolve_timeline

    if member:
        return resolve_timeline(member["timeline"], member["strategy"])
    return resolve_timeline(base_timeline, "baseline")


def _output(path: Path, table: Any, years: float) -> dict[str, Any]:
    rd = _Reader(path, "output", table, OUTPUT_KEYS)
    reporters = rd.get("reporters", list, list(DEFAULT_REPORTERS), "a list of reporter names")
    for r in reporters:
        if r not in REPORTERS:
            fail(
                path,
                "output.reporters",
                f"unknown reporter {r!r}{suggest(r, REPORTERS)}",
                ", ".join(REPORTERS),
            )
    keep = rd.get("years", list, [years], f"a list of years in [0, {years:g}]")
    for y in keep:
        if isinstance(y, bool) or not isinstance(y, (int, float)) or not 0 <= y <= years:
            fail(
                path, "output.years", f"{y!r} is not a year of the run", f"years in [0, {years:g}]"
            )
        if abs(y * 4 - round(y * 4)) > 1e-9:
            fail(path, "output.years", f"{y!r} is not at a term's end", "multiples of 0.25")
    retained = rd.number("retained_from", 0, years, None)
    targets = _Reader(path, "output.targets", rd.get("targets", dict, {}, "a table"), REPORTERS)
    for name, value in targets.table.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail(path, f"output.targets.{name}", f"must be a number, got {value!r}", "a number")
    return {
        "reporters": tuple(dict.fromkeys(reporters)),
        "keep_years": tuple(sorted({float(y) for y in keep})),
        "series": rd.get("series", bool, False, "true or false"),
        "retained_from": None if retained is None else float(retained),
        "targets": {k: float(v) for k, v in targets.table.items()},
    }
