"""The posterior machinery: priors, summaries, baselines, storage, and the recovery test
(ABC-SMC recovers parameters from data the model itself simulated)."""

import numpy as np
import pandas as pd
import pytest

from lftm_sim.declarations import MECHANISM_PARAMS
from lftm_sim.errors import InputError
from lftm_sim.posterior import baselines, summaries
from lftm_sim.posterior.abc import ABCSettings, run_abc
from lftm_sim.posterior.priors import FREE, SIGMA, USED, default_priors, frozen_parameters
from lftm_sim.posterior.storage import Posterior, read_posterior, write_posterior
from lftm_sim.posterior.targets import Target, load, simulate, with_schools

ENGLAND = "scenarios/england_nlns.toml"


def test_priors_contain_every_value_used_and_stay_declared():
    priors = default_priors()
    assert set(priors) == {*FREE, SIGMA}
    for name in FREE:
        p, decl = priors[name], MECHANISM_PARAMS[name]
        for v in (decl.default, *USED.get(name, ())):
            assert p.contains(v), (name, v)
        assert decl.lo <= p.lo < p.hi <= decl.hi
        assert np.log10(p.hi / p.lo) >= np.log10(4), name  # wide: at least a factor 4


def test_no_parameter_set_from_the_series_is_frozen():
    """A mechanism whose declared source cites the published series must be fitted."""
    cites = [k for k, p in MECHANISM_PARAMS.items() if "KS2" in p.source or "EQAO" in p.source]
    assert "lift_max" in cites
    frozen = frozen_parameters(default_priors())
    assert not set(cites) & set(frozen)


def test_unknown_free_parameter_is_input_error():
    with pytest.raises(InputError, match="did you mean 'lift_max'"):
        default_priors(["lift_maxx"])


def _points(values: dict[str, list[float]], years) -> pd.DataFrame:
    rows = [
        {"system": "s", "series": k, "year": y, "value": v, "window": "fit"}
        for k, vs in values.items()
        for y, v in zip(years, vs, strict=True)
    ]
    return pd.DataFrame(rows)


def test_summaries_keep_each_series_and_drop_only_its_level():
    years = [2000, 2001, 2002]
    pts = _points({"a": [60.0, 62, 67], "b": [50.0, 49, 54]}, years)
    summ = summaries.summary_points(pts)
    obs = summaries.observed(summ)
    assert obs.tolist() == [-3.0, -1.0, 4.0, -1.0, -2.0, 3.0]  # series kept apart
    curve = pd.Series([10.0, 12, 17], index=years)  # series a's shape, another level
    sim = summaries.simulated(summ, {"s": curve}, 0.0, np.random.default_rng(0))
    assert np.allclose(sim[:3], obs[:3])
    assert summaries.structural_constraints(summ) == 2  # one curve, three years, one level


def test_numerical_rank_counts_independent_directions():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 50, 1))
    x = np.hstack([a, 2 * a, a + b, b])  # two directions in four columns
    assert summaries.numerical_rank(x) == 2


def test_baselines_reproduce_their_own_curves():
    years, ahead = np.array([1.0, 2, 3]), np.array([4.0, 6])
    line = 50 + 3 * years
    lt = baselines.linear_trend(years, line, ahead)
    assert np.allclose(lt["point"], 50 + 3 * ahead)
    z = -1 + 0.4 * years
    logi = baselines.logistic(years, 100 / (1 + np.exp(-z)), ahead)
    assert np.allclose(logi["point"], 100 / (1 + np.exp(-(-1 + 0.4 * ahead))), atol=1e-6)
    last = baselines.last_value(years, np.array([60.0, 62, 61]), ahead)
    assert (last["point"] == 61).all() and (last["hi90"] > last["hi50"]).all()
    noisy = np.array([60.0, 63, 65])
    damped = baselines.damped_trend(years, noisy, ahead)
    assert np.isfinite(damped["point"]).all()
    assert (damped["lo90"] <= damped["lo50"]).all() and (damped["hi50"] <= damped["hi90"]).all()
    one = baselines.linear_trend(years[:1], noisy[:1], ahead)
    assert one["point"].isna().all()  # not fitted from one point, never faked


def _tiny_posterior() -> Posterior:
    priors = default_priors(["lift_max"])
    parts = pd.DataFrame(
        {
            "generation": [0, 0, 1, 1],
            "weight": [0.5, 0.5, 0.25, 0.75],
            "lift_max": [0.2, 0.3, 0.25, 0.35],
            SIGMA: [1.0, 2.0, 1.5, 1.2],
        }
    )
    sched = pd.DataFrame(
        {
            "generation": [0, 1],
            "epsilon": [5.0, 3.0],
            "simulations": [4, 6],
            "accepted": [2, 2],
            "acceptance_rate": [0.5, 1 / 3],
        }
    )
    settings = {"priors": {k: [p.lo, p.hi] for k, p in priors.items()}, "seed": 3}
    return Posterior(parts, sched, settings, pd.DataFrame({"year": [1.0], "value": [2.0]}))


def test_storage_round_trip_and_refusals(tmp_path):
    post = _tiny_posterior()
    write_posterior(post, tmp_path / "p")
    back = read_posterior(tmp_path / "p")
    pd.testing.assert_frame_equal(back.particles, post.particles)
    assert back.settings == post.settings
    assert back.final()["weight"].tolist() == [0.25, 0.75]
    with pytest.raises(InputError, match="--force"):
        write_posterior(post, tmp_path / "p")
    with pytest.raises(InputError, match="no posterior"):
        read_posterior(tmp_path)
    cred = back.credible().set_index("parameter")
    assert 0.25 <= cred.loc["lift_max", "median"] <= 0.35


def test_draws_follow_the_weights():
    draws = _tiny_posterior().draws(4000, seed=0)
    share = np.mean([d["lift_max"] == 0.35 for d in draws])
    assert abs(share - 0.75) < 0.03


def test_abc_recovers_parameters_from_the_models_own_data():
    """Data simulated by the model at a known point: the 90% credible interval of each
    free parameter contains it, and the data narrow the prior (the fit learnt)."""
    scenario = with_schools(load(ENGLAND), 60)
    truth = {"lift_max": 0.3, SIGMA: 0.5}
    curve = simulate(scenario, {"lift_max": truth["lift_max"]}, seed=123)
    rng = np.random.default_rng(5)
    rows = []
    for series, level in (("synthetic_a", 2.0), ("synthetic_b", -3.0)):
        for year, v in curve.items():
            rows.append(
                {
                    "system": "synthetic",
                    "series": series,
                    "year": year,
                    "value": v + level + rng.normal(0, truth[SIGMA]),
                }
            )
    obs = pd.DataFrame(rows)
    end = float(curve.index.max())
    targets = [
        Target("synthetic", scenario, s, (scenario.start_year, end), (end + 1, end + 1))
        for s in ("synthetic_a", "synthetic_b")
    ]
    priors = default_priors(["lift_max"])
    settings = ABCSettings(
        population=30, generations=3, max_simulations=400, seed=2, progress=False
    )
    post = run_abc(targets, priors, settings, obs=obs)
    cred = post.credible().set_index("parameter")
    print(cred[["median", "lo90", "hi90", "prior_lo", "prior_hi", "kept_of_prior_90"]])
    for name, value in truth.items():
        assert cred.loc[name, "lo90"] <= value <= cred.loc[name, "hi90"], (name, cred.loc[name])
    assert cred.loc["lift_max", "kept_of_prior_90"] < 0.6  # the data narrowed the prior
    eps = post.schedule["epsilon"].to_numpy()
    assert (np.diff(eps) < 0).all()  # the tolerance falls each generation


def _point_posterior(lift_max: float) -> Posterior:
    post = _tiny_posterior()
    post.particles = post.particles.assign(lift_max=lift_max)
    return post


def test_compare_over_draws_is_the_paired_difference_at_each_draw():
    from lftm_sim.experiments import run_model, run_seed
    from lftm_sim.posterior.draws import posterior_compare

    variants = {
        v: {"n_schools": 40, "n_districts": 4, "strategy": v} for v in ("middle_led", "top_down")
    }
    post = _point_posterior(0.2)  # one parameter value: only replicate noise is left
    table = posterior_compare(
        post, variants, "middle_led", years=2, draws=2, replicates=2, outcomes=("mean_performance",)
    )
    row = table.iloc[0]
    direct = []
    for d in range(2):
        for r in range(2):
            seed = run_seed(0, r, d)
            a, b = (
                run_model({**variants[v], "mechanisms": {"lift_max": 0.2}}, seed, 2)
                for v in ("middle_led", "top_down")
            )
            direct.append(a["mean_performance"].iloc[-1] - b["mean_performance"].iloc[-1])
    assert row["versus"] == "top_down"
    assert row["estimate"] == pytest.approx(np.mean(direct))
    assert row["ci_low"] <= row["estimate"] <= row["ci_high"]


def test_patterns_over_draws_count_passes_per_draw():
    from lftm_sim.patterns import check_patterns
    from lftm_sim.posterior.draws import _config, posterior_patterns

    post = _point_posterior(0.35)
    per, summary = posterior_patterns(
        post, ["P1"], draws=2, n_schools=40, n_districts=4, replicates=2
    )
    assert len(per) == 2 and summary.loc[0, "draws"] == 2
    direct = check_patterns(
        ["P1"], _config({"lift_max": 0.35}, n_schools=40, n_districts=4, replicates=2, seed=1)
    )[0]
    assert per.loc[1, "statistic"] == pytest.approx(direct.statistic)
    assert summary.loc[0, "p_holds"] == per["passed"].mean()


def test_the_report_says_whether_top_down_gains_fade_either_way():
    import pandas as pd

    from lftm_sim.posterior.report import _fades

    fade = " ".join(_fades(pd.Series([0.1, 0.2, 0.3, 0.9])))
    assert "At 25% of these draws" in fade and "gains fade at most draws" in fade
    keep = " ".join(_fades(pd.Series([0.6, 0.7, 0.2])))
    assert "does not say that top-down gains fade" in keep
    assert _fades(pd.Series([], dtype=float)) == []
