"""Sweeps at scale: designs x strategies x replicates, streamed to a resumable Parquet
dataset, with global sensitivity analysis and the policy map (docs/sweeps.md).

Public surface: `load_spec`, `run_sweep`, `sweep_status`, `read_results`. Submodules are
imported on first use, so `lftm --help` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "load_spec": "spec",
    "SweepSpec": "spec",
    "run_sweep": "lifecycle",
    "sweep_status": "lifecycle",
    "read_results": "storage",
    "design_frame": "design",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
