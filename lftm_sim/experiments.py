"""Experiments: many runs of the model, seeded for common random numbers.

Each run's seed is derived from the master seed, the design point and the replicate
(numpy SeedSequence), never from the strategy: the strategies of one replicate meet the
same system and the same noise, and results do not depend on how many workers ran them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .ensemble import run_ensemble
from .errors import InputError
from .model import SystemModel


def run_seed(master_seed: int, replicate: int, point: int = 0) -> int:
    """The seed of one run: a function of master seed, design point and replicate only."""
    seq = np.random.SeedSequence([int(master_seed), int(point), int(replicate)])
    return int(seq.generate_state(1, dtype=np.uint64)[0])


def run_model(params: Mapping[str, Any], seed: int, years: float, agents: type | None = None):
    """Build one SystemModel from `params`, run it `years` years, return its series.

    With `agents` (an agent class, and ``collect_agents=True`` in `params`) also return
    that type's agent-level frame."""
    model = SystemModel(**params, rng=np.random.default_rng(seed))
    df = model.run(years)
    df["clip_count"] = model.clip_count
    if agents is None:
        return df
    return df, model.datacollector.get_agenttype_vars_dataframe(agents)


def _replicate(args: tuple) -> list[pd.DataFrame]:
    """One replicate of every variant, stepped together (they share the replicate's seed)."""
    variants, replicate, seed, years = args
    frames = run_ensemble(list(variants.values()), [seed] * len(variants), years)
    for name, df in zip(variants, frames, strict=True):
        df.insert(0, "replicate", replicate)
        df.insert(0, "variant", name)
    return frames


def run_variants(
    variants: Mapping[str, Mapping[str, Any]],
    replicates: int,
    years: float,
    seed: int = 0,
    point: int = 0,
    workers: int = 1,
    progress: bool = True,
) -> pd.DataFrame:
    """Run every variant (name -> SystemModel keywords) for each replicate.

    Replicate r of every variant uses the same seed (common random numbers); the variants
    of one replicate are stepped together on the ensemble path, one replicate per task, so
    the results do not depend on the number of workers. Returns one tidy frame: variant,
    replicate, step, year and every reporter.
    """
    if replicates < 1:
        raise InputError(
            f"replicates must be at least 1, got {replicates}",
            key="replicates",
            allowed="an integer >= 1",
            value=replicates,
        )
    plain = {name: dict(params) for name, params in variants.items()}
    tasks = [(plain, r, run_seed(seed, r, point), years) for r in range(replicates)]
    bar = tqdm(total=len(tasks) * len(plain), desc="runs", unit="run", disable=not progress)
    frames: list[pd.DataFrame] = []
    if workers <= 1:
        for task in tasks:
            frames.extend(_replicate(task))
            bar.update(len(plain))
    else:
        with ProcessPoolExecutor(max_workers=min(workers, os.cpu_count() or 1)) as pool:
            for chunk in pool.map(_replicate, tasks):
                frames.extend(chunk)
                bar.update(len(plain))
    bar.close()
    out = pd.concat(frames, ignore_index=True)
    order = {name: i for i, name in enumerate(variants)}
    out = out.sort_values(
        ["variant", "replicate", "step"],
        key=lambda s: s.map(order) if s.name == "variant" else s,
        kind="stable",
    )
    return out.reset_index(drop=True)
