"""Patterns as hypotheses: each is labelled, declares a minimum effect, judges by its
interval against that effect, has ratio intervals by paired bootstrap, and no knock-out
removes the comparison instead of a mechanism. The verdicts themselves are findings,
reported by `lftm validate` (docs/validation.md), not asserted here."""

import numpy as np
import pandas as pd
import pytest

from lftm_sim.pattern_checks import MIN_EFFECTS, PATTERNS
from lftm_sim.patterns import (
    EMERGENT,
    ENCODED,
    PatternConfig,
    bootstrap_ratio,
    check_patterns,
    exceeds,
    identical_runs,
    results_frame,
    run_group,
    share_beyond,
)

TINY = PatternConfig(n_schools=120, n_districts=3, replicates=3, seed=4)


def test_every_pattern_is_labelled_and_argued():
    assert {p.kind for p in PATTERNS.values()} == {EMERGENT, ENCODED}
    for code, p in PATTERNS.items():
        assert p.carrier, code
        assert p.min_effect in MIN_EFFECTS.values() or code == "P4d", code
        assert len(p.compared) == 2 and set(p.compared) <= set(p.variants), code
        assert p.judged, code


def test_compound_claims_are_split_into_parts():
    for stem, parts in {"P2": "ab", "P3": "abc", "P4": "abcd", "P6": "ab", "P7": "abc"}.items():
        assert all(f"{stem}{s}" in PATTERNS for s in parts), stem
        assert stem not in PATTERNS


def test_named_encodings_are_labelled_as_such():
    # the fade rides on the lift defined to vanish; the commitment gap is the shock itself
    assert PATTERNS["P2a"].kind == ENCODED and "lift" in PATTERNS["P2a"].carrier
    assert PATTERNS["P6a"].kind == ENCODED and "shock" in PATTERNS["P6a"].carrier


def test_significance_without_the_minimum_effect_fails():
    diff = np.full(20, 0.001) + np.linspace(-1e-5, 1e-5, 20)  # tight, tiny, positive
    assert not exceeds(diff, 0.01, "x").passed
    assert exceeds(diff + 0.02, 0.01, "x").passed


def test_a_share_of_a_negligible_gain_is_no_evidence():
    rng = np.random.default_rng(0)
    den = np.full(10, 0.004)
    v = share_beyond(0.1 * den, den, rng, 0.5, True, 0.01, "share")
    assert not v.passed and "no evidence" in v.detail


def test_bootstrap_interval_resamples_replicates_in_pairs_and_is_seeded():
    num = np.array([1.0, 2.0, 3.0, 4.0])
    den = 2 * num  # paired: every replicate's ratio is exactly 0.5
    r, lo, hi = bootstrap_ratio(num, den, np.random.default_rng(1))
    assert r == lo == hi == pytest.approx(0.5)
    a = bootstrap_ratio(num, den[::-1], np.random.default_rng(1))
    b = bootstrap_ratio(num, den[::-1], np.random.default_rng(1))
    assert a == b and a[1] < a[0] < a[2]


def test_results_carry_effect_interval_and_minimum_effect():
    frame = results_frame(check_patterns(["P1", "P5"], TINY))
    assert list(frame["code"]) == ["P1", "P5"]
    assert (frame["low"] <= frame["statistic"]).all()
    assert (frame["statistic"] <= frame["high"]).all()
    assert set(frame["min_effect"]) == {0.01}


@pytest.fixture(scope="module")
def knocked_out_runs():
    groups = {}
    for code, p in PATTERNS.items():
        if p.knockout:
            groups.setdefault(tuple(sorted(p.knockout.items())), []).append(code)
    return {
        items: run_group(codes, PatternConfig(n_schools=120, n_districts=3, replicates=2), items)
        for items, codes in groups.items()
    }, groups


@pytest.fixture(scope="module")
def default_runs():
    return run_group(list(PATTERNS), PatternConfig(n_schools=120, n_districts=3, replicates=2))


def test_no_knockout_makes_the_compared_runs_identical(knocked_out_runs, default_runs):
    """A knock-out must remove a mechanism, not the comparison. (Runs already identical at
    the defaults, e.g. when pricing funds two variants alike, are a finding of the
    validation report, not of a knock-out.)"""
    frames, groups = knocked_out_runs
    for items, codes in groups.items():
        for code in codes:
            p = PATTERNS[code]
            if identical_runs(default_runs, *p.compared, p.judged):
                continue
            assert not identical_runs(frames[items], *p.compared, p.judged), (code, dict(items))


def test_identical_runs_are_detected():
    f = pd.DataFrame(
        {
            "variant": ["a", "b"],
            **{c: [0.5, 0.5] for c in ("mean_capacity", "mean_performance", "gap")},
            **{c: [0.1, 0.1] for c in ("mean_commitment", "mean_innovation")},
        }
    )
    assert identical_runs(f, "a", "b", ("gap",))
    f.loc[1, "gap"] = 0.5000001
    assert not identical_runs(f, "a", "b", ("gap",))
    assert identical_runs(f, "a", "b", ("gap", "mean_capacity"))


def test_patterns_without_a_knockout_say_why():
    for code, p in PATTERNS.items():
        if not p.knockout:
            assert "remov" in p.carrier or "absence" in p.carrier, code


def test_knocking_out_the_pressure_lift_and_central_support_breaks_p1():
    (result,) = check_patterns(
        ["P1"], PatternConfig(n_schools=200, n_districts=4, replicates=4), knockout=True
    )
    assert result.knocked_out and not result.passed


def test_unknown_pattern_is_refused():
    with pytest.raises(ValueError, match="unknown pattern 'P12'"):
        check_patterns(["P12"])


@pytest.mark.slow
def test_core_patterns_at_2000_schools_report_effects():
    config = PatternConfig(n_schools=2000, n_districts=30, replicates=20, seed=5, workers=2)
    results = check_patterns(["P1", "P2a", "P3a", "P4a"], config)
    assert all(np.isfinite([r.statistic, r.low, r.high]).all() for r in results)
