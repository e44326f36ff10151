"""SystemModel: a state, its districts and their schools, running a timeline of strategies."""

from __future__ import annotations

from dataclasses import fields

import mesa
import networkx as nx
import numpy as np
import pandas as pd

from . import dynamics
from .agents import District, School, State
from .graph import PeerMatrix, Topology, build_topology, to_networkx, topology_from_graph
from .metrics import AGENT_REPORTERS, MODEL_REPORTERS
from .parameters import Mechanisms, check_form, resolve_mechanisms
from .strategies import LEVERS, Strategy, Timeline, resolve_timeline

STEPS_PER_YEAR = 4  # a step is one school term
MAX_SCHOOLS = 2_000_000

#: State variables held in [0, 1] and checked after every write.
BOUNDED = (
    "capacity",
    "performance",
    "commitment",
    "innovation",
    "wellbeing",
    "district_capacity",
    "district_coherence",
    "peer_trust",
)


def _check_settings(settings: dict) -> None:
    """Validate the system settings in one place (ValueError naming the setting)."""

    def need(ok: bool, message: str) -> None:
        if not ok:
            raise ValueError(message)

    def number(name: str, lo: float, hi: float) -> None:
        value = settings[name]
        ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
        need(ok and lo <= value <= hi, f"{name} must be in [{lo:g}, {hi:g}], got {value!r}")

    def integer(name: str, lo: int, hi: int) -> None:
        value = settings[name]
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        need(ok and lo <= value <= hi, f"{name} must be an integer in [{lo}, {hi}], got {value!r}")

    if settings["graph"] == "generated":
        integer("n_schools", 1, MAX_SCHOOLS)
        integer("n_districts", 0, settings["n_schools"])
    number("budget", 0, 3)
    number("capacity_level", 0.15, 0.85)
    number("floor", 0, 1)
    number("network_size", 5, 20)
    number("initial_network_share", 0, 1)
    integer("consortium_size", 1, 10_000)


class SystemModel(mesa.Model):
    """A school system: one State, `n_districts` Districts and `n_schools` Schools on a
    networkx graph, running a strategy (or a timeline of strategies) term by term.

    Lever keywords (``pressure=...``, ``middle_investment=...``; see
    `lftm_sim.strategies.LEVERS`) override the strategy's values in every phase.
    """

    def __init__(
        self,
        n_schools: int = 2000,
        n_districts: int = 30,
        strategy: str | Strategy | dict = "baseline",
        timeline: str | Timeline | None = None,
        budget: float = 1.0,
        capacity_level: float = 0.5,
        floor: float = 0.5,
        network_size: float = 10.0,
        initial_network_share: float = 1.0,
        consortium_size: int = 10,
        graph: nx.Graph | None = None,
        mechanisms: Mechanisms | dict | None = None,
        collect_agents: bool = False,
        pressure: float | None = None,
        central_support: float | None = None,
        school_grants: float | None = None,
        middle_investment: float | None = None,
        priorities: float | None = None,
        precision: float | None = None,
        autonomy: float | None = None,
        letting_go: float | None = None,
        reining_in: float | None = None,
        responsiveness: float | None = None,
        responsibility: float | None = None,
        initiative: float | None = None,
        integration: float | None = None,
        transparency: float | None = None,
        humility: float | None = None,
        lateral_learning: float | None = None,
        trust_building: float | None = None,
        ambitious_goals: float | None = None,
        instruction_focus: float | None = None,
        facilitation: float | None = None,
        interaction: float | None = None,
        connecting_outward: float | None = None,
        partnerships: float | None = None,
        resources: float | None = None,
        co_design: float | None = None,
        network_uptake: float | None = None,
        rng=None,
    ):
        super().__init__(rng=rng)
        given = locals()
        overrides = {k: given[k] for k in LEVERS if given[k] is not None}
        self.settings = {
            "n_schools": n_schools,
            "n_districts": n_districts,
            "budget": budget,
            "capacity_level": capacity_level,
            "floor": floor,
            "network_size": network_size,
            "initial_network_share": initial_network_share,
            "consortium_size": consortium_size,
            "graph": "imposed" if graph is not None else "generated",
        }
        _check_settings(self.settings)
        self.timeline = resolve_timeline(timeline, strategy)
        if overrides:
            self.timeline = self.timeline.with_levers(**overrides)
        self.mechanisms = resolve_mechanisms(mechanisms)
        check_form(self.mechanisms, budget)
        half = self.mechanisms.rest_need_slope / 2
        if not 0 < capacity_level - half and capacity_level + half < 1:
            raise ValueError(
                f"capacity_level {capacity_level:g} with rest_need_slope "
                f"{self.mechanisms.rest_need_slope:g} puts rest capacity outside (0, 1); "
                f"allowed: capacity_level in ({half:g}, {1 - half:g})"
            )
        self.budget = float(budget)
        self.floor = float(floor)
        self.capacity_level = float(capacity_level)
        self.steps_per_year = STEPS_PER_YEAR

        if graph is not None:
            self.topology: Topology = topology_from_graph(graph)
        else:
            self.topology = build_topology(
                n_schools,
                n_districts,
                self.rng,
                network_size=network_size,
                consortium_size=consortium_size,
            )
        self.state = self._initial_state(initial_network_share)
        top = self.topology
        self._peers = PeerMatrix(top.n_schools, top.peer_u, top.peer_v)
        n_middle = len(self.state.district_capacity)  # districts, or networks without them
        self._district_peers = PeerMatrix(n_middle, top.district_u, top.district_v)
        self._district_matrix = self._district_peers.weighted(self.state.district_trust)
        self._has_network = (
            np.bincount(top.school_network, minlength=top.n_networks)[top.school_network] > 1
        )
        order = np.argsort(self.state.need, kind="stable")
        quarter = max(1, top.n_schools // 4)
        self.least_need, self.most_need = order[:quarter], order[-quarter:]
        self.clip_count = 0
        self._phase = None
        self.strategy = self.timeline.phases[0].strategy
        self._graph: nx.Graph | None = None
        self._graph_dirty = False
        self._spread_step = -1

        self.state_agent = State(self)
        self.districts = District.create_agents(self, top.n_districts, list(range(top.n_districts)))
        self.district_list = self.districts.to_list()  # by row, for a school's lookup
        self.schools = School.create_agents(self, top.n_schools, list(range(top.n_schools)))
        self.datacollector = mesa.DataCollector(
            model_reporters=MODEL_REPORTERS,
            agenttype_reporters={School: AGENT_REPORTERS} if collect_agents else None,
        )
        self.datacollector.collect(self)

    # --- set-up ----------------------------------------------------------------

    def _initial_state(self, network_share: float) -> dynamics.SystemState:
        """Initial distributions (docs/ODD.md, "Initialisation"); draws in this order."""
        top, rng, mp = self.topology, self.rng, self.mechanisms
        S, D = top.n_schools, top.n_districts
        if D:
            district_need = rng.beta(2, 2, D)
            m = district_need[top.school_district]
        else:
            m = np.full(S, 0.5)
        need = rng.beta(6 * m + 0.5, 6 * (1 - m) + 0.5)
        rest = dynamics.capacity_rest(need, self.capacity_level, mp)

        capacity = rng.beta(12 * rest, 12 * (1 - rest))
        innovation = rng.beta(2, 8, S)
        commitment = rng.beta(11.5, 8.5, S)
        wellbeing = rng.beta(10, 10, S)
        active = rng.random(S) < network_share
        peer_trust = 0.25 + 0.1 * rng.random(len(top.peer_u))
        district_trust = rng.beta(5, 5, len(top.district_u))
        n_middle = D if D else top.n_networks
        middle_capacity = rng.beta(3, 7, n_middle)
        middle_coherence = rng.beta(3, 7, n_middle)
        span = mp.performance_ceiling - mp.performance_floor
        skill = (1 - mp.innovation_weight) * capacity + mp.innovation_weight * innovation
        performance = (mp.performance_floor + span * skill) * (1 - mp.need_penalty * need)
        st = dynamics.SystemState(
            capacity=capacity,
            performance=performance,
            commitment=commitment,
            innovation=innovation,
            wellbeing=wellbeing,
            need=need,
            rest=rest,
            active=active,
            middle=np.full(S, -1),
            district_capacity=middle_capacity,
            district_coherence=middle_coherence,
            peer_trust=peer_trust,
            district_trust=district_trust,
            lift=0.0,
            confidence=0.5,
        )
        self._assign_middle(st)
        return st

    def _assign_middle(self, st: dynamics.SystemState) -> None:
        """A school's middle is its district; with no districts, its network once it joins."""
        top = self.topology
        if top.n_districts:
            st.middle = top.school_district.copy()
        else:
            st.middle = np.where(st.active, top.school_network, -1)

    # --- the step ----------------------------------------------------------------

    def step(self) -> None:
        """One term: state -> districts -> schools -> measurement, all reading the state
        at the start of the step and writing together."""
        st, mp = self.state, self.mechanisms
        self._enter_phase(self.timeline.at((self.steps - 1) / STEPS_PER_YEAR))
        s = self.strategy
        top = self.topology
        live = st.active[top.peer_u] & st.active[top.peer_v]
        peer_matrix = self._peers.weighted(st.peer_trust * live)
        live_ties = np.bincount(top.peer_u[live], minlength=top.n_schools) + np.bincount(
            top.peer_v[live], minlength=top.n_schools
        )
        cx = dynamics.step_context(
            st, s, mp, self.budget, peer_matrix, self._district_matrix, live_ties
        )
        join_draws = self.rng.random(self.topology.n_schools)
        noise_draws = self.rng.uniform(-1.0, 1.0, self.topology.n_schools)

        parts = [
            dynamics.central_push(st, s, mp, cx),  # state
            dynamics.middle(st, s, mp, cx),  # districts
            dynamics.autonomy(st, s, mp, cx),  # schools
            dynamics.lateral_learning(st, s, mp, cx),
            dynamics.innovation(st, s, mp, cx),
            dynamics.sustainability(st, s, mp, cx),
            dynamics.wellbeing(st, s, mp, cx),
        ]
        new_p = dynamics.performance(st, s, mp, cx, noise_draws)
        joins = dynamics.network_formation(st, s, mp, join_draws, self._has_network)
        totals: dict[str, np.ndarray | float] = {}
        for part in parts:
            for name, delta in part.items():
                totals[name] = totals[name] + delta if name in totals else delta

        totals["peer_trust"] = np.where(live, totals["peer_trust"], 0.0)
        st.lift = st.lift + totals.pop("lift")
        for name, delta in totals.items():
            setattr(st, name, self._bounded(name, getattr(st, name) + delta))
        st.performance = self._bounded("performance", new_p)
        if joins.any():
            self._join(joins, dynamics.imposition(s, mp, 1.0))

        p = st.performance
        lo, hi = self.p10_p90()
        st.confidence = dynamics.public_confidence(
            st.confidence, s, mp, float(p.mean()), float((p < self.floor).mean()), float(hi - lo)
        )
        self._graph_dirty = True
        self.datacollector.collect(self)

    def _enter_phase(self, phase) -> None:
        """Switch strategy at a phase boundary; networks set up by imposition cost
        commitment and trust in proportion to the rise in organised lateral learning."""
        if phase is self._phase:
            return
        before = self._phase.strategy.lateral_learning if self._phase else 0.0
        self._phase, self.strategy = phase, phase.strategy
        rise = max(phase.strategy.lateral_learning - before, 0.0)
        shock = dynamics.imposition(phase.strategy, self.mechanisms, rise)
        if shock > 0:
            st, top = self.state, self.topology
            st.commitment = np.where(st.active, st.commitment * (1 - shock), st.commitment)
            live = st.active[top.peer_u] & st.active[top.peer_v]
            st.peer_trust = np.where(live, st.peer_trust * (1 - shock), st.peer_trust)

    def _join(self, joins: np.ndarray, shock: float) -> None:
        """Schools join their networks: their ties go live (the graph changes)."""
        st, top = self.state, self.topology
        was_live = st.active[top.peer_u] & st.active[top.peer_v]
        st.active = st.active | joins
        now_live = st.active[top.peer_u] & st.active[top.peer_v]
        st.commitment = np.where(joins, st.commitment * (1 - shock), st.commitment)
        st.peer_trust = np.where(now_live & ~was_live, st.peer_trust * (1 - shock), st.peer_trust)
        if not top.n_districts:
            self._assign_middle(st)

    def _bounded(self, name: str, x: np.ndarray) -> np.ndarray:
        """Count (and undo) any excursion outside [0, 1]: a modelling error, never expected."""
        bad = (x < 0) | (x > 1)
        if bad.any():
            self.clip_count += int(bad.sum())
            x = np.clip(x, 0.0, 1.0)
        return x

    # --- views ---------------------------------------------------------------------

    def p10_p90(self) -> tuple[float, float]:
        """P10 and P90 of school performance now (computed once per step)."""
        if self._spread_step != self.steps:
            lo, hi = np.percentile(self.state.performance, [10, 90])
            self._spread, self._spread_step = (float(lo), float(hi)), self.steps
        return self._spread

    @property
    def year(self) -> float:
        """Years since the start."""
        return self.steps / STEPS_PER_YEAR

    @property
    def graph(self) -> nx.Graph:
        """The system graph (networkx), with live peer ties and their current trust."""
        if self._graph is None or self._graph_dirty:
            st = self.state
            self._graph = to_networkx(self.topology, st.peer_trust, st.active, st.district_trust)
            self._graph_dirty = False
        return self._graph

    def run(self, years: float) -> pd.DataFrame:
        """Run `years` more years and return the model-level time series."""
        for _ in range(int(round(years * STEPS_PER_YEAR))):
            self.step()
        return self.results()

    def results(self) -> pd.DataFrame:
        """Model-level time series, one row per step (plus the initial state)."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "step", np.arange(len(df)))
        return df

    def resolved_parameters(self) -> dict:
        """Every setting, lever and mechanism parameter actually used (for provenance)."""
        return {
            "settings": self.settings,
            "timeline": self.timeline.describe(),
            "mechanisms": {f.name: getattr(self.mechanisms, f.name) for f in fields(Mechanisms)},
        }
