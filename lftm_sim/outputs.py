"""Outputs that are never lost or overwritten: one rule for every command.

A command's output location is checked (and its parent created) before the first run; a
problem there is an `InputError` (one line, exit status 2). Everything is written to a
temporary sibling and renamed into place only when the command has finished, so an
interrupted or failed command leaves no half-written output and the previous one intact.

- `output_dir(path, command, force)`: a directory that belongs to one command, recorded in
  a small marker file (`MARKER`). An existing output of the same command is replaced whole
  (no stale files) with ``force``, refused without it; a directory holding anything else
  (another command's output, or files that are not an output) is refused even with it.
- `output_file(path, force)`: one file (a report): refused if it exists, unless ``force``.

Both are context managers yielding the temporary path to write to::

    with output_dir(args.out, "lftm compare", args.force) as tmp:   # checked here
        run_everything()
        frame.to_csv(tmp / "compare.csv")
    # renamed into place here; on an exception or Ctrl-C the temporary copy is removed
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from .errors import InputError

#: The marker file naming the command whose output a directory holds.
MARKER = ".lftm-output.json"


def _fail(path: Path, flag: str, problem: str, allowed: str) -> None:
    raise InputError(f"{flag} {path}: {problem}", key=flag, value=str(path), allowed=allowed)


def _make_parent(path: Path, flag: str) -> Path:
    """Create the parent folder of `path` (InputError naming why it cannot be)."""
    parent = path.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        _fail(path, flag, "a parent of it is a file, not a folder", "a path inside a folder")
    except OSError as exc:
        _fail(path, flag, f"cannot create its folder: {exc.strerror or exc}", "a writable place")
    if not parent.is_dir():
        _fail(path, flag, "a parent of it is a file, not a folder", "a path inside a folder")
    return parent


def _temporary(parent: Path, path: Path, flag: str, directory: bool) -> Path:
    """A temporary sibling of `path` (proving the folder is writable)."""
    mask = os.umask(0)
    os.umask(mask)  # tempfile makes private paths; outputs get the usual permissions
    try:
        if directory:
            tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=parent))
            tmp.chmod(0o777 & ~mask)
            return tmp
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=parent)
        os.close(fd)
        Path(name).chmod(0o666 & ~mask)
        return Path(name)
    except OSError as exc:
        _fail(path, flag, f"cannot write there: {exc.strerror or exc}", "a writable place")
    raise AssertionError("unreachable")


def owner(path: Path) -> str | None:
    """The command whose output the directory `path` holds (None: no marker)."""
    try:
        return json.loads((Path(path) / MARKER).read_text(encoding="utf-8"))["command"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


class OutputDir:
    """A command's output directory (see the module docstring); build with `output_dir`."""

    def __init__(self, path: Path, command: str, force: bool = False, flag: str = "--out"):
        self.path, self.command, self.flag = Path(path), command, flag
        self._check(force)
        self.tmp = _temporary(_make_parent(self.path, flag), self.path, flag, directory=True)

    def _check(self, force: bool) -> None:
        path, flag = self.path, self.flag
        if path.exists() and not path.is_dir():
            _fail(path, flag, "is a file, not a folder", "a folder for the results")
        if not path.is_dir() or not any(path.iterdir()):
            return
        found = owner(path)
        if found is None:
            _fail(
                path,
                flag,
                "holds files that are not lftm results; nothing was changed",
                "an empty or new folder",
            )
        if found != self.command:
            _fail(
                path,
                flag,
                f"holds `{found}` results, not `{self.command}` results; nothing was changed",
                "a new folder for these results",
            )
        if not force:
            _fail(
                path,
                flag,
                f"already holds `{self.command}` results; pass --force to replace them",
                "a new folder, or --force",
            )

    def __enter__(self) -> Path:
        return self.tmp

    def __exit__(self, kind, exc, tb) -> bool:
        if kind is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return False
        record = {
            "command": self.command,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": sorted(p.name for p in self.tmp.iterdir()),
        }
        (self.tmp / MARKER).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        old = None
        if self.path.exists():  # the previous output of this command (checked above)
            old = self.path.with_name(f".{self.path.name}.old-{os.getpid()}")
            self.path.rename(old)
        self.tmp.rename(self.path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return False


class OutputFile:
    """One output file (a report), written to a temporary sibling and renamed at the end;
    build with `output_file`."""

    def __init__(self, path: Path, force: bool = False, flag: str = "--out"):
        self.path = Path(path)
        if self.path.is_dir():
            _fail(self.path, flag, "is a folder, not a file", "a file path")
        if self.path.exists() and not force:
            _fail(self.path, flag, "exists; pass --force to replace it", "a new file, or --force")
        self.tmp = _temporary(_make_parent(self.path, flag), self.path, flag, directory=False)

    def __enter__(self) -> Path:
        return self.tmp

    def __exit__(self, kind, exc, tb) -> bool:
        if kind is not None:
            self.tmp.unlink(missing_ok=True)
            return False
        os.replace(self.tmp, self.path)
        return False


def output_dir(path: Path, command: str, force: bool = False, flag: str = "--out") -> OutputDir:
    """Check (and prepare) `path` as `command`'s output directory; see the module docstring."""
    return OutputDir(path, command, force, flag)


def output_file(path: Path, force: bool = False, flag: str = "--out") -> OutputFile:
    """Check (and prepare) `path` as one output file; see the module docstring."""
    return OutputFile(path, force, flag)


#: Columns of every run's series besides the reporters (runs.csv, series.csv).
FRAME_COLUMNS: dict[str, str] = {
    "variant": "The strategy, timeline or scenario the run belongs to.",
    "replicate": "Replicate number; replicate r of every variant shares its seed.",
    "step": "Term since the start (0 is the initial state).",
    "calendar_year": "Calendar year (`lftm run` and scenario outputs): start_year + year.",
    "clip_count": "State values the model had to clip into [0, 1] in the run (expected 0).",
}


def columns_markdown() -> str:
    """The README's table of output columns: the frame's own columns, then every
    reporter with the first line of its docstring (lftm_sim.metrics.REPORTERS)."""
    from .metrics import REPORTERS

    rows = ["| column | meaning |", "| --- | --- |"]
    rows += [f"| `{name}` | {doc} |" for name, doc in FRAME_COLUMNS.items()]
    for name, reporter in REPORTERS.items():
        doc = " ".join((reporter.__doc__ or "").strip().split("\n\n")[0].split())
        rows.append(f"| `{name}` | {doc.replace('|', '/')} |")
    return "\n".join(rows)
