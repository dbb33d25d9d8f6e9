"""Issue 15 #5: an ETF added to the universe (XLE) gets a stated default in every built-in
scenario, so the stress test and the report run, and say where its shocks come from."""

from __future__ import annotations

import pandas as pd
import pytest

from core.data.synthetic import generate_synthetic_dataset
from core.pipeline import AnalysisSettings, run_analysis
from core.policy.profile_io import bundled_profiles
from core.report.package import export_report
from core.stress.defaults import (
    DEFAULT_MARK,
    cover_universe,
    defaulted_tickers,
    load_class_proxies,
    with_class_proxies,
)
from core.stress.engine import stress_analysis
from core.stress.library import bundled_scenarios
from core.stress.scenarios import Scenario, ScenarioKind
from core.universe import Asset, Universe, default_universe

BASE = default_universe()
WITH_XLE = Universe(
    BASE.assets + (Asset("XLE", "Equity", "Energy Select Sector SPDR"),),
    BASE.asset_classes,
    BASE.cash_ticker,
    BASE.name,
)


@pytest.fixture(scope="module")
def analysis():
    """Balanced Growth over the universe with XLE, holding at least 5% XLE."""
    profile = bundled_profiles()["Balanced Growth"]
    profile = profile.with_changes(asset_minimums={**profile.asset_minimums, "XLE": 0.05})
    dataset = generate_synthetic_dataset(WITH_XLE)
    result = run_analysis(profile, dataset, WITH_XLE, AnalysisSettings())
    assert result.recommended.weights["XLE"] >= 0.05 - 1e-9
    return result


def test_the_class_representatives_are_the_drivers_files(tmp_path):
    assert load_class_proxies() == {
        "Equity": "SPY",
        "Fixed Income": "AGG",
        "Alternatives": "VNQ",
        "Cash": "SGOV",
    }


def test_a_new_etf_takes_its_class_representatives_shock_with_a_note(analysis):
    stress = stress_analysis(
        analysis
    )  # before: "Scenario 'Equity Bear Market' has no shock for XLE"
    built_in = [o for o in stress.outcomes if o.kind is not ScenarioKind.CUSTOM]
    assert len(built_in) == 14
    for outcome in built_in:
        scenario = outcome.scenario
        assert set(scenario.shocks) == set(WITH_XLE.tickers), scenario.name
        if outcome.kind is ScenarioKind.CONDITIONAL:
            continue  # the covariance covers XLE: its own implied shock
        assert scenario.shocks["XLE"] == scenario.shocks["SPY"], scenario.name
        assert scenario.proxies["XLE"] == "SPY"
        note = scenario.note("XLE")
        assert DEFAULT_MARK in note and "SPY" in note and "Equity" in note
        assert "custom scenario" in note  # what to do to give XLE its own shock
    historical = next(o for o in built_in if o.kind is ScenarioKind.HISTORICAL).scenario
    assert "no history in this replay" in historical.note("XLE")
    hypothetical = next(o for o in built_in if o.kind is ScenarioKind.HYPOTHETICAL).scenario
    assert "driver exposures" in hypothetical.note("XLE")
    # the shock moves the result: XLE contributes weight x SPY's shock
    bear = stress.outcome("Equity Bear Market")
    assert bear.contributions["XLE"] == pytest.approx(
        analysis.recommended.weights["XLE"] * bear.shocks["SPY"]
    )
    assert defaulted_tickers([o.scenario for o in stress.outcomes]) == {"XLE": "SPY"}


def test_the_report_runs_and_states_the_stand_in(analysis, tmp_path):
    out = tmp_path / "report"
    export_report([analysis], out)  # before: every export failed
    rows = pd.read_csv(out / "stress_test_results.csv")
    xle = rows[rows["ticker"] == "XLE"]
    assert len(xle) == 14
    historical = xle[xle["scenario_kind"] == "historical"]
    assert set(historical["proxy"]) == {"SPY"}
    assert historical["shock_source"].str.contains("no history in this replay").all()
    memo = (out / "investment_memo.md").read_text(encoding="utf-8")
    assert "XLE has no shock of its own in the built-in scenarios: SPY's shock stands in" in memo


def test_a_class_without_a_representative_gets_zero_with_a_note():
    universe = Universe(
        BASE.assets + (Asset("BTC", "Crypto"),),
        (*BASE.asset_classes, "Crypto"),
        BASE.cash_ticker,
    )
    scenario = bundled_scenarios()[0]
    covered = with_class_proxies(scenario, universe, load_class_proxies())
    assert covered.shocks["BTC"] == 0.0 and "BTC" not in covered.proxies
    assert "0%" in covered.note("BTC") and "no Crypto representative" in covered.note("BTC")


def test_custom_scenarios_and_covered_ones_are_left_alone():
    custom = Scenario("Mine", ScenarioKind.CUSTOM, {"SPY": -0.1})
    assert cover_universe([custom], WITH_XLE) == (custom,)
    bundled = bundled_scenarios()
    assert cover_universe(bundled, BASE) == bundled  # the bundled universe: nothing changes


def test_shocks_of_etfs_removed_from_the_universe_are_dropped():
    smaller = Universe(
        tuple(a for a in BASE.assets if a.ticker != "DBC"), BASE.asset_classes, BASE.cash_ticker
    )
    for scenario in cover_universe(bundled_scenarios(), smaller):
        assert "DBC" not in scenario.shocks
