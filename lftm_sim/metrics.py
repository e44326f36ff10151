"""What is measured: the model-level reporters and the derived metrics.

Reporters are named functions of a model (Mesa DataCollector style). Derived metrics are
functions of time series (pandas DataFrames with a `year` column).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from .dynamics import TERM
from .ranking import GAP_QUANTILES


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
    lo, hi = core.p10_p90()
    return hi - lo


def gap_logit(core):
    """The gap on the logit scale (a gap between shares shrinks near the ceiling)."""
    ranking = core.ranking()  # the logit keeps the order of performance
    sv = _logit(ranking.sorted_values(core.state.performance))
    lo, hi = (ranking.quantiles(sv, q) for q in GAP_QUANTILES)
    return float(hi[0] - lo[0]) if core.single else hi - lo


def performance_sd(core):
    """Standard deviation of school performance."""
    p = core.state.performance
    if core.single:
        return float(p.std())
    dev = p - core.per_run(core.run_mean(p), "school")
    return np.sqrt(core.run_mean(dev * dev))


def between_district_share(core):
    """Share of the variance of p that lies between districts (0 with fewer than two)."""
    top, lay, p = core.topology, core.layout, core.state.performance
    n_districts = np.array([t.n_districts for t in core.parts])
    mean = core.run_mean(p)
    dev = p - core.per_run(mean, "school")
    total = core.run_mean(dev * dev)
    if (n_districts < 2).all():
        return 0.0 if core.single else np.zeros(core.runs)
    rows = len(core.state.middle_capacity)
    has = top.school_district >= 0
    d = np.where(has, top.school_district, 0)
    counts = np.bincount(d, weights=has.astype(float), minlength=rows)
    means = np.bincount(d, weights=np.where(has, p, 0.0), minlength=rows) / np.maximum(counts, 1)
    spread = counts * (means - core.per_run(mean, "middle")) ** 2
    between = np.bincount(lay.middle_run, weights=spread, minlength=core.runs)
    share = np.where((n_districts >= 2) & (total > 0), between / np.maximum(total, 1e-300), 0.0)
    share = share / np.diff(lay.school_start)
    return float(share[0]) if core.single else share


def equity_gap(core):
    """Mean p of the least-disadvantaged quartile minus that of the most-disadvantaged."""
    lay, p = core.layout, core.state.performance
    if core.single:
        return float(p[lay.least_need].mean() - p[lay.most_need].mean())
    runs = lay.school_run
    least = np.bincount(runs[lay.least_need], weights=p[lay.least_need], minlength=core.runs)
    most = np.bincount(runs[lay.most_need], weights=p[lay.most_need], minlength=core.runs)
    n_least = np.bincount(runs[lay.least_need], minlength=core.runs)
    n_most = np.bincount(runs[lay.most_need], minlength=core.runs)
    return least / n_least - most / n_most


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
