"""Global sensitivity of a finished sweep: Morris screening and Sobol indices (SALib).

A `morris` sweep gives elementary effects (mu*, sigma, with a bootstrap interval on mu*),
the cheap screen over many parameters; a `sobol` (Saltelli) sweep gives first-order and
total indices with bootstrap intervals. Indices are per unit of each parameter's range
(of its logarithm, for log-scaled ones), so they compare across parameters.

Replicate noise is handled explicitly: the indices are of the replicate mean at each
point, and the share of a single run's variance that is replicate noise (the mean
within-point variance over the total) is reported beside them. A failed or NaN run is
never dropped silently: a point keeps the mean of its remaining replicates (the count is
reported), and a design block (a Saltelli base sample or a Morris trajectory) with a
point that has no value left is left out of the estimate, with the numbers used and left
out in every row of the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import storage
from .design import block_size, salib_problem, unit_design
from .spec import SweepSpec, fail, load_spec

INDICES = {"sobol": ("S1", "ST"), "morris": ("mu_star", "sigma")}


@dataclass
class Sensitivity:
    """The tidy index table, one convergence line per output, and the spec analysed."""

    table: pd.DataFrame
    convergence: list[str]
    spec: SweepSpec


def stored_spec(root: Path) -> SweepSpec:
    """The spec a sweep directory was run with."""
    meta = storage.read_metadata(root)
    return load_spec(Path(root) / "spec.toml", relative_to=Path(meta["spec_file"]).parent)


def point_means(runs: pd.DataFrame, output: str, n: int, replicates: int):
    """Replicate mean per point (NaN where none is left), runs missing or NaN per point,
    and the replicate-noise share of a single run's variance."""
    y = runs.groupby("point")[output]
    means = y.mean().reindex(range(n))
    missing = (replicates - y.count()).reindex(range(n), fill_value=replicates)
    total = runs[output].var()
    within = y.var().mean() if replicates > 1 else np.nan
    share = float(within / total) if total and np.isfinite(total) else np.nan
    return means.to_numpy(dtype=float), missing.to_numpy(), share


def _analyse(spec: SweepSpec, unit: np.ndarray, y: np.ndarray, blocks: np.ndarray) -> dict:
    """SALib's indices from the usable blocks (row indices of whole blocks)."""
    problem = salib_problem(spec)
    rows = blocks.ravel()
    if spec.design == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(problem, y[rows], calc_second_order=False, seed=spec.seed % 2**32)
        return {"S1": (res["S1"], res["S1_conf"]), "ST": (res["ST"], res["ST_conf"])}
    from SALib.analyze import morris

    res = morris.analyze(
        problem, unit[rows], y[rows], num_levels=spec.levels, seed=spec.seed % 2**32
    )
    nan = np.full(problem["num_vars"], np.nan)
    return {"mu_star": (res["mu_star"], res["mu_star_conf"]), "sigma": (res["sigma"], nan)}


def _one(spec, unit, runs, output, offset, n) -> tuple[list[dict], str]:
    """Rows of the table for one output of one group of runs (a strategy, a combination)."""
    means, missing, noise = point_means(
        runs.assign(point=runs["point"] - offset), output, n, spec.row_replicates
    )
    size = block_size(spec)
    blocks = np.arange(n).reshape(-1, size)
    usable = blocks[np.isfinite(means[blocks]).all(axis=1)]
    if len(usable) < 4:
        fail(
            None,
            "--outputs",
            f"{output}: only {len(usable)} of {len(blocks)} design blocks have values",
            "a sweep whose runs mostly finished (see DIR/failed)",
        )
    full = _analyse(spec, unit, means, usable)
    half = _analyse(spec, unit, means, usable[: len(usable) // 2])
    main = INDICES[spec.design][-1 if spec.design == "sobol" else 0]
    drift = float(np.nanmax(np.abs(full[main][0] - half[main][0])))
    rows = []
    for index, (values, conf) in full.items():
        for j, v in enumerate(spec.continuous):
            rows.append(
                {
                    "output": output,
                    "parameter": v.name,
                    "index": index,
                    "value": values[j],
                    "conf": conf[j],
                    "half_n_value": half[index][0][j],
                    "blocks_used": len(usable),
                    "blocks_total": len(blocks),
                    "runs_missing": int(missing.sum()),
                    "noise_share": noise,
                }
            )
    line = (
        f"{output}: {main} at N/2 vs N ({len(usable) // 2} vs {len(usable)} blocks): "
        f"largest change {drift:.3g}"
    )
    return rows, line


def sensitivity(root: str | Path, outputs: list[str], strategies: list[str] | None = None):
    """Indices of each output (a column of DIR/runs) for each strategy and combination
    of listed values; a `Sensitivity`."""
    root = Path(root)
    spec = stored_spec(root)
    if spec.design not in INDICES:
        fail(
            root / "spec.toml",
            "sweep.design",
            f"a {spec.design} design gives no Sobol or Morris indices",
            "a sweep with design = sobol or morris",
        )
    runs = storage.read_results(root)
    unit = unit_design(spec)
    n = len(unit)
    strategies = strategies or list(spec.strategies)
    for s in strategies:
        if s not in spec.strategies:
            fail(None, "--strategy", f"unknown strategy {s!r}", ", ".join(spec.strategies))
    for out in outputs:
        if runs.empty or out not in runs:
            allowed = [c for c in runs.columns if runs[c].dtype.kind == "f"]
            fail(
                None,
                "--outputs",
                f"no output column {out!r}",
                ", ".join(allowed) or "(no finished runs)",
            )
    rows, lines = [], []
    combos = max(1, len(_combos(spec)))
    for c in range(combos):
        extra = (
            dict(zip([v.name for v in spec.categorical], _combos(spec)[c], strict=True))
            if spec.categorical
            else {}
        )
        for s in strategies:
            group = runs[(runs["strategy"] == s) & runs["point"].between(c * n, (c + 1) * n - 1)]
            for out in outputs:
                found, line = _one(spec, unit, group, out, c * n, n)
                rows += [{"strategy": s, **extra, **r} for r in found]
                where = ", ".join(f"{k}={v:g}" for k, v in extra.items())
                lines.append(f"{s}{' [' + where + ']' if where else ''} {line}")
    table = pd.DataFrame(rows)
    table["conf_lo"] = table["value"] - table["conf"]
    table["conf_hi"] = table["value"] + table["conf"]
    return Sensitivity(table, lines, spec)


def _combos(spec: SweepSpec) -> list[tuple]:
    import itertools

    return list(itertools.product(*(v.values for v in spec.categorical)))


def sensitivity_figure(result: Sensitivity):
    """Bars of each index per parameter with their intervals: one panel per output and
    strategy, in the strategy's colour (solid: the first index, hatched: the second; a
    matplotlib Figure)."""
    from matplotlib.patches import Patch

    from ..plots import style as st

    t = result.table
    panels = list(t.groupby(["output", "strategy"], sort=False))
    n_params = t["parameter"].nunique()
    fig, axes = st.new_figure(len(panels), cols=1, panel_size=(max(6.5, 1.1 * n_params), 2.9))
    styles = st.variant_styles(dict.fromkeys(t["strategy"]))
    names = INDICES[result.spec.design]
    hatches = ("", "///")
    for ax, ((output, strategy), g) in zip(axes, panels, strict=True):
        params = list(dict.fromkeys(g["parameter"]))
        x = np.arange(len(params))
        width = 0.8 / len(names)
        for k, name in enumerate(names):
            gi = g[g["index"] == name].groupby("parameter", sort=False).first().reindex(params)
            err = gi["conf"].to_numpy(dtype=float)
            ax.bar(
                x + k * width - 0.4 + width / 2,
                gi["value"],
                width,
                color=styles[strategy].colour,
                alpha=0.9 if k == 0 else 0.45,
                hatch=hatches[k % 2],
                edgecolor="white" if k == 0 else styles[strategy].colour,
                yerr=None if np.isnan(err).all() else err,
                ecolor=st.GREY,
                capsize=3,
                zorder=st.Z_BAND,
            )
        title, unit = st.output_label(output)
        ax.set_xticks(x, [p.replace("_", " ") for p in params], rotation=20, ha="right", fontsize=8)
        ax.set_title(f"{st.variant_label(strategy)}: {title}", fontsize=10)
        morris = result.spec.design == "morris"
        ax.set_ylabel(
            st.wrap(f"{unit} per parameter range", 34)
            if morris
            else "share of the output's variance",
            fontsize=8.5,
        )
        ax.axhline(0, color=st.GREY, lw=0.8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3, axis="y", zorder=st.Z_SHADE)
    handles = [
        Patch(facecolor=st.GREY, alpha=0.9),
        Patch(facecolor=st.GREY, alpha=0.45, hatch=hatches[1], edgecolor=st.GREY),
    ]
    labels = [st.INDEX_NAMES.get(n, n) for n in names]
    st.legend_below(fig, handles[: len(names)], labels)
    what = "Morris screen" if result.spec.design == "morris" else "Sobol indices"
    fig.suptitle(f"{what}: bars per parameter with bootstrap intervals", fontsize=11)
    return fig
