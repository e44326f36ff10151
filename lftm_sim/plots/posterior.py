"""The model over its posterior: a calibrated scenario run once per posterior draw, and
each published series drawn over its posterior predictive bands (docs/calibration.md).

The bands are the calibration's own model of the data: for each draw, the scenario's
mean-performance curve plus the series' level (fitted on the series' own fit-window
points, as the fit and the out-of-sample check set it) plus discrepancy noise
N(0, sigma^2) of that draw. So a published point outside the 90% band is one the
posterior did not expect, noise included.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from . import style as st
from .fit import FIT_SHADE

#: Column -> quantile of the posterior predictive draws.
BAND_QUANTILES = {"lo90": 0.05, "lo50": 0.25, "median": 0.5, "hi50": 0.75, "hi90": 0.95}
BAND_COLOUR = st.OKABE_ITO["sky_blue"]  # not a strategy's colour: the model over its posterior


def _window(year: np.ndarray, fit: tuple, predict: tuple) -> np.ndarray:
    """ "fit", "predict" or "other" (a published year the calibration neither fits nor scores)."""
    return np.select(
        [(year >= fit[0]) & (year <= fit[1]), (year >= predict[0]) & (year <= predict[1])],
        ["fit", "predict"],
        "other",
    )


def posterior_bands(
    scenario: Any, posterior: Any = None, draws: int = 100, seed: int = 0
) -> pd.DataFrame:
    """One row per published series of a calibrated scenario and calendar year: the
    posterior predictive median and 50% / 90% bands (% at the standard), the published
    value there (NaN where none) and its window (fit, predict or other).

    `draws` parameter sets are resampled from `posterior` (default: the one shipped for the
    scenario's calibration system, `lftm_sim.posterior.shipped_posterior`) with `seed`; the
    scenario runs once per draw, draw k with seed `experiments.run_seed(scenario.seed, k)`
    (common random numbers), through `ensemble.run_ensemble`."""
    from ..experiments import run_seed
    from ..posterior import fit_targets, observations, shipped_posterior
    from ..posterior.priors import SIGMA
    from ..posterior.targets import simulate_many

    targets = fit_targets([scenario])  # InputError without a [calibration] block
    post = shipped_posterior(targets[0].system) if posterior is None else posterior
    theta = post.draws(draws, seed)  # `mechanism_draws` plus each draw's sigma
    mechanisms = [{k: v for k, v in d.items() if k != SIGMA} for d in theta]
    sigma = np.array([d.get(SIGMA, 0.0) for d in theta])
    curves = simulate_many(scenario, mechanisms, [run_seed(scenario.seed, k) for k in range(draws)])
    years = curves[0].index.to_numpy(dtype=float)
    sims = np.column_stack([c.to_numpy() for c in curves])  # years x draws
    obs = observations()
    obs = obs[(obs["unit"] == "percent") & obs["year"].isin(years)]
    noise = np.random.default_rng([seed, 1])
    frames = []
    for t in targets:
        pts = obs[(obs["system"] == t.system) & (obs["series"] == t.series)]
        value = pts.set_index("year")["value"].reindex(years).to_numpy()
        fit = _window(years, t.fit, t.predict) == "fit"
        level = np.nanmean(value[fit, None] - sims[fit], axis=0)
        pred = sims + level + noise.normal(0.0, 1.0, sims.shape) * sigma
        quantiles = np.quantile(pred, list(BAND_QUANTILES.values()), axis=1)
        frame = pd.DataFrame(dict(zip(BAND_QUANTILES, quantiles, strict=True)))
        frame.insert(0, "year", years)
        frame.insert(0, "series", t.series)
        frame.insert(0, "system", t.system)
        frame.insert(0, "scenario", scenario.name)
        frame["value"] = value
        frame["window"] = np.where(np.isnan(value), "", _window(years, t.fit, t.predict))
        frame["draws"] = draws
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _panel(ax, one: pd.DataFrame) -> None:
    fit = one.loc[one["window"] == "fit", "year"]
    if len(fit):
        ax.axvspan(fit.min() - 0.5, fit.max() + 0.5, color=FIT_SHADE, lw=0, zorder=st.Z_SHADE)
    ax.fill_between(
        one["year"], one["lo90"], one["hi90"], color=BAND_COLOUR, alpha=0.35, lw=0, zorder=st.Z_BAND
    )
    ax.fill_between(
        one["year"], one["lo50"], one["hi50"], color=BAND_COLOUR, alpha=0.8, lw=0, zorder=st.Z_BAND
    )
    ax.plot(one["year"], one["median"], color=st.MODEL_COLOUR, lw=1.8, zorder=st.Z_LINE)
    pts = one.dropna(subset=["value"])
    ax.plot(pts["year"], pts["value"], "o", **st.PUBLISHED_POINT)
    out = pts[(pts["value"] < pts["lo90"]) | (pts["value"] > pts["hi90"])]
    ax.plot(
        out["year"],
        out["value"],
        "o",
        ms=13,
        mfc="none",
        mec="black",
        mew=1.2,
        ls="none",
        zorder=st.Z_POINTS,
    )
    system, series = one["system"].iloc[0], one["series"].iloc[0]
    ax.set_title(f"{system}: {series.replace('_', ' ')}", fontsize=9)
    ax.set_xlabel("Year", fontsize=8.5)
    ax.set_ylabel("% of students at the standard", fontsize=8.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3, zorder=st.Z_SHADE)


def posterior_band_figure(bands: pd.DataFrame, title: str | None = None) -> Figure:
    """Each published series (one panel per system and series of `bands`, as
    `posterior_bands` gives it, one or more scenarios concatenated) over the posterior
    predictive median and 50% / 90% bands; fit years shaded, points outside the 90% band
    ringed."""
    keys = list(dict.fromkeys(zip(bands["system"], bands["series"], strict=True)))
    fig, axes = st.new_figure(len(keys), cols=min(3, len(keys)), panel_size=(4.2, 3.2))
    for ax, (system, series) in zip(axes, keys, strict=True):
        _panel(ax, bands[(bands["system"] == system) & (bands["series"] == series)])
    handles = [
        Line2D([], [], ls="none", marker="o", ms=7, mfc=st.PUBLISHED_COLOUR, mec="black"),
        Line2D([], [], ls="none", marker="o", ms=11, mfc="none", mec="black"),
        Line2D([], [], color=st.MODEL_COLOUR, lw=1.8),
        Patch(color=BAND_COLOUR, alpha=0.8),
        Patch(color=BAND_COLOUR, alpha=0.35),
        Patch(color=FIT_SHADE),
    ]
    labels = [
        "published",
        "outside the 90% band",
        "posterior predictive median",
        "50% band",
        "90% band",
        "fitted years",
    ]
    st.legend_below(fig, handles, labels)
    draws = int(bands["draws"].iloc[0]) if len(bands) else 0
    fig.suptitle(
        title
        or f"The model over its posterior ({draws} draws): fitted on the shaded years, "
        "predicted after them",
        fontsize=11,
    )
    return fig
