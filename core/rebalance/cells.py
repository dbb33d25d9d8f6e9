"""Holdings cells typed or pasted by a user: ``"1,234.5"``, ``"$1,234"``, ``"12%"``, ``"(500)"``.

Numbers follow the one input grammar of :mod:`core.inputs` (summarized here for holdings):

* Surrounding spaces and non-breaking spaces are ignored; so is a leading ``$``.
* Commas are thousands separators (``"1,234.5"`` = 1234.5). A comma used as a decimal mark
  (``"1.234,5"``) is not read: such a cell is refused with its position named.
* ``"12%"`` is a percentage and reads as 0.12, only where a percentage makes sense
  (``allow_percent=True``); shares, prices and cash refuse it.
* ``"(500)"`` is the accountant's -500.
* Empty cells are ``None``; text that does not start like a number (a ticker) stays text.

Errors are :class:`HoldingsInputError`, a :class:`~core.errors.DataError` that carries every
:class:`CellProblem` (row, column, message) so the GUI can point at the cells. Rows and columns
in messages are 1-based, as a spreadsheet numbers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import DataError
from core.inputs import check_text, looks_numeric, parse_number, split_block

__all__ = [
    "Cell",
    "CellProblem",
    "HoldingsInputError",
    "clean_cell",
    "parse_number",
    "parse_pasted_block",
]

Cell = str | float | None


@dataclass(frozen=True)
class CellProblem:
    """One invalid cell: 1-based ``row``, the ``column`` name (or 1-based number) and what to do."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, column {self.column}: {self.message}"


class HoldingsInputError(DataError):
    """Holdings input was refused; nothing was applied.

    Attributes
    ----------
    problems : tuple of CellProblem
        Every invalid cell found, in reading order. ``str(error)`` shows the first few.
    """

    def __init__(self, problems: Sequence[CellProblem], *, source: str = "") -> None:
        self.problems = tuple(problems)
        self.source = source
        shown = "; ".join(str(p) for p in self.problems[:3])
        more = len(self.problems) - 3
        if more > 0:
            shown += f" (and {more} more problem{'s' if more > 1 else ''})"
        super().__init__(f"{source}: " * bool(source) + shown + ". Nothing was changed.")


def clean_cell(value: object) -> Cell:
    """Normalize one pasted cell: ``None`` if empty, a float if it reads as a number, else text.

    A cell that starts like a number but does not read as one (``"1,23.4"``) raises
    ``ValueError``; text such as a ticker is returned stripped.
    """
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return parse_number(value)
    text = check_text(value)
    if not text:
        return None
    if looks_numeric(text):
        return parse_number(text, allow_percent=True)
    return text


def parse_pasted_block(text: str) -> list[list[Cell]]:
    """Parse a tab-separated block copied from Excel into a rectangular 2-D list of clean cells.

    Handles CRLF / LF / CR line ends, the trailing newline Excel appends, quoted cells,
    ``%`` (read as a fraction: ``"12%"`` -> 0.12), ``$`` and thousands separators. Short
    rows are padded with ``None`` to the widest row. Validation is all-or-nothing.

    Parameters
    ----------
    text : str
        Clipboard text.

    Returns
    -------
    list of list
        Shape (rows, columns); each cell is ``None``, a float or a stripped string.

    Raises
    ------
    HoldingsInputError
        The block is empty, or some cell starts like a number but is not one; every such cell
        is named by its 1-based row and column within the block.
    """
    try:
        raw_rows = split_block(text)
    except ValueError as exc:
        raise HoldingsInputError([CellProblem(1, "1", str(exc))]) from None
    if not raw_rows:
        raise HoldingsInputError(
            [CellProblem(1, "1", "the clipboard holds no cells; copy a block first")]
        )
    width = max(len(r) for r in raw_rows)
    cleaned: list[list[Cell]] = []
    problems: list[CellProblem] = []
    for r, raw in enumerate(raw_rows, start=1):
        row: list[Cell] = []
        for c, cell in enumerate(raw, start=1):
            try:
                row.append(clean_cell(cell))
            except ValueError as exc:
                problems.append(CellProblem(r, str(c), str(exc)))
                row.append(None)
        row.extend([None] * (width - len(row)))
        cleaned.append(row)
    if problems:
        raise HoldingsInputError(problems)
    return cleaned
