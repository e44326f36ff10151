"""The mechanisms of docs/ODD.md 7.12 (network quality, network by network) and 7.13 (worth
of new practice, sorted by reining in): each acts, stays in [0, 1] by form, and its
knock-out removes it."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lftm_sim import SystemModel
from lftm_sim.dynamics import network_quality_by_network
from lftm_sim.parameters import Mechanisms

# budget 3 funds the whole middle-led plan (docs/costs.md): these tests are about the
# mechanisms, so every lever they move must act at the value it is given
SYSTEM = {"n_schools": 300, "n_districts": 6, "strategy": "middle_led", "budget": 3.0, "rng": 3}


@given(
    q=st.floats(0, 1),
    spread=st.floats(0, 2),
    draw=st.floats(-6, 6),
)
@settings(max_examples=200, deadline=None)
def test_network_quality_stays_in_unit_interval_and_keeps_zero(q, spread, draw):
    mp = Mechanisms(quality_spread=spread)
    value = network_quality_by_network(q, np.array([draw]), mp)[0]
    assert 0 <= value <= 1
    if q == 0:
        assert value == 0


def test_no_spread_gives_every_network_the_strategys_quality():
    mp = Mechanisms(quality_spread=0.0)
    assert np.all(network_quality_by_network(0.7, np.array([-2.0, 0.0, 3.0]), mp) == 0.7)


def by_network(spread: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per network after six years of middle-led: its quality draw, the mean trust on its
    ties and its schools' mean gain in practice."""
    model = SystemModel(**SYSTEM, mechanisms={"quality_spread": spread})
    start = model.state.innovation.copy()
    model.run(6)
    st, top = model.state, model.topology
    net = top.school_network
    size = np.bincount(net)
    draw = np.bincount(net, weights=st.quality_draw) / size
    ties = np.bincount(net[top.peer_u], minlength=len(size))
    trust = np.bincount(net[top.peer_u], weights=st.peer_trust, minlength=len(size))
    gained = np.bincount(net, weights=st.innovation - start) / size
    return draw, trust / np.maximum(ties, 1), gained


def test_networks_differ_network_by_network_only_when_quality_varies():
    _, trust, _ = by_network(0.0)
    assert np.ptp(trust[trust > 0]) < 1e-12  # one quality: every network's trust alike
    draw, trust, gained = by_network(1.0)
    assert np.ptp(trust[trust > 0]) > 0.1
    assert np.corrcoef(draw, gained)[0, 1] < -0.2  # worse networks spread less practice


def test_without_bad_ideas_all_practice_stays_good():
    model = SystemModel(**SYSTEM, mechanisms={"bad_idea_share": 0.0})
    model.run(4)
    assert np.all(model.state.worth == 1.0)


def run_worth(**levers) -> tuple[float, float]:
    model = SystemModel(**SYSTEM, **levers)
    df = model.run(8)
    return float(model.state.worth.mean()), float(df["mean_performance"].iloc[-1])


def test_sorting_needs_reining_in_and_transparency_and_pays_in_performance():
    # transparency is priced: with the money left over unspent (no middle investment),
    # the two runs differ only in the sorting, not in what reaches the middle
    sorted_worth, sorted_p = run_worth(reining_in=1.0, transparency=1.0, middle_investment=0.0)
    unsorted_worth, unsorted_p = run_worth(reining_in=1.0, transparency=0.0, middle_investment=0.0)
    assert sorted_worth > unsorted_worth + 0.2
    assert sorted_p > unsorted_p
    assert unsorted_worth == pytest.approx(1 - Mechanisms().bad_idea_share, abs=0.02)


def test_bad_ideas_cost_performance_against_the_knocked_out_model():
    with_bad = SystemModel(**SYSTEM).run(8)["mean_performance"].iloc[-1]
    all_good = SystemModel(**SYSTEM, mechanisms={"bad_idea_share": 0.0}).run(8)
    assert with_bad < all_good["mean_performance"].iloc[-1]
