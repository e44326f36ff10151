"""Patterns P1-P4 (MODEL.md section 6) hold over replicates on small systems, across
seeds and system shapes; a slower marked test checks them at 2,000 schools."""

import pytest

from lftm_sim.patterns import PATTERNS, PatternConfig, check_patterns, results_frame

CORE = ("P1", "P2", "P3", "P4")


@pytest.mark.parametrize(
    "config",
    [
        PatternConfig(n_schools=300, n_districts=6, replicates=6, seed=1),
        PatternConfig(n_schools=400, n_districts=40, replicates=6, seed=2),
        PatternConfig(n_schools=250, n_districts=0, replicates=6, seed=3),
    ],
    ids=["few-large-districts", "many-small-districts", "no-middle-tier"],
)
def test_core_patterns_hold_on_small_systems(config):
    results = check_patterns(CORE, config)
    failed = [f"{r.code}: {r.detail}" for r in results if not r.passed]
    assert not failed, failed


def test_pattern_results_carry_statistic_kind_and_threshold():
    results = check_patterns(["P1"], PatternConfig(n_schools=150, n_districts=3, replicates=3))
    frame = results_frame(results)
    assert list(frame["code"]) == ["P1"]
    assert frame.loc[0, "kind"] in ("emergent", "encoded hypothesis")
    assert frame.loc[0, "statistic"] > 0 and frame.loc[0, "threshold"]


def test_knocking_out_the_pressure_lift_and_central_support_breaks_p1():
    config = PatternConfig(n_schools=200, n_districts=4, replicates=4)
    (result,) = check_patterns(["P1"], config, knockout=True)
    assert not result.passed


def test_every_pattern_is_labelled():
    assert set(PATTERNS) == {f"P{i}" for i in range(1, 10)}
    assert {p.kind for p in PATTERNS.values()} == {"emergent", "encoded hypothesis"}


def test_unknown_pattern_is_refused():
    with pytest.raises(ValueError, match="unknown pattern 'P12'"):
        check_patterns(["P12"])


@pytest.mark.slow
def test_core_patterns_hold_at_2000_schools():
    config = PatternConfig(n_schools=2000, n_districts=30, replicates=20, seed=5, workers=2)
    results = check_patterns(CORE, config)
    failed = [f"{r.code}: {r.detail}" for r in results if not r.passed]
    assert not failed, failed
