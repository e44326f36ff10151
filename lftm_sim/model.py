"""SystemModel: a state, its districts and their schools, running a timeline of strategies."""

from __future__ import annotations

import inspect
from dataclasses import fields
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd

from .agents import District, School, State
from .core import BOUNDED_AXES, Core
from .declarations import MAX_SCHOOLS, SETTINGS
from .dynamics import STEPS_PER_YEAR, TERM
from .errors import InputError, unknown
from .graph import Topology, to_networkx
from .metrics import AGENT_REPORTERS, MODEL_REPORTERS
from .parameters import Mechanisms
from .runspec import KEYWORDS, check_rng, check_settings, docstring, resolve_run
from .strategies import Strategy, Timeline

__all__ = ["BOUNDED", "MAX_SCHOOLS", "STEPS_PER_YEAR", "SystemModel"]

#: State variables held in [0, 1] and checked after every write.
BOUNDED = tuple(BOUNDED_AXES)

# Other modules check settings the way the model does (no second copy of the ranges).
_check_settings = check_settings


def _d(name: str) -> Any:
    return SETTINGS[name].default


class SystemModel(mesa.Model):
    """A school system: one State, `n_districts` Districts and `n_schools` Schools on a
    networkx graph, running a strategy (or a timeline of strategies) term by term.

    The step is the engine core's (`core.Core`, a core of one run); this class adds Mesa's
    agents and DataCollector. Lever keywords (``pressure=...``) override the strategy's
    values in every phase. Every keyword, from the declarations (`data/parameters.toml`):

    {keywords}
    """

    def __new__(cls, *args, **kwargs):
        # an unknown keyword is bad input: one line with the nearest keyword, not Python's
        # bare TypeError (the signature stays explicit for Mesa's batch_run and SolaraViz)
        allowed = [k for k in inspect.signature(cls.__init__).parameters if k != "self"]
        for name in kwargs:
            if name not in allowed:
                raise unknown("SystemModel keyword", name, allowed)
        return super().__new__(cls)

    def __init__(
        self,
        n_schools: int = _d("n_schools"),
        n_districts: int = _d("n_districts"),
        strategy: str | Strategy | dict = "baseline",
        timeline: str | Timeline | None = None,
        budget: float = _d("budget"),
        capacity_level: float = _d("capacity_level"),
        floor: float = _d("floor"),
        network_size: float = _d("network_size"),
        initial_network_share: float = _d("initial_network_share"),
        consortium_size: int = _d("consortium_size"),
        spin_up_years: float = _d("spin_up_years"),
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
        given = locals()
        check_rng(rng)
        spec = resolve_run(**{k: given[k] for k in KEYWORDS})
        super().__init__(rng=rng)
        self.spec = spec
        self.settings = spec.settings
        self.timeline = spec.timeline
        self.mechanisms = spec.mechanisms
        self.budget = spec.settings["budget"]
        self.floor = spec.settings["floor"]
        self.capacity_level = spec.settings["capacity_level"]
        self.steps_per_year = STEPS_PER_YEAR
        self.core = Core([spec], [self.rng])
        self._graph: nx.Graph | None = None
        self._graph_dirty = False

        top = self.topology
        self.state_agent = State(self)
        self.districts = District.create_agents(self, top.n_districts, list(range(top.n_districts)))
        self.district_list = self.districts.to_list()  # by row, for a school's lookup
        self.schools = School.create_agents(self, top.n_schools, list(range(top.n_schools)))
        self.datacollector = mesa.DataCollector(
            model_reporters=MODEL_REPORTERS,
            agenttype_reporters={School: AGENT_REPORTERS} if collect_agents else None,
        )
        self.datacollector.collect(self)

    # --- the step ------------------------------------------------------------------

    def step(self) -> None:
        """One term (docs/ODD.md §3): the core's stages (`Core.step`: switch phase, shared
        context, draws, increments, write, joins, measure), then Mesa's data collection."""
        self.core.step()
        self._graph_dirty = True
        self.datacollector.collect(self)

    # --- views ---------------------------------------------------------------------

    @property
    def state(self):
        """All agent state, in arrays (`dynamics.SystemState`)."""
        return self.core.state

    @property
    def topology(self) -> Topology:
        """Who belongs where and which peer ties exist."""
        return self.core.topology

    @property
    def strategy(self) -> Strategy:
        """The strategy in force."""
        return self.core.strategies[0]

    @property
    def clip_count(self) -> int:
        """Values a rule pushed outside [0, 1] so far (expected 0, docs/ODD.md §7.10)."""
        return int(self.core.clip_count[0])

    def p10_p90(self) -> tuple[float, float]:
        """P10 and P90 of school performance now (from the step's one ranking)."""
        return self.core.p10_p90()

    @property
    def year(self) -> float:
        """Years since the start."""
        return self.steps * TERM

    @property
    def graph(self) -> nx.Graph:
        """The system graph (networkx), with live peer ties and their current trust."""
        if self._graph is None or self._graph_dirty:
            st = self.state
            self._graph = to_networkx(self.topology, st.peer_trust, st.active, st.middle_trust)
            self._graph_dirty = False
        return self._graph

    def run(self, years: float) -> pd.DataFrame:
        """Run `years` more years and return the model-level time series."""
        if (
            isinstance(years, bool)
            or not isinstance(years, (int, float, np.number))
            or not np.isfinite(years)
            or years < 0
        ):
            raise InputError(
                f"years must be a number >= 0, got {years!r}",
                key="years",
                allowed="a number of years >= 0",
                value=years,
            )
        for _ in range(int(round(years / TERM))):
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


SystemModel.__doc__ = SystemModel.__doc__.format(
    keywords="\n".join("    " + line if line else "" for line in docstring().splitlines())
)
