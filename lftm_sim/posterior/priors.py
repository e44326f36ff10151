"""Priors: wide, log-uniform, derived from the declarations and from every value used.

The free parameters are the mechanism parameters that shape a system's mean performance
over a reform's first years and that no independent evidence fixes: how fast central
support builds capacity, the size and speed of the pressure lift and its erosion, how fast
capacity drifts back, how fast the middle grows and how fast performance follows capacity.
`lift_max` joins the fit because its hand-set default was read off England's 1997-2000 rise,
which runs into the prediction window (the leak the issue names). Every other mechanism
parameter keeps its declared default, set from the seed texts before any series was looked
at (`frozen_parameters`). `sigma` is the discrepancy between a published series and the
model's curve (measurement, rounding, subject-specific wobble), in percentage points.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..declarations import MECHANISM_PARAMS, declared
from ..errors import InputError, suggest

FREE = (
    "central_rate",
    "lift_max",
    "lift_speed",
    "pressure_erosion",
    "capacity_decay",
    "middle_capacity_rate",
    "performance_speed",
)
SIGMA = "sigma"

#: Values the documentation has used besides the declared default: the point fit stored
#: on 2026-11-24 (lftm_sim/data/calibration.toml) and the ends of its search ranges
#: (docs/scenarios.md, "Calibration"). The prior must contain each of them.
USED: dict[str, tuple[float, ...]] = {
    "central_rate": (0.01, 0.15),
    "lift_max": (0.11349, 0.7),
    "capacity_decay": (0.005, 0.1),
    "middle_capacity_rate": (0.01, 0.2),
}
WIDEN = 4.0  # the prior runs from a quarter of the smallest value used to 4x the largest
SIGMA_RANGE = (0.3, 10.0)  # percentage points: finer than the data's rounding to ~10x it


@dataclass(frozen=True)
class Prior:
    """A log10-uniform prior on [lo, hi] for one parameter."""

    name: str
    lo: float
    hi: float

    def __post_init__(self):
        if not 0 < self.lo < self.hi:
            raise InputError(
                f"prior of {self.name} must satisfy 0 < lo < hi, got [{self.lo}, {self.hi}]",
                key=self.name,
                allowed="0 < lo < hi",
                value=(self.lo, self.hi),
            )

    @property
    def log_bounds(self) -> tuple[float, float]:
        return math.log10(self.lo), math.log10(self.hi)

    def contains(self, value: float) -> bool:
        return self.lo <= value <= self.hi


def prior_for(name: str) -> Prior:
    """The default prior of a free mechanism parameter, or of `sigma`."""
    if name == SIGMA:
        return Prior(SIGMA, *SIGMA_RANGE)
    p = declared(name, group="mechanism")
    used = [float(p.default), *USED.get(name, ())]
    used = [v for v in used if v > 0]
    hi = min(max(used) * WIDEN, float(p.hi))
    return Prior(name, min(used) / WIDEN, hi)


def default_priors(free: Iterable[str] = FREE) -> dict[str, Prior]:
    """Priors of the free parameters (plus `sigma`), keyed by name."""
    out = {}
    for name in free:
        if name != SIGMA and name not in MECHANISM_PARAMS:
            raise InputError(
                f"unknown mechanism parameter {name!r}{suggest(name, MECHANISM_PARAMS)}",
                key="free",
                allowed=", ".join(MECHANISM_PARAMS),
                value=name,
            )
        out[name] = prior_for(name)
    out.setdefault(SIGMA, prior_for(SIGMA))
    return out


def frozen_parameters(priors: Mapping[str, Prior]) -> dict[str, float]:
    """Mechanism parameters held at their declared defaults during the fit."""
    return {k: float(p.default) for k, p in MECHANISM_PARAMS.items() if k not in priors}


def mechanisms_of(theta: Mapping[str, float]) -> dict[str, float]:
    """The mechanism keywords of a parameter draw (without `sigma`)."""
    return {k: float(v) for k, v in theta.items() if k != SIGMA}


def prior_table(priors: Mapping[str, Prior]) -> pd.DataFrame:
    """One row per prior: bounds, the declared default and the values used before."""
    rows = []
    for name, pr in priors.items():
        default = np.nan if name == SIGMA else float(declared(name).default)
        rows.append(
            {
                "parameter": name,
                "prior_lo": pr.lo,
                "prior_hi": pr.hi,
                "default": default,
                "values_used": ", ".join(f"{v:g}" for v in USED.get(name, ())),
            }
        )
    return pd.DataFrame(rows)
