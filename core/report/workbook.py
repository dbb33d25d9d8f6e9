"""The committee workbook ``investment_committee_report.xlsx`` (openpyxl).

:func:`write_workbook` builds, for the selected (first) profile, an Executive Summary with KPI
boxes, the asset-class allocation and computed committee notes, then one sheet per topic. Every
sheet that tabulates a CSV of the report holds the frame that CSV holds
(:func:`core.report.sheet_data.csv_tables`); tables of several profiles are stacked with a
``profile_name`` column, and the charts show the selected profile. Sheet order:

Executive Summary, IPS Profile, Recommended Allocation, Candidate Comparison, Risk Metrics,
Constraint Validation, Risk Contribution, Factor Exposure, Equity Sleeve Factors, Rolling Risk,
Cumulative Performance, Efficient Frontier, Stress Summary, Stress Tests, Drift and Rebalancing
and Post-trade Compliance (when a rebalancing plan is given), ETF Rationale, Methodology, Data Provenance,
then Policy Comparison and Decision Log when the report has them (``extra_sheets``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from core import __version__
from core.report import workbook_charts as charts
from core.report.insights import committee_notes, etf_rationale
from core.report.margin_tables import write_pick_stability_sheet
from core.report.sheet_data import (
    COMPLIANCE_CSV,
    CSV_SHEETS,
    REBALANCING_CSV,
    candidate_comparison,
    csv_tables,
    performance_frame,
    rebalance_plans,
    stress_summary,
)
from core.report.workbook_sheets import (
    methodology_frame,
    write_frame_sheet,
    write_profile,
    write_provenance,
    write_text_table,
)
from core.report.workbook_style import fit_to_page_width
from core.report.workbook_summary import write_executive_summary

if TYPE_CHECKING:
    from core.analytics.risk_report import RiskReport
    from core.pipeline import AnalysisResult
    from core.stress.engine import StressResult

WORKBOOK_NAME = "investment_committee_report.xlsx"


def _rebalancing_extras(
    ws: Any, results: Sequence[AnalysisResult], plans: dict[str, Any], start: int
) -> None:
    """Below the trade list: each plan's one-row summary (transposed) and its asset-class drift."""
    from openpyxl.styles import Font

    from core.report.rebalance_tables import rebalancing_summary
    from core.report.workbook_style import number_format_for, style_header, write_table, write_value

    row = start
    for r in results:
        plan = plans.get(r.profile.name)
        if plan is None:
            continue
        write_value(ws, row, 1, f"Plan summary: {r.profile.name}").font = Font(bold=True, size=11)
        summary = rebalancing_summary(
            plan, profile_name=r.profile.name, data_mode=r.dataset.mode
        ).iloc[0]
        style_header([write_value(ws, row + 1, 1, "item"), write_value(ws, row + 1, 2, "value")])
        for i, (name, value) in enumerate(summary.items(), start=row + 2):
            write_value(ws, i, 1, str(name))
            write_value(ws, i, 2, value, number_format_for(str(name)))
        row += len(summary) + 3
        write_value(ws, row, 1, f"Asset-class drift: {r.profile.name}").font = Font(
            bold=True, size=11
        )
        last, _ = write_table(ws, plan.drift.classes_frame(), first_row=row + 1)
        row = last + 3


def write_workbook(
    results: Sequence[AnalysisResult],
    risk_reports: Sequence[RiskReport],
    stress_results: Sequence[StressResult],
    path: str | Path,
    *,
    rebalance: Any | None = None,
    generated: str | None = None,
    outlooks: Sequence[Any] = (),
    walk_forwards: Sequence[Any] = (),
    pick_stability: Sequence[Any] = (),
    extra_sheets: Sequence[Callable[[Any], Any]] = (),
) -> Path:
    """Write the committee workbook to ``path`` (module docstring); returns the path.

    Parameters
    ----------
    results, risk_reports, stress_results : one per profile, same order; the first is the
        selected profile of the Executive Summary and the charts.
    rebalance : RebalancePlan, ``{profile name: RebalancePlan}`` or None
        Adds the Drift and Rebalancing sheet, the rebalancing-cost KPI and a committee note.
    generated : str
        Timestamp printed on the summary (default: now, UTC).
    outlooks : :class:`~core.outlook.analysis.AnalysisOutlook`, one per profile, or none
        Adds the Outlook sheet (answers of every portfolio, the fan of the first profile's
        recommended portfolio and its native line chart).
    walk_forwards : :class:`~core.backtest.results.WalkForwardResult`, one per profile, or none
        Adds the Out-of-Sample sheets (:func:`core.report.walk_forward_tables.write_sheets`).
    pick_stability : :class:`~core.robustness.pick_stability.PickStability`, one per profile, or
        none: adds the Pick Stability sheet.
    extra_sheets : callables ``write(workbook)`` that each add a sheet at the end (the Policy
        Comparison and Decision Log sheets of :mod:`core.branches.report` and
        :mod:`core.decision.report`).
    """
    from openpyxl import Workbook

    if not results or len(results) != len(risk_reports) or len(results) != len(stress_results):
        raise ValueError(
            "write_workbook needs one risk report and one stress result per analysis result"
        )
    path = Path(path)
    generated = generated or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    plans = rebalance_plans(results, rebalance)
    frames = csv_tables(results, risk_reports, stress_results, plans)
    first, risk, stress = results[0], risk_reports[0], stress_results[0]
    plan = plans.get(first.profile.name)

    wb = Workbook()
    summary = wb.active
    summary.title = "Executive Summary"
    layout = write_executive_summary(
        summary, first, risk, committee_notes(first, risk, stress, plan), plan, generated=generated
    )
    write_profile(wb.create_sheet("IPS Profile"), results)

    def csv_sheet(name: str) -> tuple[Any, pd.DataFrame]:
        ws = wb.create_sheet(CSV_SHEETS[name])
        write_frame_sheet(ws, frames[name])
        return ws, frames[name]

    ws, frame = csv_sheet("recommended_allocation.csv")
    charts.bar_chart(
        ws,
        frame,
        category="ticker",
        values=["weight"],
        titles=["Weight"],
        horizontal=True,
        title=f"Recommended allocation: {first.profile.name}",
        anchor=charts.anchor_beside(frame),
        height=10,
    )
    comparison = candidate_comparison(results)
    write_frame_sheet(wb.create_sheet("Candidate Comparison"), comparison)
    write_pick_stability_sheet(wb, results, pick_stability)
    csv_sheet("portfolio_risk_summary.csv")
    csv_sheet("constraints_validation.csv")
    ws, frame = csv_sheet("risk_contribution_summary.csv")
    charts.bar_chart(
        ws,
        frame,
        category="name",
        values=["weight", "percent_risk_contribution"],
        titles=["Weight", "Share of ex-ante risk"],
        horizontal=True,
        mask=frame["level"] == "ETF",
        title="Weight vs contribution to risk",
        anchor=charts.anchor_beside(frame),
        height=11,
    )
    csv_sheet("factor_exposure_summary.csv")
    csv_sheet("equity_sleeve_factor_summary.csv")
    csv_sheet("rolling_risk_metrics.csv")

    perf = performance_frame(risk)
    perf_ws = wb.create_sheet("Cumulative Performance")
    write_frame_sheet(perf_ws, perf)
    charts.line_chart(
        perf_ws,
        perf_ws,
        perf,
        values=["portfolio_drawdown", "benchmark_drawdown"],
        titles=["Portfolio", "Benchmark"],
        title="Drawdown from the running peak",
        anchor=charts.anchor_beside(perf),
        number_format="0%",
    )
    ws, frame = csv_sheet("efficient_frontier.csv")
    charts.frontier_chart(ws, frame, anchor="B" + str(len(frame) + 4) if len(frame) <= 45 else "Z2")

    stress_table = stress_summary(stress_results)
    stress_ws = wb.create_sheet("Stress Summary")
    write_frame_sheet(stress_ws, stress_table)
    charts.bar_chart(
        stress_ws,
        stress_table,
        category="scenario_name",
        values=["portfolio_return", "benchmark_return"],
        titles=["Portfolio", "Benchmark"],
        horizontal=True,
        title="Scenario returns",
        anchor=charts.anchor_beside(stress_table, wide=10),
        height=12,
    )
    csv_sheet("stress_test_results.csv")
    if outlooks:
        from core.report.outlook_tables import OUTLOOK_SHEET, fan_frame, outlook_summary

        outlook_ws = wb.create_sheet(OUTLOOK_SHEET)
        summary_frame = outlook_summary(outlooks)
        write_frame_sheet(outlook_ws, summary_frame)
        fan = fan_frame(outlooks[0])
        fan_ws = wb.create_sheet(f"{OUTLOOK_SHEET} Fan")
        write_frame_sheet(fan_ws, fan)
        charts.fan_chart(
            outlook_ws,
            fan_ws,
            fan,
            title=f"Wealth percentiles: {outlooks[0].recommended_name} ({first.profile.name})",
            anchor=f"B{len(summary_frame) + 4}",
        )
        reverse = pd.concat([o.reverse_frame() for o in outlooks], ignore_index=True)
        write_frame_sheet(wb.create_sheet(f"{OUTLOOK_SHEET} Reverse Stress"), reverse)
    if walk_forwards:
        from core.report.walk_forward_tables import write_sheets

        write_sheets(wb, walk_forwards)
    if REBALANCING_CSV in frames:
        ws, frame = csv_sheet(REBALANCING_CSV)
        _rebalancing_extras(ws, results, plans, len(frame) + 4)
    if COMPLIANCE_CSV in frames:
        csv_sheet(COMPLIANCE_CSV)

    rationale = pd.concat(
        [
            etf_rationale(r, rr, s)
            for r, rr, s in zip(results, risk_reports, stress_results, strict=True)
        ],
        ignore_index=True,
    )
    write_frame_sheet(wb.create_sheet("ETF Rationale"), rationale)
    write_text_table(
        wb.create_sheet("Methodology"),
        methodology_frame(results, risk_reports, stress_results, plans),
        widths={"section": 20, "item": 38, "description": 110},
    )
    write_provenance(wb.create_sheet("Data Provenance"), first, risk)
    for write_sheet in extra_sheets:
        write_sheet(wb)

    charts.class_allocation_chart(
        summary, layout.allocation_header_row, layout.allocation_last_row, "H5"
    )
    charts.line_chart(
        summary,
        perf_ws,
        perf,
        values=["portfolio_growth", "benchmark_growth"],
        titles=["Portfolio", "Benchmark"],
        title="Growth of $1: portfolio vs benchmark",
        anchor="H22",
        number_format="0.00",
    )
    for sheet in wb.worksheets:
        fit_to_page_width(
            sheet,
            repeat_header=sheet is not summary and sheet.title != "IPS Profile",
            one_page=sheet is summary,
        )
    wb.properties.title = f"Investment Committee Report: {first.profile.name}"
    wb.properties.creator = f"IPS Allocation Studio {__version__}"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
