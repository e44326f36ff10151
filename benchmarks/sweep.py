"""Sweep throughput, per-phase costs, Dask against local processes, and flat memory.

Everything goes through `lftm_sim.sweep.run_sweep`, the code path of `lftm sweep`, with
data collection on, at Ontario scale (4,900 schools, 72 districts, 12 years):

* runs per second with 1 and 2 local worker processes (and their ratio);
* a per-phase breakdown of one run (build, step, collect) and of the sweep's own work
  (summarise, write), from time.perf_counter;
* the same sweep on a Dask cluster of two local worker processes against two local
  processes;
* peak memory (resource.getrusage, the largest process) of a 2,000-run sweep against a
  200-run one, each in a fresh subprocess, on a small system (200 schools, 1 year) so the
  2,000 runs finish in minutes: what is measured is whether the driver's memory grows
  with the number of runs, which does not depend on the system's size.

Targets (issue 8): >= 40 runs/s with 2 workers; 2 workers >= 1.7x one; Dask within 15% of
local processes; the 2,000-run peak within 1.2x of the 200-run peak. Last line:
``runs_per_s: N`` (2 workers).  Usage: python benchmarks/sweep.py [--quick]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SPEC = """\
[sweep]
name = "bench"
years = {years}
design = "lhs"
points = {points}
replicates = 2
seed = 1
baseline = "top_down"
[system]
n_schools = {schools}
n_districts = {districts}
[strategies]
top_down = "top_down"
middle_led = "middle_led"
[parameters.network_size]
range = [5, 20]
[output]
reporters = ["mean_performance", "gap", "mean_capacity"]
years = [{half}, {years}]
"""


def write_spec(folder: Path, points: int, schools=4900, districts=72, years=12) -> Path:
    path = folder / f"bench_{points}_{schools}.toml"
    text = SPEC.format(
        points=points, schools=schools, districts=districts, years=years, half=years / 2
    )
    path.write_text(text)
    return path


def timed_sweep(spec: Path, out: Path, **kw) -> tuple[float, object]:
    from lftm_sim.sweep import run_sweep

    t0 = time.perf_counter()
    result = run_sweep(spec, out, progress=False, **kw)
    elapsed = time.perf_counter() - t0
    assert not result.failures, result.failures
    return elapsed, result


def phases(schools: int, districts: int, years: float) -> dict[str, float]:
    """Build, step and collect of one run through SystemModel, in seconds."""
    from lftm_sim.model import SystemModel

    t0 = time.perf_counter()
    model = SystemModel(
        n_schools=schools,
        n_districts=districts,
        strategy="middle_led",
        rng=np.random.default_rng(0),
    )
    t1 = time.perf_counter()
    model.run(years)
    t2 = time.perf_counter()
    steps = int(round(years * model.steps_per_year))
    for _ in range(steps):
        model.datacollector.collect(model)
    collect = time.perf_counter() - t2
    return {"build": t1 - t0, "step": (t2 - t1) - collect, "collect": collect}


def dask_sweep(spec: Path, out: Path) -> float:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        elapsed, _ = timed_sweep(spec, out, scheduler=cluster.scheduler_address)
    return elapsed


def peak_memory(spec: Path, out: Path) -> float:
    """Peak RSS (MB) of the largest process of a sweep run in a fresh subprocess."""
    code = (
        "import resource, sys\n"
        "from lftm_sim.sweep import run_sweep\n"
        "run_sweep(sys.argv[1], sys.argv[2], workers=1, progress=False)\n"
        "me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(max(me, kids))\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, str(spec), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(res.stdout.split()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    args = ap.parse_args()
    per_worker_points = 2 if args.quick else 6  # 4 runs per point
    mem_runs = (40, 400) if args.quick else (200, 2000)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        one = write_spec(tmp, per_worker_points)
        two = write_spec(tmp, 2 * per_worker_points)
        # warm-up: the first pool start pays for imports in the forkserver
        timed_sweep(write_spec(tmp, 2, 200, 4, 1), tmp / "warm", workers=2)
        t1, r1 = timed_sweep(one, tmp / "w1", workers=1)
        t2, r2 = timed_sweep(two, tmp / "w2", workers=2)
        rate1, rate2 = r1.done / t1, r2.done / t2
        print("Ontario scale (4,900 schools, 72 districts, 12 years), data collection on")
        print(f"1 worker : {r1.done} runs in {t1:.1f} s = {rate1:.2f} runs/s")
        print(
            f"2 workers: {r2.done} runs in {t2:.1f} s = {rate2:.2f} runs/s "
            f"(target >= 40); speed-up {rate2 / rate1:.2f}x (target >= 1.7x)"
        )
        ph = phases(4900, 72, 12)
        per_run = {k: v / r2.done for k, v in r2.timings.items()}
        print(
            "per run, seconds: build {build:.3f}, step {step:.3f}, collect {collect:.3f}".format(
                **ph
            )
            + f"; summarise {per_run['summarise']:.4f}, "
            f"write {per_run['write']:.4f} (ensemble call {per_run['ensemble']:.3f})"
        )
        td = dask_sweep(two, tmp / "dask")
        print(
            f"Dask, 2 local workers: {r2.done} runs in {td:.1f} s = {r2.done / td:.2f} "
            f"runs/s; {td / t2:.2f}x the time of 2 local processes (target <= 1.15x)"
        )
        small, large = (write_spec(tmp, n // 4, 200, 4, 1) for n in mem_runs)
        m_small, m_large = peak_memory(small, tmp / "ms"), peak_memory(large, tmp / "ml")
        print(
            f"peak memory (200 schools, 1 year): {mem_runs[0]} runs {m_small:.0f} MB, "
            f"{mem_runs[1]} runs {m_large:.0f} MB: {m_large / m_small:.2f}x "
            "(target <= 1.2x)"
        )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"benchmark process peak RSS {usage.ru_maxrss / 1024:.0f} MB")
    print(f"runs_per_s: {rate2:.2f}")


if __name__ == "__main__":
    main()
