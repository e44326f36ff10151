"""A posterior on disk: Parquet tables with the settings that made them.

DIR/particles.parquet   generation, weight and every free parameter of every particle
DIR/schedule.parquet    epsilon, simulations, accepted and acceptance rate per generation
DIR/points.parquet      the published points the fit used and held out
The settings (priors, targets, frozen parameters, seed, sizes, versions, commit) travel
in each table's Parquet metadata under ``lftm_posterior`` and in DIR/settings.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .priors import SIGMA, Prior

META_KEY = b"lftm_posterior"
TABLES = ("particles", "schedule", "points")


@dataclass
class Posterior:
    """Weighted particles of every generation, the epsilon schedule, settings and data."""

    particles: pd.DataFrame
    schedule: pd.DataFrame
    settings: dict[str, Any]
    points: pd.DataFrame

    @property
    def names(self) -> list[str]:
        return [c for c in self.particles.columns if c not in ("generation", "weight")]

    @property
    def priors(self) -> dict[str, Prior]:
        return {k: Prior(k, *v) for k, v in self.settings["priors"].items()}

    def final(self) -> pd.DataFrame:
        """The last generation, weights summing to 1."""
        last = self.particles[self.particles["generation"] == self.particles["generation"].max()]
        last = last.reset_index(drop=True)
        return last.assign(weight=last["weight"] / last["weight"].sum())

    def ess(self) -> float:
        """Effective sample size of the final generation, 1 / sum(w^2)."""
        w = self.final()["weight"].to_numpy()
        return float(1.0 / np.sum(w**2))

    def draws(self, n: int, seed: int = 0) -> list[dict[str, float]]:
        """`n` parameter sets resampled from the final generation by weight."""
        fin = self.final()
        idx = np.random.default_rng(seed).choice(len(fin), size=n, p=fin["weight"].to_numpy())
        return [{k: float(fin.loc[i, k]) for k in self.names} for i in idx]

    def mechanism_draws(self, n: int, seed: int = 0) -> list[dict[str, float]]:
        """Like `draws`, without the discrepancy `sigma`: mechanism keywords only."""
        return [{k: v for k, v in d.items() if k != SIGMA} for d in self.draws(n, seed)]

    def credible(self, levels: tuple[float, ...] = (0.5, 0.9)) -> pd.DataFrame:
        """Weighted median and central credible intervals of each parameter, with the
        prior's bounds and how much of the prior's log-width the 90% interval keeps."""
        fin = self.final()
        rows = []
        for k in self.names:
            row: dict[str, Any] = {
                "parameter": k,
                "median": weighted_quantile(fin[k], fin["weight"], 0.5),
            }
            for lv in levels:
                lo, hi = (
                    weighted_quantile(fin[k], fin["weight"], q)
                    for q in (0.5 - lv / 2, 0.5 + lv / 2)
                )
                row[f"lo{int(lv * 100)}"], row[f"hi{int(lv * 100)}"] = lo, hi
            pr = self.priors[k]
            row["prior_lo"], row["prior_hi"] = pr.lo, pr.hi
            width = np.log10(row.get("hi90", pr.hi)) - np.log10(row.get("lo90", pr.lo))
            row["kept_of_prior_90"] = width / (np.log10(pr.hi) - np.log10(pr.lo)) / 0.9
            rows.append(row)
        return pd.DataFrame(rows)


def weighted_quantile(values, weights, q: float) -> float:
    """Quantile `q` of weighted values (the inverse of the weighted empirical CDF)."""
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    order = np.argsort(v)
    v, w = v[order], w[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cdf, v))


def refuse_overwrite(out: Path, force: bool, marker: str = "particles.parquet") -> None:
    """InputError when `out` already holds results and `force` is not given."""
    if (Path(out) / marker).exists() and not force:
        raise InputError(
            f"--out {out} already holds results; pass --force to overwrite",
            key="--out",
            allowed="a new directory, or --force",
            value=str(out),
        )


def write_posterior(post: Posterior, out: str | Path, force: bool = False) -> Path:
    """Write the posterior to `out` (refused if it holds one, unless `force`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out)
    refuse_overwrite(out, force)
    out.mkdir(parents=True, exist_ok=True)
    meta = json.dumps(post.settings, default=str).encode()
    for name in TABLES:
        table = pa.Table.from_pandas(getattr(post, name), preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), META_KEY: meta})
        pq.write_table(table, out / f"{name}.parquet")
    (out / "settings.json").write_text(json.dumps(post.settings, indent=2, default=str) + "\n")
    return out


def read_posterior(path: str | Path) -> Posterior:
    """A stored posterior (InputError naming the file if it is not one)."""
    import pyarrow.parquet as pq

    path = Path(path)
    file = path / "particles.parquet"
    if not file.is_file():
        raise InputError(
            f"{path} holds no posterior (no particles.parquet)",
            key="posterior",
            allowed="a directory written by lftm calibrate",
            file=str(path),
        )
    tables = {name: pq.read_table(path / f"{name}.parquet") for name in TABLES}
    meta = tables["particles"].schema.metadata or {}
    if META_KEY not in meta:
        raise InputError("particles.parquet carries no posterior settings", file=str(file))
    settings = json.loads(meta[META_KEY])
    frames = {name: t.to_pandas() for name, t in tables.items()}
    return Posterior(frames["particles"], frames["schedule"], settings, frames["points"])


#: Where `make posterior` ships each system's posterior with the package, so that
#: calibrated scenarios, `lftm compare --posterior` and the notebooks can draw from it.
SHIPPED = Path(__file__).resolve().parent.parent / "data" / "posterior"


def shipped_systems() -> list[str]:
    """The systems with a posterior shipped in the package (e.g. england, ontario)."""
    return sorted(p.name.removeprefix("posterior_") for p in SHIPPED.glob("posterior_*"))


def shipped_posterior(system: str) -> Posterior:
    """The posterior `make posterior` fitted on `system`'s early years and shipped with
    the package (InputError naming the systems there are if it has none)."""
    systems = shipped_systems()
    if system not in systems:
        raise InputError(
            f"no posterior is shipped for system {system!r}",
            key="posterior",
            allowed=", ".join(systems) or "none (run make posterior)",
            value=system,
        )
    return read_posterior(SHIPPED / f"posterior_{system}")


def ship(out: str | Path, dest: str | Path = SHIPPED) -> list[Path]:
    """Copy each posterior_* directory `lftm calibrate` wrote in `out` to `dest`
    (the package's shipped posteriors by default), replacing what was there."""
    import shutil

    copied = []
    for src in sorted(Path(out).glob("posterior_*")):
        if not (src / "particles.parquet").is_file():
            continue
        target = Path(dest) / src.name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in (*[f"{t}.parquet" for t in TABLES], "settings.json"):
            shutil.copy2(src / name, target / name)
        copied.append(target)
    return copied
