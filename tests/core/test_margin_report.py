"""Margins and pick stability in the report: the candidate table, the memo lines, the workbook."""

from __future__ import annotations

import pytest

from core.pipeline import load_default_dataset, run_analysis
from core.policy.profile_io import bundled_profiles
from core.report.margin_tables import (
    candidate_margins,
    memo_lines,
    pick_stability_frame,
    rule_margin_rows,
)
from core.robustness.pick_stability import pick_stability


@pytest.fixture(scope="module")
def result():
    return run_analysis(bundled_profiles()["Balanced Growth"], load_default_dataset())


def test_candidate_margins_are_limit_minus_actual(result):
    frame = candidate_margins(result).set_index("portfolio_name")
    tolerance, target = result.profile.max_drawdown, result.profile.max_volatility
    for c in result.candidates:
        row = frame.loc[c.name]
        loss = -c.metrics.max_drawdown
        assert row["drawdown_margin_pp"] == pytest.approx((tolerance - loss) * 100, abs=1e-12)
        assert row["volatility_margin_pp"] == pytest.approx(
            (target - c.expected_volatility) * 100, abs=1e-12
        )
        assert row["passes_policy"] == c.passes
        word = "misses" if not c.passes else "passes every rule"
        assert word in row["verdict"]
    long = rule_margin_rows(result)
    assert len(long) == sum(len(c.validation.rows) for c in result.candidates)


def test_memo_lines_give_every_verdict_and_the_stability(result):
    lines = memo_lines(result, None)
    text = "\n".join(lines)
    for c in result.candidates:
        assert c.name in text
    assert "misses the 25.00% drawdown tolerance by" in text  # the Policy Anchor
    assert "Not measured" in text
    stability = pick_stability(result, samples=5, seed=1)
    text = "\n".join(memo_lines(result, stability))
    assert stability.sentence() in text
    frame = pick_stability_frame([result], [stability])
    assert frame["share_of_samples"].sum() == pytest.approx(1.0)
    assert set(frame["profile_name"]) == {"Balanced Growth"}


@pytest.mark.slow
def test_the_report_carries_margins_and_pick_stability(result, tmp_path):
    from openpyxl import load_workbook

    from core.report.package import prepare_report, write_report_package

    bundle = prepare_report([result], pick_samples=8)
    write_report_package(bundle, tmp_path)
    memo = (tmp_path / "investment_memo.md").read_text(encoding="utf-8")
    assert "How sure is the pick? Under a stationary block bootstrap" in memo
    assert "8 samples" in memo
    wb = load_workbook(tmp_path / "investment_committee_report.xlsx")
    header = [c.value for c in wb["Candidate Comparison"][1]]
    assert {"volatility_margin_pp", "drawdown_margin_pp", "verdict"} <= set(header)
    assert "Pick Stability" in wb.sheetnames
