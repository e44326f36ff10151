"""`lftm run`, `lftm compare --scenario` and `lftm calibrate` end to end."""

import json

import pandas as pd
from cli_runner import lftm


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
    assert csv.equals(pd.read_parquet(out / "series.parquet")) or len(csv) == len(
        pd.read_parquet(out / "series.parquet")
    )
    assert csv["calendar_year"].min() >= 2000 and set(csv["replicate"]) == {0, 1}
    assert (out / "run.png").stat().st_size > 10_000
    assert "[[phases]]" in (out / "scenario.toml").read_text()
    assert len(pd.read_parquet(out / "agents.parquet")) > 0
    assert json.loads((out / "provenance.json").read_text())["parameters"]["clip_count"] == 0


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
        "calibrate",
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
