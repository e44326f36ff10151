"""Analysis of many runs: means and paired differences with 95% intervals.

Effect sizes with intervals, not p-values: with simulations, significance is bought by
adding replicates. Paired differences use common random numbers (replicate r of every
variant ran on the same system with the same noise).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

COMPARE_METRICS = (
    "mean_capacity",
    "mean_performance",
    "gap",
    "gap_logit",
    "equity_gap",
    "mean_innovation",
    "mean_commitment",
    "mean_wellbeing",
)


def whole_terms(years: Sequence[float]) -> list[float]:
    """`years` snapped to whole terms (steps), sorted, each once."""
    from .dynamics import STEPS_PER_YEAR

    snapped = np.round(np.asarray(years, dtype=float) * STEPS_PER_YEAR) / STEPS_PER_YEAR
    return sorted({float(y) for y in snapped})


def report_years(years: float, points: int = 5) -> list[float]:
    """Evenly spaced years from 0 to `years` (whole terms), the final year included."""
    return whole_terms([*np.linspace(0.0, years, points), years])


def t_half_width(sd, n, level: float = 0.95):
    """Half-width of the t-interval of a mean from its standard deviation `sd` (ddof=1)
    and count `n`; NaN where n < 2 (no interval can be computed). Arrays or scalars."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        dof = np.where(n >= 2, n - 1, np.nan)
        half = stats.t.ppf(0.5 + level / 2, dof) * np.asarray(sd, dtype=float) / np.sqrt(n)
    return np.where(n >= 2, half, np.nan)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-interval of replicate values; the interval is NaN with fewer than two."""
    x = np.asarray(values, dtype=float)
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if len(x) >= 2 else np.nan
    half = float(t_half_width(sd, len(x), level))
    return mean, mean - half, mean + half


def _values(frame: pd.DataFrame, variant: str, metric: str, year: float) -> np.ndarray:
    rows = frame[(frame["variant"] == variant) & np.isclose(frame["year"], year)]
    return rows.sort_values("replicate")[metric].to_numpy(dtype=float)


def summarise(
    frame: pd.DataFrame,
    years: Sequence[float],
    metrics: Sequence[str] = COMPARE_METRICS,
    reference: str | None = None,
) -> pd.DataFrame:
    """Means per variant and paired differences (reference minus each other variant).

    Returns a tidy table: kind ("mean" or "paired_difference"), year, metric, variant,
    versus (the other variant of a difference), estimate, ci_low, ci_high, n.
    """
    variants = list(dict.fromkeys(frame["variant"]))
    reference = reference if reference in variants else None
    rows = []
    for year in years:
        for metric in metrics:
            values = {v: _values(frame, v, metric, year) for v in variants}
            for v in variants:
                m, lo, hi = t_interval(values[v])
                rows.append(("mean", year, metric, v, "", m, lo, hi, len(values[v])))
            if reference is None:
                continue
            for v in variants:
                if v == reference:
                    continue
                diff = values[reference] - values[v]
                m, lo, hi = t_interval(diff)
                rows.append(("paired_difference", year, metric, reference, v, m, lo, hi, len(diff)))
    return pd.DataFrame(
        rows,
        columns=[
            "kind",
            "year",
            "metric",
            "variant",
            "versus",
            "estimate",
            "ci_low",
            "ci_high",
            "n",
        ],
    )


def band(frame: pd.DataFrame, metric: str, level: float = 0.95) -> pd.DataFrame:
    """Per variant and year: mean of `metric` over replicates and its t-interval."""
    g = frame.groupby(["variant", "year"], sort=False)[metric]
    out = g.agg(["mean", "std", "count"]).reset_index()
    half = t_half_width(out["std"], out["count"], level)  # NaN with one replicate
    out["low"], out["high"] = out["mean"] - half, out["mean"] + half
    return out


def final_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary at its last year, one row per variant (means) and difference."""
    last = summary[np.isclose(summary["year"], summary["year"].max())]
    means = last[last["kind"] == "mean"].pivot(index="variant", columns="metric", values="estimate")
    return means.loc[list(dict.fromkeys(last["variant"]))]
