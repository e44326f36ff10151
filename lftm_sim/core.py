"""The engine core: one schedule and one set of rules for one run or many.

`Core` steps one or more runs ("members") stacked along the agent axis (see `assemble`):
`SystemModel` is a core of one run (plus Mesa's agents and DataCollector) and
`ensemble.run_ensemble` a core of many, so both go through the same stages of
docs/ODD.md §3, in `Core.step`:

1. `switch_phase`  - each run's timeline; the imposition shock of a rise in networking
2. `shared_context` - the shared quantities of 7.0 (`dynamics.step_context`)
3. `draws`          - join draws, then noise draws, from each run's own generator
4. `increments`     - every rule (`RULES`), performance and joins, from the start state
5. `write`          - increments summed and written through the excursion counter
6. `joins`          - joining schools take part; their new ties go live
7. `measure`        - one ranking per run; public confidence

Levers reach the rules at the granularity they are used (school, middle unit, tie, run):
plain numbers when there is one run, arrays gathered at phase switches otherwise.
A new mechanism is a rule in `dynamics.py` listed in `RULES` (an increment) or a stage
call here. A run's budget meets its levers in one place: at each phase switch the phase's
planned strategy is priced by `costs.realise` (docs/costs.md), and the rules see only the
priced strategy (`Core.priced`) and its `dynamics.strategy_terms`.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import numpy as np

from . import dynamics
from .assemble import build, stack
from .costs import realise
from .graph import PeerMatrix
from .ranking import Blocks, Ranking
from .runspec import RunSpec
from .stationary import stationary_start

#: The increments of step stage 4, in the order of docs/ODD.md §3 (state, districts, schools).
RULES = (
    dynamics.central_push,
    dynamics.middle,
    dynamics.autonomy,
    dynamics.lateral_learning,
    dynamics.innovation,
    dynamics.practice_worth,
    dynamics.sustainability,
    dynamics.wellbeing,
)
#: Bounded state variables (checked after every write), by the axis they live on.
BOUNDED_AXES = {
    "capacity": "school",
    "performance": "school",
    "commitment": "school",
    "innovation": "school",
    "wellbeing": "school",
    "middle_capacity": "middle",
    "middle_coherence": "middle",
    "peer_trust": "tie",
    "worth": "school",
}


class Gathered:
    """Per-run values seen on one axis: attribute `x` is ``values[x][index]`` (cached)."""

    def __init__(self, values: dict[str, np.ndarray], index: np.ndarray):
        self._values, self._index = values, index

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            out = self._values[name][self._index]
        except KeyError:
            raise AttributeError(name) from None
        setattr(self, name, out)
        return out


def block_sums(x: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum of `x` over each contiguous block [starts[k], starts[k + 1]) (0 for an empty one)."""
    sizes = np.diff(starts)
    if len(x) == 0:
        return np.zeros(len(sizes))
    sums = np.add.reduceat(x, np.minimum(starts[:-1], len(x) - 1))
    return np.where(sizes > 0, sums, 0.0)


def _district_layout(school_district: np.ndarray, rows: int):
    """Schools per middle row, and the block starts of each row's schools when schools are
    held in district order (generated systems), so sums over a district are block sums."""
    has = school_district >= 0
    counts = np.bincount(school_district[has], minlength=rows).astype(float)
    if not has.all() or np.any(np.diff(school_district) < 0):
        return counts, None
    return counts, np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])


class Core:
    """The stacked state of one or more runs and the stages of their common step."""

    def __init__(self, specs: Sequence[RunSpec], rngs: Sequence[np.random.Generator]):
        mechanisms = {spec.mechanisms for spec in specs}
        if len(mechanisms) != 1:
            raise ValueError("the runs of one core share their mechanism parameters")
        spin_up = {spec.settings["spin_up_years"] for spec in specs}
        if len(spin_up) != 1:
            raise ValueError("the runs of one core share their spin-up (spin_up_years)")
        self.mechanisms = specs[0].mechanisms
        self.specs, self.rngs = list(specs), list(rngs)
        self.runs = len(specs)
        self.single = self.runs == 1
        built = [build(spec, rng) for spec, rng in zip(specs, rngs, strict=True)]
        self.parts = [b.topology for b in built]
        self.topology, self.state, self.layout = stack(built)
        top, lay = self.topology, self.layout
        self.budget = np.array([spec.settings["budget"] for spec in specs])
        self.floor = self.per_run(np.array([spec.settings["floor"] for spec in specs]), "school")
        self._peers = PeerMatrix(top.n_schools, top.peer_u, top.peer_v)
        middle_peers = PeerMatrix(len(self.state.middle_capacity), top.district_u, top.district_v)
        self._middle_matrix = middle_peers.weighted(self.state.middle_trust)
        self._middle_degree = self._middle_matrix @ np.ones(self._middle_matrix.shape[0])
        net_size = np.bincount(top.school_network, minlength=top.n_networks)
        self._has_network = net_size[top.school_network] > 1
        self._district_counts, self._district_blocks = _district_layout(
            top.school_district, len(self.state.middle_capacity)
        )
        self._school_sizes = np.diff(lay.school_start)
        self._middle_sizes = np.diff(lay.middle_start)
        self.clip_count = np.zeros(self.runs, dtype=np.int64)
        self.steps = 0
        self.phases = [None] * self.runs
        self.strategies = [spec.timeline.phases[0].strategy for spec in specs]  # as planned
        self.priced = list(self.strategies)  # as the budget funds them (set at each switch)
        self.spend = np.zeros(self.runs)  # spend per school-year of each run's phase
        self._views: dict = {}
        self._blocks = Blocks(lay.school_start)
        self._ranking: Ranking | None = None
        self._ties_changed()
        if spin_up.pop() > 0:  # docs/ODD.md §5.4: start at baseline's stationary state
            stationary_start(self, specs[0].settings["spin_up_years"])

    # --- per-run helpers --------------------------------------------------------------

    def per_run(self, values: np.ndarray, axis: str):
        """Per-run values seen on `axis` ("school", "middle", "tie", "run"): a number
        when there is one run, else one value per row of that axis."""
        if self.single:
            return values[0].item() if isinstance(values, np.ndarray) else values
        if axis == "run":
            return values
        return values[getattr(self.layout, f"{axis}_run")]

    def run_mean(self, x: np.ndarray, axis: str = "school"):
        """Mean of `x` over each run's rows on `axis` (0 for a run with none)."""
        if self.single:  # np.add.reduce is what x.mean() sums with, without its overhead
            return float(np.add.reduce(x)) / len(x) if len(x) else 0.0
        sizes = self._school_sizes if axis == "school" else self._middle_sizes
        starts = self.layout.school_start if axis == "school" else self.layout.middle_start
        return block_sums(x, starts) / np.maximum(sizes, 1)

    def district_sums(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Schools and sum of `x` on each middle row, over the schools of its district
        (0 for middle rows that are networks)."""
        if self._district_blocks is not None:
            return self._district_counts, block_sums(x, self._district_blocks)
        d = self.topology.school_district
        has = d >= 0
        rows = np.where(has, d, 0)
        sums = np.bincount(
            rows, weights=np.where(has, x, 0.0), minlength=len(self._district_counts)
        )
        return self._district_counts, sums

    def ranking(self) -> Ranking:
        """Each run's schools in order of performance (one sort per run, cached)."""
        if self._ranking is None:
            self._ranking = Ranking(self.state.performance, self._blocks)
        return self._ranking

    def performance_changed(self) -> None:
        """Forget the ranking (performance was written from outside the step)."""
        self._ranking = None

    def p10_p90(self):
        """P10 and P90 of each run's school performance now."""
        lo, hi = self.ranking().p10_p90()
        return (float(lo[0]), float(hi[0])) if self.single else (lo, hi)

    def gap(self, transform=None):
        """P90 - P10 of each run's school performance (of its `transform`, if given)."""
        gap = self.ranking().gap(transform)
        return float(gap[0]) if self.single else gap

    # --- the step ---------------------------------------------------------------------

    def step(self) -> None:
        """One term for every run: the stages of docs/ODD.md §3, in order."""
        self.steps += 1
        self.switch_phase((self.steps - 1) * dynamics.TERM)
        self.advance()

    def advance(self) -> None:
        """Stages 2-7 under the levers in force (the stationary start runs these alone)."""
        cx, live = self.shared_context()
        join_draws, noise_draws = self.draws()
        totals, new_p, joins = self.increments(cx, join_draws, noise_draws)
        self.write(totals, new_p, live)
        self.joins(joins)
        self.measure()

    def switch_phase(self, year: float) -> None:
        """1. Each run's phase at `year`; a rise in organised lateral learning costs the
        participating schools commitment and their live ties trust (imposition)."""
        shocks = np.zeros(self.runs)
        for k, spec in enumerate(self.specs):
            phase = spec.timeline.at(year)
            if phase is self.phases[k]:
                continue
            before = self.priced[k].lateral_learning if self.phases[k] else 0.0
            self.phases[k], self.strategies[k] = phase, phase.strategy
            self.priced[k], self.spend[k] = realise(phase.strategy, float(self.budget[k]))
            rise = max(self.priced[k].lateral_learning - before, 0.0)
            shocks[k] = dynamics.imposition(self.priced[k], self.mechanisms, rise)
            self._views = {}
        if shocks.any():
            self._shock(self.per_run(shocks, "school"), self.per_run(shocks, "tie"))
        if not self._views:
            self._views = self._lever_views()

    def _lever_views(self) -> dict:
        """Priced levers and strategy terms of every run, on every axis."""
        columns: dict[str, list[float]] = {}
        for k, s in enumerate(self.priced):
            terms = dynamics.strategy_terms(s, self.mechanisms, float(self.budget[k]))
            values = {**s.to_dict(), **terms}
            for name, value in values.items():
                columns.setdefault(name, []).append(value)
        if self.single:
            view = SimpleNamespace(**{name: v[0] for name, v in columns.items()})
            return {axis: view for axis in ("school", "middle", "tie", "run")}
        arrays = {name: np.array(v) for name, v in columns.items()}
        lay = self.layout
        return {
            "school": Gathered(arrays, lay.school_run),
            "middle": Gathered(arrays, lay.middle_run),
            "tie": Gathered(arrays, lay.tie_run),
            "run": SimpleNamespace(**arrays),
        }

    def shared_context(self) -> tuple[dynamics.StepContext, np.ndarray]:
        """2. The shared quantities (7.0) from the start-of-step state."""
        st, live = self.state, self._live
        peer_matrix = self._peers.weighted(
            st.peer_trust if self._all_live else st.peer_trust * live
        )
        standing = self.ranking().standing()
        lift = st.lift if self.single else st.lift[self.layout.school_run]
        cx = dynamics.step_context(
            st,
            self._views["school"],
            {axis: self._views[axis] for axis in ("middle", "tie", "run")},
            peer_matrix,
            (self._middle_matrix, self._middle_degree),
            self._live_ties,
            standing,
            lift,
            self.mechanisms,
            (self.topology.peer_u, self.topology.peer_v),
        )
        return cx, live

    def draws(self) -> tuple[np.ndarray, np.ndarray]:
        """3. Join draws, then noise draws, for every school, from each run's generator."""
        sizes = self._school_sizes
        if self.single:
            rng = self.rngs[0]
            return rng.random(sizes[0]), rng.uniform(-1.0, 1.0, sizes[0])
        join, noise = np.empty(self.topology.n_schools), np.empty(self.topology.n_schools)
        starts = self.layout.school_start
        for rng, a, b in zip(self.rngs, starts[:-1], starts[1:], strict=True):
            join[a:b] = rng.random(b - a)
            noise[a:b] = rng.uniform(-1.0, 1.0, b - a)
        return join, noise

    def increments(self, cx: dynamics.StepContext, join_draws, noise_draws):
        """4. Every rule's increments, the new performance and who joins, all read from
        the start-of-step state (synchronous update)."""
        st, mp, s = self.state, self.mechanisms, self._views["school"]
        totals: dict = {}
        for rule in RULES:
            for name, delta in rule(st, s, mp, cx).items():
                totals[name] = totals[name] + delta if name in totals else delta
        new_p = dynamics.performance(st, s, mp, cx, noise_draws)
        joins = dynamics.network_formation(st, s, mp, join_draws, self._has_network)
        return totals, new_p, joins

    def write(self, totals: dict, new_p: np.ndarray, live: np.ndarray) -> None:
        """5. Sum and write: trust only on live ties, the lift, every bounded variable."""
        st = self.state
        if not self._all_live:
            totals["peer_trust"] = np.where(live, totals["peer_trust"], 0.0)
        st.lift = st.lift + totals.pop("lift")
        for name, delta in totals.items():
            setattr(st, name, self._bounded(name, getattr(st, name) + delta))
        st.performance = self._bounded("performance", new_p)
        self._ranking = None

    def joins(self, joins: np.ndarray) -> None:
        """6. Joining schools take part from now on; the imposition shock falls on them and
        on their newly live ties; with no districts their middle becomes their network."""
        if not joins.any():
            return
        st, top = self.state, self.topology
        shock = dynamics.imposition(self._views["run"], self.mechanisms, 1.0)
        shock_school = shock if self.single else shock[self.layout.school_run]
        shock_tie = shock if self.single else shock[self.layout.tie_run]
        was_live = st.active[top.peer_u] & st.active[top.peer_v]
        st.active = st.active | joins
        now_live = st.active[top.peer_u] & st.active[top.peer_v]
        st.commitment = np.where(joins, st.commitment * (1 - shock_school), st.commitment)
        st.peer_trust = np.where(
            now_live & ~was_live, st.peer_trust * (1 - shock_tie), st.peer_trust
        )
        lay = self.layout
        st.middle = np.where(lay.has_districts | st.active, lay.home_middle, -1)
        self._ties_changed()

    def measure(self) -> None:
        """7. Public confidence from the new performance (mean, share below the floor,
        P90 - P10), after one ranking of each run's schools."""
        st = self.state
        p = st.performance
        below = self.run_mean((p < self.floor).astype(float))
        st.confidence = dynamics.public_confidence(
            st.confidence, self._views["run"], self.mechanisms, self.run_mean(p), below, self.gap()
        )

    # --- writes from outside the rules ------------------------------------------------

    def _ties_changed(self) -> None:
        """Which ties are live (both ends take part) and each school's count of them:
        they change only when schools join."""
        st, top = self.state, self.topology
        self._live = st.active[top.peer_u] & st.active[top.peer_v]
        self._all_live = bool(self._live.all())
        n = top.n_schools
        self._live_ties = np.bincount(top.peer_u[self._live], minlength=n) + np.bincount(
            top.peer_v[self._live], minlength=n
        )

    def _shock(self, shock_school, shock_tie) -> None:
        st, top = self.state, self.topology
        st.commitment = np.where(st.active, st.commitment * (1 - shock_school), st.commitment)
        live = st.active[top.peer_u] & st.active[top.peer_v]
        st.peer_trust = np.where(live, st.peer_trust * (1 - shock_tie), st.peer_trust)

    def _bounded(self, name: str, x: np.ndarray) -> np.ndarray:
        """Count (and undo) any excursion outside [0, 1]: a modelling error, never expected."""
        if len(x) == 0 or (x.min() >= 0 and x.max() <= 1):
            return x
        bad = (x < 0) | (x > 1)
        if bad.any():
            run = getattr(self.layout, f"{BOUNDED_AXES[name]}_run")
            self.clip_count += np.bincount(run[bad], minlength=self.runs)
            x = np.clip(x, 0.0, 1.0)
        return x
