"""docs/reference.md documents every public name and every CLI command and flag.

The public API is `lftm_sim.__all__` plus the public functions and classes of the modules
users are told to import (`REFERENCE_MODULES`); the CLI is whatever `build_parser()` has,
so a command registered later (dashboard, calibrate) is checked as soon as it is there.
"""

import argparse
import importlib
import inspect
import re
from pathlib import Path

import pytest

from lftm_sim.cli import build_parser

REFERENCE = (Path(__file__).parent.parent / "docs" / "reference.md").read_text()
REFERENCE_MODULES = (
    "lftm_sim.experiments",
    "lftm_sim.ensemble",
    "lftm_sim.analysis",
    "lftm_sim.plots",
    "lftm_sim.plots.gallery",
    "lftm_sim.costs",
    "lftm_sim.cost_effectiveness",
    "lftm_sim.scenarios",
    "lftm_sim.sweep",
    "lftm_sim.sweep.policy_map",
    "lftm_sim.sweep.sensitivity",
    "lftm_sim.posterior.use",
    "lftm_sim.posterior.draws",
)


def public_names(module_name: str) -> list[str]:
    """`__all__`, or else the functions and classes defined in the module itself."""
    module = importlib.import_module(module_name)
    if hasattr(module, "__all__"):
        return [n for n in module.__all__ if not n.startswith("_")]
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module_name
    ]


def section(text: str, heading: str) -> str:
    """The text under `heading` (a markdown heading line) up to the next heading of any
    level at or above it."""
    match = re.search(rf"^(#+) {re.escape(heading)}\s*$", text, flags=re.M)
    assert match, f"docs/reference.md has no heading {heading!r}"
    level = len(match.group(1))
    rest = text[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, flags=re.M)
    return rest[: end.start()] if end else rest


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def flags(parser: argparse.ArgumentParser) -> list[str]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        out += action.option_strings or [action.metavar or action.dest]
    return out


@pytest.mark.parametrize("name", [n for n in importlib.import_module("lftm_sim").__all__])
def test_package_name_is_documented(name):
    assert f"`lftm_sim.{name}`" in section(REFERENCE, "`lftm_sim`"), name


@pytest.mark.parametrize("module", REFERENCE_MODULES)
def test_module_functions_are_documented(module):
    text = section(REFERENCE, f"`{module}`")
    missing = [n for n in public_names(module) if f"`{module}.{n}" not in text]
    assert not missing, f"undocumented in docs/reference.md ({module}): {missing}"


@pytest.mark.parametrize("command", sorted(commands()))
def test_every_flag_of_every_command_is_documented(command):
    text = section(REFERENCE, f"`lftm {command}`")
    missing = [f for f in flags(commands()[command]) if f"`{f}`" not in text]
    assert not missing, f"undocumented flags of lftm {command}: {missing}"


def test_the_checks_would_catch_an_undocumented_flag():
    # negative control: a flag no document mentions is reported missing
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-such-flag-anywhere")
    assert [f for f in flags(parser) if f"`{f}`" not in REFERENCE] == ["--no-such-flag-anywhere"]


def test_the_top_level_flags_are_documented():
    assert all(
        f"`{f}`" in section(REFERENCE, "`lftm`") for f in flags(build_parser()) if f != "command"
    )
