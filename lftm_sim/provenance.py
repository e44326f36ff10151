"""Provenance: every output directory records what produced it."""

from __future__ import annotations

import json
import platform
import sys
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
