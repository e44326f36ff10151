"""How the CLI dispatches runs: the variants x replicates of one design point, cut into a
few chunks of ensemble members, each chunk one `ensemble.run_ensemble` call.

Why chunks (measured in benchmarks/cli_startup.py): one task per run, as
`ProcessPoolExecutor.map` over single runs did, pays a round trip (pickling the keywords
and the result) per run and hands the ensemble path one member at a time; a chunk is run
as one ensemble. Workers are forked (they inherit the imported model instead of importing
it again), never more than the machine's cores or the chunks. Seeds are those of
`experiments.run_variants` (`run_seed(seed, replicate, point)`), so results do not depend
on the number of workers or chunks.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

#: Chunks per worker: enough for a moving progress bar, few enough to batch the ensemble.
CHUNKS_PER_WORKER = 4
#: A rough cost model of one run, for the time estimate printed before long jobs:
#: seconds per step = fixed + per school (measured on the 2-core reference machine).
STEP_FIXED_S = 5e-4
STEP_PER_SCHOOL_S = 3e-7
ANNOUNCE_AFTER_S = 60.0


def _chunk(task: tuple) -> list:
    """Run one chunk of members in a worker: [(label, frame), ...]."""
    from ..ensemble import run_ensemble

    labels, members, seeds, years = task
    frames = run_ensemble(members, seeds, years)
    return list(zip(labels, frames, strict=True))


def _chunks(items: list, n: int) -> list[list]:
    size = -(-len(items) // max(n, 1))
    return [items[i : i + size] for i in range(0, len(items), size)]


def effective_workers(workers: int, tasks: int) -> int:
    """Worker processes worth starting: at most the cores this process may use and the
    number of tasks."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(workers, cores, tasks))


def estimate_seconds(runs: int, years: float, schools: int, workers: int = 1) -> float:
    """Rough wall time of `runs` runs of `years` years at `schools` schools."""
    from ..dynamics import STEPS_PER_YEAR

    steps = round(years * STEPS_PER_YEAR)
    per_run = steps * (STEP_FIXED_S + STEP_PER_SCHOOL_S * schools)
    return runs * per_run / effective_workers(workers, runs)


def announce(seconds: float, what: str, quiet: bool) -> None:
    """Say before a job how long it will take, when that is over a minute."""
    if not quiet and seconds > ANNOUNCE_AFTER_S:
        minutes = seconds / 60
        print(
            f"{what}: about {minutes:.0f} min estimated (Ctrl-C stops it; nothing is kept)",
            flush=True,
        )


def run_members(
    variants: Mapping[str, Mapping[str, Any]],
    replicates: int,
    years: float,
    seed: int,
    workers: int = 1,
    progress: bool = True,
    point: int = 0,
    draws: Mapping[str, Sequence[Mapping[str, float]]] | None = None,
):
    """Every variant x replicate, as `experiments.run_variants` returns them (variant,
    replicate, step, year, every reporter, clip_count; in variant then replicate order).
    `draws` (variant -> one mechanism set per replicate) as in `build_members`."""
    import pandas as pd

    labels, members, seeds = build_members(variants, replicates, seed, draws, point)
    done = dispatch(labels, members, seeds, years, workers, progress)
    frames = [f.assign(variant=v, replicate=r) for (v, r), f in done]
    out = pd.concat(frames, ignore_index=True)
    first = ["variant", "replicate"]
    return out[first + [c for c in out.columns if c not in first]]


def dispatch(
    labels: list,
    members: list[dict],
    seeds: list[int],
    years: float,
    workers: int = 1,
    progress: bool = True,
    desc: str = "runs",
) -> list[tuple[Any, Any]]:
    """Run `members` (one seed each) in a few chunks over up to `workers` forked
    processes, with a progress bar: [(label, frame), ...] in the order given."""
    from tqdm.auto import tqdm

    n_workers = effective_workers(workers, len(labels))
    n = n_workers * CHUNKS_PER_WORKER
    pieces = zip(_chunks(labels, n), _chunks(members, n), _chunks(seeds, n), strict=True)
    tasks = [(lab, mem, sd, years) for lab, mem, sd in pieces]
    done: list = []
    with contextlib.ExitStack() as stack:
        bar = stack.enter_context(
            tqdm(total=len(labels), desc=desc, unit="run", disable=not progress)
        )
        results = map(_chunk, tasks)
        if n_workers > 1:
            context = multiprocessing.get_context("fork") if os.name == "posix" else None
            pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=context)
            results = stack.enter_context(pool).map(_chunk, tasks)
        for result in results:
            done += result
            bar.update(len(result))
    return done


def build_members(
    variants: Mapping[str, Mapping[str, Any]],
    replicates: int,
    seed: int,
    draws: Mapping[str, Sequence[Mapping[str, float]]] | None = None,
    point: int = 0,
) -> tuple[list[tuple[str, int]], list[dict], list[int]]:
    """(variant, replicate) labels, model keywords and seeds of every run. Replicate r
    has the seed `run_seed(seed, r, point)` in every variant and, for a variant in
    `draws`, runs on its posterior draw r (`posterior.use.apply_draw`: the variant's
    explicit mechanisms keep their values)."""
    from ..experiments import run_seed
    from ..posterior.use import apply_draw

    draws = draws or {}
    labels = [(name, r) for name in variants for r in range(replicates)]
    members = [
        apply_draw(variants[name], draws[name][r] if name in draws else None) for name, r in labels
    ]
    seeds = [run_seed(seed, r, point) for _, r in labels]
    return labels, members, seeds


def run_one_by_step(model, years: float, desc: str, progress: bool):
    """Step one model for `years` years with a progress bar by step; its series (with
    clip_count), as `experiments.run_model` returns them."""
    from tqdm.auto import tqdm

    from ..dynamics import STEPS_PER_YEAR

    steps = int(round(years * STEPS_PER_YEAR))
    start = time.perf_counter()
    for _ in tqdm(range(steps), desc=desc, unit="step", disable=not progress):
        model.step()
    df = model.results()
    df["clip_count"] = model.clip_count
    df.attrs["seconds"] = time.perf_counter() - start
    return df
