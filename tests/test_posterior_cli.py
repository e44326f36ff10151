"""`lftm calibrate` end to end in subprocesses, through the command module's own entry
point (`python -m lftm_sim.posterior.cli`), so the tests keep working once `lftm calibrate`
dispatches to it."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).parent.parent
TINY = [
    "scenarios/england_nlns.toml",
    "--population",
    "4",
    "--generations",
    "1",
    "--max-simulations",
    "8",
    "--schools",
    "20",
    "--draws",
    "3",
    "--quiet",
]


def calibrate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lftm_sim.posterior.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_calibrate_writes_posterior_table_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "cal"
    done = calibrate(*TINY, "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "out_of_sample.csv")
    methods = set(table["method"])
    assert {
        "model (fit on england)",
        "last value",
        "linear trend",
        "damped trend",
        "logistic",
    } <= methods
    assert table["rmse"].notna().all()
    assert (table["coverage90"].dropna().between(0, 1)).all()
    particles = pd.read_parquet(out / "posterior_england" / "particles.parquet")
    assert {"lift_max", "sigma", "weight", "generation"} <= set(particles.columns)
    settings = json.loads((out / "posterior_england" / "settings.json").read_text())
    assert settings["seed"] == 0 and "lift_max" in settings["priors"]
    before = (out / "out_of_sample.csv").read_bytes()
    again = calibrate(*TINY, "--out", str(out), "--seed", "5")
    assert again.returncode == 2
    assert len(again.stderr.strip().splitlines()) == 1 and "--force" in again.stderr
    assert (out / "out_of_sample.csv").read_bytes() == before  # nothing overwritten
    forced = calibrate(*TINY, "--out", str(out), "--seed", "5", "--force")
    assert forced.returncode == 0, forced.stderr
    from lftm_sim.posterior.report import calibration_doc

    doc = calibration_doc(out, tmp_path / "docs" / "calibration.md")
    table = pd.read_csv(out / "out_of_sample.csv")
    best = table.loc[table["rmse"].idxmin()]
    assert f"| {best['system']} | {best['method']} |" in doc  # the table, from the run
    assert (tmp_path / "docs" / "img" / "posterior" / "predictions.png").exists()


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--population", "1"], "--population"),
        (["--free", "lift_maxx"], "did you mean 'lift_max'"),
        (["scenarios/classroom_demo.toml"], "calibration"),
        (["no/such/file.toml"], "no/such/file.toml"),
        (["--schools", "3"], "--schools"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, needle):
    done = calibrate(*args, "--out", str(tmp_path / "x"), "--quiet")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in done.stderr
    assert not (tmp_path / "x").exists()  # nothing written


def test_the_command_module_is_light_to_import():
    """`lftm --help` must start fast: the calibration's heavy libraries load in run()."""
    heavy = ("pyabc", "statsmodels", "lftm_sim.posterior.abc", "matplotlib.pyplot")
    code = f"import sys, lftm_sim.posterior.cli; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_systems_fitted_in_parallel_give_the_same_posteriors(tmp_path):
    both = ["scenarios/ontario_2003_2015.toml", *TINY]
    runs = {}
    for n in ("1", "2"):
        out = tmp_path / f"p{n}"
        done = calibrate(*both, "--out", str(out), "--fit-processes", n)
        assert done.returncode == 0, done.stderr
        runs[n] = out
    for system in ("england", "ontario"):
        a, b = (
            pd.read_parquet(runs[n] / f"posterior_{system}" / "particles.parquet") for n in "12"
        )
        pd.testing.assert_frame_equal(a, b)
    bad = calibrate(*TINY, "--out", str(tmp_path / "x"), "--fit-processes", "0")
    assert bad.returncode == 2 and "--fit-processes" in bad.stderr
