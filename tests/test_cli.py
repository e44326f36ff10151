"""`lftm compare` end to end through the installed command, and its bad-input contract."""

import json

import pandas as pd
import pytest
from cli_runner import lftm


def test_compare_writes_table_figure_and_provenance(tmp_path):
    out = tmp_path / "cmp"
    res = lftm(
        "compare",
        "--schools",
        "200",
        "--districts",
        "5",
        "--years",
        "4",
        "--replicates",
        "3",
        "--seed",
        "11",
        "--out",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out / "compare.csv")
    assert sorted(table["year"].unique()) == [0, 1, 2, 3, 4]
    means = table[table["kind"] == "mean"]
    assert set(means["variant"]) == {"baseline", "top_down", "bottom_up", "middle_led"}
    diffs = table[table["kind"] == "paired_difference"]
    assert set(diffs["versus"]) == {"baseline", "top_down", "bottom_up"}
    assert (diffs["variant"] == "middle_led").all()
    assert (table["ci_low"] <= table["estimate"]).all()
    assert (table["estimate"] <= table["ci_high"]).all()
    assert (out / "compare.png").stat().st_size > 10_000
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["seed"] == 11 and prov["versions"]["lftm-sim"]
    levers = prov["parameters"]["variants"]["top_down"]["timeline"][0]["levers"]
    assert levers["pressure"] == 0.6 and "humility" in levers
    assert prov["parameters"]["variants"]["top_down"]["settings"]["n_schools"] == 200
    assert "lateral_rate" in prov["parameters"]["variants"]["top_down"]["mechanisms"]
    assert prov["parameters"]["clip_count"] == 0
    assert "middle_led minus each other variant" in res.stdout


def test_compare_is_reproducible_and_worker_independent(tmp_path):
    args = [
        "compare",
        "--schools",
        "120",
        "--districts",
        "4",
        "--years",
        "2",
        "--replicates",
        "2",
        "--strategies",
        "top_down",
        "middle_led",
        "--quiet",
    ]
    assert lftm(*args, "--out", str(tmp_path / "a")).returncode == 0
    assert lftm(*args, "--workers", "2", "--out", str(tmp_path / "b")).returncode == 0
    a = pd.read_csv(tmp_path / "a" / "compare.csv")
    b = pd.read_csv(tmp_path / "b" / "compare.csv")
    pd.testing.assert_frame_equal(a, b)


def test_compare_accepts_timelines(tmp_path):
    res = lftm(
        "compare",
        "--schools",
        "100",
        "--districts",
        "3",
        "--years",
        "3",
        "--replicates",
        "2",
        "--strategies",
        "top_down@0,middle_led@1",
        "top_down",
        "--quiet",
        "--out",
        str(tmp_path / "t"),
    )
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "t" / "compare.csv")
    assert "top_down@0,middle_led@1" in set(table["variant"])


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["--strategies", "sideways"], "unknown strategy 'sideways'"),
        (["--strategies", "top_down@0,sidewys@2"], "unknown strategy 'sidewys'"),
        (["--replicates", "0"], "must be in [1, 10000]"),
        (["--years", "-3"], "must be in (0, 200]"),
        (["--years", "many"], "must be a number of years"),
        (["--schools", "10", "--districts", "20"], "--districts must be at most"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, args, fragment):
    out = tmp_path / "never"
    res = lftm("compare", "--out", str(out), *args)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()


def test_existing_results_are_not_overwritten_without_force(tmp_path):
    out = tmp_path / "keep"
    out.mkdir()
    (out / "compare.csv").write_text("precious\n")
    res = lftm(
        "compare",
        "--out",
        str(out),
        "--schools",
        "50",
        "--districts",
        "2",
        "--years",
        "1",
        "--replicates",
        "1",
        "--quiet",
    )
    assert res.returncode == 2 and "--force" in res.stderr
    assert (out / "compare.csv").read_text() == "precious\n"


def test_help_and_version():
    assert "--replicates" in lftm("compare", "--help").stdout
    assert lftm("--version").stdout.strip()
