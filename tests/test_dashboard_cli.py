"""`lftm dashboard` as a user runs it: bad input is one line and exit 2, the command stays
light to import, and without the viz extra it says how to get it."""

from __future__ import annotations

import socket
import subprocess
import sys

from cli_runner import lftm

from lftm_sim import cli
from lftm_sim.dashboard import cli as dashboard_cli


def _one_line_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_unknown_scenario_is_one_line():
    _one_line_error(lftm("dashboard", "--scenario", "no/such.toml"), "no/such.toml", "not found")


def test_port_in_use_is_one_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        _one_line_error(lftm("dashboard", "--port", str(port)), f"--port {port}", "not free")


def test_without_the_viz_extra_it_says_how_to_get_it(monkeypatch, capsys):
    real = dashboard_cli.importlib.util.find_spec
    monkeypatch.setattr(
        dashboard_cli.importlib.util,
        "find_spec",
        lambda name: None if name == "solara_assets" else real(name),
    )
    assert cli.main(["dashboard"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "solara_assets" in err[0] and "pip install -e .[viz]" in err[0]


def test_dashboard_is_a_light_subcommand():
    """`lftm --help` lists it without loading the visualisation stack."""
    code = (
        "import sys, lftm_sim.cli as c; text = c.build_parser().format_help(); "
        "print('dashboard' in text, 'solara' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]
