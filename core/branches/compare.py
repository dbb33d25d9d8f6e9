"""Compare the current holdings and every policy branch through the one analysis pipeline.

:func:`compare_policies` runs each branch exactly as the window and the report analyse a
policy: :func:`core.pipeline.run_analysis` (the branch's profile and estimator settings, the
project's universe and data set, the account's value behind the dollar figures), then
:func:`core.analytics.risk_report.build_risk_report`, :func:`core.stress.engine.stress_analysis`
(the bundled scenarios plus the project's custom ones) and, when the Outlook is on,
:func:`core.outlook.analysis.analysis_outlook`. Each column is the branch's IPS Recommended
Portfolio. The current holdings, valued at the data set's prices
(:func:`core.report.inputs.priced_project`), are measured as one more portfolio of the main
policy's analysis (:func:`core.pipeline.with_candidate`), so its metrics, compliance, risk
contribution, stress and Outlook come from the same functions. Uninvested cash counts as the
universe's cash-class ETF (the policy's cash instrument, as the drift and compliance tables count
it); a universe without one leaves the cash out of the returns (it earns nothing), noted.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from core.analytics.summary import MetricKind, PerformanceMetrics
from core.branches.policy import MAIN, PolicyBranch, branch, branches_of
from core.branches.table import Better, ComparisonRow, PolicyComparison, Section
from core.jobs import CancelToken, ProgressCallback, no_progress

if TYPE_CHECKING:
    from core.analytics.risk_report import RiskReport
    from core.data.dataset import ReturnsDataset
    from core.outlook.analysis import AnalysisOutlook
    from core.outlook.request import OutlookRequest
    from core.pipeline import AnalysisResult, AnalysisSettings
    from core.project import Project
    from core.stress.engine import StressResult

HOLDINGS = "Current holdings"
CASH_CLASS = "Cash"

_H, _L, _N = Better.HIGHER, Better.LOWER, Better.NONE
METRIC_BETTER: dict[str, Better] = {
    "annualized_return": _H,
    "annualized_volatility": _L,
    "sharpe_ratio": _H,
    "sortino_ratio": _H,
    "max_drawdown": _H,  # negative: higher is the smaller loss
    "max_drawdown_duration": _L,
    "tracking_error": _N,
    "information_ratio": _H,
    "beta": _N,
    "correlation": _N,
    "up_capture": _H,
    "down_capture": _L,
    "var_95": _H,
    "cvar_95": _H,
    "parametric_var_95": _H,
    "cornish_fisher_var_95": _H,
    "var_95_dollar": _H,
    "cvar_95_dollar": _H,
    "best_month": _H,
    "worst_month": _H,
    "positive_month_share": _H,
    "months": _N,
}
"""Which direction is better for each :class:`PerformanceMetrics` figure (losses are negative)."""

OUTLOOK_ROWS: tuple[tuple[str, str, Better, MetricKind], ...] = (
    ("prob_meet_objective", "Probability of meeting the return objective", _H, MetricKind.PERCENT),
    ("prob_breach_drawdown_tolerance", "Probability of a drawdown beyond tolerance", _L,
     MetricKind.PERCENT),
    ("prob_liquidity_shortfall", "Probability of a liquidity shortfall", _L, MetricKind.PERCENT),
    ("terminal_wealth_p5", "Terminal wealth, 5th percentile (x start)", _H, MetricKind.RATIO),
    ("terminal_wealth_p50", "Terminal wealth, median (x start)", _H, MetricKind.RATIO),
    ("expected_shortfall_below_target", "Expected shortfall below target (x start)", _L,
     MetricKind.RATIO),
    ("median_max_drawdown", "Median maximum drawdown (loss)", _L, MetricKind.PERCENT),
    ("safe_spending_rate_90", "Safe spending rate at 90%", _H, MetricKind.PERCENT),
)  # fmt: skip
"""Outlook figures compared: (summary column, label, better, kind)."""


def holdings_weights(project: Project) -> tuple[np.ndarray, list[str]]:
    """The account's weights in universe order (decimal, of the account value with cash) with
    the cash on the cash-class ETF (module docstring), and notes saying how cash was counted.

    Raises
    ------
    DataError
        The account holds an ETF outside the universe, or is empty.
    """
    from core.rebalance.compliance import account_weights

    if project.holdings is None:
        raise ValueError("the project holds no account")
    universe = project.universe
    w, cash = account_weights(project.holdings, universe)
    notes = []
    cash_etfs = universe.class_members(CASH_CLASS) if CASH_CLASS in universe.asset_classes else ()
    if cash > 0 and cash_etfs:
        k = universe.tickers.index(cash_etfs[0])
        w = w.copy()
        w[k] += cash
        notes.append(
            f"The account's uninvested cash ({cash:.2%}) is measured as {cash_etfs[0]}, the "
            "policy's cash ETF."
        )
    elif cash > 0:
        notes.append(
            f"The account's uninvested cash ({cash:.2%}) earns nothing in these figures: the "
            "universe has no cash-class ETF."
        )
    return w, notes


def holdings_analysis(main: AnalysisResult, project: Project) -> tuple[AnalysisResult, list[str]]:
    """``main`` with the account as one more portfolio, made its portfolio of record, so that
    the risk report, stress test and Outlook of the pipeline measure the account."""
    from core.optimize.candidates import Candidate, Strategy
    from core.pipeline import with_candidate

    weights, notes = holdings_weights(project)
    cand = Candidate(
        Strategy.CURRENT_HOLDINGS, weights, "the account at the data set's prices", tuple(notes)
    )
    view = with_candidate(main, cand)
    return (
        dataclasses.replace(
            view,
            recommended_name=cand.name,
            selection_reason="The current holdings, measured as a portfolio (not a candidate).",
        ),
        notes,
    )


def _settings_for(policy: PolicyBranch, project: Project) -> AnalysisSettings:
    from core.pipeline import settings_for_account

    holdings = project.holdings
    return settings_for_account(
        policy.settings, holdings.total_value if holdings is not None else None
    )


def compare_policies(
    project: Project,
    dataset: ReturnsDataset,
    names: Sequence[str] | None = None,
    *,
    outlook: OutlookRequest | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> PolicyComparison:
    """The :class:`PolicyComparison` of the current holdings (when the project has an account)
    and the branches ``names`` (default: every branch, the main policy first).

    ``outlook`` defaults to the project's Outlook settings; ``paths == 0`` leaves the Outlook
    rows out.

    Raises
    ------
    BranchError
        A name is not a branch of the project.
    IPSStudioError
        A branch's policy cannot be analysed (its message names the branch).
    """
    from core.analytics.risk_report import build_risk_report
    from core.errors import IPSStudioError
    from core.pipeline import run_analysis
    from core.report.inputs import priced_project
    from core.stress.engine import stress_analysis

    report, token = progress or no_progress, cancel or CancelToken()
    project = priced_project(project, dataset)
    chosen = (
        [branch(project, n) for n in names] if names is not None else list(branches_of(project))
    )
    if not chosen:
        raise ValueError("Choose at least one branch to compare.")
    request = outlook if outlook is not None else project.outlook
    steps = len(chosen) + (project.holdings is not None)
    analyses: list[AnalysisResult] = []
    titles: list[str] = []
    policies: list[str] = []
    notes: list[str] = []
    main_result: AnalysisResult | None = None
    for k, policy in enumerate(chosen):
        token.raise_if_cancelled()
        report(0.5 * k / steps, f"Analysing the policy '{policy.name}'")
        try:
            result = run_analysis(
                policy.profile,
                dataset,
                project.universe,
                _settings_for(policy, project),
                cancel=token,
            )
        except IPSStudioError as exc:
            raise type(exc)(f"Branch '{policy.name}': {exc}") from None
        analyses.append(result)
        titles.append(policy.name)
        policies.append(policy.name)
        if policy.name == MAIN:
            main_result = result
    if project.holdings is not None:
        if main_result is None:
            main = branch(project, MAIN)
            main_result = run_analysis(
                main.profile,
                dataset,
                project.universe,
                _settings_for(main, project),
                cancel=token,
            )
        held, held_notes = holdings_analysis(main_result, project)
        analyses.insert(0, held)
        titles.insert(0, HOLDINGS)
        policies.insert(0, MAIN)
        notes += held_notes
    risk_reports: list[RiskReport] = []
    stress_results: list[StressResult] = []
    outlooks: list[AnalysisOutlook] = []
    for k, result in enumerate(analyses):
        token.raise_if_cancelled()
        report(0.5 + 0.45 * k / len(analyses), f"Risk, stress and Outlook: {titles[k]}")
        risk_reports.append(build_risk_report(result))
        stress_results.append(stress_analysis(result, tuple(project.custom_scenarios)))
        if request.enabled:
            from core.outlook.analysis import analysis_outlook

            outlooks.append(
                analysis_outlook(result, request.settings_for(result.profile), cancel=token)
            )
    report(0.98, "Building the comparison table")
    rows = comparison_rows(analyses, risk_reports, stress_results, outlooks)
    report(1.0, "Comparison ready")
    return PolicyComparison(
        columns=tuple(titles),
        portfolios=tuple(a.recommended_name for a in analyses),
        policies=tuple(policies),
        compliant=tuple(a.recommended.passes for a in analyses),
        rows=rows,
        analyses=tuple(analyses),
        notes=tuple(notes),
        edited=project.branches.active,
    )


def _union(lists: Sequence[Sequence[str]]) -> list[str]:
    out: list[str] = []
    for items in lists:
        out += [i for i in items if i not in out]
    return out


def comparison_rows(
    analyses: Sequence[AnalysisResult],
    risk_reports: Sequence[RiskReport],
    stress_results: Sequence[StressResult],
    outlooks: Sequence[AnalysisOutlook] = (),
) -> tuple[ComparisonRow, ...]:
    """Every row of the table from one analysis, risk report, stress result (and Outlook) per
    column, each for that analysis's recommended portfolio."""
    recs = [a.recommended for a in analyses]
    rows: list[ComparisonRow] = []

    def add(section: Section, item: str, values: Sequence[float], better: Better = _N,
            kind: MetricKind = MetricKind.PERCENT,
            passed: Sequence[bool | None] | None = None) -> None:  # fmt: skip
        rows.append(
            ComparisonRow(
                section,
                item,
                tuple(float(v) for v in values),
                better,
                kind,
                None if passed is None else tuple(passed),
            )
        )

    for ticker in _union([list(r.weights.index) for r in recs]):
        add(Section.WEIGHTS, ticker, [float(r.weights.get(ticker, math.nan)) for r in recs])
    for cls in _union([list(r.class_weights.index) for r in recs]):
        add(Section.ASSET_CLASSES, cls, [float(r.class_weights.get(cls, math.nan)) for r in recs])

    add(Section.METRICS, "Expected return (ex-ante, annual)", [r.expected_return for r in recs], _H)
    add(Section.METRICS, "Expected volatility (ex-ante, annual)",
        [r.expected_volatility for r in recs], _L)  # fmt: skip
    level = analyses[0].settings.var_level
    for spec in PerformanceMetrics.specs(level):
        add(
            Section.METRICS,
            spec.label,
            [float(getattr(r.metrics, spec.name)) for r in recs],
            METRIC_BETTER.get(spec.name, _N),
            spec.kind,
        )

    add(Section.COMPLIANCE, "Rules passed", [sum(row.passed for row in r.validation.rows)
        for r in recs], _H, MetricKind.COUNT)  # fmt: skip
    add(Section.COMPLIANCE, "Rules failed", [len(r.validation.failures) for r in recs], _L,
        MetricKind.COUNT)  # fmt: skip
    by_rule = [{row.rule: row for row in r.validation.rows} for r in recs]
    for rule in _union([list(rules) for rules in by_rule]):
        cells = [rules.get(rule) for rules in by_rule]
        add(
            Section.COMPLIANCE,
            rule,
            [c.margin if c is not None else math.nan for c in cells],
            _H,
            passed=[c.passed if c is not None else None for c in cells],
        )

    risk_shares = [rr.portfolio_risk.to_frame()["percent"] for rr in risk_reports]
    for ticker in _union([list(shares.index) for shares in risk_shares]):
        add(
            Section.RISK,
            f"{ticker} share of ex-ante risk",
            [float(shares.get(ticker, math.nan)) for shares in risk_shares],
        )
    add(Section.RISK, "Diversification ratio", [rr.diversification_ratio for rr in risk_reports],
        _H, MetricKind.RATIO)  # fmt: skip
    add(Section.RISK, "Effective number of bets", [rr.effective_bets for rr in risk_reports], _H,
        MetricKind.RATIO)  # fmt: skip

    outcome_maps = [{o.name: o for o in s.outcomes} for s in stress_results]
    for name in _union([list(m) for m in outcome_maps]):
        add(
            Section.STRESS,
            name,
            [m[name].portfolio_return if name in m else math.nan for m in outcome_maps],
            _H,
        )

    if outlooks:
        frames = [o.outlook.summary_frame() for o in outlooks]
        for column, label, better, kind in OUTLOOK_ROWS:
            add(
                Section.OUTLOOK,
                label,
                [float(f.loc[o.recommended_name, column]) for f, o in zip(frames, outlooks,
                                                                         strict=True)],
                better,
                kind,
            )  # fmt: skip
    return tuple(rows)
