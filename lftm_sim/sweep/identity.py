"""Seeds and run identity: what each run is, and the chunks they are run in.

A run's seed is `experiments.run_seed(master, replicate, point)`: a function of the
master seed, its design point and its replicate, never of the strategy, so the strategies
of one replicate meet the same system and the same noise. A run's id is a content hash of
its resolved parameters (every setting, lever of every phase and mechanism parameter),
its strategy, replicate, master seed and the package version: a resumed sweep knows a
finished run by its id alone, whichever worker or executor ran it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pandas as pd

from ..declarations import LEVER_PARAMS, SETTINGS
from ..experiments import run_seed
from .spec import SweepSpec

ID_LENGTH = 20  # hex digits of sha256 kept: 80 bits, no collision in any real sweep


@dataclass(frozen=True)
class Run:
    """One run of a sweep: where it sits in the design and what makes it unique."""

    run_id: str
    point: int
    strategy: str
    replicate: int
    seed: int


@dataclass(frozen=True)
class Chunk:
    """The unit of work: one design point's runs (strategies x replicates), run as one
    ensemble. `members[k]` are the SystemModel keywords of `runs[k]`."""

    point: int
    values: dict[str, Any]
    runs: tuple[Run, ...]
    members: tuple[dict[str, Any], ...]

    def subset(self, keep: set[str]) -> Chunk:
        """The same chunk with only the runs whose ids are in `keep`."""
        pairs = [(r, m) for r, m in zip(self.runs, self.members, strict=True) if r.run_id in keep]
        return Chunk(
            self.point, self.values, tuple(r for r, _ in pairs), tuple(m for _, m in pairs)
        )


def package_version() -> str:
    """The lftm-sim version recorded in every run id and metadata file."""
    from .. import __version__

    return __version__


def member_kwargs(spec: SweepSpec, strategy: str, values: dict[str, Any]) -> dict[str, Any]:
    """SystemModel keywords of one run: the base, its strategy, the point's values."""
    kwargs = {k: v for k, v in spec.base.items() if k != "mechanisms"}
    kwargs.update(spec.strategies[strategy])
    mechanisms = dict(spec.base.get("mechanisms", {}))
    applies = {v.name: v.strategies for v in spec.varied}
    for name, value in values.items():
        group = spec.varied_by_name[name].param.group
        if group == "mechanism":
            mechanisms[name] = value
        elif group == "setting" or applies[name] is None or strategy in applies[name]:
            kwargs[name] = value
    kwargs["mechanisms"] = mechanisms
    return kwargs


def resolved_parameters(member: dict[str, Any], years: float) -> dict[str, Any]:
    """Every setting, the levers of every phase and every mechanism parameter a run uses."""
    from ..parameters import resolve_mechanisms
    from ..strategies import resolve_timeline

    timeline = resolve_timeline(member.get("timeline"), member.get("strategy", "baseline"))
    levers = {k: member[k] for k in LEVER_PARAMS if k in member}
    if levers:
        timeline = timeline.with_levers(**levers)
    out = {
        "settings": {k: member.get(k, p.default) for k, p in SETTINGS.items()},
        "timeline": timeline.describe(),
        "mechanisms": resolve_mechanisms(member.get("mechanisms")).to_dict(),
        "years": float(years),
    }
    if member.get("graph") is not None:
        out["graph"] = graph_digest(member["graph"])
        for k in ("n_schools", "n_districts"):
            out["settings"].pop(k)
    return out


_DIGESTS: dict[int, str] = {}


def graph_digest(graph: nx.Graph) -> str:
    """A content hash of an imposed graph (its nodes with their kinds, and its edges)."""
    key = id(graph)
    if key not in _DIGESTS:
        h = hashlib.sha256()
        for node, kind in sorted(graph.nodes(data="kind"), key=lambda t: str(t[0])):
            h.update(f"{node}:{kind};".encode())
        for u, v in sorted(tuple(sorted(map(str, e))) for e in graph.edges()):
            h.update(f"{u}-{v};".encode())
        _DIGESTS[key] = h.hexdigest()
    return _DIGESTS[key]


def run_id(resolved: dict[str, Any], strategy: str, replicate: int, seed: int, version: str) -> str:
    """Content hash of a run: resolved parameters, strategy, replicate, master seed, version."""
    record = {
        "parameters": resolved,
        "strategy": strategy,
        "replicate": int(replicate),
        "master_seed": int(seed),
        "version": version,
    }
    text = json.dumps(record, sort_keys=True, default=_plain, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:ID_LENGTH]


def _plain(x: Any) -> Any:
    # numpy scalars (and anything else json cannot take): hash them as what they equal
    return x.item() if hasattr(x, "item") else str(x)


def point_values(spec: SweepSpec, row: dict[str, Any]) -> dict[str, Any]:
    """A design row as plain Python numbers of each parameter's kind."""
    kinds = {v.name: v.param.kind for v in spec.varied}
    return {k: int(v) if kinds[k] == "integer" else float(v) for k, v in row.items()}


def chunks(spec: SweepSpec, design: pd.DataFrame, version: str | None = None) -> Iterator[Chunk]:
    """Every chunk of the sweep, in design order (lazily: one point at a time)."""
    version = version or package_version()
    for point, row in zip(design.index, design.to_dict("records"), strict=True):
        values = point_values(spec, row)
        if spec.evaluate == "patterns":
            yield _pattern_chunk(spec, int(point), values, version)
            continue
        runs, members = [], []
        for replicate in range(spec.replicates):
            seed = run_seed(spec.seed, replicate, int(point))
            for strategy in spec.strategies:
                member = member_kwargs(spec, strategy, values)
                resolved = resolved_parameters(member, spec.years)
                rid = run_id(resolved, strategy, replicate, spec.seed, version)
                runs.append(Run(rid, int(point), strategy, replicate, seed))
                members.append(member)
        yield Chunk(int(point), values, tuple(runs), tuple(members))


def _pattern_chunk(spec: SweepSpec, point: int, values: dict[str, Any], version: str) -> Chunk:
    """A pattern sweep's point: one row, judged over the spec's replicates (the patterns'
    own runs use `run_seed(seed, replicate, ...)` from this run's seed)."""
    from .patterns import STRATEGY, identity_strategy

    member = member_kwargs(spec, STRATEGY, values)
    resolved = resolved_parameters(member, spec.years)
    rid = run_id(resolved, identity_strategy(spec), 0, spec.seed, version)
    run = Run(rid, point, STRATEGY, 0, run_seed(spec.seed, 0, point))
    return Chunk(point, values, (run,), (member,))
