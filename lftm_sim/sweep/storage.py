"""The sweep directory: a Parquet dataset written in atomic parts, with a manifest.

Layout of DIR::

    sweep.json        what made it: spec, version, master seed, machine, sizes
    spec.toml         the spec as given
    design.parquet    every design point (point, parameter values)
    runs/part-*.parquet     one row per finished run (summaries)
    series/part-*.parquet   time series, when the spec asks for them
    failed/part-*.parquet   runs that raised, with their error
    manifest.jsonl    one line per committed part: its finished and failed run ids

Each part is written under a hidden temporary name and renamed into place; its manifest
line, appended after the renames, is what commits it. A part on disk that the manifest
does not name was interrupted between rename and commit: resuming removes it (its runs
are run again, to the same numbers). So a sweep killed at any moment and resumed holds
exactly the runs of an uninterrupted one, once each. Readers (pandas, polars, DuckDB)
can glob ``runs/*.parquet`` at any time: hidden temporary files are never matched.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

FORMAT = "lftm-sweep/1"
KINDS = ("runs", "series", "failed")
METADATA = "sweep.json"
MANIFEST = "manifest.jsonl"


def is_sweep(path: Path) -> bool:
    """Whether `path` is a sweep directory (it has the metadata file)."""
    return (Path(path) / METADATA).is_file()


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def pq_write(table, path: Path) -> None:
    """pyarrow's Parquet writer (one name, which the crash tests wrap)."""
    import pyarrow.parquet as pq

    pq.write_table(table, path)


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write one Parquet file atomically (hidden temporary name, fsync, rename)."""
    import pyarrow as pa

    tmp = path.with_name(f".{path.name}.tmp")
    pq_write(pa.Table.from_pandas(frame, preserve_index=False), tmp)
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


@dataclass
class Manifest:
    """The committed parts of a sweep and the run ids they finished or failed."""

    parts: dict[str, dict[str, list[str]]]
    torn: bool = False  # the last line was cut off by a kill mid-append

    @property
    def done(self) -> set[str]:
        return {rid for p in self.parts.values() for rid in p["done"]}

    @property
    def failed(self) -> set[str]:
        """Run ids that failed and have not finished since."""
        return {rid for p in self.parts.values() for rid in p["failed"]} - self.done


def read_manifest(root: Path) -> Manifest:
    """The manifest's complete lines (a torn last line is noted, not used)."""
    path = Path(root) / MANIFEST
    parts: dict[str, dict[str, list[str]]] = {}
    torn = False
    if path.exists():
        text = path.read_text("utf-8")
        lines = text.split("\n")
        torn = lines[-1] != ""  # a complete line ends with a newline
        for line in lines[:-1]:
            entry = json.loads(line)
            parts[entry["part"]] = {"done": entry["done"], "failed": entry["failed"]}
    return Manifest(parts, torn)


class SweepStore:
    """Writes a sweep's parts and commits them in its manifest (one writer: the driver)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        for kind in KINDS:
            (self.root / kind).mkdir(parents=True, exist_ok=True)
        self._attempts: dict[int, int] = {}
        for kind in KINDS:
            for f in (self.root / kind).glob("part-*.parquet"):
                point, attempt = _part_numbers(f.stem)
                self._attempts[point] = max(self._attempts.get(point, -1), attempt)

    def commit(self, point: int, runs: pd.DataFrame, series, failed: pd.DataFrame) -> str:
        """Write one chunk's files, then commit them with one manifest line."""
        attempt = self._attempts.get(point, -1) + 1
        self._attempts[point] = attempt
        name = f"part-{point:06d}-{attempt:03d}"
        if series is not None and len(series):
            write_table(series, self.root / "series" / f"{name}.parquet")
        if len(failed):
            write_table(failed, self.root / "failed" / f"{name}.parquet")
        if len(runs):
            write_table(runs, self.root / "runs" / f"{name}.parquet")
        line = {"part": name, "done": list(runs["run_id"]), "failed": list(failed["run_id"])}
        self.append_manifest(json.dumps(line) + "\n")
        return name

    def append_manifest(self, line: str) -> None:
        """Commit: append one complete line to the manifest (and fsync it)."""
        with open(self.root / MANIFEST, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())


def _part_numbers(stem: str) -> tuple[int, int]:
    _, point, attempt = stem.split("-")
    return int(point), int(attempt)


def repair(root: Path) -> Manifest:
    """Before resuming: drop a torn manifest line, temporary files and uncommitted parts."""
    root = Path(root)
    manifest = read_manifest(root)
    if manifest.torn:
        lines = [json.dumps({"part": k, **v}) + "\n" for k, v in manifest.parts.items()]
        _atomic_write_bytes(root / MANIFEST, "".join(lines).encode())
        manifest.torn = False
    for kind in KINDS:
        folder = root / kind
        for f in folder.glob(".*.tmp") if folder.exists() else ():
            f.unlink()
        for f in folder.glob("part-*.parquet") if folder.exists() else ():
            if f.stem not in manifest.parts:
                f.unlink()
    return manifest


def committed_files(root: Path, kind: str = "runs") -> list[Path]:
    """The committed Parquet files of one kind, in part order."""
    root = Path(root)
    names = read_manifest(root).parts
    return sorted(f for f in (root / kind).glob("part-*.parquet") if f.stem in names)


def read_results(root: Path, kind: str = "runs") -> pd.DataFrame:
    """One kind of result (runs, series or failed) as one DataFrame, committed parts only."""
    files = committed_files(root, kind)
    if not files:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def read_metadata(root: Path) -> dict[str, Any]:
    """The sweep's metadata (InputError if `root` is not a sweep directory)."""
    root = Path(root)
    if not is_sweep(root):
        raise InputError(
            f"DIR: not a sweep directory (no {METADATA}); allowed: a directory written "
            "by lftm sweep",
            key="DIR",
            allowed="a directory written by lftm sweep",
            file=str(root),
        )
    return json.loads((root / METADATA).read_text("utf-8"))


def machine() -> dict[str, Any]:
    """The machine a sweep was started on."""
    return {
        "hostname": socket.gethostname(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def start(root: Path, metadata: dict[str, Any]) -> None:
    """Lay out a new sweep directory. The metadata file comes first and holds the spec's
    text, so a sweep killed while starting can still be resumed (`finish_start`)."""
    root.mkdir(parents=True, exist_ok=True)
    record = {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **metadata,
    }
    _atomic_write_bytes(root / METADATA, (json.dumps(record, indent=2) + "\n").encode())
    finish_start(root)


def finish_start(root: Path) -> None:
    """Write spec.toml from the metadata if it is missing (a kill while starting)."""
    if not (root / "spec.toml").exists():
        _atomic_write_bytes(root / "spec.toml", read_metadata(root)["spec"].encode("utf-8"))


def write_design(root: Path, design: pd.DataFrame) -> None:
    """The design points, for readers (a resumed sweep rewrites a missing one)."""
    if not (root / "design.parquet").exists():
        write_table(design.reset_index(), root / "design.parquet")


def clear(root: Path) -> None:
    """Remove a sweep directory's own files (for --force); nothing else in it."""
    for kind in KINDS:
        shutil.rmtree(root / kind, ignore_errors=True)
    for name in (MANIFEST, "design.parquet", "spec.toml", METADATA, "provenance.json"):
        (root / name).unlink(missing_ok=True)
