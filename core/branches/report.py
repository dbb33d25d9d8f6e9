"""The "Policy Comparison" workbook sheet and memo section of a :class:`PolicyComparison`.

The sheet has one row per figure (section, item, which direction is better, one column per
portfolio, PASS/FAIL per portfolio for compliance rows, the best portfolio's title and whether
the portfolios differ). The best value of a row is bold on a green fill; a row whose values
differ has its item on a peach fill; a failed rule is on a red fill. Percent rows are decimal
fractions shown as percent; a compliance margin is the room left before the limit (negative: the
breach).
"""

from __future__ import annotations

from typing import Any

from core.analytics.summary import MetricKind
from core.branches.compare import HOLDINGS
from core.branches.table import PolicyComparison, Section

SHEET = "Policy Comparison"
MEMO_TITLE = "Policy comparison (what-if branches)"

_FORMATS = {
    MetricKind.PERCENT: "0.00%",
    MetricKind.RATIO: "0.00",
    MetricKind.CURRENCY: "$#,##0;[Red]-$#,##0",
    MetricKind.COUNT: "0",
}


def _described(comparison: PolicyComparison, reported: Any) -> str:
    if reported is None:
        return ""
    name = comparison.branch_of(reported)
    if name is None:
        return f"The rest of this report describes the profile '{reported.name}', none of these branches."
    return f"The rest of this report describes the branch '{name}'."


def write_comparison_sheet(wb: Any, comparison: PolicyComparison, reported: Any = None) -> Any:
    """Add the sheet of the module docstring to the openpyxl workbook ``wb``; returns it."""
    from openpyxl.styles import Font, PatternFill

    from core.report.workbook_style import GREEN, PEACH, RED, style_header, write_value

    ws = wb.create_sheet(SHEET)
    cols = comparison.columns
    header = ["section", "item", "better", *cols, *(f"{c} status" for c in cols), "best"]
    style_header([write_value(ws, 1, k, h) for k, h in enumerate(header, start=1)])
    write_value(ws, 2, 2, "Portfolio")
    for k, name in enumerate(comparison.portfolios):
        write_value(ws, 2, 4 + k, name)
    write_value(ws, 3, 2, "Checked against the policy")
    for k, name in enumerate(comparison.policies):
        write_value(ws, 3, 4 + k, name)
    write_value(ws, 4, 2, "Policy compliant")
    for k, ok in enumerate(comparison.compliant):
        write_value(ws, 4, 4 + k, "PASS" if ok else "FAIL")
    best_fill = PatternFill("solid", fgColor=GREEN)
    differs_fill = PatternFill("solid", fgColor=PEACH)
    fail_fill = PatternFill("solid", fgColor=RED)
    n = len(cols)
    for i, row in enumerate(comparison.rows, start=5):
        write_value(ws, i, 1, row.section.value)
        item = write_value(ws, i, 2, row.item)
        if row.differs:
            item.fill = differs_fill
        write_value(ws, i, 3, row.better.value)
        best = set(row.best)
        for k, value in enumerate(row.values):
            cell = write_value(ws, i, 4 + k, None if value != value else value, _FORMATS[row.kind])
            if k in best:
                cell.font = Font(bold=True)
                cell.fill = best_fill
            if row.passed is not None and row.passed[k] is not None:
                status = write_value(ws, i, 4 + n + k, "PASS" if row.passed[k] else "FAIL")
                if not row.passed[k]:
                    status.fill = fail_fill
                    cell.fill = fail_fill
        write_value(ws, i, 4 + 2 * n, "; ".join(cols[k] for k in row.best))
    last = 5 + len(comparison.rows)
    notes = [
        "Best value per row: bold on green (direction in 'better'); item on peach: the "
        "portfolios differ. Percent rows are decimals; a compliance margin is the room left "
        "before the limit, negative = breach.",
        _described(comparison, reported),
        *comparison.notes,
    ]
    for k, note in enumerate((n for n in notes if n), start=last + 1):
        write_value(ws, k, 1, note)
    ws.freeze_panes = "D2"
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 48
    ws.column_dimensions["C"].width = 8
    from openpyxl.utils import get_column_letter

    for k in range(n):
        ws.column_dimensions[get_column_letter(4 + k)].width = 20
        ws.column_dimensions[get_column_letter(4 + n + k)].width = 12
    ws.column_dimensions[get_column_letter(4 + 2 * n)].width = 24
    return ws


def _shown(value: float, kind: MetricKind) -> str:
    if value != value:
        return "n/a"
    if kind is MetricKind.PERCENT:
        return f"{value:.2%}"
    if kind is MetricKind.CURRENCY:
        return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"
    if kind is MetricKind.COUNT:
        return f"{value:.0f}"
    return f"{value:.2f}"


MEMO_SECTIONS = (Section.ASSET_CLASSES, Section.METRICS, Section.COMPLIANCE, Section.STRESS,
                 Section.OUTLOOK)  # fmt: skip
MEMO_METRICS = (
    "Expected return (ex-ante, annual)",
    "Expected volatility (ex-ante, annual)",
    "Annualized return (CAGR)",
    "Annualized volatility",
    "Sharpe ratio",
    "Maximum drawdown",
)


def comparison_memo_section(comparison: PolicyComparison, reported: Any = None) -> list[str]:
    """The memo's Markdown section: portfolios, asset classes, the key metrics, the rules
    passed, stress and Outlook rows; the best value of a row in bold; the full table is the
    workbook's Policy Comparison sheet."""
    cols = comparison.columns
    lines = [
        f"## {MEMO_TITLE}",
        "",
        "Each column is the IPS Recommended Portfolio of a policy branch, analysed by the same "
        "pipeline as this report"
        + (", beside the current holdings valued at the data set's prices" if HOLDINGS in cols
           else "")
        + ". "
        + _described(comparison, reported)
        + " The best value of a row is in **bold**; the workbook's Policy Comparison sheet has "
        "every figure, margin and stress scenario.",
        "",
        "| | " + " | ".join(cols) + " |",
        "|---|" + "---:|" * len(cols),
        "| Portfolio | " + " | ".join(comparison.portfolios) + " |",
        "| Policy compliant | "
        + " | ".join("PASS" if ok else "FAIL" for ok in comparison.compliant)
        + " |",
    ]  # fmt: skip
    for row in comparison.rows:
        keep = row.section in MEMO_SECTIONS and (
            row.section is not Section.METRICS or row.item in MEMO_METRICS
        )
        if row.section is Section.COMPLIANCE and row.passed is not None:
            keep = False  # one line for compliance: rules passed / failed
        if not keep:
            continue
        best = set(row.best)
        cells = [
            f"**{_shown(v, row.kind)}**" if k in best else _shown(v, row.kind)
            for k, v in enumerate(row.values)
        ]
        tag = f" ({row.better.value} is better)" if row.better.value else ""
        lines.append(f"| {row.section.value}: {row.item}{tag} | " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"- {note}" for note in comparison.notes]
    return lines
