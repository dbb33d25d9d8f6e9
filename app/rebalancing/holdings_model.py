"""An account's holdings as an editable table: one row per position, then the cash line.

Columns: Ticker, Shares, Price (editable), Market value and Weight (computed by
:class:`~core.rebalance.Holdings`). The last row is the cash line, ``CASH``: its balance sits in
the Shares column at a price of $1.00, the broker's convention, so that a copied table reads back
in through :func:`core.rebalance.parse_holdings_table` unchanged.

Every change (one cell, an added or removed row, a paste, an import) rebuilds the whole table
through :func:`~core.rebalance.parse_holdings_table`, so core validates it all or nothing:
negative shares, text in a number cell, a ticker outside the universe or a duplicate row are
refused with ``edit_rejected(message)`` naming the cell, and the model is left as it was. An
accepted change is ONE :class:`~app.kit.undo.ReplaceValueCommand` on the undo stack that swaps the whole
:class:`Holdings`; applying it emits ``dataChanged`` (weights move on every row), row inserts
or removals where the tickers changed, and ``holdings_changed(Holdings)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QFont, QUndoStack

from app.kit import formatting as fmt
from app.kit.dataframe_model import LEFT, RIGHT, SUBTOTAL_BACKGROUND
from app.kit.undo import ReplaceValueCommand
from core.errors import DataError
from core.inputs import split_block
from core.rebalance import CASH_LABEL, Holdings, HoldingsInputError, parse_holdings_table
from core.universe import Universe

Index = QModelIndex | QPersistentModelIndex

TICKER, SHARES, PRICE, VALUE, WEIGHT = range(5)
HEADERS = ("Ticker", "Shares", "Price", "Market value", "Weight")
GRID_COLUMNS = ("ticker", "shares", "price", "cost_basis")
COLUMN_TITLES = {
    "ticker": "Ticker",
    "shares": "Shares",
    "price": "Price",
    "cost_basis": "Cost basis",
    "cash": "Cash",
}
HEADER_WORDS = frozenset({"ticker", "symbol", "etf"})
CASH_HELP = "Uninvested cash: type the balance in the Shares column (cash counts at $1.00 a unit)."
HEADER_HELP = (
    "Shares held (fractional allowed, 0 or more); the CASH row holds the cash balance.",
    "Price per share; leave it empty for the data set's latest price.",
)


def shares_text(value: float, *, cash: bool = False) -> str:
    """``1919.0`` -> ``"1,919"``; fractional shares up to 4 decimals; cash with cents."""
    if cash:
        return f"{value:,.2f}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def plain_number(value: float) -> str:
    """Full precision without separators, for the clipboard and the cell editor."""
    return f"{value:.12g}"


class HoldingsRefused(ValueError):
    """A change the table cannot take; the message names the cell."""


def describe_problems(error: HoldingsInputError, row_names: Sequence[str] = ()) -> str:
    """``"row 3 (QQQ), Shares: -5 is negative; ..."`` for the first problems of ``error``."""
    parts = []
    for problem in error.problems[:2]:
        column = COLUMN_TITLES.get(problem.column, problem.column)
        name = row_names[problem.row - 1] if 0 < problem.row <= len(row_names) else ""
        where = f"row {problem.row}" + (f" ({name})" if name else "")
        parts.append(f"{where}, {column}: {problem.message}")
    more = len(error.problems) - 2
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


class HoldingsModel(QAbstractTableModel):
    """Editable holdings table (module docstring)."""

    holdings_changed = Signal(object)
    edit_rejected = Signal(str)

    def __init__(
        self, universe: Universe, undo_stack: QUndoStack | None = None, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._universe = universe
        self._undo_stack = undo_stack
        self._cells: list[tuple[Any, ...]] = []
        self._set(Holdings({}, {}, 0.0))
        self._default_prices: dict[str, float] = {}

    # -- state -----------------------------------------------------------------------------
    def holdings(self) -> Holdings:
        return self._holdings

    def set_holdings(self, holdings: Holdings) -> None:
        """Replace everything without an undo entry (the start-up account, a project file)."""
        self.beginResetModel()
        self._set(holdings)
        self.endResetModel()
        self.holdings_changed.emit(holdings)

    def set_default_prices(self, prices: Mapping[str, float]) -> None:
        """Prices used for an empty price cell and new rows (the data set's latest prices).

        Universe ETFs the account has no price for get one (no undo entry: nothing the user
        typed changes), so that the rebalancer can buy them.
        """
        self._default_prices = {str(t): float(p) for t, p in prices.items()}
        missing = {
            t: p
            for t, p in self._default_prices.items()
            if t in self._universe.tickers and t not in self._holdings.prices
        }
        if missing:
            self._apply(self._holdings.with_prices(missing))

    @property
    def universe(self) -> Universe:
        return self._universe

    def is_cash_row(self, row: int) -> bool:
        return row == len(self._holdings.positions)

    # -- undoable changes ------------------------------------------------------------------
    def replace_holdings(self, holdings: Holdings, text: str) -> bool:
        """Push one command swapping in ``holdings`` (already validated by core)."""
        before = self._holdings
        if holdings == before and tuple(holdings.positions) == tuple(before.positions):
            return True
        if self._undo_stack is None:
            self._apply(holdings)
        else:
            self._undo_stack.push(ReplaceValueCommand(self._apply, before, holdings, text))
        return True

    def add_row(self) -> bool:
        """Append the first universe ETF not held, with 0 shares at its known or default price."""
        ticker = next(
            (t for t in self._universe.tickers if t not in self._holdings.positions), None
        )
        if ticker is None:
            self.edit_rejected.emit(
                "Every ETF of the universe already has a row; edit its shares instead."
            )
            return False
        rows = self._grid() + [[ticker, 0.0, None, None]]
        return self._submit(rows, self._holdings.cash, f"Add {ticker}", "Row not added")

    def remove_rows(self, rows: Iterable[int]) -> bool:
        """Remove the positions at ``rows`` (the cash line stays: type 0 to empty it)."""
        doomed = {r for r in rows if 0 <= r < len(self._holdings.positions)}
        if not doomed:
            self.edit_rejected.emit(
                "Select the position rows to remove first (the CASH row stays)."
            )
            return False
        grid = self._grid()
        names = ", ".join(str(grid[r][0]) for r in sorted(doomed))
        kept = [row for r, row in enumerate(grid) if r not in doomed]
        return self._submit(kept, self._holdings.cash, f"Remove {names}", "Rows not removed")

    def paste(self, text: str, row: int, column: int) -> bool:
        """Paste a tab-separated block with its top-left cell at (``row``, ``column``), as ONE
        command, or refuse all of it.

        A block whose first cell is a header word (Ticker, Symbol) is a whole holdings table and
        replaces the account. Otherwise cells land from the given cell on (Market value and
        Weight are computed: cells pasted there are ignored); rows below the last position add
        positions and need the Ticker column. A single cell on the CASH row sets the cash.
        """
        block = split_block(text)
        if not block:
            self.edit_rejected.emit(
                "Paste refused: the clipboard holds no cells; copy a block first."
            )
            return False
        size = f"{len(block)} x {max(map(len, block))}"
        if str(block[0][0]).strip().casefold() in HEADER_WORDS:
            try:
                after = parse_holdings_table(
                    block, universe=self._universe, default_prices=self._defaults()
                )
            except HoldingsInputError as exc:
                self.edit_rejected.emit(
                    f"Paste refused, nothing changed: pasted {describe_problems(exc)}."
                )
                return False
            return self.replace_holdings(after, f"Paste a holdings table ({len(block) - 1} rows)")
        try:
            rows, cash = self._overlaid(block, row, column)
        except HoldingsRefused as exc:
            self.edit_rejected.emit(f"Paste refused, nothing changed: {exc}")
            return False
        return self._submit(rows, cash, f"Paste {size} cells", "Paste refused, nothing changed")

    def copy_text(self, indexes: Iterable[Index]) -> str:
        """The bounding rectangle of ``indexes`` as TSV (full precision, no separators; CRLF
        line ends, as Excel writes them)."""
        cells = [(i.row(), i.column()) for i in indexes if i.isValid()]
        if not cells:
            return ""
        rows = range(min(r for r, _ in cells), max(r for r, _ in cells) + 1)
        columns = range(min(c for _, c in cells), max(c for _, c in cells) + 1)
        chosen = set(cells)
        lines = [
            "\t".join(self._clip(r, c) if (r, c) in chosen else "" for c in columns) for r in rows
        ]
        return "\r\n".join(lines) + "\r\n"

    # -- helpers ---------------------------------------------------------------------------
    def _grid(self) -> list[list[Any]]:
        h = self._holdings
        return [[t, s, h.prices.get(t), h.cost_basis.get(t)] for t, s in h.positions.items()]

    def _defaults(self) -> dict[str, float]:
        held = self._holdings.positions
        kept = {t: p for t, p in self._holdings.prices.items() if t not in held}
        return {**self._default_prices, **kept}

    def _overlaid(
        self, block: list[list[str]], row: int, column: int
    ) -> tuple[list[list[Any]], Any]:
        grid, cash = self._grid(), self._holdings.cash
        width = max(map(len, block))
        if not 0 <= column or column + width > len(HEADERS):
            raise HoldingsRefused(
                f"the block is {width} columns wide and does not fit from the "
                f"{HEADERS[min(max(column, 0), len(HEADERS) - 1)]} column."
            )
        count = len(grid)
        if row >= count:
            if row == count and column == SHARES and len(block) == 1:
                return grid, block[0][0]  # the cash balance (a pasted price of cash is ignored)
            row = count
        for offset, cells in enumerate(block):
            r = row + offset
            if r >= len(grid):
                if column != TICKER:
                    raise HoldingsRefused(
                        "rows below the last position need a ticker: start the paste "
                        "in the Ticker column."
                    )
                grid.append([None, None, None, None])
            for k, value in enumerate(cells):
                c = column + k
                if c == TICKER and str(value).strip().upper() != str(grid[r][TICKER] or ""):
                    grid[r] = [
                        value,
                        grid[r][SHARES],
                        None,
                        None,
                    ]  # another ETF: its own price and basis
                elif c in (SHARES, PRICE):
                    grid[r][c] = value
        return grid, cash

    def _submit(self, rows: list[list[Any]], cash: Any, text: str, refusal: str) -> bool:
        """Validate ``rows`` (+ the cash line) with core, then push one command or refuse."""
        pasted_cash = any(str(r[TICKER]).strip().upper() == CASH_LABEL for r in rows)
        table = rows if pasted_cash else [*rows, [CASH_LABEL, cash, None, None]]
        try:
            after = parse_holdings_table(
                table,
                universe=self._universe,
                default_prices=self._defaults(),
                columns=GRID_COLUMNS,
            )
        except HoldingsInputError as exc:
            names = [str(r[TICKER] or "").strip().upper() for r in table]
            self.edit_rejected.emit(f"{refusal}: {describe_problems(exc, names)}.")
            return False
        except DataError as exc:
            self.edit_rejected.emit(f"{refusal}: {exc}")
            return False
        return self.replace_holdings(after, text)

    def _apply(self, holdings: Holdings) -> None:
        old, new = self._holdings.tickers, holdings.tickers
        first = next(
            (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
            min(len(old), len(new)),
        )
        gone = len(old) - len(new)
        if gone == 0:  # same rows (a ticker may be renamed in place)
            self._set(holdings)
        elif new[: len(old)] == old:
            self.beginInsertRows(QModelIndex(), len(old), len(new) - 1)
            self._set(holdings)
            self.endInsertRows()
        elif gone > 0 and old[:first] + old[first + gone :] == new:
            self.beginRemoveRows(QModelIndex(), first, first + gone - 1)
            self._set(holdings)
            self.endRemoveRows()
        else:
            self.beginResetModel()
            self._set(holdings)
            self.endResetModel()
            self.holdings_changed.emit(holdings)
            return
        # one block for the whole table: every weight moves with any value
        self.dataChanged.emit(
            self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1)
        )
        self.holdings_changed.emit(holdings)

    def _set(self, holdings: Holdings) -> None:
        """Store ``holdings`` and the cells shown (ticker, shares, price, value, weight per row)."""
        self._holdings = holdings
        weights = holdings.weights.to_dict() if holdings.total_value > 0 else {}
        values = holdings.market_values.to_dict()
        self._cells = [
            (t, s, holdings.prices[t], values[t], weights.get(t))
            for t, s in holdings.positions.items()
        ]
        self._cells.append((CASH_LABEL, holdings.cash, 1.0, holdings.cash, weights.get(CASH_LABEL)))

    def _raw(self, row: int, column: int) -> Any:
        """The cell's value: ticker text or a float (None where the cell has no value)."""
        return self._cells[row][column]

    def _clip(self, row: int, column: int) -> str:
        value = self._raw(row, column)
        if value is None or isinstance(value, str):
            return value or ""
        return f"{value * 100:.10g}%" if column == WEIGHT else plain_number(value)

    def _display(self, row: int, column: int, value: Any) -> str:
        if column == TICKER:
            return str(value)
        if value is None:
            return fmt.MISSING
        if column == SHARES:
            return shares_text(value, cash=self.is_cash_row(row))
        if column == PRICE:
            return f"${value:,.2f}"
        if column == VALUE:
            return fmt.format_value(value, fmt.CURRENCY)
        return fmt.format_value(value, fmt.PERCENT, 2)

    # -- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._holdings.positions) + 1

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (
            0 <= index.row() < self.rowCount() and 0 <= index.column() < self.columnCount()
        ):
            return None
        row, column = index.row(), index.column()
        value = self._raw(row, column)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column, value)
        if role == Qt.ItemDataRole.EditRole:
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            if self.is_cash_row(row):
                return (
                    CASH_HELP
                    if column in (TICKER, SHARES)
                    else fmt.full_precision(value, fmt.CURRENCY)
                )
            if column == TICKER:
                return f"{value}: {self._universe.asset_class_of(value)}"
            if column == WEIGHT:
                return "Weight of the account value including cash: " + fmt.full_precision(
                    value, fmt.PERCENT
                )
            return fmt.full_precision(
                value, fmt.CURRENCY if column in (PRICE, VALUE) else fmt.COUNT
            )
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if column == TICKER else RIGHT
        if role == Qt.ItemDataRole.BackgroundRole and self.is_cash_row(row):
            return QBrush(SUBTOTAL_BACKGROUND)
        if role == Qt.ItemDataRole.FontRole and self.is_cash_row(row) and column == TICKER:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if not 0 <= section < (self.columnCount() if horizontal else self.rowCount()):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section] if horizontal else str(section + 1)
        if role == Qt.ItemDataRole.ToolTipRole and horizontal and section in (SHARES, PRICE):
            return HEADER_HELP[section - SHARES]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        editable = (SHARES,) if self.is_cash_row(index.row()) else (TICKER, SHARES, PRICE)
        if index.column() in editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            role != Qt.ItemDataRole.EditRole
            or not index.isValid()
            or not self.flags(index) & Qt.ItemFlag.ItemIsEditable
        ):
            return False
        row, column = index.row(), index.column()
        name = CASH_LABEL if self.is_cash_row(row) else self._holdings.tickers[row]
        if self.is_cash_row(row):
            rows, cash = self._grid(), value
        else:
            rows, cash = self._grid(), self._holdings.cash
            if column == TICKER:
                rows[row] = [value, rows[row][SHARES], None, None]
            else:
                rows[row][column] = value
        what = "cash" if self.is_cash_row(row) else f"{name} {HEADERS[column].lower()}"
        shown = value if isinstance(value, str) else plain_number(float(value))
        return self._submit(
            rows, cash, f"Set {what} to {shown}", f"{name} / {HEADERS[column]} not changed"
        )
