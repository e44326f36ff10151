"""Networks of schools one by one: each network's quality and what its schools gained.

The model gives every network its own quality, Q_n = Q ** exp(quality_spread * epsilon_n)
(docs/ODD.md 7.12, `dynamics.network_quality_by_network`): the strategy's ingredients set
the median network's Q, a fixed draw per network how well it realises them. Seed: "every
time the middle gets together, it is not automatically a good thing".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import style as st


def network_table(params: Mapping[str, Any], seed: int, years: float) -> pd.DataFrame:
    """One row per network of schools (two or more members) of one run of a SystemModel
    (keywords `params`, run `years` years, seeded as `experiments.run_model` seeds it):
    its size, quality Q_n under the strategy in force at the end, the share of its schools
    taking part then, its members' mean need, and their mean capacity and performance at
    the start and the end, and the gains."""
    from .. import SystemModel
    from ..dynamics import network_quality_by_network, strategy_terms

    model = SystemModel(**params, rng=np.random.default_rng(seed))  # as run_model seeds it
    st_, top = model.state, model.topology
    start = {"capacity": st_.capacity.copy(), "performance": st_.performance.copy()}
    model.run(years)
    st_ = model.state
    terms = strategy_terms(model.core.priced[0], model.mechanisms, model.budget)
    quality = network_quality_by_network(terms["quality"], st_.quality_draw, model.mechanisms)
    frame = pd.DataFrame(
        {
            "network": top.school_network,
            "quality": quality,
            "taking_part": st_.active.astype(float),
            "need": st_.need,
            "capacity_start": start["capacity"],
            "capacity_end": st_.capacity,
            "performance_start": start["performance"],
            "performance_end": st_.performance,
        }
    )
    out = frame.groupby("network").mean()
    out.insert(0, "schools", frame.groupby("network").size())
    out = out[out["schools"] > 1].reset_index()
    for name in ("capacity", "performance"):
        out[f"{name}_gain"] = out[f"{name}_end"] - out[f"{name}_start"]
    return out


def network_figure(
    tables: Mapping[str, pd.DataFrame], outcome: str = "capacity_gain", title: str | None = None
) -> Figure:
    """Each network's quality against what its schools gained (`outcome`, a column of
    `network_table`), one colour per strategy (`tables` maps a variant name to its
    table), with each variant's least-squares line; marker area grows with the
    network's size."""
    styles = st.variant_styles(tables)
    fig, (ax,) = st.new_figure(1, panel_size=(6.4, 4.4))
    handles, labels = [], []
    for name, t in tables.items():
        colour = styles[name].colour
        ax.scatter(
            t["quality"],
            t[outcome],
            s=4 * t["schools"],
            color=colour,
            alpha=0.5,
            edgecolors="none",
            zorder=st.Z_POINTS,
        )
        if t["quality"].nunique() > 1:
            slope, icept = np.polyfit(t["quality"], t[outcome], 1)
            x = np.linspace(t["quality"].min(), t["quality"].max(), 2)
            ax.plot(
                x,
                icept + slope * x,
                color=colour,
                ls=styles[name].linestyle,
                lw=2,
                zorder=st.Z_LINE,
            )
        handles.append(st.line_handle(styles[name], marker="o"))
        labels.append(f"{st.variant_label(name)} ({len(t)} networks)")
    ax.axhline(0.0, color=st.GREY, lw=1, zorder=st.Z_SHADE)
    what = outcome.removesuffix("_gain")
    unit = st.METRICS.get(f"mean_{what}", (what, "value"))[1]
    ax.set_xlabel("network quality Q_n (0-1)", fontsize=8.5)
    ax.set_ylabel(f"members' mean gain in {unit}", fontsize=8.5)
    ax.grid(alpha=0.3, zorder=st.Z_SHADE)
    st.legend_below(fig, handles, labels)
    fig.suptitle(title or f"Network by network: quality and {what} gained", fontsize=11)
    return fig
