"""Scenario files (TOML): one loader and validator.

A scenario fixes a system (its size, or a graph file), a timeline of phases in calendar
years (each a strategy preset plus lever overrides), optional mechanism overrides and an
optional calibration block naming the published series it is compared with.
`load_scenario(path)` reads and checks everything before a single agent is built; every
problem raises `ScenarioError` (an `InputError`), whose message is one line::

    FILE: KEY: problem; allowed: ...

The package's rooms: `schema` (every key, from `lftm_sim.declarations`), `loader` (reading
and checking a file), `system` (the [system] section, its graph file and memory check),
`scenario` (the `Scenario` object), `graphfile` (GraphML and CSV graphs), `memory` (the
size estimate, usable by anything that builds a model) and `published` (the one reader of
the published series). docs/formats.md documents every key.
"""

from .errors import GraphFileError, ScenarioError
from .graphfile import read_graph
from .loader import (
    SCENARIO_DIR,
    build,
    find_scenario,
    load_scenario,
    parse_toml,
    scenario_files,
)
from .memory import available_memory, check_memory, estimate_memory, memory_limit
from .published import published_series, real_systems_csv
from .scenario import Scenario, ScenarioPhase
from .schema import (
    CALIBRATION_KEYS,
    LEVER_KEYS,
    MECHANISM_KEYS,
    PHASE_KEYS,
    SCENARIO_KEYS,
    SECTIONS,
    STATUSES,
    SYSTEM_KEYS,
    SYSTEM_KEYWORDS,
    Spec,
)
from .system import check_scenario_memory

__all__ = [
    "CALIBRATION_KEYS",
    "GraphFileError",
    "LEVER_KEYS",
    "MECHANISM_KEYS",
    "PHASE_KEYS",
    "SCENARIO_DIR",
    "SCENARIO_KEYS",
    "SECTIONS",
    "STATUSES",
    "SYSTEM_KEYS",
    "SYSTEM_KEYWORDS",
    "Scenario",
    "ScenarioError",
    "ScenarioPhase",
    "Spec",
    "available_memory",
    "build",
    "check_memory",
    "check_scenario_memory",
    "estimate_memory",
    "find_scenario",
    "load_scenario",
    "memory_limit",
    "parse_toml",
    "published_series",
    "read_graph",
    "real_systems_csv",
    "scenario_files",
]
