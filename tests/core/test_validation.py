"""Policy validation: one row per rule, PASS/FAIL by slack, comments that are true on FAIL too."""

from __future__ import annotations

import numpy as np
import pytest

from core.policy.profile_io import bundled_profiles
from core.policy.validation import validate_portfolio
from core.universe import default_universe

U = default_universe()


def report(weights, profile_name="Balanced Growth", vol=None, mdd=None):
    p = bundled_profiles()[profile_name]
    vol = p.max_volatility / 2 if vol is None else vol
    mdd = -p.max_drawdown / 2 if mdd is None else mdd
    return validate_portfolio(weights, p, U, ex_ante_volatility=vol, historical_max_drawdown=mdd)


def anchor(name="Balanced Growth"):
    return U.vector(bundled_profiles()[name].anchor_weights)


def test_every_rule_of_every_profile_has_a_row():
    for name, p in bundled_profiles().items():
        rep = report(anchor(name), name)
        rules = [r.rule for r in rep.rows]
        expected = (
            3
            + len(p.class_ranges)
            + sum(1 for v in p.asset_minimums.values() if v > 0)
            + len(p.asset_caps)
            + len(p.groups)
            + 2
        )
        assert len(rules) == expected
        assert "Volatility target (ex-ante, annualized)" in rules
        assert "Drawdown tolerance (historical max drawdown)" in rules
        assert rep.passed, rep.to_frame()


def test_capital_preservation_checks_what_the_original_missed():
    rules = {r.rule for r in report(anchor("Capital Preservation"), "Capital Preservation").rows}
    assert {
        "SPY cap",
        "QQQ cap",
        "IWM cap",
        "EEM cap",
        "LQD cap",
        "SHY minimum",
        "SGOV minimum",
        "Group: Core bonds and cash (AGG + SHY + SGOV)",
    } <= rules


def test_hyg_at_20_percent_fails_with_a_true_comment():
    w = anchor()
    w[U.index("HYG")] = 0.20  # anchor 5%: +15 pp, funded inside fixed income
    for t in ("LQD", "SHY", "TLT"):
        w[U.index(t)] = 0.0
    rep = report(w)
    failed = {r.rule: r for r in rep.failures}
    assert set(failed) == {"HYG cap"}
    row = failed["HYG cap"]
    assert row.slack == pytest.approx(-0.10)
    assert row.comment == "20.00% is above the 10.00% maximum by 10.00 pp"
    assert not rep.passed
    frame = rep.to_frame()
    assert frame.loc[frame.rule == "HYG cap", "pass_fail"].item() == "FAIL"
    # AGG moved to 5%: its minimum rule is exactly at... below 15%
    w2 = anchor()
    w2[U.index("AGG")] = 0.05
    w2[U.index("SHY")] += 0.15
    rep2 = report(w2)
    assert {r.rule for r in rep2.failures} == {"AGG minimum"}
    assert "below the 15.00% minimum by 10.00 pp" in rep2.failures[0].comment


def test_risk_limits_fail_when_breached():
    rep = report(anchor(), vol=0.14, mdd=-0.30)
    failed = {r.rule: r for r in rep.failures}
    assert failed["Volatility target (ex-ante, annualized)"].slack == pytest.approx(-0.01)
    dd = failed["Drawdown tolerance (historical max drawdown)"]
    assert dd.actual == -0.30 and dd.slack == pytest.approx(-0.05)
    assert "30.00% peak-to-trough loss is above the 25.00% maximum" in dd.comment


def test_not_fully_invested_and_short_positions_fail():
    w = anchor()
    w[U.index("SPY")] -= 0.25
    rep = report(w)
    failed = {r.rule for r in rep.failures}
    assert {"Fully invested", "Long only (no shorting)", "SPY minimum"} <= failed
    assert np.isclose([r.actual for r in rep.rows if r.rule == "Fully invested"][0], 0.75)


def test_a_rule_at_its_limit_has_a_margin_of_exactly_zero():
    """Equity summed to its 45% floor lands 1e-16 below it in floating point: the margin shown
    (table, CSV, workbook) is 0, never "-0.00%"; the slack itself keeps the raw residue."""
    from core.policy.validation import ValidationRow

    at_floor = ValidationRow(
        "Equity allocation", "Asset class", "45% to 70%", 0.45, -1.1e-16, True, ""
    )
    assert at_floor.margin == 0.0 and str(at_floor.margin) == "0.0"
    from core.policy.validation import ValidationReport

    shown = ValidationReport((at_floor,)).to_frame()
    assert shown.loc[0, "margin"] == 0.0 and str(shown.loc[0, "margin"]) == "0.0"
    inside = ValidationRow("Cash allocation", "Asset class", "0% to 10%", 0.08, 0.02, True, "")
    assert inside.margin == 0.02
