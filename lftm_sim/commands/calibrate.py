"""`lftm calibrate-point SCENARIO...`: the earlier least-squares point fit, out-of-sample
scores, figure and stored set. Superseded by `lftm calibrate` (the ABC posterior,
docs/calibration.md); kept because docs/scenarios.md's fit figure and the stored set come
from it."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError
from .common import MAX_SCHOOLS, add_common, int_in

OUTPUT_FILES = ("calibration.csv", "rmse.csv", "calibration.png", "calibration.toml")


def add_parser(sub) -> argparse.ArgumentParser:
    """Add `calibrate-point` to the CLI's subparsers."""
    p = sub.add_parser(
        "calibrate-point",
        help="the earlier least-squares point fit (superseded by calibrate)",
        description="The earlier least-squares point fit, superseded by `lftm calibrate`'s "
        "posterior (docs/calibration.md). Fit the shared mechanism parameters jointly on "
        "the early years of the "
        "scenarios' published series; score them out of sample beside naive forecasts. "
        "Writes calibration.csv, rmse.csv, calibration.png, calibration.toml and "
        "provenance.json.",
    )
    p.add_argument(
        "scenario",
        nargs="+",
        help="scenario files (or bundled names) with a [calibration] block (England, Ontario)",
    )
    p.add_argument(
        "--replicates", type=int_in(1, 100), default=2, help="replicates per evaluation (default 2)"
    )
    p.add_argument(
        "--schools",
        type=int_in(50, MAX_SCHOOLS),
        default=1500,
        help="schools simulated per scenario while fitting (default 1500)",
    )
    p.add_argument(
        "--districts",
        type=int_in(0, MAX_SCHOOLS),
        default=None,
        help="districts simulated per scenario (default: the scenario's, at most --schools)",
    )
    p.add_argument(
        "--starts",
        type=int_in(1, 1000),
        default=16,
        help="Latin-hypercube starting points (default 16)",
    )
    p.add_argument(
        "--max-evals",
        type=int_in(1, 10_000),
        default=80,
        help="Nelder-Mead evaluations after the starts (default 80)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("out/calibration"),
        help="output directory (default out/calibration)",
    )
    p.add_argument(
        "--store",
        action="store_true",
        help="also store the fitted values as the calibrated set in the source tree "
        "(lftm_sim/data/calibration.toml; a full fit only, and --force to replace it)",
    )
    add_common(p)
    return p


def _sized(scenarios: list, args: argparse.Namespace) -> list:
    """The scenarios at --schools / --districts, each checked by the loader."""
    out = []
    for sc in scenarios:
        districts = sc.system.get("districts", 0) if args.districts is None else args.districts
        if districts > args.schools:
            given = "--districts" if args.districts is not None else f"{sc.path.name} has"
            raise InputError(
                f"--schools {args.schools} is fewer than the districts ({given} {districts}); "
                f"give --districts at most {args.schools}, or more --schools",
                key="--districts",
            )
        out.append(sc.with_system(schools=args.schools, districts=districts))
    return out


def _store_target(args: argparse.Namespace) -> Path | None:
    """Where --store writes (checked before fitting), or None without --store."""
    from ..calibration import missing_for_full_fit, source_calibration_file

    if not args.store:
        return None
    short = missing_for_full_fit(
        {
            "replicates": args.replicates,
            "n_schools": args.schools,
            "starts": args.starts,
            "max_evals": args.max_evals,
        }
    )
    if short:
        raise InputError(
            "--store keeps only a full fit, and this one is not ("
            + ", ".join(short)
            + "); drop --store, or run with the defaults",
            key="--store",
        )
    target = source_calibration_file()
    if target.exists() and not args.force:
        raise InputError(
            f"--store would replace {target}; pass --force to replace it", key="--store"
        )
    return target


def run(args: argparse.Namespace) -> int:
    """`lftm calibrate SCENARIO...`: joint fit, out-of-sample scores, figure, stored set."""
    from ..calibration import calibrate, store_calibration
    from ..outputs import output_dir, output_file
    from ..provenance import write_provenance
    from ..scenarios import load_scenario
    from .common import command_line, headless_figures

    scenarios = _sized([load_scenario(path) for path in args.scenario], args)
    store = _store_target(args)
    with output_dir(args.out, "lftm calibrate", args.force) as tmp:  # checked before fitting
        result = calibrate(
            scenarios,
            replicates=args.replicates,
            seed=args.seed,
            starts=args.starts,
            max_evals=args.max_evals,
            progress=not args.quiet,
        )
        result["settings"].update(n_schools=args.schools, n_districts=args.districts)
        result["points"].to_csv(tmp / "calibration.csv", index=False)
        result["rmse"].to_csv(tmp / "rmse.csv", index=False)
        headless_figures()
        from ..plots import calibration_figure

        calibration_figure(result["points"]).savefig(tmp / "calibration.png", dpi=120)
        store_calibration(result, tmp / "calibration.toml")
        write_provenance(
            tmp, command_line(), args.seed, {**result["settings"], "fitted": result["fitted"]}
        )
    if store is not None:
        with output_file(store, force=True, flag="--store") as stored:
            store_calibration(result, stored)
    if not args.quiet:
        print("fitted:", ", ".join(f"{k} = {v:g}" for k, v in result["fitted"].items()))
        print("\nRMSE in percentage points (model beside naive forecasts)")
        print(result["rmse"].round(2).to_string(index=False))
        print(f"\nwrote {args.out}/: {', '.join(OUTPUT_FILES)}, provenance.json")
        if store is not None:
            print(f"stored the calibrated set in {store}")
    return 0
