"""The policy map: where in the plane of two parameters one strategy beats another.

For each cell of the (x, y) plane, the paired difference of an outcome between strategy
`a` and strategy `b` (same design point, same replicate: same system, same noise) over
the replicates, with its t interval. Cells whose interval contains zero are marked: there
the sweep cannot tell the strategies apart. The spend share of each strategy is reported
per cell, so "at equal cost" is checked, not assumed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import storage
from .identity import member_kwargs, resolved_parameters
from .sensitivity import stored_spec
from .spec import fail

MAX_LEVELS = 25  # more distinct values than this on an axis are binned
SPENDING = ("central_support", "school_grants", "middle_investment")


def _axis(values: pd.Series, bins: int | None) -> tuple[pd.Series, np.ndarray]:
    """Each run's cell coordinate on one axis, and the axis' cell centres."""
    levels = np.sort(values.unique())
    if bins is None and len(levels) <= MAX_LEVELS:
        return values, levels
    edges = np.linspace(values.min(), values.max(), (bins or 8) + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    which = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(centres) - 1)
    return pd.Series(centres[which], index=values.index), centres


def _spend(spec, strategy: str, values: dict) -> float:
    """Share of the budget a strategy spends at a point (its first phase's levers)."""
    levers = resolved_parameters(member_kwargs(spec, strategy, values), spec.years)
    first = levers["timeline"][0]["levers"]
    return float(sum(first[k] for k in SPENDING))


def policy_map(
    root, x: str, y: str, outcome: str, a: str, b: str, bins: int | None = None, level: float = 0.95
) -> pd.DataFrame:
    """One row per cell: mean paired difference a - b, its interval, pairs used and
    missing, whether the interval crosses zero, and each strategy's spend share."""
    from scipy import stats

    root = Path(root)
    spec = stored_spec(root)
    runs = storage.read_results(root)
    _check(spec, runs, x, y, outcome, a, b)
    wide = runs.pivot_table(
        index=["point", "replicate"],
        columns="strategy",
        values=outcome,
        aggfunc="first",
        dropna=False,
    )
    design = pd.read_parquet(root / "design.parquet").set_index("point")
    pairs = wide.reindex(columns=[a, b]).reset_index()
    expected = pd.MultiIndex.from_product([design.index, range(spec.replicates)])
    pairs = pairs.set_index(["point", "replicate"]).reindex(expected).reset_index()
    pairs.columns = ["point", "replicate", "a", "b"]
    pairs["diff"] = pairs["a"] - pairs["b"]
    pairs["x"], xs = _axis(design.loc[pairs["point"], x].reset_index(drop=True), bins)
    pairs["y"], ys = _axis(design.loc[pairs["point"], y].reset_index(drop=True), bins)
    rows = []
    for (cx, cy), g in pairs.groupby(["x", "y"]):
        d = g["diff"].dropna().to_numpy()
        n = len(d)
        mean = d.mean() if n else np.nan
        half = stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
        point = int(g["point"].iloc[0])
        values = design.loc[point].to_dict()
        rows.append(
            {
                x: cx,
                y: cy,
                "mean_diff": mean,
                "lo": mean - half,
                "hi": mean + half,
                "pairs": n,
                "pairs_missing": len(g) - n,
                "crosses_zero": not (np.isfinite(half) and (mean - half > 0 or mean + half < 0)),
                f"spend_{a}": _spend(spec, a, values),
                f"spend_{b}": _spend(spec, b, values),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs.update(outcome=outcome, a=a, b=b, x=x, y=y, level=level)
    return out


def _check(spec, runs, x, y, outcome, a, b) -> None:
    names = [v.name for v in spec.varied]
    for flag, p in (("--x", x), ("--y", y)):
        if p not in names:
            fail(None, flag, f"{p!r} is not varied in this sweep", ", ".join(names))
    if x == y:
        fail(None, "--y", "must differ from --x", "two different parameters")
    for flag, s in (("--a", a), ("--b", b)):
        if s not in spec.strategies:
            fail(None, flag, f"unknown strategy {s!r}", ", ".join(spec.strategies))
    if runs.empty or outcome not in runs:
        allowed = [c for c in runs.columns if runs[c].dtype.kind == "f"]
        fail(
            None,
            "--outcome",
            f"no output column {outcome!r}",
            ", ".join(allowed) or "(no finished runs)",
        )


def policy_map_figure(cells: pd.DataFrame):
    """Heatmap of the mean difference, the boundary where it is 0, and an x on every cell
    whose interval crosses 0 (a matplotlib Figure). Cells shade from `b`'s colour (b does
    better) through white (no difference) to `a`'s colour (a does better)."""
    from matplotlib.colors import LinearSegmentedColormap, TwoSlopeNorm
    from matplotlib.lines import Line2D

    from ..plots import style as st

    m = cells.attrs
    grid = cells.pivot(index=m["y"], columns=m["x"], values="mean_diff")
    xs, ys, z = grid.columns.to_numpy(), grid.index.to_numpy(), grid.to_numpy()
    colours = st.variant_styles([m["a"], m["b"]])
    cmap = LinearSegmentedColormap.from_list(
        "policy_map", [colours[m["b"]].colour, "#FFFFFF", colours[m["a"]].colour]
    )
    fig, (ax,) = st.new_figure(1, panel_size=(6.2, 4.6))
    span = np.nanmax(np.abs(z)) if np.isfinite(z).any() else 1.0
    norm = TwoSlopeNorm(0.0, -span or -1.0, span or 1.0)
    mesh = ax.pcolormesh(xs, ys, z, cmap=cmap, norm=norm, shading="nearest")
    title, unit = st.output_label(m["outcome"])
    a, b = st.variant_label(m["a"]), st.variant_label(m["b"])
    fig.colorbar(mesh, ax=ax, label=st.wrap(f"{a} minus {b}, {unit}", 40))
    boundary = z.shape[0] > 1 and z.shape[1] > 1 and np.nanmin(z) < 0 < np.nanmax(z)
    if boundary:
        ax.contour(xs, ys, z, levels=[0.0], colors="k", linewidths=1.5)
    unsure = cells[cells["crosses_zero"]]
    ax.scatter(unsure[m["x"]], unsure[m["y"]], marker="x", color=st.OKABE_ITO["black"], s=25)
    ax.set_xlabel(st.parameter_label(m["x"]), fontsize=8.5)
    ax.set_ylabel(st.parameter_label(m["y"]), fontsize=8.5)
    ax.tick_params(labelsize=8)
    ax.set_title(f"Where {a} beats {b}: {title}", fontsize=10)
    handles = [Line2D([], [], ls="none", marker="x", color=st.OKABE_ITO["black"])]
    labels = [f"{m['level']:.0%} interval contains 0"]
    if boundary:
        handles.append(Line2D([], [], color="k", lw=1.5))
        labels.append("no difference (boundary)")
    st.legend_below(fig, handles, labels)
    return fig
