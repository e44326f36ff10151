"""Figures the other plot modules do not draw: school-level distributions and the system
graph. Same look as every figure (`style`): a fixed colour per strategy, labelled axes with
units, no pyplot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from . import style as st

__all__ = ["convergence_figure", "distribution_figure", "effects_figure", "graph_figure"]


def _at_year(agents: pd.DataFrame, column: str, year: float) -> np.ndarray:
    """One column of an agent-level frame (index Step, AgentID) at `year`."""
    from ..dynamics import STEPS_PER_YEAR

    steps = agents.index.get_level_values("Step")
    return agents.loc[steps == round(year * STEPS_PER_YEAR), column].to_numpy(dtype=float)


def distribution_figure(
    agents: Mapping[str, pd.DataFrame],
    years: Sequence[float],
    column: str = "performance",
    title: str | None = None,
) -> st.InlineFigure:
    """Violins of a school-level `column` at each of `years`, one violin per variant.

    `agents` maps a variant name to its agent-level frame (index Step, AgentID), as
    `experiments.run_model(..., agents=School)` returns with ``collect_agents=True``.
    """
    variants = list(agents)
    styles = st.variant_styles(variants)
    fig, axes = st.new_figure(len(years), cols=min(len(years), 3))
    metric = {"performance": "mean_performance", "capacity": "mean_capacity"}.get(column, column)
    unit = st.METRICS.get(metric, (column, "value"))[1]
    for ax, year in zip(axes, years, strict=True):
        data = [_at_year(agents[v], column, year) for v in variants]
        parts = ax.violinplot(data, showmedians=True, widths=0.8)
        for body, v in zip(parts["bodies"], variants, strict=True):
            body.set_facecolor(styles[v].colour)
            body.set_edgecolor(styles[v].colour)
            body.set_alpha(0.55)
        for key in ("cmedians", "cmins", "cmaxes", "cbars"):
            parts[key].set_color(st.GREY)
        ax.set_xticks(range(1, len(variants) + 1))
        ax.set_xticklabels([st.variant_label(v, width=12) for v in variants], fontsize=8)
        ax.set_title(f"Year {year:g}", fontsize=10)
        ax.set_ylabel(unit, fontsize=8.5)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(title or f"School {column}, one violin per strategy (median marked)", fontsize=11)
    return fig


def graph_figure(model, title: str | None = None, seed: int = 0) -> st.InlineFigure:
    """The system graph of a `SystemModel`: schools coloured by capacity, each district's
    schools laid out as a cluster around it, live peer ties in light grey."""
    import networkx as nx
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    g = model.graph
    top = model.topology
    rng = np.random.default_rng(seed)
    n_d = max(top.n_districts, 1)
    angle = 2 * np.pi * np.arange(n_d) / n_d
    centre = np.c_[np.cos(angle), np.sin(angle)] * 3.0
    pos = {0: np.zeros(2)}
    for d in range(top.n_districts):
        pos[1 + d] = centre[d]
    spread = 0.9 / np.sqrt(max(np.bincount(np.maximum(top.school_district, 0)).max() / 30, 1))
    for i, d in enumerate(top.school_district):
        pos[1 + top.n_districts + i] = centre[max(int(d), 0)] + rng.normal(0, spread, 2)
    schools = [n for n, k in g.nodes(data="kind") if k == "school"]
    districts = [n for n, k in g.nodes(data="kind") if k == "district"]
    capacity = model.state.capacity
    fig, (ax,) = st.new_figure(1, panel_size=(7.0, 6.2))
    peers = [(u, v) for u, v, t in g.edges(data="tie") if t == "peer" and u in pos and v in pos]
    nx.draw_networkx_edges(g, pos, edgelist=peers, ax=ax, edge_color="#cccccc", width=0.4)
    norm = Normalize(0.0, 1.0)
    nx.draw_networkx_nodes(
        g,
        pos,
        nodelist=schools,
        ax=ax,
        node_size=12,
        cmap="viridis",
        vmin=0.0,
        vmax=1.0,
        node_color=[capacity[g.nodes[n]["index"]] for n in schools],
    )
    nx.draw_networkx_nodes(
        g,
        pos,
        nodelist=[0, *districts],
        ax=ax,
        node_size=60,
        node_color=st.OKABE_ITO["black"],
        node_shape="s",
    )
    fig.colorbar(ScalarMappable(norm=norm, cmap="viridis"), ax=ax, label="school capacity (0-1)")
    ax.set_axis_off()
    ax.set_title(
        title
        or f"The system: {top.n_schools} schools in {top.n_districts} districts "
        "(squares: the state and its districts)",
        fontsize=10,
    )
    return fig


def effects_figure(
    table: pd.DataFrame, label: str, value: str, title: str, xlabel: str, by: str | None = None
) -> st.InlineFigure:
    """Horizontal bars of `value` per row label (`label`), with 95% intervals from the
    columns ``{value}_low`` and ``{value}_high``; with `by`, one panel per value of it."""
    groups = list(dict.fromkeys(table[by])) if by else [None]
    fig, axes = st.new_figure(len(groups), panel_size=(5.2, 0.35 * table[label].nunique() + 1.6))
    for ax, group in zip(axes, groups, strict=True):
        rows = table if group is None else table[table[by] == group]
        y = np.arange(len(rows))
        err = np.vstack([rows[value] - rows[f"{value}_low"], rows[f"{value}_high"] - rows[value]])
        colour = st.STRATEGY_COLOURS["middle_led"]
        ax.barh(y, rows[value], xerr=err, color=colour, alpha=0.8, ecolor=st.GREY, capsize=3)
        ax.set_yticks(y, [str(v).replace("_", " ") for v in rows[label]], fontsize=8)
        ax.axvline(0.0, color=st.GREY, lw=1)
        ax.set_xlabel(xlabel, fontsize=8.5)
        ax.grid(alpha=0.3, axis="x")
        if group is not None:
            ax.set_title(f"{by.replace('_', ' ')} {group:g}", fontsize=10)
    fig.suptitle(title, fontsize=11)
    return fig


def convergence_figure(table: pd.DataFrame, title: str | None = None) -> st.InlineFigure:
    """How many replicates are enough: each column of `table` (indexed by the number of
    replicates) drawn against it, one panel per column."""
    fig, axes = st.new_figure(len(table.columns))
    for ax, column in zip(axes, table.columns, strict=True):
        ax.plot(table.index, table[column], "o-", color=st.OKABE_ITO["black"], lw=1.5, ms=3)
        ax.set_xlabel("replicates", fontsize=8.5)
        ax.set_title(str(column), fontsize=10)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    fig.suptitle(title or "Does the estimate settle as replicates grow?", fontsize=11)
    return fig
