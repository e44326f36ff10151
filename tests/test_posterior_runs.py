"""`lftm compare --posterior` and calibrated scenarios on posterior draws, end to end in
subprocesses (tests/cli_runner.py) at tiny sizes, plus the member builder that puts draw r
on replicate r. The shipped posteriors are a placeholder fit: behaviour is tested, never
their numbers."""

import json
import shutil

import pandas as pd
import pytest
from cli_runner import ROOT, lftm, one_line_error

from lftm_sim.commands.posteriors import posterior_note, replicate_draws
from lftm_sim.commands.runs import build_members
from lftm_sim.posterior.storage import SHIPPED
from lftm_sim.posterior.use import NONE, resolve_posterior, scenario_posterior, scenario_system
from lftm_sim.scenarios import load_scenario

TINY = ["--schools", "60", "--districts", "3", "--years", "3", "--replicates", "2"]
COLUMNS = {"variant", "versus", "metric", "estimate", "ci_low", "ci_high", "noise_low"}


def small_calibrated(tmp_path, mechanisms: str = ""):
    """england_nlns at 60 schools (still calibrated), optionally with [mechanisms]."""
    text = (ROOT / "scenarios" / "england_nlns.toml").read_text()
    text = text.replace("schools = 3000", "schools = 60").replace(
        "districts = 150", "districts = 6"
    )
    path = tmp_path / "england_small.toml"
    path.write_text(text + (f"\n[mechanisms]\n{mechanisms}\n" if mechanisms else ""))
    return path


def calibrate_dir(tmp_path, systems=("england", "ontario")):
    """A `lftm calibrate --out` directory holding the shipped posteriors."""
    out = tmp_path / "cal"
    for system in systems:
        shutil.copytree(SHIPPED / f"posterior_{system}", out / f"posterior_{system}")
    return out


def test_compare_posterior_writes_the_table_records_it_and_is_reproducible(tmp_path):
    args = [*TINY, "--posterior", "england", "--posterior-draws", "3"]
    res = lftm("compare", *args, "--out", str(tmp_path / "a"))
    assert res.returncode == 0, res.stderr
    assert "90% intervals: parameters and noise; noise alone" in res.stdout
    assert "posterior draw r of the shipped england posterior" in res.stdout
    table = pd.read_csv(tmp_path / "a" / "compare_posterior.csv")
    assert COLUMNS | {"noise_high", "p_positive", "draws", "replicates"} <= set(table.columns)
    assert set(table["versus"]) == {"baseline", "top_down", "bottom_up"}
    assert (table["variant"] == "middle_led").all()
    assert (table["draws"] == 3).all() and (table["replicates"] == 2).all()
    assert (table["ci_low"] <= table["estimate"]).all()
    assert (table["estimate"] <= table["ci_high"]).all()
    assert (table["noise_low"] <= table["noise_high"]).all()
    # parameter uncertainty widens the interval beyond noise alone somewhere
    assert ((table["ci_high"] - table["ci_low"]) > (table["noise_high"] - table["noise_low"])).any()
    prov = json.loads((tmp_path / "a" / "provenance.json").read_text())["parameters"]
    record = prov["compare_posterior"]
    assert record["source"] == "england" and record["fit_on"] == "england"
    assert record["fit_seed"] == 0 and len(record["draws"]) == 3
    assert record["replicates_per_draw"] == 2
    per_variant = prov["posterior"]
    assert {len(v["draws"]) for v in per_variant.values()} == {2}  # one per replicate
    assert len({json.dumps(v["draws"]) for v in per_variant.values()}) == 1  # shared draws
    again = lftm("compare", *args, "--out", str(tmp_path / "b"), "--quiet")
    assert again.returncode == 0, again.stderr
    same = (tmp_path / "b" / "compare_posterior.csv").read_bytes()
    assert same == (tmp_path / "a" / "compare_posterior.csv").read_bytes()
    other = lftm("compare", *args, "--seed", "1", "--out", str(tmp_path / "c"), "--quiet")
    assert other.returncode == 0, other.stderr
    assert (tmp_path / "c" / "compare_posterior.csv").read_bytes() != same


def test_compare_without_posterior_runs_strategies_at_the_defaults(tmp_path):
    res = lftm("compare", *TINY, "--out", str(tmp_path / "d"))
    assert res.returncode == 0, res.stderr
    assert "(every variant): at the declared defaults" in res.stdout
    assert not (tmp_path / "d" / "compare_posterior.csv").exists()
    prov = json.loads((tmp_path / "d" / "provenance.json").read_text())["parameters"]
    assert set(prov["posterior"].values()) == {None} and "compare_posterior" not in prov


ONTARIO_VARIANTS = ["--scenario", "ontario_2003_2015", "--phase-start", "1=2009", *TINY[:4]]


def test_compare_scenario_variants_share_their_posterior_draws(tmp_path):
    res = lftm(
        "compare", *ONTARIO_VARIANTS, "--replicates", "2", "--out", str(tmp_path / "s"), "--quiet"
    )
    assert res.returncode == 0, res.stderr
    prov = json.loads((tmp_path / "s" / "provenance.json").read_text())["parameters"]
    records = list(prov["posterior"].values())
    assert len(records) == 2 and all(r["fit_on"] == "ontario" for r in records)
    assert records[0]["draws"] == records[1]["draws"]  # draw r shared by both variants
    assert records[0]["draws"][0] != records[0]["draws"][1]
    assert "compare_posterior" not in prov  # only --posterior writes the table
    assert not (tmp_path / "s" / "compare_posterior.csv").exists()


def test_bare_posterior_takes_the_calibrated_scenarios_system(tmp_path):
    args = [*ONTARIO_VARIANTS, "--replicates", "2", "--posterior", "--posterior-draws", "2"]
    res = lftm("compare", *args, "--out", str(tmp_path / "b"), "--quiet")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "b" / "compare_posterior.csv")
    assert set(table["versus"]) == {
        "Ontario 2003-2015: provincial strategy, then districts leading (phase 1 from 2009)"
    }
    prov = json.loads((tmp_path / "b" / "provenance.json").read_text())["parameters"]
    assert prov["compare_posterior"]["fit_on"] == "ontario"
    assert len(prov["compare_posterior"]["draws"]) == 2


@pytest.mark.parametrize(
    "args, needles",
    [
        (["--posterior", "englnd"], ["--posterior englnd", "did you mean 'england'"]),
        (["--posterior", "EMPTY"], ["holds no posterior"]),
        (["--posterior", "CAL"], ["holds 2 posteriors", "name one", "posterior_ontario"]),
        (["--posterior"], ["bare --posterior", "none is calibrated"]),
        (["--posterior-draws", "3"], ["--posterior-draws needs --posterior"]),
        (["--posterior", "none", "--posterior-draws", "3"], ["--posterior-draws needs"]),
        (["--posterior", "england", "--posterior-draws", "1"], ["--posterior-draws", "[2,"]),
        (["--posterior", "england", "--replicates", "1"], ["--replicates 2 or more"]),
    ],
)
def test_bad_posterior_input_is_one_line_and_exit_2(tmp_path, args, needles):
    (tmp_path / "empty").mkdir()
    cal = calibrate_dir(tmp_path)
    given = [{"EMPTY": str(tmp_path / "empty"), "CAL": str(cal)}.get(a, a) for a in args]
    res = lftm("compare", *TINY, *given, "--out", str(tmp_path / "x"), "--quiet")
    one_line_error(res, *needles)
    assert not (tmp_path / "x").exists()  # nothing written


def test_run_calibrated_scenario_runs_on_draws_unless_none(tmp_path):
    path = small_calibrated(tmp_path)
    res = lftm("run", str(path), "--replicates", "2", "--out", str(tmp_path / "p"))
    assert res.returncode == 0, res.stderr
    assert "posterior draw r of the shipped england posterior" in res.stdout
    record = json.loads((tmp_path / "p" / "provenance.json").read_text())["parameters"]
    record = record["posterior"]
    assert record["source"] == "england" and record["fit_seed"] == 0
    assert len(record["draws"]) == 2 and record["kept_explicit"] == []
    res = lftm(
        "run", str(path), "--replicates", "2", "--posterior", "none", "--out", str(tmp_path / "n")
    )
    assert res.returncode == 0, res.stderr
    assert "at the declared defaults (--posterior none)" in res.stdout
    assert (
        json.loads((tmp_path / "n" / "provenance.json").read_text())["parameters"]["posterior"]
        is None
    )
    drawn, plain = (pd.read_csv(tmp_path / d / "series.csv") for d in ("p", "n"))
    assert not drawn["mean_performance"].equals(plain["mean_performance"])


def test_run_agents_path_and_a_calibrate_directory_pick_the_scenarios_system(tmp_path):
    cal = calibrate_dir(tmp_path)
    path = small_calibrated(tmp_path)
    res = lftm("run", str(path), "--agents", "--posterior", str(cal), "--out", str(tmp_path / "g"))
    assert res.returncode == 0, res.stderr
    record = json.loads((tmp_path / "g" / "provenance.json").read_text())["parameters"]
    assert record["posterior"]["path"].endswith("posterior_england")
    assert record["posterior"]["source"] == str(cal)
    res = lftm("run", "classroom_demo", "--posterior", str(cal), "--out", str(tmp_path / "h"))
    one_line_error(res, "holds 2 posteriors", "name one")  # illustrative: no system to pick by


def test_illustrative_scenario_runs_at_defaults_unless_a_posterior_is_given(tmp_path):
    demo = load_scenario("classroom_demo")
    assert scenario_system(demo) is None and scenario_posterior(demo, None) is None
    assert scenario_posterior(demo, "ontario").posterior.settings["fit_on"] == "ontario"
    assert scenario_system(load_scenario("ontario_2003_2015")) == "ontario"


def test_calibrated_members_take_one_draw_per_replicate_and_none_does_not(tmp_path):
    sc = load_scenario(small_calibrated(tmp_path))
    kw = {sc.name: sc.model_kwargs()}
    src = scenario_posterior(sc, None)
    assert src.posterior.settings["fit_on"] == "england"
    draws = replicate_draws(kw, {sc.name: src}, 3, seed=0)
    _, members, seeds = build_members(kw, 3, 0, draws)
    values = [m["mechanisms"]["lift_max"] for m in members]
    assert len(set(values)) > 1  # replicate r on draw r: values differ
    assert [m["mechanisms"] for m in members] == [{**d, **sc.mechanisms} for d in draws[sc.name]]
    assert scenario_posterior(sc, NONE) is None
    _, plain, plain_seeds = build_members(kw, 3, 0, {})
    assert all(m["mechanisms"] == sc.mechanisms for m in plain)  # the declared defaults
    assert plain_seeds == seeds  # the same seeds with and without draws


def test_a_scenarios_own_mechanism_wins_over_the_draw_and_is_reported(tmp_path):
    sc = load_scenario(small_calibrated(tmp_path, "lift_max = 0.31"))
    kw = {sc.name: sc.model_kwargs()}
    src = scenario_posterior(sc, None)
    draws = replicate_draws(kw, {sc.name: src}, 3, seed=0)
    _, members, _ = build_members(kw, 3, 0, draws)
    assert {m["mechanisms"]["lift_max"] for m in members} == {0.31}
    assert len({m["mechanisms"]["central_rate"] for m in members}) > 1  # others drawn
    assert "its own lift_max kept" in posterior_note(kw[sc.name], src, sc)


def test_a_calibrate_directory_with_one_posterior_needs_no_choice(tmp_path):
    cal = calibrate_dir(tmp_path, ("ontario",))
    assert resolve_posterior(str(cal)).path.name == "posterior_ontario"
    both = calibrate_dir(tmp_path / "two")
    assert resolve_posterior(str(both), "england").path.name == "posterior_england"
    assert (
        resolve_posterior(str(both / "posterior_ontario")).posterior.settings["fit_on"] == "ontario"
    )
