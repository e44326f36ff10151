"""Designs: where in parameter space a sweep runs.

A design draws points in the unit cube of the continuous parameters (`grid`, a Latin
hypercube `lhs` from scipy.stats.qmc, a Saltelli `sobol` design or Morris trajectories
from SALib), scales them to the declared ranges (linear or log; integers rounded), and
crosses them with every combination of the listed values. Point k of the result is the
same on every machine: the design's random draws come from the master seed alone.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .spec import SweepSpec

DESIGN_TAG = 0x5EED  # keeps the design's stream apart from every run's (point, replicate)


def design_seed(master_seed: int) -> int:
    """The seed of the design's draws (32 bits, as SALib takes it)."""
    seq = np.random.SeedSequence([int(master_seed), DESIGN_TAG])
    return int(seq.generate_state(1, dtype=np.uint32)[0])


def salib_problem(spec: SweepSpec) -> dict:
    """SALib's problem over the unit cube: indices are per unit of each range (or of its
    logarithm, for log-scaled parameters), so they compare across parameters."""
    names = [v.name for v in spec.continuous]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def unit_design(spec: SweepSpec) -> np.ndarray:
    """The design's points in the unit cube, one row per point (before crossing)."""
    d = len(spec.continuous)
    if d == 0:
        return np.zeros((1, 0))
    seed = design_seed(spec.seed)
    if spec.design == "grid":
        axis = np.linspace(0.0, 1.0, spec.points)
        return np.array(list(itertools.product(axis, repeat=d)), dtype=float)
    if spec.design == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(spec.points)
    if spec.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(salib_problem(spec), spec.points, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(salib_problem(spec), spec.points, num_levels=spec.levels, seed=seed)


def block_size(spec: SweepSpec) -> int:
    """Rows per independent block of the design: a Saltelli base sample (D + 2 rows), a
    Morris trajectory (D + 1), one point otherwise."""
    d = len(spec.continuous)
    return {"sobol": d + 2, "morris": d + 1}.get(spec.design, 1)


def n_points(spec: SweepSpec) -> int:
    """Number of design points after crossing with the listed values."""
    d = len(spec.continuous)
    per = {
        "grid": spec.points**d if d else 1,
        "lhs": spec.points if d else 1,
        "sobol": spec.points * (d + 2),
        "morris": spec.points * (d + 1),
    }[spec.design]
    combos = int(np.prod([len(v.values) for v in spec.categorical])) if spec.categorical else 1
    return per * combos


def scale(spec: SweepSpec, unit: np.ndarray) -> pd.DataFrame:
    """Unit-cube points scaled to each parameter's range (log where asked)."""
    cols = {}
    for j, v in enumerate(spec.continuous):
        u = unit[:, j]
        x = v.lo * (v.hi / v.lo) ** u if v.scale == "log" else v.lo + u * (v.hi - v.lo)
        x = np.clip(x, v.lo, v.hi)  # float round-off at the ends
        cols[v.name] = np.round(x).astype(int) if v.param.kind == "integer" else x
    return pd.DataFrame(cols, index=pd.RangeIndex(len(unit)))


def design_frame(spec: SweepSpec) -> pd.DataFrame:
    """Every design point: one row per point (index `point`), one column per parameter.

    Points are numbered combination-major: all of the continuous design for the first
    combination of listed values, then for the next, and so on."""
    unit = unit_design(spec)
    cont = scale(spec, unit)
    combos = list(itertools.product(*(v.values for v in spec.categorical))) or [()]
    frames = []
    for combo in combos:
        block = cont.copy()
        for v, value in zip(spec.categorical, combo, strict=True):
            block[v.name] = value
        frames.append(block)
    out = pd.concat(frames, ignore_index=True)
    out.index.name = "point"
    return out[[v.name for v in spec.varied]]
