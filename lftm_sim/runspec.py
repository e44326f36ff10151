"""One run's inputs: SystemModel's keywords, resolved and validated against the declarations.

`resolve_run(**keywords)` is the one place a run's keywords are checked, for a single
`SystemModel` and for every member of an ensemble alike; each setting, lever and mechanism
parameter is checked by its declaration (`declarations.Param.check`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from .declarations import LEVER_PARAMS, SETTINGS
from .errors import InputError, unknown
from .parameters import Mechanisms, check_form, resolve_mechanisms
from .strategies import LEVERS, Timeline, resolve_timeline

#: SystemModel keywords that are neither settings nor levers.
OTHER_KEYWORDS: tuple[str, ...] = ("strategy", "timeline", "graph", "mechanisms", "collect_agents")
#: Every keyword a run takes (SystemModel's, without `rng`).
KEYWORDS: tuple[str, ...] = tuple(SETTINGS) + OTHER_KEYWORDS + LEVERS
#: Settings that describe a generated system (ignored when a graph is given).
GENERATED_ONLY = ("n_schools", "n_districts")


@dataclass(frozen=True)
class RunSpec:
    """A run's validated inputs: settings, timeline, mechanisms, graph."""

    settings: dict[str, Any]  # every setting by name, plus "graph": "imposed" or "generated"
    timeline: Timeline
    mechanisms: Mechanisms
    graph: nx.Graph | None = None
    collect_agents: bool = False


def check_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings, each checked by its declaration (InputError naming the setting)."""
    out = dict(settings)
    for name, param in SETTINGS.items():
        if name in GENERATED_ONLY and settings.get("graph") == "imposed":
            continue
        out[name] = param.check(settings[name])
    if settings.get("graph") != "imposed" and out["n_districts"] > out["n_schools"]:
        raise InputError(
            f"n_districts must be an integer in [0, {out['n_schools']}] (at most one per "
            f"school), got {out['n_districts']!r}",
            key="n_districts",
            allowed=f"an integer in [0, {out['n_schools']}]",
            value=out["n_districts"],
        )
    return out


def check_rest_capacity(capacity_level: float, mp: Mechanisms) -> None:
    """Rest capacity c0 - slope (z - 0.5) must stay inside (0, 1) for every need z in [0, 1]."""
    half = mp.rest_need_slope / 2
    if not (0 < capacity_level - half and capacity_level + half < 1):
        raise InputError(
            f"capacity_level {capacity_level:g} with rest_need_slope {mp.rest_need_slope:g} "
            f"puts rest capacity outside (0, 1); allowed: capacity_level in "
            f"({half:g}, {1 - half:g})",
            key="capacity_level",
            allowed=f"a number in ({half:g}, {1 - half:g})",
            value=capacity_level,
        )


def check_keywords(keywords: dict[str, Any]) -> None:
    """Refuse keywords a run does not take, with a did-you-mean suggestion."""
    for name in keywords:
        if name not in KEYWORDS:
            raise unknown("keyword", name, KEYWORDS)


def resolve_run(**keywords: Any) -> RunSpec:
    """Validate a run's keywords (declared defaults for those not given)."""
    check_keywords(keywords)
    graph = keywords.get("graph")
    settings = {name: keywords.get(name, p.default) for name, p in SETTINGS.items()}
    settings["graph"] = "imposed" if graph is not None else "generated"
    settings = check_settings(settings)
    timeline = resolve_timeline(keywords.get("timeline"), keywords.get("strategy", "baseline"))
    overrides = {k: keywords[k] for k in LEVERS if keywords.get(k) is not None}
    if overrides:
        timeline = timeline.with_levers(**overrides)
    mechanisms = resolve_mechanisms(keywords.get("mechanisms"))
    check_form(mechanisms, settings["budget"])
    check_rest_capacity(settings["capacity_level"], mechanisms)
    return RunSpec(settings, timeline, mechanisms, graph, bool(keywords.get("collect_agents")))


def check_rng(rng: Any) -> None:
    """Accept what numpy can seed a Generator from: None, a seed >= 0, a Generator."""
    ok = rng is None or isinstance(
        rng, (np.random.Generator, np.random.BitGenerator, np.random.SeedSequence)
    )
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        ok = rng >= 0
    if not ok:
        raise InputError(
            f"rng must be None, a seed (an integer >= 0) or a numpy Generator, got {rng!r}",
            key="rng",
            allowed="None, an integer >= 0, or a numpy.random.Generator",
            value=rng,
        )


def docstring() -> str:
    """The keyword list of SystemModel's docstring, generated from the declarations."""
    lines = ["System settings:", ""]
    for name, p in SETTINGS.items():
        lines.append(f"    {name} (default {p.default!r}; {p.allowed()}, {p.unit}): {p.doc}")
    lines += [
        "",
        "Strategy:",
        "",
        "    strategy: a preset name, a Strategy, or a dict of levers (over `baseline`).",
        "    timeline: a Timeline or a string such as 'top_down@0,stop@6' (overrides strategy).",
        "    graph: a networkx graph with node `kind` (state, district, school) to run on.",
        "    mechanisms: a Mechanisms or a dict of mechanism parameters (docs/ODD.md 7.11).",
        "    collect_agents: also record school-level variables each step.",
        "    rng: None, a seed (integer >= 0) or a numpy Generator.",
        "",
        "Levers (override the strategy's value in every phase; default: the strategy's):",
        "",
    ]
    for name, p in LEVER_PARAMS.items():
        lines.append(f"    {name} ({p.allowed()}, {p.unit}): {p.doc}")
    return "\n".join(lines)
