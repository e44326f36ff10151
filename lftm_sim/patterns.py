"""Pattern checks (docs/design.md section 6): the seeds' claims as hypotheses to test.

Used by the test suite and by `lftm validate`. A pattern names the runs it needs
(variants); the runs are made once for all patterns with common random numbers, and the
pattern's `judge` turns their series into an effect, a 95% interval and a verdict.

The rule is the same for every pattern: **the claim holds when the 95% interval of its
effect lies beyond the minimum effect that matters** (`Pattern.min_effect`, argued in
`MIN_EFFECTS`). A significant effect smaller than that is a fail: with common random
numbers any interval can be made tight, so significance alone proves nothing.
Differences get t-intervals over replicates; ratios (a share of a gain) get percentile
bootstrap intervals from paired resampling of replicates, seeded.

Compound claims of the design (P2, P3, P4, P6, P7) are split into parts, each with its
own verdict and its own knock-out. The checks themselves are in `pattern_checks`.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .experiments import run_variants

EMERGENT = "emergent"
ENCODED = "encoded hypothesis"
#: Bootstrap resamples for ratio intervals.
BOOTSTRAP = 2000


@dataclass(frozen=True)
class PatternConfig:
    """The system and effort a pattern check runs on."""

    n_schools: int = 500
    n_districts: int = 10
    replicates: int = 10
    seed: int = 0
    workers: int = 1
    mechanisms: dict[str, float] | None = None
    progress: bool = False
    settings: dict[str, Any] | None = None  # other settings (budget, capacity_level, ...)

    def system(self) -> dict[str, Any]:
        base = {**(self.settings or {}), "n_schools": self.n_schools}
        base["n_districts"] = self.n_districts
        if self.mechanisms:
            base["mechanisms"] = dict(self.mechanisms)
        return base


@dataclass(frozen=True)
class Verdict:
    """A judge's answer: the effect, its 95% interval, and whether the claim holds."""

    effect: float
    low: float
    high: float
    passed: bool
    detail: str = ""


@dataclass
class PatternResult:
    """One pattern's verdict: effect (`statistic`), interval and minimum effect."""

    code: str
    claim: str
    kind: str  # EMERGENT or ENCODED
    statistic: float  # the effect
    threshold: str
    passed: bool
    detail: str = ""
    low: float = float("nan")
    high: float = float("nan")
    min_effect: float = float("nan")
    knocked_out: bool = False


@dataclass(frozen=True)
class Pattern:
    """A claim, the runs it needs (name -> model keywords) and how to judge them.

    `compared` names the two runs whose difference is the claim and `judged` the reporters
    the effect is computed from: a knock-out must not make those runs identical in those
    reporters (that would remove the comparison, not a mechanism).
    `knockout` is empty when no mechanism can be removed without removing the
    comparison itself; `carrier` says what carries the pattern and why it has its kind.
    """

    code: str
    claim: str
    kind: str
    years: float
    variants: dict[str, dict[str, Any]]
    judge: Callable[[pd.DataFrame, np.random.Generator], Verdict]
    threshold: str
    min_effect: float
    compared: tuple[str, str]
    judged: tuple[str, ...]
    carrier: str
    knockout: dict[str, float] = field(default_factory=dict)


# --- statistics over the tidy frame of run_variants -----------------------------------


def at_year(frame: pd.DataFrame, variant: str, column: str, year: float) -> np.ndarray:
    """One value per replicate: `column` of `variant` at `year`."""
    rows = frame[(frame["variant"] == variant) & np.isclose(frame["year"], year)]
    if rows.empty:
        raise ValueError(f"no runs of {variant!r} at year {year:g}")
    return rows.sort_values("replicate")[column].to_numpy(dtype=float)


def interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-interval of replicate values."""
    x = np.asarray(x, dtype=float)
    mean = float(x.mean())
    if len(x) < 2 or np.all(x == x[0]):
        return mean, mean, mean
    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return mean, mean - half, mean + half


def bootstrap_ratio(
    num: np.ndarray, den: np.ndarray, rng: np.random.Generator, level: float = 0.95
) -> tuple[float, float, float]:
    """Ratio of replicate means and its percentile bootstrap interval, resampling
    replicates in pairs (numerator and denominator of one replicate stay together)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    ratio = float(num.mean() / den.mean()) if den.mean() != 0 else float("nan")
    idx = rng.integers(0, len(num), size=(BOOTSTRAP, len(num)))
    with np.errstate(divide="ignore", invalid="ignore"):
        draws = num[idx].mean(axis=1) / den[idx].mean(axis=1)
    draws = draws[np.isfinite(draws)]
    if not draws.size:
        return ratio, float("nan"), float("nan")
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return ratio, float(lo), float(hi)


def gain(frame: pd.DataFrame, variant: str, column: str, year: float, base="baseline"):
    """Per replicate: `variant` minus `base` (same seed) in `column` at `year`."""
    return at_year(frame, variant, column, year) - at_year(frame, base, column, year)


def exceeds(diff: np.ndarray, min_effect: float, what: str) -> Verdict:
    """The paired difference's 95% interval lies above `min_effect`."""
    m, lo, hi = interval(diff)
    return Verdict(m, lo, hi, bool(lo > min_effect), f"{what} {m:+.4f} [{lo:+.4f}, {hi:+.4f}]")


def share_beyond(
    num: np.ndarray,
    den: np.ndarray,
    rng: np.random.Generator,
    threshold: float,
    below: bool,
    min_gain: float,
    what: str,
) -> Verdict:
    """A share of a gain (num / den, bootstrap interval) lies below (or above)
    `threshold`; a share of a gain smaller than `min_gain` is no evidence and fails."""
    r, lo, hi = bootstrap_ratio(num, den, rng)
    big = float(np.mean(den)) >= min_gain
    side = hi < threshold if below else lo > threshold
    ok = bool(big and np.isfinite(lo) and side)
    note = f"{what} {r:.3f} [{lo:.3f}, {hi:.3f}] of a gain of {np.mean(den):+.4f}"
    if not big:
        note += f" (below the minimum gain {min_gain:g}: no evidence)"
    return Verdict(r, lo, hi, ok, note)


# --- running and judging ---------------------------------------------------------------


def _rng(seed: int, code: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(code.encode())])


def _groups(codes: list[str], config: PatternConfig, knockout: bool) -> dict[tuple, list[str]]:
    """Patterns that share mechanism settings share their runs."""
    from .pattern_checks import PATTERNS

    groups: dict[tuple, list[str]] = {}
    for code in codes:
        mech = dict(config.mechanisms or {})
        if knockout:
            mech.update(PATTERNS[code].knockout)
        groups.setdefault(tuple(sorted(mech.items())), []).append(code)
    return groups


def run_group(codes: list[str], config: PatternConfig, mech_items: tuple = ()) -> pd.DataFrame:
    """The runs the given patterns need, under one set of mechanism parameters."""
    from .pattern_checks import PATTERNS

    years = max(PATTERNS[code].years for code in codes)
    variants: dict[str, dict[str, Any]] = {}
    for code in codes:
        variants.update(PATTERNS[code].variants)
    system = config.system()
    if mech_items:
        system["mechanisms"] = dict(mech_items)
    runs = {name: {**system, **spec} for name, spec in variants.items()}
    return run_variants(
        runs,
        config.replicates,
        years,
        seed=config.seed,
        workers=config.workers,
        progress=config.progress,
    )


def check_patterns(
    codes: Iterable[str] | None = None,
    config: PatternConfig | None = None,
    knockout: bool = False,
) -> list[PatternResult]:
    """Run the runs the chosen patterns need (once, with common random numbers) and judge.

    With `knockout=True` each pattern runs with its carrying mechanism switched off; a
    pattern with no knock-out is then judged at the defaults and marked as such.
    """
    from .pattern_checks import PATTERNS

    config = config or PatternConfig()
    codes = list(PATTERNS) if codes is None else list(codes)
    unknown = [c for c in codes if c not in PATTERNS]
    if unknown:
        raise ValueError(f"unknown pattern {unknown[0]!r}; patterns are {', '.join(PATTERNS)}")
    verdicts = {}
    for mech_items, members in _groups(codes, config, knockout).items():
        frame = run_group(members, config, mech_items)
        for code in members:
            pat = PATTERNS[code]
            v = pat.judge(frame, _rng(config.seed, code))
            verdicts[code] = PatternResult(
                code,
                pat.claim,
                pat.kind,
                float(v.effect),
                pat.threshold,
                bool(v.passed),
                v.detail,
                float(v.low),
                float(v.high),
                pat.min_effect,
                knockout and bool(pat.knockout),
            )
    return [verdicts[c] for c in codes]


def identical_runs(frame: pd.DataFrame, a: str, b: str, columns: tuple[str, ...]) -> bool:
    """Whether runs `a` and `b` have bit-identical series in any of `columns` (a knock-out
    that removed the comparison rather than a mechanism)."""
    return any(_same(frame, a, b, column) for column in columns)


def _same(frame: pd.DataFrame, a: str, b: str, column: str) -> bool:
    x = frame[frame["variant"] == a][column].to_numpy()
    y = frame[frame["variant"] == b][column].to_numpy()
    return x.shape == y.shape and bool(np.array_equal(x, y))


def results_frame(results: list[PatternResult]) -> pd.DataFrame:
    """Pattern results as a table."""
    return pd.DataFrame([r.__dict__ for r in results])


def __getattr__(name: str):
    # PATTERNS lives in pattern_checks (which imports the helpers above); re-export it
    if name == "PATTERNS":
        from .pattern_checks import PATTERNS

        return PATTERNS
    raise AttributeError(name)
