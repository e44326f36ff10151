"""`lftm run`, `lftm compare --scenario` and `lftm calibrate` end to end."""

import json

import pandas as pd
from cli_runner import ROOT, lftm, one_line_error


def test_run_writes_series_scenario_figure(tmp_path):
    out = tmp_path / "demo"
    res = lftm(
        "run",
        "scenarios/classroom_demo.toml",
        "--replicates",
        "2",
        "--agents",
        "--out",
        str(out),
        "--quiet",
    )
    assert res.returncode == 0, res.stderr
    csv = pd.read_csv(out / "series.csv")
    parquet = pd.read_parquet(out / "series.parquet")
    # the same table in both formats: columns, values (CSV round-trips floats to 1e-12)
    pd.testing.assert_frame_equal(csv, parquet, check_dtype=False, rtol=1e-12)
    assert csv["calendar_year"].min() == 2000 and set(csv["replicate"]) == {0, 1}
    assert (out / "run.png").stat().st_size > 10_000
    assert "[[phases]]" in (out / "scenario.toml").read_text()
    agents = pd.read_parquet(out / "agents.parquet")
    assert {"step", "year", "calendar_year", "replicate", "capacity"} <= set(agents.columns)
    assert agents["calendar_year"].min() == 2000 and agents["calendar_year"].max() == 2012
    assert (agents["year"] == agents["step"] / 4).all()
    assert set(agents["replicate"]) == {0, 1}
    assert json.loads((out / "provenance.json").read_text())["parameters"]["clip_count"] == 0
    costs = pd.read_csv(out / "costs.csv")
    assert len(costs) == 1 and costs["variant"].iloc[0].startswith("Classroom demo")
    assert costs["spend"].iloc[0] > 0  # top-down then middle-led: both spend the budget


def test_run_bad_scenario_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nname = 'x'\nstart_yeer = 2000\n")
    res = lftm("run", str(bad), "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
    assert "bad.toml" in res.stderr and not (tmp_path / "o").exists()


def test_compare_handover_variants(tmp_path):
    res = lftm(
        "compare",
        "--scenario",
        "scenarios/classroom_demo.toml",
        "--phase-start",
        "1=2004",
        "--replicates",
        "2",
        "--schools",
        "150",
        "--out",
        str(tmp_path / "c"),
        "--quiet",
    )
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "c" / "compare.csv")
    assert table["variant"].nunique() == 2


def test_calibrate_smoke(tmp_path):
    res = lftm(
        "calibrate-point",
        "scenarios/england_nlns.toml",
        "scenarios/ontario_2003_2015.toml",
        "--schools",
        "300",
        "--replicates",
        "1",
        "--starts",
        "2",
        "--max-evals",
        "2",
        "--out",
        str(tmp_path / "cal"),
        "--quiet",
    )
    assert res.returncode == 0, res.stderr
    rmse = pd.read_csv(tmp_path / "cal" / "rmse.csv")
    assert {"model", "flat", "last_value", "linear_trend"} <= set(rmse.columns)
    assert "fitted" in (tmp_path / "cal" / "calibration.toml").read_text()


def test_compare_size_override_is_validated_by_the_loader(tmp_path):
    res = lftm(
        "compare",
        "--scenario",
        "scenarios/small_graph.toml",
        "--schools",
        "50",
        "--out",
        str(tmp_path / "x"),
        "--quiet",
    )
    assert res.returncode == 2 and "system.schools" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "x").exists()


def test_bundled_scenarios_are_listed_and_named_without_a_path(tmp_path):
    res = lftm("scenarios")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    names = [line.split()[0] for line in lines]
    assert names == sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
    assert all(len(line.split(None, 3)) == 4 for line in lines)  # a description on each
    out = tmp_path / "by_name"
    res = lftm("run", "classroom_demo", "--out", str(out), "--quiet")
    assert res.returncode == 0, res.stderr
    assert pd.read_csv(out / "series.csv")["calendar_year"].max() == 2012
    one_line_error(lftm("run", "classroom_dem", "--quiet"), "did you mean 'classroom_demo'")


def test_a_single_long_run_shows_progress_by_step(tmp_path):
    res = lftm("run", "classroom_demo", "--out", str(tmp_path / "p"))
    assert res.returncode == 0, res.stderr
    assert "48/48" in res.stderr and "step" in res.stderr  # 12 years, four terms each
    # stepped in this process, it is replicate 0 of the same run through the ensemble
    res = lftm("run", "classroom_demo", "--replicates", "2", "--out", str(tmp_path / "e"))
    assert res.returncode == 0, res.stderr
    one = pd.read_parquet(tmp_path / "p" / "series.parquet")
    two = pd.read_parquet(tmp_path / "e" / "series.parquet")
    pd.testing.assert_frame_equal(one, two[two["replicate"] == 0], rtol=1e-12)


def test_capacity_level_that_broke_numpy_is_an_input_error(tmp_path):
    """capacity_level 0.85 is inside its declared range but puts rest capacity outside
    (0, 1): one line naming capacity_level, exit 2 (it used to fail inside numpy)."""
    text = (ROOT / "scenarios" / "classroom_demo.toml").read_text()
    bad = tmp_path / "high.toml"
    bad.write_text(text.replace("capacity_level = 0.5", "capacity_level = 0.85"))
    assert "capacity_level = 0.85" in bad.read_text()
    one_line_error(
        lftm("run", str(bad), "--out", str(tmp_path / "o"), "--quiet"), "system.capacity_level"
    )
    assert not (tmp_path / "o").exists()


def test_deeply_nested_toml_is_one_line(tmp_path):
    bad = tmp_path / "deep.toml"
    bad.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    one_line_error(lftm("run", str(bad), "--quiet"), "deep.toml", "nested too deeply")


def test_calibrate_store_refuses_a_fit_that_is_not_full(tmp_path):
    stored = ROOT / "lftm_sim" / "data" / "calibration.toml"
    before = stored.read_bytes()
    res = lftm(
        "calibrate-point",
        "england_nlns",
        "--starts",
        "2",
        "--max-evals",
        "2",
        "--store",
        "--force",
        "--out",
        str(tmp_path / "c"),
        "--quiet",
    )
    one_line_error(res, "--store keeps only a full fit", "starts 2 < 16")
    res = lftm(
        "calibrate-point", "england_nlns", "--store", "--out", str(tmp_path / "c"), "--quiet"
    )
    one_line_error(res, "pass --force")  # a full fit, but the stored set is not replaced
    assert stored.read_bytes() == before and not (tmp_path / "c").exists()


def test_calibrate_names_the_flags_the_user_gave():
    res = lftm("calibrate-point", "england_nlns", "--schools", "100", "--quiet")
    one_line_error(res, "--schools 100", "150", "--districts")
    res = lftm(
        "calibrate-point", "england_nlns", "--schools", "100", "--districts", "200", "--quiet"
    )
    one_line_error(res, "--districts 200")


def test_agents_with_workers_is_refused_not_ignored(tmp_path):
    res = lftm("run", "classroom_demo", "--agents", "--workers", "2", "--out", str(tmp_path / "a"))
    one_line_error(res, "--agents", "--workers 2")
    assert not (tmp_path / "a").exists()
