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
