"""Mechanism parameters: the rates and weights of the nine processes (not levers).

Levers say what a strategy does; these say how strongly the system responds. They are
shared by every strategy and are what calibration fits. All rates are per step (one
school term, four a year). docs/ODD.md's parameter table lists each with its source.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from .declarations import MECHANISM_PARAMS, Param
from .errors import InputError, unknown


def _default(name: str) -> float:
    return MECHANISM_PARAMS[name].default


def checked(param: Param, value: Any, what: str) -> float:
    """`param.check(value)`, the message naming what the parameter is ("lever 'x' ...")."""
    try:
        return param.check(value, key=f"{what} {param.name!r}")
    except InputError as err:
        err.key = param.name
        raise


@dataclass(frozen=True)
class Mechanisms:
    """Rates and weights of the model's processes (per term unless stated).

    Defaults, ranges and meanings come from the declarations (`data/parameters.toml`);
    `lftm_sim.declarations.MECHANISM_PARAMS[name].doc` says what each one does.
    """

    # 1 central push
    central_rate: float = _default("central_rate")
    lift_max: float = _default("lift_max")
    lift_speed: float = _default("lift_speed")
    pressure_erosion: float = _default("pressure_erosion")
    per_priority: float = _default("per_priority")
    priority_incoherence: float = _default("priority_incoherence")
    # 2 autonomy
    autonomy_rate: float = _default("autonomy_rate")
    autonomy_threshold: float = _default("autonomy_threshold")
    need_threshold: float = _default("need_threshold")
    grant_rate: float = _default("grant_rate")
    ownership_rate: float = _default("ownership_rate")
    # 3 the middle
    middle_capacity_rate: float = _default("middle_capacity_rate")
    middle_coherence_rate: float = _default("middle_coherence_rate")
    middle_decay: float = _default("middle_decay")
    middle_rest: float = _default("middle_rest")
    humility_rate: float = _default("humility_rate")
    district_support_rate: float = _default("district_support_rate")
    district_ownership_rate: float = _default("district_ownership_rate")
    # 4 lateral learning
    quality_gate: float = _default("quality_gate")
    lateral_rate: float = _default("lateral_rate")
    participation_rate: float = _default("participation_rate")
    trust_rate: float = _default("trust_rate")
    trust_decay: float = _default("trust_decay")
    # 5 innovation
    innovation_rate: float = _default("innovation_rate")
    retention_floor: float = _default("retention_floor")
    diffusion_rate: float = _default("diffusion_rate")
    practice_decay: float = _default("practice_decay")
    # 6 sustainability
    capacity_decay: float = _default("capacity_decay")
    rest_need_slope: float = _default("rest_need_slope")
    embedding: float = _default("embedding")
    commitment_relax: float = _default("commitment_relax")
    commitment_rest: float = _default("commitment_rest")
    # 7 network formation
    imposition_shock: float = _default("imposition_shock")
    join_rate: float = _default("join_rate")
    # 8 performance
    performance_speed: float = _default("performance_speed")
    performance_floor: float = _default("performance_floor")
    performance_ceiling: float = _default("performance_ceiling")
    innovation_weight: float = _default("innovation_weight")
    need_penalty: float = _default("need_penalty")
    need_mitigation: float = _default("need_mitigation")
    noise: float = _default("noise")
    # 9 well-being and public confidence
    wellbeing_rate: float = _default("wellbeing_rate")
    confidence_rate: float = _default("confidence_rate")
    # 12 network quality by network; 13 worth of new practice
    quality_spread: float = _default("quality_spread")
    bad_idea_share: float = _default("bad_idea_share")

    def __post_init__(self) -> None:
        for f in fields(self):
            value = checked(MECHANISM_PARAMS[f.name], getattr(self, f.name), "mechanism parameter")
            object.__setattr__(self, f.name, value)
        # form constraints that keep every state in [0, 1] without clipping
        if self.performance_speed + self.noise > 1:
            raise InputError(
                "performance_speed + noise must be at most 1 (keeps p in [0, 1])",
                key="noise",
                allowed="performance_speed + noise <= 1",
                value=self.noise,
            )
        if self.performance_floor >= self.performance_ceiling:
            raise InputError(
                "performance_floor must be below performance_ceiling",
                key="performance_floor",
                allowed="below performance_ceiling",
                value=self.performance_floor,
            )

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
            raise InputError(
                f"mechanism rates acting on {what} sum to {total:.3g} at budget {b:g}; "
                "they must sum to at most 1 to keep the state in [0, 1] (lower the rates "
                "or the budget)",
                key="mechanisms",
                allowed="rates that sum to at most 1 for each state",
                value=round(total, 6),
            )


MECHANISM_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Mechanisms))
assert MECHANISM_NAMES == tuple(MECHANISM_PARAMS), "Mechanisms fields follow the declarations"
#: Allowed range of each mechanism parameter (derived from the declarations).
MECHANISM_RANGES: dict[str, tuple[float, float]] = {
    name: (float(p.lo), float(p.hi)) for name, p in MECHANISM_PARAMS.items()
}


def resolve_mechanisms(mechanisms: Mechanisms | dict[str, Any] | None) -> Mechanisms:
    """Mechanisms from None (defaults), a Mechanisms, or a dict of overrides."""
    if mechanisms is None:
        return Mechanisms()
    if isinstance(mechanisms, Mechanisms):
        return mechanisms
    if isinstance(mechanisms, dict):
        for name in mechanisms:
            if name not in MECHANISM_PARAMS:
                raise unknown("mechanism parameter", name, MECHANISM_NAMES)
        return replace(Mechanisms(), **mechanisms)
    raise InputError(
        f"mechanisms must be a dict or Mechanisms, got {mechanisms!r}",
        key="mechanisms",
        allowed="a dict of mechanism parameters",
        value=mechanisms,
    )
