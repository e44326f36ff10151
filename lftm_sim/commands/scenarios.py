"""`lftm scenarios`: the bundled scenario files, each with a one-line description."""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    """Add `scenarios` to the CLI's subparsers."""
    p = sub.add_parser(
        "scenarios",
        help="list the bundled scenarios (name them without a path: lftm run NAME)",
        description="List the scenario files bundled in scenarios/, with their status, "
        "years and a one-line description. Any of them can be named without its path, "
        "e.g. `lftm run england_nlns`.",
    )
    return p


def first_sentence(text: str, width: int = 90) -> str:
    """The first sentence of `text`, on one line, cut to `width` characters."""
    line = " ".join(text.split())
    end = line.find(". ")
    line = line if end < 0 else line[: end + 1]
    return line if len(line) <= width else line[: width - 3].rstrip() + "..."


def run(args: argparse.Namespace) -> int:
    """Print one line per bundled scenario; 0, or 2 (InputError) when there are none."""
    from ..errors import InputError
    from ..scenarios import SCENARIO_DIR, load_scenario, scenario_files

    files = scenario_files()
    if not files:
        raise InputError(
            f"no bundled scenarios: {SCENARIO_DIR} is not there (an installed package "
            "without the source tree); give scenario files by path"
        )
    width = max(len(p.stem) for p in files)
    for path in files:
        sc = load_scenario(path)
        years = f"{sc.start_year:g}-{sc.end_year:g}"
        summary = first_sentence(sc.description or sc.name)
        print(f"{path.stem:<{width}}  {sc.status:<12} {years:<9}  {summary}")
    return 0
