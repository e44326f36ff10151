"""The tables behind the posterior-band and network figures: what they compute is checked
against the model and the calibration's own definitions, not only that they draw."""

import numpy as np
import pytest

from lftm_sim.errors import InputError
from lftm_sim.experiments import run_model
from lftm_sim.plots import network_figure, network_table, posterior_band_figure, posterior_bands
from lftm_sim.posterior import Posterior, observations, shipped_posterior
from lftm_sim.scenarios import load_scenario

SMALL = {"n_schools": 80, "n_districts": 4}
BAND_COLUMNS = ["lo90", "lo50", "median", "hi50", "hi90"]


def ontario(schools: int = 60):
    return load_scenario("ontario_2003_2015").with_system(schools=schools, districts=3)


def one_particle(sigma: float) -> Posterior:
    """A posterior holding one parameter set: the shipped posterior's first particle."""
    post = shipped_posterior("ontario")
    row = post.final().iloc[[0]].assign(weight=1.0, sigma=sigma)
    return Posterior(row, post.schedule, post.settings, post.points)


@pytest.fixture(scope="module")
def bands():
    return posterior_bands(ontario(), draws=6, seed=1)


def test_bands_are_ordered_and_carry_the_published_points(bands):
    assert (np.diff(bands[BAND_COLUMNS].to_numpy(), axis=1) >= -1e-9).all()
    sc = ontario()
    assert set(bands["series"]) == {*sc.calibration["series"], *sc.calibration["extra_predict"]}
    assert bands["year"].min() == sc.start_year and bands["year"].max() == sc.end_year
    obs = observations().query("system == 'ontario' and unit == 'percent'")
    pts = bands.dropna(subset=["value"])
    merged = pts.merge(obs, on=["series", "year"], suffixes=("", "_csv"))
    assert len(merged) == len(pts) > 0
    assert np.allclose(merged["value"], merged["value_csv"])
    fit = pts[pts["series"] == "eqao_g3_math"]
    assert set(fit.loc[fit["window"] == "fit", "year"]) == {2008, 2009, 2010}
    assert set(fit.loc[fit["window"] == "predict", "year"]) == {2011, 2012, 2013}


def test_each_series_is_the_curve_plus_its_level_fitted_on_its_fit_points():
    # one draw, no discrepancy noise: the band is one curve, shifted per series so its
    # fit-window points have mean residual 0, and every series has the same shape
    b = posterior_bands(ontario(), one_particle(sigma=0.0), draws=1)
    for _, s in b.groupby("series"):
        fit = s[s["window"] == "fit"]
        assert abs((fit["value"] - fit["median"]).mean()) < 1e-9
        assert np.allclose(s["lo90"], s["hi90"])
    wide = b.pivot(index="year", columns="series", values="median")
    shift = wide.sub(wide["eqao_g3_math"], axis=0)
    assert np.allclose(shift.std(), 0.0)


def test_the_discrepancy_sigma_widens_the_band():
    width = {
        sigma: (lambda b: (b["hi90"] - b["lo90"]).mean())(
            posterior_bands(ontario(), one_particle(sigma), draws=30)
        )
        for sigma in (0.0, 5.0)
    }
    assert width[5.0] > width[0.0] + 5.0


def test_a_scenario_without_calibration_is_refused():
    with pytest.raises(InputError, match="calibration"):
        posterior_bands(load_scenario("new_zealand").with_system(schools=40, districts=2))


def test_the_band_figure_draws_every_series(bands):
    shown = [ax for ax in posterior_band_figure(bands).axes if ax.get_visible()]
    assert len(shown) == bands["series"].nunique()
    assert all(ax.get_ylabel() == "% of students at the standard" for ax in shown)
    assert all(len(ax.collections) == 2 for ax in shown)  # the 50% and 90% bands


def test_network_table_is_the_model_run_network_by_network():
    params = {**SMALL, "strategy": "middle_led"}
    table = network_table(params, seed=5, years=2)
    assert (table["schools"] > 1).all() and table["network"].is_unique
    assert table["quality"].between(0, 1).all()
    assert np.allclose(table["capacity_gain"], table["capacity_end"] - table["capacity_start"])
    # every school sits in a network here, so the size-weighted means are the run's means
    assert table["schools"].sum() == SMALL["n_schools"]
    series = run_model(params, 5, 2)
    for name in ("capacity", "performance"):
        weighted = np.average(table[f"{name}_end"], weights=table["schools"])
        assert weighted == pytest.approx(series[f"mean_{name}"].iloc[-1])


def test_network_quality_spreads_only_with_quality_spread():
    same = network_table(
        {**SMALL, "strategy": "middle_led", "mechanisms": {"quality_spread": 0.0}}, seed=5, years=0
    )
    spread = network_table({**SMALL, "strategy": "middle_led"}, seed=5, years=0)
    assert np.allclose(same["quality"], same["quality"].iloc[0]) and same["quality"].iloc[0] > 0
    assert spread["quality"].std() > 0.05
    assert np.isclose(np.median(spread["quality"]), same["quality"].iloc[0], atol=0.15)


def test_network_figure_draws_each_strategy_in_its_colour():
    from matplotlib.colors import to_hex

    from lftm_sim.plots import STRATEGY_COLOURS

    tables = {
        s: network_table({**SMALL, "strategy": s}, seed=5, years=1)
        for s in ("top_down", "middle_led")
    }
    (ax,) = network_figure(tables).axes
    colours = {to_hex(c.get_facecolor()[0], keep_alpha=False) for c in ax.collections}
    assert colours == {STRATEGY_COLOURS["top_down"].lower(), STRATEGY_COLOURS["middle_led"].lower()}
    assert sum(len(c.get_offsets()) for c in ax.collections) == sum(map(len, tables.values()))
