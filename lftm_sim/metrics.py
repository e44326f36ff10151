"""What is measured: the model-level reporters and the derived metrics.

Reporters are named functions of a model (Mesa DataCollector style). Derived metrics are
functions of time series (pandas DataFrames with a `year` column).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _logit(p: np.ndarray) -> np.ndarray:
    # measurement transform only: keeps a school at exactly 0 or 1 finite
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _p90_p10(x: np.ndarray) -> float:
    lo, hi = np.percentile(x, [10, 90])
    return float(hi - lo)


def year(model) -> float:
    """Years since the start (a step is one term, four a year)."""
    return model.steps / model.steps_per_year


def mean_capacity(model) -> float:
    """Mean school capacity c."""
    return float(model.state.capacity.mean())


def mean_performance(model) -> float:
    """Mean school performance p."""
    return float(model.state.performance.mean())


def gap(model) -> float:
    """Performance gap: P90 - P10 of school performance."""
    lo, hi = model.p10_p90()
    return hi - lo


def gap_logit(model) -> float:
    """The gap on the logit scale (a gap between shares shrinks near the ceiling)."""
    return _p90_p10(_logit(model.state.performance))


def performance_sd(model) -> float:
    """Standard deviation of school performance."""
    return float(model.state.performance.std())


def between_district_share(model) -> float:
    """Share of the variance of p that lies between districts (0 with fewer than two)."""
    top = model.topology
    if top.n_districts < 2:
        return 0.0
    p = model.state.performance
    total = p.var()
    if total == 0:
        return 0.0
    counts = np.bincount(top.school_district, minlength=top.n_districts)
    means = np.bincount(top.school_district, weights=p, minlength=top.n_districts)
    means = means / np.maximum(counts, 1)
    between = np.sum(counts * (means - p.mean()) ** 2) / len(p)
    return float(between / total)


def equity_gap(model) -> float:
    """Mean p of the least-disadvantaged quartile minus that of the most-disadvantaged."""
    p = model.state.performance
    return float(p[model.least_need].mean() - p[model.most_need].mean())


def share_below_floor(model) -> float:
    """Share of schools whose performance is below the floor."""
    return float((model.state.performance < model.floor).mean())


def mean_commitment(model) -> float:
    """Mean school commitment b."""
    return float(model.state.commitment.mean())


def mean_innovation(model) -> float:
    """Mean innovative practice q."""
    return float(model.state.innovation.mean())


def mean_wellbeing(model) -> float:
    """Mean well-being w."""
    return float(model.state.wellbeing.mean())


def public_confidence(model) -> float:
    """Public confidence (system level)."""
    return float(model.state.confidence)


def mean_district_capacity(model) -> float:
    """Mean capacity C of the middle (districts; the networks where there are none)."""
    C = model.state.district_capacity
    return float(C.mean()) if len(C) else 0.0


def mean_district_coherence(model) -> float:
    """Mean coherence H of the middle."""
    H = model.state.district_coherence
    return float(H.mean()) if len(H) else 0.0


def network_share(model) -> float:
    """Share of schools taking part in a network."""
    return float(model.state.active.mean())


MODEL_REPORTERS = {
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
