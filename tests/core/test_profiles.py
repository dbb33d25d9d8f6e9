"""IPS profile model and files: bundled numbers, round trips, and refusals that name the field."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import PolicyError
from core.policy.profile import Range
from core.policy.profile_io import (
    bundled_profiles,
    load_profile,
    profile_from_dict,
    profile_to_dict,
    save_profile,
)
from core.universe import default_universe


@pytest.fixture(scope="module")
def profiles():
    return bundled_profiles()


def test_bundled_profiles_carry_the_original_numbers(profiles):
    assert list(profiles) == [
        "Capital Preservation",
        "Balanced Growth",
        "Long-Term Endowment Growth",
    ]
    bg = profiles["Balanced Growth"]
    assert bg.class_ranges["Equity"] == Range(0.45, 0.70)
    assert bg.class_ranges["Fixed Income"] == Range(0.20, 0.45)
    assert bg.class_ranges["Alternatives"] == Range(0.05, 0.20)
    assert bg.class_ranges["Cash"] == Range(0.0, 0.10)
    assert bg.asset_minimums == {"SPY": 0.15, "AGG": 0.15, "SGOV": 0.05}
    assert bg.asset_caps == {"HYG": 0.10, "EFA": 0.20, "TLT": 0.15, "GLD": 0.075}
    assert (bg.max_volatility, bg.max_drawdown, bg.max_single_weight) == (0.13, 0.25, 0.30)
    assert bg.benchmark == {"SPY": 0.60, "AGG": 0.40}
    assert bg.drift_bands.absolute == 0.05
    cp = profiles["Capital Preservation"]
    assert cp.asset_caps["SPY"] == 0.20 and cp.asset_minimums["SHY"] == 0.10
    assert cp.groups[0].tickers == ("AGG", "SHY", "SGOV") and cp.groups[0].minimum == 0.50
    lt = profiles["Long-Term Endowment Growth"]
    assert {g.name: g.maximum for g in lt.groups} == {
        "International equity": 0.25,
        "Real assets": 0.15,
    }
    assert lt.asset_minimums["DBC"] == 0.02
    for p in profiles.values():
        p.check_universe(default_universe())
        assert abs(sum(p.anchor_weights.values()) - 1) < 1e-12


def test_round_trip_through_a_file(tmp_path, profiles):
    for p in profiles.values():
        path = tmp_path / "p.json"
        save_profile(p, path)
        assert load_profile(path) == p


def _bg_dict():
    return profile_to_dict(bundled_profiles()["Balanced Growth"])


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("max_volatility"), "missing field max_volatility"),
        (
            lambda d: d["asset_class_ranges"].update({"Equity": [0.8, 0.5]}),
            "Equity minimum 80.0% is above its maximum",
        ),
        (lambda d: d["asset_bounds"].update({"HYG": {"max": 1.5}}), "HYG cap is 150.00%"),
        (lambda d: d.update(max_single_weight=-0.1), "maximum single-ETF weight is -10.00%"),
        (lambda d: d.update(max_drawdown="a lot"), "'max_drawdown' must be a number"),
        (lambda d: d.update(benchmark={"SPY": 0.6, "AGG": 0.3}), "benchmark add up to 90.00%"),
        (
            lambda d: d.update(risk_tolerance="reckless"),
            "'risk_tolerance' is 'reckless'; use one of",
        ),
        (lambda d: d.update(schema_version=99), "schema_version 99 is newer"),
        (
            lambda d: d["asset_class_ranges"].update({"Crypto": [0, 0.1]}),
            "unknown asset class 'Crypto'",
        ),
        (
            lambda d: d["asset_bounds"].update({"SPY": {"min": 0.4, "max": 0.2}}),
            "SPY minimum 40.0% is above its cap",
        ),
    ],
)
def test_bad_profiles_are_refused_with_the_field_named(mutate, expected):
    data = _bg_dict()
    mutate(data)
    with pytest.raises(PolicyError) as info:
        profile_from_dict(data, source="bad.json")
    assert expected in str(info.value)
    assert str(info.value).startswith("bad.json")


def test_unknown_ticker_is_named_against_the_universe():
    data = _bg_dict()
    data["asset_bounds"]["BTC"] = {"max": 0.05}
    profile = profile_from_dict(data)
    with pytest.raises(PolicyError, match=r"ETF caps name BTC, which is not in the universe"):
        profile.check_universe(default_universe())


def test_unreadable_files_give_messages(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"name": "x",', encoding="utf-8")
    with pytest.raises(PolicyError, match=r"broken.json: not valid JSON at line 1"):
        load_profile(bad)
    with pytest.raises(PolicyError, match="does not exist"):
        load_profile(tmp_path / "nope.json")


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch, profiles):
    path = tmp_path / "p.json"
    save_profile(profiles["Balanced Growth"], path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("core.jsonio.os.replace", boom)
    with pytest.raises(OSError):
        save_profile(profiles["Capital Preservation"], path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]


fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    lo=fractions, hi=fractions, cap=fractions, vol=st.floats(0.01, 1.0), noise=st.text(max_size=5)
)
def test_random_profiles_either_load_and_round_trip_or_raise_policy_error(lo, hi, cap, vol, noise):
    data = _bg_dict()
    data["asset_class_ranges"]["Equity"] = [lo, hi]
    data["asset_bounds"]["QQQ"] = {"max": cap}
    data["max_volatility"] = vol
    data["notes"] = noise
    try:
        profile = profile_from_dict(data)
    except PolicyError as exc:
        assert lo > hi and "Equity minimum" in str(exc)
        return
    assert lo <= hi
    assert profile_from_dict(json.loads(json.dumps(profile_to_dict(profile)))) == profile
