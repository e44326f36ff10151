"""The [system] section: its settings, the graph file it may name, and the memory check
that refuses, before anything is allocated, a system too large for this machine."""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx

from .errors import GraphFileError, ScenarioError
from .graphfile import GRAPH_SUFFIXES
from .memory import GRAPH_FILE_FACTOR, MEMORY_SHARE, memory_limit, memory_problem, size_text
from .scenario import resolve_path
from .schema import GRAPH_FIXES, SYSTEM_KEYS, Checker


def check_system(ck: Checker, system_raw: dict, steps: int) -> tuple[dict, nx.Graph | None]:
    """The [system] settings (defaults filled in) and the graph read from its file."""
    ck.keys("system", system_raw, SYSTEM_KEYS)
    system = {
        name: ck.value(f"system.{name}", system_raw[name], spec)
        for name, spec in SYSTEM_KEYS.items()
        if name in system_raw
    }
    imposed = "graph" in system
    if imposed:
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
            if not (imposed and name in GRAPH_FIXES):
                system[name] = spec.default
    if imposed:
        return system, _load_graph(ck, system, steps)
    if system["districts"] > system["schools"]:
        ck.fail(
            "system.districts",
            f"out of range: {system['districts']:,} districts for {system['schools']:,} schools",
            f"an integer in [0, {system['schools']:,}] (at most one district per school)",
        )
    check_scenario_memory(ck.path, system, None, steps)
    return system, None


def _graph_files(ck: Checker, system: dict) -> dict[str, Path]:
    files = {}
    for name in ("graph", "graph_nodes"):
        if name not in system:
            continue
        file, key = resolve_path(ck.path, system[name]), f"system.{name}"
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
    return files


def _load_graph(ck: Checker, system: dict, steps: int) -> nx.Graph:
    from ..graph import topology_from_graph
    from .graphfile import read_graph

    files = _graph_files(ck, system)
    limit = memory_limit()  # refuse a file too large to parse before parsing it
    size = sum(f.stat().st_size for f in files.values())
    if limit is not None and GRAPH_FILE_FACTOR * size > limit:
        ck.fail(
            "system.graph",
            f"too large for this machine's memory: parsing {size_text(size)} of graph files "
            f"needs about {size_text(GRAPH_FILE_FACTOR * size)}, limit {size_text(limit)} "
            f"({MEMORY_SHARE:.0%} of available memory)",
            "a smaller graph",
        )
    try:
        graph = read_graph(files["graph"], files.get("graph_nodes"))
    except GraphFileError as exc:
        ck.fail("system.graph", str(exc), exc.allowed)
    except OSError as exc:
        ck.fail("system.graph", f"cannot read {system['graph']!r}: {exc.strerror or exc}")
    try:
        top = topology_from_graph(graph)
    except ValueError as exc:
        from .errors import GRAPH_ALLOWED

        ck.fail("system.graph", f"{system['graph']}: {exc}", GRAPH_ALLOWED)
    check_scenario_memory(ck.path, system, graph, steps, topology=top)
    return graph


#: The scenario key behind each SystemModel keyword memory_problem can name.
_MEMORY_KEYS = {
    "n_schools": "system.schools",
    "n_districts": "system.districts",
    "consortium_size": "system.consortium_size",
    "collect_agents": "collect_agents",
    "steps": "scenario.end_year",
}


def check_scenario_memory(
    path: Path,
    system: dict,
    graph: nx.Graph | None,
    steps: int,
    collect_agents: bool = False,
    topology=None,
) -> None:
    """Refuse, before allocating it, a system too large for this machine's memory."""
    if graph is not None:
        if topology is None:
            from ..graph import topology_from_graph

            topology = topology_from_graph(graph)
        found = memory_problem(
            topology.n_schools,
            topology.n_districts,
            steps=steps,
            collect_agents=collect_agents,
            peer_ties=len(topology.peer_u),
            district_ties=len(topology.district_u),
            graph_nodes=graph.number_of_nodes(),
            graph_edges=graph.number_of_edges(),
        )
    else:
        found = memory_problem(
            system["schools"],
            system["districts"],
            system["consortium_size"],
            steps,
            collect_agents,
        )
    if found is not None:
        keyword, problem, allowed = found
        key = "system.graph" if graph is not None and keyword != "collect_agents" else None
        raise ScenarioError(path, key or _MEMORY_KEYS[keyword], problem, allowed)
