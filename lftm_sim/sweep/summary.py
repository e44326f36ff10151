"""Per-run summaries: the kept years' values and the derived metrics of `lftm_sim.metrics`.

Every column name is plain SQL: ``mean_performance_y12`` (the reporter at year 12),
``gain_mean_performance_y12`` (minus the baseline strategy's run of the same point and
replicate: same system, same noise), ``retained_mean_performance`` (share of the gain at
`retained_from` still there at the end), ``auc_mean_performance`` (area under the curve,
``auc_gain_...`` above the baseline), ``time_to_mean_performance`` (first year at the
target). A run without a baseline to compare with has NaN gains, never a made-up zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .identity import Chunk, Run
from .spec import SweepSpec

ID_COLUMNS = ("run_id", "point", "strategy", "replicate", "seed")


def year_tag(year: float) -> str:
    """``y12`` for year 12, ``y2_5`` for 2.5 (column names stay plain SQL)."""
    return "y" + f"{year:g}".replace(".", "_")


def summary_columns(spec: SweepSpec) -> list[str]:
    """The derived columns of a summary row, in order."""
    cols = []
    for rep in spec.reporters:
        cols += [f"{rep}_{year_tag(y)}" for y in spec.keep_years]
        if spec.baseline:
            cols += [f"gain_{rep}_{year_tag(y)}" for y in spec.keep_years]
            if spec.retained_from is not None:
                cols.append(f"retained_{rep}")
        cols.append(f"auc_{rep}")
        if spec.baseline:
            cols.append(f"auc_gain_{rep}")
        if rep in spec.targets:
            cols.append(f"time_to_{rep}")
    return cols + ["clip_count"]


def _one(spec: SweepSpec, df: pd.DataFrame, base: pd.DataFrame | None) -> dict[str, float]:
    """One run's row: the same numbers as `lftm_sim.metrics` gives (tests/test_sweep.py
    checks it), computed on arrays because a sweep summarises thousands of runs."""
    years = df["year"].to_numpy(dtype=float)
    at = {y: int(np.flatnonzero(np.isclose(years, y))[0]) for y in spec.keep_years}
    row: dict[str, float] = {}
    for rep in spec.reporters:
        y = df[rep].to_numpy(dtype=float)
        gain = None if base is None else y - base[rep].to_numpy(dtype=float)
        for year in spec.keep_years:
            row[f"{rep}_{year_tag(year)}"] = y[at[year]]
        if spec.baseline:
            for year in spec.keep_years:
                row[f"gain_{rep}_{year_tag(year)}"] = np.nan if gain is None else gain[at[year]]
            if spec.retained_from is not None:
                row[f"retained_{rep}"] = _retained(gain, years, spec.retained_from)
        row[f"auc_{rep}"] = float(np.trapezoid(y, years))
        if spec.baseline:
            row[f"auc_gain_{rep}"] = np.nan if gain is None else float(np.trapezoid(gain, years))
        if rep in spec.targets:
            hit = np.flatnonzero(y >= spec.targets[rep])
            row[f"time_to_{rep}"] = float(years[hit[0]]) if len(hit) else np.nan
    row["clip_count"] = int(df["clip_count"].iloc[-1]) if "clip_count" in df else 0
    return row


def _retained(gain: np.ndarray | None, years: np.ndarray, start: float) -> float:
    """Share of the gain at `start` still there at the end (`metrics.gain_retained`)."""
    if gain is None:
        return np.nan
    first = gain[int(np.flatnonzero(np.isclose(years, start))[0])]
    return float(gain[-1] / first) if first != 0 else np.nan


def id_frame(runs: Sequence[Run], values: dict) -> pd.DataFrame:
    """The identifying columns (and the point's parameter values) of some runs."""
    out = pd.DataFrame(
        {
            "run_id": [r.run_id for r in runs],
            "point": np.array([r.point for r in runs], dtype=np.int64),
            "strategy": [r.strategy for r in runs],
            "replicate": np.array([r.replicate for r in runs], dtype=np.int64),
            "seed": np.array([r.seed for r in runs], dtype=np.uint64),
        }
    )
    for name, value in values.items():
        out[name] = value
    return out


def summarise(
    spec: SweepSpec, chunk: Chunk, frames: Sequence[pd.DataFrame | None], write: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Summary rows (and, when asked, time series) of the runs in `write` that ran."""
    base = {
        r.replicate: f
        for r, f in zip(chunk.runs, frames, strict=True)
        if r.strategy == spec.baseline and f is not None
    }
    pairs = zip(chunk.runs, frames, strict=True)
    keep = [(r, f) for r, f in pairs if r.run_id in write and f is not None]
    ids = id_frame([r for r, _ in keep], chunk.values)
    rows = pd.DataFrame(
        [_one(spec, f, base.get(r.replicate)) for r, f in keep], columns=summary_columns(spec)
    )
    rows = rows.astype({c: np.float64 for c in rows.columns if c != "clip_count"})
    rows["clip_count"] = rows["clip_count"].astype(np.int64)
    summary = pd.concat([ids, rows], axis=1)
    if not spec.series or not keep:
        return summary, None
    cols = ["step", "year", *spec.reporters]
    parts = []
    for r, f in keep:
        s = f[cols].copy()
        s.insert(0, "run_id", r.run_id)
        parts.append(s)
    return summary, pd.concat(parts, ignore_index=True)
