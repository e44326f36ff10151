"""CLI start-up and worker dispatch, measured (printed, never asserted).

1. Start-up: whole-process wall time of `lftm --help` and `lftm --version` (a subprocess
   timed with time.perf_counter, best of REPEATS), beside a bare `python -c pass`.
2. Workers: the demo's work (4 presets x REPLICATES replicates, 2,000 schools, 30
   districts, 12 years) run (a) one task per run on a process pool, as `lftm compare`
   dispatched it before (experiments.run_variants, workers 1 and 2), and (b) the CLI's
   chunked dispatch (commands.runs.run_members: a few chunks, each one ensemble call, forked
   workers), workers 1 and 2. Also the bytes pickled per task and per result, and the cost
   of starting a pool of two forked workers, and a control: the speed-up two processes
   get on pure Python work on this machine right now (near 1 when other jobs hold the
   cores, which is what made `--workers 2` look useless on a shared machine).

Run: .venv/bin/python benchmarks/cli_startup.py
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

LFTM = str(Path(sys.executable).parent / "lftm")
REPEATS = 5
REPLICATES = 8


def best_wall(argv: list[str]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return min(times)


def startup() -> None:
    bare = best_wall([sys.executable, "-c", "pass"])
    helped = best_wall([LFTM, "--help"])
    version = best_wall([LFTM, "--version"])
    print(f"python -c pass     {bare:6.3f} s")
    print(f"lftm --help        {helped:6.3f} s   (target < 0.5 s)")
    print(f"lftm --version     {version:6.3f} s")


def _noop(x):
    return x


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def control() -> float:
    """Speed-up of 2 processes on pure Python work: what this machine can give right now
    (about 2 on an idle 2-core machine; about 1 when other work holds the cores)."""
    start = time.perf_counter()
    for _ in range(4):
        _spin(3_000_000)
    serial = time.perf_counter() - start
    start = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_spin, [3_000_000] * 4))
    return serial / (time.perf_counter() - start)


def workers() -> None:
    from lftm_sim.commands.runs import run_members
    from lftm_sim.experiments import run_model, run_seed, run_variants

    variants = {
        s: {"n_schools": 2000, "n_districts": 30, "strategy": s}
        for s in ("baseline", "top_down", "bottom_up", "middle_led")
    }
    task = ("top_down", 0, variants["top_down"], run_seed(0, 0), 12.0)
    result = run_model(variants["top_down"], run_seed(0, 0), 12.0)
    print(f"pickled task {len(pickle.dumps(task)):,} B; result {len(pickle.dumps(result)):,} B")
    start = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_noop, range(2)))
    print(f"start and stop a pool of 2 forked workers: {time.perf_counter() - start:.3f} s")
    print(f"control: 2 processes on pure Python work: {control():.2f}x")
    runs = len(variants) * REPLICATES
    timings = {}
    for label, fn in (
        ("per-run tasks (run_variants)", run_variants),
        ("chunked ensembles (run_members)", run_members),
    ):
        for w in (1, 2):
            start = time.perf_counter()
            if fn is run_variants:
                fn(variants, REPLICATES, 12.0, seed=0, workers=w, progress=False)
            else:
                fn(variants, REPLICATES, 12.0, 0, workers=w, progress=False)
            timings[label, w] = time.perf_counter() - start
            print(f"{label:34s} workers {w}: {timings[label, w]:6.2f} s ({runs} runs)")
    for label in ("per-run tasks (run_variants)", "chunked ensembles (run_members)"):
        print(f"speed-up of 2 workers, {label}: {timings[label, 1] / timings[label, 2]:.2f}x")
    base = timings["per-run tasks (run_variants)", 1]
    best = min(timings.values())
    print(f"fastest / serial per-run: {base / best:.2f}x")
    print(f"control again: {control():.2f}x")


if __name__ == "__main__":
    startup()
    workers()
