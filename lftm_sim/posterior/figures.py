"""Figures of a posterior and of its predictions (matplotlib Figures, no pyplot)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..plots.style import OKABE_ITO, OTHER_COLOURS, InlineFigure, legend_below, new_figure
from .storage import Posterior


def posterior_figure(post: Posterior) -> Figure:
    """Pairwise plot of the final generation on log10 axes: weighted marginal histograms
    on the diagonal with the prior's range as the x limits, particles below it."""
    fin = post.final()
    names = post.names
    k = len(names)
    fig = InlineFigure(figsize=(1.45 * k + 1, 1.45 * k + 1), layout="constrained")
    axes = fig.subplots(k, k, squeeze=False)
    logs = {n: np.log10(fin[n].to_numpy()) for n in names}
    bounds = {n: post.priors[n].log_bounds for n in names}
    for i, yi in enumerate(names):
        for j, xj in enumerate(names):
            ax = axes[i][j]
            ax.tick_params(labelsize=6)
            if j > i:
                ax.set_axis_off()
                continue
            if i == j:
                ax.hist(
                    logs[xj],
                    bins=15,
                    range=bounds[xj],
                    weights=fin["weight"],
                    color=OKABE_ITO["blue"],
                    alpha=0.8,
                )
                ax.set_yticks([])
            else:
                ax.scatter(logs[xj], logs[yi], s=4, alpha=0.5, color=OKABE_ITO["blue"])
                ax.set_ylim(*bounds[yi])
            ax.set_xlim(*bounds[xj])
            if i == k - 1:
                ax.set_xlabel(f"log10 {xj}", fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(f"log10 {yi}", fontsize=7)
    fig.suptitle(
        f"Posterior fitted on {post.settings.get('fit_on', '?')} "
        f"(generation {int(fin['generation'].iloc[0])}, {len(fin)} particles); "
        "axes span the prior",
        fontsize=9,
    )
    return fig


def predictions_figure(points: pd.DataFrame) -> Figure:
    """Every scored series: data, the model's 90% band and median from each fit, and the
    baselines' point forecasts."""
    scored = points[points["scored"]]
    keys = list(dict.fromkeys(zip(scored["system"], scored["series"], strict=True)))
    fig, axes = new_figure(len(keys), cols=min(3, len(keys)))
    models = [m for m in scored["method"].unique() if m.startswith("model")]
    others = [m for m in scored["method"].unique() if not m.startswith("model")]
    colours = dict(zip(models, (OKABE_ITO["blue"], OKABE_ITO["vermillion"]), strict=False))
    handles, labels = [], []
    for ax, (system, series) in zip(axes, keys, strict=False):
        one = scored[(scored["system"] == system) & (scored["series"] == series)]
        for m in models:
            g = one[one["method"] == m].sort_values("year")
            ax.fill_between(g["year"], g["lo90"], g["hi90"], color=colours[m], alpha=0.15)
            (h,) = ax.plot(g["year"], g["point"], color=colours[m], lw=1.5)
            if m not in labels:
                handles.append(h), labels.append(m)
        for m, colour in zip(others, OTHER_COLOURS, strict=False):
            g = one[one["method"] == m].sort_values("year")
            (h,) = ax.plot(g["year"], g["point"], color=colour, lw=1, ls="--")
            if m not in labels:
                handles.append(h), labels.append(m)
        data = one[one["method"] == models[0]].sort_values("year") if models else one
        (h,) = ax.plot(data["year"], data["value"], "ko", ms=3.5)
        if "published" not in labels:
            handles.append(h), labels.append("published")
        fit_end = data.loc[data["window"] == "fit", "year"].max()
        ax.axvline(fit_end + 0.5, color="grey", lw=0.8, ls=":")
        ax.set_title(f"{system}: {series}", fontsize=9)
        ax.set_ylabel("% at the standard", fontsize=8)
        ax.set_xlabel("Year (dotted line: end of the fit window)", fontsize=8)
    legend_below(fig, handles, labels)
    return fig
