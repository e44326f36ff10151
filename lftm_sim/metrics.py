"""What is measured: the model-level reporters and the derived metrics.

Reporters are named functions of a model (Mesa DataCollector style). Derived metrics are
functions of time series (pandas DataFrames with a `year` column).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from .core import block_sums
from .dynamics import TERM


def _logit(p: np.ndarray) -> np.ndarray:
    # measurement transform only: keeps a school at exactly 0 or 1 finite
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


# Reporters are functions of the engine core (`core.Core`): for one run each returns a
# number, for an ensemble one value per run (sums by run, ranks per run).


def year(core) -> float:
    """Years since the start (a step is one term, four a year)."""
    return core.steps * TERM


def mean_capacity(core):
    """Mean school capacity c."""
    return core.run_mean(core.state.capacity)


def mean_performance(core):
    """Mean school performance p."""
    return core.run_mean(core.state.performance)


def gap(core):
    """Performance gap: P90 - P10 of school performance."""
    return core.gap()


def gap_logit(core):
    """The gap on the logit scale (a gap between shares shrinks near the ceiling)."""
    return core.gap(_logit)  # the logit keeps the order of performance


def performance_sd(core):
    """Standard deviation of school performance."""
    p = core.state.performance
    if core.single:
        return float(p.std())
    dev = p - core.per_run(core.run_mean(p), "school")
    return np.sqrt(core.run_mean(dev * dev))


def between_district_share(core):
    """Share of the variance of p that lies between districts (0 with fewer than two)."""
    lay, p = core.layout, core.state.performance
    several = np.array([t.n_districts >= 2 for t in core.parts])
    if not several.any():
        return 0.0 if core.single else np.zeros(core.runs)
    mean = core.run_mean(p)
    dev = p - core.per_run(mean, "school")
    total = core.run_mean(dev * dev)
    counts, sums = core.district_sums(p)
    means = sums / np.maximum(counts, 1)
    between = block_sums(counts * (means - core.per_run(mean, "middle")) ** 2, lay.middle_start)
    between = between / np.diff(lay.school_start)
    share = np.where(several & (total > 0), between / np.where(total > 0, total, 1.0), 0.0)
    return float(share[0]) if core.single else share


def equity_gap(core):
    """Mean p of the least-disadvantaged quartile minus that of the most-disadvantaged."""
    lay, p = core.layout, core.state.performance
    if core.single:
        return float(p[lay.least_need].mean() - p[lay.most_need].mean())
    least = block_sums(np.where(lay.least_need, p, 0.0), lay.school_start)
    most = block_sums(np.where(lay.most_need, p, 0.0), lay.school_start)
    return least / lay.n_least - most / lay.n_most


def share_below_floor(core):
    """Share of schools whose performance is below the floor."""
    return core.run_mean((core.state.performance < core.floor).astype(float))


def mean_commitment(core):
    """Mean school commitment b."""
    return core.run_mean(core.state.commitment)


def mean_innovation(core):
    """Mean innovative practice q."""
    return core.run_mean(core.state.innovation)


def mean_wellbeing(core):
    """Mean well-being w."""
    return core.run_mean(core.state.wellbeing)


def public_confidence(core):
    """Public confidence (system level)."""
    c = core.state.confidence
    return float(c) if core.single else c


def mean_district_capacity(core):
    """Mean capacity C of the middle (districts; the networks where there are none)."""
    return core.run_mean(core.state.middle_capacity, "middle")


def mean_district_coherence(core):
    """Mean coherence H of the middle."""
    return core.run_mean(core.state.middle_coherence, "middle")


def network_share(core):
    """Share of schools taking part in a network."""
    return core.run_mean(core.state.active.astype(float))


#: The reporters, as functions of the engine core (one value per run).
REPORTERS = {
    f.__name__: f
    for f in (
        year,
        mean_capacity,
        mean_performance,
        gap,
        gap_logit,
        performance_sd,
        between_district_share,
        equity_gap,
        share_below_floor,
        mean_commitment,
        mean_innovation,
        mean_wellbeing,
        public_confidence,
        mean_district_capacity,
        mean_district_coherence,
        network_share,
    )
}


def _on_model(reporter, model) -> float:
    return float(reporter(model.core))


#: The same reporters as Mesa DataCollector model reporters (functions of a SystemModel).
MODEL_REPORTERS = {name: partial(_on_model, f) for name, f in REPORTERS.items()}

AGENT_REPORTERS = {
    name: name for name in ("capacity", "performance", "commitment", "innovation", "wellbeing")
}


# --- derived metrics -------------------------------------------------------------


def _at(series: pd.DataFrame, column: str, at_year: float) -> float:
    rows = series.loc[np.isclose(series["year"], at_year), column]
    if rows.empty:
        raise ValueError(
            f"no row at year {at_year:g} (years run {series['year'].min():g}"
            f"-{series['year'].max():g})"
        )
    return float(rows.iloc[0])


def gain_over_baseline(
    run: pd.DataFrame, baseline: pd.DataFrame, column: str, at_year: float
) -> float:
    """`column` at `at_year` minus the same in the baseline run (same system and seed)."""
    return _at(run, column, at_year) - _at(baseline, column, at_year)


def gain_retained(
    run: pd.DataFrame, baseline: pd.DataFrame, column: str, end_year: float, after: float
) -> float:
    """Share of the gain over baseline at `end_year` still there `after` years later."""
    at_end = gain_over_baseline(run, baseline, column, end_year)
    later = gain_over_baseline(run, baseline, column, end_year + after)
    return later / at_end if at_end != 0 else float("nan")


def time_to_target(run: pd.DataFrame, column: str, target: float) -> float:
    """First year at which `column` reaches `target` (NaN if never)."""
    hit = run.loc[run[column] >= target, "year"]
    return float(hit.iloc[0]) if len(hit) else float("nan")


def area_under_curve(run: pd.DataFrame, column: str, baseline: pd.DataFrame | None = None) -> float:
    """Area under `column` over the years (trapezoids), above baseline if one is given."""
    y = run[column].to_numpy(dtype=float)
    if baseline is not None:
        y = y - baseline[column].to_numpy(dtype=float)
    return float(np.trapezoid(y, run["year"].to_numpy(dtype=float)))
