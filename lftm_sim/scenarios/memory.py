"""Memory estimation: refuse, before allocating it, a system too large for this machine.

Used by the scenario loader (it names the scenario key at fault) and usable by anything
that builds a `SystemModel` (`check_memory` raises `InputError` naming the keyword).
"""

from __future__ import annotations

import os

from ..errors import InputError

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
#: Generated consortia over at most this many districts enumerate all pairs first.
PAIR_SCAN_DISTRICTS = 2000


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
    A graph given as a file (`graph_nodes` > 0) has no generated consortium pair scan.
    """
    if peer_ties is None:
        peer_ties = int(TIES_PER_SCHOOL * n_schools)
    if district_ties is None:
        district_ties = consortium_tie_count(n_districts, consortium_size)
    generated = graph_nodes == 0
    pairs = (
        n_districts * (n_districts - 1) // 2
        if generated and n_districts <= PAIR_SCAN_DISTRICTS
        else 0
    )
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


def size_text(n: float) -> str:
    """Bytes in words: '1.5 GB', '12.0 MB', '512 B'."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("kB", 2**10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{int(n)} B"


def largest_part(estimate: dict[str, int]) -> str:
    """The part of an estimate (schools, ties, districts, collection) that dominates it."""
    return max(("schools", "ties", "districts", "collection"), key=estimate.__getitem__)


def memory_problem(
    n_schools: int,
    n_districts: int = 0,
    consortium_size: int = 10,
    steps: int = 0,
    collect_agents: bool = False,
    **counts: int,
) -> tuple[str, str, str] | None:
    """None if a system of this size fits in `memory_limit()`; else (keyword, problem,
    allowed): the SystemModel keyword to change (``steps`` for a long run), what is wrong
    and what would fit. `counts`: peer_ties, district_ties, graph_nodes, graph_edges."""
    est = estimate_memory(
        n_schools, n_districts, consortium_size, steps, collect_agents=collect_agents, **counts
    )
    limit = memory_limit()
    if limit is None or est["total"] <= limit:
        return None
    ties = counts.get("peer_ties") or int(TIES_PER_SCHOOL * n_schools)
    dties = counts.get("district_ties")
    if dties is None:
        dties = consortium_tie_count(n_districts, consortium_size)
    many_ties = dties * PER_TIE > PER_DISTRICT * n_districts
    keyword = {
        "schools": "n_schools",
        "ties": "n_schools",
        "districts": "consortium_size" if many_ties else "n_districts",
        "collection": "collect_agents" if collect_agents else "steps",
    }[largest_part(est)]
    problem = (
        f"too large for this machine's memory: about {size_text(est['total'])} estimated for "
        f"{n_schools:,} schools, {ties:,} peer ties, {n_districts:,} districts and {dties:,} "
        f"district ties over {steps} terms{' with agent collection' if collect_agents else ''}; "
        f"limit {size_text(limit)} ({MEMORY_SHARE:.0%} of available memory)"
    )
    allowed = (
        "collect_agents=False, or fewer schools"
        if keyword == "collect_agents"
        else "a smaller system (fewer schools, districts or consortium ties)"
    )
    return keyword, problem, allowed


def check_memory(
    n_schools: int,
    n_districts: int = 0,
    consortium_size: int = 10,
    steps: int = 0,
    collect_agents: bool = False,
    **counts: int,
) -> None:
    """Raise InputError (naming the SystemModel keyword) for a system too large to build."""
    found = memory_problem(n_schools, n_districts, consortium_size, steps, collect_agents, **counts)
    if found is not None:
        keyword, problem, allowed = found
        raise InputError(f"{keyword}: {problem}; allowed: {allowed}", key=keyword, allowed=allowed)
