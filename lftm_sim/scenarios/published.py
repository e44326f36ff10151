"""The published series of real systems (real_systems.csv): the one reader.

`$LFTM_REAL_SYSTEMS` names another copy (tests, updated data); otherwise the copy shipped
in lftm_sim/data is read. The scenario loader checks calibration names against it and
calibration fits to it, both through `published_series`.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import suggest
from .schema import CALIBRATION_KEYS, Checker, fmt

ENV = "LFTM_REAL_SYSTEMS"
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "real_systems.csv"


def real_systems_csv() -> Path | None:
    """The published series: $LFTM_REAL_SYSTEMS, else the copy shipped in lftm_sim/data;
    None when neither exists (series names are then not checked)."""
    env = os.environ.get(ENV)
    for candidate in ([Path(env)] if env else []) + [SHIPPED]:
        if candidate.is_file():
            return candidate
    return None


def published_series(system: str | None = None) -> pd.DataFrame:
    """The published figures (columns system, series, year, value, ...), of one `system`
    when given; empty when there is no file."""
    path = real_systems_csv()
    if path is None:
        return pd.DataFrame(columns=["system", "series", "year", "value"])
    frame = _read(str(path), path.stat().st_mtime_ns)
    if system is not None:
        frame = frame[frame["system"] == system]
    return frame.reset_index(drop=True).copy()


@lru_cache(maxsize=4)
def _read(path: str, mtime_ns: int) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig")


# --- the [calibration] block of a scenario file -------------------------------------------


def check_calibration(ck: Checker, cal: dict, start: float, end: float) -> dict[str, Any]:
    """The [calibration] table checked: keys, years inside the run, prediction after the
    fit, and (when the data file is there) system and series names with figures in their
    windows. Defaults filled in."""
    ck.keys("calibration", cal, CALIBRATION_KEYS)
    out: dict[str, Any] = {}
    for name, spec in CALIBRATION_KEYS.items():
        if spec.kind == "year_pair":
            spec = replace(spec, lo=start, hi=end)
        if name in cal:
            out[name] = ck.value(f"calibration.{name}", cal[name], spec)
        else:
            out[name] = [] if spec.default is None else spec.default
    if out["predict"][0] <= out["fit"][1]:
        ck.fail(
            "calibration.predict",
            f"starts at {fmt(out['predict'][0])}, not after the fit years end "
            f"({fmt(out['fit'][1])})",
            f"years after {fmt(out['fit'][1])} (out of sample)",
        )
    csv_path = real_systems_csv()
    if csv_path is None:
        return out
    systems = sorted(set(published_series()["system"]))
    system = out["system"]
    if system not in systems:
        ck.fail(
            "calibration.system",
            f"unknown system {system!r}{suggest(system, systems)} in {csv_path.name}",
            ", ".join(systems),
        )
    data = published_series(system)
    years = {name: sorted(g["year"].astype(float)) for name, g in data.groupby("series")}
    windows = {
        "series": {"fit": out["fit"], "predict": out["predict"]},
        "extra_predict": {"start": (start, start), "later": (start + 1e-9, end)},
    }
    for part, checks in windows.items():
        for i, name in enumerate(out[part]):
            _check_series(ck, f"calibration.{part}[{i}]", system, name, years, checks, (start, end))
    return out


def _check_series(ck: Checker, key, system, name, years, checks, run) -> None:
    if name not in years:
        known = sorted(years)
        ck.fail(
            key, f"unknown series {name!r}{suggest(name, known)} for {system}", ", ".join(known)
        )
    for check, (lo, hi) in checks.items():
        if any(lo <= y <= hi for y in years[name]):
            continue
        where = {
            "start": f"in start_year {fmt(run[0])} (its anchor)",
            "later": f"after start_year within the run (to {fmt(run[1])})",
        }.get(check, f"in the {check} years [{fmt(lo)}, {fmt(hi)}]")
        ck.fail(
            key,
            f"series {name!r} has no published figure {where}",
            "series with data there; its years: " + ", ".join(fmt(y) for y in years[name]),
        )
