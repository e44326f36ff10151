"""`lftm dashboard`: serve the classroom dashboard on this machine (needs the `viz` extra).

Light to import: the server and the visualisation stack load only when the command runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import webbrowser
from pathlib import Path

from ..errors import InputError

DEFAULT_PORT = 8765
#: What the page needs beyond the core install (the `viz` extra).
VIZ_MODULES = ("solara", "ipyvuetify", "ipyvue", "solara_assets", "mesa.visualization")
APP = "lftm_sim.dashboard.app"  # the module whose `page` solara serves
GET_VIZ = "pip install -e .[viz] (or: make dashboard)"


def add_parser(subparsers) -> None:
    """Register `lftm dashboard`."""
    p = subparsers.add_parser(
        "dashboard",
        help="the strategies side by side in a browser (for teaching)",
        description="Serve the classroom dashboard: top-down, bottom-up and middle-led on the "
        "same system and seed, stepped together, with live plots and the main levers. Works "
        "offline. Needs the viz extra: " + GET_VIZ + ".",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on, 0 for any free one (default {DEFAULT_PORT})",
    )
    p.add_argument(
        "--scenario",
        type=Path,
        metavar="FILE",
        help="take the system, seed and calendar years from a scenario file",
    )
    p.add_argument("--open", action="store_true", help="open the page in a web browser")


def missing_viz() -> list[str]:
    """The modules of the viz extra that are not installed."""
    missing = []
    for name in VIZ_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


def free_port(host: str, port: int) -> int:
    """`port` if it can be bound on `host` (any free port for 0); InputError if in use."""
    if not 0 <= port <= 65535:
        raise InputError(f"--port must be in [0, 65535], got {port}", key="--port", value=port)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as err:
            raise InputError(
                f"--port {port} on {host} is not free ({err.strerror}); pick another, "
                "or --port 0 for any free one",
                key="--port",
                value=port,
            ) from None
        return s.getsockname()[1]


def run(args: argparse.Namespace) -> int:
    """Check the input, start `solara run` on the page, print the address, wait."""
    missing = missing_viz()
    if missing:
        print(
            f"lftm dashboard: needs the viz extra ({', '.join(missing)} missing): {GET_VIZ}",
            file=sys.stderr,
        )
        return 2
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False")
    if args.scenario is not None:
        from .model import load_scenario_file

        load_scenario_file(args.scenario)  # a bad file is one line and exit 2, here
        env["LFTM_DASHBOARD_SCENARIO"] = str(args.scenario.resolve())
    port = free_port(args.host, args.port)
    url = f"http://{args.host}:{port}/"
    command = [sys.executable, "-m", "solara", "run", APP, "--host", args.host]
    command += ["--port", str(port), "--production", "--no-open"]
    server = subprocess.Popen(command, env=env)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stopping us stops the server
    try:
        if not _wait_for(url, server):
            if server.poll() is None:
                print(f"lftm dashboard: the server did not answer on {url}", file=sys.stderr)
                return 1
            return server.returncode or 1
        print(f"lftm dashboard: open {url} (Ctrl-C to stop)", flush=True)
        if args.open:
            webbrowser.open(url)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=10)


def _wait_for(url: str, server: subprocess.Popen, timeout: float = 60.0) -> bool:
    """True once the server answers HTTP; False if it exits first."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with opener.open(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.2)
    return False
