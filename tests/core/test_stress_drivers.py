"""Driver-based hypothetical scenarios: every ETF's shock in every scenario, pinned by hand."""

from __future__ import annotations

import pytest

from core.stress.drivers import (
    Driver,
    DriverScenario,
    driver_scenarios_from_dict,
    exposures_from_dict,
    hypothetical_scenario,
    hypothetical_scenarios,
    load_driver_scenarios,
    load_exposures,
    shock_components,
)
from core.stress.scenarios import ScenarioError, ScenarioKind
from core.universe import default_universe


def hand_shocks(
    eq: float, dy_bp: float, ig_bp: float, hy_bp: float, usd: float, cmd: float, gold: float
) -> dict:
    """The formula typed out with the exposure numbers of etf_drivers.json (not read from it)."""
    dy, ig, hy = dy_bp / 1e4, ig_bp / 1e4, hy_bp / 1e4
    return {
        "SPY": 1.0 * eq,
        "QQQ": 1.15 * eq,
        "IWM": 1.2 * eq,
        "EFA": 0.9 * eq - 0.8 * usd,
        "EEM": 1.1 * eq - 1.0 * usd,
        "AGG": -6.0 * dy + 0.5 * 40.0 * dy**2 - 7.0 * 0.27 * ig,
        "TLT": -16.5 * dy + 0.5 * 350.0 * dy**2,
        "SHY": -1.9 * dy + 0.5 * 4.5 * dy**2,
        "LQD": -8.5 * dy + 0.5 * 120.0 * dy**2 - 8.3 * 1.0 * ig,
        "HYG": -3.5 * dy + 0.5 * 15.0 * dy**2 - 3.3 * 1.0 * hy,
        "VNQ": 1.0 * eq - 3.0 * dy,
        "GLD": 1.0 * gold,
        "DBC": 1.0 * cmd,
        "SGOV": -0.1 * dy,
    }


# driver moves of hypothetical.json: equity, rates bp, IG bp, HY bp, dollar, commodities, gold
EXPECTED = {
    "Equity Bear Market": hand_shocks(-0.25, -75, 75, 300, 0.05, -0.15, 0.08),
    "Rate Shock": hand_shocks(-0.08, 150, 25, 75, 0.04, 0.0, -0.03),
    "Inflation Shock": hand_shocks(-0.10, 100, 25, 100, 0.0, 0.20, 0.08),
    "Credit Spread Widening": hand_shocks(-0.10, -50, 125, 400, 0.03, -0.10, 0.03),
    "Risk-On Rally": hand_shocks(0.15, 25, -20, -75, -0.03, 0.08, -0.03),
    "Dollar Liquidity Shock": hand_shocks(-0.12, -25, 100, 300, 0.10, -0.10, -0.03),
}


@pytest.fixture(scope="module")
def scenarios():
    return {s.name: s for s in hypothetical_scenarios()}


def test_the_original_six_scenarios_in_order(scenarios):
    assert list(scenarios) == list(EXPECTED)
    assert all(s.kind is ScenarioKind.HYPOTHETICAL for s in scenarios.values())


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_etf_shock_matches_the_hand_formula(scenarios, name):
    got = scenarios[name].shocks
    assert set(got) == set(default_universe().tickers)
    for ticker, expected in EXPECTED[name].items():
        assert got[ticker] == pytest.approx(expected, abs=1e-12), (name, ticker)


def test_headline_bond_shocks_by_hand(scenarios):
    # worked by hand in the report: rate shock +150bp, IG +25bp, HY +75bp
    rate = scenarios["Rate Shock"].shocks
    assert rate["TLT"] == pytest.approx(-0.208125, abs=1e-12)  # -16.5*.015 + 175*.000225
    assert rate["AGG"] == pytest.approx(-0.090225, abs=1e-12)  # -.09 + .0045 - 1.89*.0025
    assert rate["SHY"] == pytest.approx(-0.02799375, abs=1e-12)
    assert rate["LQD"] == pytest.approx(-0.13475, abs=1e-12)
    assert rate["HYG"] == pytest.approx(-0.0755625, abs=1e-12)
    # credit widening: rates -50bp, IG +125bp, HY +400bp
    credit = scenarios["Credit Spread Widening"].shocks
    assert credit["TLT"] == pytest.approx(0.086875, abs=1e-12)
    assert credit["AGG"] == pytest.approx(0.006875, abs=1e-12)
    assert credit["SHY"] == pytest.approx(0.00955625, abs=1e-12)
    assert credit["LQD"] == pytest.approx(-0.05975, abs=1e-12)
    assert credit["HYG"] == pytest.approx(-0.1143125, abs=1e-12)


def test_orderings_the_original_got_wrong(scenarios):
    rate = scenarios["Rate Shock"].shocks
    assert rate["TLT"] < rate["AGG"] < rate["SHY"] < rate["SGOV"] < 0
    credit = scenarios["Credit Spread Widening"].shocks
    assert credit["HYG"] < credit["LQD"] < credit["AGG"]
    dollar = scenarios["Dollar Liquidity Shock"].shocks
    assert (
        dollar["EEM"] < dollar["EFA"] < dollar["SPY"] and dollar["VNQ"] != 0 and dollar["DBC"] != 0
    )


def test_agg_takes_its_credit_share_of_spread_widening():
    exposures = load_exposures()
    credit = next(s for s in load_driver_scenarios() if s.name == "Credit Spread Widening")
    parts = shock_components(exposures["AGG"], credit)
    assert parts["credit"] == pytest.approx(-7.0 * 0.27 * 0.0125, abs=1e-15)
    assert sum(parts.values()) == pytest.approx(0.006875, abs=1e-12)


def test_every_number_has_its_rationale_or_note():
    for scenario in load_driver_scenarios():
        assert set(scenario.rationale) == set(scenario.moves) == set(Driver)
        assert all(text.strip() for text in scenario.rationale.values())
    for exposure in load_exposures().values():
        assert all(text.strip() for text in exposure.notes.values())


def test_the_scenario_notes_explain_each_shock(scenarios):
    assert scenarios["Rate Shock"].note("TLT") == "rates -24.75% + convexity +3.94% = -20.81%"
    assert "no exposure" in scenarios["Rate Shock"].note("DBC")


def test_an_extreme_driver_move_is_refused():
    exposures = load_exposures()
    # EEM: 1.1 x -50% - 1.0 x +60% = -115%, refused by the scenario check
    absurd = DriverScenario("Absurd", {Driver.EQUITY: -0.5, Driver.DOLLAR: 0.60})
    with pytest.raises(ScenarioError, match="Absurd.*EEM.*below -100%"):
        hypothetical_scenario(absurd, exposures)
    # beyond ~D/C the second-order expansion turns (TLT at +1000bp would show a gain): refused
    with pytest.raises(ScenarioError, match="1000bp is beyond"):
        DriverScenario("Too far", {Driver.RATES: 1000.0})
    with pytest.raises(ScenarioError, match="below -100%"):
        DriverScenario("Gone", {Driver.GOLD: -1.5})


def test_bad_driver_files_are_refused():
    with pytest.raises(ScenarioError, match="unknown driver 'oil'"):
        driver_scenarios_from_dict({"scenarios": [{"name": "X", "moves": {"oil": 0.1}}]})
    with pytest.raises(ScenarioError, match="not a number"):
        driver_scenarios_from_dict(
            {"scenarios": [{"name": "X", "moves": {"equity": {"value": "big"}}}]}
        )
    with pytest.raises(ScenarioError, match="unknown exposure beta"):
        exposures_from_dict({"etfs": {"SPY": {"beta": 1.0}}})
