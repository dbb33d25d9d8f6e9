"""Rule margins: limit minus actual (a maximum) or actual minus limit (a minimum), by hand."""

from __future__ import annotations

import numpy as np
import pytest

from core.policy.margins import format_pp, risk_margins, rule_margins, verdict
from core.policy.profile_io import bundled_profiles
from core.policy.validation import validate_portfolio
from core.universe import default_universe

# Balanced Growth: Equity 45-70%, Fixed Income 20-45%, Alternatives 5-20%, Cash 0-10%; SPY, AGG
# minimum 15%, SGOV minimum 5%; caps EFA 20%, TLT 15%, HYG 10%, GLD 7.5%; max single ETF 30%.
WEIGHTS = {
    "SPY": 0.30,  # at the 30% single-ETF maximum
    "QQQ": 0.10,
    "EFA": 0.04,  # equity 44%: 1 pp below the 45% minimum
    "AGG": 0.20,
    "TLT": 0.16,  # 1 pp above its 15% cap
    "SHY": 0.05,  # fixed income 41%
    "GLD": 0.05,
    "VNQ": 0.02,  # alternatives 7%
    "SGOV": 0.08,  # cash 8%
}


@pytest.fixture()
def margins():
    universe = default_universe()
    w = universe.vector(WEIGHTS)
    assert w.sum() == pytest.approx(1.0)
    report = validate_portfolio(
        w,
        bundled_profiles()["Balanced Growth"],
        universe,
        ex_ante_volatility=0.118,
        historical_max_drawdown=-0.25014,
    )
    return {m.rule: m for m in rule_margins(report)}, report


def test_margins_are_limit_minus_actual_by_hand(margins):
    by_rule, _ = margins
    vol = by_rule["Volatility target (ex-ante, annualized)"]
    assert (vol.limit, vol.actual) == (0.13, 0.118)
    assert vol.margin == pytest.approx(0.13 - 0.118, abs=1e-15)  # maximum: limit - actual
    assert vol.passed and vol.text == "passes the 13.00% volatility target by 1.20 pp"
    dd = by_rule["Drawdown tolerance (historical max drawdown)"]
    assert dd.actual == pytest.approx(0.25014)  # a positive loss
    assert dd.margin == pytest.approx(0.25 - 0.25014, abs=1e-15)
    assert not dd.passed and dd.text == "misses the 25.00% drawdown tolerance by 0.014 pp"
    equity = by_rule["Equity allocation"]
    assert equity.margin == pytest.approx(0.44 - 0.45, abs=1e-15)  # a minimum: actual - limit
    assert equity.side == "minimum"
    assert equity.text == "misses the Equity allocation minimum 45.00% by 1.00 pp"
    fixed = by_rule["Fixed Income allocation"]  # 41%, nearest limit the 45% maximum
    assert fixed.limit == 0.45 and fixed.margin == pytest.approx(0.45 - 0.41, abs=1e-15)
    tlt = by_rule["TLT cap"]
    assert tlt.margin == pytest.approx(0.15 - 0.16, abs=1e-15)
    assert tlt.text == "misses the TLT cap 15.00% by 1.00 pp"
    agg = by_rule["AGG minimum"]
    assert agg.margin == pytest.approx(0.20 - 0.15, abs=1e-15)
    single = by_rule["Max single ETF weight"]
    assert single.margin == pytest.approx(0.0, abs=1e-15) and single.passed


def test_every_margin_is_the_signed_distance_to_its_limit(margins):
    _, report = margins
    for m in rule_margins(report):
        if m.limit is None or m.rule == "Fully invested":
            continue
        # positive inside, negative outside: |margin| is the distance to the limit
        assert abs(m.margin) == pytest.approx(abs(m.actual - m.limit), abs=1e-15), m.rule
        assert m.passed == (m.margin >= -1e-6), m.rule


def test_verdict_lists_the_misses_with_their_margins(margins):
    _, report = margins
    text = verdict(report)
    assert "misses the Equity allocation minimum 45.00% by 1.00 pp" in text
    assert "misses the 25.00% drawdown tolerance by 0.014 pp" in text
    assert "volatility" not in text  # a passing rule is not a miss
    assert set(risk_margins(report)) == {"volatility", "drawdown"}


@pytest.mark.parametrize(
    "margin, text", [(0.012, "1.20"), (-0.00014, "0.014"), (0.0009, "0.09"), (0.0, "0")]
)
def test_format_pp(margin, text):
    assert format_pp(margin) == text


def test_verdict_of_a_compliant_portfolio_names_its_tightest_risk_rule():
    universe = default_universe()
    profile = bundled_profiles()["Balanced Growth"]
    w = universe.vector(
        {"SPY": 0.3, "QQQ": 0.15, "AGG": 0.2, "TLT": 0.1, "SHY": 0.1, "GLD": 0.05, "SGOV": 0.1}
    )
    report = validate_portfolio(
        w, profile, universe, ex_ante_volatility=0.1, historical_max_drawdown=-0.2
    )
    assert report.passed
    assert verdict(report) == (
        "passes every rule; tightest: the 13.00% volatility target by 3.00 pp"
    )
    assert np.isclose(risk_margins(report)["volatility"].margin_pp, 3.0)
