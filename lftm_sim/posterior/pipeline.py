"""`make sensitivity`: the whole global sensitivity analysis, through `lftm sensitivity`.

    python -m lftm_sim.posterior.pipeline OUT SPECS [--workers N] [--small]

1. The coefficient of variation of each gain over 40 replicates at the defaults (Lee et
   al. 2015) sets the replicates per point of each strategy (OUT/cv.csv).
2. Per strategy: the Morris spec is written with those replicates (SPECS/
   sensitivity_morris_S.toml) and run; the Sobol spec on its ten largest normalised mu*
   is written from that very run (SPECS/sensitivity_sobol_S.toml) and run.
3. The same for the patterns' statistics (SPECS/patterns_morris.toml, patterns_sobol.toml).
4. OUT/timing.json records each step's wall time; docs/sensitivity.md is written from OUT
   by ``python -m lftm_sim.posterior.report sensitivity OUT docs/sensitivity.md``.

Every sweep goes through the CLI in a subprocess, exactly as a user would run it. `--small`
runs the same steps at test sizes (a few points, 40 schools) for the test suite.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

OUTPUTS = [f"gain_{r}_y12" for r in ("mean_capacity", "mean_performance", "gap", "equity_gap")]


def _lftm(*args: str) -> None:
    cmd = [sys.executable, "-m", "lftm_sim", *args]
    if subprocess.run(cmd, check=False).returncode:
        raise SystemExit(f"failed: lftm {' '.join(args)}")


def _sensitivity(spec: Path, out: Path, workers: int, extra: list[str]) -> pd.DataFrame:
    _lftm(
        "sensitivity",
        str(spec),
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--force",
        "--quiet",
        *extra,
    )
    return pd.read_csv(out / "sensitivity" / "sensitivity.csv")


def strategies_step(out: Path, specs: Path, workers: int, sizes: dict, timing: dict) -> None:
    """Morris then Sobol (on that Morris run's top ten) for each preset strategy."""
    from .sensitivity import STRATEGIES, morris_spec, sobol_spec, top_parameters

    cv = pd.read_csv(out / "cv.csv")
    for s in STRATEGIES:
        t0 = time.perf_counter()
        reps = max(2, int(cv.loc[cv["strategy"] == s, "replicates_needed"].max()))
        text = morris_spec(s, reps, trajectories=sizes["trajectories"], schools=sizes["schools"])
        mpath = specs / f"sensitivity_morris_{s}.toml"
        mpath.write_text(text)
        extra = ["--outputs", *OUTPUTS, "--strategy", s]
        table = _sensitivity(mpath, out / f"morris_{s}", workers, extra)
        spath = specs / f"sensitivity_sobol_{s}.toml"
        spath.write_text(sobol_spec(s, text, top_parameters(table), reps, sizes["base"]))
        _sensitivity(spath, out / f"sobol_{s}", workers, extra)
        timing[s] = time.perf_counter() - t0


def patterns_step(out: Path, specs: Path, workers: int, sizes: dict, timing: dict) -> None:
    """Morris over every pattern statistic, then Sobol on the top ten of all of them."""
    from .pattern_space import pattern_morris_spec, pattern_sobol_spec
    from .sensitivity import top_parameters

    t0 = time.perf_counter()
    text = pattern_morris_spec(
        sizes["trajectories"], sizes["schools"], sizes["pattern_reps"], patterns=sizes.get("codes")
    )
    mpath = specs / "patterns_morris.toml"
    mpath.write_text(text)
    table = _sensitivity(mpath, out / "patterns_morris", workers, [])
    stats = table[table["output"].str.endswith("_statistic")]
    spath = specs / "patterns_sobol.toml"
    spath.write_text(pattern_sobol_spec(text, top_parameters(stats), sizes["base"]))
    _sensitivity(spath, out / "patterns_sobol", workers, [])
    timing["patterns"] = time.perf_counter() - t0


FULL = {"trajectories": 10, "schools": 300, "base": 64, "pattern_reps": 6, "cv_reps": 40}
SMALL = {"trajectories": 4, "schools": 40, "base": 16, "pattern_reps": 2, "cv_reps": 6}


def main(argv: list[str] | None = None) -> int:
    """Run the pipeline (see the module docstring)."""
    from .sensitivity import cv_table

    p = argparse.ArgumentParser(prog="python -m lftm_sim.posterior.pipeline")
    p.add_argument("out", type=Path)
    p.add_argument("specs", type=Path)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--small", action="store_true", help="test sizes, same steps")
    args = p.parse_args(argv)
    sizes = SMALL if args.small else FULL
    args.out.mkdir(parents=True, exist_ok=True)
    args.specs.mkdir(parents=True, exist_ok=True)
    timing: dict[str, float] = {}
    t0 = time.perf_counter()
    cv_table(replicates=sizes["cv_reps"], schools=sizes["schools"]).to_csv(
        args.out / "cv.csv", index=False
    )
    timing["cv"] = time.perf_counter() - t0
    strategies_step(args.out, args.specs, args.workers, sizes, timing)
    patterns_step(args.out, args.specs, args.workers, sizes, timing)
    timing["total"] = time.perf_counter() - t0
    (args.out / "timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
