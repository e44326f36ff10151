"""Figures (matplotlib): each function returns a Figure and draws nothing global."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # files, not windows: the CLI and tests run headless
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .analysis import band  # noqa: E402

#: One colour per preset, kept the same in every figure.
COLOURS = {
    "baseline": "#7f7f7f",
    "top_down": "#d62728",
    "bottom_up": "#ff7f0e",
    "middle_led": "#2ca02c",
}
LABELS = {
    "mean_capacity": "Mean capacity",
    "mean_performance": "Mean performance",
    "gap": "Performance gap (P90 - P10)",
    "gap_logit": "Gap, logit scale",
    "equity_gap": "Equity gap",
    "mean_innovation": "Mean innovative practice",
    "mean_commitment": "Mean commitment",
}


def colour_of(variant: str, index: int) -> str:
    """A preset's own colour; other variants take the next colours of the cycle."""
    if variant in COLOURS:
        return COLOURS[variant]
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return cycle[(index + 4) % len(cycle)]


def compare_figure(
    frame: pd.DataFrame,
    metrics: Sequence[str] = ("mean_capacity", "mean_performance", "gap"),
    title: str | None = None,
) -> Figure:
    """Mean trajectories over time, one colour per variant, with 95% interval bands."""
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(4.6 * len(metrics), 3.8), constrained_layout=True
    )
    axes = [axes] if len(metrics) == 1 else list(axes)
    variants = list(dict.fromkeys(frame["variant"]))
    for ax, metric in zip(axes, metrics, strict=True):
        stats = band(frame, metric)
        for i, v in enumerate(variants):
            s = stats[stats["variant"] == v]
            colour = colour_of(v, i)
            ax.plot(s["year"], s["mean"], color=colour, label=v.replace("_", "-"), lw=2)
            ax.fill_between(s["year"], s["low"], s["high"], color=colour, alpha=0.2, lw=0)
        ax.set_xlabel("Years since the start")
        ax.set_title(LABELS.get(metric, metric))
        ax.grid(alpha=0.3)
    axes[0].legend(frameon=False)
    n = frame["replicate"].nunique()
    fig.suptitle(title or f"Strategies compared ({n} replicates, 95% intervals)")
    return fig


def run_figure(
    frame: pd.DataFrame,
    start_year: float,
    phases: Sequence[tuple[float, float, str]],
    metrics: Sequence[str] = ("mean_performance", "mean_capacity", "gap", "mean_commitment"),
    title: str = "",
) -> Figure:
    """A scenario's run in calendar years, phases shaded and labelled, 95% band over
    replicates. `phases` holds (start, end, label) in calendar years."""
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(4.4 * len(metrics), 3.8), constrained_layout=True
    )
    axes = [axes] if len(metrics) == 1 else list(axes)
    shades = ["#e8eef7", "#f7efe3", "#e9f5e9", "#f4e8f4", "#eeeeee"]
    for ax, metric in zip(axes, metrics, strict=True):
        stats = band(frame.assign(variant="run"), metric)
        x = start_year + stats["year"]
        for i, (lo, hi, label) in enumerate(phases):
            ax.axvspan(lo, hi, color=shades[i % len(shades)], lw=0)
            ax.text(
                (lo + hi) / 2,
                1.0,
                label.replace("_", "-"),
                ha="center",
                va="bottom",
                fontsize=7,
                transform=ax.get_xaxis_transform(),
                clip_on=False,
            )
        ax.plot(x, stats["mean"], color="#1f4e79", lw=2)
        ax.fill_between(x, stats["low"], stats["high"], color="#1f4e79", alpha=0.2, lw=0)
        ax.set_xlabel("Year")
        ax.set_title(LABELS.get(metric, metric), pad=14)
        ax.grid(alpha=0.3)
    n = frame["replicate"].nunique()
    fig.suptitle(f"{title} ({n} replicate{'s' if n > 1 else ''})")
    return fig


def calibration_figure(points: pd.DataFrame) -> Figure:
    """Model against published data, one panel per series; the shaded years were used
    for fitting, the rest are out-of-sample predictions beside a linear trend."""
    keys = list(dict.fromkeys(zip(points["scenario"], points["series"], strict=True)))
    cols = min(3, len(keys))
    rows = -(-len(keys) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(4.3 * cols, 3.3 * rows), constrained_layout=True, squeeze=False
    )
    for ax, (scenario, series) in zip(axes.flat, keys, strict=False):
        p = points[(points["scenario"] == scenario) & (points["series"] == series)]
        fit = p[p["window"] == "fit"]
        ax.axvspan(fit["year"].min() - 0.5, fit["year"].max() + 0.5, color="#eeeeee", lw=0)
        ax.plot(p["year"], p["value"], "o", color="black", label="published")
        ax.plot(p["year"], p["model"], "-", color="#2ca02c", lw=2, label="model")
        ax.plot(p["year"], p["linear_trend"], "--", color="#7f7f7f", label="linear trend")
        ax.set_title(f"{scenario}: {series}", fontsize=9)
        ax.set_ylabel("% at the standard")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(keys) :]:
        ax.set_visible(False)
    axes.flat[0].legend(frameon=False, fontsize=8)
    fig.suptitle("Calibration: fitted on the shaded years, predicted after them")
    return fig
