"""Calibration: one shared set of mechanism parameters fitted to published series.

The scenarios fitted together (England, Ontario) differ only in system and timeline; the
mechanism parameters are shared. Each series is predicted as its first observed value
plus the model's change in mean performance since that year (percentage points), so the
fit is about dynamics, not about levels. Parameters are fitted on the early years only
and scored out of sample on the later ones, beside three naive forecasts made from the
same early years: a flat line, the last value carried forward, and a linear trend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.stats import qmc

from .errors import InputError
from .experiments import run_seed
from .parameters import Mechanisms, check_form

#: Parameters fitted, with their search ranges: the speed of central capacity building,
#: the size of the pressure lift, the drift of capacity back to its rest level, and the
#: growth of the middle. Four free parameters against 10 fitted data points.
FREE: dict[str, tuple[float, float]] = {
    "central_rate": (0.01, 0.15),
    "lift_max": (0.0, 0.7),
    "capacity_decay": (0.005, 0.1),
    "middle_capacity_rate": (0.01, 0.2),
}

CALIBRATION_FILE = "calibration.toml"
#: The settings of a full fit (calibrate's defaults): only a fit at least this thorough
#: may be stored as the package's calibrated set.
FULL_FIT: dict[str, int] = {"replicates": 2, "n_schools": 1500, "starts": 16, "max_evals": 80}


def observations(system: str | None = None) -> pd.DataFrame:
    """The published series (of one system when given): the scenario loader's reader,
    honouring $LFTM_REAL_SYSTEMS."""
    from .scenarios import published_series

    return published_series(system)


@dataclass(frozen=True)
class Target:
    """One published series of one scenario, with its fit and prediction windows."""

    scenario: Any  # a lftm_sim.scenarios.Scenario
    series: str
    fit: tuple[float, float]
    predict: tuple[float, float]

    def data(self, obs: pd.DataFrame) -> pd.DataFrame:
        system = self.scenario.calibration["system"]
        rows = obs[(obs["system"] == system) & (obs["series"] == self.series)]
        if rows.empty:
            raise InputError(
                f"calibration.series: no published series {self.series!r} for {system}",
                key="calibration.series",
                file=str(self.scenario.path),
            )
        return rows[["year", "value"]].sort_values("year").reset_index(drop=True)


def targets_of(scenarios: Sequence[Any]) -> list[Target]:
    """Targets named by each scenario's [calibration] block."""
    out = []
    for sc in scenarios:
        cal = sc.calibration or {}
        for series in cal.get("series", []):
            out.append(Target(sc, series, tuple(cal["fit"]), tuple(cal["predict"])))
        for series in cal.get("extra_predict", []):
            out.append(
                Target(sc, series, (sc.start_year, sc.start_year), (sc.start_year + 1, sc.end_year))
            )
    return out


def simulate(
    scenario: Any,
    mechanisms: dict[str, float],
    replicates: int,
    seed: int,
    n_schools: int | None = None,
) -> pd.Series:
    """Mean performance (%) by calendar year, averaged over replicates (common seeds)."""
    frames = []
    sizes = {} if n_schools is None else {"n_schools": n_schools}
    for r in range(replicates):
        rng = np.random.default_rng(run_seed(seed, r))
        model = scenario.make_model(mechanisms=mechanisms, rng=rng, **sizes)
        df = model.run(scenario.years)
        annual = df[np.isclose(df["year"] % 1, 0)]
        frames.append(annual.set_index("year")["mean_performance"])
    mean = pd.concat(frames, axis=1).mean(axis=1)
    mean.index = mean.index + scenario.start_year
    return 100 * mean


def predict(target: Target, sim: pd.Series, data: pd.DataFrame) -> pd.DataFrame:
    """Model forecast of a series: its first observed value plus the model's change."""
    first = data.iloc[0]
    anchor = float(sim.loc[first["year"]])
    out = data.copy()
    out["model"] = first["value"] + sim.reindex(out["year"]).to_numpy() - anchor
    return out


def naive_forecasts(data: pd.DataFrame, fit: tuple[float, float]) -> pd.DataFrame:
    """Flat line (mean of the fit years), last value carried forward, linear trend."""
    early = data[(data["year"] >= fit[0]) & (data["year"] <= fit[1])]
    out = data.copy()
    out["flat"] = early["value"].mean()
    out["last_value"] = early["value"].iloc[-1]
    if len(early) >= 2:
        slope, intercept = np.polyfit(early["year"], early["value"], 1)
        out["linear_trend"] = intercept + slope * out["year"]
    else:
        out["linear_trend"] = early["value"].iloc[-1]
    return out


def evaluate(
    targets: Sequence[Target],
    mechanisms: dict[str, float],
    replicates: int = 2,
    seed: int = 0,
    n_schools: int | None = None,
) -> pd.DataFrame:
    """Every data point of every target with the model's and the naive forecasts."""
    obs = observations()
    sims: dict[int, pd.Series] = {}
    rows = []
    for t in targets:
        key = id(t.scenario)
        if key not in sims:
            sims[key] = simulate(t.scenario, mechanisms, replicates, seed, n_schools)
        data = t.data(obs)
        data = data[(data["year"] >= t.fit[0]) & (data["year"] <= t.predict[1])]
        table = naive_forecasts(predict(t, sims[key], data), t.fit)
        table["window"] = np.where(table["year"] <= t.fit[1], "fit", "predict")
        table["anchor"] = np.arange(len(table)) == 0  # forecast exactly by construction
        table["scenario"] = t.scenario.name
        table["series"] = t.series
        rows.append(table)
    return pd.concat(rows, ignore_index=True)


def rmse_table(points: pd.DataFrame) -> pd.DataFrame:
    """RMSE (percentage points) of the model and the naive forecasts, per window."""
    methods = ["model", "flat", "last_value", "linear_trend"]
    out = []
    for (window, scope), group in _scopes(points):
        row = {"window": window, "scope": scope, "points": len(group)}
        for m in methods:
            row[m] = float(np.sqrt(np.mean((group[m] - group["value"]) ** 2)))
        out.append(row)
    return pd.DataFrame(out)


def _scopes(points: pd.DataFrame):
    for window in ("fit", "predict"):
        w = points[points["window"] == window]
        w = w[~w["anchor"]]  # the anchor year is forecast exactly: not scored
        yield (window, "all"), w
        for name, group in w.groupby("scenario", sort=False):
            yield (window, name), group


def _objective(
    x: np.ndarray, targets, base: dict, replicates: int, seed: int, n_schools: int | None
) -> float:
    mech = {**base, **dict(zip(FREE, x, strict=True))}
    try:
        check_form(Mechanisms(**mech), 3.0)
    except ValueError:
        return 1e6
    pts = evaluate(targets, mech, replicates, seed, n_schools)
    fit = pts[(pts["window"] == "fit") & ~pts["anchor"]]
    return float(np.mean((fit["model"] - fit["value"]) ** 2))


def calibrate(
    scenarios: Sequence[Any],
    replicates: int = 2,
    seed: int = 0,
    n_schools: int | None = None,
    starts: int = 16,
    max_evals: int = 80,
    progress: bool = True,
) -> dict[str, Any]:
    """Fit the free parameters jointly on every scenario's early years.

    A Latin hypercube of `starts` points over the free ranges, then Nelder-Mead from the
    best. Returns the fitted values, the points table, the RMSE table and the settings.
    """
    from tqdm.auto import tqdm

    targets = targets_of(scenarios)
    if not targets:
        raise ValueError("no scenario has a [calibration] block to fit")
    base = Mechanisms().to_dict()
    lo = np.array([r[0] for r in FREE.values()])
    hi = np.array([r[1] for r in FREE.values()])
    sample = qmc.scale(qmc.LatinHypercube(len(FREE), seed=seed).random(starts), lo, hi)
    bar = tqdm(total=starts + max_evals, desc="calibrating", unit="eval", disable=not progress)

    def f(x):
        bar.update()
        return _objective(np.clip(x, lo, hi), targets, base, replicates, seed, n_schools)

    scores = [f(x) for x in sample]
    best = sample[int(np.argmin(scores))]
    res = optimize.minimize(
        f, best, method="Nelder-Mead", options={"maxfev": max_evals, "xatol": 1e-3, "fatol": 1e-3}
    )
    bar.close()
    fitted = dict(zip(FREE, np.clip(res.x, lo, hi).round(5).tolist(), strict=True))
    points = evaluate(targets, {**base, **fitted}, replicates, seed, n_schools)
    return {
        "fitted": fitted,
        "points": points,
        "rmse": rmse_table(points),
        "settings": {
            "replicates": replicates,
            "seed": seed,
            "n_schools": n_schools,
            "starts": starts,
            "max_evals": max_evals,
            "evaluations": len(scores) + int(res.nfev),
            "date": date.today().isoformat(),
            "scenarios": [str(sc.path) for sc in scenarios],
            "fit_points": int(((points["window"] == "fit") & ~points["anchor"]).sum()),
            "free_parameters": len(FREE),
        },
    }


def source_calibration_file() -> Path:
    """The calibrated set in the source tree (lftm_sim/data/calibration.toml); InputError
    when lftm_sim is an installed package rather than a source checkout, which is never
    written into."""
    package = Path(__file__).resolve().parent
    if not (package.parent / "pyproject.toml").is_file() or "-packages" in package.parts[-2]:
        raise InputError(
            f"--store writes the calibrated set into the source tree, but lftm_sim is an "
            f"installed package ({package}); run it from a source checkout "
            "(pip install -e .), or keep the fit in --out",
            key="--store",
        )
    return package / "data" / CALIBRATION_FILE


def missing_for_full_fit(settings: dict[str, Any]) -> list[str]:
    """Which settings of a fit fall short of FULL_FIT (empty: it is a full fit). A fit on
    all of a scenario's schools (n_schools None) counts as full on that score."""
    short = []
    for name, need in FULL_FIT.items():
        value = settings.get(name)
        if value is not None and value < need:
            short.append(f"{name} {value} < {need}")
    return short


def store_calibration(result: dict[str, Any], path: str | Path) -> Path:
    """Write the fitted values with the date, the fit settings and the RMSE table to
    `path` (`source_calibration_file()` for the package's calibrated set)."""
    import tomli_w

    target = Path(path)
    rmse = result["rmse"]
    record = {
        "fitted": result["fitted"],
        "settings": {k: v for k, v in result["settings"].items() if v is not None},
        "rmse_percentage_points": [
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
            for row in rmse.to_dict(orient="records")
        ],
    }
    with open(target, "wb") as fh:
        tomli_w.dump(record, fh)
    return target


def calibrated_mechanisms() -> dict[str, float]:
    """The stored calibrated values (empty if none has been stored)."""
    import tomllib

    source = files("lftm_sim.data").joinpath(CALIBRATION_FILE)
    if not source.is_file():
        return {}
    with source.open("rb") as fh:
        return dict(tomllib.load(fh).get("fitted", {}))
