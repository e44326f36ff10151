"""`lftm validate` (lftm_sim/validation, lftm_sim/commands/validate.py): a smoke run end to
end through `run`, the
report's structure, every knock-out failing, the parameter box, exit statuses and the
bad-flag contract. The full run (64 points, 20 replicates) writes docs/validation.md."""

from __future__ import annotations

import argparse

import pytest

from lftm_sim import validation as v
from lftm_sim.commands import validate as cmd
from lftm_sim.errors import InputError
from lftm_sim.parameters import Mechanisms, check_form
from lftm_sim.patterns import PATTERNS

COLUMNS = {
    "code",
    "claim",
    "kind",
    "statistic",
    "threshold",
    "passed",
    "detail",
    "replicates",
    "knockout",
    "knockout_statistic",
    "knockout_passed",
    "knockout_fails",
    "knockout_detail",
    "box_share",
    "box_points",
}


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="lftm")
    cmd.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["validate", *argv])


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """One smoke run through `run` (the CLI's path): its exit status, report and frame."""
    out = tmp_path_factory.mktemp("validate") / "report.md"
    captured = {}
    real = v.validate

    def spy(settings, progress=False):
        captured["settings"] = settings
        captured["frame"] = real(settings, progress)
        return captured["frame"]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(v, "validate", spy)
        status = cmd.run(parse("--smoke", "--quiet", "--out", str(out)))
    return status, out, captured["frame"], captured["settings"]


def test_smoke_run_finishes_quickly_and_reports_its_verdicts(smoke):
    """Patterns are hypotheses: a failing one is a finding the report shows (exit 0; 3 only
    with --strict), not a broken run."""
    status, _, frame, settings = smoke
    assert settings.points == cmd.SMOKE["points"] and settings.n_schools == cmd.SMOKE["n_schools"]
    assert status == 0
    assert (frame["low"] <= frame["statistic"]).all() and (
        frame["statistic"] <= frame["high"]
    ).all()
    assert frame["min_effect"].gt(0).all()


def test_report_frame_has_one_row_per_pattern_with_every_column(smoke):
    _, _, frame, _ = smoke
    assert list(frame["code"]) == list(PATTERNS)
    assert COLUMNS <= set(frame.columns)
    assert set(frame["kind"]) <= {"emergent", "encoded hypothesis"}
    assert frame["box_share"].between(0, 1).all()
    assert (frame["box_points"] == cmd.SMOKE["points"]).all()
    assert (frame["replicates"] == cmd.SMOKE["replicates"]).all()
    box_runs = frame.attrs["box_runs"]
    assert len(box_runs) == cmd.SMOKE["points"] * len(PATTERNS)
    assert set(v.BOX) <= set(box_runs.columns)


def test_knockouts_are_run_and_reported_for_every_pattern_that_has_one(smoke):
    _, out, frame, _ = smoke
    assert (frame["has_knockout"] == [bool(PATTERNS[c].knockout) for c in frame["code"]]).all()
    assert (frame["knockout_fails"] == ~frame["knockout_passed"]).all()
    text = out.read_text()
    for code in frame.loc[~frame["has_knockout"], "code"]:
        assert f"| {code} |" in text and "no knock-out" in text


def test_markdown_report_has_settings_patterns_and_box(smoke):
    _, out, frame, _ = smoke
    text = out.read_text()
    for heading in (
        "## Settings",
        "## Summary",
        "## Patterns",
        "## Patterns that fail",
        "## The parameter box",
    ):
        assert heading in text
    assert "lftm validate --smoke" in text
    for code in PATTERNS:
        assert f"| {code} | {PATTERNS[code].claim} | {PATTERNS[code].kind} |" in text
    for name in v.BOX:
        assert f"| `{name}` |" in text
    assert "fails, as it should" in text


def test_a_failing_pattern_is_a_finding_and_strict_exits_3(smoke, monkeypatch, tmp_path):
    _, _, frame, _ = smoke
    broken = frame.copy()
    broken.attrs = dict(frame.attrs)
    broken.loc[broken["code"] == "P5", "passed"] = False
    monkeypatch.setattr(v, "validate", lambda settings, progress=False: broken)
    assert cmd.run(parse("--smoke", "--quiet", "--out", str(tmp_path / "r.md"))) == 0
    failing = (tmp_path / "r.md").read_text().split("failing: ", 1)[1].split("(see")[0]
    assert "P5" in failing.replace(",", " ").split()
    strict = parse("--smoke", "--quiet", "--strict", "--out", str(tmp_path / "s.md"))
    assert cmd.run(strict) == 3
    assert (tmp_path / "s.md").exists()  # the report is written either way


def test_smoke_report_defaults_to_out_not_docs(smoke, monkeypatch, tmp_path):
    _, _, frame, _ = smoke
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(v, "validate", lambda settings, progress=False: frame)
    assert cmd.run(parse("--smoke", "--quiet")) == 0
    assert (tmp_path / "out" / "validation" / "validation.md").exists()
    assert not (tmp_path / "docs").exists()


def test_an_existing_report_is_replaced_only_with_force(smoke, monkeypatch, tmp_path):
    _, _, frame, _ = smoke
    calls = []
    monkeypatch.setattr(v, "validate", lambda settings, progress=False: calls.append(1) or frame)
    report = tmp_path / "validation.md"
    report.write_text("hand-written notes\n")
    with pytest.raises(InputError, match="pass --force") as err:
        cmd.run(parse("--smoke", "--quiet", "--out", str(report)))
    assert err.value.key == "--out" and calls == []  # refused before running anything
    assert report.read_text() == "hand-written notes\n"
    status = cmd.run(parse("--smoke", "--quiet", "--force", "--out", str(report)))
    assert status == 0  # findings are in the report; the file rule is what is tested here
    assert report.read_text().startswith("# Validation report")


def test_full_run_defaults():
    args = parse()
    s = cmd.settings_from_args(args)
    assert (s.points, s.replicates, s.n_schools, s.n_districts) == (64, 20, 500, 10)
    assert args.out is None and args.seed == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (("--points", "0"), "--points must be at least 1"),
        (("--replicates", "1"), "--replicates must be at least 2"),
        (("--box-replicates", "0"), "--box-replicates must be at least 2"),
        (("--schools", "5"), "--schools must be at least 20"),
        (("--schools", "100", "--districts", "200"), "--districts must be in"),
        (("--workers", "0"), "--workers must be at least 1"),
        (("--seed", "-1"), "--seed must be at least 0"),
        (("--patterns", "P12"), "unknown pattern 'P12'"),
    ],
)
def test_bad_flag_values_raise_one_line_value_errors(argv, message):
    with pytest.raises(InputError, match=message) as err:
        cmd.run(parse("--smoke", "--quiet", *argv))
    assert "\n" not in str(err.value)


def test_out_may_not_be_a_directory(tmp_path):
    with pytest.raises(InputError, match="is a folder, not a file"):
        cmd.run(parse("--smoke", "--quiet", "--out", str(tmp_path)))


# --- the box ---------------------------------------------------------------------------


def test_box_is_around_the_defaults_and_every_point_is_valid():
    defaults = Mechanisms()
    for name, (lo, hi) in v.BOX.items():
        assert lo < getattr(defaults, name) < hi, name
    v.check_box()
    samples = v.sample_box(64, seed=3)
    assert samples.shape == (64, len(v.BOX))
    for row in samples.itertuples(index=False):
        check_form(Mechanisms(**row._asdict()), v.BOX_BUDGET)


def test_box_sample_covers_the_box_by_name_and_seed():
    """sample_box's own work: the columns are the box's parameters in order, each scaled
    into its own [low, high] (not the unit cube), seeded, and refused when empty. (That the
    points form a Latin hypercube is scipy's property, not tested here.)"""
    samples = v.sample_box(16, seed=1)
    assert list(samples.columns) == list(v.BOX) and samples.index.name == "point"
    for name, (lo, hi) in v.BOX.items():
        assert samples[name].between(lo, hi).all(), name
        assert samples[name].max() - samples[name].min() > 0.8 * (hi - lo), name
    assert samples.equals(v.sample_box(16, seed=1))
    assert not samples.equals(v.sample_box(16, seed=2))
    with pytest.raises(ValueError, match="at least 1"):
        v.sample_box(0)
    with pytest.raises(ValueError, match="low < high"):
        v.sample_box(4, box={"lateral_rate": (0.3, 0.2)})


def test_box_is_its_widths_around_the_defaults():
    defaults = Mechanisms()
    assert v.BOX == v.make_box(v.BOX_WIDTHS)
    for name, w in v.BOX_WIDTHS.items():
        lo, hi = v.BOX[name]
        d = getattr(defaults, name)
        assert (lo, hi) == pytest.approx((d * (1 - w), d * (1 + w)), abs=1e-6), name


def test_invalid_box_is_refused():
    with pytest.raises(ValueError, match="low < high"):
        v.check_box({"lateral_rate": (0.3, 0.2)})
    with pytest.raises(ValueError, match="sum to"):
        v.check_box({"lateral_rate": (0.1, 0.95)})
    with pytest.raises(ValueError, match="unknown mechanism parameter"):
        v.check_box({"no_such_rate": (0.1, 0.2)})


def test_report_has_the_cost_table_curves_and_decomposition(smoke):
    """Issue 9: the cost table, the cost-effectiveness curves and the decomposition are in
    the validation report, from runs at the report's own system and replicates."""
    _, out, frame, _ = smoke
    costs = frame.attrs["costs"]
    from lftm_sim.costs import cost_per_school_year
    from lftm_sim.strategies import PRESETS

    presets = costs["presets"].set_index("variant")
    for name in ("top_down", "bottom_up", "middle_led"):
        assert presets.loc[name, "spend"] == pytest.approx(cost_per_school_year(PRESETS[name]))
    curves = costs["curves"]
    assert set(curves["strategy"]) == {"top_down", "bottom_up", "middle_led"}
    assert sorted(set(curves["budget"])) == [0.0, 0.25, 0.5, 1.0, 2.0, 3.0]
    assert (curves["n"] == cmd.SMOKE["replicates"]).all()
    assert "middle_led@0" in set(costs["decomposition"]["variant"])
    text = out.read_text()
    assert "## What the strategies cost, and where the lead comes from" in text
    assert "[costs.md](costs.md)" in text and "middle_led levers, money to central support" in text
