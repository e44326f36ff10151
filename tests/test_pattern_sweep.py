"""Pattern sweeps (`evaluate = "patterns"`): P1-P9 judged at every design point, their
indices through `lftm sensitivity`, and where in parameter space each pattern holds."""

import textwrap
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_runner import lftm

from lftm_sim.declarations import MECHANISM_PARAMS
from lftm_sim.errors import InputError
from lftm_sim.patterns import PATTERNS, PatternConfig, check_patterns
from lftm_sim.posterior import pattern_space, pipeline
from lftm_sim.sweep import design_frame, identity, load_spec, read_results, run_sweep
from lftm_sim.sweep.patterns import column, pattern_columns

SPEC = """\
[sweep]
name = "pat"
evaluate = "patterns"
design = "morris"
points = 4
replicates = 2
seed = 3
patterns = ["P1", "P2a", "P6a"]

[system]
n_schools = 40
n_districts = 2

[parameters.lift_max]
range = [0.1, 0.8]
scale = "log"
[parameters.budget]
range = [0.5, 2.0]
"""


LEVER = "[parameters.pressure]\nrange = [0.1, 0.5]\n"


def write(tmp_path: Path, text: str = SPEC, name: str = "pat.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    "change, key",
    [
        (("[system]", '[strategies]\nbaseline = "baseline"\n\n[system]'), "strategies"),
        (("seed = 3", "seed = 3\nyears = 12"), "sweep.years"),
        (('"P6a"]', '"P6x"]'), "sweep.patterns"),
        (("replicates = 2", "replicates = 1"), "sweep.replicates"),
        (
            ("[parameters.budget]", LEVER + "[parameters.budget]"),
            "parameters.pressure",
        ),
    ],
)
def test_a_pattern_sweep_refuses_what_it_cannot_honour(tmp_path, change, key):
    with pytest.raises(InputError) as err:
        load_spec(write(tmp_path, SPEC.replace(*change)))
    assert err.value.key == key and "\n" not in str(err.value)


def test_patterns_outside_a_pattern_sweep_are_refused(tmp_path):
    text = SPEC.replace('evaluate = "patterns"\n', "years = 2\n")
    with pytest.raises(InputError) as err:
        load_spec(write(tmp_path, text))
    assert err.value.key == "sweep.patterns"


def test_unknown_pattern_gets_a_suggestion(tmp_path):
    with pytest.raises(InputError, match="did you mean 'P5'"):
        load_spec(write(tmp_path, SPEC.replace('"P6a"]', '"P55"]')))


def test_each_point_is_one_row_equal_to_check_patterns_there(tmp_path):
    spec = load_spec(write(tmp_path))
    assert spec.runs_per_point == 1
    assert spec.years == max(PATTERNS[c].years for c in spec.patterns)
    result = run_sweep(spec.path, tmp_path / "out", workers=0, progress=False)
    runs = read_results(tmp_path / "out").sort_values("point").reset_index(drop=True)
    assert result.done == len(design_frame(spec)) == len(runs) == 4 * 3
    assert set(pattern_columns(spec.patterns)) <= set(runs.columns)
    assert set(np.unique(runs[[column(c, "holds") for c in spec.patterns]])) <= {0.0, 1.0}
    # the oracle: point 5 judged directly, with the same seed, gives the same row
    row = runs.iloc[5]
    config = PatternConfig(
        n_schools=40,
        n_districts=2,
        replicates=2,
        seed=int(row["seed"]),
        mechanisms={"lift_max": row["lift_max"]},
        settings={"budget": row["budget"]},
    )
    for res in check_patterns(spec.patterns, config):
        assert row[column(res.code, "statistic")] == pytest.approx(res.statistic, rel=1e-12)
        assert row[column(res.code, "holds")] == float(res.passed)
    # the varied parameters reach the runs: statistics differ across points
    assert runs[column("P1", "statistic")].nunique() > 1


def test_pattern_rows_do_not_depend_on_workers(tmp_path):
    spec = write(tmp_path)
    run_sweep(spec, tmp_path / "a", workers=0, progress=False)
    run_sweep(spec, tmp_path / "b", workers=2, progress=False)
    a, b = (read_results(tmp_path / d).sort_values("point").reset_index(drop=True) for d in "ab")
    pd.testing.assert_frame_equal(a, b)


def test_run_ids_change_with_the_replicates_and_the_patterns(tmp_path):
    def ids(text):
        spec = load_spec(write(tmp_path, text, "x.toml"))
        return {r.run_id for c in identity.chunks(spec, design_frame(spec)) for r in c.runs}

    base = ids(SPEC)
    assert base.isdisjoint(ids(SPEC.replace("replicates = 2", "replicates = 3")))
    assert base.isdisjoint(ids(SPEC.replace(', "P6a"]', "]")))


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory):
    """A tiny Sobol pattern sweep run through the CLI, as `make sensitivity` runs one."""
    tmp = tmp_path_factory.mktemp("sobol")
    text = SPEC.replace('design = "morris"', 'design = "sobol"')
    text = text.replace("points = 4", "points = 16")
    spec = write(tmp, text.replace(', "P2a"', ""), "patterns_sobol.toml")
    out = tmp / "out" / "patterns_sobol"
    res = lftm("sensitivity", str(spec), "--out", str(out), "--workers", "0", "--quiet")
    assert res.returncode == 0, res.stderr
    return out


def test_sensitivity_of_pattern_statistics_through_the_cli(sobol_sweep):
    table = pd.read_csv(sobol_sweep / "sensitivity" / "sensitivity.csv")
    assert set(table["output"]) == {column(c, "statistic") for c in ("P1", "P6a")}
    assert set(table["parameter"]) == {"lift_max", "budget"}
    assert set(table["index"]) == {"S1", "ST"}
    assert (sobol_sweep / "sensitivity" / "sensitivity.png").stat().st_size > 0
    res = lftm(
        "policy-map", str(sobol_sweep), "--x", "lift_max", "--y", "budget", "--a", "x", "--b", "y"
    )
    assert res.returncode == 2 and "pattern sweep" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_the_pattern_section_reports_where_each_pattern_holds(sobol_sweep, tmp_path):
    doc = tmp_path / "docs" / "sensitivity.md"
    text = "\n".join(pattern_space.pattern_section(sobol_sweep.parent, doc))
    runs = read_results(sobol_sweep)
    share = runs[column("P6a", "holds")].mean()
    assert "Where each pattern holds" in text and "| P1 |" in text
    assert f"| P6a | {len(runs)} | {share:.3f}" in text
    assert (tmp_path / "docs" / "img" / "posterior" / "patterns_holds.png").stat().st_size > 0


def test_the_generated_pattern_specs_load_and_cover_every_mechanism(tmp_path):
    text = pattern_space.pattern_morris_spec(trajectories=4, schools=100, replicates=3)
    spec = load_spec(write(tmp_path, text, "m.toml"))
    names = {v.name for v in spec.varied}
    assert set(MECHANISM_PARAMS) <= names and {"budget", "capacity_level"} <= names
    assert spec.evaluate == "patterns" and spec.replicates == 3
    sobol = pattern_space.pattern_sobol_spec(text, ["lift_max", "budget"], base_samples=16)
    s = load_spec(write(tmp_path, sobol, "s.toml"))
    assert [v.name for v in s.varied] == ["lift_max", "budget"] and s.design == "sobol"
    assert tomllib.loads(sobol)["system"] == tomllib.loads(text)["system"]


@pytest.mark.slow  # Morris over all 49 parameters, then Sobol: make validate runs it
def test_the_patterns_step_writes_a_sobol_on_the_morris_top_ten_and_a_figure(tmp_path):
    sizes = {"trajectories": 4, "schools": 30, "base": 16, "pattern_reps": 2}
    sizes["codes"] = ["P1", "P6a"]  # the same steps, for two patterns only
    timing: dict = {}
    (tmp_path / "specs").mkdir()
    pipeline.patterns_step(tmp_path / "out", tmp_path / "specs", 0, sizes, timing)
    morris = pd.read_csv(tmp_path / "out" / "patterns_morris" / "sensitivity" / "sensitivity.csv")
    from lftm_sim.posterior.sensitivity import top_parameters

    top = top_parameters(morris[morris["output"].str.endswith("_statistic")])
    sobol = load_spec(tmp_path / "specs" / "patterns_sobol.toml")
    assert [v.name for v in sobol.varied] == top and len(top) == 10
    assert timing["patterns"] > 0
    doc = tmp_path / "docs" / "sensitivity.md"
    lines = pattern_space.pattern_section(tmp_path / "out", doc)
    text = "\n".join(lines)
    assert "Where each pattern holds" in text and "| P1 |" in text and "| P6a |" in text
    assert (tmp_path / "docs" / "img" / "posterior" / "patterns_holds.png").stat().st_size > 0


def test_holds_table_and_figure_show_the_data():
    runs = pd.DataFrame(
        {
            "a": [0.1, 0.2, 0.4, 0.8],
            "b": [1.0, 2.0, 3.0, 4.0],
            column("P1", "holds"): [1.0, 0.0, 1.0, 1.0],
            column("P1", "statistic"): [0.1, -0.1, 0.2, 0.3],
        }
    )
    table = pattern_space.holds_table(runs, ["P1"])
    assert table.loc[0, "share_holds"] == 0.75 and table.loc[0, "points"] == 4
    shares = pd.DataFrame({"pattern": ["P1", "P5", "P9"], "share_holds": [0.9, 0.5, 0.0]})
    words = "\n".join(pattern_space.plain_words(shares))
    assert "- P1 hold over most" in words and "- P5 hold in parts" in words
    assert "- P9 fail over nearly all of it (under 20%)." in words
    sobol = pd.DataFrame(
        {
            "index": ["ST", "ST"],
            "output": [column("P1", "statistic")] * 2,
            "parameter": ["b", "a"],
            "value": [0.2, 0.9],
        }
    )
    assert pattern_space.drivers(sobol, "P1") == ["a", "b"]
    fig = pattern_space.holds_figure(runs, sobol, ["P1"], log={"a"})
    ax = fig.axes[0]
    assert ax.get_xlabel() == "a" and ax.get_xscale() == "log"
    assert sum(len(c.get_offsets()) for c in ax.collections) == 4
    assert "75%" in ax.get_title()


def test_a_morris_pattern_sweep_needs_a_range(tmp_path):
    head = SPEC.split("[parameters.lift_max]")[0]
    with pytest.raises(InputError) as err:
        load_spec(write(tmp_path, head + "[parameters.budget]\nvalues = [0.5, 2.0]\n"))
    assert err.value.key == "sweep.design"


def test_the_committed_pattern_morris_spec_is_what_the_declarations_give():
    committed = (Path(__file__).parent.parent / "sweeps" / "patterns_morris.toml").read_text()
    assert committed == pattern_space.pattern_morris_spec()
