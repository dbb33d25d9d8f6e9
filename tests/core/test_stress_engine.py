"""The stress engine: a 3-ETF example by hand, breach logic, refusals, and the pipeline convenience."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DataError
from core.stress.engine import run_stress, stress_analysis
from core.stress.scenarios import Scenario, ScenarioError, ScenarioKind

CLASSES = {"SPY": "Equity", "EFA": "Equity", "AGG": "Fixed Income", "SGOV": "Cash"}
WEIGHTS = pd.Series({"SPY": 0.6, "AGG": 0.3, "SGOV": 0.1})
BENCH = pd.Series({"SPY": 0.5, "AGG": 0.5})
CRASH = Scenario("Crash", ScenarioKind.CUSTOM, {"SPY": -0.5, "AGG": -0.1, "SGOV": 0.01})
DIP = Scenario("Dip", ScenarioKind.CUSTOM, {"SPY": -0.1, "AGG": 0.02, "SGOV": 0.0})


def run(scenarios=(CRASH, DIP), weights=WEIGHTS, bench=BENCH, tolerance=0.25):
    return run_stress(
        weights,
        bench,
        scenarios,
        asset_classes=CLASSES,
        portfolio_value=1_000_000.0,
        drawdown_tolerance=tolerance,
        profile_name="Test",
    )


def test_three_etf_example_by_hand():
    crash = run().outcome("Crash")
    # portfolio 0.6*-0.5 + 0.3*-0.1 + 0.1*0.01 = -0.30 - 0.03 + 0.001 = -0.329
    assert crash.contributions.to_dict() == pytest.approx(
        {"SPY": -0.30, "AGG": -0.03, "SGOV": 0.001}
    )
    assert crash.portfolio_return == pytest.approx(-0.329, abs=1e-15)
    # benchmark 0.5*-0.5 + 0.5*-0.1 = -0.30
    assert crash.benchmark_return == pytest.approx(-0.30, abs=1e-15)
    assert crash.relative_performance == pytest.approx(-0.029, abs=1e-15)
    assert crash.portfolio_pnl == pytest.approx(
        -329_000.0
    ) and crash.benchmark_pnl == pytest.approx(-300_000.0)
    assert crash.class_contributions.to_dict() == pytest.approx(
        {"Equity": -0.30, "Fixed Income": -0.03, "Cash": 0.001}
    )
    assert crash.class_contributions.sum() == pytest.approx(crash.portfolio_return, abs=1e-15)
    assert crash.benchmark_class_contributions.to_dict() == pytest.approx(
        {"Equity": -0.25, "Fixed Income": -0.05, "Cash": 0.0}
    )


def test_breach_when_the_loss_exceeds_the_tolerance():
    result = run()
    assert result.outcome("Crash").breaches_drawdown_tolerance  # -32.9% vs 25%
    assert result.outcome("Crash").benchmark_breaches_drawdown_tolerance  # -30% vs 25%
    assert not result.outcome("Dip").breaches_drawdown_tolerance
    assert result.breaches == ("Crash",)
    assert result.worst.name == "Crash" and result.worst_relative.name == "Crash"
    assert not run(tolerance=0.35).outcome("Crash").breaches_drawdown_tolerance


def test_a_loss_exactly_at_the_tolerance_does_not_breach():
    exact = Scenario("Exact", ScenarioKind.CUSTOM, {"SPY": -0.25})
    outcome = run([exact], weights=pd.Series({"SPY": 1.0}), bench=pd.Series({"SPY": 1.0})).outcome(
        "Exact"
    )
    assert outcome.portfolio_return == -0.25 and not outcome.breaches_drawdown_tolerance


def test_summary_and_frames():
    result = run()
    summary = result.summary_frame()
    assert list(summary.index) == ["Crash", "Dip"]
    assert summary.loc["Dip", "portfolio_return"] == pytest.approx(0.6 * -0.1 + 0.3 * 0.02)
    assert bool(summary.loc["Crash", "breaches_drawdown_tolerance"])
    assert list(result.contributions_frame().index) == ["SPY", "AGG", "SGOV"]  # universe order
    assert result.class_contributions_frame().sum().to_dict() == pytest.approx(
        summary["portfolio_return"].to_dict()
    )


def test_a_held_etf_without_a_shock_is_refused_not_zeroed():
    partial = Scenario("Partial", ScenarioKind.CUSTOM, {"SPY": -0.2})
    with pytest.raises(ScenarioError, match="'Partial' has no shock for AGG, SGOV"):
        run([partial])


def test_an_etf_held_by_neither_side_shows_no_shock_and_contributes_nothing():
    outcome = run(
        [CRASH], weights=pd.Series({"SPY": 0.7, "AGG": 0.3, "SGOV": 0.0, "EFA": 0.0})
    ).outcome("Crash")
    assert pd.isna(outcome.shocks["EFA"]) and outcome.contributions["EFA"] == 0.0
    assert outcome.portfolio_return == pytest.approx(0.7 * -0.5 + 0.3 * -0.1)


def test_bad_input_is_refused():
    with pytest.raises(ScenarioError, match="XYZ"):
        run(
            [Scenario("Typo", ScenarioKind.CUSTOM, {"SPY": -0.1, "AGG": 0, "SGOV": 0, "XYZ": -0.2})]
        )
    with pytest.raises(ScenarioError, match="Two scenarios"):
        run([CRASH, CRASH])
    with pytest.raises(ScenarioError, match="No scenarios"):
        run([])
    with pytest.raises(DataError, match="SPY"):
        run(weights=pd.Series({"SPY": float("nan"), "AGG": 1.0}))
    with pytest.raises(DataError, match="No asset class for GLD"):
        run(weights=pd.Series({"GLD": 1.0}))
    with pytest.raises(DataError, match="drawdown tolerance"):
        run(tolerance=25.0)
    with pytest.raises(DataError, match="portfolio value"):
        run_stress(
            WEIGHTS,
            BENCH,
            [CRASH],
            asset_classes=CLASSES,
            portfolio_value=0.0,
            drawdown_tolerance=0.25,
        )


weight_lists = st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4)
shock_lists = st.lists(st.floats(-1.0, 2.0), min_size=4, max_size=4)


@given(weight_lists, shock_lists)
def test_contributions_always_sum_to_the_return(weights, shocks):
    tickers = list(CLASSES)
    scenario = Scenario("Any", ScenarioKind.CUSTOM, dict(zip(tickers, shocks, strict=True)))
    outcome = run(
        [scenario], weights=pd.Series(weights, index=tickers), bench=pd.Series({"SPY": 1.0})
    ).outcome("Any")
    expected = sum(w * s for w, s in zip(weights, shocks, strict=True))
    assert outcome.portfolio_return == pytest.approx(expected, abs=1e-12)
    assert outcome.class_contributions.sum() == pytest.approx(expected, abs=1e-12)


@pytest.fixture(scope="module")
def analysis():
    from core.pipeline import load_default_dataset, run_analysis
    from core.policy.profile_io import bundled_profiles

    return run_analysis(bundled_profiles()["Balanced Growth"], load_default_dataset())


def test_stress_analysis_runs_every_bundled_scenario_on_the_recommendation(analysis):
    custom = Scenario(
        "Committee worst case", ScenarioKind.CUSTOM, dict.fromkeys(analysis.universe.tickers, -0.4)
    )
    result = stress_analysis(analysis, custom=[custom])
    kinds = [o.kind for o in result.outcomes]
    assert kinds.count(ScenarioKind.HYPOTHETICAL) == 6 and kinds.count(ScenarioKind.HISTORICAL) == 5
    assert kinds.count(ScenarioKind.CONDITIONAL) == 3 and kinds[-1] is ScenarioKind.CUSTOM
    assert result.drawdown_tolerance == analysis.profile.max_drawdown
    assert result.portfolio_value == analysis.settings.portfolio_value
    worst_case = result.outcome("Committee worst case")
    assert worst_case.portfolio_return == pytest.approx(-0.4 * analysis.recommended.weights.sum())
    assert worst_case.breaches_drawdown_tolerance and result.worst.name == "Committee worst case"
    rate = result.outcome("Rate Shock")
    expected = float((analysis.recommended.weights * pd.Series(rate.scenario.shocks)).sum())
    assert rate.portfolio_return == pytest.approx(expected, abs=1e-14)
    assert rate.benchmark_return == pytest.approx(
        0.6 * -0.08 + 0.4 * rate.scenario.shocks["AGG"], abs=1e-14
    )
    implied = result.outcome("Equity Sell-off (SPY -20%, implied)").scenario.shocks
    assert implied["SPY"] == -0.20


def test_stress_analysis_refuses_a_bad_custom_scenario(analysis):
    bad = Scenario("Typo", ScenarioKind.CUSTOM, {"SPX": -0.2})
    with pytest.raises(ScenarioError, match="SPX"):
        stress_analysis(analysis, custom=[bad])
