"""Oracle tests: the vectorised engine against a plain per-agent reference.

`reference_model.RefModel` implements the documented equations agent by agent, with
Python floats and loops over networkx neighbours, and never imports the engine's rules.
Both models start from the same initial state and consume the same random stream, so
their full trajectories (every school, every middle unit, every tie) must agree to 1e-9.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from reference_model import REPORTERS, RefModel

from lftm_sim import LEVERS, SystemModel, Timeline

TOL = 1e-9
STEPS = 24  # six years of terms
SCHOOL_ARRAYS = ("capacity", "performance", "commitment", "innovation", "wellbeing", "worth")
MIDDLE_ARRAYS = ("middle_capacity", "middle_coherence")
SPENDING = ("central_support", "school_grants", "middle_investment")


# --- helpers ---------------------------------------------------------------------------


def assert_same_state(engine: SystemModel, ref: RefModel, step: int) -> None:
    """Every per-agent array, the tie trust and the system scalars agree to TOL."""
    snap, st = ref.snapshot(), engine.state
    for name in SCHOOL_ARRAYS + MIDDLE_ARRAYS + ("peer_trust",):
        np.testing.assert_allclose(
            getattr(st, name), snap[name], rtol=0, atol=TOL, err_msg=f"{name} at step {step}"
        )
    np.testing.assert_array_equal(st.active, snap["active"], err_msg=f"active at step {step}")
    assert st.lift == pytest.approx(snap["lift"], rel=0, abs=TOL), f"lift at step {step}"
    assert st.confidence == pytest.approx(snap["confidence"], rel=0, abs=TOL), (
        f"confidence at step {step}"
    )


def assert_same_reporters(engine: SystemModel, ref: RefModel) -> None:
    """The model-level time series agree column by column."""
    ours = engine.results()
    theirs = ref.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    assert len(ours) == len(theirs)
    for column in REPORTERS:
        np.testing.assert_allclose(
            ours[column].to_numpy(), theirs[column].to_numpy(), rtol=0, atol=TOL, err_msg=column
        )


def run_both(engine: SystemModel, steps: int = STEPS) -> tuple[SystemModel, RefModel]:
    """Step the engine and its reference together, comparing the full state every step."""
    ref = RefModel.from_engine(engine)
    assert_same_state(engine, ref, 0)
    for k in range(1, steps + 1):
        engine.step()
        ref.step()
        assert_same_state(engine, ref, k)
    assert engine.clip_count == 0
    assert ref.clip_count == 0
    assert_same_reporters(engine, ref)
    return engine, ref


def random_levers(rng: np.random.Generator) -> dict[str, float]:
    """A random lever set: intensities in [0, 1], priorities in [1, 20], spending <= 1."""
    levers = {name: float(rng.random()) for name in LEVERS}
    shares = rng.dirichlet(np.ones(len(SPENDING) + 1))[: len(SPENDING)]  # slack dropped
    levers.update({name: float(x) for name, x in zip(SPENDING, shares, strict=True)})
    levers["priorities"] = float(rng.uniform(1.0, 20.0))
    return levers


def user_graph(n_districts: int = 6, per_district: int = 14, seed: int = 5) -> nx.Graph:
    """A hand-built system: state, districts (a consortium ring with a chord), schools
    (a ring inside each district, a few cross-district ties) and one isolated school."""
    rng = np.random.default_rng(seed)
    g = nx.Graph()
    g.add_node("state", kind="state")
    districts = [f"d{d}" for d in range(n_districts)]
    g.add_nodes_from(districts, kind="district")
    g.add_edges_from(("state", d) for d in districts)
    g.add_edges_from(zip(districts, districts[1:] + districts[:1], strict=True))
    g.add_edge(districts[0], districts[n_districts // 2])
    schools = []
    for d, district in enumerate(districts):
        members = [f"s{d}_{k}" for k in range(per_district)]
        g.add_nodes_from(members, kind="school")
        g.add_edges_from((district, s) for s in members)
        g.add_edges_from(zip(members, members[1:] + members[:1], strict=True))
        schools += members
    for _ in range(n_districts * 3):
        a, b = rng.choice(len(schools), 2, replace=False)
        g.add_edge(schools[a], schools[b])
    g.add_node("lonely", kind="school")
    g.add_edge(districts[1], "lonely")
    return g


# --- the reference is independent ------------------------------------------------------


def test_reference_imports_nothing_from_the_engine():
    """The oracle must not reuse the engine's code."""
    source = Path(__file__).with_name("reference_model.py").read_text()
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module or "")
    assert not {m for m in modules if m.startswith("lftm_sim")}


def test_oracle_detects_a_changed_rate():
    """Negative control: a reference with one rate changed drifts away from the engine."""
    engine = SystemModel(n_schools=80, n_districts=5, strategy="middle_led", rng=1)
    ref = RefModel.from_engine(engine)
    ref.mech.lateral_rate *= 1.01
    for _ in range(8):
        engine.step()
        ref.step()
    assert np.max(np.abs(engine.state.capacity - ref.snapshot()["capacity"])) > 1e-6


# --- presets and random levers ---------------------------------------------------------


@pytest.mark.parametrize("strategy", ["baseline", "top_down", "bottom_up", "middle_led"])
def test_presets_match_reference(strategy):
    """Each preset, on a system where some schools start outside their networks."""
    engine = SystemModel(
        n_schools=240, n_districts=14, strategy=strategy, initial_network_share=0.7, rng=11
    )
    run_both(engine)


@pytest.mark.parametrize("seed", range(5))
def test_random_levers_match_reference(seed):
    """Random lever sets, budgets and network shares."""
    rng = np.random.default_rng(1000 + seed)
    levers = random_levers(rng)
    engine = SystemModel(
        n_schools=int(rng.integers(60, 300)),
        n_districts=int(rng.integers(1, 20)),
        strategy=levers,
        budget=float(rng.uniform(0.2, 2.0)),
        initial_network_share=float(rng.uniform(0.3, 1.0)),
        rng=seed,
    )
    assert engine.strategy.to_dict() == pytest.approx(levers)
    run_both(engine)


@pytest.mark.parametrize(
    "strategy, budget",
    [("middle_led", 0.0), ("middle_led", 0.5), ("middle_led", 3.0), ("top_down", 0.5)],
)
def test_pricing_matches_reference(strategy, budget):
    """Every branch of the pricing rule (docs/costs.md): nothing funded, a plan dearer than
    the reference budget part-funded, a plan fully funded with money left for the middle,
    and a plan shrunk in proportion below the reference budget."""
    engine = SystemModel(n_schools=150, n_districts=6, strategy=strategy, budget=budget, rng=7)
    run_both(engine, steps=12)


# --- timelines and imposed networks ----------------------------------------------------


@pytest.mark.parametrize(
    "timeline",
    ["top_down@0,middle_led@2", "middle_led@0,stop@3", "bottom_up@0,middle_led@1,top_down@3"],
)
def test_timeline_switch_matches_reference(timeline):
    """Phase switches inside the run (a step is a quarter year)."""
    engine = SystemModel(
        n_schools=180, n_districts=9, timeline=timeline, initial_network_share=0.8, rng=4
    )
    _, ref = run_both(engine)
    assert ref.phase_index == len(engine.timeline.phases) - 1


def test_imposed_networks_with_rising_lateral_learning():
    """co_design = 0: the switch to organised lateral learning shocks commitment and trust,
    and every school joining later is shocked too."""
    timeline = Timeline([(0.0, "baseline"), (1.0, {"preset": "middle_led", "co_design": 0.0})])
    engine = SystemModel(
        n_schools=200, n_districts=10, timeline=timeline, initial_network_share=0.6, rng=8
    )
    engine, _ = run_both(engine)
    series = engine.results()
    assert series["mean_commitment"][5] < series["mean_commitment"][4]  # the shock at year 1
    assert series["network_share"].iloc[-1] > series["network_share"][5]


@pytest.mark.parametrize("co_design", [0.0, 0.9])
def test_zero_districts_schools_join_networks(co_design):
    """No districts: the networks are the middle, a school's middle once it joins."""
    engine = SystemModel(
        n_schools=150,
        n_districts=0,
        strategy="middle_led",
        initial_network_share=0.0,
        network_uptake=1.0,
        co_design=co_design,
        rng=21,
    )
    engine, _ = run_both(engine)
    assert 0.2 < engine.state.active.mean() < 1.0  # schools joined during the run
    assert (engine.state.middle[engine.state.active] >= 0).all()


def test_imposed_user_graph_matches_reference():
    """A user's networkx graph with district-school, school-school and district ties."""
    engine = SystemModel(
        graph=user_graph(), strategy="middle_led", initial_network_share=0.75, rng=2
    )
    assert engine.topology.n_districts == 6
    assert len(engine.topology.district_u) == 7
    run_both(engine)


# --- the mechanisms of docs/ODD.md 7.12-7.13 and the stationary start (5.4) --------------


@pytest.mark.parametrize(
    "mechanisms",
    [
        {"quality_spread": 2.0, "bad_idea_share": 1.0},  # every new idea bad: all sorted out
        {"quality_spread": 0.0, "bad_idea_share": 0.0},  # both knocked out
        {"quality_spread": 1.3, "bad_idea_share": 0.8},
    ],
    ids=["extreme", "knocked-out", "strong"],
)
def test_network_quality_and_worth_of_practice_match_reference(mechanisms):
    """Quality that varies by network and new practice of varying worth, with full sorting
    (reining in and transparency at 1) so the edge where nothing new is kept is reached."""
    engine = SystemModel(
        n_schools=160,
        n_districts=6,
        strategy="middle_led",
        reining_in=1.0,
        transparency=1.0,
        initial_network_share=0.8,
        mechanisms=mechanisms,
        rng=13,
    )
    run_both(engine)


def test_reference_starts_from_the_state_before_the_spin_up_when_there_is_none():
    """With spin_up_years = 0 the engine starts from the draws of 5.3 and still matches."""
    run_both(
        SystemModel(n_schools=120, n_districts=4, strategy="bottom_up", spin_up_years=0, rng=6)
    )


@pytest.mark.parametrize(
    "name,change", [("quality_spread", 1.1), ("bad_idea_share", 1.1)], ids=["spread", "worth"]
)
def test_oracle_detects_a_changed_new_mechanism(name, change):
    """Negative control for 7.12 and 7.13: the reference with the parameter changed drifts."""
    engine = SystemModel(n_schools=80, n_districts=5, strategy="middle_led", rng=1)
    ref = RefModel.from_engine(engine)
    setattr(ref.mech, name, getattr(ref.mech, name) * change)
    for _ in range(8):
        engine.step()
        ref.step()
    drift = max(
        np.max(np.abs(getattr(engine.state, v) - np.asarray(ref.snapshot()[v])))
        for v in ("capacity", "innovation", "worth", "performance")
    )
    assert drift > 1e-6
