"""The investment memo ``investment_memo.md`` (Markdown) for the selected (first) profile.

Every figure in the memo is computed from the results passed in: percentages are formatted
with two decimals (``5.66%``), dollars to the dollar (``$1,234``), ratios with two decimals; no
number is typed into the text. Sections, in order: data provenance; executive recommendation;
IPS constraints and compliance; recommended allocation and why; risk and return; benchmark
comparison; risk contribution; factor interpretation; stress summary; rebalancing actions;
key risks; limitations; disclaimer; then the policy comparison and the decision log appendix
when the report has them. Chart images (``charts/*.png``, paths relative to the memo)
are placed in the section they illustrate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from core import DISCLAIMER, __version__
from core.policy.clauses import ClauseKind as K
from core.policy.clauses import clause_ref as ref
from core.report.insights import binding_constraints, committee_notes, money, pp, risk_headroom
from core.report.memo_sections import (
    factor_section,
    key_risks,
    limitations,
    rebalancing_section,
    stress_section,
    table,
)
from core.report.sheet_data import rebalance_plans

if TYPE_CHECKING:
    from core.analytics.risk_report import RiskReport
    from core.pipeline import AnalysisResult
    from core.stress.engine import StressResult

MEMO_NAME = "investment_memo.md"
SECTION_TITLES = (
    "1. Data provenance",
    "2. Executive recommendation",
    "3. IPS constraints and compliance",
    "4. Recommended allocation and why",
    "5. Risk and return",
    "6. Benchmark comparison",
    "7. Risk contribution",
    "8. Factor interpretation",
    "9. Stress summary",
    "10. Rebalancing actions",
    "11. Key risks",
    "12. Limitations",
    "13. Disclaimer",
)
# Chart file stems -> the section (index into SECTION_TITLES) they illustrate.
CHART_SECTIONS: tuple[tuple[str, int], ...] = (
    ("allocation", 3),
    ("cumulative", 4),
    ("drawdown", 4),
    ("rolling", 4),
    ("frontier", 3),
    ("risk_contribution", 6),
    ("factor", 7),
    ("stress", 8),
    ("outlook", 8),
    ("drift", 9),
    ("rebalanc", 9),
)
KEY_METRICS = (
    "annualized_return",
    "annualized_volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "max_drawdown",
    "var_95",
    "cvar_95",
    "var_95_dollar",
    "best_month",
    "worst_month",
    "positive_month_share",
)


def fmt(value: float, kind: str) -> str:
    """A metric as the memo prints it: percent ``5.66%``, currency ``-$1,234``, ratio ``0.44``."""
    if kind == "percent":
        return f"{value:.2%}"
    if kind == "currency":
        return money(value)
    if kind == "count":
        return f"{value:.0f}"
    return f"{value:.2f}"


def _charts_for(section: int, charts: Sequence[str]) -> list[str]:
    out = []
    for path in charts:
        stem = path.rsplit("/", 1)[-1].lower()
        if "__" in stem:  # another profile's chart
            continue
        if next((s for key, s in CHART_SECTIONS if key in stem), None) == section:
            out.append(f"![{stem.rsplit('.', 1)[0].replace('_', ' ')}]({path})")
    return out


def _provenance(result: AnalysisResult) -> list[str]:
    prov = result.dataset.provenance
    lines = [
        f"- Data mode: **{prov.mode.value}** ({prov.source}).",
        f"- Sample: {prov.start} to {prov.end}, {prov.months} monthly simple total returns (month-end).",
        f"- Returns SHA-256: `{prov.returns_sha256}`.",
    ]
    if prov.input_sha256:
        lines.append(f"- Input file SHA-256: `{prov.input_sha256}`.")
    if prov.seed is not None:
        lines.append(f"- Synthetic seed: {prov.seed}.")
    if prov.dropped_months:
        lines.append(f"- Months dropped as incomplete: {', '.join(prov.dropped_months)}.")
    lines += [f"- {note}" for note in prov.notes]
    lines.append(
        f"- Estimation: {result.inputs.describe()} Estimation and evaluation use the same "
        f"{prov.months} months: the figures are in-sample diagnostics, not a forecast."
    )
    lines += [f"  - {line}" for line in result.inputs.input_lines()]
    return lines


def _recommendation(
    result: AnalysisResult, risk: RiskReport, stress: StressResult, plan: Any
) -> list[str]:
    rec, m, b = result.recommended, result.recommended.metrics, result.benchmark_metrics
    status = "passes every policy rule" if rec.passes else "does NOT pass every policy rule"
    lines = [
        f"The IPS Recommended Portfolio for **{result.profile.name}** is **{rec.name}**"
        + (" (adopted by the committee)" if result.adoption is not None else "")
        + f", which {status}.",
        "",
        f"Selection rule: {result.selection_rule}",
        "",
        f"Why: {result.selection_reason}",
        "",
        f"Over the sample it returned {m.annualized_return:.2%} a year with {m.annualized_volatility:.2%} "
        f"volatility and a {m.max_drawdown:.2%} maximum drawdown, against {b.annualized_return:.2%}, "
        f"{b.annualized_volatility:.2%} and {b.max_drawdown:.2%} for the benchmark "
        f"({result.profile.benchmark_label}). Portfolio value for the dollar figures (VaR, stress P&L): {money(result.settings.portfolio_value)}, "
        f"the {result.settings.value_basis.value}.",
        "",
        "Committee notes (computed from the results):",
        "",
    ]
    lines += [
        f"- **{n.status.value}** {n.topic}: {n.text}"
        for n in committee_notes(result, risk, stress, plan)
    ]
    return lines


def _constraints(result: AnalysisResult) -> list[str]:
    p, rec = result.profile, result.recommended
    lines = [
        f"- Objective: {p.objective}",
        f"- Horizon {p.horizon_years:g} years; risk tolerance {p.risk_tolerance.value}; liquidity need "
        f"{p.liquidity_need.value}.",
        f"- Return objective: {p.describe_return_target()}{ref(p, K.RETURN_OBJECTIVE)}; spending: {p.spending.describe()}; "
        f"liquidity reserve {p.liquidity_reserve:.0%} of the starting assets.",
        f"- Volatility target {p.max_volatility:.2%}{ref(p, K.VOLATILITY)}; drawdown tolerance "
        f"{p.max_drawdown:.2%}{ref(p, K.DRAWDOWN)}; maximum single ETF {p.max_single_weight:.2%}"
        f"{ref(p, K.MAX_SINGLE)}; drift band {p.drift_bands.absolute:.2%}"
        f"{ref(p, K.DRIFT_ABSOLUTE)}; benchmark {p.benchmark_label}{ref(p, K.BENCHMARK)}.",
        "",
    ]
    rows = [
        [
            r.clause or "",
            r.rule,
            r.limit_text,
            f"{r.actual:.2%}",
            f"{r.margin * 100:+.2f} pp",
            "PASS" if r.passed else "**FAIL**",
        ]
        for r in rec.validation.rows
    ]
    lines += table(["Clause", "Rule", "Limit", "Actual", "Margin", "Result"], rows)
    fails = rec.validation.failures
    lines.append("")
    if fails:
        lines.append(
            f"{len(fails)} of {len(rec.validation.rows)} rules FAIL: "
            + "; ".join(
                f"{f.rule}{f' (IPS {f.clause})' if f.clause else ''} ({f.comment})" for f in fails
            )
            + "."
        )
    else:
        lines.append(f"All {len(rec.validation.rows)} policy rules pass.")
    return lines


def _allocation(result: AnalysisResult, risk: RiskReport) -> list[str]:
    rec, universe = result.recommended, result.universe
    bindings = binding_constraints(result)
    share = dict(zip(risk.portfolio_risk.tickers, risk.portfolio_risk.percent, strict=True))
    held = sorted(((t, float(w)) for t, w in rec.weights.items() if w > 1e-6), key=lambda x: -x[1])
    rows = [
        [
            t,
            universe.asset_class_of(str(t)),
            f"{w:.2%}",
            f"{float(result.benchmark_weights[t]):.2%}",
            f"{share.get(str(t), 0.0):.2%}",
            "; ".join(b.text for b in bindings if t in b.tickers),
        ]
        for t, w in held
    ]
    lines = table(
        ["ETF", "Asset class", "Weight", "Benchmark", "Share of risk", "Binding limit"], rows
    )
    not_held = [str(t) for t, w in rec.weights.items() if w <= 1e-6]
    lines.append("")
    if not_held:
        lines += [f"Not held: {', '.join(not_held)}.", ""]
    classes = ", ".join(f"{c} {w:.2%}" for c, w in rec.class_weights.items())
    lines += [f"Asset classes: {classes}.", ""]
    if bindings:
        lines.append(
            f"Why these weights: {len(bindings)} policy limits bind, so they, not the {rec.name} "
            f"trade-off, set the weights involved: {'; '.join(b.text for b in bindings)}. The other "
            "weights are where the objective balances expected return against risk inside their bounds."
        )
    else:
        lines.append(
            f"Why these weights: no policy limit binds; every weight is set by the {rec.name} trade-off "
            "between expected return and risk."
        )
    head = risk_headroom(result)
    lines += [
        "",
        f"Risk limits: ex-ante volatility {rec.expected_volatility:.2%} against the "
        f"{result.profile.max_volatility:.2%} target{ref(result.profile, K.VOLATILITY)} "
        f"({pp(head['volatility'])} of headroom); historical maximum drawdown "
        f"{-rec.metrics.max_drawdown:.2%} against the {result.profile.max_drawdown:.2%} "
        f"tolerance{ref(result.profile, K.DRAWDOWN)} ({pp(head['drawdown'])} of headroom).",
    ]
    return lines


def _risk_return(risk: RiskReport) -> list[str]:
    comparison = risk.comparison
    rows = [
        [
            str(comparison.loc[k, "label"]),
            fmt(float(comparison.loc[k, "portfolio"]), str(comparison.loc[k, "kind"])),
            fmt(float(comparison.loc[k, "benchmark"]), str(comparison.loc[k, "kind"])),
        ]
        for k in KEY_METRICS
        if k in comparison.index
    ]
    lines = table(["Metric", "Portfolio", "Benchmark"], rows)
    latest = risk.rolling.sort_values("date").groupby("series").tail(1).set_index("series")
    if not latest.empty:
        parts = [
            f"{name}: return {row.rolling_return:.2%}, volatility {row.rolling_volatility:.2%}, drawdown "
            f"{row.rolling_max_drawdown:.2%}"
            for name, row in latest.iterrows()
        ]
        date = latest["date"].max()
        lines += [
            "",
            f"Latest {risk.window}-month window (to {date:%Y-%m-%d}): " + "; ".join(parts) + ".",
        ]
    return lines


def _benchmark(result: AnalysisResult, risk: RiskReport) -> list[str]:
    m, b = result.recommended.metrics, result.benchmark_metrics
    diff = m.annualized_return - b.annualized_return
    return [
        f"Against {result.profile.benchmark_label}: return {diff * 100:+.2f} pp a year "
        f"({m.annualized_return:.2%} vs {b.annualized_return:.2%}), volatility {m.annualized_volatility:.2%} vs "
        f"{b.annualized_volatility:.2%}.",
        f"- Beta {m.beta:.2f}; correlation {m.correlation:.2f}; up capture {m.up_capture:.2f}; down capture "
        f"{m.down_capture:.2f}.",
        f"- Tracking error {m.tracking_error:.2%} realized, {risk.tracking_error:.2%} ex-ante; information ratio "
        f"{m.information_ratio:.2f}.",
    ]


def _risk_contribution(risk: RiskReport) -> list[str]:
    classes = risk.class_risk
    rows = [
        [
            str(c),
            f"{float(classes.loc[c, 'weight']):.2%}",
            f"{float(classes.loc[c, 'percent']):.2%}",
        ]
        for c in classes.index
    ]
    return [risk.summary, "", *table(["Asset class", "Weight", "Share of ex-ante risk"], rows)]


def build_memo(
    results: Sequence[AnalysisResult],
    risk_reports: Sequence[RiskReport],
    stress_results: Sequence[StressResult],
    *,
    rebalance: Any | None = None,
    charts: Sequence[str] = (),
    generated: str | None = None,
    outlooks: Sequence[Any] = (),
    walk_forwards: Sequence[Any] = (),
    pick_stability: Sequence[Any] = (),
    appendices: Sequence[Sequence[str]] = (),
) -> str:
    """The memo in Markdown (module docstring) for ``results[0]``; other profiles are listed at the end.

    ``charts`` are paths relative to the memo (``"charts/risk_contribution.png"``).
    ``outlooks`` (one :class:`~core.outlook.analysis.AnalysisOutlook` per profile) add the
    Outlook to the stress section. ``pick_stability`` (one
    :class:`~core.robustness.pick_stability.PickStability` per profile) adds the pick's stability
    after every candidate's verdict with margins. ``appendices`` are Markdown sections (lines, their own
    ``##`` title first) added at the end: the policy comparison and the decision log.
    ``walk_forwards`` (one :class:`~core.backtest.results.WalkForwardResult` per profile) add
    the out-of-sample evidence to the risk-and-return section and the out-of-sample alpha to the
    factor section.
    """
    from core.report.margin_tables import memo_lines
    from core.report.outlook_tables import outlook_section
    from core.report.walk_forward_tables import oos_parts

    result, risk, stress = results[0], risk_reports[0], stress_results[0]
    plan = rebalance_plans(results, rebalance).get(result.profile.name)
    generated = generated or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    mode = result.dataset.mode.value
    walk_lines, oos_alpha = oos_parts(result, walk_forwards[0] if walk_forwards else None)
    bodies = [
        _provenance(result),
        _recommendation(result, risk, stress, plan),
        _constraints(result) + ["", *memo_lines(result, next(iter(pick_stability), None))],
        _allocation(result, risk),
        _risk_return(risk) + walk_lines,
        _benchmark(result, risk),
        _risk_contribution(risk),
        factor_section(risk, oos_alpha),
        stress_section(stress) + (["", *outlook_section(outlooks[0])] if outlooks else []),
        rebalancing_section(plan),
        key_risks(result, risk, stress),
        limitations(result, risk, out_of_sample=bool(walk_forwards)),
        [f"**{DISCLAIMER}**"],
    ]
    out = [
        f"# Investment Committee Memo: {result.profile.name}",
        "",
        f"> **{mode} DATA**: {result.dataset.provenance.source}. Generated {generated} by IPS Allocation "
        f"Studio {__version__}. Educational use only.",
        "",
    ]
    for k, (title, body) in enumerate(zip(SECTION_TITLES, bodies, strict=True)):
        out += [f"## {title}", "", *body, ""]
        for image in _charts_for(k, charts):
            out += [image, ""]
    others = results[1:]
    if others:
        out += ["## Other profiles in this report", ""]
        out += [
            f"- {r.profile.name}: {r.recommended.name} "
            f"({'passes' if r.recommended.passes else 'does NOT pass'} every policy rule); return "
            f"{r.recommended.metrics.annualized_return:.2%}, volatility {r.recommended.metrics.annualized_volatility:.2%}."
            for r in others
        ]
        out.append("")
    for appendix in appendices:
        out += [*appendix, ""]
    return "\n".join(out).rstrip() + "\n"
