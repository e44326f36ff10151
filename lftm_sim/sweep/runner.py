"""Running a sweep: chunks to an executor, results streamed to the sweep directory.

The driver keeps at most two chunks per worker in flight and writes each result as it
comes back, so memory stays flat however many runs there are. A chunk whose ensemble
raises is re-run member by member so that only the runs that raise are recorded failed;
a worker process that dies takes no other chunk with it (its chunk is tried again alone,
and recorded failed if it kills a worker again).
"""

from __future__ import annotations

import time
import traceback
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import storage
from .design import design_frame, n_points
from .executors import Pool
from .identity import Chunk, chunks, package_version
from .spec import SweepSpec
from .summary import id_frame, summarise


@dataclass
class ChunkResult:
    """What a worker sends back: summaries, series, failures and its timings (seconds)."""

    point: int
    runs: pd.DataFrame
    series: pd.DataFrame | None
    failed: pd.DataFrame
    timings: dict[str, float]


@dataclass
class SweepResult:
    """How a sweep went: counts, the failures (run id -> error) and the phase timings."""

    root: Path
    total: int
    done: int
    failures: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def left(self) -> int:
        return self.total - self.done - len(self.failures)


def failed_frame(chunk: Chunk, errors: dict[str, str]) -> pd.DataFrame:
    """Failure rows: the run's identity and parameters with its error."""
    runs = [r for r in chunk.runs if r.run_id in errors]
    out = id_frame(runs, chunk.values)
    out["error"] = [errors[r.run_id] for r in runs]
    return out


def run_chunk(spec: SweepSpec, chunk: Chunk, write: frozenset[str]) -> ChunkResult:
    """Run one chunk as one ensemble (member by member if that raises) and summarise it."""
    from ..ensemble import run_ensemble

    if spec.evaluate == "patterns":
        from .patterns import run_pattern_chunk

        return run_pattern_chunk(spec, chunk, write)
    t0 = time.perf_counter()
    seeds = [r.seed for r in chunk.runs]
    errors: dict[str, str] = {}
    try:
        frames: list = list(run_ensemble(list(chunk.members), seeds, spec.years))
    except Exception:
        frames = []
        for run, member in zip(chunk.runs, chunk.members, strict=True):
            try:
                frames.append(run_ensemble([member], [run.seed], spec.years)[0])
            except Exception as exc:  # recorded with the run; the sweep goes on
                frames.append(None)
                errors[run.run_id] = _describe(exc)
    t1 = time.perf_counter()
    summary, series = summarise(spec, chunk, frames, set(write))
    failed = failed_frame(chunk, {k: v for k, v in errors.items() if k in write})
    t2 = time.perf_counter()
    timings = {"ensemble": t1 - t0, "summarise": t2 - t1}
    return ChunkResult(chunk.point, summary, series, failed, timings)


def _describe(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


def todo(spec: SweepSpec, finished: set[str], version: str):
    """(chunk to run, ids to write) for every chunk with unfinished runs. A chunk keeps
    the baseline runs its unfinished runs are compared with (run again, not rewritten)."""
    for chunk in chunks(spec, design_frame(spec), version):
        left = {r.run_id for r in chunk.runs if r.run_id not in finished}
        if not left:
            continue
        reps = {r.replicate for r in chunk.runs if r.run_id in left}
        context = {
            r.run_id for r in chunk.runs if r.strategy == spec.baseline and r.replicate in reps
        }
        yield chunk.subset(left | context), frozenset(left)


ChunkFn = Callable[[SweepSpec, Chunk, frozenset], ChunkResult]


def execute(
    spec: SweepSpec,
    root: Path,
    pool: Pool,
    finished: set[str],
    bar=None,
    chunk_fn: ChunkFn = run_chunk,
) -> SweepResult:
    """Run every unfinished chunk on `pool`, committing each result as it arrives."""
    total = n_points(spec) * spec.runs_per_point
    store = storage.SweepStore(root)
    result = SweepResult(root, total, len(finished))
    work = todo(spec, finished, package_version())
    suspects: deque = deque()  # chunks in flight when a worker died: retried one by one
    inflight: dict = {}
    timings = {"ensemble": 0.0, "summarise": 0.0, "write": 0.0}

    def submit(item, alone: bool = False) -> None:
        future = pool.executor.submit(chunk_fn, spec, item[0], item[1])
        inflight[future] = (item, alone)

    while True:
        if suspects and not inflight:
            submit(suspects.popleft(), alone=True)
        while not suspects and len(inflight) < 2 * pool.slots:
            item = next(work, None)
            if item is None:
                break
            submit(item)
        if not inflight:
            break
        finished_now, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
        for future in finished_now:
            if future not in inflight:  # moved to the suspects by a dead worker
                continue
            item, alone = inflight.pop(future)
            out = _outcome(future, item, alone, pool, inflight, suspects)
            if out is None:
                continue
            t0 = time.perf_counter()
            store.commit(out.point, out.runs, out.series, out.failed)
            timings["write"] += time.perf_counter() - t0
            for k in ("ensemble", "summarise"):
                timings[k] += out.timings.get(k, 0.0)
            result.done += len(out.runs)
            result.failures.update(zip(out.failed["run_id"], out.failed["error"], strict=True))
            if bar is not None:
                bar.update(len(out.runs) + len(out.failed))
    result.timings = timings
    return result


def _outcome(future, item, alone, pool, inflight, suspects) -> ChunkResult | None:
    """The chunk's result; on a dead worker, queue the chunks it took down (None)."""
    chunk, write = item
    try:
        return future.result()
    except BrokenProcessPool:
        if alone:  # it kills a worker even on its own: record it, renew the pool, go on
            pool.replace()
            return _all_failed(chunk, write, "worker process died while running this chunk")
        suspects.append(item)
        for other, (other_item, _) in list(inflight.items()):
            inflight.pop(other)
            suspects.append(other_item)
        pool.replace()
        return None
    except Exception as exc:  # e.g. Dask's KilledWorker, or a result that cannot travel
        return _all_failed(chunk, write, _describe(exc))


def _all_failed(chunk: Chunk, write: frozenset, error: str) -> ChunkResult:
    errors = {rid: error for rid in write}
    empty = id_frame([], chunk.values).iloc[0:0]
    return ChunkResult(chunk.point, empty, None, failed_frame(chunk, errors), {})


def sweep_metadata(spec: SweepSpec) -> dict:
    """What sweep.json records besides the machine and the time."""
    return {
        "name": spec.name,
        "version": package_version(),
        "seed": spec.seed,
        "spec_file": str(spec.path),
        "spec": spec.text,
        "design": spec.design,
        "points": n_points(spec),
        "strategies": list(spec.strategies),
        "replicates": spec.replicates,
        "runs": n_points(spec) * spec.runs_per_point,
        "evaluate": spec.evaluate,
        "years": spec.years,
        "parameters": [v.name for v in spec.varied],
    }
