"""The `lftm` command line: compare, run, calibrate, validate, scenarios.

Each subcommand lives in a module of its own with `add_parser(subparsers)` and
`run(args) -> exit status`, registered in `COMMAND_MODULES`. Those modules are light to
import (heavy imports inside run()), so `lftm --help` and `lftm --version` start fast.

Bad input a user can fix (`errors.InputError`, and argparse usage errors) is one line on
stderr with exit status 2; any other exception is a bug and shows its traceback (exit
status 1); Ctrl-C is one line and exit status 130, with nothing half-written left behind.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: Subcommands defined in modules of their own: each has add_parser(subparsers) and
#: run(args) -> exit status. Keep those modules light to import (heavy imports in run).
COMMAND_MODULES: dict[str, str] = {
    "compare": "lftm_sim.commands.compare",
    "run": "lftm_sim.commands.run",
    "calibrate": "lftm_sim.posterior.cli",
    "calibrate-point": "lftm_sim.commands.calibrate",
    "validate": "lftm_sim.commands.validate",
    "scenarios": "lftm_sim.commands.scenarios",
    "sweep": "lftm_sim.sweep.cli",
    "sensitivity": "lftm_sim.sweep.cli",
    "policy-map": "lftm_sim.sweep.cli",
    "dashboard": "lftm_sim.dashboard.cli",
    "cost-effectiveness": "lftm_sim.cost_effectiveness_cli",
    "animate": "lftm_sim.animate_cli",
}


class UsageError(Exception):
    """A command line argparse cannot read: one line on stderr, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exit status 2."""

    def error(self, message: str):
        raise UsageError(message)


def build_parser() -> Parser:
    """The `lftm` parser with its subcommands."""
    parser = Parser(
        prog="lftm",
        description="Simulate whole-system change in education: top-down, bottom-up and "
        "Leadership from the Middle.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    for module in COMMAND_MODULES.values():
        importlib.import_module(module).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run `lftm`; bad input is one line on stderr and exit status 2."""
    from .errors import InputError

    parser = build_parser()
    command = "lftm"
    try:
        args = parser.parse_args(argv)
        if args.version:
            from . import __version__

            print(__version__)
            return 0
        if args.command is None:
            parser.print_help()
            return 2
        command = f"lftm {args.command}"
        return importlib.import_module(COMMAND_MODULES[args.command]).run(args)
    except (UsageError, InputError) as err:
        print(f"{command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{command}: interrupted; no output was written or changed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
