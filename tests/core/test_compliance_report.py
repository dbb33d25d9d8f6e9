"""The post-trade compliance table in the report: its CSV, its workbook sheet and its memo section
hold the same rules and figures as the plan."""

from __future__ import annotations

import pandas as pd
import pytest
from report_fixtures import GENERATED, passing_bundle

from core.report.memo import build_memo
from core.report.rebalance_tables import COMPLIANCE_COLUMNS, rebalancing_compliance
from core.report.sheet_data import COMPLIANCE_CSV, CSV_SHEETS, csv_tables


@pytest.fixture(scope="module")
def bundle():
    return passing_bundle()


def test_the_report_plan_keeps_the_policy_and_carries_its_compliance_table(bundle):
    plan = bundle.plans["Balanced Growth"]
    assert plan.compliance is not None and plan.compliance.post_trade_passed
    frame = rebalancing_compliance(plan, profile_name="Balanced Growth")
    assert tuple(frame.columns) == COMPLIANCE_COLUMNS
    rules = list(frame["rule"])
    assert rules[:3] == ["Fully invested", "Long only (no shorting)", "Max single ETF weight"]
    assert {"Equity allocation", "SPY minimum", "GLD cap"} <= set(rules)
    spy = frame.set_index("rule").loc["SPY minimum"]
    assert spy["post_trade"] == pytest.approx(plan.post_trade_weights["SPY"])
    assert spy["current"] == pytest.approx(plan.drift.etf("SPY").current_weight)
    assert set(frame["post_trade_status"]) == {"PASS"}


def test_csv_sheet_and_memo_show_the_same_rules(bundle):
    tables = csv_tables(bundle.results, bundle.risk_reports, bundle.stress_results, bundle.plans)
    assert CSV_SHEETS[COMPLIANCE_CSV] == "Post-trade Compliance"
    frame = tables[COMPLIANCE_CSV]
    assert set(frame["data_mode"]) == {"SYNTHETIC"}
    memo = build_memo(
        bundle.results,
        bundle.risk_reports,
        bundle.stress_results,
        rebalance=bundle.plans,
        generated=GENERATED,
    )
    assert "**Post-trade compliance**" in memo
    for rule, limit in zip(frame["rule"], frame["limit"], strict=True):
        assert f"| {rule} | {limit} |" in memo
    assert "After the trades the account meets every hard IPS limit." in memo
    assert "Trade prices: illustrative." in memo  # the demo account's prices say what they are
    assert isinstance(frame, pd.DataFrame)
