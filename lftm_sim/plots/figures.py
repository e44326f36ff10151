"""The gallery: every kind of figure the package draws, each made from a fresh small run,
written by `make figures` to docs/img/gallery/ with docs/gallery.md.

Each entry of `GALLERY` is a function of a `Size` that runs what it needs and returns a
Figure; `write_gallery` saves them and writes the page. Run:
``python -m lftm_sim.plots.figures docs/img/gallery docs/gallery.md [--force]``.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

STRATEGIES = ("baseline", "top_down", "bottom_up", "middle_led")


@dataclass(frozen=True)
class Size:
    """How big the gallery's runs are (the test uses a small one, `make figures` the
    default)."""

    schools: int = 500
    districts: int = 10
    replicates: int = 6
    years: float = 12.0
    sweep_points: int = 4
    posterior_draws: int = 40
    seed: int = 0

    @property
    def system(self) -> dict[str, int]:
        return {"n_schools": self.schools, "n_districts": self.districts}


def series(size: Size) -> Figure:
    """Capacity, performance and the gap over time, the four presets at equal cost."""
    from ..experiments import run_variants
    from . import compare_figure

    variants = {name: {**size.system, "strategy": name} for name in STRATEGIES}
    runs = run_variants(variants, size.replicates, size.years, seed=size.seed, progress=False)
    return compare_figure(runs, metrics=("mean_capacity", "mean_performance", "gap"))


def distributions(size: Size) -> Figure:
    """School performance at three years, one violin per strategy (one replicate)."""
    from .. import School
    from ..experiments import run_model, run_seed
    from .gallery import distribution_figure

    agents = {
        name: run_model(
            {**size.system, "strategy": name, "collect_agents": True},
            run_seed(size.seed, 0),
            size.years,
            agents=School,
        )[1]
        for name in STRATEGIES[1:]
    }
    return distribution_figure(agents, [0.0, size.years / 2, size.years])


def system_graph(size: Size) -> Figure:
    """The system graph after a middle-led run, schools coloured by capacity."""
    from .. import SystemModel
    from .gallery import graph_figure

    model = SystemModel(**size.system, strategy="middle_led", rng=size.seed)
    model.run(size.years)
    return graph_figure(model)


def scenario_overlay(size: Size) -> Figure:
    """Ontario 2003-2015: the model's band with the published EQAO series on top."""
    from ..experiments import run_variants
    from ..scenarios import find_scenario, load_scenario
    from . import scenario_figure

    sc = load_scenario(find_scenario("ontario_2003_2015"))
    sc = sc.with_system(schools=size.schools, districts=min(size.districts, 72))
    runs = run_variants(
        {sc.name: sc.model_kwargs()}, size.replicates, sc.years, seed=sc.seed, progress=False
    )
    return scenario_figure(runs, sc)


def calibration_bands(size: Size) -> Figure:
    """England and Ontario's published series over the posterior predictive bands of the
    posteriors shipped with the package (one run per draw)."""
    import pandas as pd

    from ..scenarios import find_scenario, load_scenario
    from . import posterior_band_figure, posterior_bands

    bands = []
    for name in ("england_nlns", "ontario_2003_2015"):
        sc = load_scenario(find_scenario(name))
        sc = sc.with_system(
            schools=size.schools, districts=min(size.districts, sc.system["districts"])
        )
        bands.append(posterior_bands(sc, draws=size.posterior_draws, seed=size.seed))
    return posterior_band_figure(pd.concat(bands, ignore_index=True))


def networks(size: Size) -> Figure:
    """Each network's quality against its schools' capacity gain, per strategy."""
    from . import network_figure, network_table

    return network_figure(
        {
            name: network_table({**size.system, "strategy": name}, size.seed, size.years)
            for name in STRATEGIES[1:]
        }
    )


def cost_curves(size: Size) -> Figure:
    """Gain in mean capacity over business as usual against the budget, per strategy."""
    from ..cost_effectiveness import Design, curve_figure, curves

    design = Design(
        n_schools=size.schools,
        n_districts=size.districts,
        replicates=size.replicates,
        years=size.years,
        seed=size.seed,
    )
    return curve_figure(curves(budgets=(0.0, 0.5, 1.0, 2.0, 3.0), design=design))


def _sweep(size: Size, name: str, body: str, root: Path) -> Path:
    from ..sweep import run_sweep

    years = int(size.years)
    spec = root / f"{name}.toml"
    spec.write_text(
        f'[sweep]\nname = "{name}"\nyears = {years}\nseed = {size.seed}\n{body}\n'
        f"[system]\nn_schools = {size.schools}\nn_districts = {size.districts}\n"
        f'[output]\nreporters = ["mean_performance", "gap"]\nyears = [{years}]\n'
    )
    run_sweep(spec, root / name, workers=0, progress=False)
    return root / name


def policy_map(size: Size) -> Figure:
    """Where middle-led beats top-down over budget x starting capacity (a grid sweep)."""
    from ..sweep.policy_map import policy_map as cells_of
    from ..sweep.policy_map import policy_map_figure

    with tempfile.TemporaryDirectory() as tmp:
        root = _sweep(
            size,
            "policy_map",
            (
                f'design = "grid"\npoints = {size.sweep_points}\nreplicates = {size.replicates}\n'
                '[strategies]\ntop_down = "top_down"\nmiddle_led = "middle_led"\n'
                "[parameters.budget]\nrange = [0.5, 3.0]\n"
                "[parameters.capacity_level]\nrange = [0.3, 0.7]\n"
            ),
            Path(tmp),
        )
        cells = cells_of(
            root,
            "budget",
            "capacity_level",
            f"mean_performance_y{int(size.years)}",
            "middle_led",
            "top_down",
        )
    return policy_map_figure(cells)


def sensitivity_bars(size: Size) -> Figure:
    """Morris screen of four mechanism rates on middle-led's performance gain."""
    from ..sweep.sensitivity import sensitivity, sensitivity_figure

    with tempfile.TemporaryDirectory() as tmp:
        root = _sweep(
            size,
            "morris",
            (
                f'design = "morris"\npoints = {max(size.sweep_points, 4)}\n'
                "levels = 4\nreplicates = 2\n"
                'baseline = "baseline"\n'
                '[strategies]\nbaseline = "baseline"\nmiddle_led = "middle_led"\n'
                "[parameters.lateral_rate]\nrange = [0.05, 0.5]\n"
                "[parameters.trust_rate]\nrange = [0.0, 0.3]\n"
                "[parameters.diffusion_rate]\nrange = [0.0, 0.3]\n"
                "[parameters.noise]\nrange = [0.0, 0.15]\n"
            ),
            Path(tmp),
        )
        result = sensitivity(root, [f"gain_mean_performance_y{int(size.years)}"], ["middle_led"])
    return sensitivity_figure(result)


#: (file stem, caption, function) of every gallery figure, in page order.
GALLERY: tuple[tuple[str, str, Callable[[Size], Figure]], ...] = (
    ("series", "Capacity, performance and the gap over time, at equal cost", series),
    ("distributions", "School performance distributions (violins)", distributions),
    ("system_graph", "The system graph coloured by capacity, districts as clusters", system_graph),
    ("scenario_overlay", "A scenario's band with the published series (Ontario)", scenario_overlay),
    (
        "calibration_bands",
        "Calibration overlay: published series over posterior bands",
        calibration_bands,
    ),
    ("networks", "Network quality, network by network", networks),
    ("cost_curves", "Cost-effectiveness curves", cost_curves),
    ("policy_map", "The policy map: middle-led minus top-down", policy_map),
    ("sensitivity", "Sensitivity bars (Morris screen)", sensitivity_bars),
)


def write_gallery(image_dir: Path, page: Path, size: Size = Size(), force: bool = False) -> None:
    """Make every gallery figure, save it under `image_dir` and write the page `page`."""
    from ..outputs import output_file

    image_dir.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Gallery",
        "",
        "Every kind of figure lftm-sim draws, regenerated from the code "
        f"by `make figures` ({size.schools} schools, {size.districts} districts, "
        f"{size.replicates} replicates, {size.posterior_draws} posterior draws, "
        f"{size.years:g} years, seed {size.seed}). "
        "The function that draws each is named under it.",
        "",
    ]
    for stem, caption, make in GALLERY:
        print(f"figure {stem} ...", file=sys.stderr)
        with output_file(image_dir / f"{stem}.png", force=force) as tmp:
            make(size).savefig(tmp, format="png", dpi=110, bbox_inches="tight")
        rel = (image_dir / f"{stem}.png").resolve().relative_to(page.parent.resolve())
        lines += [
            f"## {caption}",
            "",
            f"![{caption}]({rel.as_posix()})",
            "",
            f"`lftm_sim.plots.figures.{make.__name__}`: {make.__doc__}",
            "",
        ]
    with output_file(page, force=force) as tmp:
        tmp.write_text("\n".join(lines))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--force"]
    write_gallery(Path(args[0]), Path(args[1]), force="--force" in sys.argv)
