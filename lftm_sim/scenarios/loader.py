"""The loader: read a scenario file, check every section against the schema, build the
`Scenario`; every problem raises `ScenarioError` (one line naming the file and key)."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from ..errors import suggest
from .errors import ScenarioError
from .scenario import Scenario, ScenarioPhase
from .schema import (
    LEVER_KEYS,
    MECHANISM_KEYS,
    PHASE_KEYS,
    SCENARIO_KEYS,
    SECTIONS,
    STEPS_PER_YEAR,
    Checker,
    fmt,
)
from .system import check_system

#: The scenario files shipped with the source tree (absent from a plain wheel install).
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
_TOML_WHERE = re.compile(r"\s*\(at (line (\d+), column (\d+)|end of document)\)")


# --- files and names -------------------------------------------------------------------


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read and validate a scenario file (or a bundled scenario's name, such as
    ``"england_nlns"``); raise ScenarioError (one line) on any problem."""
    path = find_scenario(path)
    if not path.exists():
        raise ScenarioError(path, "file", "not found", "a path to an existing scenario file")
    if path.is_dir():
        raise ScenarioError(path, "file", "is a directory", "a scenario file (.toml)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(path, "file", f"cannot read: {exc.strerror or exc}") from None
    return build(parse_toml(data, path), path)


def parse_toml(data: bytes, path: Path) -> dict[str, Any]:
    """TOML bytes as a dict (a UTF-8 byte-order mark is accepted); ScenarioError naming
    the line for text that is not UTF-8 or not TOML, or nests too deeply to parse."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            path, f"line {line}", "malformed TOML: not UTF-8 text", "UTF-8 TOML"
        ) from None
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ScenarioError(
            path,
            "file",
            "arrays or inline tables nested too deeply to read",
            "TOML nested a few levels deep, as in docs/formats.md",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_WHERE.search(str(exc))
        if m and m.group(2):
            line, where = int(m.group(2)), f"line {m.group(2)}, column {m.group(3)}"
        else:
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
            where = f"line {line} (end of file)"
        problem = _TOML_WHERE.sub("", str(exc))
        raise ScenarioError(
            path, f"line {line}", f"malformed TOML: {problem} ({where})", "TOML (toml.io)"
        ) from None


def scenario_files(directory: str | os.PathLike | None = None) -> list[Path]:
    """The scenario files in `directory` (default: the scenarios/ folder), sorted."""
    folder = Path(directory) if directory is not None else SCENARIO_DIR
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def find_scenario(name: str | os.PathLike) -> Path:
    """A scenario file from a path, or from the name of a bundled file in SCENARIO_DIR
    (``"england_nlns"``); ScenarioError with a suggestion for an unknown name."""
    path = Path(name)
    if path.exists() or path.suffix == ".toml" or len(path.parts) > 1:
        return path
    candidate = SCENARIO_DIR / f"{name}.toml"
    if candidate.exists():
        return candidate
    known = [p.stem for p in scenario_files()]
    raise ScenarioError(
        path,
        "file",
        f"no such file or bundled scenario{suggest(str(name), known)}",
        "a scenario file, or one of " + ", ".join(known),
    )


# --- the build -----------------------------------------------------------------------------


def build(raw: dict, path: Path) -> Scenario:
    """Validate a parsed scenario (a dict as read from TOML) and build the Scenario."""
    ck = Checker(path)
    _check_sections(ck, raw)
    head = _head(ck, raw["scenario"])
    start, end = head["start_year"], head["end_year"]
    steps = int(round((end - start) * STEPS_PER_YEAR))
    system, graph = check_system(ck, raw.get("system", {}), steps)
    mechanisms = _mechanisms(ck, raw.get("mechanisms", {}), system["budget"])
    phases = _phases(ck, raw["phases"], start, end)
    calibration = None
    if "calibration" in raw:
        from .published import check_calibration

        calibration = check_calibration(ck, raw["calibration"], start, end)
    elif head["status"] == "calibrated":
        ck.fail(
            "scenario.status",
            "'calibrated' needs a [calibration] section",
            "illustrative, or add [calibration]",
        )
    scenario = Scenario(
        path=path,
        name=head["name"],
        status=head["status"],
        description=head["description"],
        start_year=start,
        end_year=end,
        seed=head["seed"],
        system=system,
        phases=tuple(phases),
        mechanisms=mechanisms,
        calibration=calibration,
        graph=graph,
    )
    scenario.resolved_parameters()  # the model's own checks, without building it
    return scenario


def _check_sections(ck: Checker, raw: dict) -> None:
    for name in raw:
        if name not in SECTIONS:
            ck.fail(name, f"unknown section{suggest(name, SECTIONS)}", ", ".join(SECTIONS))
    for name in ("scenario", "phases"):
        if name not in raw:
            form = "[[phases]] tables" if name == "phases" else "a [scenario] table"
            ck.fail(name, "missing section", form)
    for name, kind in SECTIONS.items():
        if name in raw:
            ck.table(name, raw[name], kind)


def _head(ck: Checker, sc: dict) -> dict[str, Any]:
    ck.keys("scenario", sc, SCENARIO_KEYS)
    head = {
        name: (ck.value(f"scenario.{name}", sc[name], spec) if name in sc else spec.default)
        for name, spec in SCENARIO_KEYS.items()
    }
    start, end = head["start_year"], head["end_year"]
    if end <= start:
        ck.fail(
            "scenario.end_year",
            f"{fmt(end)} is not after start_year {fmt(start)}",
            f"a year after {fmt(start)}",
        )
    return head


def _mechanisms(ck: Checker, mech_raw: dict, budget: float) -> dict[str, float]:
    from ..parameters import Mechanisms, check_form

    ck.keys("mechanisms", mech_raw, MECHANISM_KEYS, what="mechanism parameter")
    mechanisms = {
        name: ck.value(f"mechanisms.{name}", value, MECHANISM_KEYS[name])
        for name, value in mech_raw.items()
    }
    try:
        check_form(Mechanisms(**mechanisms), budget)
    except ValueError as exc:
        ck.fail("mechanisms", str(exc), "rates that keep every state in [0, 1]")
    return mechanisms


def _phases(ck: Checker, phases_raw: list, start: float, end: float) -> list[ScenarioPhase]:
    if not phases_raw:
        ck.fail("phases", "no phases", "at least one [[phases]] table")
    phases = [_phase(ck, i, item, start, end) for i, item in enumerate(phases_raw)]
    if phases[0].start != start:
        ck.fail(
            "phases[0].start",
            f"gap: the first phase starts at {fmt(phases[0].start)}, after start_year",
            f"{fmt(start)} (scenario.start_year)",
        )
    for i in range(1, len(phases)):
        _check_boundary(ck, i, phases[i - 1], phases[i])
    if phases[-1].end != end:
        ck.fail(
            f"phases[{len(phases) - 1}].end",
            f"gap: the last phase ends at {fmt(phases[-1].end)}, before end_year",
            f"{fmt(end)} (scenario.end_year)",
        )
    return phases


def _phase(ck: Checker, i: int, item: dict, start: float, end: float) -> ScenarioPhase:
    key = f"phases[{i}]"
    ck.keys(key, item, PHASE_KEYS)
    values = {n: ck.value(f"{key}.{n}", item[n], s) for n, s in PHASE_KEYS.items() if n in item}
    for name in ("start", "end"):
        if not start <= values[name] <= end:
            ck.fail(
                f"{key}.{name}",
                f"{fmt(values[name])} is outside the scenario's years",
                f"a year in [{fmt(start)}, {fmt(end)}]",
            )
    if values["end"] <= values["start"]:
        ck.fail(
            f"{key}.end",
            f"{fmt(values['end'])} is not after the phase's start {fmt(values['start'])}",
            f"a year after {fmt(values['start'])}",
        )
    levers_raw = ck.table(f"{key}.levers", item.get("levers", {}), "table")
    ck.keys(f"{key}.levers", levers_raw, LEVER_KEYS, what="lever")
    levers = {
        name: ck.value(f"{key}.levers.{name}", value, LEVER_KEYS[name])
        for name, value in levers_raw.items()
    }
    phase = ScenarioPhase(
        start=values["start"],
        end=values["end"],
        strategy=values["strategy"],
        label=values.get("label") or values["strategy"],
        levers=levers,
    )
    try:
        phase.resolve()
    except ValueError as exc:
        ck.fail(f"{key}.levers", str(exc), "spending levers summing to at most 1")
    return phase


def _check_boundary(ck: Checker, i: int, prev: ScenarioPhase, cur: ScenarioPhase) -> None:
    key = f"phases[{i}].start"
    if cur.start < prev.start:
        ck.fail(
            key,
            "phases are not in calendar order",
            f"a year after phases[{i - 1}].start = {fmt(prev.start)}",
        )
    if cur.start < prev.end:
        ck.fail(
            key,
            f"overlap: starts at {fmt(cur.start)}, before phases[{i - 1}] ends at {fmt(prev.end)}",
            f"{fmt(prev.end)} (the previous phase's end)",
        )
    if cur.start > prev.end:
        ck.fail(
            key,
            f"gap: phases[{i - 1}] ends at {fmt(prev.end)} but this phase starts at "
            f"{fmt(cur.start)}",
            f"{fmt(prev.end)} (the previous phase's end)",
        )
