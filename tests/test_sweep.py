"""Sweeps: specs, designs, seeds and ids, summaries, executors, failures (lftm_sim.sweep)."""

import os
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_runner import lftm

from lftm_sim import metrics
from lftm_sim.declarations import PARAMETERS
from lftm_sim.errors import InputError
from lftm_sim.experiments import run_model, run_seed
from lftm_sim.sweep import (
    design_frame,
    identity,
    load_spec,
    read_results,
    run_sweep,
    runner,
    sweep_status,
)

SMALL = """\
[sweep]
name = "small"
years = 2
design = "lhs"
points = 4
replicates = 2
seed = 5
baseline = "baseline"

[system]
n_schools = 60
n_districts = 3

[strategies]
baseline = "baseline"
middle_led = "middle_led"

[parameters.network_size]
range = [5, 20]
[parameters.join_rate]
range = [0.5, 5]
scale = "log"

[output]
reporters = ["mean_performance", "gap"]
years = [1, 2]
retained_from = 1
series = true
[output.targets]
mean_performance = 0.45
"""


def small_spec(tmp_path: Path, text: str = SMALL, name: str = "small.toml") -> Path:
    """Write a spec file (the small one unless `text` is given)."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def sorted_results(root: Path, kind: str = "runs") -> pd.DataFrame:
    """A sweep's committed results in run-id order (the order parts arrive in varies)."""
    df = read_results(root, kind)
    keys = ["run_id", "step"] if kind == "series" else ["run_id"]
    return df.sort_values(keys).reset_index(drop=True)


# --- specs -------------------------------------------------------------------------------


BAD = [
    ("[sweep]\nyears = 2\n", "strategies"),
    (SMALL.replace("network_size]", "network_sise]"), "parameters.network_sise"),
    (SMALL.replace("range = [5, 20]", "range = [5, 40]"), "parameters.network_size.range"),
    (SMALL.replace("range = [0.5, 5]", "range = [0, 5]"), "parameters.join_rate.range"),
    (SMALL.replace('design = "lhs"', 'design = "sobol"'), "sweep.points"),
    (SMALL.replace('design = "lhs"', 'design = "latin"'), "sweep.design"),
    (SMALL.replace("replicates = 2", "replicates = 0"), "sweep.replicates"),
    (
        SMALL.replace('middle_led = "middle_led"', 'middle_led = "midle_led"'),
        "strategies.middle_led",
    ),
    (SMALL.replace('"gap"]', '"gapp"]'), "output.reporters"),
    (SMALL.replace("years = [1, 2]", "years = [1, 3]"), "output.years"),
    (
        SMALL.replace('baseline = "baseline"\n\n[system]', 'baseline = "none"\n\n[system]'),
        "sweep.baseline",
    ),
    (SMALL.replace("n_schools = 60", "n_schools = 0"), "system.n_schools"),
    (
        SMALL + "[parameters.middle_investment]\nrange = [0.5, 1.0]\n"
        "[strategies.spender]\npreset = 'top_down'\n",
        "parameters.middle_investment",
    ),
    ("[sweep\n", "line 1"),
]


@pytest.mark.parametrize("text,key", BAD)
def test_bad_spec_names_file_and_key(tmp_path, text, key):
    path = small_spec(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_spec(path)
    assert err.value.key == key
    message = str(err.value)
    assert message.startswith(f"{path}: {key}") and "\n" not in message


def test_bad_spec_on_the_command_line_writes_nothing(tmp_path):
    path = small_spec(tmp_path, SMALL.replace("range = [5, 20]", "range = [5, 40]"))
    out = tmp_path / "out"
    res = lftm("sweep", str(path), "--out", str(out))
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "parameters.network_size.range" in lines[0]
    assert "[5, 20]" in lines[0] and "Traceback" not in res.stderr
    assert not out.exists()


def test_resume_on_a_directory_that_is_not_a_sweep(tmp_path):
    (tmp_path / "stuff").mkdir()
    (tmp_path / "stuff" / "keep.txt").write_text("mine")
    res = lftm("sweep", str(tmp_path / "stuff"), "--resume")
    assert res.returncode == 2 and "not a sweep directory" in res.stderr
    assert os.listdir(tmp_path / "stuff") == ["keep.txt"]


def test_spec_ranges_come_from_the_declarations(tmp_path):
    spec = load_spec(small_spec(tmp_path))
    ns = spec.varied_by_name["network_size"]
    assert ns.param is PARAMETERS["network_size"] and (ns.lo, ns.hi) == (5.0, 20.0)
    hi = PARAMETERS["network_size"].hi
    bad = small_spec(tmp_path, SMALL.replace("range = [5, 20]", f"range = [5, {hi + 1}]"))
    with pytest.raises(InputError, match=f"in \\[5, {hi:g}\\]"):
        load_spec(bad)


# --- designs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "design,points,rows", [("grid", 3, 9), ("lhs", 5, 5), ("sobol", 16, 64), ("morris", 4, 12)]
)
def test_design_sizes_ranges_and_determinism(tmp_path, design, points, rows):
    text = SMALL.replace('design = "lhs"', f'design = "{design}"').replace(
        "points = 4", f"points = {points}"
    )
    spec = load_spec(small_spec(tmp_path, text))
    d = design_frame(spec)
    assert len(d) == rows and list(d.columns) == ["network_size", "join_rate"]
    assert d["network_size"].between(5, 20).all() and d["join_rate"].between(0.5, 5).all()
    pd.testing.assert_frame_equal(d, design_frame(spec))  # same seed, same design
    if design == "lhs":  # one point in each of the `points` strata of every axis
        strata = np.floor((d["network_size"] - 5) / 15 * points).clip(0, points - 1)
        assert sorted(strata) == list(range(points))
        logs = np.floor(np.log(d["join_rate"] / 0.5) / np.log(10) * points).clip(0, points - 1)
        assert sorted(logs) == list(range(points))  # log scale: strata equal in log


def test_listed_values_cross_the_design_and_integers_stay_integers(tmp_path):
    text = SMALL + "[parameters.consortium_size]\nvalues = [2, 5, 9]\n"
    spec = load_spec(small_spec(tmp_path, text))
    d = design_frame(spec)
    assert len(d) == 3 * 4
    assert list(d["consortium_size"]) == [2] * 4 + [5] * 4 + [9] * 4
    assert d["consortium_size"].dtype.kind == "i"
    # the continuous design repeats for every listed value
    np.testing.assert_array_equal(d["network_size"][:4], d["network_size"][4:8])


# --- seeds and identity ------------------------------------------------------------------


def test_seeds_ignore_the_strategy_and_ids_change_with_what_matters(tmp_path):
    spec = load_spec(small_spec(tmp_path))
    chunk = next(identity.chunks(spec, design_frame(spec), "1.0"))
    by = {(r.strategy, r.replicate): r for r in chunk.runs}
    assert by["baseline", 0].seed == by["middle_led", 0].seed == run_seed(5, 0, 0)
    assert by["baseline", 1].seed == run_seed(5, 1, 0) != by["baseline", 0].seed
    ids = {r.run_id for r in chunk.runs}
    assert len(ids) == len(chunk.runs)
    other = next(identity.chunks(spec, design_frame(spec), "1.1"))
    assert ids.isdisjoint(r.run_id for r in other.runs)  # the version is in the id
    again = next(identity.chunks(spec, design_frame(spec), "1.0"))
    assert [r.run_id for r in again.runs] == [r.run_id for r in chunk.runs]


def test_summaries_equal_the_metrics_module(tmp_path):
    spec = load_spec(small_spec(tmp_path))
    chunk = next(identity.chunks(spec, design_frame(spec)))
    res = runner.run_chunk(spec, chunk, frozenset(r.run_id for r in chunk.runs))
    row = res.runs.set_index(["strategy", "replicate"]).loc[("middle_led", 1)]
    k = [r.strategy for r in chunk.runs].index("middle_led") + 2  # replicate 1
    run = run_model(chunk.members[k], chunk.runs[k].seed, spec.years)
    base = run_model(chunk.members[k - 1], chunk.runs[k - 1].seed, spec.years)
    assert chunk.runs[k - 1].strategy == "baseline" and chunk.runs[k].replicate == 1
    col = "mean_performance"
    assert row[f"{col}_y2"] == pytest.approx(float(run[col].iloc[-1]))
    assert row[f"gain_{col}_y1"] == pytest.approx(metrics.gain_over_baseline(run, base, col, 1))
    assert row[f"retained_{col}"] == pytest.approx(metrics.gain_retained(run, base, col, 1, 1))
    assert row[f"auc_{col}"] == pytest.approx(metrics.area_under_curve(run, col))
    assert row[f"auc_gain_{col}"] == pytest.approx(metrics.area_under_curve(run, col, base))
    assert row[f"time_to_{col}"] == pytest.approx(
        metrics.time_to_target(run, col, 0.45), nan_ok=True
    )
    series = res.series[res.series["run_id"] == chunk.runs[k].run_id]
    np.testing.assert_allclose(series[col], run[col])


# --- runs, executors, failures -----------------------------------------------------------


def test_results_do_not_depend_on_workers(tmp_path):
    spec = small_spec(tmp_path)
    a = run_sweep(spec, tmp_path / "a", workers=0, progress=False)
    b = run_sweep(spec, tmp_path / "b", workers=2, progress=False)
    assert a.done == b.done == 4 * 2 * 2 and not a.failures
    pd.testing.assert_frame_equal(sorted_results(tmp_path / "a"), sorted_results(tmp_path / "b"))
    pd.testing.assert_frame_equal(
        sorted_results(tmp_path / "a", "series"), sorted_results(tmp_path / "b", "series")
    )
    assert sweep_status(tmp_path / "a") == {"total": 16, "done": 16, "failed": 0, "left": 0}


def test_existing_output_is_never_overwritten_without_force(tmp_path):
    spec = small_spec(tmp_path)
    run_sweep(spec, tmp_path / "s", workers=0, progress=False)
    before = sorted_results(tmp_path / "s")
    with pytest.raises(InputError, match="exists and is not empty"):
        run_sweep(spec, tmp_path / "s", workers=0, progress=False)
    pd.testing.assert_frame_equal(sorted_results(tmp_path / "s"), before)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(InputError, match="not a sweep directory"):
        run_sweep(spec, tmp_path / "mine", workers=0, force=True, progress=False)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"
    run_sweep(spec, tmp_path / "s", workers=0, force=True, progress=False)
    pd.testing.assert_frame_equal(sorted_results(tmp_path / "s"), before)


def test_resume_refuses_another_version_unless_forced(tmp_path, monkeypatch):
    spec = small_spec(tmp_path)
    run_sweep(spec, tmp_path / "s", workers=0, progress=False)
    monkeypatch.setattr(identity, "package_version", lambda: "9.9.9")
    monkeypatch.setattr(runner, "package_version", lambda: "9.9.9")
    import lftm_sim.sweep.lifecycle as lifecycle

    monkeypatch.setattr(lifecycle, "package_version", lambda: "9.9.9")
    with pytest.raises(InputError, match="written by lftm-sim .* this is 9.9.9"):
        run_sweep(None, tmp_path / "s", workers=0, resume=True, progress=False)
    res = run_sweep(None, tmp_path / "s", workers=0, resume=True, force=True, progress=False)
    assert res.done == 32  # the old version's runs kept, this version's added


def _flaky_ensemble(members, seeds, years):
    if any(m.get("network_size", 0) > 12 and m["strategy"] == "middle_led" for m in members):
        raise RuntimeError("injected fault")
    from lftm_sim.experiments import run_model

    return [run_model(dict(m), int(s), years) for m, s in zip(members, seeds, strict=True)]


def test_a_run_that_raises_is_recorded_and_retried_on_resume(tmp_path, monkeypatch):
    spec = small_spec(tmp_path)
    run_sweep(spec, tmp_path / "ref", workers=0, progress=False)
    import lftm_sim.ensemble

    monkeypatch.setattr(lftm_sim.ensemble, "run_ensemble", _flaky_ensemble)
    res = run_sweep(spec, tmp_path / "s", workers=0, progress=False)
    d = design_frame(load_spec(spec))
    bad_points = int((d["network_size"] > 12).sum())
    assert 0 < bad_points < 4
    assert len(res.failures) == bad_points * 2  # middle_led only; baselines ran
    assert all("RuntimeError: injected fault" in e for e in res.failures.values())
    assert sweep_status(tmp_path / "s")["failed"] == bad_points * 2
    failed = read_results(tmp_path / "s", "failed")
    assert set(failed["strategy"]) == {"middle_led"} and "network_size" in failed
    monkeypatch.undo()
    again = run_sweep(None, tmp_path / "s", workers=0, resume=True, progress=False)
    assert not again.failures and again.done == 16
    pd.testing.assert_frame_equal(sorted_results(tmp_path / "s"), sorted_results(tmp_path / "ref"))


def exit_in_worker(spec, chunk, write):
    """A chunk function whose worker process dies on design point 2."""
    if chunk.point == 2:
        os._exit(17)
    return runner.run_chunk(spec, chunk, write)


def test_a_worker_that_dies_does_not_stop_the_sweep(tmp_path):
    spec = small_spec(tmp_path)
    res = run_sweep(spec, tmp_path / "s", workers=2, progress=False, chunk_fn=exit_in_worker)
    assert res.done == 12 and len(res.failures) == 4
    assert all("worker process died" in e for e in res.failures.values())
    runs = read_results(tmp_path / "s")
    assert sorted(runs["point"].unique()) == [0, 1, 3]
    again = run_sweep(None, tmp_path / "s", workers=2, resume=True, progress=False)
    assert again.done == 16 and not again.failures


def test_failing_runs_exit_non_zero_on_the_command_line(tmp_path):
    text = SMALL.replace('[parameters.join_rate]\nrange = [0.5, 5]\nscale = "log"\n', "")
    text = text.replace(
        "[parameters.network_size]\nrange = [5, 20]",
        "[parameters.capacity_level]\nrange = [0.15, 0.5]",
    )
    text = text.replace('design = "lhs"', 'design = "grid"').replace("points = 4", "points = 2")
    spec = small_spec(tmp_path, text)
    out = tmp_path / "s"
    res = lftm("sweep", str(spec), "--out", str(out), "--quiet")
    # capacity_level 0.15 with the default rest_need_slope puts rest capacity outside (0, 1)
    assert res.returncode == 3, res.stderr
    assert "4 of 8 runs failed" in res.stderr and "rest capacity outside" in res.stderr
    status = lftm("sweep", str(out), "--status")
    assert status.returncode == 0 and "4 done, 4 failed, 0 left" in status.stdout
    again = lftm("sweep", str(out), "--resume", "--quiet")  # retried: the model refuses again
    assert again.returncode == 3 and "4 of 8 runs failed" in again.stderr
