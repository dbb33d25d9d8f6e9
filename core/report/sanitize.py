"""Keep report text from being read as a spreadsheet formula (CSV / formula injection).

A text cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
some spreadsheet programs strip before looking) can be executed as a formula when a CSV is
opened in Excel or LibreOffice. Profile names, notes and imported file names are user text, so
every text cell of every CSV goes through :func:`csv_safe_text`, which prefixes such text with
an apostrophe (the OWASP recommendation). The workbook writes the original text as a literal
text cell instead (see :func:`is_formula_like` and ``core.report.workbook_style``). Numbers are
never touched: ``-0.05`` stays a number.
"""

from __future__ import annotations

import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet program read a text cell as a formula."""

ESCAPE = "'"


def is_formula_like(value: object) -> bool:
    """True when ``value`` is text that a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_safe_text(value: object) -> object:
    """``value`` with an apostrophe in front when it is formula-like text; anything else unchanged."""
    return ESCAPE + value if is_formula_like(value) else value  # type: ignore[operator]


def sanitize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are safe to open in a spreadsheet.

    Only object / string columns are scanned; numeric columns are returned as they are.
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(csv_safe_text)
    out.columns = [csv_safe_text(c) for c in out.columns]
    return out
