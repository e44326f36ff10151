"""The ensemble path: members stacked on one core equal their single SystemModel runs.

Every member k of `run_ensemble(members, seeds, years)` must give the series that
`experiments.run_model(members[k], seeds[k], years)` gives, to 1e-12, and its slice of the
stacked state must equal the single run's state: the same schedule, rules and random draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lftm_sim import PRESETS, School, SystemModel
from lftm_sim.core import BOUNDED_AXES, Core
from lftm_sim.ensemble import member_rng, run_core, run_ensemble
from lftm_sim.experiments import run_model, run_variants
from lftm_sim.metrics import REPORTERS
from lftm_sim.runspec import resolve_run

TOL = 1e-12
YEARS = 3


def assert_same_frames(members, seeds, years=YEARS):
    frames = run_ensemble(members, seeds, years)
    assert len(frames) == len(members)
    for member, seed, frame in zip(members, seeds, frames, strict=True):
        single = run_model(member, seed, years)
        assert list(frame.columns) == list(single.columns)
        pd.testing.assert_frame_equal(frame, single, check_exact=False, rtol=0, atol=TOL)
        assert (frame["clip_count"] == 0).all()


def assert_same_states(members, seeds, years=YEARS):
    """Each member's rows of the stacked state equal its single run's arrays."""
    core = Core([resolve_run(**m) for m in members], [member_rng(s) for s in seeds])
    run_core(core, round(years * 4), ["year"])
    lay = core.layout
    for k, (member, seed) in enumerate(zip(members, seeds, strict=True)):
        model = SystemModel(**member, rng=np.random.default_rng(seed))
        model.run(years)
        for name, axis in {**BOUNDED_AXES, "active": "school", "middle": "school"}.items():
            start = getattr(lay, f"{axis}_start")
            ours = getattr(core.state, name)[start[k] : start[k + 1]]
            theirs = getattr(model.state, name)
            if name == "middle":
                ours = np.where(ours >= 0, ours - lay.middle_start[k], -1)
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL, err_msg=name)
        assert core.state.lift[k] == pytest.approx(model.state.lift, abs=TOL)
        assert core.state.confidence[k] == pytest.approx(model.state.confidence, abs=TOL)


SMALL = {"n_schools": 150, "n_districts": 5}


def test_every_preset_equals_its_single_run():
    members = [{**SMALL, "strategy": name} for name in PRESETS]
    assert_same_frames(members, [11] * len(members))
    assert_same_states(members, [11, 12, 13, 14])


def test_a_timeline_switch_and_lever_overrides():
    members = [
        {**SMALL, "timeline": "top_down@0,middle_led@1,stop@2"},
        {**SMALL, "strategy": "middle_led", "pressure": 0.4, "budget": 2.0},
        {**SMALL, "timeline": "bottom_up@0,top_down@1.5", "floor": 0.6},
    ]
    assert_same_frames(members, [3, 3, 4])
    assert_same_states(members, [3, 3, 4])


def test_joining_networks_and_zero_districts():
    join = {"initial_network_share": 0.2, "strategy": "middle_led", "network_uptake": 1.0}
    members = [
        {"n_schools": 120, "n_districts": 0, **join},
        {"n_schools": 160, "n_districts": 4, **join},
        {"n_schools": 90, "n_districts": 0, "strategy": "top_down"},
    ]
    assert_same_frames(members, [5, 6, 7])
    assert_same_states(members, [5, 6, 7])


def test_mixed_sizes_settings_and_mechanisms():
    members = [
        {"n_schools": 40, "n_districts": 1, "strategy": "middle_led"},
        {"n_schools": 400, "n_districts": 60, "strategy": "bottom_up", "capacity_level": 0.6},
        {"n_schools": 7, "n_districts": 0, "strategy": "top_down", "network_size": 5},
        {"n_schools": 200, "n_districts": 9, "mechanisms": {"noise": 0.05}},
        {"n_schools": 1, "n_districts": 1},
    ]
    assert_same_frames(members, [21, 22, 23, 24, 25])


def test_reporter_subset_and_errors():
    frames = run_ensemble([SMALL], [1], 1, reporters=["gap"])
    assert list(frames[0].columns) == ["step", "year", "gap", "clip_count"]
    with pytest.raises(ValueError, match="unknown reporter"):
        run_ensemble([SMALL], [1], 1, reporters=["gpa"])
    with pytest.raises(ValueError, match="2 members but 1 seeds"):
        run_ensemble([SMALL, SMALL], [1], 1)
    assert set(REPORTERS) <= set(run_ensemble([SMALL], [1], 0.25)[0].columns)


def test_run_variants_does_not_depend_on_workers():
    variants = {name: {**SMALL, "strategy": name} for name in ("baseline", "middle_led")}
    one = run_variants(variants, replicates=2, years=1, seed=4, progress=False)
    two = run_variants(variants, replicates=2, years=1, seed=4, workers=2, progress=False)
    pd.testing.assert_frame_equal(one, two)
    first = one[(one["variant"] == "middle_led") & (one["replicate"] == 1)]
    from lftm_sim.experiments import run_seed

    single = run_model(variants["middle_led"], run_seed(4, 1), 1)
    np.testing.assert_allclose(
        first["mean_capacity"].to_numpy(), single["mean_capacity"].to_numpy(), rtol=0, atol=TOL
    )


def test_school_level_output_equals_the_single_runs_agent_frame():
    members = [{**SMALL, "strategy": "middle_led"}, {"n_schools": 60, "n_districts": 0}]
    pairs = run_ensemble(members, [8, 9], 1, agents=True)
    for member, seed, (series, schools) in zip(members, [8, 9], pairs, strict=True):
        single, agents = run_model({**member, "collect_agents": True}, seed, 1, agents=School)
        pd.testing.assert_frame_equal(series, single, check_exact=False, rtol=0, atol=TOL)
        n = member["n_schools"]
        assert list(schools.columns[:3]) == ["step", "year", "school"] and len(schools) == 5 * n
        for name in ("capacity", "performance", "commitment", "innovation", "wellbeing"):
            np.testing.assert_allclose(
                schools[name].to_numpy(), agents[name].to_numpy(), rtol=0, atol=TOL
            )
        assert schools["year"].iloc[-1] == 1.0
