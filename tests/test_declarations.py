"""The declarations are the one source of every default and range the engine uses."""

from dataclasses import fields

import pytest

from lftm_sim import Mechanisms, Strategy
from lftm_sim.declarations import LEVER_PARAMS, MECHANISM_PARAMS, SETTINGS
from lftm_sim.errors import InputError
from lftm_sim.parameters import MECHANISM_RANGES, resolve_mechanisms
from lftm_sim.runspec import check_settings, resolve_run
from lftm_sim.strategies import LEVER_RANGES, check_lever_name, resolve_strategy


def test_strategy_and_mechanism_fields_are_the_declared_ones_with_their_defaults():
    assert [f.name for f in fields(Strategy)] == list(LEVER_PARAMS)
    assert [f.name for f in fields(Mechanisms)] == list(MECHANISM_PARAMS)
    assert Strategy().to_dict() == {n: p.default for n, p in LEVER_PARAMS.items()}
    assert Mechanisms().to_dict() == {n: p.default for n, p in MECHANISM_PARAMS.items()}
    assert LEVER_RANGES == {n: (p.lo, p.hi) for n, p in LEVER_PARAMS.items()}
    assert MECHANISM_RANGES == {n: (p.lo, p.hi) for n, p in MECHANISM_PARAMS.items()}


@pytest.mark.parametrize("name", list(LEVER_PARAMS))
def test_every_lever_is_checked_by_its_declaration(name):
    p = LEVER_PARAMS[name]
    assert getattr(Strategy(**{name: p.hi}), name) == p.hi
    with pytest.raises(InputError) as err:
        Strategy(**{name: p.hi + 1})
    assert err.value.key == name and err.value.allowed == p.allowed()


@pytest.mark.parametrize("name", list(MECHANISM_PARAMS))
def test_every_mechanism_parameter_is_checked_by_its_declaration(name):
    p = MECHANISM_PARAMS[name]
    with pytest.raises(InputError) as err:
        Mechanisms(**{name: p.lo - 1})
    assert err.value.key == name


@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_setting_is_checked_by_its_declaration(name):
    p = SETTINGS[name]
    settings = {n: q.default for n, q in SETTINGS.items()} | {"graph": "generated"}
    assert check_settings(settings)[name] == p.default
    with pytest.raises(InputError) as err:
        check_settings({**settings, "n_schools": SETTINGS["n_schools"].hi, name: p.hi + 1})
    assert err.value.key == name


def test_resolved_run_defaults_are_the_declared_ones():
    spec = resolve_run()
    assert {n: spec.settings[n] for n in SETTINGS} == {n: p.default for n, p in SETTINGS.items()}
    assert spec.timeline.phases[0].strategy == Strategy()


@pytest.mark.parametrize(
    "call,fragment",
    [
        (lambda: check_lever_name("presure"), "did you mean 'pressure'"),
        (lambda: resolve_strategy("midle_led"), "did you mean 'middle_led'"),
        (lambda: resolve_mechanisms({"lateral_rte": 0.1}), "did you mean 'lateral_rate'"),
        (lambda: resolve_run(n_school=10), "did you mean 'n_schools'"),
    ],
)
def test_unknown_names_get_the_shared_suggestion(call, fragment):
    with pytest.raises(InputError, match=fragment):
        call()
