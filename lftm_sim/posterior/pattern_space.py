"""Where in parameter space each pattern holds: pattern sweeps, their indices, a figure.

Two pattern sweeps (`lftm_sim.sweep.patterns`, ``evaluate = "patterns"``) over the box of
the global sensitivity analysis (every mechanism parameter x0.25 to x4 its default, log
scale; budget; capacity_level; the number of districts): a Morris screen of every
pattern's statistic, then Sobol indices on the ten parameters with the largest
normalised mu* over all patterns. At each point every pattern is judged by its own rule
(its 95% interval beyond its minimum effect), so the rows say where it holds; the figure
draws, for each pattern, the Sobol points on its two most influential parameters,
coloured by whether it holds there.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .sensitivity import box_lines, parameter_lines

HOLDS, FAILS = "#009E73", "#D55E00"  # Okabe-Ito bluish green / vermillion


def pattern_morris_spec(
    trajectories: int = 10,
    schools: int = 300,
    replicates: int = 6,
    seed: int = 21,
    patterns: Sequence[str] | None = None,
) -> str:
    """The TOML text of the Morris screen of every pattern's statistic (or of `patterns`)."""
    lines = [
        "# Morris screen of every pattern's statistic (P1-P9), written by",
        "# lftm_sim.posterior.pattern_space.pattern_morris_spec from the declarations: every",
        "# mechanism parameter x0.25 to x4 (log), budget, capacity_level, districts.",
        f"# replicates = {replicates} per point: each pattern's own interval is over them.",
        "[sweep]",
        'name = "patterns_morris"',
        'evaluate = "patterns"',
        'design = "morris"',
        f"points = {trajectories}",
        "levels = 4",
        f"replicates = {replicates}",
        f"seed = {seed}",
        *([f"patterns = {list(patterns)!r}".replace("'", '"')] if patterns else []),
        "",
        "[system]",
        f"n_schools = {schools}",
        f"n_districts = {max(2, schools // 50)}",
        "",
    ]
    return "\n".join([*lines, *box_lines(schools)]) + "\n"


def pattern_sobol_spec(
    morris_text: str, parameters: Sequence[str], base_samples: int = 64, seed: int = 23
) -> str:
    """The Sobol pattern sweep on `parameters`, with the Morris spec's ranges and system."""
    import tomllib

    morris = tomllib.loads(morris_text)
    sw, system = morris["sweep"], morris["system"]
    head = [
        "# Sobol indices of every pattern's statistic on the ten parameters with the largest",
        "# normalised Morris mu* (lftm_sim.posterior.pattern_space.pattern_sobol_spec, from",
        "# the Morris pattern sweep named in docs/sensitivity.md).",
        "[sweep]",
        'name = "patterns_sobol"',
        'evaluate = "patterns"',
        'design = "sobol"',
        f"points = {base_samples}",
        f"replicates = {sw['replicates']}",
        f"seed = {seed}",
        *([f"patterns = {sw['patterns']!r}".replace("'", '"')] if "patterns" in sw else []),
        "",
        "[system]",
        *(f"{k} = {v}" for k, v in system.items()),
        "",
    ]
    return "\n".join([*head, *parameter_lines(morris, parameters)]) + "\n"


def holds_table(runs: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Per pattern: the points judged, the share where it holds, its statistic's spread."""
    from ..sweep.patterns import column

    rows = []
    for code in codes:
        held = runs[column(code, "holds")].dropna()
        stat = runs[column(code, "statistic")].dropna()
        rows.append(
            {
                "pattern": code,
                "points": len(held),
                "share_holds": float(held.mean()) if len(held) else np.nan,
                "stat_q05": float(stat.quantile(0.05)),
                "stat_median": float(stat.median()),
                "stat_q95": float(stat.quantile(0.95)),
            }
        )
    return pd.DataFrame(rows)


def drivers(table: pd.DataFrame, code: str, k: int = 2) -> list[str]:
    """The `k` parameters with the largest total Sobol index on `code`'s statistic."""
    from ..sweep.patterns import column

    st = table[(table["index"] == "ST") & (table["output"] == column(code, "statistic"))]
    return list(st.sort_values("value", ascending=False)["parameter"].iloc[:k])


def holds_figure(runs: pd.DataFrame, sobol: pd.DataFrame, codes: Sequence[str], log=()):
    """One panel per pattern: the points on its two most influential parameters (largest
    Sobol ST of its statistic), green where it holds, vermillion where it fails."""
    from ..plots.style import legend_below, new_figure
    from ..sweep.patterns import column

    fig, axes = new_figure(len(codes), cols=4, panel_size=(3.3, 2.8))
    for ax, code in zip(axes, codes, strict=True):
        x, y = drivers(sobol, code)
        held = runs[column(code, "holds")] == 1.0
        for mask, colour in ((~held, FAILS), (held, HOLDS)):
            ax.scatter(runs.loc[mask, x], runs.loc[mask, y], s=5, c=colour, alpha=0.6, lw=0)
        ax.set_xlabel(x, fontsize=8)
        ax.set_ylabel(y, fontsize=8)
        _scale(ax.xaxis, ax.set_xscale, x in log)
        _scale(ax.yaxis, ax.set_yscale, y in log)
        ax.tick_params(labelsize=7)
        ax.set_title(f"{code}: holds at {held.mean():.0%} of points", fontsize=9)
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="o", ls="", color=c, label=lab)
        for c, lab in ((HOLDS, "pattern holds"), (FAILS, "pattern fails"))
    ]
    legend_below(fig, handles, [h.get_label() for h in handles])
    return fig


def plain_words(share: pd.DataFrame) -> list[str]:
    """The seeds' claims sorted by how much of the box they hold in, for a policy reader."""
    groups = (
        ("hold over most of the box (at 80% of points or more)", share["share_holds"] >= 0.8),
        (
            "hold in parts of it (20% to 80%): they depend on the parameters in their row",
            share["share_holds"].between(0.2, 0.8, inclusive="left"),
        ),
        ("fail over nearly all of it (under 20%)", share["share_holds"] < 0.2),
    )
    lines = ["In plain words: of the claims tested,", ""]
    for words, mask in groups:
        codes = share.loc[mask, "pattern"]
        if len(codes):
            lines.append(f"- {', '.join(codes)} {words};")
    lines[-1] = lines[-1].rstrip(";") + "."
    lines += [
        "",
        "A claim that fails over nearly all of this box is not rescued by any choice of "
        "these ten parameters within it (the others at their defaults); one that holds "
        "over most of it does not hang on the defaults of these ten.",
        "",
    ]
    return lines


def _scale(axis, set_scale, log: bool) -> None:
    """A log axis labelled with plain numbers (0.05, 0.1, 0.2), no crowded minor labels."""
    if not log:
        return
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    set_scale("log")
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0), numticks=6))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def pattern_section(root: Path, doc: Path) -> list[str]:
    """The pattern-space section of docs/sensitivity.md (empty if the sweeps are absent)."""
    from ..sweep import read_results
    from ..sweep.sensitivity import stored_spec
    from .report import _copy, _md

    sdir, mdir = root / "patterns_sobol", root / "patterns_morris"
    if not (sdir / "spec.toml").exists():
        return []
    spec = stored_spec(sdir)
    runs = read_results(sdir)
    sobol = pd.read_csv(sdir / "sensitivity" / "sensitivity.csv")
    log = {v.name for v in spec.varied if v.scale == "log"}
    fig = holds_figure(runs, sobol, spec.patterns, log)
    png = root / "patterns_holds.png"
    fig.savefig(png, dpi=110)
    share = holds_table(runs, spec.patterns)
    tops = pd.DataFrame(
        [
            {"pattern": c, "drivers (largest Sobol ST)": ", ".join(drivers(sobol, c, 3))}
            for c in spec.patterns
        ]
    )
    st = sobol[(sobol["index"] == "ST") & sobol["output"].str.endswith("_statistic")]
    wide = st.pivot_table(index="output", columns="parameter", values="value").round(2)
    wide.index = [i.removesuffix("_statistic").upper() for i in wide.index]
    lines = [
        "## Where each pattern holds in parameter space",
        "",
        f"Each pattern judged by its own rule at every point of a Sobol design over the ten "
        f"parameters that move the pattern statistics most (Morris screen of all of them: "
        f"`{mdir.name}`), {spec.replicates} replicates per point, "
        f"{int(spec.base.get('n_schools', 0))} schools. `share_holds` is the share of the "
        f"{len(runs)} points where the claim holds; the statistic's 5%, 50% and 95% "
        "quantiles over the box are beside it.",
        "",
        _md(share.merge(tops, on="pattern")),
        "",
        *plain_words(share),
        f"![where each pattern holds]({_copy(png, doc, 'patterns_holds.png')})",
        "",
        "Total Sobol index ST of each pattern's statistic (rows) on each parameter. Ratio "
        "statistics (a share of a gain: P2, P3c, P5, P7a, P9) are heavy-tailed where the "
        "gain they divide by nears zero; an ST far above 1 there means the variance is "
        "dominated by a few such points, not that the parameter matters more than all. "
        f"Elsewhere the estimates carry Saltelli's sampling error at N = {spec.points} "
        f"(median bootstrap half-width {st['conf'].median():.2f}; every interval is in "
        "sensitivity.csv), so an ST a little above 1 is that error.",
        "",
        _md(wide.reset_index().rename(columns={"index": "pattern"})),
        "",
    ]
    return lines
