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
    """Every setting, lever and mechanism parameter a run of `kwargs` (SystemModel
    keywords) uses, validated without building a model (`runspec.resolve_run`; bad input
    raises InputError): the form `SystemModel.resolved_parameters()` gives. A graph's
    school and district counts are read from the graph."""
    from dataclasses import asdict

    from .runspec import resolve_run

    spec = resolve_run(**kwargs)
    settings = dict(spec.settings)
    if spec.graph is not None:
        kinds = [kind for _, kind in spec.graph.nodes(data="kind")]
        settings.update(n_schools=kinds.count("school"), n_districts=kinds.count("district"))
    return {
        "settings": settings,
        "timeline": spec.timeline.describe(),
        "mechanisms": asdict(spec.mechanisms),
    }


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
