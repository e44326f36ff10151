"""Spec files for the global sensitivity analysis, derived from the declarations.

Morris screening (one spec per preset strategy, gains over baseline): every mechanism
parameter on x0.25 to x4 its declared default, log scale, clipped to the declared range;
budget (x0.25 to x4, clipped), capacity_level and the number of districts over their
declared ranges (districts capped at a tenth of the schools); and every lever of the
strategy at its preset value +-0.2 (priorities: +-20%), clipped to [lo, hi]. A spending
lever whose +0.2 would push the spending shares over 1 moves only downwards; a spending
lever at 0 beside one holding the whole budget is left out (it cannot rise alone).
Sobol (Saltelli) on the ten parameters with the largest normalised Morris mu*.

Replicates per point follow Lee et al. (2015): run many replicates at the default point
and take the fewest after which the coefficient of variation of every output stays within
`tol` (absolute, 0.02) of its value at the largest count (`replicates_needed`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..declarations import LEVER_PARAMS, MECHANISM_PARAMS, SETTINGS

SPENDING = ("central_support", "school_grants", "middle_investment")
OUTPUT_REPORTERS = ("mean_capacity", "mean_performance", "gap", "equity_gap")
STRATEGIES = ("top_down", "bottom_up", "middle_led")


def _fmt(x: float) -> str:
    return repr(round(float(x), 6))


CAPACITY_RANGE = (0.3, 0.7)  # keeps rest capacity c0 +- slope/2 in (0, 1) for slopes < 0.6
CEILING = "performance_ceiling"  # the one parameter whose *low* end can break the form


def _scaled_range(default: float, lo: float, hi: float) -> tuple[float, float]:
    return max(default / 4, lo) if default > 0 else lo, min(default * 4, hi)


def _valid(corner: dict[str, float], budget: float) -> bool:
    """The worst corner of a box passes the model's form checks."""
    from ..parameters import Mechanisms, check_form

    try:
        check_form(Mechanisms(**corner), budget)
    except ValueError:
        return False
    return corner["rest_need_slope"] / 2 < CAPACITY_RANGE[0]


def mechanism_ranges() -> dict[str, tuple[float, float]]:
    """x0.25 to x4 of every mechanism default within its declared range, with the upper
    ends lowered where the model's form checks forbid the box's worst corner (every rate
    at its top, the ceiling at its bottom, the budget at its top): first a common factor
    u < 4 for all, then each parameter in declaration order back to x4 if the corner
    stays valid. Every point of the box is then valid (the checks are monotone)."""
    full = {
        k: _scaled_range(float(p.default), float(p.lo), float(p.hi))
        for k, p in MECHANISM_PARAMS.items()
    }
    default = {k: float(p.default) for k, p in MECHANISM_PARAMS.items()}
    budget = budget_range()[1]

    def corner(u: float, restored: set[str]) -> dict[str, float]:
        out = {}
        for k, (lo, hi) in full.items():
            f = 4.0 if k in restored else u
            out[k] = max(lo, default[k] / f) if k == CEILING else min(hi, default[k] * f)
        return out

    lo_u, hi_u = 1.0, 4.0
    for _ in range(40):  # bisection on the common factor
        mid = (lo_u + hi_u) / 2
        lo_u, hi_u = (mid, hi_u) if _valid(corner(mid, set()), budget) else (lo_u, mid)
    restored: set[str] = set()
    for k in full:
        if _valid(corner(lo_u, restored | {k}), budget):
            restored.add(k)
    final = corner(lo_u, restored)
    return {k: ((final[k], hi) if k == CEILING else (lo, final[k])) for k, (lo, hi) in full.items()}


def budget_range() -> tuple[float, float]:
    b = SETTINGS["budget"]
    return _scaled_range(float(b.default), float(b.lo), float(b.hi))


def lowered() -> dict[str, float]:
    """Parameters whose box end the form checks moved, with the factor they keep."""
    out = {}
    for k, (lo, hi) in mechanism_ranges().items():
        d = float(MECHANISM_PARAMS[k].default)
        want = _scaled_range(d, float(MECHANISM_PARAMS[k].lo), float(MECHANISM_PARAMS[k].hi))
        if (lo, hi) != want:
            out[k] = round(d / lo if k == CEILING else hi / d, 3)
    return out


def box_lines(schools: int) -> list[str]:
    """The [parameters] tables of the box every screen shares: each mechanism parameter
    (log), the budget (log), capacity_level and the number of districts."""
    lines = []
    for k, (lo, hi) in mechanism_ranges().items():
        lines += [f"[parameters.{k}]", f"range = [{_fmt(lo)}, {_fmt(hi)}]", 'scale = "log"']
    blo, bhi = budget_range()
    lines += ["[parameters.budget]", f"range = [{_fmt(blo)}, {_fmt(bhi)}]", 'scale = "log"']
    lines += [
        "[parameters.capacity_level]",
        f"range = [{_fmt(CAPACITY_RANGE[0])}, {_fmt(CAPACITY_RANGE[1])}]",
    ]
    return lines + ["[parameters.n_districts]", f"range = [2, {max(3, schools // 10)}]"]


def lever_ranges(strategy: str) -> dict[str, tuple[float, float]]:
    """The preset's levers +-0.2 (priorities +-20%), spending shares kept within 1."""
    from ..strategies import PRESETS

    preset = PRESETS[strategy]
    spend = sum(getattr(preset, k) for k in SPENDING)
    out = {}
    for k, p in LEVER_PARAMS.items():
        v = float(getattr(preset, k))
        step = 0.2 * v if p.kind == "count" else 0.2
        lo, hi = max(v - step, p.lo), min(v + step, p.hi)
        if k in SPENDING:
            hi = min(hi, v + (1 - spend))
        if hi > lo:
            out[k] = (lo, hi)
    return out


def morris_spec(
    strategy: str,
    replicates: int,
    trajectories: int = 10,
    schools: int = 300,
    years: float = 12,
    seed: int = 12,
) -> str:
    """The TOML text of the Morris screen for one strategy."""
    lines = [
        f"# Morris screen for {strategy} (gains over baseline), written by",
        "# lftm_sim.posterior.sensitivity.morris_spec from the declarations: every mechanism",
        "# parameter x0.25 to x4 (log), budget, capacity_level, districts, levers +-0.2.",
        f"# replicates = {replicates}: Lee et al. (2015) CV convergence (docs/sensitivity.md).",
        "[sweep]",
        f'name = "sensitivity_morris_{strategy}"',
        f"years = {years}",
        'design = "morris"',
        f"points = {trajectories}",
        "levels = 4",
        f"replicates = {replicates}",
        f"seed = {seed}",
        'baseline = "baseline"',
        "",
        "[system]",
        f"n_schools = {schools}",
        "",
        "[strategies]",
        'baseline = "baseline"',
        f'{strategy} = "{strategy}"',
        "",
    ]
    lines += box_lines(schools)
    for k, (lo, hi) in lever_ranges(strategy).items():
        lines += [
            f"[parameters.{k}]",
            f"range = [{_fmt(lo)}, {_fmt(hi)}]",
            f'strategies = ["{strategy}"]',
        ]
    lines += [
        "",
        "[output]",
        f"reporters = {list(OUTPUT_REPORTERS)!r}".replace("'", '"'),
        f"years = [{years}]",
    ]
    return "\n".join(lines) + "\n"


def top_parameters(table: pd.DataFrame, k: int = 10) -> list[str]:
    """The `k` parameters with the largest mu*, each output's mu* scaled by its largest."""
    mu = table[table["index"] == "mu_star"].copy()
    mu["scaled"] = mu["value"] / mu.groupby("output")["value"].transform("max")
    ranked = mu.groupby("parameter")["scaled"].max().sort_values(ascending=False)
    return list(ranked.index[:k])


def parameter_lines(morris: dict, parameters: Sequence[str], strategy: str = "") -> list[str]:
    """The [parameters.NAME] tables of `parameters`, with the Morris spec's ranges."""
    lines = []
    for name in parameters:
        entry = morris["parameters"][name]
        lo, hi = entry["range"]
        lines += [f"[parameters.{name}]", f"range = [{_fmt(lo)}, {_fmt(hi)}]"]
        if "scale" in entry:
            lines.append(f'scale = "{entry["scale"]}"')
        if "strategies" in entry:
            lines.append(f'strategies = ["{strategy}"]')
    return lines


def sobol_spec(
    strategy: str,
    morris_spec_text: str,
    parameters: Sequence[str],
    replicates: int,
    base_samples: int = 64,
    seed: int = 13,
) -> str:
    """The Sobol spec on `parameters`, with the Morris spec's ranges and system."""
    import tomllib

    morris = tomllib.loads(morris_spec_text)
    head = [
        f"# Sobol indices for {strategy} on the ten parameters with the largest Morris mu*",
        "# (lftm_sim.posterior.sensitivity.sobol_spec; the Morris run it came from is named in",
        "# docs/sensitivity.md).",
        "[sweep]",
        f'name = "sensitivity_sobol_{strategy}"',
        f"years = {morris['sweep']['years']}",
        'design = "sobol"',
        f"points = {base_samples}",
        f"replicates = {replicates}",
        f"seed = {seed}",
        'baseline = "baseline"',
        "",
        "[system]",
        f"n_schools = {morris['system']['n_schools']}",
        "",
        "[strategies]",
        'baseline = "baseline"',
        f'{strategy} = "{strategy}"',
        "",
    ]
    head += parameter_lines(morris, parameters, strategy)
    out = morris["output"]
    head += [
        "",
        "[output]",
        f"reporters = {list(out['reporters'])!r}".replace("'", '"'),
        f"years = {list(out['years'])!r}",
    ]
    return "\n".join(head) + "\n"


def cv_curve(values: np.ndarray) -> np.ndarray:
    """Coefficient of variation of the first n values, n = 2 .. len(values)."""
    v = np.asarray(values, dtype=float)
    n = np.arange(2, len(v) + 1)
    return np.array([v[:m].std(ddof=1) / abs(v[:m].mean()) for m in n])


def replicates_needed(values: np.ndarray, tol: float = 0.02) -> int:
    """Fewest replicates after which the CV stays within `tol` of its value at all of them."""
    cv = cv_curve(values)
    ok = np.abs(cv - cv[-1]) <= tol
    bad = np.flatnonzero(~ok)
    return int(bad[-1] + 3) if len(bad) else 2


def cv_table(
    strategies: Sequence[str] = STRATEGIES,
    replicates: int = 40,
    schools: int = 300,
    years: float = 12,
    seed: int = 12,
    tol: float = 0.02,
) -> pd.DataFrame:
    """Per strategy and output (gain over baseline at `years`), the CV at each replicate
    count and the replicates needed, at the declared defaults."""
    from ..ensemble import run_ensemble
    from ..experiments import run_seed

    names = ["baseline", *strategies]
    members = [{"n_schools": schools, "strategy": s} for r in range(replicates) for s in names]
    seeds = [run_seed(seed, r) for r in range(replicates) for _ in names]
    last = [f.iloc[-1] for f in run_ensemble(members, seeds, years)]
    rows = []
    for j, s in enumerate(strategies, start=1):
        for out in OUTPUT_REPORTERS:
            gains = np.array(
                [
                    last[r * len(names) + j][out] - last[r * len(names)][out]
                    for r in range(replicates)
                ]
            )
            rows.append(
                {
                    "strategy": s,
                    "output": f"gain_{out}",
                    "mean": gains.mean(),
                    "cv_final": cv_curve(gains)[-1],
                    "replicates_needed": replicates_needed(gains, tol),
                    "cv_curve": " ".join(f"{c:.3f}" for c in cv_curve(gains)),
                }
            )
    return pd.DataFrame(rows)


def write_specs(
    directory: Path,
    replicates: Mapping[str, int],
    morris_tables: Mapping[str, pd.DataFrame] | None = None,
    **sizes,
) -> list[Path]:
    """Write DIR/sensitivity_morris_S.toml per strategy S (replicates[S] per point) and,
    given Morris index tables, DIR/sensitivity_sobol_S.toml on each one's top ten.
    `sizes` go to `morris_spec` (trajectories, schools, years)."""
    written = []
    for s in STRATEGIES:
        text = morris_spec(s, replicates[s], **sizes)
        path = Path(directory) / f"sensitivity_morris_{s}.toml"
        path.write_text(text)
        written.append(path)
        if morris_tables and s in morris_tables:
            top = top_parameters(morris_tables[s])
            spath = Path(directory) / f"sensitivity_sobol_{s}.toml"
            spath.write_text(sobol_spec(s, text, top, replicates[s]))
            written.append(spath)
    return written
