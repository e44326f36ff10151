"""What the posterior is fitted to: each published series of a system, as a series.

A `Target` is one series of one system with its fit window (the early years the
parameters may see) and its prediction window (held out). The model gives one mean
performance curve per system; each series is that curve plus its own level (a nuisance
fitted on the series' own fit-window points) plus discrepancy noise of size `sigma`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError


@dataclass(frozen=True)
class Target:
    """One published series of one system: its fit and prediction windows."""

    system: str
    scenario: Any  # a lftm_sim.scenarios.Scenario
    series: str
    fit: tuple[float, float]
    predict: tuple[float, float]

    def points(self, obs: pd.DataFrame) -> pd.DataFrame:
        """year, value and window ("fit" / "predict") of the series' points in either window."""
        rows = obs[(obs["system"] == self.system) & (obs["series"] == self.series)]
        if rows.empty:
            raise InputError(
                f"no published series {self.series!r} for system {self.system!r}",
                key="calibration.series",
                allowed=", ".join(sorted(obs.loc[obs["system"] == self.system, "series"].unique())),
                value=self.series,
                file=str(getattr(self.scenario, "path", "")) or None,
            )
        rows = rows[(rows["year"] >= self.fit[0]) & (rows["year"] <= self.predict[1])]
        out = rows[["year", "value"]].sort_values("year").reset_index(drop=True)
        out["window"] = np.where(out["year"] <= self.fit[1], "fit", "predict")
        return out


def observations() -> pd.DataFrame:
    """The published series (docs/data.md), shipped as lftm_sim/data/real_systems.csv."""
    with files("lftm_sim.data").joinpath("real_systems.csv").open() as fh:
        return pd.read_csv(fh)


def load(path: str | Path) -> Any:
    """A scenario file, with a bad one reported as InputError."""
    from ..scenarios import ScenarioError, load_scenario

    try:
        return load_scenario(path)
    except ScenarioError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(
            getattr(exc, "problem", str(exc)),
            key=getattr(exc, "key", None),
            allowed=getattr(exc, "allowed", None),
            file=str(path),
        ) from None
    except FileNotFoundError:
        raise InputError(f"no such scenario file: {path}", file=str(path)) from None


def fit_targets(scenarios: Sequence[Any]) -> list[Target]:
    """The targets named by each scenario's [calibration] block."""
    out = []
    for sc in scenarios:
        cal = sc.calibration or {}
        if not cal:
            raise InputError(
                "the scenario has no [calibration] block",
                key="calibration",
                allowed="a scenario with [calibration] system, series, fit, predict",
                file=str(sc.path),
            )
        system = cal.get("system", sc.name)
        for series in cal.get("series", []):
            out.append(Target(system, sc, series, tuple(cal["fit"]), tuple(cal["predict"])))
        for series in cal.get("extra_predict", []):
            start, end = sc.start_year, sc.end_year
            out.append(Target(system, sc, series, (start, start), (start + 1, end)))
    return out


def systems(targets: Sequence[Target]) -> dict[str, Any]:
    """System name -> its scenario, in order of first appearance."""
    out: dict[str, Any] = {}
    for t in targets:
        out.setdefault(t.system, t.scenario)
    return out


def simulate(scenario: Any, mechanisms: Mapping[str, float], seed: int) -> pd.Series:
    """Mean performance (%) by calendar year of one run, through `run_ensemble`."""
    return simulate_many(scenario, [mechanisms], [seed])[0]


def simulate_many(
    scenario: Any, mechanisms: Sequence[Mapping[str, float]], seeds: Sequence[int]
) -> list[pd.Series]:
    """One annual mean-performance curve (%) per mechanism set, stepped as one ensemble."""
    from ..ensemble import run_ensemble

    kw = scenario.model_kwargs()
    members = [{**kw, "mechanisms": {**kw["mechanisms"], **m}} for m in mechanisms]
    frames = run_ensemble(members, [int(s) for s in seeds], scenario.years)
    out = []
    for df in frames:
        annual = df[np.isclose(df["year"] % 1, 0)]
        curve = 100 * annual.set_index("year")["mean_performance"]
        curve.index = curve.index + scenario.start_year
        out.append(curve)
    return out


def with_schools(scenario: Any, schools: int | None) -> Any:
    """The scenario at another size (districts capped at the number of schools)."""
    if not schools:
        return scenario
    from ..scenarios import ScenarioError

    settings = {"schools": int(schools)}
    districts = scenario.model_kwargs().get("n_districts") or 0
    if districts > schools:
        settings["districts"] = max(1, int(schools) // 10)
    try:
        return scenario.with_system(**settings)
    except ScenarioError as exc:
        raise InputError(str(exc), key="schools", value=schools) from None
