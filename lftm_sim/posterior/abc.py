"""ABC-SMC (pyabc) over the free parameters, on their log10 scale.

One particle = one draw of the free parameters and `sigma`; its simulation runs each fitted
system's scenario once through `lftm_sim.ensemble.run_ensemble` and adds the discrepancy
noise. The distance is Euclidean over the summary points (`summaries`), the tolerance
schedule pyabc's median epsilon, and the run stops at `generations` populations, at
`min_epsilon` or at `max_simulations`, whichever comes first. With the single-core sampler
(the default) a seed gives the same posterior; pyabc's multicore sampler is faster but
orders particles by finishing time.
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import summaries
from .priors import SIGMA, Prior, frozen_parameters, mechanisms_of
from .targets import Target, observations, simulate, systems

SEED_SPAN = 2**31 - 1


@dataclass
class ABCSettings:
    """Effort and seed of one ABC-SMC run."""

    population: int = 200
    generations: int = 8
    min_epsilon: float = 0.0
    max_simulations: int = 20_000
    seed: int = 0
    workers: int = 1
    schools: int | None = None
    progress: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _silence_pyabc() -> None:
    for name in ("ABC", "Sampler", "Epsilon", "History", "Distance", "Acceptor", "Population"):
        logging.getLogger(name).setLevel(logging.WARNING)
        logging.getLogger(f"ABC.{name}").setLevel(logging.WARNING)


def _to_theta(par: Mapping[str, float], priors: Mapping[str, Prior]) -> dict[str, float]:
    return {k: float(10 ** par[k]) for k in priors}


def make_model(summ: pd.DataFrame, sims: Mapping[str, Any], priors: Mapping[str, Prior], bar):
    """The pyabc model: log10 parameters -> {"s": simulated summary vector}."""

    def model(par):
        theta = _to_theta(par, priors)
        rng = np.random.default_rng(np.random.randint(SEED_SPAN))  # pyabc seeds np.random
        try:
            curves = {
                name: simulate(sc, mechanisms_of(theta), int(rng.integers(SEED_SPAN)))
                for name, sc in sims.items()
            }
        except ValueError:  # the model's form check refuses this combination
            return {"s": np.full(len(summ), summaries.PENALTY)}
        finally:
            if bar is not None:
                bar.update()
        return {"s": summaries.simulated(summ, curves, theta[SIGMA], rng)}

    return model


def run_abc(
    targets: Sequence[Target],
    priors: Mapping[str, Prior],
    settings: ABCSettings | None = None,
    obs: pd.DataFrame | None = None,
):
    """Fit the free parameters to the targets' fit-window points; a `storage.Posterior`."""
    import pyabc
    from tqdm.auto import tqdm

    from .storage import Posterior
    from .targets import with_schools

    settings = settings or ABCSettings()
    obs = observations() if obs is None else obs
    points = summaries.points_table(targets, obs)
    summ = summaries.summary_points(points)
    sims = {name: with_schools(sc, settings.schools) for name, sc in systems(targets).items()}
    sims = {name: sc for name, sc in sims.items() if name in set(summ["system"])}
    _silence_pyabc()
    np.random.seed(settings.seed % 2**32)
    prior = pyabc.Distribution(
        **{
            k: pyabc.RV("uniform", p.log_bounds[0], p.log_bounds[1] - p.log_bounds[0])
            for k, p in priors.items()
        }
    )
    bar = tqdm(
        total=settings.max_simulations, desc="ABC-SMC", unit="sim", disable=not settings.progress
    )
    sampler = (
        pyabc.sampler.SingleCoreSampler()
        if settings.workers <= 1
        else pyabc.sampler.MulticoreEvalParallelSampler(n_procs=settings.workers)
    )
    abc = pyabc.ABCSMC(
        make_model(summ, sims, priors, bar if settings.workers <= 1 else None),
        prior,
        pyabc.PNormDistance(p=2),
        population_size=settings.population,
        sampler=sampler,
    )
    started, commit = datetime.now(UTC), git_commit()  # the code the run starts with
    with tempfile.TemporaryDirectory() as tmp:
        abc.new("sqlite:///" + str(Path(tmp) / "abc.db"), {"s": summaries.observed(summ)})
        history = abc.run(
            minimum_epsilon=settings.min_epsilon,
            max_nr_populations=settings.generations,
            max_total_nr_simulations=settings.max_simulations,
        )
        particles, schedule = _collect(history, priors)
    bar.close()
    record = _settings_record(targets, priors, settings, summ, points, started)
    record["commit"] = commit
    return Posterior(particles, schedule, record, points)


def _collect(history, priors) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = []
    for t in range(history.max_t + 1):
        df, w = history.get_distribution(m=0, t=t)
        df = df.reset_index(drop=True)
        out = pd.DataFrame({k: 10 ** df[k].to_numpy(dtype=float) for k in priors})
        out.insert(0, "weight", np.asarray(w, dtype=float))
        out.insert(0, "generation", t)
        frames.append(out)
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].reset_index(drop=True)
    schedule = pd.DataFrame(
        {
            "generation": pops["t"].astype(int),
            "epsilon": pops["epsilon"].astype(float),
            "simulations": pops["samples"].astype(int),
            "accepted": pops["particles"].astype(int),
        }
    )
    schedule["acceptance_rate"] = schedule["accepted"] / schedule["simulations"]
    return pd.concat(frames, ignore_index=True), schedule


def _settings_record(targets, priors, settings, summ, points, started) -> dict[str, Any]:
    from ..provenance import _versions

    return {
        "method": "ABC-SMC (pyabc), Euclidean distance, median epsilon",
        "population": settings.population,
        "generations_max": settings.generations,
        "min_epsilon": settings.min_epsilon,
        "max_simulations": settings.max_simulations,
        "seed": settings.seed,
        "workers": settings.workers,
        "schools": settings.schools,
        "priors": {k: [p.lo, p.hi] for k, p in priors.items()},
        "prior_scale": "log10-uniform",
        "frozen": frozen_parameters(priors),
        "targets": [
            {
                "system": t.system,
                "series": t.series,
                "fit": list(t.fit),
                "predict": list(t.predict),
                "scenario": str(t.scenario.path),
            }
            for t in targets
        ],
        "scenarios": {t.system: str(t.scenario.path) for t in targets},
        "summary_points": len(summ),
        "structural_constraints": summaries.structural_constraints(summ),
        "free_parameters": len(priors),
        "fit_points_used": [
            f"{s}/{r}/{y:g}"
            for s, r, y in zip(summ["system"], summ["series"], summ["year"], strict=True)
        ],
        "started": started.isoformat(timespec="seconds"),
        "seconds": round((datetime.now(UTC) - started).total_seconds(), 2),
        "versions": _versions() | {"pyabc": _pyabc_version()},
        "commit": git_commit(),
        **settings.extra,
    }


def _pyabc_version() -> str:
    import pyabc

    return str(pyabc.__version__)


def git_commit() -> str:
    """The source tree's commit (with '+dirty' when it has uncommitted changes), if any."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def log_width(lo: float, hi: float) -> float:
    """Width of an interval on the log10 scale."""
    return math.log10(hi) - math.log10(lo)
