"""Summary statistics: every fit-window point of every series, less its series' mean.

Why these. The model gives a system's mean performance; each published series is that
curve plus a level of its own (English and maths differ by a few points at the start) and
noise. The level is a nuisance: removing each series' fit-window mean removes it and keeps
everything the series says about the shape of the curve. The remaining points are kept
one by one (not averaged into one curve, not reduced to a slope), so a series that rises
while another stalls pulls the fit both ways and shows up as discrepancy (`sigma`). Every
point is in percentage points of the same kind of share, so the distance weights them
equally: the Euclidean distance over all points.

The number of effective constraints is counted two ways: structurally (per system, the
distinct fit years less one for the level: all series of a system share one model curve)
and numerically (the rank of the noise-free summaries' variation over prior draws).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .targets import Target

PENALTY = 1e6  # summary of a draw the model refuses (invalid form): never accepted


def points_table(targets: Sequence[Target], obs: pd.DataFrame) -> pd.DataFrame:
    """system, series, year, value, window of every point in the targets' windows."""
    frames = []
    for t in targets:
        pts = t.points(obs)
        pts.insert(0, "series", t.series)
        pts.insert(0, "system", t.system)
        frames.append(pts)
    return pd.concat(frames, ignore_index=True)


def summary_points(points: pd.DataFrame) -> pd.DataFrame:
    """The fit-window points that enter the summaries: series with at least two of them."""
    fit = points[points["window"] == "fit"]
    counts = fit.groupby(["system", "series"])["year"].transform("size")
    return fit[counts >= 2].reset_index(drop=True)


def _demean(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    means = pd.Series(values).groupby(groups).transform("mean").to_numpy()
    return values - means


def observed(summ: pd.DataFrame) -> np.ndarray:
    """The observed summary vector."""
    keys = (summ["system"] + "/" + summ["series"]).to_numpy()
    return _demean(summ["value"].to_numpy(dtype=float), keys)


def simulated(
    summ: pd.DataFrame,
    curves: Mapping[str, pd.Series],
    sigma: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """The model's summary vector: its curve at each point plus N(0, sigma^2), demeaned."""
    model = np.array(
        [float(curves[s].loc[y]) for s, y in zip(summ["system"], summ["year"], strict=True)]
    )
    noisy = model + rng.normal(0.0, sigma, len(model))
    keys = (summ["system"] + "/" + summ["series"]).to_numpy()
    return _demean(noisy, keys)


def structural_constraints(summ: pd.DataFrame) -> int:
    """Distinct model values the summaries can pin down: fit years less one, per system."""
    years = summ.groupby("system")["year"].nunique()
    return int((years - 1).clip(lower=0).sum())


def numerical_rank(noise_free: np.ndarray, tol: float = 0.01) -> int:
    """Directions of the noise-free summaries' variation over prior draws that carry more
    than `tol` of it (rows: draws, columns: summary points)."""
    x = np.asarray(noise_free, dtype=float)
    x = x[np.all(np.isfinite(x) & (np.abs(x) < PENALTY / 10), axis=1)]
    if len(x) < 2:
        return 0
    s = np.linalg.svd(x - x.mean(axis=0), compute_uv=False)
    share = s**2 / np.sum(s**2) if np.sum(s**2) > 0 else s * 0
    return int(np.sum(share > tol))
