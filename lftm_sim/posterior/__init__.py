"""Calibration as a posterior: ABC-SMC over wide log-scale priors, validated out of sample
across systems, with patterns and strategy comparisons over posterior draws
(docs/calibration.md).

Public surface: `default_priors`, `fit_targets`, `run_abc`, `Posterior`, `read_posterior`,
`out_of_sample`, `posterior_patterns`, `posterior_compare`, and the posteriors shipped
with the package (`shipped_posterior`, `shipped_systems`). Submodules are imported on
first use, so `lftm --help` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Prior": "priors",
    "default_priors": "priors",
    "Target": "targets",
    "fit_targets": "targets",
    "observations": "targets",
    "run_abc": "abc",
    "Posterior": "storage",
    "read_posterior": "storage",
    "write_posterior": "storage",
    "shipped_posterior": "storage",
    "shipped_systems": "storage",
    "out_of_sample": "predict",
    "posterior_patterns": "draws",
    "posterior_compare": "draws",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
