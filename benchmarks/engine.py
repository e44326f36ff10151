"""Engine benchmark: the vectorised engine against the per-agent reference, and scale.

Run as ``python benchmarks/engine.py [--part a|b|all]`` (``make bench``).

Part (b), national scale: 100,000 schools in 13,000 districts run for 60 steps end to
end, in a fresh subprocess so its peak memory is its own; prints build (SystemModel
construction), run (60 steps) and collection (``model.results()``) times and the peak
resident set size.

Part (a), engine against reference: one system (5,000 schools, 72 districts, strategy
middle_led) stepped 20 times by the engine and by ``tests.reference_model.RefModel``
built from it; prints per-step times and, as the last line, ``speedup: <N>x``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lftm_sim import SystemModel  # noqa: E402
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
    e_step, r_step = np.mean(engine_times), np.mean(ref_times)
    print(f"    engine    per step: {1e3 * e_step:9.2f} ms (min {1e3 * min(engine_times):.2f})")
    print(f"    reference per step: {1e3 * r_step:9.2f} ms (min {1e3 * min(ref_times):.2f})")
    print(f"    max |engine - reference| after {steps} steps: {max_difference(engine, ref):.2e}")
    print(f"speedup: {r_step / e_step:.1f}x")


def part_b_child(n_schools: int, n_districts: int, steps: int) -> None:
    """Build, run and collect one national-scale model; print the breakdown."""
    print(f"    memory after imports (max RSS) {peak_rss_mib():.0f} MiB")
    start = time.perf_counter()
    model = SystemModel(n_schools, n_districts, strategy="middle_led", rng=SEED)
    built = time.perf_counter()
    for _ in range(steps):
        model.step()
    ran = time.perf_counter()
    frame = model.results()
    collected = time.perf_counter()
    graph = model.graph  # the networkx graph, built from the edge arrays on first read
    done = time.perf_counter()
    total = done - start
    print(f"    build      {built - start:8.2f} s")
    print(f"    run        {ran - built:8.2f} s  ({1e3 * (ran - built) / steps:.1f} ms/step)")
    print(
        f"    collection {collected - ran:8.2f} s  ({len(frame)} rows x {frame.shape[1]} columns)"
    )
    print(
        f"    networkx   {done - collected:8.2f} s  ({graph.number_of_nodes():,} nodes, "
        f"{graph.number_of_edges():,} edges)"
    )
    print(f"    total      {total:8.2f} s")
    print(f"    peak memory (max RSS) {peak_rss_mib():8.0f} MiB; clip_count {model.clip_count}")


def part_b(n_schools: int = 100_000, n_districts: int = 13_000, steps: int = 60) -> None:
    """National scale in a fresh subprocess, so the peak memory is its own."""
    print(
        f"(b) end to end: {n_schools:,} schools, {n_districts:,} districts, middle_led, "
        f"{steps} steps (fresh process)"
    )
    sys.stdout.flush()
    args = [sys.executable, str(Path(__file__).resolve()), "--child-b"]
    args += [str(n_schools), str(n_districts), str(steps)]
    subprocess.run(args, check=True)


def main(argv: list[str] | None = None) -> None:
    """Parse the flags and run the parts; part (a) runs last so speedup ends the output."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("a", "b", "all"), default="all")
    parser.add_argument("--child-b", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_b:
        part_b_child(*args.child_b)
        return
    if args.part in ("b", "all"):
        part_b()
    if args.part in ("a", "all"):
        part_a()


if __name__ == "__main__":
    main()
