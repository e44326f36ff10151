"""Building runs and stacking them: one system per run, laid end to end on one axis.

Each run builds its own topology and initial state from its own generator, in exactly the
order a single `SystemModel` does (docs/ODD.md §5.2, §5.3). `stack` then lays the runs end
to end: schools, middle units and ties of run k follow those of run k - 1, with index
arrays saying which run each row belongs to. A single run is a stack of one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from . import dynamics
from .graph import Topology, build_topology, topology_from_graph
from .runspec import RunSpec


@dataclass
class Built:
    """One run's system as built: its topology and initial state."""

    topology: Topology
    state: dynamics.SystemState


def build(spec: RunSpec, rng: np.random.Generator) -> Built:
    """Topology, then initial state, both drawn from `rng` (the run's own generator)."""
    s = spec.settings
    if spec.graph is not None:
        top = topology_from_graph(spec.graph)
    else:
        top = build_topology(
            s["n_schools"],
            s["n_districts"],
            rng,
            network_size=s["network_size"],
            consortium_size=s["consortium_size"],
        )
    state = initial_state(top, rng, spec)
    return Built(top, state)


def initial_state(top: Topology, rng: np.random.Generator, spec: RunSpec) -> dynamics.SystemState:
    """Initial distributions (docs/ODD.md, "Initialisation"); draws in this order."""
    mp = spec.mechanisms
    S, D = top.n_schools, top.n_districts
    if D:
        district_need = rng.beta(2, 2, D)
        m = district_need[top.school_district]
    else:
        m = np.full(S, 0.5)
    need = rng.beta(6 * m + 0.5, 6 * (1 - m) + 0.5)
    rest = dynamics.capacity_rest(need, spec.settings["capacity_level"], mp)

    capacity = rng.beta(12 * rest, 12 * (1 - rest))
    innovation = rng.beta(2, 8, S)
    commitment = rng.beta(11.5, 8.5, S)
    wellbeing = rng.beta(10, 10, S)
    active = rng.random(S) < spec.settings["initial_network_share"]
    peer_trust = 0.25 + 0.1 * rng.random(len(top.peer_u))
    middle_trust = rng.beta(5, 5, len(top.district_u))
    n_middle = D if D else top.n_networks
    middle_capacity = rng.beta(3, 7, n_middle)
    middle_coherence = rng.beta(3, 7, n_middle)
    network_draw = rng.standard_normal(top.n_networks)  # 7.12, drawn whatever the spread
    worth = np.full(S, 1 - mp.bad_idea_share)  # unsorted ideas (7.13)
    span = mp.performance_ceiling - mp.performance_floor
    skill = (1 - mp.innovation_weight) * capacity + mp.innovation_weight * innovation * worth
    performance = (mp.performance_floor + span * skill) * (1 - mp.need_penalty * need)
    home = top.school_district if D else top.school_network
    return dynamics.SystemState(
        capacity=capacity,
        performance=performance,
        commitment=commitment,
        innovation=innovation,
        wellbeing=wellbeing,
        need=need,
        rest=rest,
        active=active,
        middle=home.copy() if D else np.where(active, home, -1),
        middle_capacity=middle_capacity,
        middle_coherence=middle_coherence,
        peer_trust=peer_trust,
        middle_trust=middle_trust,
        quality_draw=network_draw[top.school_network],
        worth=worth,
        lift=0.0,
        confidence=0.5,
    )


@dataclass
class Layout:
    """Where each run's rows lie on the stacked axes, and which run each row belongs to."""

    runs: int
    school_start: np.ndarray  # first school row of each run (length runs + 1)
    middle_start: np.ndarray  # first middle-unit row of each run
    tie_start: np.ndarray  # first school-school tie of each run
    school_run: np.ndarray  # run of each school
    middle_run: np.ndarray  # run of each middle unit
    tie_run: np.ndarray  # run of each tie
    home_middle: np.ndarray  # middle row a school belongs to (its district, or its network)
    has_districts: np.ndarray  # per school: its run has districts (its middle is fixed)
    least_need: np.ndarray  # per school: in its run's least-needy quarter
    most_need: np.ndarray  # per school: in its run's most-needy quarter
    n_least: np.ndarray  # schools in each run's least-needy quarter
    n_most: np.ndarray  # schools in each run's most-needy quarter


def _starts(sizes: list[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])


def stack(built: list[Built]) -> tuple[Topology, dynamics.SystemState, Layout]:
    """Lay the runs end to end: one topology, one state, and the layout of the runs."""
    tops = [b.topology for b in built]
    n_mid = [t.n_districts if t.n_districts else t.n_networks for t in tops]
    school_start = _starts([t.n_schools for t in tops])
    middle_start = _starts(n_mid)
    tie_start = _starts([len(t.peer_u) for t in tops])
    net_start = _starts([t.n_networks for t in tops])
    dist_start = _starts([t.n_districts for t in tops])

    def cat(pieces):
        return np.concatenate(pieces) if len(pieces) > 1 else pieces[0]

    def shifted(get, offsets, keep_negative=False):
        out = []
        for k, t in enumerate(tops):
            x = get(t)
            out.append(np.where(x >= 0, x + offsets[k], x) if keep_negative else x + offsets[k])
        return cat(out)

    top = Topology(
        n_schools=int(school_start[-1]),
        n_districts=int(dist_start[-1]),
        school_district=shifted(lambda t: t.school_district, middle_start, keep_negative=True),
        school_network=shifted(lambda t: t.school_network, net_start),
        n_networks=int(net_start[-1]),
        peer_u=shifted(lambda t: t.peer_u, school_start),
        peer_v=shifted(lambda t: t.peer_v, school_start),
        district_u=shifted(lambda t: t.district_u, middle_start),
        district_v=shifted(lambda t: t.district_v, middle_start),
    )
    home = shifted(lambda t: t.school_district if t.n_districts else t.school_network, middle_start)
    quarters = [_need_quarters(b.state.need) for b in built]
    runs = np.arange(len(tops))
    layout = Layout(
        runs=len(tops),
        school_start=school_start,
        middle_start=middle_start,
        tie_start=tie_start,
        school_run=np.repeat(runs, np.diff(school_start)),
        middle_run=np.repeat(runs, np.diff(middle_start)),
        tie_run=np.repeat(runs, np.diff(tie_start)),
        home_middle=home,
        has_districts=np.repeat([t.n_districts > 0 for t in tops], np.diff(school_start)),
        least_need=cat([q[0] for q in quarters]),
        most_need=cat([q[1] for q in quarters]),
        n_least=np.array([q[0].sum() for q in quarters]),
        n_most=np.array([q[1].sum() for q in quarters]),
    )
    states = [b.state for b in built]
    per_run = ("middle", "lift", "confidence")  # stacked below with their offsets
    arrays = {
        f.name: cat([getattr(st, f.name) for st in states])
        for f in fields(dynamics.SystemState)
        if f.name not in per_run
    }
    arrays["middle"] = shifted_middle(states, middle_start)
    scalar = len(built) == 1
    state = dynamics.SystemState(
        **arrays,
        lift=0.0 if scalar else np.zeros(len(built)),
        confidence=0.5 if scalar else np.full(len(built), 0.5),
    )
    return top, state, layout


def shifted_middle(states: list[dynamics.SystemState], middle_start: np.ndarray) -> np.ndarray:
    pieces = [
        np.where(st.middle >= 0, st.middle + middle_start[k], -1) for k, st in enumerate(states)
    ]
    return np.concatenate(pieces) if len(pieces) > 1 else pieces[0]


def _need_quarters(need: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the run's least- and most-needy quarter of schools (equity gap)."""
    order = np.argsort(need, kind="stable")
    quarter = max(1, len(need) // 4)
    least = np.zeros(len(need), dtype=bool)
    most = np.zeros(len(need), dtype=bool)
    least[order[:quarter]] = True
    most[order[-quarter:]] = True
    return least, most
