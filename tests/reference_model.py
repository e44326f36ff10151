"""A plain per-agent reference implementation of the model's documented equations.

The oracle tests (tests/test_oracle.py) and the engine benchmark run it side by side with
`lftm_sim.SystemModel`. Every agent holds its state as Python floats and computes its own
increments from the start-of-step state by looping over its neighbours in a networkx
graph; a second stage writes them all at once (synchronous update). Nothing here imports
the engine's rules: the reference is initialised from an engine model right after
construction (initial state, topology, strategies, mechanisms, all as plain data) and
consumes an identical copy of its random stream, drawing whole vectors in the same order.
"""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import mesa
import networkx as nx

STEPS_PER_YEAR = 4  # a step is one school term

#: The eight essential ingredients whose geometric mean is network quality.
INGREDIENTS = (
    "trust_building",
    "ambitious_goals",
    "instruction_focus",
    "facilitation",
    "interaction",
    "connecting_outward",
    "partnerships",
    "resources",
)

#: School variables a school writes each step, in the order the increments are summed.
SCHOOL_VARIABLES = ("capacity", "commitment", "innovation", "wellbeing", "worth")


# --- plain helpers ---------------------------------------------------------------------


def geometric_mean(values: list[float]) -> float:
    """Geometric mean as a product of n-th roots (a zero value gives 0)."""
    return math.prod(v ** (1.0 / len(values)) for v in values)


def average_ranks(values: list[float]) -> list[float]:
    """1-based ranks of `values` in ascending order; ties share their average rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = 0.5 * (start + end) + 1.0
        start = end + 1
    return ranks


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile of sorted values, interpolating linearly between ranks."""
    position = q / 100.0 * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    frac = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * frac


def mean(values: list[float]) -> float:
    """Arithmetic mean (0 for no values)."""
    return sum(values) / len(values) if values else 0.0


# --- pricing (docs/costs.md), restated from the declarations' cost fields ---------------

PARAMETER_FILE = Path(__file__).resolve().parents[1] / "lftm_sim" / "data" / "parameters.toml"


def read_costs(path: Path = PARAMETER_FILE) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """Priced levers as {name: (unit cost, free level)} and the spending channels, read
    straight from the parameter file (nothing imported from the engine)."""
    levers = tomllib.loads(path.read_text("utf-8"))["lever"]
    priced = {
        name: (entry["cost"]["per_unit"], entry["default"])
        for name, entry in levers.items()
        if entry["cost"]["basis"] in ("sourced", "assumption")
    }
    channels = [name for name, entry in levers.items() if entry["cost"]["basis"] == "channel"]
    return priced, channels


def priced_levers(levers: dict, budget: float, costs=None) -> dict:
    """What the budget buys of a plan: the priced levers' cost D at their planned level; a
    funded share f = min(1, B / max(D, 1)); each priced lever above its free level x0 moves
    to x0 + f (x - x0); each channel's share is scaled so that B * share = its part of
    B - f D (all shares 0 at B = 0)."""
    priced, channels = costs if costs is not None else read_costs()
    demand = 0.0
    for name, (unit, free) in priced.items():
        if levers[name] > free:
            demand += unit * (levers[name] - free)
    funded = 1.0 if demand == 0 else min(1.0, budget / max(demand, 1.0))
    left = max(budget - funded * demand, 0.0)
    out = dict(levers)
    for name, (_, free) in priced.items():
        if levers[name] > free:
            out[name] = free + funded * (levers[name] - free)
    for name in channels:
        out[name] = levers[name] * left / budget if budget > 0 else 0.0
    return out


# --- agents ----------------------------------------------------------------------------


class RefMiddle(mesa.Agent):
    """A middle unit: a district, or (with no districts) a network of schools."""

    def __init__(self, model: RefModel, index: int, capacity: float, coherence: float):
        super().__init__(model)
        self.index = index
        self.capacity = capacity
        self.coherence = coherence
        self._next = (capacity, coherence)

    def peer_capacity(self) -> float:
        """Trust-weighted mean capacity of consortium peers (own capacity with none)."""
        total = weighted = 0.0
        for other, tie in self.model.consortium[self].items():
            total += tie["trust"]
            weighted += tie["trust"] * other.capacity
        return weighted / total if total > 0 else self.capacity

    def compute(self) -> None:
        """Increments of C and H from central push (focus) and the middle process."""
        s, m, cx = self.model.levers, self.model.mech, self.model.cx
        C, H = self.capacity, self.coherence
        grow = m.middle_capacity_rate * cx.investment * cx.quality
        learn = m.humility_rate * s.humility * max(self.peer_capacity() - C, 0.0)
        align = 0.5 * (s.integration + s.responsiveness)
        d_capacity = grow * (1 - C) + learn - m.middle_decay * (C - m.middle_rest)
        pushed = -m.priority_incoherence * (1 - cx.focus) * H
        invested = m.middle_coherence_rate * cx.investment * cx.quality * align * (1 - H)
        d_coherence = pushed + (invested - m.middle_decay * (H - m.middle_rest))
        self._next = (C + d_capacity, H + d_coherence)

    def apply(self) -> None:
        """Write the new C and H."""
        self.capacity = self.model.bounded(self._next[0])
        self.coherence = self.model.bounded(self._next[1])


class RefSchool(mesa.Agent):
    """A school with its state as floats, its district (if any) and its network id."""

    def __init__(self, model: RefModel, index: int, network: int, district, **state: Any):
        super().__init__(model)
        self.index = index
        self.network = network
        self.district = district
        self.capacity = state["capacity"]
        self.performance = state["performance"]
        self.commitment = state["commitment"]
        self.innovation = state["innovation"]
        self.wellbeing = state["wellbeing"]
        self.need = state["need"]
        self.worth = state["worth"]
        self.quality_draw = state["quality_draw"]
        self.active = state["active"]
        self.standing = 0.5
        self.joins = False
        self._next: dict[str, float] = {}

    # -- what the school sees at the start of the step --

    @property
    def middle(self) -> RefMiddle | None:
        """The school's district; with no districts, its network once it takes part."""
        if self.model.has_districts:
            return self.district
        return self.model.middles[self.network] if self.active else None

    def quality(self) -> float:
        """12. This school's network quality: the strategy's Q to the power exp(spread * draw)."""
        return self.model.cx.quality ** math.exp(self.model.mech.quality_spread * self.quality_draw)

    def live_ties(self):
        """(peer, tie) pairs of the school's ties with both ends taking part."""
        if not self.active:
            return
        for other, tie in self.model.peers[self].items():
            if other.active:
                yield other, tie

    def peer_view(self) -> SimpleNamespace:
        """Trust-weighted peer capacity and innovation, mean trust and membership."""
        total = capacity = innovation = good = 0.0
        count = 0
        for other, tie in self.live_ties():
            w = tie["trust"]
            total += w
            capacity += w * other.capacity
            innovation += w * other.innovation
            good += w * other.innovation * other.worth
            count += w > 0
        worth = good / innovation if innovation > 0 else self.worth
        if total > 0:
            return SimpleNamespace(
                capacity=capacity / total,
                innovation=innovation / total,
                worth=worth,
                trust=total / count,
                member=1.0,
            )
        return SimpleNamespace(
            capacity=self.capacity,
            innovation=self.innovation,
            worth=self.worth,
            trust=0.0,
            member=0.0,
        )

    def middle_view(self) -> tuple[float, float]:
        """(C, C*H) of the school's middle unit, zeros with none."""
        unit = self.middle
        if unit is None:
            return 0.0, 0.0
        return unit.capacity, unit.capacity * unit.coherence

    # -- the processes, each returning increments --

    def central_push(self) -> dict[str, float]:
        """1. Support raises capacity (fidelity by commitment); pressure erodes commitment."""
        s, m, cx = self.model.levers, self.model.mech, self.model.cx
        c, b = self.capacity, self.commitment
        gain = m.central_rate * cx.central * s.precision * cx.focus * b * (1 - c)
        return {"capacity": gain, "commitment": -m.pressure_erosion * s.pressure * b}

    def middle_support(self, mch: float) -> dict[str, float]:
        """3. The middle supports the school by C*H, toward weak standing with responsibility."""
        s, m = self.model.levers, self.model.mech
        c, b = self.capacity, self.commitment
        weight = 1 - s.responsibility + 2 * s.responsibility * self.standing
        fit = 0.5 + 0.5 * s.responsiveness
        return {
            "capacity": m.district_support_rate * mch * fit * weight * (1 - c),
            "commitment": m.district_ownership_rate * s.initiative * mch * (1 - b),
        }

    def autonomy(self) -> dict[str, float]:
        """2. Own improvement away from a need-raised threshold, grants, ownership."""
        s, m, cx = self.model.levers, self.model.mech, self.model.cx
        c, b = self.capacity, self.commitment
        threshold = m.autonomy_threshold + m.need_threshold * (self.need - 0.5)
        own = 2 * m.autonomy_rate * s.autonomy * (c - threshold) * c * (1 - c)
        grants = m.grant_rate * cx.grants * c * (1 - c)
        return {"capacity": own + grants, "commitment": m.ownership_rate * s.autonomy * (1 - b)}

    def lateral_learning(self, peer: SimpleNamespace) -> dict[str, float]:
        """4. Learn toward better peers; taking part builds (or, imposed, costs) commitment."""
        s, m = self.model.levers, self.model.mech
        c, b = self.capacity, self.commitment
        rate = s.lateral_learning * self.quality()
        take_part = m.participation_rate * rate * peer.member
        learn = m.lateral_rate * rate * peer.trust
        return {
            "capacity": learn * max(peer.capacity - c, 0.0),
            "commitment": take_part * (s.co_design * (1 - b) - (1 - s.co_design) * b),
        }

    def practice_flows(self, peer: SimpleNamespace, mc: float) -> tuple[float, float, float]:
        """5. Generated-and-kept practice (freedom, no pressure, reining in), spread, lapse."""
        s, m = self.model.levers, self.model.mech
        q, c = self.innovation, self.capacity
        freedom = 1 - (1 - s.letting_go) * (1 - s.autonomy) * (1 - s.initiative * mc)
        generated = m.innovation_rate * freedom * (1 - s.pressure) * c * (1 - q)
        kept = m.retention_floor + (1 - m.retention_floor) * s.reining_in
        spread = (
            m.diffusion_rate
            * s.lateral_learning
            * self.quality()
            * peer.trust
            * max(peer.innovation - q, 0.0)
        )
        lapse = m.practice_decay * (1 - 0.5 * s.reining_in) * q
        return kept * generated, spread, lapse

    def innovate(self, peer: SimpleNamespace, mc: float) -> dict[str, float]:
        """5. New practice kept, spread from peers, lapse."""
        kept, spread, lapse = self.practice_flows(peer, mc)
        return {"innovation": kept + spread - lapse}

    def sort_practice(self, peer: SimpleNamespace, mc: float) -> dict[str, float]:
        """13. Sorting (reining in x transparency) drops that share of the bad new ideas;
        the worth of the practice held is the mixture of what stays and what comes in."""
        s, m = self.model.levers, self.model.mech
        kept, spread, lapse = self.practice_flows(peer, mc)
        sort = s.reining_in * s.transparency
        dropped = kept * m.bad_idea_share * sort
        new = kept - dropped
        left = 1 - m.bad_idea_share * sort
        new_worth = (1 - m.bad_idea_share) / left if left > 0 else 1.0
        held = self.innovation - lapse + new + spread
        if held > 0:
            good = self.worth * (self.innovation - lapse) + new_worth * new + peer.worth * spread
            d_worth = good / held - self.worth
        else:
            d_worth = 0.0
        return {"innovation": -dropped, "worth": d_worth}

    def sustain(self, peer: SimpleNamespace, mch: float) -> dict[str, float]:
        """6. Capacity drifts to its rest level, slower when owned and embedded."""
        m = self.model.mech
        embedded = 1 - (1 - mch) * (1 - peer.trust)
        anchor = 0.5 * (self.commitment + embedded)
        rest = m.capacity_level - m.rest_need_slope * (self.need - 0.5)
        return {
            "capacity": -m.capacity_decay * (1 - m.embedding * anchor) * (self.capacity - rest),
            "commitment": m.commitment_relax * (m.commitment_rest - self.commitment),
        }

    def wellbeing_change(self, peer: SimpleNamespace) -> dict[str, float]:
        """9. Well-being rises with engagement, falls with strain."""
        s, m = self.model.levers, self.model.mech
        q, b, w = self.innovation, self.commitment, self.wellbeing
        engaged = (q + b + s.lateral_learning * peer.member) / 3
        strain = s.pressure * (1 - q) + 0.3 * (1 - engaged)
        return {"wellbeing": m.wellbeing_rate * (engaged * (1 - w) - 0.5 * strain * w)}

    def next_performance(self, mch: float) -> float:
        """8. Performance moves toward its target, lifted by pressure, with bounded noise."""
        s, m = self.model.levers, self.model.mech
        p = self.performance
        good = self.innovation * self.worth
        skill = (1 - m.innovation_weight) * self.capacity + m.innovation_weight * good
        span = m.performance_ceiling - m.performance_floor
        penalty = m.need_penalty * (1 - m.need_mitigation * s.responsiveness * mch)
        target = (m.performance_floor + span * skill) * (1 - penalty * self.need)
        target = target + (1 - target) * m.lift_max * self.model.lift
        draw = self.model.noise_draws[self.index]
        return p + m.performance_speed * (target - p) + m.noise * draw * p * (1 - p)

    def will_join(self) -> bool:
        """7. A school outside its network joins with a hazard set by uptake and commitment."""
        s, m = self.model.levers, self.model.mech
        if self.active or not self.model.has_network[self.index]:
            return False
        hazard = m.join_rate * s.network_uptake * (0.25 + 0.75 * self.commitment)
        chance = 1 - math.exp(-hazard * 0.25)
        return self.model.join_draws[self.index] < chance

    def tie_trust(self, tie: dict, other: RefSchool) -> float:
        """4. New trust of a live tie: grows with good interaction, fades without it (at the
        mean quality of the two schools' networks, 12)."""
        s, m = self.model.levers, self.model.mech
        rate = s.lateral_learning * 0.5 * (self.quality() + other.quality())
        tau = tie["trust"]
        return tau + (m.trust_rate * rate * (1 - tau) - m.trust_decay * (1 - rate) * tau)

    # -- the two stages of a synchronous step --

    def compute(self) -> None:
        """Sum this school's increments from the start-of-step state (nothing is written)."""
        peer = self.peer_view()
        mc, mch = self.middle_view()
        parts = [
            self.central_push(),
            self.middle_support(mch),
            self.autonomy(),
            self.lateral_learning(peer),
            self.innovate(peer, mc),
            self.sort_practice(peer, mc),
            self.sustain(peer, mch),
            self.wellbeing_change(peer),
        ]
        totals: dict[str, float] = {}
        for part in parts:
            for name, delta in part.items():
                totals[name] = totals[name] + delta if name in totals else delta
        self._next = {name: getattr(self, name) + totals[name] for name in SCHOOL_VARIABLES}
        self._next["performance"] = self.next_performance(mch)
        self.joins = self.will_join()
        for other, tie in self.model.peers[self].items():  # the school owns ties to higher rows
            if other.index > self.index:
                live = self.active and other.active
                tie["next"] = self.tie_trust(tie, other) if live else tie["trust"]

    def apply(self) -> None:
        """Write the new state and the trust of the ties this school owns."""
        for name, value in self._next.items():
            setattr(self, name, self.model.bounded(value))
        for other, tie in self.model.peers[self].items():
            if other.index > self.index:
                tie["trust"] = self.model.bounded(tie.pop("next"))


# --- model-level reporters -------------------------------------------------------------


def _school_mean(name: str):
    def reporter(model: RefModel) -> float:
        return mean([getattr(a, name) for a in model.schools])

    return reporter


def _middle_mean(name: str):
    def reporter(model: RefModel) -> float:
        return mean([getattr(a, name) for a in model.middles])

    return reporter


def _gap(model: RefModel) -> float:
    ps = sorted(a.performance for a in model.schools)
    return percentile(ps, 90) - percentile(ps, 10)


REPORTERS = {
    "mean_capacity": _school_mean("capacity"),
    "mean_performance": _school_mean("performance"),
    "gap": _gap,
    "mean_commitment": _school_mean("commitment"),
    "mean_innovation": _school_mean("innovation"),
    "mean_wellbeing": _school_mean("wellbeing"),
    "public_confidence": lambda model: model.confidence,
    "mean_district_capacity": _middle_mean("capacity"),
    "mean_district_coherence": _middle_mean("coherence"),
    "network_share": lambda model: mean([float(a.active) for a in model.schools]),
}


# --- the model -------------------------------------------------------------------------


class RefModel(mesa.Model):
    """The reference model: plain agents on networkx graphs, run term by term."""

    def __init__(
        self,
        *,
        schools: list[dict],
        middles: list[tuple[float, float]],
        has_districts: bool,
        peer_ties: list[tuple[int, int, float]],
        consortium_ties: list[tuple[int, int, float]],
        phases: list[tuple[float, dict]],
        mechanisms: dict,
        budget: float,
        floor: float,
        rng,
        lift: float = 0.0,
        confidence: float = 0.5,
    ):
        super().__init__(rng=0)
        self.rng = rng  # set after Mesa's own set-up so no draw is taken from it
        self.phases = [(float(start), SimpleNamespace(**levers)) for start, levers in phases]
        self.mech = SimpleNamespace(**mechanisms)
        self.budget, self.floor = float(budget), float(floor)
        self.costs = read_costs()
        self.lift, self.confidence = float(lift), float(confidence)
        self.has_districts = has_districts
        self.clip_count = 0
        self.phase_index: int | None = None
        self.levers = self.phases[0][1]
        self.cx = SimpleNamespace()
        self.middles = [RefMiddle(self, k, c, h) for k, (c, h) in enumerate(middles)]
        self.schools = [self._make_school(i, data) for i, data in enumerate(schools)]
        self.has_network = self._network_sizes_above_one()
        self.tie_order = [(u, v) for u, v, _ in peer_ties]
        self.peers = nx.Graph()
        self.peers.add_nodes_from(self.schools)
        for u, v, trust in peer_ties:
            self.peers.add_edge(self.schools[u], self.schools[v], trust=trust)
        self.consortium = nx.Graph()
        self.consortium.add_nodes_from(self.middles)
        for u, v, trust in consortium_ties:
            self.consortium.add_edge(self.middles[u], self.middles[v], trust=trust)
        self.datacollector = mesa.DataCollector(model_reporters=REPORTERS)
        self.datacollector.collect(self)

    def _make_school(self, index: int, data: dict) -> RefSchool:
        data = dict(data)
        district = data.pop("district")
        unit = self.middles[district] if district is not None else None
        return RefSchool(self, index, district=unit, **data)

    def _network_sizes_above_one(self) -> list[bool]:
        sizes: dict[int, int] = {}
        for school in self.schools:
            sizes[school.network] = sizes.get(school.network, 0) + 1
        return [sizes[school.network] > 1 for school in self.schools]

    # --- construction from an engine model (plain data only) ---

    @classmethod
    def from_engine(cls, engine) -> RefModel:
        """Copy an engine model's initial state, topology and settings, as plain data."""
        if engine.steps:
            raise ValueError("build the reference right after constructing the engine model")
        graph, st, top = engine.graph, engine.state, engine.topology
        districts, consortium = _read_districts(graph)
        schools = _read_schools(graph, st)
        peer_ties = list(
            zip(top.peer_u.tolist(), top.peer_v.tolist(), st.peer_trust.tolist(), strict=True)
        )
        _check_live_ties(graph, schools, peer_ties)
        middles = list(zip(st.middle_capacity.tolist(), st.middle_coherence.tolist(), strict=True))
        return cls(
            schools=schools,
            middles=middles,
            has_districts=bool(districts),
            peer_ties=peer_ties,
            consortium_ties=consortium,
            phases=[(p.start, p.strategy.to_dict()) for p in engine.timeline.phases],
            mechanisms={
                **engine.mechanisms.to_dict(),
                "capacity_level": engine.settings["capacity_level"],
            },
            budget=engine.budget,
            floor=engine.floor,
            rng=copy.deepcopy(engine.rng),
            lift=float(st.lift),
            confidence=float(st.confidence),
        )

    # --- the step ---

    def step(self) -> None:
        """One term: phase, shared context, draws, compute all, write all, joins, confidence."""
        self._enter_phase(self._phase_at((self.steps - 1) / STEPS_PER_YEAR))
        self._prepare_context()
        n = len(self.schools)
        self.join_draws = self.rng.random(n).tolist()
        self.noise_draws = self.rng.uniform(-1.0, 1.0, n).tolist()
        self._do_all("compute")
        s = self.levers
        next_lift = self.lift + self.mech.lift_speed * (s.pressure - self.lift)
        self._do_all("apply")
        self.lift = next_lift
        self._join()
        self._update_confidence()
        self.datacollector.collect(self)

    def _do_all(self, method: str) -> None:
        """Run `method` on every school, then every middle unit."""
        for kind in (RefSchool, RefMiddle):
            if kind in self.agents_by_type:
                self.agents_by_type[kind].do(method)

    def _phase_at(self, year: float) -> int:
        """Index of the last phase that has started by `year`."""
        current = 0
        for k, (start, _) in enumerate(self.phases):
            if start <= year + 1e-9:
                current = k
        return current

    def _enter_phase(self, index: int) -> None:
        """Switch levers; a rise in lateral learning under imposition costs commitment of
        schools taking part and trust on live ties."""
        if index == self.phase_index:
            return
        before = self.levers.lateral_learning if self.phase_index is not None else 0.0
        planned = vars(self.phases[index][1])
        self.phase_index = index
        self.levers = SimpleNamespace(**priced_levers(planned, self.budget, self.costs))
        rise = max(self.levers.lateral_learning - before, 0.0)
        shock = self.mech.imposition_shock * (1 - self.levers.co_design) * rise
        if shock <= 0:
            return
        for school in self.schools:
            if school.active:
                school.commitment *= 1 - shock
        for a, b, tie in self.peers.edges(data=True):
            if a.active and b.active:
                tie["trust"] *= 1 - shock

    def _prepare_context(self) -> None:
        """Per-step scalars (quality, focus, spending) and every school's standing."""
        s, m = self.levers, self.mech
        self.cx = SimpleNamespace(
            quality=1
            - self.mech.quality_gate
            * (1 - geometric_mean([getattr(s, name) for name in INGREDIENTS])),
            focus=1.0 / (1.0 + m.per_priority * (s.priorities - 1.0)),
            central=self.budget * s.central_support,
            grants=self.budget * s.school_grants,
            investment=self.budget * s.middle_investment,
        )
        n = len(self.schools)
        ranks = average_ranks([school.performance for school in self.schools])
        for school, rank in zip(self.schools, ranks, strict=True):
            school.standing = (n - rank) / (n - 1) if n > 1 else 0.5

    def _join(self) -> None:
        """Joiners take part; the imposition shock hits their commitment and new live ties."""
        joiners = [school for school in self.schools if school.joins]
        if not joiners:
            return
        s = self.levers
        shock = self.mech.imposition_shock * (1 - s.co_design)
        was_live = {(a, b): a.active and b.active for a, b in self.peers.edges}
        for school in joiners:
            school.active = True
            school.commitment *= 1 - shock
        for a, b, tie in self.peers.edges(data=True):
            if a.active and b.active and not was_live[(a, b)]:
                tie["trust"] *= 1 - shock

    def _update_confidence(self) -> None:
        """9. Public confidence from the new performance: visible results, floor, gap."""
        s, m = self.levers, self.mech
        ps = sorted(school.performance for school in self.schools)
        below = sum(p < self.floor for p in ps) / len(ps)
        spread = percentile(ps, 90) - percentile(ps, 10)
        visible = max(s.transparency, s.pressure)
        up = visible * mean(ps) * (1 - self.confidence)
        down = 0.5 * (below + spread) * self.confidence
        self.confidence = self.confidence + m.confidence_rate * (up - down)

    def bounded(self, x: float) -> float:
        """Count (and undo) any excursion outside [0, 1]."""
        if x < 0 or x > 1:
            self.clip_count += 1
            return min(max(x, 0.0), 1.0)
        return x

    # --- views for comparison ---

    def trust_of(self, u: int, v: int) -> float:
        """Current trust on the tie between school rows u and v."""
        return self.peers[self.schools[u]][self.schools[v]]["trust"]

    def snapshot(self) -> dict[str, Any]:
        """The whole state as lists, in the engine's row and tie order."""
        out: dict[str, Any] = {
            name: [getattr(a, name) for a in self.schools]
            for name in (
                "capacity",
                "performance",
                "commitment",
                "innovation",
                "wellbeing",
                "worth",
            )
        }
        out["active"] = [a.active for a in self.schools]
        out["middle_capacity"] = [m.capacity for m in self.middles]
        out["middle_coherence"] = [m.coherence for m in self.middles]
        out["peer_trust"] = [self.trust_of(u, v) for u, v in self.tie_order]
        out["lift"], out["confidence"] = self.lift, self.confidence
        return out


# --- reading an engine's graph ---------------------------------------------------------


def _read_districts(graph: nx.Graph) -> tuple[list[int], list[tuple[int, int, float]]]:
    """District rows and their consortium ties (row, row, trust) from the system graph."""
    kind = nx.get_node_attributes(graph, "kind")
    index = nx.get_node_attributes(graph, "index")
    districts = sorted(index[n] for n in graph if kind[n] == "district")
    ties = [
        (min(index[a], index[b]), max(index[a], index[b]), float(data["trust"]))
        for a, b, data in graph.edges(data=True)
        if kind[a] == kind[b] == "district"
    ]
    return districts, ties


def _read_schools(graph: nx.Graph, st) -> list[dict]:
    """Each school's network, district row and initial state (Python floats)."""
    kind = nx.get_node_attributes(graph, "kind")
    arrays = {
        name: getattr(st, name).tolist()
        for name in ("capacity", "performance", "commitment", "innovation", "wellbeing")
    }
    arrays["need"] = st.need.tolist()
    arrays["worth"] = st.worth.tolist()
    arrays["quality_draw"] = st.quality_draw.tolist()
    arrays["active"] = [bool(x) for x in st.active.tolist()]
    schools: dict[int, dict] = {}
    for node, data in graph.nodes(data=True):
        if data["kind"] != "school":
            continue
        i = data["index"]
        district = [
            graph.nodes[n]["index"]
            for n in graph[node]
            if kind[n] == "district" and graph[node][n]["tie"] == "supports"
        ]
        schools[i] = {
            "network": int(data["network"]),
            "district": district[0] if district else None,
            **{name: values[i] for name, values in arrays.items()},
        }
    return [schools[i] for i in range(len(schools))]


def _check_live_ties(graph: nx.Graph, schools: list[dict], ties: list) -> None:
    """The graph's school-school edges must be exactly the live potential ties."""
    row = {n: d["index"] for n, d in graph.nodes(data=True) if d["kind"] == "school"}
    in_graph = {
        (min(row[a], row[b]), max(row[a], row[b])): d["trust"]
        for a, b, d in graph.edges(data=True)
        if a in row and b in row
    }
    live = {(u, v): t for u, v, t in ties if schools[u]["active"] and schools[v]["active"]}
    if in_graph != live:
        raise ValueError("the engine graph's peer ties differ from the live potential ties")
