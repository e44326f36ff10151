"""Sensitivity specs derived from the declarations, and the machinery they run on:
Morris and Sobol (through lftm_sim.sweep) rank a parameter that does nothing last."""

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lftm_sim.declarations import MECHANISM_PARAMS
from lftm_sim.experiments import run_model
from lftm_sim.posterior import sensitivity as sens

ROOT = Path(__file__).parent.parent
SPECS = sorted((ROOT / "sweeps").glob("sensitivity_morris_*.toml"))


def test_a_morris_spec_per_preset_is_committed():
    assert {p.stem.removeprefix("sensitivity_morris_") for p in SPECS} == set(sens.STRATEGIES)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_committed_morris_specs_are_what_the_declarations_give(path):
    text = path.read_text()
    reps = int(re.search(r"^replicates = (\d+)", text, re.M).group(1))
    strategy = path.stem.removeprefix("sensitivity_morris_")
    assert text == sens.morris_spec(strategy, reps)
    spec = tomllib.loads(text)["parameters"]
    lowered = sens.lowered()
    for name, p in MECHANISM_PARAMS.items():  # every mechanism, x0.25 to x4, clipped
        lo, hi = spec[name]["range"]
        assert spec[name]["scale"] == "log"
        want_lo, want_hi = max(p.default / 4, p.lo), min(p.default * 4, p.hi)
        if name == sens.CEILING:
            assert hi == pytest.approx(want_hi, rel=1e-5)
            want_lo = p.default / lowered.get(name, 4)
        else:
            assert lo == pytest.approx(want_lo, rel=1e-5)
            want_hi = min(p.default * lowered.get(name, 4), p.hi)
        assert (lo, hi) == pytest.approx((want_lo, want_hi), rel=1e-3)
    assert {"budget", "capacity_level", "n_districts"} <= set(spec)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_committed_specs_load_as_sweeps(path):
    from lftm_sim.sweep import load_spec

    assert len(load_spec(path).varied) >= len(MECHANISM_PARAMS) + 3
    sobol = path.with_name(path.name.replace("morris", "sobol"))
    if sobol.exists():
        assert len(load_spec(sobol).varied) == 10


def test_only_the_form_checks_shrink_the_box_and_its_worst_corner_is_valid():
    from lftm_sim.parameters import Mechanisms, check_form

    ranges = sens.mechanism_ranges()
    corner = {k: (lo if k == sens.CEILING else hi) for k, (lo, hi) in ranges.items()}
    check_form(Mechanisms(**corner), sens.budget_range()[1])  # raises if invalid
    assert len(sens.lowered()) < len(MECHANISM_PARAMS) / 2
    for name in sens.lowered():  # each lowered one really is needed: x4 breaks the corner
        p = MECHANISM_PARAMS[name]
        bad = dict(
            corner, **{name: p.default / 4 if name == sens.CEILING else min(4 * p.default, p.hi)}
        )
        assert not sens._valid(bad, sens.budget_range()[1]), name


def test_lever_ranges_keep_spending_within_the_budget():
    ranges = sens.lever_ranges("middle_led")
    assert ranges["middle_investment"] == (0.8, 1.0)  # holds the whole budget: only down
    assert "central_support" not in ranges  # at 0 beside it: cannot rise alone
    assert ranges["pressure"] == pytest.approx((0.0, 0.3))
    assert ranges["priorities"] == pytest.approx((2.4, 3.6))  # a count: +-20%


def test_replicates_needed_follows_the_cv():
    steady = np.tile([1.0, 1.2], 20)  # CV settles at once
    assert sens.replicates_needed(steady) <= 4
    late = np.r_[np.ones(10), np.tile([0.5, 1.5], 15)]  # spread only after 10 runs
    assert sens.replicates_needed(late) > 10


def test_top_parameters_scale_each_output():
    table = pd.DataFrame(
        {
            "index": "mu_star",
            "output": ["a", "a", "a", "b", "b", "b"],
            "parameter": ["x", "y", "z"] * 2,
            "value": [10.0, 1, 0, 0.01, 0.02, 0.0],
        }
    )
    assert sens.top_parameters(table, 2) == ["x", "y"]  # y leads output b


INERT = "grant_rate"  # only bottom-up's grants use it


def _tiny_spec(tmp_path: Path, design: str, points: int) -> Path:
    spec = tmp_path / f"{design}.toml"
    spec.write_text(f"""
[sweep]
years = 6
design = "{design}"
points = {points}
replicates = 1
seed = 4
baseline = "baseline"
[system]
n_schools = 60
n_districts = 4
[strategies]
baseline = "baseline"
top_down = "top_down"
[parameters.central_rate]
range = [0.01, 0.2]
[parameters.lift_max]
range = [0.05, 0.6]
[parameters.{INERT}]
range = [0.0025, 0.04]
scale = "log"
[output]
reporters = ["mean_performance"]
years = [6]
""")
    return spec


@pytest.mark.parametrize("design, points, index", [("morris", 4, "mu_star"), ("sobol", 16, "ST")])
def test_a_parameter_that_does_nothing_ranks_last(tmp_path, design, points, index):
    base = {"n_schools": 40, "n_districts": 4, "strategy": "top_down"}
    a = run_model({**base, "mechanisms": {INERT: 0.0025}}, 1, 2)["mean_performance"]
    b = run_model({**base, "mechanisms": {INERT: 0.04}}, 1, 2)["mean_performance"]
    assert a.equals(b), f"precondition: {INERT} must do nothing under top_down"
    from lftm_sim.sweep import run_sweep
    from lftm_sim.sweep.sensitivity import sensitivity

    run_sweep(_tiny_spec(tmp_path, design, points), tmp_path / "s", progress=False)
    table = sensitivity(tmp_path / "s", ["gain_mean_performance_y6"], ["top_down"]).table
    rows = table[table["index"] == index].set_index("parameter")["value"]
    print(rows)
    # each design point has its own seed, so the inert parameter's index is replicate
    # noise, not 0: it must rank last, well below every parameter that acts
    assert rows.idxmin() == INERT
    assert rows[INERT] < 0.5 * rows.drop(INERT).min()


def test_the_convergence_line_reports_the_half_design_change():
    import pandas as pd

    from lftm_sim.posterior.sensitivity_report import convergence

    table = pd.DataFrame(
        {
            "index": ["ST", "ST", "S1"],
            "output": ["a", "a", "a"],
            "value": [0.5, 0.2, 0.9],
            "half_n_value": [0.4, 0.25, 0.0],
            "conf": [0.1, 0.3, 5.0],
        }
    )
    line = convergence(table, "ST")
    assert "a 0.100" in line and "half-width: 0.200" in line
