"""Run the installed `lftm` entry point as a user would (shared by the CLI tests)."""

import subprocess
import sys
from pathlib import Path

LFTM = str(Path(sys.executable).parent / "lftm")  # the installed entry point
ROOT = Path(__file__).parent.parent


def lftm(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`lftm ARGS...` from the repository root; output captured as text."""
    return subprocess.run([LFTM, *args], capture_output=True, text=True, cwd=cwd)
