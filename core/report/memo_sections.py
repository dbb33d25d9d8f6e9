"""Memo sections built from analytics objects (factors, stress, rebalancing, risks, limits).

Each function returns Markdown lines; every number comes from its arguments. See
:mod:`core.report.memo` for the whole memo.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from core.report.insights import money, pp, risk_headroom

if TYPE_CHECKING:
    from core.analytics.factors import FactorRegression
    from core.analytics.risk_report import RiskReport
    from core.pipeline import AnalysisResult
    from core.stress.engine import StressResult

SIGNIFICANT_T = 2.0
STRONG_FIT, FAIR_FIT = 0.8, 0.5


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown pipe table (cells must not contain ``|``)."""

    def clean(cell: object) -> str:
        return str(cell).replace("|", "/")

    lines = ["| " + " | ".join(map(clean, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(clean, row)) + " |" for row in rows]
    return lines


def fit_words(r_squared: float) -> str:
    """How much of the variation a regression explains, in words."""
    if r_squared >= STRONG_FIT:
        return "most of"
    if r_squared >= FAIR_FIT:
        return "a good part of"
    return "little of (read the loadings with caution)"


def regression_sentence(reg: FactorRegression, label: str, *, in_sample: bool = True) -> str:
    """R-squared, the significant loadings and alpha of one regression, in one paragraph.

    ``in_sample``: the regression covers the months the portfolio was chosen on, so its alpha's
    t-statistic is reported without a significance claim (an optimizer fitted to those months
    finds alpha there by construction); the out-of-sample alpha, when measured, is stated apart.
    """
    loadings = [
        (term, float(b), float(t))
        for term, b, t in zip(reg.terms[1:], reg.coefficients[1:], reg.t_stats[1:], strict=True)
    ]
    significant = [
        f"{term} {b:.2f} (t {t:.2f})" for term, b, t in loadings if abs(t) >= SIGNIFICANT_T
    ]
    alpha_t = float(reg.t_stats[0])
    if in_sample:
        alpha_words = (
            f"Alpha {reg.alpha_annualized:.2%} a year (t {alpha_t:.2f}) in sample: measured on the "
            "months the portfolio was chosen on, so it is not evidence of skill and no "
            "significance is claimed."
        )
    else:
        alpha_words = f"Alpha {reg.alpha_annualized:.2%} a year (t {alpha_t:.2f})" + (
            ", not distinguishable from zero." if abs(alpha_t) < SIGNIFICANT_T else "."
        )
    return (
        f"{label}, {reg.label}: R² {reg.r_squared:.2f}, so the factors explain {fit_words(reg.r_squared)} "
        f"the monthly excess-return variation over {reg.observations} months. Significant loadings "
        f"(|t| >= {SIGNIFICANT_T:g}): {', '.join(significant) if significant else 'none'}. "
        f"{alpha_words}"
    )


def factor_section(risk: RiskReport, out_of_sample_alpha: str = "") -> list[str]:
    """Interpretation of the portfolio, benchmark and equity-sleeve regressions; where the factors
    come from; ``out_of_sample_alpha`` (a sentence) when the walk-forward measured one."""
    from core.analytics.factors import factor_origin_sentence, sleeve_caveat

    factors = risk.factors
    lines = [factor_origin_sentence([*factors.portfolio, *factors.benchmark])]
    lines += [regression_sentence(reg, "Portfolio") for reg in factors.portfolio]
    if out_of_sample_alpha:
        lines.append(out_of_sample_alpha)
    if factors.portfolio and factors.benchmark:
        port, bench = factors.portfolio[0], factors.benchmark[0]
        if "MKT_RF" in port.terms and "MKT_RF" in bench.terms:
            lines.append(
                f"Market beta {port.beta('MKT_RF'):.2f} for the portfolio against "
                f"{bench.beta('MKT_RF'):.2f} for the benchmark ({port.label})."
            )
    if factors.sleeve is not None:
        lines.append(regression_sentence(factors.sleeve, "Equity sleeve"))
        caveat = sleeve_caveat(factors.sleeve)
        if caveat:
            lines.append(caveat)
    lines += [f"Note: {note}" for note in factors.notes]
    return [line for text in lines for line in (text, "")][:-1] or [
        "No factor regression could be run."
    ]


def _stand_ins(stress: StressResult) -> list[str]:
    """One line per ETF whose built-in shocks are its asset class representative's."""
    from core.stress.defaults import defaulted_tickers

    found = defaulted_tickers([o.scenario for o in stress.outcomes])
    return [
        f"- {ticker} has no shock of its own in the built-in scenarios: "
        + (f"{proxy}'s shock stands in for it" if proxy != "0%" else "0% stands in")
        + " (see the per-ETF notes in stress_test_results.csv); a custom scenario can give "
        f"{ticker} its own."
        for ticker, proxy in found.items()
    ]


def stress_section(stress: StressResult) -> list[str]:
    """Worst, best and worst-relative scenarios, breaches, then every scenario in a table."""
    worst, worst_rel = stress.worst, stress.worst_relative
    best = max(stress.outcomes, key=lambda o: o.portfolio_return)
    breaches = stress.breaches
    deepest = min(stress.outcomes, key=lambda o: o.path_drawdown)
    lines = [
        f"- Worst: {worst.name}, {worst.portfolio_return:.2%} ({money(worst.portfolio_pnl)}) against "
        f"{worst.benchmark_return:.2%} for the benchmark.",
        f"- Best: {best.name}, {best.portfolio_return:.2%} ({money(best.portfolio_pnl)}).",
        f"- Worst relative to the benchmark: {worst_rel.name}, {worst_rel.relative_performance * 100:+.2f} pp "
        f"({worst_rel.portfolio_return:.2%} vs {worst_rel.benchmark_return:.2%}).",
        (
            f"- Drawdown tolerance {stress.drawdown_tolerance:.2%}, compared with each scenario's "
            f"path drawdown (peak to trough of a historical replay's monthly path): breached in "
            f"{len(breaches)} of {len(stress.outcomes)} scenarios ({', '.join(breaches)})."
            if breaches
            else f"- Drawdown tolerance {stress.drawdown_tolerance:.2%}, compared with each scenario's "
            f"path drawdown (peak to trough of a historical replay's monthly path): no scenario of "
            f"{len(stress.outcomes)} breaches it (the deepest, {deepest.name} at "
            f"{deepest.path_drawdown:.2%}, leaves {pp(stress.drawdown_tolerance + deepest.path_drawdown)})."
        ),
        *_stand_ins(stress),
        "",
    ]
    rows = [
        [
            o.name,
            o.kind.value,
            f"{o.portfolio_return:.2%}",
            f"{o.path_drawdown:.2%}",
            f"{o.benchmark_return:.2%}",
            f"{o.benchmark_path_drawdown:.2%}",
            f"{o.relative_performance * 100:+.2f} pp",
            money(o.portfolio_pnl),
            "BREACH" if o.breaches_drawdown_tolerance else "",
        ]
        for o in stress.outcomes
    ]
    return lines + table(
        [
            "Scenario",
            "Kind",
            "Portfolio",
            "Path drawdown",
            "Benchmark",
            "Benchmark path drawdown",
            "Relative",
            "P&L",
            "Tolerance",
        ],
        rows,
    )


def rebalancing_section(plan: Any | None) -> list[str]:
    """The trades of a rebalancing plan, or a sentence saying there is none."""
    if plan is None:
        return [
            "No current holdings were supplied for this report, so no rebalancing trades are proposed. "
            "Load the account's holdings to get a cash-balanced trade list."
        ]
    before, after = plan.drift, plan.post_trade_drift
    breaches = [*before.breaches, *before.class_breaches]
    lines = [
        f"Account value {money(plan.value_before)} (cash {money(plan.cash_before)}); trades "
        f"{plan.method.value.replace('_', ' ')}. "
        f"{len(breaches)} drift breaches before trading"
        + (f" ({', '.join(breaches)})." if breaches else "."),
        "",
    ]
    rows = [
        [
            t.ticker,
            t.action.value,
            f"{abs(t.shares):,.0f}",
            money(abs(t.notional)),
            f"{t.drift * 100:+.2f} pp",
            f"{t.target_weight:.2%}",
            f"{t.post_trade_weight:.2%}",
            money(t.estimated_cost),
        ]
        for t in plan.trades
    ]
    if rows:
        lines += table(
            ["ETF", "Action", "Shares", "Amount", "Drift", "Target", "After", "Est. cost"], rows
        )
        lines.append("")
    remaining = [*after.breaches, *after.class_breaches]
    lines.append(
        f"{len(plan.trades)} trades: buys {money(plan.buys_value)}, sells {money(plan.sells_value)}, "
        f"turnover {plan.turnover:.2%}, estimated cost {money(plan.total_cost)}; cash after trading "
        f"{money(plan.cash_after)}. Breaches after trading: "
        + (", ".join(remaining) if remaining else "none")
        + "."
    )
    sources = sorted({line.price_point.label for line in plan.trades})
    if sources:
        lines += ["", f"Trade prices: {'; '.join(sources)}."]
    return lines + compliance_section(plan)


def _compliance_value(value: float, unit: str) -> str:
    return money(value) if unit == "currency" else f"{value:.2%}"


def compliance_section(plan: Any) -> list[str]:
    """Post-trade compliance: every hard IPS rule before and after the trades (limit, current,
    post-trade, PASS/FAIL), and any limit the trades could not meet with its shortfall."""
    table_data = plan.compliance
    if table_data is None:
        return []
    lines = [
        "",
        "**Post-trade compliance** (every hard IPS limit, before and after the trades):",
        "",
    ]
    rows = [
        [
            r.rule,
            r.limit_text,
            _compliance_value(r.current, r.unit),
            "PASS" if r.current_passed else "FAIL",
            _compliance_value(r.post_trade, r.unit),
            "PASS" if r.post_trade_passed else "FAIL",
        ]
        for r in table_data.rows
    ]
    lines += table(["Rule", "Limit", "Current", "Status", "Post-trade", "Status"], rows)
    lines.append("")
    if plan.breaks_policy_before:
        failed = ", ".join(r.rule for r in table_data.current_failures)
        lines.append(
            f"The account breaks the IPS before trading ({failed}), whether or not it sits inside "
            "its drift bands."
        )
    if plan.unmet_limits:
        lines.append(
            "Not met after trading (whole shares, the minimum trade or the cash buffer make it "
            "impossible): " + "; ".join(plan.unmet_limits) + "."
        )
    else:
        lines.append("After the trades the account meets every hard IPS limit.")
    return lines


def key_risks(result: AnalysisResult, risk: RiskReport, stress: StressResult) -> list[str]:
    """The main risks of the recommendation, each with its figure."""
    m, conc = result.recommended.metrics, risk.concentration
    head = risk_headroom(result)
    worst, worst_rel = stress.worst, stress.worst_relative
    top = conc.top_tickers[0] if conc.top_tickers else ""
    top_share = dict(
        zip(risk.portfolio_risk.tickers, risk.portfolio_risk.percent, strict=True)
    ).get(top, 0.0)
    lines = [
        f"- {conc.largest_class} carries {conc.largest_class_risk:.2%} of ex-ante risk with "
        f"{conc.largest_class_weight:.2%} of the weight; the largest single contributor is {top} "
        f"({top_share:.2%}).",
        f"- Stress loss: {worst.name} would cost {worst.portfolio_return:.2%} ({money(worst.portfolio_pnl)}).",
        f"- Drawdown: the historical maximum drawdown leaves {pp(head['drawdown'])} to the "
        f"{result.profile.max_drawdown:.2%} tolerance; a worse path than the sample's would breach it.",
        f"- Benchmark-relative: tracking error {m.tracking_error:.2%}; in {worst_rel.name} the portfolio trails "
        f"the benchmark by {-worst_rel.relative_performance * 100:.2f} pp.",
        f"- Tail: one-month historical VaR {m.var_95:.2%} and CVaR {m.cvar_95:.2%} at {m.level:.0%} "
        f"({money(m.var_95_dollar)} and {money(m.cvar_95_dollar)}).",
    ]
    if result.dataset.mode.value == "SYNTHETIC":
        lines.append(
            "- Data: the figures come from synthetic returns; real markets can differ materially."
        )
    return lines


def limitations(
    result: AnalysisResult, risk: RiskReport, *, out_of_sample: bool = False
) -> list[str]:
    """What the analysis does not do, with the sample figures it rests on; ``out_of_sample``
    when the report carries the walk-forward test."""
    prov = result.dataset.provenance
    same = (
        "; the walk-forward test (section 5) re-estimates at each quarter-end from past months "
        "only, but on this one history."
        if out_of_sample
        else "; there is no out-of-sample or walk-forward test."
    )
    return [
        f"- Same sample: the inputs are estimated and the portfolios evaluated on the same {prov.months} months "
        f"({prov.start} to {prov.end}){same}",
        f"- Estimation error: {result.inputs.describe()} Expected returns in particular are uncertain and drive "
        "the mean-variance candidates.",
        "- Stress tests are one-period shocks applied to today's weights, with no rebalancing, no path and no "
        "liquidity effects.",
        f"- Factor regressions use {risk.factors.portfolio[0].observations if risk.factors.portfolio else 0} "
        "monthly observations; loadings change over time (see the Rolling Risk sheet).",
        "- Monthly data: drawdowns within a month are not seen. Taxes, trading costs of the allocation itself "
        "and ETF-level liquidity are not modelled.",
    ]
