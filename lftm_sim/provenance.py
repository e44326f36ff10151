"""Provenance: every output directory records what produced it."""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any


def _versions() -> dict[str, str]:
    names = ("lftm-sim", "mesa", "numpy", "scipy", "networkx", "pandas", "matplotlib")
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except Exception:  # not installed (e.g. running from a source tree)
            found[name] = "unknown"
    found["python"] = platform.python_version()
    return found


def resolve_parameters(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting, lever and mechanism parameter a SystemModel built from `kwargs`
    would use, from the declarations (no model is built): settings, timeline, mechanisms.

    The form `SystemModel.resolved_parameters()` gives; a graph's school and district
    counts are read from the graph."""
    from dataclasses import asdict

    from .declarations import LEVER_PARAMS, SETTINGS
    from .parameters import resolve_mechanisms
    from .strategies import resolve_timeline

    settings = {name: kwargs.get(name, p.default) for name, p in SETTINGS.items()}
    graph = kwargs.get("graph")
    settings["graph"] = "imposed" if graph is not None else "generated"
    if graph is not None:
        kinds = [kind for _, kind in graph.nodes(data="kind")]
        settings.update(n_schools=kinds.count("school"), n_districts=kinds.count("district"))
    timeline = resolve_timeline(kwargs.get("timeline"), kwargs.get("strategy", "baseline"))
    levers = {k: kwargs[k] for k in LEVER_PARAMS if kwargs.get(k) is not None}
    if levers:
        timeline = timeline.with_levers(**levers)
    mechanisms = asdict(resolve_mechanisms(kwargs.get("mechanisms")))
    return {"settings": settings, "timeline": timeline.describe(), "mechanisms": mechanisms}


def write_provenance(out_dir: Path, command: str, seed: int, parameters: dict[str, Any]) -> Path:
    """Write provenance.json: command, seed, every resolved parameter, package versions."""
    record = {
        "command": command,
        "argv": sys.argv,
        "seed": seed,
        "versions": _versions(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": parameters,
    }
    path = Path(out_dir) / "provenance.json"
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    return path
