"""Run the installed `lftm` entry point as a user would (shared by the CLI tests)."""

import subprocess
import sys
from pathlib import Path

LFTM = str(Path(sys.executable).parent / "lftm")  # the installed entry point
ROOT = Path(__file__).parent.parent


def lftm(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`lftm ARGS...` from the repository root; output captured as text."""
    return subprocess.run([LFTM, *args], capture_output=True, text=True, cwd=cwd)


def one_line_error(res: subprocess.CompletedProcess, *fragments: str) -> str:
    """Assert exit status 2 with one line on stderr holding every fragment, no traceback."""
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2, res.stderr
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]
