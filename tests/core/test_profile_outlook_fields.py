"""The IPS fields the Outlook needs (issue 17): numeric return objective, spending policy and
liquidity reserve; files without them keep loading."""

from __future__ import annotations

import json

import pytest

from core.errors import PolicyError
from core.policy.profile import SpendingKind, SpendingPolicy
from core.policy.profile_io import bundled_profiles, profile_from_dict, profile_to_dict


def _balanced() -> dict:
    return profile_to_dict(bundled_profiles()["Balanced Growth"])


def test_the_endowment_profile_spends_five_percent_of_assets():
    endowment = bundled_profiles()["Long-Term Endowment Growth"]
    assert endowment.spending == SpendingPolicy(SpendingKind.PERCENT_OF_ASSETS, 0.05)
    assert endowment.target_return == pytest.approx(0.075)
    assert endowment.spending.describe() == "spend 5.00% of assets a year, paid monthly"


def test_a_file_without_the_new_fields_loads_with_neutral_defaults():
    data = _balanced()
    for key in ("target_return", "spending", "liquidity_reserve"):
        del data[key]
    profile = profile_from_dict(data)
    assert profile.target_return is None
    assert profile.spending == SpendingPolicy()
    assert profile.liquidity_reserve == 0.0


def test_the_new_fields_round_trip_through_json():
    data = _balanced()
    data["spending"] = {"kind": "fixed_amount", "value": 2_500_000}
    data["liquidity_reserve"] = 0.1
    data["target_return"] = None
    profile = profile_from_dict(json.loads(json.dumps(data)))
    assert profile.spending.kind is SpendingKind.FIXED_AMOUNT
    assert profile_from_dict(json.loads(json.dumps(profile_to_dict(profile)))) == profile


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("spending", {"kind": "monthly"}, "spending.kind"),
        ("spending", {"kind": "percent_of_assets", "value": 5}, "write 0.05"),
        ("spending", [0.05], "spending"),
        ("target_return", "7%", "target_return"),
        ("target_return", 7.0, "0.07 = 7%"),
        ("liquidity_reserve", 1.5, "liquidity reserve"),
    ],
)
def test_bad_values_name_the_field(field, value, message):
    data = _balanced()
    data[field] = value
    with pytest.raises(PolicyError, match=message):
        profile_from_dict(data)
