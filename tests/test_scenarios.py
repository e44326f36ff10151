"""Scenario files: every shipped file loads and runs; the loader refuses bad input with one
line naming the file and the key; variants, timelines and the resolved form behave."""

from __future__ import annotations

import math
import os
import pickle
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from lftm_sim import scenarios as sc
from lftm_sim.model import SystemModel
from lftm_sim.scenarios import (
    CALIBRATION_KEYS,
    PHASE_KEYS,
    SCENARIO_DIR,
    SCENARIO_KEYS,
    SYSTEM_KEYS,
    ScenarioError,
    load_scenario,
    memory,
    scenario_files,
)
from lftm_sim.strategies import LEVERS, PRESETS, Timeline

ROOT = Path(__file__).resolve().parents[1]
FILES = scenario_files()
FORMATS = ROOT / "docs" / "formats.md"

BASE = """\
[scenario]
name = "test"
status = "illustrative"
start_year = 2000
end_year = 2006
seed = 1

[system]
schools = 120
districts = 4
capacity_level = 0.5

[[phases]]
start = 2000
end = 2003
strategy = "top_down"
label = "first"

[[phases]]
start = 2003
end = 2006
strategy = "middle_led"
[phases.levers]
pressure = 0.2
"""


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def small(scenario: sc.Scenario) -> sc.Scenario:
    """A fast variant of a shipped scenario: at most 200 schools (graphs stay as they are)."""
    if scenario.graph is not None:
        return scenario
    schools = min(200, scenario.system["schools"])
    return scenario.with_system(schools=schools, districts=min(scenario.system["districts"], 40))


# --- the shipped scenario files -----------------------------------------------------------------


def test_the_scenario_files_are_there():
    names = {p.stem for p in FILES}
    assert {
        "england_nlns",
        "ontario_2003_2015",
        "ontario_special_education",
        "code_consortium",
        "new_zealand",
        "npdl_deep_learning",
        "district_cohorts",
        "classroom_demo",
        "small_graph",
    } <= names
    assert (SCENARIO_DIR / "graphs" / "small.graphml").is_file()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_scenario_loads_builds_and_runs_without_clipping(path):
    scenario = load_scenario(path)
    assert scenario.status in sc.STATUSES
    assert scenario.years == scenario.end_year - scenario.start_year > 0
    fast = small(scenario)
    model = fast.make_model()
    df = model.run(fast.years)  # every phase, on a small system
    assert model.clip_count == 0
    assert len(df) == fast.steps + 1
    assert not df.drop(columns=["step"]).isna().any().any()
    assert model.timeline.phases[-1].label == scenario.phases[-1].label


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_status_is_stated_in_the_file_and_illustrative_without_figures(path):
    scenario = load_scenario(path)
    text = path.read_text(encoding="utf-8")
    assert f'status = "{scenario.status}"' in text
    if scenario.status == "calibrated":
        assert scenario.calibration is not None
    else:
        assert "illustrative" in text


def test_calibrated_scenarios_name_their_series():
    england = load_scenario(SCENARIO_DIR / "england_nlns.toml")
    assert england.calibration["series"] == ["ks2_english_level4", "ks2_maths_level4"]
    assert england.calibration["fit"] == [1997, 1999]
    assert england.calibration["predict"] == [2000, 2003]
    ontario = load_scenario(SCENARIO_DIR / "ontario_2003_2015.toml")
    assert set(ontario.calibration["series"]) == {
        "eqao_g3_reading",
        "eqao_g3_writing",
        "eqao_g3_math",
    }
    assert ontario.calibration["extra_predict"] == ["eqao_combined_at_standard"]
    assert england.calibration["extra_predict"] == []


@pytest.mark.parametrize(("name", "target"), [("england_nlns", 0.63), ("ontario_2003_2015", 0.54)])
def test_initial_performance_matches_the_published_start(name, target):
    scenario = load_scenario(SCENARIO_DIR / f"{name}.toml")
    start = [scenario.make_model(rng=seed).results()["mean_performance"][0] for seed in range(4)]
    assert abs(np.mean(start) - target) < 0.02


def test_new_zealand_has_no_middle_tier_and_imposed_then_co_designed_networks():
    nz = load_scenario(SCENARIO_DIR / "new_zealand.toml")
    assert nz.system["districts"] == 0 and nz.system["initial_network_share"] == 0
    imposed, co_designed = nz.phases[1].resolve(), nz.phases[2].resolve()
    assert imposed.co_design == 0 and imposed.network_uptake > 0
    assert co_designed.co_design > 0.5 and co_designed.network_uptake > imposed.network_uptake


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_spending_shares_sum_to_at_most_one(path):
    for phase in load_scenario(path).phases:
        assert phase.resolve().spend_share <= 1 + 1e-12


# --- timeline, variants, resolved form ------------------------------------------------------------


def test_timeline_is_in_years_since_start_with_labels_and_levers(tmp_path):
    scenario = load_scenario(write(tmp_path, BASE))
    tl = scenario.timeline()
    assert isinstance(tl, Timeline)
    assert [p.start for p in tl.phases] == [0.0, 3.0]
    assert [p.label for p in tl.phases] == ["first", "middle_led"]
    assert tl.phases[0].strategy == PRESETS["top_down"]
    assert tl.phases[1].strategy == PRESETS["middle_led"].with_levers(pressure=0.2)
    assert tl.at(2.75).label == "first" and tl.at(3.0).label == "middle_led"

    ontario = load_scenario(SCENARIO_DIR / "ontario_2003_2015.toml").timeline()
    assert [p.start for p in ontario.phases] == [0.0, 8.0]
    assert ontario.phases[0].strategy.middle_investment == 0.4


def test_model_kwargs_and_make_model(tmp_path):
    scenario = load_scenario(write(tmp_path, BASE))
    kwargs = scenario.model_kwargs()
    assert "rng" not in kwargs
    assert kwargs["n_schools"] == 120 and kwargs["n_districts"] == 4
    assert kwargs["capacity_level"] == 0.5 and kwargs["mechanisms"] == {}
    assert isinstance(kwargs["timeline"], Timeline)
    a = scenario.make_model().run(1)
    b = SystemModel(**kwargs, rng=scenario.seed).run(1)
    assert a.equals(b)  # the scenario's seed by default
    c = scenario.make_model(rng=99).run(1)
    assert not a.equals(c)
    model = scenario.make_model(n_schools=60, pressure=0.3)
    assert model.topology.n_schools == 60
    assert all(p.strategy.pressure == 0.3 for p in model.timeline.phases)
    assert scenario.make_model(schools=50).topology.n_schools == 50


def test_run_adds_calendar_years(tmp_path):
    df = load_scenario(write(tmp_path, BASE)).run()
    assert df["calendar_year"].iloc[0] == 2000 and df["calendar_year"].iloc[-1] == 2006


def test_with_phase_start_moves_one_boundary():
    demo = load_scenario(SCENARIO_DIR / "classroom_demo.toml")
    earlier = demo.with_phase_start(1, 2004)
    assert (earlier.phases[0].start, earlier.phases[0].end) == (2000, 2004)
    assert (earlier.phases[1].start, earlier.phases[1].end) == (2004, 2012)
    assert [p.start for p in earlier.timeline().phases] == [0.0, 4.0]
    assert demo.phases[1].start == 2006  # the original is unchanged
    assert earlier.with_phase_start(1, 2006.5).timeline().phases[1].start == 6.5
    for index, year in [(0, 2003), (2, 2005), (1, 2000), (1, 2012), (1, 2030)]:
        with pytest.raises(ScenarioError) as err:
            demo.with_phase_start(index, year)
        assert_one_line(err.value, demo.path, f"phases[{index}].start")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_to_dict_is_fully_resolved_and_round_trips(path, tmp_path):
    scenario = load_scenario(path)
    d = scenario.to_dict()
    assert set(d) >= {"scenario", "system", "mechanisms", "phases"}
    for phase, resolved in zip(d["phases"], scenario.phases, strict=True):
        assert set(phase["levers"]) == set(LEVERS)
        assert phase["levers"] == resolved.resolve().to_dict()
    assert set(d["mechanisms"]) == set(sc.MECHANISM_KEYS)
    if scenario.graph is None:
        assert set(d["system"]) == {k for k in SYSTEM_KEYS if not k.startswith("graph")}
    else:
        assert Path(d["system"]["graph"]).is_absolute()
    text = scenario.to_toml()
    assert tomllib.loads(text) == d
    out = scenario.write_toml(tmp_path / "resolved.toml")
    again = load_scenario(out)
    assert again.to_dict() == d
    with pytest.raises(FileExistsError):
        scenario.write_toml(out)


def test_graph_scenario_builds_from_the_file():
    scenario = load_scenario(SCENARIO_DIR / "small_graph.toml")
    assert scenario.graph is not None and scenario.n_schools == 24
    model = scenario.make_model()
    assert model.topology.n_schools == 24 and model.topology.n_districts == 3
    assert model.topology.n_networks == 3
    assert "schools" not in scenario.model_kwargs() and "n_schools" not in scenario.model_kwargs()


def test_csv_graph_with_kind_columns_and_with_a_node_file(tmp_path):
    csv_graph = SCENARIO_DIR / "graphs" / "small_edges.csv"
    text = BASE.replace("schools = 120\ndistricts = 4\n", f'graph = "{csv_graph}"\n')
    model = load_scenario(write(tmp_path, text)).make_model()
    assert model.topology.n_schools == 24 and model.topology.n_districts == 3

    (tmp_path / "edges.csv").write_text("source,target\nd1,a\nd1,b\na,b\nd1,c\n")
    (tmp_path / "nodes.csv").write_text("node,kind\nd1,district\na,school\nb,school\nc,school\n")
    text = BASE.replace(
        "schools = 120\ndistricts = 4\n", 'graph = "edges.csv"\ngraph_nodes = "nodes.csv"\n'
    )
    model = load_scenario(write(tmp_path, text)).make_model()
    assert model.topology.n_schools == 3 and model.topology.n_districts == 1


def test_calibration_names_are_checked_against_real_systems_csv(tmp_path, monkeypatch):
    data = tmp_path / "real_systems.csv"
    rows = ["system,series,year,value,unit,source"]
    rows += [f"england,ks2_english_level4,{y},70,percent,x" for y in range(1997, 2004)]
    data.write_text("\n".join(rows) + "\n")
    monkeypatch.setenv("LFTM_REAL_SYSTEMS", str(data))
    cal = (
        '\n[calibration]\nsystem = "england"\nseries = ["ks2_english_level4"]\n'
        "fit = [2000, 2002]\npredict = [2003, 2004]\n"
    )
    base = BASE.replace('status = "illustrative"', 'status = "calibrated"')
    assert load_scenario(write(tmp_path, base + cal)).calibration["series"] == [
        "ks2_english_level4"
    ]
    bad = cal.replace("ks2_english_level4", "ks2_english_levl4")
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, base + bad, "bad.toml"))
    assert_one_line(err.value, tmp_path / "bad.toml", "calibration.series[0]")
    assert "did you mean 'ks2_english_level4'" in str(err.value)
    bad = cal.replace("fit = [2000, 2002]", "fit = [2000, 2002]\nextra_predict = ['x']")
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, base + bad, "bad2.toml"))
    assert_one_line(err.value, tmp_path / "bad2.toml", "calibration.extra_predict[0]")
    bad = cal.replace('system = "england"', 'system = "englnd"')
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, base + bad, "bad3.toml"))
    assert "did you mean 'england'" in assert_one_line(
        err.value, tmp_path / "bad3.toml", "calibration.system"
    )
    rows.append("england,late,2004,1,percent,x")
    data.write_text("\n".join(rows) + "\n")
    bad = cal.replace("fit = [2000, 2002]", "fit = [2000, 2002]\nextra_predict = ['late']")
    with pytest.raises(ScenarioError) as err:  # no figure in start_year to anchor it
        load_scenario(write(tmp_path, base + bad, "bad4.toml"))
    assert "(its anchor)" in assert_one_line(
        err.value, tmp_path / "bad4.toml", "calibration.extra_predict[0]"
    )


def test_shipped_calibration_blocks_match_the_shipped_data(monkeypatch):
    monkeypatch.delenv("LFTM_REAL_SYSTEMS", raising=False)
    assert sc.real_systems_csv() is not None  # lftm_sim/data/real_systems.csv
    for name in ("england_nlns", "ontario_2003_2015"):
        assert load_scenario(SCENARIO_DIR / f"{name}.toml").calibration is not None


def test_memory_estimate_grows_with_size_and_is_generous():
    est = sc.estimate_memory(100_000, 13_000, 10, steps=48)
    # measured: ~104 MB above the imports for this system; budget at least that, at most 4x
    assert 104 * 2**20 < est["total"] < 4 * 104 * 2**20
    assert sc.estimate_memory(200_000, 0)["total"] > sc.estimate_memory(100_000, 0)["total"]
    assert sc.available_memory() is None or sc.available_memory() > 0


def test_every_key_is_documented():
    text = FORMATS.read_text(encoding="utf-8")
    for specs in (SCENARIO_KEYS, SYSTEM_KEYS, PHASE_KEYS, CALIBRATION_KEYS):
        for key in specs:
            assert f"| `{key}` |" in text, key
    for path in FILES:
        assert f"`{path.name}`" in text, path.name
    for lever in LEVERS:
        assert f"`{lever}`" in text, lever


# --- bad input ---------------------------------------------------------------------------------


def assert_one_line(error: ScenarioError, path: Path, key: str) -> str:
    message = str(error)
    assert isinstance(error, ValueError)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}: "), message
    assert error.key == key and error.file == str(path)
    return message


def replaced(*pairs: tuple[str, str]) -> str:
    text = BASE
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


GRAPH = SCENARIO_DIR / "graphs" / "small.graphml"

#: (id, file text, key named, text in the message)
BAD = [
    (
        "unknown key, suggested",
        replaced(("schools = 120", "schols = 120")),
        "system.schols",
        "unknown key (did you mean 'schools'?); allowed: schools, districts",
    ),
    (
        "unknown section, suggested",
        replaced(("[system]", "[sytem]")),
        "sytem",
        "did you mean 'system'?",
    ),
    (
        "unknown key in a phase",
        replaced(('label = "first"', 'lable = "first"')),
        "phases[0].lable",
        "did you mean 'label'?",
    ),
    ("wrong type", replaced(("schools = 120", 'schools = "many"')), "system.schools", "string"),
    (
        "wrong type: float for an integer",
        replaced(("schools = 120", "schools = 120.5")),
        "system.schools",
        "an integer",
    ),
    (
        "wrong type: boolean for a number",
        replaced(("capacity_level = 0.5", "capacity_level = true")),
        "system.capacity_level",
        "boolean",
    ),
    (
        "wrong type: phases as a table",
        "[scenario]\nname='x'\nstatus='illustrative'\nstart_year=2000\nend_year=2001\n"
        "[phases]\nstart=2000\nend=2001\nstrategy='baseline'\n",
        "phases",
        "array of tables",
    ),
    (
        "out of range",
        replaced(("capacity_level = 0.5", "capacity_level = 0.95")),
        "system.capacity_level",
        "out of range: 0.95; allowed: a number in [0.15, 0.85]",
    ),
    (
        "not a finite number",
        replaced(("capacity_level = 0.5", "capacity_level = nan")),
        "system.capacity_level",
        "finite",
    ),
    (
        "more districts than schools",
        replaced(("districts = 4", "districts = 400")),
        "system.districts",
        "400 districts for 120 schools",
    ),
    (
        "bad status",
        replaced(('status = "illustrative"', 'status = "calibratd"')),
        "scenario.status",
        "did you mean 'calibrated'?); allowed: calibrated, illustrative",
    ),
    (
        "calibrated without calibration",
        replaced(('status = "illustrative"', 'status = "calibrated"')),
        "scenario.status",
        "needs a [calibration] section",
    ),
    (
        "missing required key",
        replaced(('name = "test"\n', "")),
        "scenario.name",
        "missing",
    ),
    (
        "unknown strategy, suggested",
        replaced(('strategy = "middle_led"', 'strategy = "midle_led"')),
        "phases[1].strategy",
        "did you mean 'middle_led'?); allowed: baseline, top_down, bottom_up, middle_led, stop",
    ),
    (
        "unknown lever, suggested",
        replaced(("pressure = 0.2", "presure = 0.2")),
        "phases[1].levers.presure",
        "unknown lever (did you mean 'pressure'?)",
    ),
    (
        "lever out of range",
        replaced(("pressure = 0.2", "pressure = 1.5")),
        "phases[1].levers.pressure",
        "allowed: a number in [0, 1]",
    ),
    (
        "spending over the budget",
        replaced(("pressure = 0.2", "central_support = 0.5")),
        "phases[1].levers",
        "must sum to at most 1",
    ),
    (
        "overlapping phases",
        replaced(("start = 2003", "start = 2002")),
        "phases[1].start",
        "overlap",
    ),
    ("gap between phases", replaced(("end = 2003", "end = 2002")), "phases[1].start", "gap"),
    (
        "gap at the start",
        replaced(("start = 2000", "start = 2001")),
        "phases[0].start",
        "gap",
    ),
    (
        "gap at the end",
        replaced(("end = 2006", "end = 2005")),
        "phases[1].end",
        "gap: the last phase ends at 2005",
    ),
    (
        "phase outside the scenario's years",
        replaced(("end = 2006", "end = 2008")),
        "phases[1].end",
        "outside the scenario's years; allowed: a year in [2000, 2006]",
    ),
    (
        "phase ends before it starts",
        replaced(("end = 2003", "end = 2000")),
        "phases[0].end",
        "not after the phase's start",
    ),
    (
        "end before start",
        replaced(("end_year = 2006", "end_year = 1999")),
        "scenario.end_year",
        "not after start_year 2000",
    ),
    (
        "year not a whole term",
        replaced(("end_year = 2006", "end_year = 2006.1")),
        "scenario.end_year",
        "not a whole term",
    ),
    (
        "unknown mechanism parameter",
        BASE + "\n[mechanisms]\nnoyse = 0.05\n",
        "mechanisms.noyse",
        "did you mean 'noise'?",
    ),
    (
        "mechanisms that break the form checks",
        BASE + "\n[mechanisms]\nperformance_speed = 0.95\nnoise = 0.1\n",
        "mechanisms",
        "performance_speed + noise",
    ),
    (
        "graph file missing",
        replaced(("schools = 120\ndistricts = 4\n", 'graph = "graphs/none.graphml"\n')),
        "system.graph",
        "not found",
    ),
    (
        "graph file of unknown format",
        replaced(("schools = 120\ndistricts = 4\n", 'graph = "s.toml"\n')),
        "system.graph",
        "unknown graph format '.toml'",
    ),
    (
        "schools given with a graph",
        replaced(("districts = 4\n", f'graph = "{GRAPH}"\n')),
        "system.schools",
        "not allowed together with system.graph",
    ),
    (
        "graph_nodes without a graph",
        replaced(("districts = 4\n", 'districts = 4\ngraph_nodes = "n.csv"\n')),
        "system.graph_nodes",
        "without system.graph",
    ),
    (
        "too large for memory",
        replaced(
            ("schools = 120", "schools = 2000000"),
            ("districts = 4", "districts = 1000000\nconsortium_size = 10000"),
        ),
        "system.consortium_size",
        "too large for this machine's memory",
    ),
    (
        "calibration predicting inside the fit years",
        BASE + '\n[calibration]\nsystem = "england"\nseries = ["a"]\nfit = [2000, 2003]\n'
        "predict = [2002, 2004]\n",
        "calibration.predict",
        "not after the fit years end",
    ),
    (
        "calibration years outside the scenario",
        BASE + '\n[calibration]\nsystem = "england"\nseries = ["a"]\nfit = [1990, 2003]\n'
        "predict = [2004, 2005]\n",
        "calibration.fit[0]",
        "out of range: 1990",
    ),
]


@pytest.mark.parametrize(("text", "key", "needle"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_naming_file_and_key(tmp_path, text, key, needle):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = assert_one_line(err.value, path, key)
    assert needle in message, message


def test_too_large_for_memory_says_estimate_and_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda: 10 * 2**20)  # a 10 MB machine
    path = write(tmp_path, BASE.replace("schools = 120", "schools = 20000"))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = assert_one_line(err.value, path, "system.schools")
    assert re.search(r"about [\d.,]+ MB estimated for 20,000 schools", message), message
    assert "limit 8.0 MB (80% of available memory)" in message
    scenario = load_scenario(write(tmp_path, BASE, "fits.toml"))
    with pytest.raises(ScenarioError) as err:
        scenario.make_model(n_schools=20_000)  # overrides are checked before building
    assert_one_line(err.value, tmp_path / "fits.toml", "system.schools")


def test_malformed_toml_names_its_line(tmp_path):
    path = write(tmp_path, BASE.replace("seed = 1", "seed = = 1"))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = assert_one_line(err.value, path, "line 6")
    assert "malformed TOML" in message and "line 6, column" in message
    path = write(tmp_path, BASE + 'label = "unterminated\n', "end.toml")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "malformed TOML" in assert_one_line(err.value, path, "line 25")


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(BASE.replace('"test"', '"t\xe9st"').encode("latin-1"))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "not UTF-8" in assert_one_line(err.value, path, "line 2")


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "not found" in assert_one_line(err.value, path, "file")


def test_unreadable_file(tmp_path):
    path = write(tmp_path, BASE)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read any file (root)")
        with pytest.raises(ScenarioError) as err:
            load_scenario(path)
        assert "cannot read" in assert_one_line(err.value, path, "file")
    finally:
        path.chmod(0o644)


def test_unreadable_graph_file(tmp_path):
    graph = tmp_path / "g.graphml"
    graph.write_bytes(GRAPH.read_bytes())
    graph.chmod(0)
    try:
        if os.access(graph, os.R_OK):
            pytest.skip("running as a user who can read any file (root)")
        text = BASE.replace("schools = 120\ndistricts = 4\n", 'graph = "g.graphml"\n')
        path = write(tmp_path, text)
        with pytest.raises(ScenarioError) as err:
            load_scenario(path)
        assert "not readable" in assert_one_line(err.value, path, "system.graph")
    finally:
        graph.chmod(0o644)


MALFORMED_GRAPHS = [
    ("g.graphml", "<graphml><graph><node id='a'></graph>", "malformed GraphML"),
    (
        "g.graphml",
        GRAPH.read_text().replace(">school<", ">schol<", 1),
        "kind 'schol' is not state, district or school",
    ),
    ("g.csv", "source,target,source_kind,target_kind\na,b,school,schol\n", "g.csv: line 2"),
    ("g.csv", "source,target,source_kind,target_kind\na,b,school\n", "3 fields"),
    ("g.csv", "from,to\na,b\n", "unknown column 'from'"),
    ("g.csv", "source,target\na,b\n", "no kind columns"),
    (
        "g.csv",
        "source,target,source_kind,target_kind\na,b,school,school\nb,a,district,school\n",
        "node 'b' is a district here but a school at g.csv line 2",
    ),
    ("g.csv", "", "empty"),
]


@pytest.mark.parametrize(("name", "content", "needle"), MALFORMED_GRAPHS)
def test_malformed_graph_file(tmp_path, name, content, needle):
    (tmp_path / name).write_text(content, encoding="utf-8")
    path = write(tmp_path, BASE.replace("schools = 120\ndistricts = 4\n", f'graph = "{name}"\n'))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = assert_one_line(err.value, path, "system.graph")
    assert needle in message, message


def test_model_errors_are_reported_with_file_and_key(tmp_path):
    scenario = load_scenario(write(tmp_path, BASE))
    with pytest.raises(ScenarioError) as err:
        scenario.make_model(pressure=3.0)
    assert_one_line(err.value, scenario.path, "levers.pressure")
    with pytest.raises(ScenarioError) as err:
        scenario.make_model(presure=0.3)
    assert "did you mean 'pressure'" in assert_one_line(
        err.value, scenario.path, "make_model(presure)"
    )
    with pytest.raises(ScenarioError) as err:
        scenario.make_model(n_schools=0)
    assert_one_line(err.value, scenario.path, "system.schools")


def test_the_memory_limit_is_a_share_of_available_memory(monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda: 1000)
    assert sc.memory_limit() == 800
    monkeypatch.setattr(memory, "available_memory", lambda: None)
    assert sc.memory_limit() is None
    assert math.isfinite(sc.estimate_memory(1, 0)["total"])


def test_unreadable_file_as_root_too(tmp_path, monkeypatch):
    """The same refusal when the OS denies the read (root can read a chmod 000 file)."""
    path = write(tmp_path, BASE)

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "cannot read: Permission denied" in assert_one_line(err.value, path, "file")


# --- the schema from the declarations; errors are InputErrors ------------------------------


def _fmt_range(lo: float, hi: float) -> str:
    return f"[{lo:g}, {hi:g}]"


def test_schema_is_derived_from_the_declarations():
    from lftm_sim.declarations import LEVER_PARAMS, MECHANISM_PARAMS, SETTINGS

    for name, param in SETTINGS.items():
        spec = SYSTEM_KEYS[sc.schema._TOML_NAME.get(name, name)]
        assert (spec.default, spec.lo, spec.hi) == (param.default, param.lo, param.hi), name
        assert spec.kind == ("int" if param.kind == "integer" else "number"), name
    assert set(sc.LEVER_KEYS) == set(LEVER_PARAMS) and set(sc.MECHANISM_KEYS) == set(
        MECHANISM_PARAMS
    )
    for keys, params in ((sc.LEVER_KEYS, LEVER_PARAMS), (sc.MECHANISM_KEYS, MECHANISM_PARAMS)):
        for name, param in params.items():
            assert (keys[name].lo, keys[name].hi, keys[name].doc) == (param.lo, param.hi, param.doc)
    source = "".join(p.read_text() for p in (ROOT / "lftm_sim" / "scenarios").glob("*.py"))
    assert "inspect" not in source and "getattr(model" not in source and "_key_for" not in source


def test_formats_md_tables_match_the_declarations():
    from lftm_sim.declarations import LEVER_PARAMS, MECHANISM_PARAMS

    text = FORMATS.read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\| `(\w+)` \| (\w+) \| (.+?) \| (.+?) \|", line)
        if m:
            rows[m.group(1)] = (m.group(3), m.group(4))
    for key, spec in SYSTEM_KEYS.items():
        default, allowed = rows[key]
        if spec.default is None:
            assert default == "none", key
            continue
        assert float(default.strip("`").replace(",", "")) == spec.default, key
        m = re.search(r"\[([\d.,]+), ([^\]]+)\]", allowed)
        assert m and float(m.group(1).replace(",", "")) == spec.lo, (key, allowed)
        hi = m.group(2)
        assert hi == "`schools`" or float(hi.replace(",", "")) == spec.hi, (key, allowed)
    for params, kind in ((LEVER_PARAMS, "lever"), (MECHANISM_PARAMS, "mechanism")):
        odd = {n: p for n, p in params.items() if (p.lo, p.hi) != (0, 1)}
        for name, p in odd.items():  # the exceptions to "a number in [0, 1]" are named
            assert re.search(rf"`{name}`,? (in )?\[{p.lo:g}, {p.hi:g}\]", text), (kind, name)


def test_scenario_errors_are_input_errors_with_fields(tmp_path):
    from lftm_sim.errors import InputError

    path = write(tmp_path, BASE.replace("capacity_level = 0.5", "capacity_level = 0.95"))
    with pytest.raises(InputError) as err:
        load_scenario(path)
    e = err.value
    assert isinstance(e, ScenarioError) and isinstance(e, sc.ScenarioError)
    assert (e.file, e.key, e.value) == (str(path), "system.capacity_level", 0.95)
    assert e.allowed == "a number in [0.15, 0.85]" and e.problem == "out of range: 0.95"
    assert issubclass(sc.GraphFileError, InputError)
    again = pickle.loads(pickle.dumps(e))  # crosses process boundaries whole
    assert (str(again), again.key, again.allowed) == (str(e), e.key, e.allowed)
    g = pickle.loads(pickle.dumps(sc.GraphFileError("g.csv", "line 2: empty source")))
    assert str(g) == "g.csv: line 2: empty source" and g.file == "g.csv"


def test_model_input_errors_are_located_by_their_key_not_their_text(tmp_path):
    """capacity_level 0.8 is in range, but with rest_need_slope 0.5 rest capacity leaves
    (0, 1): the model's InputError names capacity_level, reported as system.capacity_level."""
    text = BASE.replace("capacity_level = 0.5", "capacity_level = 0.8")
    scenario = load_scenario(write(tmp_path, text))
    with pytest.raises(ScenarioError) as err:
        scenario.make_model(mechanisms={"rest_need_slope": 0.5})
    assert_one_line(err.value, scenario.path, "system.capacity_level")
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text + "\n[mechanisms]\nrest_need_slope = 0.5\n", "m.toml"))
        sc.load_scenario(tmp_path / "m.toml").resolved_parameters()
    assert "capacity_level" in assert_one_line(
        err.value, tmp_path / "m.toml", "system.capacity_level"
    )


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    assert load_scenario(path).name == "test"


def test_toml_nested_too_deeply_is_one_line(tmp_path):
    for opener, closer in (("[", "]"), ("{a = ", "}")):
        path = write(tmp_path, "x = " + opener * 3000 + "1" + closer * 3000 + "\n")
        with pytest.raises(ScenarioError) as err:
            load_scenario(path)
        assert "nested too deeply" in assert_one_line(err.value, path, "file")


def test_bundled_scenarios_are_found_by_name():
    assert load_scenario("england_nlns").path == SCENARIO_DIR / "england_nlns.toml"
    assert sc.find_scenario("classroom_demo") == SCENARIO_DIR / "classroom_demo.toml"
    with pytest.raises(ScenarioError, match="did you mean 'england_nlns'") as err:
        load_scenario("england_nln")
    assert err.value.key == "file" and "classroom_demo" in err.value.allowed


def test_the_published_series_are_read_once_honouring_the_override(tmp_path, monkeypatch):
    from lftm_sim import calibration

    data = tmp_path / "real.csv"
    data.write_text(
        "system,series,year,value,unit,source\n"
        "england,ks2,2000,70,percent,x\nontario,ks2,2000,50,percent,y\n"
    )
    monkeypatch.setenv("LFTM_REAL_SYSTEMS", str(data))
    assert sc.real_systems_csv() == data
    england = calibration.observations("england")
    assert list(england["system"]) == ["england"] and list(england["value"]) == [70]
    assert len(calibration.observations()) == 2


def test_store_calibration_never_writes_into_an_installed_package(tmp_path, monkeypatch):
    from lftm_sim import calibration
    from lftm_sim.errors import InputError

    installed = tmp_path / "lib" / "python3.12" / "site-packages" / "lftm_sim"
    installed.mkdir(parents=True)
    monkeypatch.setattr(calibration, "__file__", str(installed / "calibration.py"))
    with pytest.raises(InputError, match="installed package") as err:
        calibration.source_calibration_file()
    assert err.value.key == "--store"
    monkeypatch.undo()
    assert calibration.source_calibration_file() == ROOT / "lftm_sim" / "data" / "calibration.toml"
    assert calibration.missing_for_full_fit(calibration.FULL_FIT) == []
    assert calibration.missing_for_full_fit({"starts": 2, "max_evals": 80}) == ["starts 2 < 16"]


MY_MODULES = ["scenarios", "validation", "commands", "cli.py", "outputs.py", "calibration.py"]
MY_MODULES += ["analysis.py", "provenance.py"]


def test_no_function_over_60_lines_and_no_module_over_400():
    import ast

    files = []
    for name in MY_MODULES:
        path = ROOT / "lftm_sim" / name
        files += sorted(path.glob("*.py")) if path.is_dir() else [path]
    for path in files:
        text = path.read_text()
        assert len(text.splitlines()) <= 420, path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                assert length <= 60, f"{path.name}: {node.name} has {length} lines"


def test_agent_collection_is_checked_against_memory(tmp_path, monkeypatch):
    scenario = load_scenario(write(tmp_path, BASE))
    scenario.check_memory(collect_agents=True)  # fits
    # enough for the system, not for 400 B per school per term of agent records
    est = sc.estimate_memory(120, 4, 10, scenario.steps)["total"]
    monkeypatch.setattr(memory, "available_memory", lambda: int(est * 1.3))
    with pytest.raises(ScenarioError) as err:
        scenario.make_model(collect_agents=True)
    assert "with agent collection" in assert_one_line(err.value, scenario.path, "collect_agents")
