"""stress_test_results.csv: the original's long format plus the new columns."""

from __future__ import annotations

import pandas as pd
import pytest

from core.report.stress_tables import (
    STRESS_COLUMNS,
    stacked_stress_test_results,
    stress_test_results,
)
from core.stress.engine import run_stress
from core.stress.scenarios import Scenario, ScenarioKind

ORIGINAL_COLUMNS = [
    "profile_name",
    "scenario_name",
    "ticker",
    "asset_class",
    "scenario_return",
    "portfolio_weight",
    "benchmark_weight",
    "etf_contribution",
    "benchmark_etf_contribution",
    "asset_class_contribution",
    "portfolio_scenario_return",
    "benchmark_scenario_return",
    "relative_performance",
]
CLASSES = {"SPY": "Equity", "EFA": "Equity", "AGG": "Fixed Income", "SGOV": "Cash"}


@pytest.fixture()
def stress():
    scenarios = [
        Scenario(
            "Crash",
            ScenarioKind.CUSTOM,
            {"SPY": -0.5, "EFA": -0.4, "AGG": -0.1, "SGOV": 0.01},
            notes={"SPY": "committee view"},
        ),
        Scenario(
            "Replay",
            ScenarioKind.HISTORICAL,
            {"SPY": -0.2, "EFA": -0.2, "AGG": 0.02, "SGOV": 0.003},
            proxies={"SGOV": "BIL"},
            source="Yahoo",
        ),
    ]
    weights = pd.Series({"SPY": 0.4, "EFA": 0.2, "AGG": 0.3, "SGOV": 0.1})
    return run_stress(
        weights,
        pd.Series({"SPY": 0.6, "AGG": 0.4}),
        scenarios,
        asset_classes=CLASSES,
        portfolio_value=2_000_000.0,
        drawdown_tolerance=0.25,
        profile_name="Balanced Growth",
    )


def test_columns_start_with_the_original_and_add_the_new(stress):
    table = stress_test_results(stress)
    assert list(table.columns[:13]) == ORIGINAL_COLUMNS
    assert list(table.columns) == list(STRESS_COLUMNS)
    for new in (
        "scenario_kind",
        "portfolio_pnl",
        "benchmark_pnl",
        "breaches_drawdown_tolerance",
        "shock_source",
        "proxy",
    ):
        assert new in table.columns
    assert len(table) == 2 * 4 and set(table["profile_name"]) == {"Balanced Growth"}


def test_rows_add_up_to_the_scenario_totals(stress):
    table = stress_test_results(stress)
    crash = table[table["scenario_name"] == "Crash"]
    # 0.4*-0.5 + 0.2*-0.4 + 0.3*-0.1 + 0.1*0.01 = -0.309
    assert crash["etf_contribution"].sum() == pytest.approx(-0.309, abs=1e-15)
    assert (crash["portfolio_scenario_return"] == crash["etf_contribution"].sum()).all()
    assert crash["benchmark_etf_contribution"].sum() == pytest.approx(
        0.6 * -0.5 + 0.4 * -0.1, abs=1e-15
    )
    equity = crash[crash["asset_class"] == "Equity"]
    assert equity["asset_class_contribution"].tolist() == pytest.approx(
        [0.4 * -0.5 + 0.2 * -0.4] * 2
    )
    assert crash["etf_pnl"].sum() == pytest.approx(-0.309 * 2_000_000.0)
    assert crash["portfolio_pnl"].tolist() == pytest.approx([-618_000.0] * 4)
    assert crash["breaches_drawdown_tolerance"].all()  # -30.9% beyond 25%
    assert crash["relative_performance"].iloc[0] == pytest.approx(-0.309 - (-0.34))


def test_sources_kinds_and_proxies_are_shown(stress):
    table = stress_test_results(stress).set_index(["scenario_name", "ticker"])
    assert table.loc[("Crash", "SPY"), "shock_source"] == "committee view"
    assert table.loc[("Replay", "SPY"), "shock_source"] == "Yahoo"
    assert table.loc[("Replay", "SGOV"), "proxy"] == "BIL"
    assert table.loc[("Replay", "SGOV"), "scenario_kind"] == "historical"
    assert not table.loc[("Replay", "SPY"), "breaches_drawdown_tolerance"]


def test_profiles_stack(stress):
    assert len(stacked_stress_test_results([stress, stress])) == 16
    assert list(stacked_stress_test_results([]).columns) == list(STRESS_COLUMNS)
