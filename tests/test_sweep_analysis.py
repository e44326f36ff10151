"""`lftm sensitivity` and `lftm policy-map` on small sweeps (SALib Morris and Sobol)."""

import numpy as np
import pandas as pd
import pytest
from cli_runner import lftm
from matplotlib.figure import Figure
from test_sweep import small_spec

from lftm_sim.sweep import run_sweep
from lftm_sim.sweep.policy_map import policy_map, policy_map_figure
from lftm_sim.sweep.sensitivity import sensitivity, sensitivity_figure

SENS = """\
[sweep]
years = 1
design = "{design}"
points = {points}
replicates = 2
seed = 2
[system]
n_schools = 60
n_districts = 3
[strategies]
middle_led = "middle_led"
[parameters.capacity_level]
range = [0.3, 0.7]
[parameters.noise]
range = [0.0, 0.1]
[output]
reporters = ["mean_performance"]
"""


@pytest.mark.parametrize("design,points,index", [("morris", 4, "mu_star"), ("sobol", 16, "ST")])
def test_indices_find_the_parameter_that_matters(tmp_path, design, points, index):
    spec = small_spec(tmp_path, SENS.format(design=design, points=points))
    run_sweep(spec, tmp_path / "s", workers=0, progress=False)
    res = sensitivity(tmp_path / "s", ["mean_performance_y1"])
    t = res.table.set_index(["index", "parameter"])
    # capacity_level sets initial capacity and so performance; noise is symmetric
    assert t.loc[(index, "capacity_level"), "value"] > 3 * abs(t.loc[(index, "noise"), "value"])
    assert (t["blocks_used"] == points).all() and (t["runs_missing"] == 0).all()
    assert t["noise_share"].between(0, 1).all()
    assert len(res.convergence) == 1 and "N/2 vs N" in res.convergence[0]
    assert np.isfinite(t["half_n_value"]).all()
    assert isinstance(sensitivity_figure(res), Figure)


def test_failed_runs_are_reported_not_dropped(tmp_path):
    text = SENS.format(design="morris", points=6).replace("[0.3, 0.7]", "[0.15, 0.7]")
    spec = small_spec(tmp_path, text)
    res = run_sweep(spec, tmp_path / "s", workers=0, progress=False)
    assert res.failures  # capacity_level 0.15 is refused by the model: those runs fail
    out = sensitivity(tmp_path / "s", ["mean_performance_y1"])
    t = out.table
    assert (t["blocks_used"] < t["blocks_total"]).all()  # trajectories through them left out
    assert (t["runs_missing"] == len(res.failures)).all()  # and counted


POLICY = """\
[sweep]
years = 1
design = "grid"
points = 3
replicates = 3
seed = 4
[system]
n_schools = 60
n_districts = 3
[strategies]
top_down = "top_down"
middle_led = "middle_led"
[parameters.budget]
range = [0.5, 1.5]
[parameters.capacity_level]
range = [0.3, 0.7]
[output]
reporters = ["mean_performance"]
"""


def test_policy_map_paired_differences(tmp_path):
    spec = small_spec(tmp_path, POLICY)
    run_sweep(spec, tmp_path / "s", workers=0, progress=False)
    cells = policy_map(
        tmp_path / "s", "budget", "capacity_level", "mean_performance_y1", "middle_led", "top_down"
    )
    assert len(cells) == 9 and (cells["pairs"] == 3).all()
    runs = pd.read_parquet(tmp_path / "s" / "runs")
    wide = runs.pivot_table(
        index=["point", "replicate"], columns="strategy", values="mean_performance_y1"
    )
    diff = (wide["middle_led"] - wide["top_down"]).groupby("point").mean()
    np.testing.assert_allclose(np.sort(cells["mean_diff"]), np.sort(diff))
    inside = (cells["lo"] <= 0) & (cells["hi"] >= 0)
    assert (cells["crosses_zero"] == inside).all()
    assert (cells["spend_middle_led"] == cells["spend_top_down"]).all()  # equal cost
    assert isinstance(policy_map_figure(cells), Figure)


def test_policy_map_and_sensitivity_commands(tmp_path):
    spec = small_spec(tmp_path, POLICY)
    out = tmp_path / "s"
    res = lftm(
        "policy-map",
        str(spec),
        "--out",
        str(out),
        "--x",
        "budget",
        "--y",
        "capacity_level",
        "--workers",
        "0",
        "--quiet",
    )
    assert res.returncode == 0, res.stderr
    cells = pd.read_csv(out / "policy_map" / "policy_map.csv")
    assert len(cells) == 9 and (out / "policy_map" / "policy_map.png").stat().st_size > 0
    again = lftm("policy-map", str(out), "--x", "budget", "--y", "capacity_level")
    assert again.returncode == 2 and "--report" in again.stderr  # no silent overwrite
    bad = lftm("policy-map", str(out), "--x", "budget", "--y", "floor", "--force")
    assert bad.returncode == 2 and "--y" in bad.stderr and "capacity_level" in bad.stderr
    sens = lftm("sensitivity", str(out))
    assert sens.returncode == 2 and "sweep.design" in sens.stderr
