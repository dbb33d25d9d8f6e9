"""The Executive Summary sheet: one screen for the committee about the selected profile.

Layout (columns A-F hold text and figures, the charts sit to the right from column H):
title, data-mode banner, sample line; Recommendation (profile, strategy, status, selection rule,
reason, benchmark, portfolio value); KPI boxes; asset-class allocation against the policy
ranges; committee notes (PASS / REVIEW / INFO, computed in :mod:`core.report.insights`); the
educational-use disclaimer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core import DISCLAIMER
from core.report.insights import CommitteeNote, NoteStatus, money
from core.report.workbook_style import (
    BORDER,
    CURRENCY,
    DARK_RED,
    GREEN,
    GREY,
    LIGHT_BLUE,
    MODE_COLORS,
    NAVY,
    PALE,
    PERCENT,
    RATIO,
    RED,
    write_value,
)

if TYPE_CHECKING:
    from core.analytics.risk_report import RiskReport
    from core.pipeline import AnalysisResult

WIDTHS = {"A": 26, "B": 17, "C": 17, "D": 26, "E": 17, "F": 17}
TEXT_WIDTH = sum(WIDTHS.values())  # characters across A:F
LINE_HEIGHT = 15.0
MODE_BANNERS = {
    "SYNTHETIC": "SYNTHETIC DATA: illustrative numbers, not market history",
    "MARKET": "MARKET DATA",
    "IMPORTED": "IMPORTED DATA",
}
NOTE_FILLS = {NoteStatus.PASS: GREEN, NoteStatus.REVIEW: RED, NoteStatus.INFO: GREY}


@dataclass(frozen=True)
class Kpi:
    """One KPI box: label, value, number format and a comparison line."""

    label: str
    value: float
    number_format: str
    note: str = ""


@dataclass(frozen=True)
class SummaryLayout:
    """Where the Executive Summary put things (the chart code anchors to these rows)."""

    allocation_header_row: int
    allocation_last_row: int
    last_row: int


def _lines(text: str, width: int) -> int:
    return max(
        1, sum(max(1, math.ceil(len(part) / max(width, 1))) for part in str(text).split("\n"))
    )


def _merge(
    ws: Any,
    row: int,
    first: int,
    last: int,
    value: Any,
    *,
    number_format: str | None = None,
    bold: bool = False,
    size: float = 10,
    color: str = "000000",
    fill: str | None = None,
    align: str = "left",
    wrap: bool = True,
    italic: bool = False,
) -> Any:
    from openpyxl.styles import Alignment, Font, PatternFill

    cell = write_value(ws, row, first, value, number_format)
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell.font = Font(bold=bold, size=size, color=color, italic=italic)
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=wrap)
    if fill:
        for col in range(first, last + 1):
            ws.cell(row=row, column=col).fill = PatternFill("solid", fgColor=fill)
    return cell


def _section(ws: Any, row: int, title: str, first: int = 1, last: int = 6) -> None:
    _merge(ws, row, first, last, title, bold=True, size=11, color=NAVY, fill=LIGHT_BLUE)


def _label_value(
    ws: Any, row: int, label: str, value: Any, number_format: str | None = None
) -> int:
    from openpyxl.styles import Alignment, Font

    cell = write_value(ws, row, 1, label)
    cell.font = Font(bold=True, color=NAVY)
    cell.alignment = Alignment(vertical="center")
    _merge(ws, row, 2, 6, value, number_format=number_format, align="left")
    width = TEXT_WIDTH - WIDTHS["A"]
    ws.row_dimensions[row].height = LINE_HEIGHT * _lines(str(value), width) + 3
    return row + 1


def kpis(result: AnalysisResult, risk: RiskReport, plan: Any | None) -> list[Kpi]:
    """The six KPI boxes: return, volatility, max drawdown, tracking error, VaR, rebalancing cost."""
    m, b = result.recommended.metrics, result.benchmark_metrics
    level = f"{m.level * 100:g}%"
    boxes = [
        Kpi(
            "Annualized return (CAGR)",
            m.annualized_return,
            PERCENT,
            f"Benchmark {b.annualized_return:.2%}",
        ),
        Kpi(
            "Annualized volatility",
            m.annualized_volatility,
            PERCENT,
            f"Ex-ante {result.recommended.expected_volatility:.2%}; target {result.profile.max_volatility:.2%}",
        ),
        Kpi(
            "Maximum drawdown",
            m.max_drawdown,
            PERCENT,
            f"Tolerance -{result.profile.max_drawdown:.2%}",
        ),
        Kpi("Tracking error", m.tracking_error, PERCENT, f"Ex-ante {risk.tracking_error:.2%}"),
        Kpi(
            f"VaR {level} (1 month, historical)",
            m.var_95,
            PERCENT,
            f"{money(m.var_95_dollar)} on {money(m.portfolio_value)}",
        ),
    ]
    if plan is not None:
        boxes.append(
            Kpi(
                "Rebalancing cost (estimated)",
                plan.total_cost,
                CURRENCY,
                f"{len(plan.trades)} trades, turnover {plan.turnover:.2%} of {money(plan.value_before)}",
            )
        )
    else:
        boxes.append(Kpi("Sharpe ratio", m.sharpe_ratio, RATIO, f"Benchmark {b.sharpe_ratio:.2f}"))
    return boxes


def _kpi_box(ws: Any, row: int, column: int, kpi: Kpi) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin, top = Side(style="thin", color=BORDER), Side(style="medium", color=NAVY)
    _merge(
        ws,
        row,
        column,
        column + 1,
        kpi.label,
        bold=True,
        color=NAVY,
        fill=LIGHT_BLUE,
        align="center",
    )
    colour = DARK_RED if kpi.value < 0 else "000000"
    value = _merge(
        ws,
        row + 1,
        column,
        column + 1,
        kpi.value,
        number_format=kpi.number_format,
        bold=True,
        size=14,
        color=colour,
        fill=PALE,
        align="center",
    )
    value.alignment = Alignment(horizontal="center", vertical="center")
    _merge(
        ws, row + 2, column, column + 1, kpi.note, size=9, color="555555", fill=PALE, align="center"
    )
    for r in range(row, row + 3):
        for c in (column, column + 1):
            ws.cell(row=r, column=c).border = Border(
                top=top if r == row else thin,
                bottom=thin if r == row + 2 else None,
                left=thin if c == column else None,
                right=thin if c == column + 1 else None,
            )
    ws.row_dimensions[row + 1].height = 24
    ws.cell(row=row + 1, column=column).fill = PatternFill("solid", fgColor=PALE)
    ws.cell(row=row + 1, column=column).font = Font(bold=True, size=14, color=colour)


def _allocation(ws: Any, row: int, result: AnalysisResult) -> int:
    from openpyxl.styles import Alignment, Font

    from core.report.workbook_style import style_header

    center = Alignment(horizontal="center")
    headers = ["Asset class", "Portfolio", "Benchmark", "Policy range", "Position in range"]
    cells = [write_value(ws, row, j + 1, h) for j, h in enumerate(headers)]
    style_header(cells)
    bench = {
        cls: float(sum(result.benchmark_weights[t] for t in result.universe.class_members(cls)))
        for cls in result.universe.asset_classes
    }
    for i, (cls, weight) in enumerate(result.recommended.class_weights.items(), start=1):
        rng = result.profile.class_ranges.get(str(cls))
        write_value(ws, row + i, 1, str(cls)).font = Font(bold=True)
        write_value(ws, row + i, 2, float(weight), PERCENT)
        write_value(ws, row + i, 3, bench[str(cls)], PERCENT)
        if rng is None:
            write_value(ws, row + i, 4, "no range")
            write_value(ws, row + i, 5, "")
            continue
        write_value(ws, row + i, 4, f"{rng.minimum:.2%} to {rng.maximum:.2%}").alignment = center
        if weight < rng.minimum - 1e-6 or weight > rng.maximum + 1e-6:
            where = "OUTSIDE the range"
        elif weight - rng.minimum <= 1e-4:
            where = "at the minimum"
        elif rng.maximum - weight <= 1e-4:
            where = "at the maximum"
        else:
            where = "inside"
        write_value(ws, row + i, 5, where).alignment = center
    return row + len(result.recommended.class_weights)


def _notes(ws: Any, row: int, notes: Sequence[CommitteeNote]) -> int:
    from openpyxl.styles import Alignment, Font, PatternFill

    from core.report.workbook_style import style_header

    style_header([write_value(ws, row, 1, "Status"), write_value(ws, row, 2, "Topic")])
    _merge(
        ws,
        row,
        3,
        6,
        "Committee note (computed from the results)",
        bold=True,
        color="FFFFFF",
        fill=NAVY,
        align="center",
    )
    for note in notes:
        row += 1
        fill = PatternFill("solid", fgColor=NOTE_FILLS[note.status])
        status = write_value(ws, row, 1, note.status.value)
        status.font = Font(
            bold=True, color=DARK_RED if note.status is NoteStatus.REVIEW else "000000"
        )
        status.alignment = Alignment(horizontal="center", vertical="center")
        topic = write_value(ws, row, 2, note.topic)
        topic.font = Font(bold=True)
        topic.alignment = Alignment(vertical="center", wrap_text=True)
        _merge(ws, row, 3, 6, note.text)
        for col in range(1, 7):
            ws.cell(row=row, column=col).fill = fill
        width = WIDTHS["C"] + WIDTHS["D"] + WIDTHS["E"] + WIDTHS["F"] - 6
        ws.row_dimensions[row].height = LINE_HEIGHT * _lines(note.text, width) + 4
    return row


def write_executive_summary(
    ws: Any,
    result: AnalysisResult,
    risk: RiskReport,
    notes: Sequence[CommitteeNote],
    plan: Any | None,
    *,
    generated: str,
) -> SummaryLayout:
    """Fill ``ws`` (module docstring); returns the rows the charts anchor to."""
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width
    ws.column_dimensions["G"].width = 3
    prov = result.dataset.provenance
    mode = prov.mode.value
    _merge(
        ws,
        1,
        1,
        6,
        f"Investment Committee Report: {result.profile.name}",
        bold=True,
        size=14,
        color="FFFFFF",
        fill=NAVY,
        align="center",
    )
    ws.row_dimensions[1].height = 26
    fill, font = MODE_COLORS.get(mode, (GREY, "000000"))
    _merge(
        ws,
        2,
        1,
        6,
        f"{MODE_BANNERS.get(mode, mode)} | same-sample diagnostics | see Data Provenance",
        bold=True,
        size=11,
        color=font,
        fill=fill,
        align="center",
    )
    ws.row_dimensions[2].height = 20
    _merge(
        ws,
        3,
        1,
        6,
        f"Sample {prov.start} to {prov.end} ({prov.months} monthly returns) | {prov.source} | "
        f"generated {generated}",
        size=9,
        color="555555",
        align="center",
    )
    ws.row_dimensions[3].height = (
        LINE_HEIGHT * _lines(ws.cell(row=3, column=1).value, TEXT_WIDTH) + 2
    )

    rec = result.recommended
    _section(ws, 5, "Recommendation")
    row = _label_value(ws, 6, "IPS profile", result.profile.name)
    status = "passes every policy rule" if rec.passes else "DOES NOT pass every policy rule"
    adopted = "adopted by the committee; " if result.adoption is not None else ""
    row = _label_value(ws, row, "Recommended portfolio", f"{rec.name} ({adopted}{status})")
    row = _label_value(ws, row, "Selection rule", result.selection_rule)
    row = _label_value(ws, row, "Why this candidate", result.selection_reason)
    row = _label_value(ws, row, "Benchmark", result.profile.benchmark_label)
    row = _label_value(ws, row, "Portfolio value", result.settings.portfolio_value, CURRENCY)
    row = _label_value(
        ws,
        row,
        "Portfolio value basis",
        f"The {result.settings.value_basis.value}; dollar VaR and stress P&L use this value.",
    )
    if not rec.passes:
        from openpyxl.styles import Font

        ws.cell(row=7, column=2).font = Font(bold=True, color=DARK_RED)

    row += 1
    _section(ws, row, "Key Metrics (recommended portfolio, realized over the sample unless noted)")
    boxes = kpis(result, risk, plan)
    for k, kpi in enumerate(boxes):
        top = row + 2 + (k // 3) * 4
        _kpi_box(ws, top, 1 + (k % 3) * 2, kpi)
    row += 2 + math.ceil(len(boxes) / 3) * 4

    _section(ws, row, "Asset-Class Allocation")
    header = row + 1
    last_alloc = _allocation(ws, header, result)

    row = last_alloc + 2
    _section(ws, row, "Committee Notes")
    row = _notes(ws, row + 1, notes)

    row += 2
    _merge(ws, row, 1, 6, DISCLAIMER, italic=True, size=9, color=DARK_RED)
    ws.row_dimensions[row].height = LINE_HEIGHT * _lines(DISCLAIMER, TEXT_WIDTH - 10) + 4
    ws.freeze_panes = "A4"
    ws.sheet_view.showGridLines = False
    return SummaryLayout(allocation_header_row=header, allocation_last_row=last_alloc, last_row=row)
