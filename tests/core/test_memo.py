"""The memo: every section, the disclaimer, and numbers equal to figures computed here by hand."""

from __future__ import annotations

import re

import numpy as np
import pytest
from report_fixtures import GENERATED, failing_bundle, passing_bundle

from core import DISCLAIMER
from core.report.memo import SECTION_TITLES, build_memo


def memo_of(bundle, **kwargs):
    return build_memo(
        bundle.results,
        bundle.risk_reports,
        bundle.stress_results,
        rebalance=bundle.plans,
        generated=GENERATED,
        **kwargs,
    )


@pytest.fixture(scope="module")
def memo():
    return memo_of(passing_bundle())


def section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def pct(text: str) -> float:
    return float(text.replace("%", "").replace(",", "")) / 100


def table_rows(text: str) -> list[list[str]]:
    rows = [
        [c.strip() for c in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|")
    ]
    return rows[2:]  # header and separator dropped


def test_sections_in_order_with_the_disclaimer(memo):
    positions = [memo.index(f"## {title}\n") for title in SECTION_TITLES]
    assert positions == sorted(positions)
    assert DISCLAIMER in section(memo, "13. Disclaimer")
    assert "**SYNTHETIC DATA**" in memo.splitlines()[2]
    assert "## Other profiles in this report" in memo and "Capital Preservation" in memo


def test_risk_and_return_figures_equal_hand_computed_ones(memo):
    result = passing_bundle().results[0]
    r = result.recommended.returns.to_numpy()
    b = result.benchmark_returns.to_numpy()
    rows = {row[0]: row[1:] for row in table_rows(section(memo, "5. Risk and return"))}

    def cagr(x):
        return np.prod(1 + x) ** (12 / len(x)) - 1

    def max_dd(x):
        wealth = np.concatenate([[1.0], np.cumprod(1 + x)])
        return float(np.min(wealth / np.maximum.accumulate(wealth) - 1))

    for label, portfolio, benchmark in [
        ("Annualized return (CAGR)", cagr(r), cagr(b)),
        ("Annualized volatility", r.std(ddof=1) * np.sqrt(12), b.std(ddof=1) * np.sqrt(12)),
        ("Maximum drawdown", max_dd(r), max_dd(b)),
        ("Worst month", r.min(), b.min()),
        ("Best month", r.max(), b.max()),
    ]:
        assert pct(rows[label][0]) == pytest.approx(portfolio, abs=5e-5), label
        assert pct(rows[label][1]) == pytest.approx(benchmark, abs=5e-5), label


def test_allocation_table_holds_the_recommended_weights(memo):
    result = passing_bundle().results[0]
    weights = result.recommended.weights
    rows = table_rows(section(memo, "4. Recommended allocation and why"))
    shown = {row[0]: pct(row[2]) for row in rows}
    held = {t: w for t, w in weights.items() if w > 1e-6}
    assert set(shown) == set(held)
    for ticker, weight in held.items():
        assert shown[ticker] == pytest.approx(weight, abs=5e-5)
    assert sum(shown.values()) == pytest.approx(1, abs=len(shown) * 5e-5)
    text = section(memo, "4. Recommended allocation and why")
    lower = dict(zip(result.constraints.tickers, result.constraints.lower, strict=True))
    for ticker, weight in held.items():  # every ETF sitting on a positive minimum is said to bind
        if lower[ticker] > 0 and weight - lower[ticker] <= 1e-4:
            assert f"{ticker} at its {lower[ticker]:.2%} minimum" in text


def test_constraints_and_risk_contribution_sentences(memo):
    result, risk = passing_bundle().results[0], passing_bundle().risk_reports[0]
    rows = result.recommended.validation.rows
    text = section(memo, "3. IPS constraints and compliance")
    assert f"All {len(rows)} policy rules pass." in text
    assert len(table_rows(text)) == len(rows)
    assert risk.summary in section(memo, "7. Risk contribution")
    shares = {row[0]: pct(row[2]) for row in table_rows(section(memo, "7. Risk contribution"))}
    assert sum(shares.values()) == pytest.approx(1, abs=4 * 5e-5)


def test_stress_summary_matches_weights_times_shocks(memo):
    result, stress = passing_bundle().results[0], passing_bundle().stress_results[0]
    weights = result.recommended.weights
    by_hand = {
        o.name: float((weights * o.shocks.reindex(weights.index).fillna(0.0)).sum())
        for o in stress.outcomes
    }
    worst = min(by_hand, key=by_hand.get)
    text = section(memo, "9. Stress summary")
    match = re.search(r"- Worst: (.+?), (-?[\d.]+%)", text)
    assert match.group(1) == worst
    assert pct(match.group(2)) == pytest.approx(by_hand[worst], abs=5e-5)
    rows = {row[0]: pct(row[2]) for row in table_rows(text)}
    assert rows.keys() == by_hand.keys()
    for name, value in by_hand.items():
        assert rows[name] == pytest.approx(value, abs=5e-5)


def test_factor_interpretation_quotes_r_squared_and_betas(memo):
    risk = passing_bundle().risk_reports[0]
    text = section(memo, "8. Factor interpretation")
    for reg in risk.factors.portfolio:
        assert f"{reg.label}: R² {reg.r_squared:.2f}" in text
    equity = risk.factors.portfolio[0]
    assert f"MKT_RF {equity.beta('MKT_RF'):.2f}" in text


def test_factors_are_named_for_what_they_are(memo):
    """Synthetic data: the factors are called synthetic ETF-spread proxies with their
    construction, never Fama-French style; the equity sleeve's R² carries its caveat."""
    text = section(memo, "8. Factor interpretation")
    assert "Fama-French 5 style" not in memo and "Fama-French style" not in memo
    assert "synthetic ETF-spread proxy factors" in text
    assert "they are not the Fama-French research factors" in text
    assert "HML: synthetic: generated, calibrated to the ETF spread SPY - QQQ" in text
    assert "SMB: synthetic: generated, calibrated to the ETF spread IWM - SPY" in text
    assert "Caveat: the equity sleeve's R²" in text


def test_no_significance_claim_for_an_in_sample_alpha(memo):
    text = section(memo, "8. Factor interpretation")
    assert "statistically different from zero" not in memo
    assert text.count("in sample: measured on the months the portfolio was chosen on") >= 1


def test_rebalancing_section_lists_every_trade(memo):
    plan = passing_bundle().plans["Balanced Growth"]
    text = section(memo, "10. Rebalancing actions")
    # the trade table comes first; the post-trade compliance table follows it
    rows = table_rows(text.split("**Post-trade compliance**")[0])
    assert [row[0] for row in rows] == [t.ticker for t in plan.trades]
    assert f"estimated cost ${plan.total_cost:,.0f}" in text


def test_failing_profile_and_no_plan():
    bundle = failing_bundle()
    text = memo_of(bundle)
    fails = bundle.results[0].recommended.validation.failures
    assert fails
    assert (
        f"{len(fails)} of {len(bundle.results[0].recommended.validation.rows)} rules FAIL" in text
    )
    assert "does NOT pass every policy rule" in text
    assert "No current holdings were supplied" in section(text, "10. Rebalancing actions")


def test_charts_are_placed_in_their_sections(memo):
    assert "![" not in memo
    bundle = passing_bundle()
    text = memo_of(
        bundle,
        charts=[
            "charts/recommended_allocation.png",
            "charts/stress_test_results.png",
            "charts/risk_contribution__capital_preservation.png",
        ],
    )
    assert "(charts/recommended_allocation.png)" in section(
        text, "4. Recommended allocation and why"
    )
    assert "(charts/stress_test_results.png)" in section(text, "9. Stress summary")
    assert "capital_preservation" not in text  # another profile's chart is not shown
