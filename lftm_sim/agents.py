"""The agents: the State, its Districts and their Schools.

Agents are the model's vocabulary and what users inspect (`school.capacity`); their
state lives in the model's arrays, one row per agent, read and written through
properties, so the rules can run on all agents of a type at once.
"""

from __future__ import annotations

import mesa


def _row_property(array: str, doc: str) -> property:
    def get(self):
        return float(getattr(self.model.state, array)[self.row])

    def set_(self, value: float) -> None:
        getattr(self.model.state, array)[self.row] = value
        self.model.core.performance_changed()  # the step's ranking is stale now

    return property(get, set_, doc=doc)


class State(mesa.Agent):
    """The state (province, country): sets the strategy's levers each step and holds the
    system-level public confidence."""

    row = 0

    def __repr__(self) -> str:
        label = self.model.timeline.at(self.model.year).label
        return f"State(strategy={label!r}, confidence={self.public_confidence:.2f})"

    @property
    def strategy(self):
        """The strategy (lever bundle) in force this step."""
        return self.model.strategy

    @property
    def public_confidence(self) -> float:
        """Public confidence in the system, in [0, 1]."""
        return float(self.model.state.confidence)


class District(mesa.Agent):
    """A district (school board): the middle tier, with leadership capacity and coherence."""

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = row

    capacity = _row_property("middle_capacity", "Leadership capacity C of the district.")
    coherence = _row_property("middle_coherence", "Coherence H: shared, aligned focus.")

    def __repr__(self) -> str:
        n = int((self.model.topology.school_district == self.row).sum())
        return (
            f"District(id={self.row}, schools={n}, capacity={self.capacity:.2f}, "
            f"coherence={self.coherence:.2f})"
        )

    @property
    def schools(self) -> mesa.agent.AgentSet:
        """The district's schools."""
        return self.model.agents_by_type[School].select(lambda a: a.district is self)


class School(mesa.Agent):
    """A school: instructional capacity, performance, commitment, innovative practice,
    well-being, and a fixed context need; a member of a district and of a network."""

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = row

    capacity = _row_property("capacity", "Instructional capacity c.")
    performance = _row_property("performance", "Performance p: share of students at the standard.")
    commitment = _row_property("commitment", "Commitment/ownership b (buy-in).")
    innovation = _row_property("innovation", "Innovative (deep-learning) practice q.")
    wellbeing = _row_property("wellbeing", "Student and staff well-being w.")
    need = _row_property("need", "Context need z (disadvantage), fixed.")

    def __repr__(self) -> str:
        d = int(self.model.topology.school_district[self.row])
        return (
            f"School(id={self.row}, district={d if d >= 0 else None}, "
            f"capacity={self.capacity:.2f}, performance={self.performance:.2f})"
        )

    @property
    def district(self) -> District | None:
        """The school's district, or None in a system with no middle tier."""
        d = int(self.model.topology.school_district[self.row])
        return self.model.district_list[d] if d >= 0 else None

    @property
    def network(self) -> int:
        """Id of the school's network of schools."""
        return int(self.model.topology.school_network[self.row])

    @property
    def in_network(self) -> bool:
        """Whether the school takes part in its network."""
        return bool(self.model.state.active[self.row])
