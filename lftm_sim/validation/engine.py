"""Pattern-oriented validation (docs/design.md section 6): the engine of `lftm validate`.

Three questions, each answered with the one set of pattern checks in `patterns.py`:

1. At the default mechanisms, does every pattern P1-P9 hold over replicates?
2. Knock-outs: with the mechanism meant to carry a pattern switched off, does it fail?
3. Robustness: over a documented box of mechanism parameters (a Latin hypercube around
   the defaults, every point valid under `check_form`), in what share of points does each
   pattern hold?

`validate` returns one row per pattern; `lftm_sim.validation.report` turns it into
markdown (docs/validation.md); `lftm_sim.commands.validate` is the `lftm validate` command.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc, spearmanr
from tqdm.auto import tqdm

from ..errors import InputError
from ..experiments import run_seed
from ..parameters import Mechanisms, check_form, resolve_mechanisms
from ..patterns import PATTERNS, PatternConfig, check_patterns

#: Budget the pattern runs use (SystemModel's default); every box point must be valid at it.
BOX_BUDGET = 1.0
#: A pattern is robust when it holds in at least this share of the box.
ROBUST_SHARE = 0.8

#: The parameter box, as relative half-widths around each parameter's default: the main
#: rates of every process vary by +-30%; embedding (a weight near its top) by +-20%; the
#: need threshold (a slope whose default is a guess) by +-40%. Every other parameter stays
#: at its default. The box follows the defaults (`BOX` is computed from `Mechanisms()`).
BOX_WIDTHS: dict[str, float] = {
    # 1 central push
    "central_rate": 0.3,
    "lift_max": 0.3,
    "lift_speed": 0.3,
    "pressure_erosion": 0.3,
    # 2 autonomy
    "autonomy_rate": 0.3,
    "need_threshold": 0.4,
    "grant_rate": 0.3,
    "ownership_rate": 0.3,
    # 3 the middle
    "middle_capacity_rate": 0.3,
    "middle_coherence_rate": 0.3,
    "middle_decay": 0.3,
    "district_support_rate": 0.3,
    "district_ownership_rate": 0.3,
    # 4 lateral learning
    "lateral_rate": 0.3,
    "participation_rate": 0.3,
    "trust_rate": 0.3,
    # 5 innovation
    "innovation_rate": 0.3,
    "diffusion_rate": 0.3,
    # 6 sustainability
    "capacity_decay": 0.3,
    "embedding": 0.2,
    "commitment_relax": 0.3,
    # 7 network formation
    "imposition_shock": 0.3,
}


def make_box(widths: dict[str, float] = BOX_WIDTHS) -> dict[str, tuple[float, float]]:
    """Mechanism parameter -> (low, high): default x (1 -+ relative half-width)."""
    defaults = Mechanisms()
    return {
        name: (
            round(getattr(defaults, name) * (1 - w), 6),
            round(getattr(defaults, name) * (1 + w), 6),
        )
        for name, w in widths.items()
    }


#: The parameter box: mechanism parameter -> (low, high). Its upper corner is valid under
#: `check_form` at BOX_BUDGET (every form sum grows with every rate), so every point is.
BOX: dict[str, tuple[float, float]] = make_box()


def check_box(box: dict[str, tuple[float, float]] = BOX, budget: float = BOX_BUDGET) -> None:
    """Refuse a box with an unknown parameter, an empty range, or an invalid point.

    Every sum `check_form` bounds grows with every rate, and the bounds of `Mechanisms`
    are intervals, so checking the two corners checks every point of the box.
    """
    for name, (lo, hi) in box.items():
        if not lo < hi:
            raise ValueError(f"box range of {name!r} must have low < high, got ({lo}, {hi})")
    for corner in (0, 1):
        point = {name: bounds[corner] for name, bounds in box.items()}
        mp = resolve_mechanisms(point)  # raises on an unknown name or a value out of range
        check_form(mp, budget)


def sample_box(
    points: int, seed: int = 0, box: dict[str, tuple[float, float]] = BOX
) -> pd.DataFrame:
    """A Latin hypercube of `points` points in the box, one row per point."""
    if points < 1:
        raise ValueError(f"points must be at least 1, got {points}")
    check_box(box)
    names = list(box)
    unit = qmc.LatinHypercube(d=len(names), seed=seed).random(points)
    lows = [box[n][0] for n in names]
    highs = [box[n][1] for n in names]
    values = qmc.scale(unit, lows, highs)
    return pd.DataFrame(values, columns=names).rename_axis("point")


@dataclass(frozen=True)
class ValidationSettings:
    """Everything a validation run depends on (recorded in the report)."""

    n_schools: int = 500
    n_districts: int = 10
    replicates: int = 20  # at the defaults and for the knock-outs
    points: int = 64  # box points
    box_replicates: int = 8  # replicates at each box point
    seed: int = 0
    workers: int = 1
    codes: tuple[str, ...] = field(default_factory=lambda: tuple(PATTERNS))

    def __post_init__(self) -> None:
        def need(ok: bool, message: str) -> None:
            if not ok:
                key = message.split()[0] if message.startswith("--") else "--patterns"
                raise InputError(message, key=key)

        need(self.n_schools >= 20, f"--schools must be at least 20, got {self.n_schools}")
        need(
            0 <= self.n_districts <= self.n_schools,
            f"--districts must be in [0, --schools ({self.n_schools})], got {self.n_districts}",
        )
        need(self.replicates >= 2, f"--replicates must be at least 2, got {self.replicates}")
        need(self.points >= 1, f"--points must be at least 1, got {self.points}")
        need(
            self.box_replicates >= 2,
            f"--box-replicates must be at least 2, got {self.box_replicates}",
        )
        need(self.seed >= 0, f"--seed must be at least 0, got {self.seed}")
        need(self.workers >= 1, f"--workers must be at least 1, got {self.workers}")
        unknown = [c for c in self.codes if c not in PATTERNS]
        need(not unknown, f"unknown pattern {unknown[0]!r}" if unknown else "")

    def config(self, **changes: Any) -> PatternConfig:
        base = dict(
            n_schools=self.n_schools,
            n_districts=self.n_districts,
            replicates=self.replicates,
            seed=self.seed,
            workers=self.workers,
        )
        return PatternConfig(**{**base, **changes})


def _point_seed(seed: int, point: int) -> int:
    """Each box point meets its own noise, a function of the master seed and the point."""
    return run_seed(seed, 0, point + 1) % (2**63)


def _box_point(task: tuple) -> tuple[int, list[tuple[str, float, bool]]]:
    point, mechanisms, codes, config = task
    results = check_patterns(codes, PatternConfig(**{**config, "mechanisms": mechanisms}))
    return point, [(r.code, r.statistic, r.passed) for r in results]


def run_box(
    settings: ValidationSettings, samples: pd.DataFrame, bar: tqdm | None = None
) -> pd.DataFrame:
    """Judge the patterns at every box point: one row per point and pattern, with the
    point's parameter values. Points run in parallel over `settings.workers` processes."""
    base = asdict(settings.config(replicates=settings.box_replicates, workers=1))
    tasks = [
        (
            i,
            {k: float(v) for k, v in row.items()},
            list(settings.codes),
            {**base, "seed": _point_seed(settings.seed, i)},
        )
        for i, row in samples.iterrows()
    ]
    done: list[tuple[int, list]] = []
    workers = min(settings.workers, os.cpu_count() or 1, len(tasks))
    if workers <= 1:
        for task in tasks:
            done.append(_box_point(task))
            if bar is not None:
                bar.update()
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for future in as_completed([pool.submit(_box_point, t) for t in tasks]):
                done.append(future.result())
                if bar is not None:
                    bar.update()
    rows = [
        {"point": i, "code": code, "statistic": stat, "passed": passed}
        for i, results in done
        for code, stat, passed in results
    ]
    out = pd.DataFrame(rows).merge(samples.reset_index(), on="point")
    return out.sort_values(["point", "code"], kind="stable").reset_index(drop=True)


def failure_drivers(box_runs: pd.DataFrame, code: str, top: int = 3) -> list[tuple[str, float]]:
    """The box parameters most rank-correlated with a pattern's statistic (Spearman)."""
    rows = box_runs[box_runs["code"] == code]
    stat = rows["statistic"].to_numpy(dtype=float)
    found = []
    if len(rows) < 3 or not np.all(np.isfinite(stat)) or np.ptp(stat) == 0:
        return found
    for name in BOX:
        if name in rows:
            rho = spearmanr(rows[name], stat).statistic
            if np.isfinite(rho):
                found.append((name, float(rho)))
    return sorted(found, key=lambda t: -abs(t[1]))[:top]


def _row(res, ko, settings: ValidationSettings, shares: pd.Series, points: int) -> dict:
    """One pattern's row of the report frame: its verdict, knock-out and box share."""
    return {
        "code": res.code,
        "claim": res.claim,
        "kind": res.kind,
        "statistic": res.statistic,
        "threshold": res.threshold,
        "passed": res.passed,
        "detail": res.detail,
        "low": res.low,
        "high": res.high,
        "min_effect": res.min_effect,
        "carrier": PATTERNS[res.code].carrier,
        "has_knockout": bool(PATTERNS[res.code].knockout),
        "knockout_low": ko.low,
        "knockout_high": ko.high,
        "replicates": settings.replicates,
        "knockout": ", ".join(f"{k}={v:g}" for k, v in PATTERNS[res.code].knockout.items()),
        "knockout_statistic": ko.statistic,
        "knockout_passed": ko.passed,
        "knockout_fails": not ko.passed,
        "knockout_detail": ko.detail,
        "box_share": float(shares.get(res.code, np.nan)),
        "box_points": points,
    }


def cost_experiments(settings: ValidationSettings) -> dict[str, pd.DataFrame]:
    """At the validation's system and replicates: what each preset costs per school-year,
    each strategy's gain over baseline against its budget, and the decomposition of
    where middle-led's lead comes from (docs/costs.md)."""
    from ..cost_effectiveness import Design, curves, decomposition
    from ..costs import cost_table

    design = Design(
        n_schools=settings.n_schools,
        n_districts=settings.n_districts,
        replicates=settings.replicates,
        seed=settings.seed,
        workers=settings.workers,
    )
    presets = {name: {"strategy": name} for name in ("top_down", "bottom_up", "middle_led")}
    return {
        "presets": cost_table(presets),
        "curves": curves(design=design),
        "decomposition": decomposition(design),
    }


def validate(settings: ValidationSettings | None = None, progress: bool = False) -> pd.DataFrame:
    """Run the whole validation; one row per pattern.

    Columns: code, claim, kind, statistic, threshold, passed, detail, replicates,
    knockout, knockout_statistic, knockout_passed, knockout_fails, knockout_detail,
    box_share, box_points. `frame.attrs` holds the settings, the box samples and per-point
    results ("box_runs"), the run time and the date.
    """
    settings = settings or ValidationSettings()
    codes = list(settings.codes)
    start = time.perf_counter()
    samples = sample_box(settings.points, settings.seed)
    bar = tqdm(total=3 + len(samples), desc="validate", unit="step", disable=not progress)
    bar.set_postfix_str("defaults")
    at_defaults = check_patterns(codes, settings.config())
    bar.update()
    bar.set_postfix_str("knock-outs")
    knocked = check_patterns(codes, settings.config(), knockout=True)
    bar.update()
    bar.set_postfix_str("box")
    box_runs = run_box(settings, samples, bar)
    bar.set_postfix_str("costs")
    costs = cost_experiments(settings)
    bar.update()
    bar.close()
    shares = box_runs.groupby("code")["passed"].mean()
    rows = [
        _row(res, ko, settings, shares, len(samples))
        for res, ko in zip(at_defaults, knocked, strict=True)
    ]
    frame = pd.DataFrame(rows)
    frame.attrs.update(
        settings=asdict(settings),
        samples=samples,
        box_runs=box_runs,
        costs=costs,
        seconds=time.perf_counter() - start,
        date=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return frame
