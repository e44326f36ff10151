"""What `lftm run` and `lftm compare` share about posteriors: the --posterior flags, which
posterior each variant runs on (`posterior.use` has the rule), its draws per replicate,
what the summary says and what provenance.json records. Light to import."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError

#: Bare `lftm compare --posterior`: the shipped posterior of the calibrated scenarios'
#: system.
FROM_SCENARIOS = "<the calibrated scenarios' system>"
DEFAULT_DRAWS = 20
SOURCES = (
    "a shipped system's name (e.g. england; lftm_sim/data/posterior), a directory written "
    "by lftm calibrate (posterior_SYSTEM, or the --out holding them) or none"
)


def add_run_posterior(p: argparse.ArgumentParser) -> None:
    """`lftm run --posterior SOURCE`."""
    p.add_argument(
        "--posterior",
        default=None,
        metavar="SOURCE",
        help=f"posterior whose draws fill the fitted mechanism parameters: {SOURCES}. "
        "Replicate r runs on draw r, so the band spans parameter uncertainty and noise; "
        "mechanisms the scenario sets itself keep their values (default: a calibrated "
        "scenario runs on the shipped posterior of its [calibration] system, an "
        "illustrative one at the declared defaults)",
    )


def add_compare_posterior(p: argparse.ArgumentParser) -> None:
    """`lftm compare --posterior [SOURCE]` and `--posterior-draws N`."""
    from .common import int_in

    p.add_argument(
        "--posterior",
        nargs="?",
        const=FROM_SCENARIOS,
        default=None,
        metavar="SOURCE",
        help=f"run every variant on posterior draws, replicate r on draw r, and also write "
        "compare_posterior.csv: the reference minus each variant at the last year over "
        "--posterior-draws draws x --replicates replicates per draw, with 90%% intervals "
        "spanning parameter uncertainty and noise, and noise alone. SOURCE: "
        f"{SOURCES} (bare: the calibrated scenarios' system). Default: calibrated "
        "scenarios run on their system's shipped posterior, strategies and illustrative "
        "scenarios at the declared defaults",
    )
    p.add_argument(
        "--posterior-draws",
        type=int_in(2, 10_000),
        default=None,
        metavar="N",
        help=f"posterior draws for compare_posterior.csv (default {DEFAULT_DRAWS}; "
        "needs --posterior)",
    )


def compare_posterior(args: argparse.Namespace, scenarios: Mapping[str, Any]):
    """The one posterior `lftm compare --posterior` runs every variant on (None when the
    flag is absent or `none`); --posterior-draws refused without it."""
    from ..posterior.storage import shipped_systems
    from ..posterior.use import NONE, resolve_posterior, scenario_system

    if args.posterior_draws is not None and args.posterior in (None, NONE):
        raise InputError(
            "--posterior-draws needs --posterior SOURCE (it sets the draws of "
            "compare_posterior.csv)",
            key="--posterior-draws",
        )
    if args.posterior in (None, NONE):
        return None
    if args.replicates < 2:
        raise InputError(
            f"--posterior needs --replicates 2 or more, got {args.replicates} (the "
            "noise-only interval of compare_posterior.csv needs replicates per draw)",
            key="--replicates",
            allowed="an integer >= 2",
            value=args.replicates,
        )
    if args.posterior != FROM_SCENARIOS:
        systems = [scenario_system(sc) for sc in scenarios.values()]
        return resolve_posterior(args.posterior, next((s for s in systems if s), None))
    systems = sorted({s for sc in scenarios.values() if (s := scenario_system(sc))})
    if len(systems) != 1:
        what = f"they are calibrated on {', '.join(systems)}" if systems else "none is calibrated"
        raise InputError(
            f"bare --posterior takes the calibrated scenarios' system, but {what}; "
            f"name one: --posterior SOURCE ({', '.join(shipped_systems())} or a lftm "
            "calibrate directory)",
            key="--posterior",
        )
    return resolve_posterior(systems[0])


def variant_posteriors(
    args: argparse.Namespace, variants: Mapping[str, Any], scenarios: Mapping[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """(the --posterior one or None, variant -> the posterior it runs on or None)."""
    from ..posterior.use import NONE, scenario_posterior

    shared = compare_posterior(args, scenarios)
    if shared is not None:
        return shared, dict.fromkeys(variants, shared)
    choice = NONE if args.posterior == NONE else None
    return None, {name: scenario_posterior(sc, choice) for name, sc in scenarios.items()}


def replicate_draws(
    variants: Mapping[str, Mapping[str, Any]],
    sources: Mapping[str, Any],
    replicates: int,
    seed: int,
) -> dict[str, list[dict[str, float]]]:
    """Variant -> one mechanism draw per replicate (one seed: variants on one posterior
    share them), each checked like a scenario's own parameters."""
    from ..posterior.use import apply_draw
    from ..provenance import resolve_parameters

    out = {}
    for name, src in sources.items():
        if src is None:
            continue
        out[name] = src.posterior.mechanism_draws(replicates, seed)
        for r, draw in enumerate(out[name]):
            try:
                resolve_parameters(apply_draw(variants[name], draw))
            except InputError as err:
                raise InputError(
                    f"--posterior {src.source}: draw {r} does not give a valid run of "
                    f"{name}: {err.message}",
                    key="--posterior",
                    value=src.source,
                ) from None
    return out


def posterior_note(
    kwargs: Mapping[str, Any], src: Any, scenario: Any = None, choice: Any = None
) -> str:
    """What a run of `kwargs` ran on, for the printed summary."""
    from ..posterior.use import NONE, kept_explicit

    if src is not None:
        kept = kept_explicit(kwargs, src.posterior)
        own = f"; its own {', '.join(kept)} kept (set in the scenario)" if kept else ""
        return (
            f"replicate r ran on posterior draw r of {src.label}, so the band spans "
            f"parameter uncertainty and noise{own}"
        )
    if choice == NONE:
        return "at the declared defaults (--posterior none)"
    if scenario is not None:
        return (
            f"at the declared defaults (an {scenario.status} scenario; --posterior SOURCE "
            "runs it on posterior draws)"
        )
    return "at the declared defaults (--posterior SOURCE runs it on posterior draws)"


def posterior_record(
    kwargs: Mapping[str, Any], src: Any, draws: list[dict[str, float]] | None
) -> dict[str, Any] | None:
    """provenance.json's record of the posterior a variant ran on (None: the defaults)."""
    from ..posterior.use import kept_explicit

    if src is None:
        return None
    return {**src.provenance(draws or []), "kept_explicit": kept_explicit(kwargs, src.posterior)}


def posterior_table(
    src: Any,
    variants: Mapping[str, Mapping[str, Any]],
    reference: str,
    years: float,
    args: argparse.Namespace,
):
    """compare_posterior.csv: `posterior.draws.posterior_compare`'s table, its runs
    dispatched like compare's own (workers, progress bar)."""
    from ..posterior.draws import compare_table, posterior_members
    from .runs import dispatch

    draws = args.posterior_draws or DEFAULT_DRAWS
    keys, members, seeds = posterior_members(
        src.posterior, variants, reference, draws, args.replicates, args.seed
    )
    done = dispatch(
        keys, members, seeds, years, args.workers, not args.quiet, desc="posterior runs"
    )
    last = {key: frame.iloc[-1] for key, frame in done}
    return compare_table(last, list(variants), reference, years)


def print_posterior_table(table, src: Any) -> None:
    """compare_posterior.csv as a plain table."""
    first = table.iloc[0]
    print(
        f"\n{first['variant']} minus each other variant at year {first['year']:g} on "
        f"{src.label}: {first['draws']} draws x {first['replicates']} replicates "
        "(90% intervals: parameters and noise; noise alone)"
    )
    shown = table.assign(
        estimate=table["estimate"].map(lambda x: f"{x:+.3f}"),
        interval=table.apply(lambda r: f"[{r.ci_low:+.3f}, {r.ci_high:+.3f}]", axis=1),
        noise_only=table.apply(lambda r: f"[{r.noise_low:+.3f}, {r.noise_high:+.3f}]", axis=1),
        p_positive=table["p_positive"].map(lambda x: f"{x:.2f}"),
    )
    columns = ["versus", "metric", "estimate", "interval", "noise_only", "p_positive"]
    print(shown[columns].to_string(index=False))


@dataclass
class VariantPosteriors:
    """What each variant of `lftm compare` runs on: `sources` (variant -> posterior or
    absent), `draws` (variant -> one draw per replicate), `shared` (the --posterior one,
    which also gives compare_posterior.csv, `table`)."""

    sources: dict[str, Any]
    draws: dict[str, list[dict[str, float]]]
    shared: Any = None
    table: Any = field(default=None, repr=False)

    @classmethod
    def of(cls, args: argparse.Namespace, variants: Mapping, scenarios: Mapping):
        """Resolved from the command line (before any run: bad sources fail first)."""
        shared, sources = variant_posteriors(args, variants, scenarios)
        sources = {k: v for k, v in sources.items() if v is not None}
        return cls(sources, replicate_draws(variants, sources, args.replicates, args.seed), shared)

    def write_table(self, tmp, variants, reference: str, years: float, args) -> None:
        """compare_posterior.csv in `tmp`, when --posterior gave a shared posterior."""
        if self.shared is not None:
            self.table = posterior_table(self.shared, variants, reference, years, args)
            self.table.to_csv(tmp / "compare_posterior.csv", index=False)

    def records(self, variants: Mapping, seed: int) -> dict[str, Any]:
        """provenance.json's keys: `posterior` per variant, `compare_posterior`."""
        out: dict[str, Any] = {
            "posterior": {
                name: posterior_record(kw, self.sources.get(name), self.draws.get(name))
                for name, kw in variants.items()
            }
        }
        if self.table is not None:
            first = self.table.iloc[0]
            draws = self.shared.posterior.mechanism_draws(int(first["draws"]), seed)
            out["compare_posterior"] = {
                **posterior_record({}, self.shared, draws),
                "replicates_per_draw": int(first["replicates"]),
                "seed": seed,
            }
        return out

    def print(self, variants: Mapping, scenarios: Mapping, choice: Any) -> None:
        """What each variant ran on, then compare_posterior.csv."""
        notes = {
            name: posterior_note(kw, self.sources.get(name), scenarios.get(name), choice)
            for name, kw in variants.items()
        }
        if len(set(notes.values())) == 1:
            print(f"\nParameters (every variant): {next(iter(notes.values()))}")
        else:
            print("\nParameters")
            for name, note in notes.items():
                print(f"{name}: {note}")
        if self.table is not None:
            print_posterior_table(self.table, self.shared)
