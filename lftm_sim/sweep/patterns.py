"""Pattern sweeps: the seeds' claims (P1-P9) judged at every point of a design.

A spec with ``evaluate = "patterns"`` under [sweep] runs, at each design point, the runs
each chosen pattern names (`lftm_sim.patterns.check_patterns`, common random numbers,
``replicates`` replicates) and keeps each pattern's effect, its 95% interval and whether
it holds. One row per point: its columns are ``p2a_statistic``, ``p2a_low``,
``p2a_high`` and ``p2a_holds`` (1.0 or 0.0) for pattern P2a, and so on; `lftm
sensitivity` then gives Morris or Sobol indices of any of them, and the rows say where in
parameter space each claim holds (`lftm_sim.posterior.pattern_space`).

What a pattern sweep may vary: mechanism parameters and settings (budget,
capacity_level, the size). Not levers: the patterns fix their own strategies. Not a
scenario, [strategies] or [output]: each pattern names its runs, years and statistic.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

STRATEGY = "patterns"  # the one "strategy" column value of a pattern sweep's rows
FIELDS = ("statistic", "low", "high", "holds")


def column(code: str, field: str) -> str:
    """``p2a_holds`` for pattern P2a (plain SQL, like every sweep column)."""
    return f"{code.lower()}_{field}"


def pattern_columns(codes) -> list[str]:
    """The summary columns of a pattern sweep, in order."""
    return [column(c, f) for c in codes for f in FIELDS]


def check_pattern_spec(path: Path, raw: dict, sweep_table: dict, varied) -> tuple[str, ...]:
    """Refuse what a pattern sweep cannot honour; the pattern codes it judges."""
    from ..patterns import PATTERNS
    from .spec import fail

    for table in ("strategies", "output"):
        if table in raw:
            fail(path, table, "not used by a pattern sweep", "each pattern names its own runs")
    for key in ("scenario", "years", "baseline"):
        if key in sweep_table:
            fail(path, f"sweep.{key}", "not used by a pattern sweep", "each pattern fixes it")
    for v in varied:
        if v.param.group == "lever":
            fail(
                path,
                f"parameters.{v.name}",
                "levers cannot be varied in a pattern sweep (the patterns fix the strategies)",
                "mechanism parameters and settings",
            )
    codes = sweep_table.get("patterns", list(PATTERNS))
    if not isinstance(codes, list) or not codes:
        fail(path, "sweep.patterns", f"must be a list of codes, got {codes!r}", ", ".join(PATTERNS))
    from ..errors import suggest

    for code in codes:
        if code not in PATTERNS:
            fail(
                path,
                "sweep.patterns",
                f"unknown pattern {code!r}{suggest(str(code), PATTERNS)}",
                ", ".join(PATTERNS),
            )
    if sweep_table.get("replicates", 1) < 2:
        fail(path, "sweep.replicates", "a pattern needs at least 2 replicates", ">= 2")
    return tuple(dict.fromkeys(codes))


def load_pattern_spec(path: Path, raw: dict, text: str, sw):
    """A spec with evaluate = "patterns" (sweep/patterns.py says what it may hold)."""
    from .spec import (
        DESIGNS,
        MIN_POINTS,
        SweepSpec,
        _base,
        _check_points,
        _check_size,
        _varied,
        fail,
    )

    design = sw.choice("design", DESIGNS, "lhs")
    points = sw.number("points", MIN_POINTS[design], 1_000_000, 10, integer=True)
    _check_points(path, design, points)
    base, _, _ = _base(path, raw, None, path.parent)
    varied = _varied(path, raw.get("parameters", {}), {STRATEGY: {}}, base)
    if not varied:
        fail(path, "parameters", "nothing to vary", "one or more [parameters.NAME] tables")
    if design in ("sobol", "morris") and all(v.categorical for v in varied):
        fail(path, "sweep.design", f"{design} needs a parameter with a range", "range = [lo, hi]")
    codes = check_pattern_spec(path, raw, sw.table, varied)
    spec = SweepSpec(
        path=path,
        text=text,
        name=sw.get("name", str, path.stem, "a string"),
        description=sw.get("description", str, "", "a string"),
        years=pattern_years(codes),
        design=design,
        points=points,
        levels=sw.number("levels", 2, 100, 4, integer=True),
        replicates=sw.number("replicates", 2, 100_000, 4, integer=True),
        seed=sw.number("seed", 0, 2**63 - 1, 0, integer=True),
        base=base,
        strategies={STRATEGY: {}},
        varied=varied,
        reporters=(),
        keep_years=(),
        evaluate="patterns",
        patterns=codes,
    )
    _check_size(spec)
    return spec


def pattern_years(codes) -> float:
    """The longest run the chosen patterns need."""
    from ..patterns import PATTERNS

    return float(max(PATTERNS[c].years for c in codes))


def identity_strategy(spec) -> str:
    """What a pattern run's id hashes as its strategy: the codes and the replicates, so a
    resumed sweep never takes a row judged on other patterns or fewer replicates."""
    return f"{STRATEGY}:{','.join(spec.patterns)}:r{spec.replicates}"


def judge_point(spec, member: dict[str, Any], seed: int) -> dict[str, float]:
    """Every chosen pattern at one point: its summary columns."""
    from ..patterns import PatternConfig, check_patterns

    settings = {k: v for k, v in member.items() if k not in ("mechanisms", "strategy", "timeline")}
    config = PatternConfig(
        n_schools=int(settings.pop("n_schools", PatternConfig.n_schools)),
        n_districts=int(settings.pop("n_districts", PatternConfig.n_districts)),
        replicates=spec.replicates,
        seed=int(seed),
        mechanisms=dict(member.get("mechanisms") or {}),
        settings=settings,
    )
    row: dict[str, float] = {}
    for res in check_patterns(spec.patterns, config):
        row[column(res.code, "statistic")] = float(res.statistic)
        row[column(res.code, "low")] = float(res.low)
        row[column(res.code, "high")] = float(res.high)
        row[column(res.code, "holds")] = 1.0 if res.passed else 0.0
    return row


def run_pattern_chunk(spec, chunk, write: frozenset[str]):
    """A pattern sweep's chunk (one point, one row): judged, or recorded failed."""
    from .runner import ChunkResult, _describe, failed_frame
    from .summary import id_frame

    t0 = time.perf_counter()
    (run,), (member,) = chunk.runs, chunk.members
    try:
        row = judge_point(spec, member, run.seed)
    except Exception as exc:  # recorded with the run; the sweep goes on
        failed = failed_frame(chunk, {run.run_id: _describe(exc)} if run.run_id in write else {})
        empty = id_frame([], chunk.values).iloc[0:0]
        return ChunkResult(chunk.point, empty, None, failed, {"ensemble": 0.0})
    t1 = time.perf_counter()
    ids = id_frame([run], chunk.values)
    values = pd.DataFrame([row], columns=pattern_columns(spec.patterns)).astype(np.float64)
    summary = pd.concat([ids, values], axis=1)
    failed = failed_frame(chunk, {})
    return ChunkResult(chunk.point, summary, None, failed, {"ensemble": t1 - t0})
