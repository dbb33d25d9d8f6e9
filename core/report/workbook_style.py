"""Cell writing and styling for the committee workbook (openpyxl objects are passed in).

* :func:`write_value` writes one value: NaN becomes an empty cell, numpy scalars become Python
  numbers, and text that begins with ``= + - @`` is written as a literal text cell (data type
  ``s`` with the quote-prefix style), never as a formula.
* :func:`write_table` writes a DataFrame with a styled header and a number format per column
  chosen from the column name (:func:`number_format_for`).
* :func:`finish_table` freezes the header, adds the autofilter, sizes the columns from their
  content (capped) and adds the conditional fills (FAIL, breaches, negative returns).

openpyxl is imported inside the functions that need it, so importing this module is cheap.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.report.sanitize import is_formula_like

NAVY = "1F4E78"
LIGHT_BLUE = "D9EAF7"
PALE = "F7FBFD"
GREEN = "D9EAD3"
RED = "F4CCCC"
DARK_RED = "9C0006"
PEACH = "FCE4D6"
GREY = "EDEDED"
BORDER = "9EBDD1"
MODE_COLORS: dict[str, tuple[str, str]] = {  # mode -> (fill, font), as the window's badge
    "SYNTHETIC": ("FFF3CD", "7A4F01"),
    "MARKET": ("D4EDDA", "155724"),
    "IMPORTED": ("D6E4F7", "123D73"),
}
PERCENT = "0.00%"
CURRENCY = "$#,##0;[Red]-$#,##0"
PRICE = "$#,##0.00"
RATIO = "0.00"
PRECISE = "0.0000"
COUNT = "0"
SHARES = "#,##0"
DATE = "yyyy-mm-dd"
BOOLEAN = '"TRUE";"TRUE";"FALSE"'  # LibreOffice otherwise shows some boolean cells as 1 / 0
MAX_WIDTH = 50
MIN_WIDTH = 8

# Column-name patterns -> number format, first match wins (names are the CSV column names).
_FORMATS: tuple[tuple[str, str], ...] = (
    (
        r"(^|_)(months|observations|hac_lags|point|trades|duration|breaches_before|breaches_after)$",
        COUNT,
    ),
    (r"^(coefficient|std_error|alpha)$", PRECISE),
    (r"^(p_value|r_squared|adj_r_squared)$", "0.000"),
    (r"(^|_)price$", PRICE),
    (r"^continuous_.*shares$", "#,##0.00"),
    (r"shares$", SHARES),
    (
        r"(_pnl|_dollar|notional|transaction_cost|_value|^value_.*|^contribution|cash_before|cash_after|cash_buffer|"
        r"total_cost|min_trade_value)$",
        CURRENCY,
    ),
    (
        r"(sharpe|sortino|information_ratio|beta|correlation|capture|t_stat|diversification_ratio|"
        r"effective_number_of_bets|risk_aversion|concentration_penalty)",
        RATIO,
    ),
    (
        r"(weight|return|volatility|drawdown|tracking_error|var_95|cvar_95|month|share|contribution|drift|"
        r"band|shock|relative_performance|utility|slack|margin|actual|risk_free|alpha_annualized|turnover|"
        r"tolerance|marginal|limit|bound|minimum|maximum)",
        PERCENT,
    ),
)
NEGATIVE_RED = re.compile(
    r"(return|relative_performance|best_month|worst_month|var_95|cvar_95|_pnl|"
    r"alpha_annualized|^difference$)"
)
FLAG_COLUMNS = re.compile(r"(breach|^concentrated$)")


def number_format_for(column: str) -> str | None:
    """The number format of a column named ``column`` (None: general)."""
    for pattern, fmt in _FORMATS:
        if re.search(pattern, column):
            return fmt
    return None


def python_value(value: Any) -> Any:
    """``value`` as something openpyxl writes: NaN/None -> None, numpy -> Python, Timestamp -> datetime."""
    if value is None:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if value is pd.NaT:
        return None
    return value


def write_value(
    ws: Any, row: int, column: int, value: Any, number_format: str | None = None
) -> Any:
    """Write ``value`` into ``ws`` at (row, column) safely (module docstring); returns the cell."""
    cell = ws.cell(row=row, column=column)
    value = python_value(value)
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        cell.quotePrefix = True
    elif isinstance(value, bool):
        cell.number_format = BOOLEAN
    elif isinstance(value, (dt.date, dt.datetime)):
        cell.number_format = DATE
    elif number_format and isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.number_format = number_format
    return cell


def style_header(cells: Sequence[Any]) -> None:
    """Bold white on navy, wrapped and centred."""
    from openpyxl.styles import Alignment, Font, PatternFill

    for cell in cells:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=NAVY)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_table(
    ws: Any,
    frame: pd.DataFrame,
    *,
    first_row: int = 1,
    first_column: int = 1,
    formats: dict[str, str | None] | None = None,
) -> tuple[int, int]:
    """Write ``frame`` (header + rows) from (first_row, first_column); returns (last_row, last_column).

    ``formats`` overrides :func:`number_format_for` for some columns.
    """
    formats = formats or {}
    columns = [str(c) for c in frame.columns]
    header = [write_value(ws, first_row, first_column + j, name) for j, name in enumerate(columns)]
    style_header(header)
    column_formats = [formats.get(c, number_format_for(c)) for c in columns]
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        for j, value in enumerate(values):
            write_value(ws, first_row + i, first_column + j, value, column_formats[j])
    return first_row + len(frame), first_column + len(columns) - 1


def _shown_length(value: Any, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    if isinstance(value, (int, float)):
        if number_format == PERCENT:
            return len(f"{value:.2%}")
        if number_format in (CURRENCY, PRICE):
            return len(f"${value:,.2f}")
        if number_format in (RATIO, PRECISE, "0.000", COUNT, SHARES):
            return len(f"{value:,.4f}")
        return len(f"{value:.6g}")
    return max(len(line) for line in str(value).splitlines()) if str(value) else 0


def autofit_columns(
    ws: Any,
    *,
    first_row: int = 1,
    min_width: int = MIN_WIDTH,
    max_width: int = MAX_WIDTH,
    skip_rows: int = 0,
) -> None:
    """Set each column's width from its longest shown value (+2), capped; wrap cells that are longer."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    long_cells = []
    for row in ws.iter_rows(min_row=first_row + skip_rows):
        for cell in row:
            if cell.value is None or type(cell).__name__ == "MergedCell":
                continue
            length = _shown_length(cell.value, cell.number_format)
            if cell.row == first_row and isinstance(cell.value, str):
                # bold headers are wider; a name without spaces cannot wrap, so it sets the width
                length = (
                    min(math.ceil(length * 1.12), 40) if " " not in cell.value else min(length, 30)
                )
            widths[cell.column] = max(widths.get(cell.column, 0), length)
            if length > max_width:
                long_cells.append(cell)
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = max(
            min_width, min(width + 2, max_width)
        )
    for cell in long_cells:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    fit_row_heights(ws, first_row=first_row + 1)


def fit_row_heights(ws: Any, *, first_row: int = 1, line_height: float = 13.0) -> None:
    """Give rows with wrapped text the height their longest cell needs (spreadsheet programs do
    not always grow rows themselves, and the text would overlap the next row)."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    for row in ws.iter_rows(min_row=first_row):
        lines = 1
        for cell in row:
            if not isinstance(cell.value, str) or not (cell.alignment and cell.alignment.wrap_text):
                continue
            if type(cell).__name__ == "MergedCell":
                continue
            width = ws.column_dimensions[get_column_letter(cell.column)].width or 10
            per_line = max(int(width) - 2, 1)
            lines = max(
                lines,
                sum(max(1, math.ceil(len(part) / per_line)) for part in cell.value.split("\n")),
            )
        if lines > 1:
            ws.row_dimensions[row[0].row].height = line_height * lines + 3
            for cell in row:
                if type(cell).__name__ != "MergedCell" and cell.value is not None:
                    old = cell.alignment
                    cell.alignment = Alignment(
                        horizontal=old.horizontal, vertical="top", wrap_text=old.wrap_text
                    )


def add_conditional_fills(
    ws: Any, frame: pd.DataFrame, *, header_row: int = 1, first_column: int = 1
) -> None:
    """FAIL red / PASS green, breach flags peach, negative return-like numbers red (module docstring).

    Nothing is added when the table has no data rows.
    """
    if frame.empty:
        return
    from openpyxl.formatting.rule import CellIsRule, FormulaRule
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    red = PatternFill("solid", fgColor=RED, bgColor=RED)
    green = PatternFill("solid", fgColor=GREEN, bgColor=GREEN)
    peach = PatternFill("solid", fgColor=PEACH, bgColor=PEACH)
    red_text = Font(color=DARK_RED)
    first = get_column_letter(first_column)
    last = get_column_letter(first_column + len(frame.columns) - 1)
    for j, name in enumerate(str(c) for c in frame.columns):
        letter = get_column_letter(first_column + j)
        series = frame.iloc[:, j]
        runs = _filled_runs(series, header_row + 1)
        if not runs:
            continue
        # Empty cells are left out of the ranges: LibreOffice 7 crashes exporting a sheet whose
        # TRUE/FALSE rule covers an empty cell.
        area = " ".join(f"{letter}{a}:{letter}{b}" for a, b in runs)
        if name == "pass_fail":
            ws.conditional_formatting.add(
                area, CellIsRule(operator="equal", formula=['"FAIL"'], fill=red, font=red_text)
            )
            ws.conditional_formatting.add(
                area, CellIsRule(operator="equal", formula=['"PASS"'], fill=green)
            )
        elif name == "passes_policy" or (FLAG_COLUMNS.search(name) and _is_flag(series)):
            # The whole row is shaded (LibreOffice crashes exporting a rule on a column of booleans alone).
            wanted = "FALSE" if name == "passes_policy" else "TRUE"
            rows = " ".join(f"{first}{a}:{last}{b}" for a, b in runs)
            ws.conditional_formatting.add(
                rows, FormulaRule(formula=[f"${letter}{runs[0][0]}={wanted}"], fill=peach)
            )
        elif NEGATIVE_RED.search(name) and pd.api.types.is_numeric_dtype(series):
            ws.conditional_formatting.add(
                area, CellIsRule(operator="lessThan", formula=["0"], fill=red, font=red_text)
            )


def _is_flag(series: pd.Series) -> bool:
    values = series.dropna()
    return not values.empty and values.map(lambda v: isinstance(v, (bool, np.bool_))).all()


def _filled_runs(series: pd.Series, first_row: int) -> list[tuple[int, int]]:
    """Sheet-row ranges (first, last) of the consecutive non-empty values of ``series``."""
    runs: list[tuple[int, int]] = []
    for i, filled in enumerate(series.notna().to_numpy()):
        row = first_row + i
        if filled and runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        elif filled:
            runs.append((row, row))
    return runs


def finish_table(
    ws: Any, frame: pd.DataFrame, *, header_row: int = 1, first_column: int = 1, freeze: bool = True
) -> None:
    """Freeze panes below the header, autofilter over the table, column widths, conditional fills."""
    from openpyxl.utils import get_column_letter

    last_column = first_column + max(len(frame.columns), 1) - 1
    last_row = header_row + len(frame)
    if freeze:
        ws.freeze_panes = ws.cell(row=header_row + 1, column=first_column)
    ws.auto_filter.ref = (
        f"{get_column_letter(first_column)}{header_row}:"
        f"{get_column_letter(last_column)}{max(last_row, header_row)}"
    )
    ws.row_dimensions[header_row].height = 30
    autofit_columns(ws, first_row=header_row)
    add_conditional_fills(ws, frame, header_row=header_row, first_column=first_column)
    ws.sheet_view.showGridLines = False


def fit_to_page_width(
    ws: Any, *, landscape: bool = True, repeat_header: bool = True, one_page: bool = False
) -> None:
    """Print setup: A4, landscape, every column on one page width (``one_page``: the whole sheet
    on one page), the header row repeated."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if repeat_header and ws.max_row > 1:
        ws.print_title_rows = "1:1"
