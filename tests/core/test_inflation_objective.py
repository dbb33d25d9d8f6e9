"""The "inflation + x%" return objective: the nominal rate by hand, the profile file round trip,
and the Outlook's objective test and target wealth computed from it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import PolicyError
from core.outlook.analysis import policy_of
from core.outlook.answers import outlook
from core.outlook.simulation import SimulationSettings, simulate
from core.policy.profile import ReturnBasis, nominal_objective
from core.policy.profile_io import bundled_profiles, profile_from_dict, profile_to_dict


def _endowment():
    return bundled_profiles()["Long-Term Endowment Growth"]


def test_nominal_rate_is_real_compounding_by_hand():
    assert nominal_objective(ReturnBasis.INFLATION_PLUS, 0.04, 0.03) == pytest.approx(0.0712)
    assert nominal_objective(ReturnBasis.NOMINAL, 0.04, 0.03) == 0.04
    profile = _endowment().with_changes(
        target_return=0.04, return_basis=ReturnBasis.INFLATION_PLUS, inflation=0.03
    )
    assert profile.nominal_target_return == pytest.approx(1.03 * 1.04 - 1)
    assert "inflation (3.00% assumed) + 4.00% = 7.12%" in profile.describe_return_target()
    # no x stated: preserve purchasing power, the inflation itself
    assert profile.with_changes(target_return=None).nominal_target_return == pytest.approx(0.03)


def test_profile_file_round_trip_and_old_files():
    profile = _endowment().with_changes(
        target_return=0.045, return_basis=ReturnBasis.INFLATION_PLUS, inflation=0.022
    )
    data = profile_to_dict(profile)
    assert data["return_basis"] == "inflation_plus" and data["inflation"] == 0.022
    assert profile_from_dict(data) == profile
    del data["return_basis"], data["inflation"]
    old = profile_from_dict(data)
    assert old.return_basis is ReturnBasis.NOMINAL and old.inflation == 0.025


def test_bad_inflation_and_basis_are_refused_with_the_field_named():
    with pytest.raises(PolicyError, match="inflation assumption"):
        _endowment().with_changes(inflation=0.4)
    data = profile_to_dict(_endowment())
    data["return_basis"] = "real"
    with pytest.raises(PolicyError, match="return_basis"):
        profile_from_dict(data)


def test_outlook_tests_paths_against_the_nominal_rate():
    profile = _endowment().with_changes(
        target_return=0.04, return_basis=ReturnBasis.INFLATION_PLUS, inflation=0.03
    )
    policy = policy_of(profile, 1.0)
    assert policy.return_objective == pytest.approx(0.0712)
    # five years of a constant 0.6% a month, no spending: earn (1.006)^12 - 1 = 7.44% a year
    months = pd.date_range("2010-01-31", periods=60, freq="ME")
    history = pd.DataFrame({"SPY": np.full(60, 0.006)}, index=months)
    settings = SimulationSettings(paths=50, horizon_years=5, seed=1)
    no_spending = policy_of(profile.with_changes(spending=no_spending_policy()), 1.0)
    sims = simulate(history, {"A": pd.Series({"SPY": 1.0})}, settings, no_spending.cash_flows)
    answer = outlook(sims, no_spending, settings).portfolios[0]
    assert answer.prob_objective == 1.0  # 7.44% >= 7.12%
    assert answer.target_wealth == pytest.approx(1.0712**5)  # W0 * ((1+i)(1+x))^T by hand
    higher = policy_of(profile.with_changes(inflation=0.04, spending=no_spending_policy()), 1.0)
    assert higher.return_objective == pytest.approx(1.04 * 1.04 - 1)  # 8.16% > 7.44%
    assert outlook(sims, higher, settings).portfolios[0].prob_objective == 0.0


def no_spending_policy():
    from core.policy.profile import SpendingPolicy

    return SpendingPolicy()
