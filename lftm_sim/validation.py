"""Pattern-oriented validation (MODEL.md section 6): the engine of `lftm validate`.

Three questions, each answered with the one set of pattern checks in `patterns.py`:

1. At the default mechanisms, does every pattern P1-P9 hold over replicates?
2. Knock-outs: with the mechanism meant to carry a pattern switched off, does it fail?
3. Robustness: over a documented box of mechanism parameters (a Latin hypercube around
   the defaults, every point valid under `check_form`), in what share of points does each
   pattern hold?

`validate` returns one row per pattern; `write_report` turns it into docs/validation.md.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc, spearmanr
from tqdm.auto import tqdm

from .experiments import run_seed
from .parameters import Mechanisms, check_form, resolve_mechanisms
from .patterns import PATTERNS, PatternConfig, check_patterns

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
                raise ValueError(message)

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
    bar = tqdm(total=2 + len(samples), desc="validate", unit="step", disable=not progress)
    bar.set_postfix_str("defaults")
    at_defaults = check_patterns(codes, settings.config())
    bar.update()
    bar.set_postfix_str("knock-outs")
    knocked = check_patterns(codes, settings.config(), knockout=True)
    bar.update()
    bar.set_postfix_str("box")
    box_runs = run_box(settings, samples, bar)
    bar.close()
    shares = box_runs.groupby("code")["passed"].mean()
    rows = []
    for res, ko in zip(at_defaults, knocked, strict=True):
        rows.append(
            {
                "code": res.code,
                "claim": res.claim,
                "kind": res.kind,
                "statistic": res.statistic,
                "threshold": res.threshold,
                "passed": res.passed,
                "detail": res.detail,
                "replicates": settings.replicates,
                "knockout": ", ".join(f"{k}={v:g}" for k, v in PATTERNS[res.code].knockout.items()),
                "knockout_statistic": ko.statistic,
                "knockout_passed": ko.passed,
                "knockout_fails": not ko.passed,
                "knockout_detail": ko.detail,
                "box_share": float(shares.get(res.code, np.nan)),
                "box_points": len(samples),
            }
        )
    frame = pd.DataFrame(rows)
    frame.attrs.update(
        settings=asdict(settings),
        samples=samples,
        box_runs=box_runs,
        seconds=time.perf_counter() - start,
        date=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return frame


# --- the report ------------------------------------------------------------------------


def _num(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.4g}"


def _esc(text: str) -> str:
    return str(text).replace("|", "\\|")


def report_markdown(frame: pd.DataFrame, command: str = "lftm validate") -> str:
    """The validation report as markdown."""
    from . import __version__

    st = frame.attrs["settings"]
    box_runs: pd.DataFrame = frame.attrs["box_runs"]
    seconds = frame.attrs["seconds"]
    all_hold = bool(frame["passed"].all())
    all_ko = bool(frame["knockout_fails"].all())
    robust = frame[frame["box_share"] >= ROBUST_SHARE]["code"].tolist()
    lines = [
        "# Validation report",
        "",
        "Pattern-oriented validation of the model (MODEL.md section 6, docs/ODD.md "
        '"Purpose and patterns"). Generated by `' + command + "`; do not edit by hand.",
        "",
        "Each pattern is checked once in code (`lftm_sim/patterns.py`). **Emergent** patterns "
        "are ones the mechanisms were not written to produce one for one; **encoded "
        "hypotheses** restate the seed texts' claims, so holding them shows the model is "
        "faithful to the claims, not that the claims are true.",
        "",
        "## Settings",
        "",
        "| setting | value |",
        "| --- | --- |",
        f"| date (UTC) | {frame.attrs['date']} |",
        f"| lftm-sim version | {__version__} |",
        f"| master seed | {st['seed']} |",
        f"| system | {st['n_schools']} schools, {st['n_districts']} districts |",
        f"| replicates at the defaults and for each knock-out | {st['replicates']} |",
        f"| box points (Latin hypercube, seed {st['seed']}) | {st['points']} |",
        f"| replicates at each box point | {st['box_replicates']} |",
        f"| workers | {st['workers']} |",
        f"| run time | {seconds:.0f} s |",
        "",
        "Replicates of all strategies share their seeds (common random numbers); a claim "
        "that one strategy beats another holds when the 95% t-interval of the paired "
        "difference over replicates lies on the claimed side. Each box point runs with its "
        "own seed, derived from the master seed and the point.",
        "",
        "## Summary",
        "",
        f"- At the defaults: **{int(frame['passed'].sum())} of {len(frame)}** patterns hold"
        + ("." if all_hold else f"; failing: {', '.join(frame[~frame['passed']]['code'])}."),
        f"- Knock-outs: **{int(frame['knockout_fails'].sum())} of {len(frame)}** patterns fail "
        "with their carrying mechanism switched off, as they should"
        + (
            "."
            if all_ko
            else f"; still holding: {', '.join(frame[~frame['knockout_fails']]['code'])}."
        ),
        f"- Parameter box: **{len(robust)} of {len(frame)}** patterns hold in at least "
        f"{ROBUST_SHARE:.0%} of the {st['points']} box points"
        + (
            "."
            if len(robust) == len(frame)
            else "; below that: "
            + ", ".join(
                f"{r.code} ({r.box_share:.0%})"
                for r in frame.itertuples()
                if not r.box_share >= ROBUST_SHARE
            )
            + " (see below)."
        ),
        "",
        "## Patterns",
        "",
        "| pattern | claim | kind | statistic | threshold | holds at defaults "
        "| knock-out | knock-out statistic | knock-out verdict | box share |",
        "| --- | --- | --- | ---: | --- | --- | --- | ---: | --- | ---: |",
    ]
    for r in frame.itertuples():
        verdict = "fails, as it should" if r.knockout_fails else "**still holds**"
        lines.append(
            f"| {r.code} | {_esc(r.claim)} | {r.kind} | {_num(r.statistic)} | "
            f"{_esc(r.threshold)} | {'yes' if r.passed else '**no**'} | `{r.knockout}` | "
            f"{_num(r.knockout_statistic)} | {verdict} | {r.box_share:.0%} |"
        )
    lines += ["", "### Details", ""]
    for r in frame.itertuples():
        lines += [
            f"- **{r.code}** at the defaults: {_esc(r.detail)}. "
            f"Knocked out (`{r.knockout}`): {_esc(r.knockout_detail)}.",
        ]
    lines += [
        "",
        "## The parameter box",
        "",
        "Each mechanism parameter below varies over its range (a Latin hypercube over all of "
        "them at once); every other parameter stays at its default. The main rates vary by "
        "about ±30% around their defaults. Every point satisfies the form constraints "
        f"(`check_form` at budget {BOX_BUDGET:g}).",
        "",
        "| parameter | default | low | high |",
        "| --- | ---: | ---: | ---: |",
    ]
    defaults = Mechanisms()
    for name, (lo, hi) in BOX.items():
        lines.append(f"| `{name}` | {getattr(defaults, name):g} | {lo:g} | {hi:g} |")
    lines += [
        "",
        "## Robustness over the box",
        "",
        "Share of box points where each pattern holds, the range of its statistic over the "
        "box, and the box parameters most rank-correlated with the statistic (Spearman ρ).",
        "",
        "| pattern | box share | statistic: min / median / max | strongest parameters |",
        "| --- | ---: | --- | --- |",
    ]
    for r in frame.itertuples():
        stat = box_runs.loc[box_runs["code"] == r.code, "statistic"].to_numpy(dtype=float)
        finite = stat[np.isfinite(stat)]
        span = (
            " / ".join(_num(v) for v in (finite.min(), np.median(finite), finite.max()))
            if len(finite)
            else "n/a"
        )
        drivers = ", ".join(f"`{n}` ({rho:+.2f})" for n, rho in failure_drivers(box_runs, r.code))
        lines.append(f"| {r.code} | {r.box_share:.0%} | {span} | {drivers or 'n/a'} |")
    weak = frame[~(frame["box_share"] >= ROBUST_SHARE)]
    lines += [""]
    if len(weak):
        lines += [
            f"Patterns holding in less than {ROBUST_SHARE:.0%} of the box, and where they fail:",
            "",
        ]
        for r in weak.itertuples():
            rows = box_runs[box_runs["code"] == r.code]
            fails = rows[~rows["passed"]]
            drivers = failure_drivers(box_runs, r.code)
            why = "; ".join(
                f"`{n}` at failing points averages {fails[n].mean():.4g} "
                f"(box {BOX[n][0]:g}-{BOX[n][1]:g})"
                for n, _ in drivers
            )
            lines.append(
                f"- **{r.code}** holds at {int(rows['passed'].sum())} of {len(rows)} points. "
                + (why + "." if why else "")
            )
        lines.append("")
    else:
        lines += [f"Every pattern holds in at least {ROBUST_SHARE:.0%} of the box.", ""]
    return "\n".join(lines)


def write_report(frame: pd.DataFrame, path: Path | str, command: str = "lftm validate") -> Path:
    """Write the markdown report (and its parent folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_markdown(frame, command), encoding="utf-8")
    return path


# --- command line ----------------------------------------------------------------------

SMOKE = dict(points=4, replicates=3, box_replicates=2, n_schools=120, n_districts=4)
DEFAULT_OUT = Path("docs/validation.md")
SMOKE_OUT = Path("out/validation/validation.md")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add `validate` to the CLI's subparsers."""
    p = subparsers.add_parser(
        "validate",
        help="check patterns P1-P9 at the defaults, their knock-outs and a parameter box",
        description="Pattern-oriented validation: every pattern (MODEL.md section 6) at the "
        "default mechanisms over replicates, each with its carrying mechanism knocked out "
        "(it must then fail), and over a Latin hypercube of a documented parameter box. "
        "Writes a markdown report. Exit status 0 when every pattern holds at the defaults.",
    )
    p.add_argument(
        "--smoke",
        action="store_true",
        help=f"a quick run (defaults {SMOKE['points']} points, {SMOKE['replicates']} "
        f"replicates, {SMOKE['n_schools']} schools); report to {SMOKE_OUT}",
    )
    p.add_argument("--points", type=int, default=None, help="box points (default 64)")
    p.add_argument(
        "--replicates",
        type=int,
        default=None,
        help="replicates at the defaults and knock-outs (default 20)",
    )
    p.add_argument(
        "--box-replicates", type=int, default=None, help="replicates per box point (default 8)"
    )
    p.add_argument("--schools", type=int, default=None, help="number of schools (default 500)")
    p.add_argument("--districts", type=int, default=None, help="number of districts (default 10)")
    p.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument(
        "--patterns", nargs="+", default=None, metavar="P", help="patterns (default: all)"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"markdown report (default {DEFAULT_OUT}; with --smoke {SMOKE_OUT})",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")
    p.set_defaults(func=run)
    return p


def settings_from_args(args: argparse.Namespace) -> ValidationSettings:
    """ValidationSettings from parsed flags; a bad value raises ValueError (one line)."""
    base = dict(SMOKE) if args.smoke else {}
    flags = {
        "points": args.points,
        "replicates": args.replicates,
        "box_replicates": args.box_replicates,
        "n_schools": args.schools,
        "n_districts": args.districts,
    }
    base.update({k: v for k, v in flags.items() if v is not None})
    if args.patterns:
        base["codes"] = tuple(args.patterns)
    return ValidationSettings(seed=args.seed, workers=args.workers, **base)


def _command(args: argparse.Namespace) -> str:
    parts = ["lftm validate"]
    if args.smoke:
        parts.append("--smoke")
    for flag, value in (
        ("--points", args.points),
        ("--replicates", args.replicates),
        ("--box-replicates", args.box_replicates),
        ("--schools", args.schools),
        ("--districts", args.districts),
    ):
        if value is not None:
            parts.append(f"{flag} {value}")
    parts.append(f"--seed {args.seed} --workers {args.workers}")
    return " ".join(parts)


def run(args: argparse.Namespace) -> int:
    """`lftm validate`: 0 when every pattern holds at the defaults, 1 otherwise."""
    settings = settings_from_args(args)
    out = args.out if args.out is not None else (SMOKE_OUT if args.smoke else DEFAULT_OUT)
    if out.exists() and out.is_dir():
        raise ValueError(f"--out must be a file path, got the directory {out}")
    frame = validate(settings, progress=not args.quiet)
    path = write_report(frame, out, _command(args))
    if not args.quiet:
        shown = frame[["code", "kind", "statistic", "passed", "knockout_fails", "box_share"]]
        print(shown.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        print(f"\n{frame.attrs['seconds']:.0f} s; wrote {path}")
    return 0 if bool(frame["passed"].all()) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run `validate` alone (python -m lftm_sim.validation ...)."""
    parser = argparse.ArgumentParser(prog="lftm validate")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(["validate", *(argv or [])])
    return run(args)


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
