"""Out of sample: posterior predictive intervals, coverage and RMSE beside the baselines.

For each posterior (fitted on one system's early years) and each system's series, the
model predicts the held-out years: for every posterior draw, the system's curve is
simulated, the series' level is set from its own fit-window points (the mean residual,
the same points the baselines see) and discrepancy noise N(0, sigma^2) of that draw is
added. The median over draws is the point forecast; its 25-75% and 5-95% ranges are the
50% and 90% intervals. Coverage is the share of held-out points inside them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .baselines import BASELINES
from .priors import SIGMA
from .storage import Posterior
from .summaries import points_table
from .targets import Target, observations, simulate_many, systems, with_schools

QUANTILES = {"point": 0.5, "lo50": 0.25, "hi50": 0.75, "lo90": 0.05, "hi90": 0.95}


def predictive(
    post: Posterior,
    targets: Sequence[Target],
    draws: int = 100,
    seed: int = 0,
    schools: int | None = None,
    obs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every point of the targets with the posterior predictive median and intervals."""
    obs = observations() if obs is None else obs
    theta = post.draws(draws, seed)
    mech = [{k: v for k, v in d.items() if k != SIGMA} for d in theta]
    sigma = np.array([d[SIGMA] for d in theta])
    rng = np.random.default_rng([seed, 1])
    points = points_table(targets, obs)
    out = []
    for name, sc in systems(targets).items():
        seeds = rng.integers(2**31 - 1, size=draws)
        curves = simulate_many(with_schools(sc, schools), mech, seeds)
        sims = pd.concat(curves, axis=1).to_numpy()  # years x draws
        index = curves[0].index
        for _series, pts in points[points["system"] == name].groupby("series", sort=False):
            at = sims[index.get_indexer(pts["year"]), :]
            fit = (pts["window"] == "fit").to_numpy()
            level = (pts["value"].to_numpy()[fit, None] - at[fit]).mean(axis=0)
            pred = at + level + rng.normal(0, 1, at.shape) * sigma
            table = pts.copy()
            for col, q in QUANTILES.items():
                table[col] = np.quantile(pred, q, axis=1)
            out.append(table)
    return pd.concat(out, ignore_index=True)


def baselines(points: pd.DataFrame) -> pd.DataFrame:
    """The baselines' forecasts of every held-out point, from its series' fit points."""
    out = []
    for (_system, _series), pts in points.groupby(["system", "series"], sort=False):
        fit, held = pts[pts["window"] == "fit"], pts[pts["window"] == "predict"]
        if held.empty:
            continue
        x, y = fit["year"].to_numpy(float), fit["value"].to_numpy(float)
        for method, fn in BASELINES.items():
            fc = fn(x, y, held["year"].to_numpy(float))
            out.append(pd.concat([held.reset_index(drop=True), fc], axis=1).assign(method=method))
    return pd.concat(out, ignore_index=True)


def score(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """RMSE and 50%/90% coverage of held-out points, grouped by `by`."""
    held = frame[frame["window"] == "predict"].dropna(subset=["point"])
    rows = []
    for key, g in held.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        err = g["point"] - g["value"]
        row = dict(zip(by, key, strict=True))
        row["points"] = len(g)
        row["rmse"] = float(np.sqrt(np.mean(err**2)))
        for lv in (50, 90):
            inside = (g["value"] >= g[f"lo{lv}"]) & (g["value"] <= g[f"hi{lv}"])
            row[f"coverage{lv}"] = float(inside.mean()) if g[f"lo{lv}"].notna().all() else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def out_of_sample(
    posteriors: dict[str, Posterior],
    targets: Sequence[Target],
    draws: int = 100,
    seed: int = 0,
    schools: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predictions of every fitted posterior (name = the system fitted on) for every
    system, with the baselines; returns (points, table of RMSE and coverage).

    The table scores series with at least three fit points (every method can be fitted on
    them); a series with fewer (Ontario's combined 2003 -> 2013) is scored separately."""
    obs = observations()
    frames = []
    for fitted, post in posteriors.items():
        pts = predictive(post, targets, draws, seed, schools, obs)
        frames.append(pts.assign(method=f"model (fit on {fitted})", fit_on=fitted))
    base = baselines(points_table(targets, obs))
    frames.append(base.assign(fit_on="the series' own fit points"))
    allpts = pd.concat(frames, ignore_index=True)
    nfit = allpts[allpts["window"] == "fit"].groupby(["system", "series"])["year"].nunique()
    rich = {k for k, v in nfit.items() if v >= 3}
    allpts["scored"] = [
        (s, r) in rich for s, r in zip(allpts["system"], allpts["series"], strict=True)
    ]
    table = score(allpts[allpts["scored"]], ["system", "method"])
    return allpts, table
