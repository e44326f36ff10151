"""Mechanism parameters: the rates and weights of the nine processes (not levers).

Levers say what a strategy does; these say how strongly the system responds. They are
shared by every strategy and are what calibration fits. All rates are per step (one
school term, four a year). docs/ODD.md's parameter table lists each with its source.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Mechanisms:
    """Rates and weights of the model's processes (per term unless stated)."""

    # 1 central push
    central_rate: float = 0.05  # capacity gain from full central support at full fidelity
    lift_max: float = 0.35  # largest pressure lift, as a share of performance headroom
    lift_speed: float = 0.5  # how fast the lift follows pressure (per term)
    pressure_erosion: float = 0.05  # loss of commitment per term at full pressure
    per_priority: float = 0.15  # loss of focus per priority beyond the first
    priority_incoherence: float = 0.02  # coherence loss per term at zero focus
    # 2 autonomy
    autonomy_rate: float = 0.06  # own improvement (or slide) per term at full autonomy
    autonomy_threshold: float = 0.5  # capacity above which a school improves on its own
    need_threshold: float = 0.25  # how much need z raises that threshold (per unit of z - 0.5)
    grant_rate: float = 0.01  # capacity gain from full untied grants (scaled by c(1-c))
    ownership_rate: float = 0.02  # commitment gain per term at full autonomy
    # 3 the middle
    middle_capacity_rate: float = 0.08  # district capacity gain at full investment and quality
    middle_coherence_rate: float = 0.08  # district coherence gain at full investment
    middle_decay: float = 0.025  # district C and H drift back toward their rest level
    middle_rest: float = 0.3  # the middle's ordinary capacity and coherence
    humility_rate: float = 0.1  # districts learning from their consortium peers
    district_support_rate: float = 0.05  # capacity support to schools at C*H = 1
    district_ownership_rate: float = 0.02  # commitment gained from a district's initiative
    # 4 lateral learning
    quality_gate: float = 1.0  # how much network quality matters (0: every network works)
    lateral_rate: float = 0.3  # move toward better peers per term at full intensity and trust
    participation_rate: float = 0.03  # commitment gained by taking part in a network
    trust_rate: float = 0.05  # trust growth from successful interaction
    trust_decay: float = 0.01  # trust loss per term without interaction
    # 5 innovation
    innovation_rate: float = 0.05  # new practice generated per term at full freedom
    retention_floor: float = 0.3  # share of new practice kept with no reining in
    diffusion_rate: float = 0.2  # spread of practice toward better peers
    practice_decay: float = 0.02  # lapse of practice per term with no reining in
    # 6 sustainability
    capacity_decay: float = 0.04  # drift of capacity back to its rest level, per term
    rest_need_slope: float = 0.3  # how much lower a school's rest capacity is at high need
    embedding: float = 0.8  # how much ownership and the middle slow that depreciation
    commitment_relax: float = 0.02  # commitment drifts back toward its ordinary level
    commitment_rest: float = 0.45  # that ordinary level
    # 7 network formation
    imposition_shock: float = 0.3  # share of commitment and trust lost when imposed
    join_rate: float = 1.0  # annual hazard of joining at full uptake and commitment
    # 8 performance
    performance_speed: float = 0.3  # how fast performance follows its target (per term)
    performance_floor: float = 0.2  # performance of a school with no capacity
    performance_ceiling: float = 1.0  # performance of a school with full capacity
    innovation_weight: float = 0.2  # weight of innovative practice in the target
    need_penalty: float = 0.3  # how much need z lowers the target
    need_mitigation: float = 0.5  # share of that penalty a fully responsive middle offsets
    noise: float = 0.08  # amplitude of term-to-term performance noise
    # 9 well-being and public confidence
    wellbeing_rate: float = 0.06
    confidence_rate: float = 0.05

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise ValueError(f"mechanism parameter {f.name!r} must be a number, got {value!r}")
            lo, hi = MECHANISM_RANGES.get(f.name, (0.0, 1.0))
            if not np.isfinite(value) or not lo <= value <= hi:
                raise ValueError(
                    f"mechanism parameter {f.name!r} must be in [{lo}, {hi}], got {value!r}"
                )
            object.__setattr__(self, f.name, float(value))
        # form constraints that keep every state in [0, 1] without clipping
        if self.performance_speed + self.noise > 1:
            raise ValueError("performance_speed + noise must be at most 1 (keeps p in [0, 1])")
        if self.performance_floor >= self.performance_ceiling:
            raise ValueError("performance_floor must be below performance_ceiling")

    def to_dict(self) -> dict[str, float]:
        """All parameter values, by name."""
        return asdict(self)


def check_form(mp: Mechanisms, budget: float) -> None:
    """Refuse rates whose sum could push a state out of [0, 1] in one step.

    Every rule scales growth by headroom and loss by the level; the state stays in [0, 1]
    by form as long as, for each variable, the rates that can act at once sum to at most
    1 (worst case: every lever at its maximum, the whole budget on the costliest lever).
    """
    b = max(budget, 0.0)
    sums = {
        "capacity growth": b * max(mp.central_rate, mp.grant_rate)
        + 2 * mp.autonomy_rate
        + 2 * mp.district_support_rate
        + mp.lateral_rate
        + mp.capacity_decay,
        "capacity loss": 2 * mp.autonomy_rate + mp.capacity_decay,
        "commitment": mp.ownership_rate
        + mp.district_ownership_rate
        + mp.participation_rate
        + mp.pressure_erosion
        + mp.commitment_relax,
        "district capacity": b * mp.middle_capacity_rate + mp.humility_rate + mp.middle_decay,
        "district coherence": b * mp.middle_coherence_rate
        + mp.middle_decay
        + mp.priority_incoherence,
        "innovation": mp.innovation_rate + mp.diffusion_rate + mp.practice_decay,
        "trust": mp.trust_rate + mp.trust_decay,
    }
    for what, total in sums.items():
        if total > 1:
            raise ValueError(
                f"mechanism rates acting on {what} sum to {total:.3g} at budget {b:g}; "
                "they must sum to at most 1 to keep the state in [0, 1] (lower the rates "
                "or the budget)"
            )


MECHANISM_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Mechanisms))
MECHANISM_RANGES: dict[str, tuple[float, float]] = {
    "per_priority": (0.0, 2.0),
    "join_rate": (0.0, 10.0),
}


def resolve_mechanisms(mechanisms: Mechanisms | dict[str, Any] | None) -> Mechanisms:
    """Mechanisms from None (defaults), a Mechanisms, or a dict of overrides."""
    if mechanisms is None:
        return Mechanisms()
    if isinstance(mechanisms, Mechanisms):
        return mechanisms
    if isinstance(mechanisms, dict):
        for name in mechanisms:
            if name not in MECHANISM_NAMES:
                close = difflib.get_close_matches(name, MECHANISM_NAMES, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ValueError(f"unknown mechanism parameter {name!r}{hint}")
        return replace(Mechanisms(), **mechanisms)
    raise ValueError(f"mechanisms must be a dict or Mechanisms, got {mechanisms!r}")
