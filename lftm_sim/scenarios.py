"""Scenario files (TOML): one loader and validator.

A scenario fixes a system (its size, or a graph file), a timeline of phases in calendar
years (each a strategy preset plus lever overrides), optional mechanism overrides and an
optional calibration block naming the published series it is compared with.
`load_scenario(path)` reads and checks everything before a single agent is built; every
problem raises `ScenarioError`, whose message is one line::

    FILE: KEY: problem; allowed: ...

docs/formats.md documents every key, the graph file formats and the scenario files.
"""

from __future__ import annotations

import csv
import difflib
import inspect
import math
import os
import re
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import networkx as nx
import tomli_w

from . import model as model_module
from .graph import topology_from_graph
from .model import MAX_SCHOOLS, STEPS_PER_YEAR, SystemModel
from .parameters import MECHANISM_NAMES, MECHANISM_RANGES, Mechanisms, check_form
from .strategies import ALIASES, LEVER_RANGES, LEVERS, PRESETS, Strategy, Timeline, resolve_strategy

__all__ = [
    "SCENARIO_DIR",
    "STATUSES",
    "Scenario",
    "ScenarioError",
    "ScenarioPhase",
    "available_memory",
    "estimate_memory",
    "find_scenario",
    "load_scenario",
    "memory_limit",
    "read_graph",
    "scenario_files",
]

#: The scenario files shipped with the source tree (absent from a plain wheel install).
SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
STATUSES: tuple[str, ...] = ("calibrated", "illustrative")
YEAR_RANGE: tuple[int, int] = (1800, 2200)
NODE_KINDS: tuple[str, ...] = ("state", "district", "school")
GRAPH_SUFFIXES: tuple[str, ...] = (".graphml", ".csv")


# --- the error ---------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class ScenarioError(ValueError):
    """A scenario file that cannot be used. The message is one line:
    ``FILE: KEY: problem; allowed: ...`` (the ``; allowed`` part when there is a rule)."""

    def __init__(self, file: str | os.PathLike, key: str, problem: str, allowed: str = ""):
        self.file = str(file)
        self.key = key
        self.problem = _one_line(problem)
        self.allowed = _one_line(allowed)
        message = f"{self.file}: {key}: {self.problem}"
        if self.allowed:
            message += f"; allowed: {self.allowed}"
        super().__init__(message)


def _suggest(name: str, allowed) -> str:
    close = difflib.get_close_matches(str(name), list(allowed), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    return "date/time" if hasattr(value, "isoformat") else type(value).__name__


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fmt(x: float) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"


# --- the schema ----------------------------------------------------------------------------

REQUIRED = object()


@dataclass(frozen=True)
class Spec:
    """One key of the schema: its kind, default (REQUIRED if none), range and meaning."""

    kind: str  # int, number, year, str, path, str_list, year_pair, table, tables
    default: Any = REQUIRED
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None
    doc: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def allowed(self) -> str:
        """What the key accepts, in words (used in error messages and docs/formats.md)."""
        if self.choices is not None:
            return ", ".join(self.choices)
        rng = ""
        if self.lo is not None and self.hi is not None:
            rng = f" in [{_fmt(self.lo)}, {_fmt(self.hi)}]"
        elif self.lo is not None:
            rng = f" >= {_fmt(self.lo)}"
        return {
            "int": f"an integer{rng}",
            "number": f"a number{rng}",
            "year": f"a year{rng}, in whole terms (a multiple of 0.25)",
            "str": "a string",
            "path": "a path (string) relative to the scenario file",
            "str_list": "a non-empty array of strings" if self.required else "an array of strings",
            "year_pair": f"an array of two years [first, last]{rng}",
            "table": "a table",
            "tables": "an array of tables",
        }[self.kind]


def _model_default(keyword: str) -> Any:
    return inspect.signature(SystemModel.__init__).parameters[keyword].default


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

#: [system] keys; `schools` and `districts` are SystemModel's n_schools and n_districts.
SYSTEM_KEYS: dict[str, Spec] = {
    "schools": Spec(
        "int", _model_default("n_schools"), 1, MAX_SCHOOLS, doc="Number of schools (generated)."
    ),
    "districts": Spec(
        "int",
        _model_default("n_districts"),
        0,
        MAX_SCHOOLS,
        doc="Number of districts, at most `schools`; 0 = no middle tier (networks become it).",
    ),
    "capacity_level": Spec(
        "number",
        _model_default("capacity_level"),
        0.15,
        0.85,
        doc="The system's ordinary capacity: initial and rest capacity, hence the initial "
        "performance.",
    ),
    "budget": Spec(
        "number",
        _model_default("budget"),
        0,
        3,
        doc="Budget per school-year; 1 = the presets' common budget.",
    ),
    "floor": Spec(
        "number", _model_default("floor"), 0, 1, doc="Performance floor for share_below_floor."
    ),
    "network_size": Spec(
        "number",
        _model_default("network_size"),
        5,
        20,
        doc="Mean size of generated school networks (5-20 schools).",
    ),
    "initial_network_share": Spec(
        "number",
        _model_default("initial_network_share"),
        0,
        1,
        doc="Share of schools already taking part in their network at the start.",
    ),
    "consortium_size": Spec(
        "int",
        _model_default("consortium_size"),
        1,
        10_000,
        doc="Districts per consortium (all tied to each other; CODE: ten boards).",
    ),
    "graph": Spec(
        "path",
        None,
        doc="A graph file (GraphML or edge-list CSV) giving the system instead of generating "
        "it; then schools, districts, network_size and consortium_size must not be given.",
    ),
    "graph_nodes": Spec(
        "path",
        None,
        doc="Node file (CSV: node,kind) for an edge-list graph without kind columns.",
    ),
}
SYSTEM_KEYWORDS: dict[str, str] = {"schools": "n_schools", "districts": "n_districts"}
#: Keys the graph file fixes, so they may not be given with one.
GRAPH_FIXES: tuple[str, ...] = ("schools", "districts", "network_size", "consortium_size")

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


# --- memory ----------------------------------------------------------------------------------

#: Bytes per school: state arrays, agents, metrics temporaries (measured ~0.9 kB, budgeted
#: generously); per peer tie; per district; per term of model-level collection; per school
#: and term when agent-level collection is on.
PER_SCHOOL = 1536
PER_TIE = 256
PER_DISTRICT = 1024
PER_TERM = 4096
PER_AGENT_RECORD = 400
TIES_PER_SCHOOL = 2.2  # ring of two neighbours a side plus shortcuts and cross ties
GRAPH_FILE_FACTOR = 40  # bytes in memory per byte of graph file while parsing it
MEMORY_SHARE = 0.8  # share of available memory a run may plan to use


def consortium_tie_count(n_districts: int, consortium_size: int) -> int:
    """District-district ties of generated consortia (each group fully tied)."""
    size = max(1, min(consortium_size, max(n_districts, 1)))
    full, rest = divmod(n_districts, size)
    return full * size * (size - 1) // 2 + rest * (rest - 1) // 2


def estimate_memory(
    n_schools: int,
    n_districts: int = 0,
    consortium_size: int = 10,
    steps: int = 0,
    peer_ties: int | None = None,
    district_ties: int | None = None,
    collect_agents: bool = False,
    graph_nodes: int = 0,
    graph_edges: int = 0,
) -> dict[str, int]:
    """Bytes a model of this size needs beyond the imported libraries (~176 MB), by part.

    Measured: 100,000 schools in 13,000 districts peak at ~280 MB RSS including the
    imports; 300,000 schools at ~445 MB. The estimate budgets ~1.5 kB a school, 256 B a
    tie, and the collected series; keys: schools, ties, districts, collection, graph, total.
    """
    if peer_ties is None:
        peer_ties = int(TIES_PER_SCHOOL * n_schools)
    if district_ties is None:
        district_ties = consortium_tie_count(n_districts, consortium_size)
    # generated consortia over at most 2,000 districts enumerate all pairs first
    pairs = n_districts * (n_districts - 1) // 2 if n_districts <= 2000 else 0
    parts = {
        "schools": PER_SCHOOL * n_schools,
        "ties": PER_TIE * peer_ties,
        "districts": PER_DISTRICT * n_districts + PER_TIE * district_ties + 40 * pairs,
        "collection": PER_TERM * (steps + 1)
        + (PER_AGENT_RECORD * n_schools * (steps + 1) if collect_agents else 0),
        "graph": 1024 * graph_nodes + 512 * graph_edges,
    }
    parts["total"] = sum(parts.values())
    return parts


def available_memory() -> int | None:
    """Available memory in bytes: /proc/meminfo MemAvailable, else os.sysconf; None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def memory_limit() -> int | None:
    """What a model may plan to use: MEMORY_SHARE of the available memory (None: unknown)."""
    free = available_memory()
    return None if free is None else int(MEMORY_SHARE * free)


def _size(n: float) -> str:
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("kB", 2**10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{int(n)} B"


# --- graph files -------------------------------------------------------------------------------


class GraphFileError(ValueError):
    """A graph file that cannot be read; the message names the graph file and the line."""


def read_graph(path: str | os.PathLike, nodes: str | os.PathLike | None = None) -> nx.Graph:
    """Read a system graph: GraphML (nodes with a `kind` attribute) or an edge-list CSV.

    CSV: a header row with `source,target` and either `source_kind,target_kind` columns or
    a node file `nodes` with `node,kind` columns. Kinds are state, district or school.
    Raises GraphFileError (a ValueError) with the line at fault.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in GRAPH_SUFFIXES:
        raise GraphFileError(f"{path.name}: unknown graph format {suffix or '(no suffix)'!r}")
    if suffix == ".graphml":
        if nodes is not None:
            raise GraphFileError(f"{path.name}: a node file goes with an edge-list CSV only")
        return _read_graphml(path)
    return _read_edge_csv(path, None if nodes is None else Path(nodes))


def _read_graphml(path: Path) -> nx.Graph:
    try:
        graph = nx.read_graphml(path)
    except ET.ParseError as exc:
        raise GraphFileError(f"{path.name}: malformed GraphML: {exc}") from None
    except (OSError, MemoryError):
        raise
    except Exception as exc:  # networkx raises several types for bad content
        raise GraphFileError(f"{path.name}: malformed GraphML: {exc}") from None
    if graph.is_directed():
        graph = graph.to_undirected()
    return graph


def _csv_rows(path: Path, what: str, required: tuple[str, ...], optional: tuple[str, ...]):
    """Yield (line number, row) from a CSV with a checked header."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None or not any(h.strip() for h in header):
                raise GraphFileError(f"{what} is empty: it needs a header row")
            header = [h.strip() for h in header]
            unknown = [h for h in header if h not in required + optional]
            if unknown:
                raise GraphFileError(
                    f"{what} line 1: unknown column {unknown[0]!r}"
                    f"{_suggest(unknown[0], required + optional)}; columns are "
                    + ", ".join(required + optional)
                )
            missing = [h for h in required if h not in header]
            if missing:
                raise GraphFileError(f"{what} line 1: missing column {missing[0]!r}")
            rows = []
            for row in reader:
                line = reader.line_num
                if not row or not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    raise GraphFileError(
                        f"{what} line {line}: {len(row)} fields, the header has {len(header)}"
                    )
                rows.append((line, {h: cell.strip() for h, cell in zip(header, row, strict=True)}))
            return header, rows
    except UnicodeDecodeError as exc:
        raise GraphFileError(f"{what} is not UTF-8 text: {exc.reason}") from None
    except csv.Error as exc:
        raise GraphFileError(f"malformed CSV {what}: {exc}") from None


def _read_edge_csv(path: Path, nodes_path: Path | None) -> nx.Graph:
    name = path.name
    header, rows = _csv_rows(path, name, ("source", "target"), ("source_kind", "target_kind"))
    has_kinds = [h for h in ("source_kind", "target_kind") if h in header]
    if len(has_kinds) == 1:
        raise GraphFileError(f"{name} line 1: {has_kinds[0]!r} needs its partner column")
    if not has_kinds and nodes_path is None:
        raise GraphFileError(
            f"{name}: no kind columns; add source_kind,target_kind or give system.graph_nodes"
        )
    graph = nx.Graph()
    seen: dict[str, tuple[str, str]] = {}  # node -> (kind, where)

    def set_kind(node: str, kind: str, where: str) -> None:
        if kind not in NODE_KINDS:
            raise GraphFileError(
                f"{where}: kind {kind!r} of node {node!r} is not one of {', '.join(NODE_KINDS)}"
            )
        if node in seen and seen[node][0] != kind:
            raise GraphFileError(
                f"{where}: node {node!r} is a {kind} here but a {seen[node][0]} at {seen[node][1]}"
            )
        seen.setdefault(node, (kind, where))
        graph.add_node(node, kind=kind)

    if nodes_path is not None:
        nname = nodes_path.name
        _, node_rows = _csv_rows(nodes_path, nname, ("node", "kind"), ())
        for line, row in node_rows:
            if not row["node"]:
                raise GraphFileError(f"{nname} line {line}: empty node id")
            set_kind(row["node"], row["kind"], f"{nname} line {line}")
    for line, row in rows:
        where = f"{name} line {line}"
        u, v = row["source"], row["target"]
        if not u or not v:
            raise GraphFileError(f"{where}: empty {'source' if not u else 'target'}")
        if has_kinds:
            set_kind(u, row["source_kind"], where)
            set_kind(v, row["target_kind"], where)
        else:
            for node in (u, v):
                if node not in seen:
                    raise GraphFileError(f"{where}: node {node!r} is not in the node file")
        graph.add_edge(u, v)
    if graph.number_of_nodes() == 0:
        raise GraphFileError(f"{name} has no nodes")
    return graph


# --- the scenario -----------------------------------------------------------------------------


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
        return _resolve(self.path, self.system.get("graph"))

    @property
    def n_schools(self) -> int:
        """Number of schools (from the graph if there is one)."""
        if self.graph is not None:
            return sum(1 for _, k in self.graph.nodes(data="kind") if k == "school")
        return self.system["schools"]

    def timeline(self) -> Timeline:
        """The phases as a Timeline in years since start_year, with the phases' labels."""
        tl = Timeline(
            [(p.start - self.start_year, {"preset": p.strategy, **p.levers}) for p in self.phases]
        )
        tl.phases = tuple(
            replace(built, label=p.label) for built, p in zip(tl.phases, self.phases, strict=True)
        )
        return tl

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

    def make_model(self, rng=None, **overrides) -> SystemModel:
        """Build the SystemModel (seeded with `seed` unless `rng` is given).

        `overrides` are SystemModel keywords: system settings (``n_schools=200`` or
        ``schools=200``) give a re-validated variant (memory included); levers apply to
        every phase; ``collect_agents=True`` is checked against memory too.
        """
        allowed = set(inspect.signature(SystemModel.__init__).parameters) - {"self", "rng"}
        # a system setting by its SystemModel keyword or its TOML name; a graph object
        # (``graph=nx.Graph``) goes to SystemModel as it is
        toml_name = {SYSTEM_KEYWORDS.get(k, k): k for k in SYSTEM_KEYS if k != "graph"}
        toml_name.update({k: k for k in SYSTEM_KEYS if k != "graph"})
        settings, rest = {}, {}
        for name, value in overrides.items():
            if name in toml_name:
                settings[toml_name[name]] = value
            elif name in allowed:
                rest[name] = value
            else:
                raise ScenarioError(
                    self.path,
                    f"make_model({name})",
                    f"unknown keyword{_suggest(name, sorted(allowed | set(toml_name)))}",
                    ", ".join(sorted(allowed)),
                )
        scenario = self.with_system(**settings) if settings else self
        if rest.get("collect_agents"):
            scenario._check_memory(collect_agents=True)
        kwargs = scenario.model_kwargs()
        if "strategy" in rest and "timeline" not in rest:
            kwargs["timeline"] = None  # one strategy for the whole run replaces the phases
        kwargs.update(rest)
        try:
            return SystemModel(**kwargs, rng=self.seed if rng is None else rng)
        except ValueError as exc:
            raise ScenarioError(self.path, _key_for(str(exc)), str(exc)) from None

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
                f"cannot move to {_show(year)}: a phase would be empty or reversed",
                f"a year strictly between {_fmt(before.start)} and {_fmt(phase.end)}",
            )
        raw = self._as_dict(resolved=False)
        raw["phases"][index]["start"] = year
        raw["phases"][index - 1]["end"] = year
        return _build(raw, self.path)

    def with_system(self, **settings) -> Scenario:
        """A variant with [system] settings changed (TOML names), validated again."""
        raw = self._as_dict(resolved=False)
        raw["system"].update(settings)
        return _build(raw, self.path)

    def with_seed(self, seed: int) -> Scenario:
        """A variant with another seed."""
        raw = self._as_dict(resolved=False)
        raw["scenario"]["seed"] = seed
        return _build(raw, self.path)

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
                    system[key] = str(_resolve(self.path, system[key]).resolve())
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
            "mechanisms": (
                {**Mechanisms().to_dict(), **self.mechanisms} if resolved else dict(self.mechanisms)
            ),
            "phases": [p.to_dict(resolved=resolved) for p in self.phases],
        }
        if self.calibration is not None:
            cal = {
                k: (list(v) if isinstance(v, (list, tuple)) else v)
                for k, v in self.calibration.items()
            }
            out["calibration"] = cal
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
        text = self.to_toml()
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        return path

    # --- checks ---------------------------------------------------------------------------------

    def _check_memory(self, collect_agents: bool = False) -> None:
        _check_memory(self.path, self.system, self.graph, self.steps, collect_agents)


def _resolve(scenario_path: Path, value: str | None) -> Path | None:
    if value is None:
        return None
    p = Path(value).expanduser()
    return p if p.is_absolute() else Path(scenario_path).parent / p


def _key_for(message: str) -> str:
    """The scenario key a SystemModel ValueError is about (by the message's first words)."""
    toml_name = {v: k for k, v in SYSTEM_KEYWORDS.items()}
    m = re.match(r"(\w+) must", message)
    if m and m.group(1) in inspect.signature(SystemModel.__init__).parameters:
        return f"system.{toml_name.get(m.group(1), m.group(1))}"
    m = re.search(r"lever '(\w+)'", message)
    if m:
        return f"levers.{m.group(1)}"
    m = re.search(r"mechanism parameter '(\w+)'", message)
    if m:
        return f"mechanisms.{m.group(1)}"
    if message.startswith("mechanism") or "performance_" in message:
        return "mechanisms"
    if message.startswith("graph") or "node" in message:
        return "system.graph"
    return "system"


# --- loading and validation ------------------------------------------------------------------


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read and validate a scenario file; raise ScenarioError (one line) on any problem."""
    path = Path(path)
    if not path.exists():
        raise ScenarioError(path, "file", "not found", "a path to an existing scenario file")
    if path.is_dir():
        raise ScenarioError(path, "file", "is a directory", "a scenario file (.toml)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(path, "file", f"cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            path, f"line {line}", "malformed TOML: not UTF-8 text", "UTF-8 TOML"
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        if m:
            line = int(m.group(1))
        else:  # "(at end of document)"
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
        problem = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
        where = f"line {line}" + (f", column {m.group(2)}" if m else " (end of file)")
        raise ScenarioError(
            path, f"line {line}", f"malformed TOML: {problem} ({where})", "TOML (toml.io)"
        ) from None
    return _build(raw, path)


def find_scenario(name: str | os.PathLike) -> Path:
    """A scenario file from a path, or from the name of a file in SCENARIO_DIR."""
    path = Path(name)
    if path.exists() or path.suffix == ".toml" or len(path.parts) > 1:
        return path
    candidate = SCENARIO_DIR / f"{name}.toml"
    if candidate.exists():
        return candidate
    known = [p.stem for p in scenario_files()]
    raise ScenarioError(
        path, "file", f"no such scenario{_suggest(str(name), known)}", ", ".join(known)
    )


def scenario_files(directory: str | os.PathLike | None = None) -> list[Path]:
    """The scenario files in `directory` (default: the scenarios/ folder), sorted."""
    folder = Path(directory) if directory is not None else SCENARIO_DIR
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


class _Checker:
    """Validation helpers that raise ScenarioError naming the file and key."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, problem: str, allowed: str = "") -> None:
        raise ScenarioError(self.path, key, problem, allowed)

    def table(self, key: str, value: Any, kind: str) -> Any:
        if kind == "table" and not isinstance(value, dict):
            self.fail(key, f"must be a table, got {_type_name(value)}", f"a [{key}] table")
        if kind == "tables" and not (
            isinstance(value, list) and all(isinstance(v, dict) for v in value)
        ):
            self.fail(
                key,
                f"must be an array of tables, got {_type_name(value)}",
                f"[[{key}]] tables",
            )
        return value

    def keys(self, prefix: str, table: dict, specs: dict[str, Spec], what: str = "key") -> None:
        for name in table:
            if name not in specs:
                self.fail(
                    f"{prefix}.{name}" if prefix else name,
                    f"unknown {what}{_suggest(name, specs)}",
                    ", ".join(specs),
                )
        for name, spec in specs.items():
            if spec.required and name not in table:
                self.fail(f"{prefix}.{name}" if prefix else name, "missing", spec.allowed())

    def value(self, key: str, value: Any, spec: Spec) -> Any:
        kind = spec.kind
        allowed = spec.allowed()
        if kind in ("table", "tables"):
            return self.table(key, value, kind)

        def wrong_type() -> None:
            self.fail(key, f"wrong type: {_type_name(value)} {_show(value)}", allowed)

        if kind in ("str", "path"):
            if not isinstance(value, str):
                wrong_type()
            if kind == "path" and not value.strip():
                self.fail(key, "empty path", allowed)
            if spec.choices is not None and value not in spec.choices:
                self.fail(key, f"unknown value {value!r}{_suggest(value, spec.choices)}", allowed)
            return value
        if kind == "str_list":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                wrong_type()
            if not value and spec.required:
                self.fail(key, "empty array", allowed)
            return list(value)
        if kind == "year_pair":
            if not isinstance(value, list) or len(value) != 2:
                wrong_type()
            first = self.value(f"{key}[0]", value[0], Spec("number", lo=spec.lo, hi=spec.hi))
            last = self.value(f"{key}[1]", value[1], Spec("number", lo=spec.lo, hi=spec.hi))
            if last < first:
                self.fail(key, f"last year {_fmt(last)} is before first {_fmt(first)}", allowed)
            return [first, last]
        # numbers
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            wrong_type()
        if kind == "int" and not isinstance(value, int):
            wrong_type()
        if not math.isfinite(value):
            self.fail(key, f"not a finite number: {value!r}", allowed)
        if (spec.lo is not None and value < spec.lo) or (spec.hi is not None and value > spec.hi):
            self.fail(key, f"out of range: {_fmt(value)}", allowed)
        if kind == "year" and abs(value * STEPS_PER_YEAR - round(value * STEPS_PER_YEAR)) > 1e-9:
            self.fail(key, f"{_fmt(value)} is not a whole term", allowed)
        return value


def _build(raw: dict, path: Path) -> Scenario:
    """Validate a parsed scenario (a dict as read from TOML) and build the Scenario."""
    ck = _Checker(path)
    for name in raw:
        if name not in SECTIONS:
            ck.fail(name, f"unknown section{_suggest(name, SECTIONS)}", ", ".join(SECTIONS))
    for name in ("scenario", "phases"):
        if name not in raw:
            form = "[[phases]] tables" if name == "phases" else "a [scenario] table"
            ck.fail(name, "missing section", form)
    for name, kind in SECTIONS.items():
        if name in raw:
            ck.table(name, raw[name], kind)

    # [scenario]
    sc = raw["scenario"]
    ck.keys("scenario", sc, SCENARIO_KEYS)
    head = {
        name: (ck.value(f"scenario.{name}", sc[name], spec) if name in sc else spec.default)
        for name, spec in SCENARIO_KEYS.items()
    }
    start, end = head["start_year"], head["end_year"]
    if end <= start:
        ck.fail(
            "scenario.end_year",
            f"{_fmt(end)} is not after start_year {_fmt(start)}",
            f"a year after {_fmt(start)}",
        )
    steps = int(round((end - start) * STEPS_PER_YEAR))

    # [system]
    system_raw = raw.get("system", {})
    ck.keys("system", system_raw, SYSTEM_KEYS)
    system: dict[str, Any] = {}
    for name, spec in SYSTEM_KEYS.items():
        if name in system_raw:
            system[name] = ck.value(f"system.{name}", system_raw[name], spec)
    graph = None
    if "graph" in system:
        for name in GRAPH_FIXES:
            if name in system:
                ck.fail(
                    f"system.{name}",
                    "not allowed together with system.graph (the graph file fixes it)",
                    "remove it, or remove system.graph",
                )
    elif "graph_nodes" in system:
        ck.fail("system.graph_nodes", "given without system.graph", "a node file with a graph")
    for name, spec in SYSTEM_KEYS.items():
        if name not in system and spec.default is not None:
            if "graph" in system and name in GRAPH_FIXES:
                continue
            system[name] = spec.default
    if "graph" not in system and system["districts"] > system["schools"]:
        ck.fail(
            "system.districts",
            f"out of range: {system['districts']:,} districts for {system['schools']:,} schools",
            f"an integer in [0, {system['schools']:,}] (at most one district per school)",
        )
    if "graph" in system:
        graph = _load_graph(ck, path, system, steps)
    else:
        _check_memory(path, system, None, steps)
    check = getattr(model_module, "_check_settings", None)  # SystemModel's own checks
    settings = {SYSTEM_KEYWORDS.get(k, k): v for k, v in system.items()}
    settings.setdefault("n_schools", 1)
    settings.setdefault("n_districts", 0)
    settings.setdefault("network_size", 10.0)
    settings.setdefault("consortium_size", 10)
    settings["graph"] = "imposed" if graph is not None else "generated"
    try:
        if check is not None:
            check(settings)
    except ValueError as exc:
        ck.fail(_key_for(str(exc)), str(exc))

    # [mechanisms]
    mech_raw = raw.get("mechanisms", {})
    mechanisms: dict[str, float] = {}
    for name, value in mech_raw.items():
        if name not in MECHANISM_NAMES:
            ck.fail(
                f"mechanisms.{name}",
                f"unknown mechanism parameter{_suggest(name, MECHANISM_NAMES)}",
                "see lftm_sim.parameters.Mechanisms (docs/ODD.md)",
            )
        lo, hi = MECHANISM_RANGES.get(name, (0.0, 1.0))
        mechanisms[name] = ck.value(f"mechanisms.{name}", value, Spec("number", lo=lo, hi=hi))
    try:
        mp = Mechanisms(**mechanisms)
        check_form(mp, system["budget"])
    except ValueError as exc:
        ck.fail("mechanisms", str(exc), "rates that keep every state in [0, 1]")

    # [[phases]]
    phases_raw = raw["phases"]
    if not phases_raw:
        ck.fail("phases", "no phases", "at least one [[phases]] table")
    phases: list[ScenarioPhase] = []
    for i, item in enumerate(phases_raw):
        key = f"phases[{i}]"
        ck.keys(key, item, PHASE_KEYS)
        values = {n: ck.value(f"{key}.{n}", item[n], s) for n, s in PHASE_KEYS.items() if n in item}
        for name in ("start", "end"):
            if not start <= values[name] <= end:
                ck.fail(
                    f"{key}.{name}",
                    f"{_fmt(values[name])} is outside the scenario's years",
                    f"a year in [{_fmt(start)}, {_fmt(end)}]",
                )
        if values["end"] <= values["start"]:
            ck.fail(
                f"{key}.end",
                f"{_fmt(values['end'])} is not after the phase's start {_fmt(values['start'])}",
                f"a year after {_fmt(values['start'])}",
            )
        levers_raw = ck.table(f"{key}.levers", item.get("levers", {}), "table")
        levers: dict[str, float] = {}
        for name, value in levers_raw.items():
            if name not in LEVERS:
                ck.fail(
                    f"{key}.levers.{name}",
                    f"unknown lever{_suggest(name, LEVERS)}",
                    ", ".join(LEVERS),
                )
            lo, hi = LEVER_RANGES[name]
            levers[name] = ck.value(f"{key}.levers.{name}", value, Spec("number", lo=lo, hi=hi))
        phase = ScenarioPhase(
            start=values["start"],
            end=values["end"],
            strategy=values["strategy"],
            label=values.get("label") or values["strategy"],
            levers=levers,
        )
        try:
            phase.resolve()
        except ValueError as exc:
            ck.fail(f"{key}.levers", str(exc), "spending levers summing to at most 1")
        phases.append(phase)
    if phases[0].start != start:
        ck.fail(
            "phases[0].start",
            f"gap: the first phase starts at {_fmt(phases[0].start)}, after start_year",
            f"{_fmt(start)} (scenario.start_year)",
        )
    for i in range(1, len(phases)):
        prev, cur = phases[i - 1], phases[i]
        if cur.start < prev.start:
            ck.fail(
                f"phases[{i}].start",
                "phases are not in calendar order",
                f"a year after phases[{i - 1}].start = {_fmt(prev.start)}",
            )
        if cur.start < prev.end:
            ck.fail(
                f"phases[{i}].start",
                f"overlap: starts at {_fmt(cur.start)}, before phases[{i - 1}] ends at "
                f"{_fmt(prev.end)}",
                f"{_fmt(prev.end)} (the previous phase's end)",
            )
        if cur.start > prev.end:
            ck.fail(
                f"phases[{i}].start",
                f"gap: phases[{i - 1}] ends at {_fmt(prev.end)} but this phase starts at "
                f"{_fmt(cur.start)}",
                f"{_fmt(prev.end)} (the previous phase's end)",
            )
    if phases[-1].end != end:
        ck.fail(
            f"phases[{len(phases) - 1}].end",
            f"gap: the last phase ends at {_fmt(phases[-1].end)}, before end_year",
            f"{_fmt(end)} (scenario.end_year)",
        )

    # [calibration]
    calibration = None
    if "calibration" in raw:
        calibration = _calibration(ck, raw["calibration"], start, end)
    elif head["status"] == "calibrated":
        ck.fail(
            "scenario.status",
            "'calibrated' needs a [calibration] section",
            "illustrative, or add [calibration]",
        )

    return Scenario(
        path=path,
        name=head["name"],
        status=head["status"],
        description=head["description"],
        start_year=start,
        end_year=end,
        seed=head["seed"],
        system=system,
        phases=tuple(phases),
        mechanisms=mechanisms,
        calibration=calibration,
        graph=graph,
    )


def _load_graph(ck: _Checker, path: Path, system: dict, steps: int) -> nx.Graph:
    files = {}
    for name in ("graph", "graph_nodes"):
        if name not in system:
            continue
        file = _resolve(path, system[name])
        key = f"system.{name}"
        if not file.exists():
            ck.fail(
                key,
                f"graph file {system[name]!r} not found (looked for {file})",
                "a path relative to the scenario file",
            )
        if file.is_dir():
            ck.fail(key, f"graph file {system[name]!r} is a directory", "a graph file")
        if not os.access(file, os.R_OK):
            ck.fail(key, f"graph file {system[name]!r} is not readable (permission denied)")
        if name == "graph" and file.suffix.lower() not in GRAPH_SUFFIXES:
            ck.fail(
                key,
                f"unknown graph format {file.suffix or '(no suffix)'!r}",
                ", ".join(GRAPH_SUFFIXES),
            )
        files[name] = file
    # refuse a file too large to parse before parsing it
    limit = memory_limit()
    size = sum(f.stat().st_size for f in files.values())
    if limit is not None and GRAPH_FILE_FACTOR * size > limit:
        ck.fail(
            "system.graph",
            f"too large for this machine's memory: parsing {_size(size)} of graph files needs "
            f"about {_size(GRAPH_FILE_FACTOR * size)}, limit {_size(limit)} "
            f"({MEMORY_SHARE:.0%} of available memory)",
            "a smaller graph",
        )
    try:
        graph = read_graph(files["graph"], files.get("graph_nodes"))
    except GraphFileError as exc:
        ck.fail("system.graph", str(exc), _GRAPH_ALLOWED)
    except OSError as exc:
        ck.fail("system.graph", f"cannot read {system['graph']!r}: {exc.strerror or exc}")
    try:
        top = topology_from_graph(graph)
    except ValueError as exc:
        ck.fail("system.graph", f"{system['graph']}: {exc}", _GRAPH_ALLOWED)
    _check_memory(
        path,
        system,
        graph,
        steps,
        counts=(top.n_schools, top.n_districts, len(top.peer_u), len(top.district_u)),
    )
    return graph


_GRAPH_ALLOWED = (
    "GraphML with a node attribute kind (state, district, school), or a CSV edge list "
    "(docs/formats.md)"
)


def _check_memory(
    path: Path,
    system: dict,
    graph: nx.Graph | None,
    steps: int,
    collect_agents: bool = False,
    counts: tuple[int, int, int, int] | None = None,
) -> None:
    """Refuse, before allocating it, a system too large for this machine's memory."""
    if graph is not None:
        if counts is None:
            top = topology_from_graph(graph)
            counts = (top.n_schools, top.n_districts, len(top.peer_u), len(top.district_u))
        n_s, n_d, ties, dties = counts
        est = estimate_memory(
            n_s,
            n_d,
            steps=steps,
            peer_ties=ties,
            district_ties=dties,
            collect_agents=collect_agents,
            graph_nodes=graph.number_of_nodes(),
            graph_edges=graph.number_of_edges(),
        )
        est["districts"] -= 40 * n_d * (n_d - 1) // 2 if n_d <= 2000 else 0  # no pair scan
        est["total"] = sum(v for k, v in est.items() if k != "total")
        key = "system.graph"
    else:
        n_s, n_d = system["schools"], system["districts"]
        est = estimate_memory(
            n_s, n_d, system["consortium_size"], steps, collect_agents=collect_agents
        )
        ties = int(TIES_PER_SCHOOL * n_s)
        dties = consortium_tie_count(n_d, system["consortium_size"])
        biggest = max(("schools", "ties", "districts", "collection"), key=est.__getitem__)
        key = {
            "schools": "system.schools",
            "ties": "system.schools",
            "districts": "system.consortium_size"
            if dties * PER_TIE > PER_DISTRICT * n_d
            else "system.districts",
            "collection": "collect_agents" if collect_agents else "scenario.end_year",
        }[biggest]
    limit = memory_limit()
    if limit is not None and est["total"] > limit:
        raise ScenarioError(
            path,
            key,
            f"too large for this machine's memory: about {_size(est['total'])} estimated for "
            f"{n_s:,} schools, {ties:,} peer ties, {n_d:,} districts and {dties:,} district "
            f"ties over {steps} terms{' with agent collection' if collect_agents else ''}; "
            f"limit {_size(limit)} ({MEMORY_SHARE:.0%} of available memory)",
            "collect_agents=False, or fewer schools"
            if key == "collect_agents"
            else "a smaller system (fewer schools, districts or consortium ties)",
        )


# --- calibration ------------------------------------------------------------------------------


def real_systems_csv() -> Path | None:
    """The published series: $LFTM_REAL_SYSTEMS, else the copy shipped in lftm_sim/data;
    None when neither exists (series names are then not checked)."""
    env = os.environ.get("LFTM_REAL_SYSTEMS")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parent / "data" / "real_systems.csv")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def _read_series(csv_path: Path) -> dict[tuple[str, str], list[float]]:
    series: dict[tuple[str, str], list[float]] = {}
    with open(csv_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            series.setdefault((row["system"], row["series"]), []).append(float(row["year"]))
    return series


def _calibration(ck: _Checker, cal: dict, start: float, end: float) -> dict[str, Any]:
    ck.keys("calibration", cal, CALIBRATION_KEYS)
    out: dict[str, Any] = {}
    for name, spec in CALIBRATION_KEYS.items():
        if spec.kind == "year_pair":
            spec = replace(spec, lo=start, hi=end)
        if name in cal:
            out[name] = ck.value(f"calibration.{name}", cal[name], spec)
        else:
            out[name] = [] if spec.default is None else spec.default
    if out["predict"][0] <= out["fit"][1]:
        ck.fail(
            "calibration.predict",
            f"starts at {_fmt(out['predict'][0])}, not after the fit years end "
            f"({_fmt(out['fit'][1])})",
            f"years after {_fmt(out['fit'][1])} (out of sample)",
        )
    csv_path = real_systems_csv()
    if csv_path is None:
        return out
    data = _read_series(csv_path)
    systems = sorted({s for s, _ in data})
    system = out["system"]
    if system not in systems:
        ck.fail(
            "calibration.system",
            f"unknown system {system!r}{_suggest(system, systems)} in {csv_path.name}",
            ", ".join(systems),
        )
    known = sorted(n for s, n in data if s == system)
    windows = {"series": ("fit", "predict"), "extra_predict": ("start", "later")}
    for part, checks in windows.items():
        for i, name in enumerate(out[part]):
            key = f"calibration.{part}[{i}]"
            if name not in known:
                ck.fail(
                    key,
                    f"unknown series {name!r}{_suggest(name, known)} for {system}",
                    ", ".join(known),
                )
            years = data[(system, name)]
            for check in checks:
                lo, hi = {
                    "fit": out["fit"],
                    "predict": out["predict"],
                    "start": (start, start),
                    "later": (start + 1e-9, end),
                }[check]
                if not any(lo <= y <= hi for y in years):
                    where = (
                        f"in start_year {_fmt(start)} (its anchor)"
                        if check == "start"
                        else f"after start_year within the run (to {_fmt(end)})"
                        if check == "later"
                        else f"in the {check} years [{_fmt(lo)}, {_fmt(hi)}]"
                    )
                    ck.fail(
                        key,
                        f"series {name!r} has no published figure {where}",
                        "series with data there; its years: "
                        + ", ".join(_fmt(y) for y in sorted(years)),
                    )
    return out
