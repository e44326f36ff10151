"""Starting, resuming and inspecting a sweep directory.

The rules: a new sweep never lands on existing output unless `force` (which clears only
a sweep's own files, and refuses a directory that is not a sweep); `resume` continues
the sweep in the directory with the spec it was started with, refuses a directory that
is not a sweep, a different spec, and (unless `force`) another package version.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import storage
from .design import design_frame
from .executors import open_pool
from .identity import package_version
from .runner import ChunkFn, SweepResult, execute, run_chunk, sweep_metadata
from .spec import SweepSpec, fail, load_spec


def _refuse(root: Path, problem: str, allowed: str) -> None:
    fail(root, "--out", problem, allowed)


def prepare(spec: SweepSpec | None, root: Path, resume: bool, force: bool) -> SweepSpec:
    """Check the directory against the rules; return the spec to run (the stored one
    when resuming). Nothing is written here unless the checks pass."""
    root = Path(root)
    if resume:
        meta = storage.read_metadata(root)  # InputError: not a sweep
        storage.finish_start(root)
        origin = Path(meta["spec_file"]).parent  # where a relative scenario path points
        stored = load_spec(root / "spec.toml", relative_to=origin) if spec is None else spec
        if spec is not None and spec.text != (root / "spec.toml").read_text("utf-8"):
            _refuse(
                root,
                "the spec differs from the one this sweep was started with",
                "the same spec, or a new --out directory",
            )
        if meta["version"] != package_version() and not force:
            _refuse(
                root,
                f"written by lftm-sim {meta['version']}, this is "
                f"{package_version()}: run ids include the version, so resuming would "
                "recompute every run beside the old ones",
                "--resume --force to continue anyway, or a new --out directory",
            )
        return stored
    if spec is None:
        fail(None, "SPEC", "a spec file is needed to start a sweep", "a sweep spec (.toml)")
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        if not force:
            _refuse(
                root,
                "exists and is not empty",
                "--resume to continue a sweep there, --force to replace it, or a new directory",
            )
        if not root.is_dir() or not storage.is_sweep(root):
            _refuse(
                root,
                "is not a sweep directory: --force will not delete it",
                "a new directory or an earlier sweep's",
            )
        storage.clear(root)
    return spec


def run_sweep(
    spec: SweepSpec | str | os.PathLike | None,
    root: str | os.PathLike,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool = True,
    chunk_fn: ChunkFn = run_chunk,
) -> SweepResult:
    """Run (or resume) a sweep into `root`; return its counts, failures and timings."""
    root = Path(root)
    if spec is not None and not isinstance(spec, SweepSpec):
        spec = load_spec(spec)
    spec = prepare(spec, root, resume, force)
    pool = open_pool(workers, scheduler)  # before writing: an unreachable scheduler fails
    try:
        if resume:
            manifest = storage.repair(root)
        else:
            storage.start(root, sweep_metadata(spec))
            manifest = storage.read_manifest(root)
        storage.write_design(root, design_frame(spec))
        finished = manifest.done
        bar = _bar(spec, len(finished), progress)
        try:
            return execute(spec, root, pool, finished, bar, chunk_fn)
        finally:
            if bar is not None:
                bar.close()
    finally:
        pool.shutdown()


def _bar(spec: SweepSpec, done: int, progress: bool):
    if not progress:
        return None
    from tqdm.auto import tqdm

    from .design import n_points

    total = n_points(spec) * spec.runs_per_point
    return tqdm(total=total, initial=done, unit="run", desc=spec.name, smoothing=0.1)


def sweep_status(root: str | os.PathLike) -> dict[str, int]:
    """done / failed / left of the sweep in `root` (read-only, safe while it runs)."""
    root = Path(root)
    meta = storage.read_metadata(root)
    manifest = storage.read_manifest(root)
    done, failed = len(manifest.done), len(manifest.failed)
    return {
        "total": meta["runs"],
        "done": done,
        "failed": failed,
        "left": meta["runs"] - done - failed,
    }
