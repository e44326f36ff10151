"""The `lftm` subcommands, one module each: `add_parser(subparsers)` and `run(args) -> int`.

Each module is light to import (its heavy imports are inside `run`), so `lftm --help`
starts fast; `lftm_sim.cli` registers them in `COMMAND_MODULES`.
"""
