"""docs/ODD.md stays in step with the code: every lever, mechanism parameter, system
setting, reporter and pattern the code defines is documented, with the code's defaults,
ranges, preset values and pattern kinds."""

from __future__ import annotations

import inspect
import re
from dataclasses import fields
from pathlib import Path

import pytest

from lftm_sim import SystemModel
from lftm_sim.metrics import MODEL_REPORTERS
from lftm_sim.parameters import MECHANISM_RANGES, Mechanisms
from lftm_sim.patterns import PATTERNS
from lftm_sim.strategies import LEVER_RANGES, LEVERS, PRESETS

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"

SECTIONS = (
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialisation",
    "Input data",
    "Submodels",
)
DESIGN_CONCEPTS = (
    "Basic principles",
    "Emergence",
    "Adaptation",
    "Objectives",
    "Learning",
    "Prediction",
    "Sensing",
    "Interaction",
    "Stochasticity",
    "Collectives",
    "Observation",
)
#: SystemModel keywords that are not system settings (levers are checked separately).
NOT_SETTINGS = {"self", "strategy", "timeline", "mechanisms", "collect_agents", "rng"}


@pytest.fixture(scope="module")
def text() -> str:
    return ODD.read_text(encoding="utf-8")


def tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Markdown tables as (header cells, body rows of cells)."""
    found, block = [], []
    for line in text.splitlines() + [""]:
        if line.lstrip().startswith("|"):
            block.append(line.strip())
            continue
        if len(block) >= 2 and re.fullmatch(r"\|[\s:|-]+\|", block[1]):
            found.append((_cells(block[0]), [_cells(row) for row in block[2:]]))
        block = []
    return found


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _plain(cell: str) -> str:
    return cell.replace("`", "").replace("*", "").strip()


def rows_with_column(text: str, column: str) -> dict[str, dict[str, str]]:
    """Rows keyed by a backticked name in their first cell, from every table with
    `column` in its header; a name documented twice is an error."""
    out: dict[str, dict[str, str]] = {}
    for header, body in tables(text):
        names = [_plain(h).lower() for h in header]
        if column not in names:
            continue
        for row in body:
            m = re.fullmatch(r"`(\w+)`", row[0])
            if not m:
                continue
            assert m.group(1) not in out, f"{m.group(1)} is documented in two tables"
            out[m.group(1)] = dict(zip(names, row, strict=False))
    return out


def _number(cell: str) -> float:
    m = re.search(r"-?\d[\d,_]*(?:\.\d+)?(?:[eE]-?\d+)?", _plain(cell))
    assert m, f"no number in {cell!r}"
    return float(m.group(0).replace(",", "").replace("_", ""))


def _range(cell: str) -> tuple[float, float]:
    m = re.search(r"\[\s*(-?[\d.,]+)\s*,\s*(-?[\d.,]+)\s*\]", cell)
    assert m, f"no [lo, hi] range in {cell!r}"
    return float(m.group(1).replace(",", "")), float(m.group(2).replace(",", ""))


def system_settings() -> dict[str, inspect.Parameter]:
    params = inspect.signature(SystemModel.__init__).parameters
    return {k: p for k, p in params.items() if k not in NOT_SETTINGS and k not in LEVERS}


# --- structure ---------------------------------------------------------------------------


@pytest.mark.parametrize("number,title", list(enumerate(SECTIONS, start=1)))
def test_the_seven_odd_sections_exist_in_order(text, number, title):
    assert re.search(rf"^## {number}\. {re.escape(title)}", text, re.M), title


def test_sections_come_in_odd_order(text):
    starts = [text.index(f"## {i}. {title}") for i, title in enumerate(SECTIONS, start=1)]
    assert starts == sorted(starts)


@pytest.mark.parametrize("concept", DESIGN_CONCEPTS)
def test_every_design_concept_has_a_heading(text, concept):
    assert re.search(rf"^### 4\.\d+ {re.escape(concept)}\b", text, re.M), concept


# --- levers ------------------------------------------------------------------------------


@pytest.mark.parametrize("lever", LEVERS)
def test_every_lever_is_documented(text, lever):
    assert f"`{lever}`" in text


def test_lever_table_matches_ranges_and_preset_values():
    rows = rows_with_column(ODD.read_text(encoding="utf-8"), "middle_led")
    missing = [name for name in LEVERS if name not in rows]
    assert not missing, f"levers missing from the lever table: {missing}"
    stale = [name for name in rows if name not in LEVERS]
    assert not stale, f"lever table names levers the code does not have: {stale}"
    for name in LEVERS:
        row = rows[name]
        assert _range(row["range"]) == LEVER_RANGES[name], name
        for preset, strategy in PRESETS.items():
            assert _number(row[preset]) == pytest.approx(getattr(strategy, name)), (
                f"{name} in {preset}"
            )


# --- mechanism parameters ----------------------------------------------------------------


@pytest.mark.parametrize("name", [f.name for f in fields(Mechanisms)])
def test_every_mechanism_parameter_is_documented(text, name):
    assert f"`{name}`" in text


def test_parameter_table_defaults_and_ranges_equal_the_code(text):
    rows = rows_with_column(text, "default")
    settings = system_settings()
    stale = [
        name
        for name in rows
        if name not in settings and name not in {f.name for f in fields(Mechanisms)}
    ]
    assert not stale, f"parameter tables name parameters the code does not have: {stale}"
    for f in fields(Mechanisms):
        assert f.name in rows, f"{f.name} has no row in the parameter table"
        row = rows[f.name]
        assert _number(row["default"]) == pytest.approx(f.default, abs=0), f.name
        assert _range(row["range"]) == MECHANISM_RANGES.get(f.name, (0.0, 1.0)), f.name
        assert _plain(row.get("source", "")), f"{f.name} has no source"


# --- system settings ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(system_settings()))
def test_every_system_setting_is_documented_with_its_default(text, name):
    rows = rows_with_column(text, "default")
    assert name in rows, f"system setting {name} has no row in the settings table"
    default = system_settings()[name].default
    cell = _plain(rows[name]["default"])
    if default is None:
        assert cell == "None", name
    else:
        assert _number(cell) == pytest.approx(default, abs=0), name


# --- reporters ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(MODEL_REPORTERS))
def test_every_reporter_is_documented(text, name):
    assert f"`{name}`" in text


# --- patterns ----------------------------------------------------------------------------


def _pattern_rows(text: str) -> dict[str, dict[str, str]]:
    out = {}
    for header, body in tables(text):
        names = [_plain(h).lower() for h in header]
        if "kind" not in names:
            continue
        for row in body:
            code = _plain(row[0])
            if re.fullmatch(r"P\d+[a-z]?", code):
                assert code not in out, f"{code} appears in two pattern tables"
                out[code] = dict(zip(names, row, strict=False))
    return out


def test_pattern_table_lists_exactly_the_coded_patterns(text):
    assert sorted(_pattern_rows(text)) == sorted(PATTERNS)


@pytest.mark.parametrize("code", list(PATTERNS))
def test_each_pattern_has_the_code_kind_in_bold(text, code):
    row = _pattern_rows(text)[code]
    kind = PATTERNS[code].kind
    assert row["kind"].strip() == f"**{kind}**", (code, row["kind"], kind)


@pytest.mark.parametrize("code", list(PATTERNS))
def test_each_pattern_names_its_knockout_parameters(text, code):
    row = _pattern_rows(text)[code]
    cell = row["knock-out"]
    for name, value in PATTERNS[code].knockout.items():
        assert f"`{name}`" in cell, (code, name)
        assert re.search(rf"`{name}`\s*=\s*{value:g}\b", cell), (code, name, value)
    if not PATTERNS[code].knockout:
        assert "none" in cell.lower(), code
