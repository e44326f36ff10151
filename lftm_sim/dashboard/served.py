"""Run the dashboard in the background and talk to it from a browser (tests, benchmarks).

`served()` starts `lftm dashboard --port 0` in its own process group and yields the address
it prints; leaving the block stops that group. `is_local` tells an address on this machine
from one off it (the page must fetch nothing from off the machine).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCAL = re.compile(r"^(data:|blob:|(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?(/|$))")


def is_local(url: str) -> bool:
    """True for an address on this machine (or data inlined in the page)."""
    return bool(LOCAL.match(url))


@contextmanager
def served(scenario: str | Path | None = None, timeout: float = 90.0) -> Iterator[str]:
    """`lftm dashboard --port 0` in the background; yields its address (http://...)."""
    command = [sys.executable, "-m", "lftm_sim.cli", "dashboard", "--port", "0"]
    if scenario is not None:
        command += ["--scenario", str(scenario)]
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True
        )
        found: list[str] = []
        ready = threading.Event()

        def read() -> None:
            for line in proc.stdout:
                match = re.search(r"open (http://\S+)", line)
                if match and not found:
                    found.append(match.group(1))
                    ready.set()
            ready.set()  # the process ended

        threading.Thread(target=read, daemon=True).start()
        try:
            if not ready.wait(timeout) or not found:
                log.seek(0)
                raise RuntimeError(f"lftm dashboard did not start: {log.read()[-2000:]}")
            yield found[0]
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
