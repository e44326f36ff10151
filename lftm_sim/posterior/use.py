"""Which posterior a command runs on, and how its draws enter the runs.

`lftm run` and `lftm compare` take ``--posterior SOURCE``: a shipped system name
(``england``, ``ontario``: the posteriors in lftm_sim/data/posterior), a directory written
by `lftm calibrate` (one ``posterior_SYSTEM`` directory, or the ``--out`` directory holding
them), or ``none``. Without the flag a calibrated scenario runs on the shipped posterior of
the system its [calibration] names (`scenario_system`) and an illustrative one at the
declared defaults.

Precedence: a draw fills the fitted parameters only; a mechanism the scenario (or variant)
sets explicitly keeps its value (`apply_draw`), and `kept_explicit` names those so the
commands can say so. Replicate r of every variant runs on draw r of its posterior, with
the seed `run_seed(seed, r)`: variants on one posterior share draw and seed (common
random numbers over parameters and noise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, suggest
from .storage import SHIPPED, Posterior, read_posterior, shipped_systems

#: ``--posterior none``: run at the declared defaults.
NONE = "none"


@dataclass(frozen=True)
class PosteriorSource:
    """A posterior and where it came from (what the summaries and provenance.json say)."""

    posterior: Posterior
    source: str
    path: Path

    @property
    def label(self) -> str:
        """One phrase for the printed summary, e.g. "the shipped england posterior"."""
        fit_on = self.posterior.settings.get("fit_on", "?")
        if self.path.parent == SHIPPED:
            return f"the shipped {fit_on} posterior"
        return f"the posterior in {self.path} (fit on {fit_on})"

    def provenance(self, draws: Sequence[Mapping[str, float]]) -> dict[str, Any]:
        """What provenance.json records: source, path, the fit's seed and system, draws."""
        settings = self.posterior.settings
        return {
            "source": self.source,
            "path": str(self.path),
            "fit_on": settings.get("fit_on"),
            "fit_seed": settings.get("seed"),
            "fit_commit": settings.get("commit"),
            "draws": [dict(d) for d in draws],
        }


def resolve_posterior(source: str, system: str | None = None) -> PosteriorSource:
    """The posterior SOURCE names (a shipped system or a `lftm calibrate` directory).

    A calibrate ``--out`` directory holding several posteriors gives the one fitted on
    `system` when it is there; otherwise it must be named (one-line InputError)."""
    shipped = shipped_systems()
    allowed = f"{', '.join(shipped)}, none, or a directory written by lftm calibrate"
    path = Path(source)
    if source in shipped and not path.exists():
        return _read(source, SHIPPED / f"posterior_{source}")
    if not path.is_dir():
        raise InputError(
            f"--posterior {source}: no shipped posterior of that name and no such "
            f"directory{suggest(source, shipped)}; allowed: {allowed}",
            key="--posterior",
            allowed=allowed,
            value=source,
        )
    if (path / "particles.parquet").is_file():
        return _read(source, path)
    inner = {p.name.removeprefix("posterior_"): p for p in sorted(path.glob("posterior_*"))}
    inner = {k: p for k, p in inner.items() if (p / "particles.parquet").is_file()}
    if len(inner) == 1 or (system in inner):
        chosen = inner[system] if system in inner else next(iter(inner.values()))
        return _read(source, chosen)
    if inner:
        names = ", ".join(str(p) for p in inner.values())
        raise InputError(
            f"--posterior {source} holds {len(inner)} posteriors; name one: {names}",
            key="--posterior",
            allowed=names,
            value=source,
        )
    raise InputError(
        f"--posterior {source} holds no posterior (no particles.parquet, no posterior_* "
        f"directory); allowed: {allowed}",
        key="--posterior",
        allowed=allowed,
        value=source,
    )


def _read(source: str, path: Path) -> PosteriorSource:
    return PosteriorSource(read_posterior(path), source, path.resolve())


def scenario_system(scenario: Any) -> str | None:
    """The system a calibrated scenario's calibration belongs to (as `lftm calibrate`
    names it, `targets.systems`); None for an illustrative scenario."""
    from .targets import fit_targets, systems

    if scenario.status != "calibrated":
        return None
    return next(iter(systems(fit_targets([scenario]))), None)


def scenario_posterior(scenario: Any, choice: str | None) -> PosteriorSource | None:
    """The posterior a scenario runs on: `choice` (``--posterior``; ``none`` for the
    declared defaults) or, if not given, the shipped one of its calibration's system."""
    system = scenario_system(scenario)
    if choice == NONE:
        return None
    if choice is not None:
        return resolve_posterior(choice, system)
    if system is None:
        return None
    if system not in shipped_systems():
        raise InputError(
            f"the scenario is calibrated on system {system!r}, which has no shipped "
            f"posterior; pass --posterior DIR (written by lftm calibrate) or --posterior none",
            key="--posterior",
            allowed=", ".join(shipped_systems()),
            file=str(scenario.path),
        )
    return resolve_posterior(system)


def apply_draw(kwargs: Mapping[str, Any], draw: Mapping[str, float] | None) -> dict[str, Any]:
    """SystemModel keywords with a posterior draw's fitted parameters filled in; the
    mechanisms `kwargs` sets explicitly keep their values."""
    spec = dict(kwargs)
    if draw is not None:
        spec["mechanisms"] = {**dict(draw), **dict(kwargs.get("mechanisms") or {})}
    return spec


def kept_explicit(kwargs: Mapping[str, Any], post: Posterior) -> list[str]:
    """Fitted parameters that `kwargs` sets explicitly (so no draw replaces them)."""
    return sorted(set(kwargs.get("mechanisms") or {}) & set(post.names))
