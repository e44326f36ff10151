"""Patterns and strategy comparisons over posterior draws.

Parameter uncertainty enters by running each check or comparison once per posterior draw
(resampled by weight from the final generation); replicate noise enters within each draw.
A pattern's posterior probability is the share of draws at which its check passes; its
effect distribution is the spread of its statistic over draws.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .storage import Posterior

COMPARE_OUTCOMES = ("mean_performance", "mean_capacity", "gap", "equity_gap")


def _config(mechanisms: Mapping[str, float], **effort: Any):
    """A PatternConfig with the fields this version of patterns.py has."""
    from ..patterns import PatternConfig

    names = {f.name for f in dataclasses.fields(PatternConfig)}
    return PatternConfig(
        mechanisms=dict(mechanisms), **{k: v for k, v in effort.items() if k in names}
    )


def posterior_patterns(
    post: Posterior,
    codes: Sequence[str] | None = None,
    draws: int = 20,
    seed: int = 0,
    progress: bool = False,
    **effort: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each pattern at each of `draws` posterior draws; returns (per draw, summary).

    `effort` goes to PatternConfig (n_schools, n_districts, replicates, workers)."""
    from tqdm.auto import tqdm

    from ..patterns import PATTERNS, check_patterns, results_frame

    codes = list(codes or PATTERNS)
    rows = []
    mech = post.mechanism_draws(draws, seed)
    for d, m in enumerate(tqdm(mech, desc="posterior patterns", disable=not progress)):
        res = results_frame(check_patterns(codes, _config(m, seed=seed + d, **effort)))
        rows.append(res.assign(draw=d))
    per = pd.concat(rows, ignore_index=True)
    summary = (
        per.groupby("code", sort=False)
        .agg(
            claim=("claim", "first"),
            p_holds=("passed", "mean"),
            stat_median=("statistic", "median"),
            stat_lo90=("statistic", lambda s: s.quantile(0.05)),
            stat_hi90=("statistic", lambda s: s.quantile(0.95)),
            threshold=("threshold", "first"),
            draws=("draw", "nunique"),
        )
        .reset_index()
    )
    return per, summary


def posterior_compare(
    post: Posterior,
    variants: Mapping[str, Mapping[str, Any]],
    reference: str,
    years: float = 12.0,
    draws: int = 20,
    replicates: int = 3,
    seed: int = 0,
    outcomes: Sequence[str] = COMPARE_OUTCOMES,
) -> pd.DataFrame:
    """`reference` minus each other variant at the last year, over posterior draws.

    Variants are SystemModel keywords (as `lftm compare` builds them); a draw fills the
    fitted parameters a variant does not set itself (`use.apply_draw`). Per (draw,
    replicate) all variants share one seed (common random numbers). `ci_low`/`ci_high`
    (90%) span parameter and replicate uncertainty; `noise_low`/`noise_high` span the
    replicate noise alone (the same draws' differences less each draw's mean, re-centred)."""
    from ..ensemble import run_ensemble

    keys, members, seeds = posterior_members(post, variants, reference, draws, replicates, seed)
    frames = run_ensemble(members, seeds, years)
    last = {k: f.iloc[-1] for k, f in zip(keys, frames, strict=True)}
    return compare_table(last, list(variants), reference, years, outcomes)


def posterior_members(
    post: Posterior,
    variants: Mapping[str, Mapping[str, Any]],
    reference: str,
    draws: int,
    replicates: int,
    seed: int,
) -> tuple[list[tuple[int, int, str]], list[dict], list[int]]:
    """(draw, replicate, variant) keys, model keywords and seeds of `posterior_compare`'s
    runs: draw d, replicate r has the seed `run_seed(seed, r, d)` in every variant."""
    from ..experiments import run_seed
    from .use import apply_draw

    if reference not in variants:
        raise ValueError(f"reference {reference!r} is not a variant")
    keys, members, seeds = [], [], []
    for d, m in enumerate(post.mechanism_draws(draws, seed)):
        for r in range(replicates):
            for name in variants:
                members.append(apply_draw(variants[name], m))
                seeds.append(run_seed(seed, r, d))
                keys.append((d, r, name))
    return keys, members, seeds


def compare_table(
    last: Mapping[tuple[int, int, str], pd.Series],
    names: Sequence[str],
    reference: str,
    years: float,
    outcomes: Sequence[str] = COMPARE_OUTCOMES,
) -> pd.DataFrame:
    """`posterior_compare`'s table from the last row of each (draw, replicate, variant)
    run."""
    draws = 1 + max(d for d, _, _ in last)
    replicates = 1 + max(r for _, r, _ in last)
    rows = []
    for other in (n for n in names if n != reference):
        for col in outcomes:
            diff = np.array(
                [
                    [
                        last[(d, r, reference)][col] - last[(d, r, other)][col]
                        for r in range(replicates)
                    ]
                    for d in range(draws)
                ]
            )
            noise = (diff - diff.mean(axis=1, keepdims=True)).ravel() + diff.mean()
            rows.append(
                {
                    "variant": reference,
                    "versus": other,
                    "metric": col,
                    "year": years,
                    "estimate": float(diff.mean()),
                    "ci_low": float(np.quantile(diff, 0.05)),
                    "ci_high": float(np.quantile(diff, 0.95)),
                    "noise_low": float(np.quantile(noise, 0.05)),
                    "noise_high": float(np.quantile(noise, 0.95)),
                    "p_positive": float((diff > 0).mean()),
                    "draws": draws,
                    "replicates": replicates,
                }
            )
    return pd.DataFrame(rows)
