"""Stress framed as the tolerance is: a historical replay's path drawdown (peak to trough of the
monthly path of the weights held) beside its start-to-end return, on real GFC closes.

The hand computations below use plain Python loops over the fixture's closes
(``tests/core/fixtures/realdata_gfc_spy_agg.csv``, real SPY / AGG month-end closes); the engine
reaches its number through the committed ``historical.json`` and pandas.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from core.stress.build_historical import EPISODES, build_historical, read_prices
from core.stress.engine import run_stress
from core.stress.library import historical_scenarios
from core.stress.scenarios import Scenario, ScenarioError, ScenarioKind, scenarios_from_dict
from core.universe import default_universe

FIXTURE = Path(__file__).parent / "fixtures" / "realdata_gfc_spy_agg.csv"
GFC = next(e for e in EPISODES if e.name == "Global Financial Crisis")
SIXTY_FORTY = pd.Series({"SPY": 0.6, "AGG": 0.4})


def hand_closes() -> dict[str, dict[str, float]]:
    with FIXTURE.open() as f:
        return {
            row["date"]: {"SPY": float(row["SPY"]), "AGG": float(row["AGG"])}
            for row in csv.DictReader(f)
        }


def hand_gfc(weights: dict[str, float]) -> tuple[float, float]:
    """(path drawdown, start-to-end return) of ``weights`` over the GFC, by loops: each month the
    portfolio earns the weighted sum of the ETFs' monthly returns (rebalanced to the weights); the
    start-to-end return is the weights held times each ETF's total return."""
    closes = hand_closes()
    dates = sorted(closes)
    months = [d for d in dates if GFC.start <= d <= GFC.end]
    wealth, peak, deepest = 1.0, 1.0, 0.0
    for previous, date in zip(months, months[1:], strict=False):
        month = 0.0
        for ticker, weight in weights.items():
            month += weight * (closes[date][ticker] / closes[previous][ticker] - 1.0)
        wealth *= 1.0 + month
        peak = max(peak, wealth)
        deepest = min(deepest, wealth / peak - 1.0)
    start_to_end = 0.0
    for ticker, weight in weights.items():
        start_to_end += weight * (closes[GFC.end][ticker] / closes[GFC.start][ticker] - 1.0)
    return deepest, start_to_end


def gfc_stress(weights: pd.Series, benchmark: pd.Series, tolerance: float = 0.25):
    universe = default_universe()
    gfc = next(s for s in historical_scenarios(universe.tickers) if s.name == GFC.name)
    result = run_stress(
        weights,
        benchmark,
        [gfc],
        asset_classes={t: universe.asset_class_of(t) for t in universe.tickers},
        portfolio_value=1_000_000,
        drawdown_tolerance=tolerance,
    )
    return result.outcome(GFC.name)


def test_the_gfc_replay_starts_at_the_pre_crisis_peak_of_spy():
    closes = hand_closes()
    before = [d for d in closes if d <= GFC.start]
    assert GFC.start == max(before, key=lambda d: closes[d]["SPY"])  # 2007-10-31, 109.57
    trough = min((d for d in closes if d <= GFC.end), key=lambda d: closes[d]["SPY"])
    assert trough == "2009-02-28" < GFC.end  # the replay ends after the first rebound month


def test_gfc_path_drawdown_of_sixty_forty_matches_a_hand_computation():
    hand_drawdown, hand_return = hand_gfc({"SPY": 0.6, "AGG": 0.4})
    assert hand_drawdown == pytest.approx(-0.323, abs=0.001)  # issue 16: -32.3%
    assert hand_return == pytest.approx(-0.249, abs=0.001)  # issue 16: -24.9%
    outcome = gfc_stress(SIXTY_FORTY, SIXTY_FORTY)
    assert outcome.has_path
    assert outcome.path_drawdown == pytest.approx(hand_drawdown, abs=0.005)  # within 0.5 pt
    assert outcome.path_drawdown == pytest.approx(hand_drawdown, abs=1e-6)  # rounding only
    assert outcome.portfolio_return == pytest.approx(hand_return, abs=1e-6)


def test_the_benchmark_reports_both_and_the_tolerance_meets_the_path():
    """A 60/40 benchmark's GFC fall: -24.9% start to end, -32.3% on the path; a 25% tolerance is
    breached by the path although the start-to-end return stays within it."""
    hand_drawdown, hand_return = hand_gfc({"SPY": 0.6, "AGG": 0.4})
    outcome = gfc_stress(pd.Series({"AGG": 1.0}), SIXTY_FORTY, tolerance=0.25)
    assert outcome.benchmark_return == pytest.approx(hand_return, abs=1e-6)
    assert outcome.benchmark_path_drawdown == pytest.approx(hand_drawdown, abs=1e-6)
    assert outcome.benchmark_return > -0.25 > outcome.benchmark_path_drawdown
    assert outcome.benchmark_breaches_drawdown_tolerance
    # the portfolio (all AGG) is measured on its own path, within the tolerance
    agg_drawdown, _ = hand_gfc({"AGG": 1.0})
    assert outcome.path_drawdown == pytest.approx(agg_drawdown, abs=1e-6)
    assert not outcome.breaches_drawdown_tolerance


def test_the_committed_path_is_the_fixtures_closes():
    """Second route: the builder on the fixture gives the committed file's GFC path."""
    rebuilt = build_historical(read_prices(FIXTURE), ["SPY", "AGG"], [GFC])["scenarios"][0]
    committed = next(s for s in historical_scenarios() if s.name == GFC.name)
    assert tuple(rebuilt["path_dates"]) == committed.path_dates
    assert len(committed.path_dates) == 17  # Nov 2007 .. Mar 2009
    for ticker in ("SPY", "AGG"):
        assert committed.monthly[ticker] == pytest.approx(
            rebuilt["shocks"][ticker]["monthly"], abs=1e-8
        )


def test_a_one_period_scenario_has_its_loss_as_path_drawdown():
    crash = Scenario("Crash", ScenarioKind.CUSTOM, {"SPY": -0.3, "AGG": 0.1})
    universe = default_universe()
    outcome = run_stress(
        SIXTY_FORTY,
        SIXTY_FORTY,
        [crash],
        asset_classes={t: universe.asset_class_of(t) for t in universe.tickers},
        portfolio_value=1.0,
        drawdown_tolerance=0.25,
    ).outcome("Crash")
    assert not outcome.has_path
    assert outcome.path_drawdown == pytest.approx(0.6 * -0.3 + 0.4 * 0.1)
    rally = Scenario("Rally", ScenarioKind.CUSTOM, {"SPY": 0.1, "AGG": 0.0})
    assert (
        run_stress(
            SIXTY_FORTY,
            SIXTY_FORTY,
            [rally],
            asset_classes={t: universe.asset_class_of(t) for t in universe.tickers},
            portfolio_value=1.0,
            drawdown_tolerance=0.25,
        )
        .outcome("Rally")
        .path_drawdown
        == 0.0
    )


def test_a_path_that_does_not_compound_to_its_shock_is_refused():
    data = {
        "scenarios": [
            {
                "name": "Bad",
                "kind": "historical",
                "path_dates": ["2020-01-31", "2020-02-29"],
                "shocks": {"SPY": {"value": -0.2, "monthly": [-0.1, -0.1]}},
            }
        ]
    }
    with pytest.raises(ScenarioError, match="compound to -19.0000%, not the shock -20.0000%"):
        scenarios_from_dict(data)
    data["scenarios"][0]["shocks"]["SPY"]["monthly"] = [-0.2]
    with pytest.raises(ScenarioError, match="1 monthly returns for 2 month-ends"):
        scenarios_from_dict(data)


def test_the_path_survives_a_save_and_load_round_trip():
    from core.stress.scenarios import scenarios_to_dict

    committed = historical_scenarios()
    again = scenarios_from_dict(scenarios_to_dict(committed))
    assert again == committed


def test_the_path_drawdown_reaches_the_csv_and_the_workbook_summary():
    from core.report.stress_tables import stress_test_results

    universe = default_universe()
    result = run_stress(
        SIXTY_FORTY,
        SIXTY_FORTY,
        historical_scenarios(universe.tickers),
        asset_classes={t: universe.asset_class_of(t) for t in universe.tickers},
        portfolio_value=1.0,
        drawdown_tolerance=0.25,
    )
    hand_drawdown, hand_return = hand_gfc({"SPY": 0.6, "AGG": 0.4})
    rows = stress_test_results(result)
    gfc_rows = rows[rows["scenario_name"] == GFC.name]
    assert gfc_rows["portfolio_path_drawdown"].tolist() == pytest.approx(
        [hand_drawdown] * len(gfc_rows), abs=1e-6
    )
    assert gfc_rows["benchmark_scenario_return"].iloc[0] == pytest.approx(hand_return, abs=1e-6)
    assert bool(gfc_rows["breaches_drawdown_tolerance"].iloc[0])
    summary = result.summary_frame()
    assert summary.loc[GFC.name, "benchmark_path_drawdown"] == pytest.approx(
        hand_drawdown, abs=1e-6
    )
    assert summary.loc[GFC.name, "benchmark_return"] == pytest.approx(hand_return, abs=1e-6)
    for outcome in result.outcomes:  # every replay: the path never ends above its low
        assert outcome.path_drawdown <= min(outcome.portfolio_return, 0.0) + 1e-12
