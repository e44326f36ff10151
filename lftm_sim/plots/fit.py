"""The calibration figure: the model against published series, in and out of sample."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from . import style as st

FIT_SHADE = "#E4E4E4"


def calibration_figure(points: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Model against published data, one panel per series of each scenario: the shaded
    years were used for fitting, the rest are out-of-sample predictions beside a linear
    trend fitted to the same years. `points` is `calibration.evaluate`'s table."""
    keys = list(dict.fromkeys(zip(points["scenario"], points["series"], strict=True)))
    fig, axes = st.new_figure(len(keys), cols=min(3, len(keys)), panel_size=(4.4, 3.3))
    for ax, (scenario, series) in zip(axes, keys, strict=True):
        p = points[(points["scenario"] == scenario) & (points["series"] == series)]
        fit = p[p["window"] == "fit"]
        ax.axvspan(fit["year"].min() - 0.5, fit["year"].max() + 0.5, color=FIT_SHADE, lw=0)
        ax.plot(p["year"], p["linear_trend"], "--", color=st.NAIVE_COLOUR, lw=1.5, zorder=st.Z_LINE)
        ax.plot(p["year"], p["model"], "-", color=st.MODEL_COLOUR, lw=2, zorder=st.Z_LINE)
        ax.plot(p["year"], p["value"], "o", **st.PUBLISHED_POINT)
        ax.set_title(f"{st.wrap(scenario, 44)}\n{series}", fontsize=8.5)
        ax.set_xlabel("Year", fontsize=8.5)
        ax.set_ylabel("% of students at the standard", fontsize=8.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    handles = [
        Line2D([], [], ls="none", marker="o", ms=7, mfc=st.PUBLISHED_COLOUR, mec="black"),
        Line2D([], [], color=st.MODEL_COLOUR, lw=2),
        Line2D([], [], color=st.NAIVE_COLOUR, ls="--", lw=1.5),
        Patch(color=FIT_SHADE),
    ]
    labels = ["published", "model", "linear trend of the fitted years", "fitted years"]
    st.legend_below(fig, handles, labels)
    fig.suptitle(title or "Calibration: fitted on the shaded years, predicted after them")
    return fig
