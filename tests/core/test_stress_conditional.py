"""Conditional scenarios: Sigma_oS Sigma_SS^-1 s against hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.stress.conditional import (
    ConditionalSpec,
    conditional_betas,
    conditional_scenario,
    conditional_shocks,
    covariance_frame,
    load_conditional_specs,
)
from core.stress.scenarios import ScenarioError, ScenarioKind
from core.universe import default_universe

# vol 20% / 30% / 10%; corr(SPY, EEM) = 0.2, corr(SPY, TLT) = -0.2, EEM and TLT uncorrelated
COV = covariance_frame(
    np.array([[0.04, 0.012, -0.004], [0.012, 0.09, 0.0], [-0.004, 0.0, 0.01]]),
    ["SPY", "EEM", "TLT"],
)


def test_one_shock_moves_the_others_by_cov_over_var():
    implied = conditional_shocks(COV, {"SPY": -0.20})
    assert implied["SPY"] == -0.20
    assert implied["EEM"] == pytest.approx(0.012 / 0.04 * -0.20, abs=1e-15)  # beta 0.3 -> -6%
    assert implied["TLT"] == pytest.approx(-0.004 / 0.04 * -0.20, abs=1e-15)  # beta -0.1 -> +2%
    assert implied["EEM"] == pytest.approx(-0.06) and implied["TLT"] == pytest.approx(0.02)


def test_two_shocks_by_hand_with_the_two_by_two_inverse():
    # Sigma_SS = [[.04, -.004], [-.004, .01]], det = .000384, inverse = [[.01, .004], [.004, .04]] / det
    # Sigma_oS for EEM = [.012, 0] -> betas [.012*.01, .012*.004] / det = [0.3125, 0.125]
    betas = conditional_betas(COV, ["SPY", "TLT"])
    assert betas.loc["EEM", "SPY"] == pytest.approx(0.3125, abs=1e-12)
    assert betas.loc["EEM", "TLT"] == pytest.approx(0.125, abs=1e-12)
    implied = conditional_shocks(COV, {"SPY": -0.20, "TLT": 0.05})
    assert implied["EEM"] == pytest.approx(0.3125 * -0.20 + 0.125 * 0.05, abs=1e-12)  # -5.625%
    assert implied["SPY"] == -0.20 and implied["TLT"] == 0.05
    np.testing.assert_allclose(betas.loc[["SPY", "TLT"]].to_numpy(), np.eye(2))


def test_the_betas_do_not_depend_on_the_covariance_horizon():
    monthly = COV / 12.0
    pd.testing.assert_series_equal(
        conditional_shocks(COV, {"SPY": -0.2}), conditional_shocks(monthly, {"SPY": -0.2})
    )


@given(st.floats(-0.9, 0.9), st.floats(0.05, 0.5), st.floats(0.05, 0.5), st.floats(-0.5, 0.5))
def test_bivariate_case_is_beta_times_shock(rho, vol_a, vol_b, shock):
    cov = covariance_frame(
        np.array([[vol_a**2, rho * vol_a * vol_b], [rho * vol_a * vol_b, vol_b**2]]), ["A", "B"]
    )
    implied = conditional_shocks(cov, {"A": shock})
    assert implied["B"] == pytest.approx(rho * vol_b / vol_a * shock, abs=1e-12)


def test_the_scenario_shows_the_betas_and_the_model():
    spec = ConditionalSpec("SPY down", {"SPY": -0.2}, rationale={"SPY": "bear market threshold"})
    scenario = conditional_scenario(spec, COV)
    assert scenario.kind is ScenarioKind.CONDITIONAL
    assert scenario.shocks["EEM"] == pytest.approx(-0.06)
    assert (
        scenario.notes["EEM"]
        == "0.300 x -20.00% (SPY) = -6.00%; conditional expectation from the covariance, zero means"
    )
    assert scenario.notes["SPY"] == "bear market threshold"


def test_bad_conditional_input_is_refused():
    with pytest.raises(ScenarioError, match="XYZ"):
        conditional_shocks(COV, {"XYZ": -0.2})
    with pytest.raises(ScenarioError, match="below -100%"):
        conditional_shocks(COV, {"SPY": -1.5})
    with pytest.raises(ScenarioError, match="not a number"):
        conditional_shocks(COV, {"SPY": "a lot"})
    with pytest.raises(ScenarioError, match="at least one"):
        conditional_shocks(COV, {})
    collinear = covariance_frame(np.array([[0.04, 0.04], [0.04, 0.04]]), ["SPY", "IVV"])
    with pytest.raises(ScenarioError, match="perfectly correlated"):
        conditional_shocks(collinear, {"SPY": -0.2, "IVV": -0.1})
    # beta of EEM on SPY is 0.08 / 0.04 = 2: a legal SPY -60% implies EEM -120%, refused
    steep = covariance_frame(np.array([[0.04, 0.08], [0.08, 0.25]]), ["SPY", "EEM"])
    with pytest.raises(ScenarioError, match="EEM.*below -100%.*smaller shock"):
        conditional_scenario(ConditionalSpec("Deep", {"SPY": -0.6}), steep)


def test_bundled_specs_run_on_a_universe_covariance():
    tickers = default_universe().tickers
    rng = np.random.default_rng(0)
    factors = rng.normal(size=(len(tickers), 3))
    cov = covariance_frame(0.01 * (factors @ factors.T + np.eye(len(tickers))), tickers)
    specs = load_conditional_specs()
    assert [len(s.shocks) for s in specs] == [1, 1, 2]
    for spec in specs:
        scenario = conditional_scenario(spec, cov)
        assert set(scenario.shocks) == set(tickers)
        for ticker, value in spec.shocks.items():
            assert scenario.shocks[ticker] == value
