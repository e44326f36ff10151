"""The model's public surface: agents, graph, strategies, timelines, reporters, errors."""

import inspect

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from lftm_sim import PRESETS, District, School, State, Strategy, SystemModel, Timeline
from lftm_sim.declarations import LEVER_PARAMS, SETTINGS
from lftm_sim.errors import InputError
from lftm_sim.graph import NETWORK_MAX, NETWORK_MIN
from lftm_sim.metrics import (
    MODEL_REPORTERS,
    area_under_curve,
    gain_over_baseline,
    gain_retained,
    time_to_target,
)
from lftm_sim.runspec import KEYWORDS

REPORTERS = [
    "year",
    "mean_capacity",
    "mean_performance",
    "gap",
    "gap_logit",
    "performance_sd",
    "between_district_share",
    "equity_gap",
    "share_below_floor",
    "mean_commitment",
    "mean_innovation",
    "mean_wellbeing",
    "public_confidence",
    "mean_district_capacity",
    "mean_district_coherence",
]


def small(**kw):
    return SystemModel(**{"n_schools": 200, "n_districts": 6, "rng": 7, **kw})


def test_agents_are_mesa_agents_reading_their_rows():
    m = small()
    assert len(m.agents_by_type[State]) == 1
    assert len(m.agents_by_type[District]) == 6
    schools = m.agents_by_type[School]
    assert len(schools) == 200
    school = schools.to_list()[5]
    assert school.capacity == m.state.capacity[5]
    school.capacity = 0.25  # writes go to the model's array
    assert m.state.capacity[5] == 0.25
    assert isinstance(school.district, District)
    assert school in school.district.schools
    assert 0 <= school.need <= 1


def test_graph_kinds_ties_and_trust():
    m = small()
    g = m.graph
    kinds = nx.get_node_attributes(g, "kind")
    assert sorted(set(kinds.values())) == ["district", "school", "state"]
    ties = {d["tie"] for *_, d in g.edges(data=True)}
    assert ties == {"governs", "supports", "peer"}
    assert all(0 <= d["trust"] <= 1 for *_, d in g.edges(data=True))
    peer_kinds = {(kinds[u], kinds[v]) for u, v, d in g.edges(data=True) if d["tie"] == "peer"}
    assert ("school", "school") in peer_kinds and ("district", "district") in peer_kinds


@pytest.mark.parametrize("schools,districts", [(500, 60), (300, 3), (120, 0), (5000, 650)])
def test_networks_hold_5_to_20_schools_and_span_small_districts(schools, districts):
    m = SystemModel(n_schools=schools, n_districts=districts, rng=1)
    sizes = np.bincount(m.topology.school_network)
    assert sizes.min() >= NETWORK_MIN and sizes.max() <= NETWORK_MAX
    if districts and schools / districts < NETWORK_MIN:
        # districts smaller than a network: networks span neighbouring districts
        spans = pd.Series(m.topology.school_district).groupby(m.topology.school_network).nunique()
        assert (spans > 1).any()
    if districts:  # most peer ties stay inside a district
        top = m.topology
        same = top.school_district[top.peer_u] == top.school_district[top.peer_v]
        assert same.mean() > 0.5 or schools / districts < NETWORK_MIN


def test_zero_districts_means_no_middle_tier():
    m = SystemModel(n_schools=150, n_districts=0, rng=2)
    assert len(m.districts) == 0
    assert all(s.district is None for s in m.agents_by_type[School])
    kinds = nx.get_node_attributes(m.graph, "kind")
    assert all(kinds[v] == "school" for v in m.graph.neighbors(0))
    df = m.run(2)
    assert (df["between_district_share"] == 0).all()


def test_peer_ties_change_as_schools_join_networks():
    m = SystemModel(
        n_schools=300,
        n_districts=0,
        initial_network_share=0.0,
        strategy="middle_led",
        network_uptake=1.0,
        rng=3,
    )
    before = sum(1 for *_, d in m.graph.edges(data=True) if d["tie"] == "peer")
    m.run(3)
    after = sum(1 for *_, d in m.graph.edges(data=True) if d["tie"] == "peer")
    assert before == 0 and after > 100
    assert 0 < m.state.active.mean() <= 1


def test_same_seed_same_numbers_and_graph():
    a, b = small(strategy="middle_led"), small(strategy="middle_led")
    pd.testing.assert_frame_equal(a.run(3), b.run(3))
    assert nx.utils.graphs_equal(a.graph, b.graph)
    c = small(strategy="middle_led", rng=8)
    assert not np.array_equal(c.run(3)["mean_performance"], a.results()["mean_performance"])


def test_reporters_named_exactly_and_bounded():
    df = small(strategy="bottom_up").run(2)
    for name in REPORTERS:
        assert name in df.columns
    assert set(REPORTERS) <= set(MODEL_REPORTERS)
    assert df["year"].iloc[-1] == 2.0 and len(df) == 9  # four terms a year
    bounded = df[[c for c in REPORTERS if c not in ("year", "gap_logit", "equity_gap")]]
    assert ((bounded >= 0) & (bounded <= 1)).all().all()


def test_agent_level_collection_is_optional():
    off = small()
    off.run(1)
    assert off.datacollector.get_agenttype_vars_dataframe(School).empty
    on = small(collect_agents=True)
    on.run(1)
    agents = on.datacollector.get_agenttype_vars_dataframe(School)
    assert len(agents) == 200 * 5 and "capacity" in agents.columns


def test_custom_strategy_with_preset_values_is_bit_identical():
    for name, preset in PRESETS.items():
        custom = Strategy(**preset.to_dict())
        a = small(strategy=name).run(3)
        b = small(strategy=custom).run(3)
        c = small(strategy={"preset": "baseline", **preset.to_dict()}).run(3)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        pd.testing.assert_frame_equal(a, c, check_exact=True)


def test_explicit_lever_overrides_preset():
    m = small(strategy="top_down", pressure=0.0)
    assert m.strategy.pressure == 0.0
    assert m.strategy.central_support == PRESETS["top_down"].central_support
    assert (
        small(strategy="top_down").run(3)["mean_performance"].iloc[-1]
        > m.run(3)["mean_performance"].iloc[-1]
    )


def test_timeline_switches_strategy_and_stop_means_baseline():
    tl = Timeline("top_down@0,stop@1")
    assert tl.phases[1].strategy == PRESETS["baseline"]
    m = small(timeline=tl)
    m.run(0.75)
    assert m.strategy == PRESETS["top_down"]
    m.run(0.5)
    assert m.strategy == PRESETS["baseline"]
    same = small(timeline="top_down@0,stop@1").run(1.25)
    pd.testing.assert_frame_equal(m.results(), same)


def test_budget_is_spent_alike_by_the_named_presets():
    spent = {name: s.spend_share for name, s in PRESETS.items()}
    assert spent == {"baseline": 0.0, "top_down": 1.0, "bottom_up": 1.0, "middle_led": 1.0}


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"strategy": "sideways"}, "unknown strategy 'sideways'"),
        ({"strategy": "midle_led"}, "did you mean 'middle_led'"),
        ({"presure": 0.5}, "presure"),
        ({"pressure": 1.5}, "lever 'pressure' must be in [0, 1], got 1.5"),
        ({"priorities": 0}, "lever 'priorities' must be in [1, 20], got 0"),
        ({"strategy": {"middle_investment": 0.8, "central_support": 0.5}}, "at most 1"),
        ({"n_schools": 0}, "n_schools"),
        ({"n_districts": 500}, "n_districts"),
        ({"budget": -1}, "budget"),
        ({"timeline": "top_down@0,stop@0"}, "increasing"),
        ({"timeline": "top_down@2"}, "year 0"),
        ({"mechanisms": {"lateral_rte": 0.1}}, "did you mean 'lateral_rate'"),
        ({"mechanisms": {"noise": 0.9}}, "performance_speed + noise"),
        ({"capacity_level": 0.2, "mechanisms": {"rest_need_slope": 1.0}}, "rest capacity"),
        ({"capacity_level": 0.95}, "capacity_level must be in"),
    ],
)
def test_bad_input_raises_a_clear_value_error(kwargs, fragment):
    with pytest.raises((ValueError, TypeError)) as err:
        small(**kwargs)
    assert fragment in str(err.value)


def test_imposed_user_graph():
    g = nx.Graph()
    g.add_node("ministry", kind="state")
    for d in ("north", "south"):
        g.add_node(d, kind="district")
        g.add_edge("ministry", d, tie="governs")
    for i in range(20):
        g.add_node(i, kind="school")
        g.add_edge("north" if i < 10 else "south", i, tie="supports")
    for i in range(19):
        g.add_edge(i, i + 1, tie="peer")
    g.add_edge("north", "south", tie="peer")
    m = SystemModel(graph=g, strategy="middle_led", rng=1)
    assert len(m.agents_by_type[School]) == 20 and len(m.agents_by_type[District]) == 2
    assert m.topology.n_networks == 1 and len(m.topology.peer_u) == 19
    m.run(2)
    assert m.clip_count == 0
    g.nodes[3]["kind"] = "teacher"
    with pytest.raises(ValueError, match="teacher"):
        SystemModel(graph=g)


def test_derived_metrics():
    base = small().run(4)
    run = small(timeline="middle_led@0,stop@2").run(4)
    gain = gain_over_baseline(run, base, "mean_capacity", 2)
    assert gain > 0
    kept = gain_retained(run, base, "mean_capacity", 2, 2)
    assert 0 < kept < 2
    assert time_to_target(run, "mean_capacity", run["mean_capacity"].iloc[4]) <= 1.0
    assert np.isnan(time_to_target(run, "mean_capacity", 2.0))
    assert area_under_curve(run, "mean_capacity", base) > 0
    with pytest.raises(ValueError, match="no row at year 9"):
        gain_over_baseline(run, base, "mean_capacity", 9)


def test_writing_an_agent_refreshes_the_measured_gap():
    m = small()
    before = MODEL_REPORTERS["gap"](m)
    for school in m.agents_by_type[School].to_list()[:100]:
        school.performance = 0.0
    assert MODEL_REPORTERS["gap"](m) > before


def test_capacity_level_whose_rest_capacity_reaches_1_is_an_input_error():
    # `not a and b` used to let 0.85 through to numpy's beta draw ("b <= 0")
    with pytest.raises(InputError) as err:
        small(capacity_level=0.85)
    assert err.value.key == "capacity_level" and "rest capacity" in str(err.value)
    with pytest.raises(InputError, match="rest capacity"):
        small(capacity_level=0.15)
    assert small(capacity_level=0.84).run(0.5)["mean_capacity"].notna().all()


@pytest.mark.parametrize("rng", ["abc", -5, 1.5, True])
def test_a_bad_rng_is_an_input_error_naming_rng(rng):
    with pytest.raises(InputError) as err:
        small(rng=rng)
    assert err.value.key == "rng" and "rng must be" in str(err.value)


@pytest.mark.parametrize("years", [-1, "2", float("nan"), None])
def test_run_refuses_years_that_are_not_a_number_of_years(years):
    with pytest.raises(InputError) as err:
        small().run(years)
    assert err.value.key == "years"


def test_defaults_and_docstring_come_from_the_declarations():
    params = inspect.signature(SystemModel.__init__).parameters
    for name, p in SETTINGS.items():
        assert params[name].default == p.default, name
        assert f"{name} (default {p.default!r}" in SystemModel.__doc__
    for name in LEVER_PARAMS:
        assert params[name].default is None and f"    {name} (" in SystemModel.__doc__
    assert set(params) - {"self", "rng"} == set(KEYWORDS)
    assert small().settings["n_schools"] == 200


def test_agents_print_readably():
    m = small()
    assert repr(m.schools.to_list()[12]).startswith("School(id=12, district=")
    assert repr(m.district_list[3]).startswith("District(id=3, schools=")
    assert repr(m.state_agent).startswith("State(strategy='baseline'")


def test_timelines_keep_labels_under_overrides_and_never_change():
    m = small(timeline="top_down@0,stop@1", pressure=0.2)
    assert [p.label for p in m.timeline.phases] == ["top_down", "stop"]
    assert all(p.strategy.pressure == 0.2 for p in m.timeline.phases)
    assert small(strategy="middle_led").timeline.phases[0].label == "middle_led"
    given = Timeline("top_down@0,stop@1")
    before = given.phases
    assert small(timeline=given, pressure=0.2).timeline is not given
    assert given.phases is before and before[0].strategy == PRESETS["top_down"]


def test_an_unknown_keyword_gets_the_nearest_one():
    from lftm_sim.errors import InputError

    with pytest.raises(
        InputError, match=r"unknown SystemModel keyword .n_school. \(did you mean .n_schools."
    ):
        SystemModel(n_school=10)
    with pytest.raises(InputError, match="did you mean 'middle_investment'"):
        SystemModel(n_schools=10, n_districts=1, middle_invest=0.5)
    model = SystemModel(n_schools=10, n_districts=1, middle_investment=0.5, rng=1)
    assert model.timeline.phases[0].strategy.middle_investment == 0.5
