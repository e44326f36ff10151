"""Property-based: random levers, mechanisms within their ranges and seeds never give a
NaN or a value outside [0, 1], and no clip ever fires."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lftm_sim import LEVERS, SystemModel
from lftm_sim.model import BOUNDED
from lftm_sim.strategies import LEVER_RANGES, SPENDING


@st.composite
def lever_sets(draw):
    levers = {}
    for name in LEVERS:
        lo, hi = LEVER_RANGES[name]
        levers[name] = draw(st.floats(lo, hi, allow_nan=False))
    total = sum(levers[n] for n in SPENDING)
    if total > 1:
        for n in SPENDING:
            levers[n] = levers[n] / total * (1 - 1e-9)
    return levers


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    levers=lever_sets(),
    seed=st.integers(0, 2**32 - 1),
    districts=st.sampled_from([0, 1, 4, 25]),
    budget=st.floats(0, 3),
    share=st.floats(0, 1),
)
def test_random_levers_stay_bounded_without_clipping(levers, seed, districts, budget, share):
    m = SystemModel(
        n_schools=60,
        n_districts=districts,
        budget=budget,
        initial_network_share=share,
        rng=seed,
        **levers,
    )
    df = m.run(2)
    assert m.clip_count == 0
    assert not df.isna().any().any()
    for name in BOUNDED:
        x = getattr(m.state, name)
        assert np.all((x >= 0) & (x <= 1)), name
    assert 0 <= m.state.lift <= 1 and 0 <= m.state.confidence <= 1


@settings(max_examples=15, deadline=None)
@given(
    rates=st.fixed_dictionaries(
        {
            "central_rate": st.floats(0, 1),
            "lateral_rate": st.floats(0, 1),
            "autonomy_rate": st.floats(0, 1),
            "district_support_rate": st.floats(0, 0.5),
            "capacity_decay": st.floats(0, 1),
            "middle_capacity_rate": st.floats(0, 0.5),
            "lift_max": st.floats(0, 1),
        }
    ),
    seed=st.integers(0, 1000),
)
def test_extreme_mechanisms_are_refused_or_stay_bounded(rates, seed):
    try:
        m = SystemModel(
            n_schools=60,
            n_districts=3,
            strategy="middle_led",
            budget=3,
            mechanisms=rates,
            rng=seed,
            central_support=0.5,
            middle_investment=0.5,
        )
    except ValueError as err:
        assert "must sum to at most 1" in str(err)
        return
    df = m.run(1)
    assert m.clip_count == 0
    assert not df.isna().any().any()
