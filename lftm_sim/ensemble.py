"""The ensemble path: many runs of one design point stepped together as one array program.

`run_ensemble(members, seeds, years)` is what experiments (compare, sweeps, calibration,
validation) use. Each member is a dict of `SystemModel` keywords (its strategy or timeline,
its settings); member k runs with ``np.random.default_rng(seeds[k])``, and its frame equals
`experiments.run_model(members[k], seeds[k], years)`.

The members are stacked on one engine core (`core.Core`: the same stages and rules as a
single `SystemModel`), with no Mesa agents and no DataCollector: the reporters are computed
for all members at once (sums by member, one ranking per member). Members that differ in
their mechanism parameters or their spin-up go to separate cores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .core import Core
from .dynamics import TERM
from .errors import InputError
from .metrics import AGENT_REPORTERS, REPORTERS
from .runspec import resolve_run


def member_rng(seed: int) -> np.random.Generator:
    """Member k's generator, in the state `SystemModel(rng=default_rng(seed))` leaves it:
    Mesa seeds its Python `random` from one draw of a Generator it is given."""
    rng = np.random.default_rng(int(seed))
    rng.integers(np.iinfo(np.int32).max)
    return rng


def run_ensemble(
    members: Sequence[Mapping[str, Any]],
    seeds: Sequence[int],
    years: float,
    reporters: Sequence[str] | None = None,
    agents: bool = False,
) -> list:
    """Run every member for `years` years; one model-level series per member, in order.

    Each frame has the columns step, every reporter (or only those in `reporters`, with
    `year`) and clip_count, as `experiments.run_model` gives them. With ``agents=True``
    each item is a pair (series, schools): the second frame has one row per school and
    step (step, year, school, and every school variable of `metrics.AGENT_REPORTERS`)."""
    if len(members) != len(seeds):
        raise ValueError(f"{len(members)} members but {len(seeds)} seeds")
    names = _reporter_names(reporters)
    specs = [resolve_run(**dict(m)) for m in members]
    steps = int(round(years / TERM))
    frames: list[pd.DataFrame | None] = [None] * len(specs)
    groups: dict[Any, list[int]] = {}
    for k, spec in enumerate(specs):
        groups.setdefault((spec.mechanisms, spec.settings["spin_up_years"]), []).append(k)
    for ks in groups.values():
        core = Core([specs[k] for k in ks], [member_rng(seeds[k]) for k in ks])
        for k, frame in zip(ks, run_core(core, steps, names, agents), strict=True):
            frames[k] = frame
    return frames


def run_core(core: Core, steps: int, names: Sequence[str], agents: bool = False) -> list:
    """Step `core` `steps` times, measuring every run before and after each step."""
    table = {name: np.empty((steps + 1, core.runs)) for name in names}
    school_rows = {name: [] for name in AGENT_REPORTERS} if agents else {}

    def collect(t: int) -> None:
        for name in names:
            table[name][t] = REPORTERS[name](core)
        for name, rows in school_rows.items():
            rows.append(getattr(core.state, AGENT_REPORTERS[name]).copy())

    collect(0)
    for t in range(1, steps + 1):
        core.step()
        collect(t)
    out = []
    for k in range(core.runs):
        df = pd.DataFrame({name: table[name][:, k] for name in names})
        df.insert(0, "step", np.arange(steps + 1))
        df["clip_count"] = int(core.clip_count[k])
        out.append((df, _school_frame(core, k, school_rows)) if agents else df)
    return out


def _school_frame(core: Core, k: int, school_rows: dict[str, list]) -> pd.DataFrame:
    """Run k's school variables, one row per school and step."""
    a, b = core.layout.school_start[k], core.layout.school_start[k + 1]
    steps = len(next(iter(school_rows.values())))
    frame = {
        "step": np.repeat(np.arange(steps), b - a),
        "year": np.repeat(np.arange(steps) * TERM, b - a),
        "school": np.tile(np.arange(b - a), steps),
    }
    for name, rows in school_rows.items():
        frame[name] = np.concatenate([row[a:b] for row in rows])
    return pd.DataFrame(frame)


def _reporter_names(reporters: Sequence[str] | None) -> list[str]:
    if reporters is None:
        return list(REPORTERS)
    unknown = [r for r in reporters if r not in REPORTERS]
    if unknown:
        raise InputError(
            f"unknown reporter {unknown[0]!r}",
            key="reporters",
            allowed=", ".join(REPORTERS),
            value=unknown[0],
        )
    return ["year"] + [r for r in REPORTERS if r in reporters and r != "year"]
