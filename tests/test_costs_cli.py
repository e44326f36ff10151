"""Cost-effectiveness curves and the decomposition: library and `lftm cost-effectiveness`."""

import json

import pandas as pd
import pytest
from cli_runner import lftm
from matplotlib.figure import Figure

from lftm_sim import cost_effectiveness as ce
from lftm_sim import costs
from lftm_sim.strategies import resolve_strategy

SMALL = {"n_schools": 40, "n_districts": 2, "replicates": 2, "years": 1.0}
SYSTEM = {"n_schools": 40, "n_districts": 2}


def test_decomposition_runs_every_variant():
    table = ce.decomposition(ce.Design(**SMALL, seed=3)).set_index("variant")
    expected = set(ce.decomposition_variants(SYSTEM)) - {"baseline"}
    assert set(table.index) == expected
    for name in ("top_down@0", "bottom_up@0", "middle_led@0"):
        assert table.loc[name, "spend"] == 0.0
    assert table.loc["middle_led", "spend"] == pytest.approx(1.0)
    assert (table["gain_low"] <= table["gain"]).all() and (table["n"] == 2).all()
    # middle-led's dispositions with the whole budget in central support: nothing priced
    swapped = ce.decomposition_variants(SYSTEM)["middle_led levers, money to central support"]
    assert costs.activity_cost(resolve_strategy(swapped["strategy"])) == 0.0
    assert table.loc["middle_led levers, money to central support", "spend"] == 1.0
    assert table.loc["middle_led levers, money to central support", "gain"] != pytest.approx(
        table.loc["middle_led", "gain"], abs=1e-12
    )


def test_curves_and_figure():
    table = ce.curves(["top_down"], [0.0, 2.0], ce.Design(**SMALL, seed=1))
    assert table["budget"].tolist() == [0.0, 2.0]
    assert table["spend"].tolist() == pytest.approx([0.0, 2.0])
    assert isinstance(ce.curve_figure(table), Figure)


def test_cost_effectiveness_command(tmp_path):
    out = tmp_path / "ce"
    args = [
        "cost-effectiveness",
        "--budgets",
        "0,1",
        "--strategies",
        "top_down,middle_led",
        "--schools",
        "40",
        "--districts",
        "2",
        "--replicates",
        "2",
        "--years",
        "1",
        "--decomposition",
        "--quiet",
        "--out",
        str(out),
    ]
    res = lftm(*args)
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out / "cost_effectiveness.csv")
    assert len(table) == 4 and set(table["strategy"]) == {"top_down", "middle_led"}
    assert table.loc[table["budget"] == 0, "spend"].eq(0).all()
    assert (out / "cost_effectiveness.png").stat().st_size > 5_000
    levers = pd.read_csv(out / "costs.csv")
    assert levers.groupby("strategy")["spend"].sum().tolist() == pytest.approx([1.0, 1.0])
    assert len(pd.read_csv(out / "decomposition.csv")) == 7
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["parameters"]["budgets"] == [0.0, 1.0]

    before = (out / "cost_effectiveness.csv").read_bytes()
    again = lftm(*args)
    assert again.returncode == 2 and "pass --force" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    assert (out / "cost_effectiveness.csv").read_bytes() == before
    forced = lftm(*args, "--force")
    assert forced.returncode == 0, forced.stderr


@pytest.mark.parametrize(
    "flag, value, says",
    [
        ("--budgets", "0,4", "[0, 3]"),
        ("--budgets", "0,x", "not a number"),
        ("--strategies", "middle_lead", "did you mean 'middle_led'"),
        ("--metric", "capacity", "mean_capacity"),
    ],
)
def test_bad_input_is_one_line_and_status_2(tmp_path, flag, value, says):
    res = lftm("cost-effectiveness", flag, value, "--out", str(tmp_path / "x"))
    assert res.returncode == 2
    assert says in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr and not (tmp_path / "x").exists()
