"""Engine benchmark: the engine against the per-agent reference, scale, and throughput.

Run as ``python benchmarks/engine.py [--part a|b|c|d|all]`` (``make bench``). Times are
wall-clock (time.perf_counter) on a shared machine: the ratios printed within one run are
what to compare; peak memory is the child process's max RSS (resource.getrusage).

(a) engine vs reference: one system (5,000 schools, 72 districts, middle_led) stepped 20
    times by `SystemModel` and by ``tests.reference_model.RefModel`` built from it.
(b) national scale: 100,000 schools, 13,000 districts, 60 steps, end to end through the
    ensemble path (one member) in a fresh process: build, run, collection, peak memory.
(c) Ontario-scale throughput: 4,900 schools, 72 districts, 12 years, collection on, the
    four presets x replicates through `experiments.run_variants` (the ensemble path), on
    one process and on two worker processes; the last line is ``runs_per_s: <N>`` (one
    process).
(d) the moonshot: 1,000,000 schools, 130,000 districts, 15 years, end to end (fresh
    process).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lftm_sim import PRESETS, SystemModel  # noqa: E402
from lftm_sim.core import Core  # noqa: E402
from lftm_sim.ensemble import member_rng  # noqa: E402
from lftm_sim.experiments import run_variants  # noqa: E402
from lftm_sim.metrics import REPORTERS  # noqa: E402
from lftm_sim.runspec import resolve_run  # noqa: E402
from tests.reference_model import RefModel  # noqa: E402

SEED = 20240601


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (ru_maxrss is KiB on Linux)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 1024**2


def timed_steps(model, steps: int) -> list[float]:
    """Seconds taken by each of `steps` calls to model.step()."""
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - start)
    return times


def max_difference(engine: SystemModel, ref: RefModel) -> float:
    """Largest absolute difference between the two models' school and middle arrays."""
    snap = ref.snapshot()
    names = ("capacity", "performance", "commitment", "innovation", "wellbeing")
    names += ("middle_capacity", "middle_coherence", "peer_trust")
    return max(float(np.max(np.abs(getattr(engine.state, n) - snap[n]))) for n in names)


def part_a(n_schools: int = 5_000, n_districts: int = 72, steps: int = 20) -> None:
    """Engine against reference on the same system and random stream."""
    print(
        f"(a) engine vs reference: {n_schools:,} schools, {n_districts} districts, "
        f"middle_led, {steps} steps"
    )
    engine = SystemModel(n_schools, n_districts, strategy="middle_led", rng=SEED)
    start = time.perf_counter()
    ref = RefModel.from_engine(engine)
    print(f"    reference build from engine: {time.perf_counter() - start:8.3f} s")
    engine_times = timed_steps(engine, steps)
    ref_times = timed_steps(ref, steps)
    e_step, r_step = np.median(engine_times), np.median(ref_times)
    print(
        f"    engine    per step: {1e3 * e_step:9.2f} ms median (min {1e3 * min(engine_times):.2f})"
    )
    print(f"    reference per step: {1e3 * r_step:9.2f} ms (min {1e3 * min(ref_times):.2f})")
    print(f"    max |engine - reference| after {steps} steps: {max_difference(engine, ref):.2e}")
    best = min(ref_times) / min(engine_times)
    print(f"    speedup: {r_step / e_step:.1f}x (medians; min/min {best:.1f}x)")


def scale_child(n_schools: int, n_districts: int, steps: int) -> None:
    """One member end to end on the ensemble path, phase by phase."""
    print(f"    memory after imports (max RSS) {peak_rss_mib():.0f} MiB")
    clock = Clock()
    with clock("build"):
        spec = resolve_run(n_schools=n_schools, n_districts=n_districts, strategy="middle_led")
        core = Core([spec], [member_rng(SEED)])
    for name in STAGES:  # each stage of Core.step, timed where the step calls it
        setattr(core, name, clock.wrap(name, getattr(core, name)))
    names, rows = list(REPORTERS), []
    for t in range(steps + 1):
        if t:
            with clock("run"):
                core.step()
        with clock("collection"):
            rows.append([REPORTERS[n](core) for n in names])
    school_steps = steps * n_schools
    for phase in ("build", "run", "collection"):
        wall, cpu = clock.wall[phase], clock.cpu[phase]
        extra = ""
        if phase == "run":
            per = [f"{1e9 * x / school_steps:.0f}" for x in (wall, cpu)]
            extra = f"  ({per[0]} / {per[1]} ns/school-step)"
        print(f"    {phase:<11} {wall:7.2f} s wall {cpu:7.2f} s CPU{extra}")
        if phase == "run":
            for name in STAGES:
                w, c = clock.wall[name] / steps, clock.cpu[name] / steps
                print(f"      {name:<15} {1e3 * w:7.2f} ms wall {1e3 * c:7.2f} ms CPU per step")
    total_wall = sum(clock.wall[p] for p in ("build", "run", "collection"))
    total_cpu = sum(clock.cpu[p] for p in ("build", "run", "collection"))
    print(f"    total       {total_wall:7.2f} s wall {total_cpu:7.2f} s CPU")
    rss = peak_rss_mib()
    print(f"    peak memory (max RSS) {rss:8.0f} MiB; clip_count {int(core.clip_count[0])}")


STAGES = ("switch_phase", "shared_context", "draws", "increments", "write", "joins", "measure")


class Clock:
    """Wall (perf_counter) and CPU (process_time) seconds, summed by name."""

    def __init__(self):
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall
        self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu

    def wrap(self, name: str, stage):
        """`stage`, timed under `name` at every call."""

        def timed(*args):
            with self(name):
                return stage(*args)

        return timed


def scale(label: str, n_schools: int, n_districts: int, steps: int) -> None:
    """A scale part in a fresh subprocess, so the peak memory is its own."""
    print(
        f"{label} end to end (ensemble path, one member): {n_schools:,} schools, "
        f"{n_districts:,} districts, middle_led, {steps} steps (fresh process)"
    )
    sys.stdout.flush()
    args = [sys.executable, str(Path(__file__).resolve()), "--child"]
    args += [str(n_schools), str(n_districts), str(steps)]
    start = time.perf_counter()
    subprocess.run(args, check=True)
    print(f"    whole process (interpreter, imports, run) {time.perf_counter() - start:.2f} s")


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and its finished children (user + system)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def part_c(replicates: int = 8, years: float = 12) -> float:
    """Ontario-scale runs per second through run_variants, on 1 and 2 worker processes."""
    variants = {name: {"n_schools": 4900, "n_districts": 72, "strategy": name} for name in PRESETS}
    runs = replicates * len(variants)
    print(f"(c) Ontario scale: 4,900 schools, 72 districts, {years:g} years, {runs} runs")
    run_variants(variants, 1, 1, seed=1, progress=False)  # warm-up
    rates, cpu_rates = {}, {}
    for workers in (1, 2):
        times, cpu = [], []
        for rep in range(3):
            start, cpu0 = time.perf_counter(), cpu_seconds()
            run_variants(variants, replicates, years, seed=rep, workers=workers, progress=False)
            times.append(time.perf_counter() - start)
            cpu.append(cpu_seconds() - cpu0)
        rates[workers] = runs / float(np.median(times))
        cpu_rates[workers] = runs / float(np.median(cpu))
        label = f"{workers} process{'es' if workers > 1 else ''}"
        print(
            f"    {label}: {rates[workers]:6.1f} runs/s wall "
            f"(median of 3: {np.median(times):.2f} s; min {min(times):.2f} s); "
            f"{cpu_rates[workers]:6.1f} runs per CPU-second"
        )
    print(f"    2 processes / 1 process (wall): {rates[2] / rates[1]:.2f}x")
    return rates[1]


def main(argv: list[str] | None = None) -> None:
    """Parse the flags and run the parts; (c) runs last so runs_per_s ends the output."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("a", "b", "c", "d", "all"), default="all")
    parser.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        scale_child(*args.child)
        return
    print(f"machine load (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os_load())}")
    if args.part in ("b", "all"):
        scale("(b)", 100_000, 13_000, 60)
    if args.part in ("d", "all"):
        scale("(d)", 1_000_000, 130_000, 60)
    if args.part in ("a", "all"):
        part_a()
    if args.part in ("c", "all"):
        print(f"runs_per_s: {part_c():.1f}")


def os_load() -> tuple[float, float, float]:
    import os

    return os.getloadavg()


if __name__ == "__main__":
    main()
