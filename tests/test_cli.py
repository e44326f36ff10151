"""`lftm compare` end to end through the installed command, and its bad-input contract."""

import json
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from cli_runner import LFTM, ROOT, lftm, one_line_error


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
    # every strategy's spend per school-year and its gain per unit spent (docs/costs.md)
    from lftm_sim.costs import cost_per_school_year
    from lftm_sim.strategies import PRESETS

    costs = pd.read_csv(out / "costs.csv").set_index("variant")
    assert set(costs.index) == {"top_down", "bottom_up", "middle_led"}
    for name in costs.index:
        assert costs.loc[name, "spend"] == pytest.approx(cost_per_school_year(PRESETS[name]))
        gain = costs.loc[name, "gain"]
        assert costs.loc[name, "gain_per_budget"] == pytest.approx(gain / costs.loc[name, "spend"])
    assert "gain in mean capacity over baseline" in res.stdout


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


TINY = ["--schools", "50", "--districts", "2", "--years", "1", "--replicates", "2", "--quiet"]


def test_existing_results_are_not_overwritten_without_force(tmp_path):
    out = tmp_path / "keep"
    assert lftm("compare", "--out", str(out), *TINY).returncode == 0
    before = (out / "compare.csv").read_text()
    (out / "compare.csv").write_text("precious\n")
    one_line_error(lftm("compare", "--out", str(out), *TINY), "--force")
    assert (out / "compare.csv").read_text() == "precious\n"
    assert lftm("compare", "--out", str(out), *TINY, "--force").returncode == 0
    assert (out / "compare.csv").read_text() == before  # replaced (same seed, same numbers)


def test_a_folder_holding_other_files_is_refused_even_with_force(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    one_line_error(lftm("compare", "--out", str(out), *TINY, "--force"), "not lftm results")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_one_commands_output_is_not_mixed_with_another(tmp_path):
    out = tmp_path / "r"
    assert lftm("run", "classroom_demo", "--out", str(out), "--quiet").returncode == 0
    before = (out / "provenance.json").read_text()
    one_line_error(lftm("compare", "--out", str(out), *TINY, "--force"), "`lftm run` results")
    assert (out / "provenance.json").read_text() == before


def test_force_replaces_the_output_whole(tmp_path):
    out = tmp_path / "r"
    assert lftm("run", "classroom_demo", "--agents", "--out", str(out), "--quiet").returncode == 0
    assert (out / "agents.parquet").exists()
    assert lftm("run", "classroom_demo", "--out", str(out), "--quiet", "--force").returncode == 0
    assert not (out / "agents.parquet").exists()  # no stale file beside the new results
    assert [p.name for p in tmp_path.iterdir()] == ["r"]  # no temporary folder left


@pytest.mark.parametrize(
    "where, fragment",
    [("file", "is a file, not a folder"), ("file/sub", "a parent of it is a file")],
)
def test_the_output_location_is_checked_before_any_run(tmp_path, where, fragment):
    (tmp_path / "file").write_text("keep\n")
    res = lftm("compare", "--out", str(tmp_path / where), *TINY[:-1])  # progress bar on
    one_line_error(res, fragment)
    assert "runs" not in res.stderr  # refused before the first run
    assert (tmp_path / "file").read_text() == "keep\n"


def test_an_unwritable_output_location_is_an_input_error():
    one_line_error(lftm("run", "classroom_demo", "--out", "/proc/nope", "--quiet"), "/proc/nope")


def test_validate_refuses_to_overwrite_a_report_without_force(tmp_path):
    report = tmp_path / "notes.md"
    report.write_text("my notes\n")
    res = lftm("validate", "--smoke", "--out", str(report))
    one_line_error(res, "--force")
    assert report.read_text() == "my notes\n"
    makefile = (ROOT / "Makefile").read_text()
    assert "lftm validate --workers 2 --force" in makefile  # make validate says so


def test_ctrl_c_is_one_line_and_leaves_nothing(tmp_path):
    """A long compare, interrupted once its time estimate is printed: one line, exit 130,
    no output folder and no temporary folder left behind."""
    out = tmp_path / "big"
    args = ["compare", "--schools", "100000", "--districts", "100", "--replicates", "50"]
    proc = subprocess.Popen(
        [LFTM, *args, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    line = proc.stdout.readline()  # the estimate, printed before the first run
    assert "min estimated" in line, line
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    last = err.strip().splitlines()[-1]
    assert "interrupted" in last and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


# --- no option silently ignored --------------------------------------------------------


def test_strategies_with_scenario_is_refused(tmp_path):
    res = lftm("compare", "--scenario", "classroom_demo", "--strategies", "top_down", "--quiet")
    one_line_error(res, "--strategies cannot be used with --scenario")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--scenario", "classroom_demo", "--years", "5"], "before phase 1"),
        (["--strategies", "top_down@0,middle_led@6", "--years", "4"], "after the run ends"),
    ],
)
def test_a_phase_after_the_run_ends_is_refused(tmp_path, args, fragment):
    one_line_error(lftm("compare", *args, "--out", str(tmp_path / "x"), "--quiet"), fragment)
    assert not (tmp_path / "x").exists()


def test_one_replicate_has_no_interval(tmp_path):
    out = tmp_path / "one"
    res = lftm("compare", *TINY[:-3], "--replicates", "1", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "needs at least 2" in res.stdout
    table = pd.read_csv(out / "compare.csv")
    assert table["ci_low"].isna().all() and table["ci_high"].isna().all()
    assert table["estimate"].notna().all()


def test_a_phase_start_given_twice_says_so():
    res = lftm(
        "compare",
        "--scenario",
        "classroom_demo",
        "--phase-start",
        "1=2004",
        "--phase-start",
        "1=2004",
        "--quiet",
    )
    one_line_error(res, "--phase-start 1=2004 is given twice")


def test_compare_at_chosen_years_always_includes_the_final_year(tmp_path):
    out = tmp_path / "at"
    res = lftm(
        "compare",
        *TINY[:4],
        "--years",
        "3",
        "--replicates",
        "2",
        "--at",
        "0.5",
        "2",
        "--quiet",
        "--out",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    assert sorted(pd.read_csv(out / "compare.csv")["year"].unique()) == [0.5, 2.0, 3.0]
    one_line_error(lftm("compare", *TINY, "--at", "5", "--out", str(tmp_path / "n")), "--at 5")


# --- bugs are not input errors; start-up ------------------------------------------------


def test_a_bug_shows_its_traceback_not_an_input_error(monkeypatch):
    """Any exception but InputError propagates from cli.main (exit status 1, traceback)."""
    from lftm_sim import cli
    from lftm_sim.commands import compare

    def broken(args):
        raise ValueError("b <= 0")  # what numpy raised inside the model

    monkeypatch.setattr(compare, "run", broken)
    with pytest.raises(ValueError, match="b <= 0"):
        cli.main(["compare", "--quiet"])


def test_help_imports_no_heavy_module():
    code = (
        "import sys; from lftm_sim import cli; cli.build_parser(); "
        "print(sorted(m for m in ('numpy', 'pandas', 'scipy', 'mesa', 'matplotlib', "
        "'networkx') if m in sys.modules))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.stdout.strip() == "[]", res.stdout + res.stderr


def test_the_parsers_school_limit_is_the_declared_one():
    from lftm_sim.commands.common import MAX_SCHOOLS
    from lftm_sim.declarations import SETTINGS

    assert MAX_SCHOOLS == SETTINGS["n_schools"].hi


def test_help_and_version():
    assert "--replicates" in lftm("compare", "--help").stdout
    assert lftm("--version").stdout.strip()


# --- README ---------------------------------------------------------------------------


def test_readme_column_table_is_generated_from_the_reporters():
    from lftm_sim.metrics import REPORTERS
    from lftm_sim.outputs import columns_markdown

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- columns:start -->\n", "\n<!-- columns:end -->"
    table = text[text.index(start) + len(start) : text.index(end)]
    assert table == columns_markdown(), "regenerate with lftm_sim.outputs.columns_markdown()"
    for name, reporter in REPORTERS.items():
        assert f"| `{name}` | {reporter.__doc__.split('.')[0]}" in table, name


def test_readme_says_batch_run_needs_a_main_guard():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    at = text.index("mesa.batch_run(SystemModel")
    assert 'if __name__ == "__main__":' in text[at : at + 1500]
    assert "spawn" in text[at : at + 1500]


# --- the CLI's dispatch of runs; intervals ---------------------------------------------


def test_chunked_dispatch_gives_run_variants_results_in_few_ensemble_calls(monkeypatch):
    from lftm_sim import ensemble
    from lftm_sim.commands import runs
    from lftm_sim.experiments import run_variants

    variants = {
        s: {"n_schools": 60, "n_districts": 3, "strategy": s} for s in ("top_down", "middle_led")
    }
    expected = run_variants(variants, 4, 1.0, seed=5, progress=False)
    calls = []
    real = ensemble.run_ensemble

    def spy(members, seeds, years):
        calls.append(len(members))
        return real(members, seeds, years)

    monkeypatch.setattr(ensemble, "run_ensemble", spy)
    got = runs.run_members(variants, 4, 1.0, seed=5, workers=1, progress=False)
    pd.testing.assert_frame_equal(got[expected.columns], expected)
    assert calls == [2, 2, 2, 2]  # chunks of members, not one call per run
    monkeypatch.undo()
    forked = runs.run_members(variants, 4, 1.0, seed=5, workers=2, progress=False)
    pd.testing.assert_frame_equal(forked, got)
    assert runs.effective_workers(64, 3) <= 3


def test_an_estimate_is_printed_only_for_jobs_over_a_minute(capsys):
    from lftm_sim.commands import runs

    slow = runs.estimate_seconds(200, 12, 100_000)
    assert slow > 60 > runs.estimate_seconds(8, 12, 500)
    runs.announce(slow, "200 runs", quiet=False)
    assert "200 runs: about" in capsys.readouterr().out
    runs.announce(30, "a few runs", quiet=False)
    runs.announce(slow, "200 runs", quiet=True)
    assert capsys.readouterr().out == ""


def test_intervals_need_two_replicates():
    import numpy as np

    from lftm_sim.analysis import band, t_interval

    mean, lo, hi = t_interval(np.array([0.4]))
    assert mean == 0.4 and np.isnan(lo) and np.isnan(hi)
    mean, lo, hi = t_interval(np.array([0.4, 0.6]))
    half = 12.7062 * np.std([0.4, 0.6], ddof=1) / np.sqrt(2)  # t(0.975, 1 dof)
    assert lo < mean < hi and hi - lo == pytest.approx(2 * half, rel=1e-4)
    frame = pd.DataFrame(
        {"variant": "a", "year": [0.0, 0.0, 1.0], "replicate": [0, 1, 0], "m": [0.4, 0.6, 0.5]}
    )
    b = band(frame, "m")
    assert b.loc[0, "low"] < 0.5 < b.loc[0, "high"] and np.isnan(b.loc[1, "low"])
