"""An account's holdings as an editable table: one row per position, then the cash line.

Columns: Ticker, Shares, Price (editable), Market value and Weight (computed by
:class:`~core.rebalance.Holdings`). The last row is the cash line, ``CASH``: its balance sits in
the Shares column at a price of $1.00, the broker's convention, so that a copied table reads back
in through :func:`core.rebalance.parse_holdings_table` unchanged.

Every change (one cell, an added or removed row, a paste, an import) rebuilds the whole table
through :func:`~core.rebalance.parse_holdings_table`, so core validates it all or nothing:
negative shares, text in a number cell, a ticker outside the universe or a duplicate row are
refused with ``edit_rejected(message)`` naming the cell, and the model is left as it was. An
accepted change is ONE undo command that swaps the whole :class:`Holdings` (the editable
value-table model of :mod:`app.kit.editable_model`); applying it emits ``dataChanged`` (weights
move on every row), row inserts or removals where the tickers changed, and
``holdings_changed(Holdings)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Signal
from PySide6.QtGui import QUndoStack

from app.kit import formatting as fmt
from app.kit.editable_model import Cell, EditableTableModel, EditRefused
from core.data.prices import LatestPrices, PriceSource
from core.errors import DataError
from core.rebalance import CASH_LABEL, Holdings, HoldingsInputError, parse_holdings_table
from core.rebalance.pricing import reprice_holdings
from core.universe import Universe

Index = QModelIndex | QPersistentModelIndex

TICKER, SHARES, PRICE, VALUE, WEIGHT, SOURCE = range(6)
HEADERS = ("Ticker", "Shares", "Price", "Market value", "Weight", "Price source")
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


class HoldingsModel(EditableTableModel):
    """Editable holdings table (module docstring)."""

    holdings_changed = Signal(object)

    def __init__(
        self, universe: Universe, undo_stack: QUndoStack | None = None, parent: Any = None
    ) -> None:
        self._universe = universe
        self._data_prices: LatestPrices | None = None
        super().__init__(Holdings({}, {}, 0.0), undo_stack, parent)
        self.state_changed.connect(self.holdings_changed)

    # -- state -----------------------------------------------------------------------------
    def holdings(self) -> Holdings:
        return self.state()

    def set_holdings(self, holdings: Holdings) -> None:
        """Replace everything without an undo entry (the start-up account, a project file)."""
        self.set_state(holdings)

    def set_data_prices(self, prices: LatestPrices | None) -> str | None:
        """Use the data set's prices (None: a returns-only data set has none): typed prices
        stay, data-set and illustrative prices are replaced, ETFs not held get one so the plan
        can buy them (no undo entry: nothing typed changes). Returns a message when a held ETF
        has no price any more (the account keeps its old prices until one is typed)."""
        self._data_prices = prices
        try:
            repriced = self.priced(self.holdings())
        except DataError as exc:
            return str(exc)
        if repriced != self.holdings() or repriced.price_sources != self.holdings().price_sources:
            self._apply(repriced)
        return None

    def priced(self, holdings: Holdings) -> Holdings:
        """``holdings`` at the data set's prices where no price was typed (a loaded file, the
        demo account); raises :class:`DataError` naming ETFs with no price at all."""
        return reprice_holdings(holdings, self._data_prices, also_price=self._universe.tickers)

    @property
    def data_prices(self) -> LatestPrices | None:
        """The data set's prices with their sources (None: a returns-only data set)."""
        return self._data_prices

    def default_prices(self) -> dict[str, float]:
        """The data set's prices, ``{ticker: price}`` (for an empty price cell)."""
        return self._data_prices.as_dict() if self._data_prices is not None else {}

    @property
    def universe(self) -> Universe:
        return self._universe

    def is_cash_row(self, row: int) -> bool:
        return row == len(self.holdings().positions)

    # -- undoable changes ------------------------------------------------------------------
    def replace_holdings(self, holdings: Holdings, text: str) -> bool:
        """Push one command swapping in ``holdings`` (already validated by core)."""
        return self.replace_state(holdings, text)

    def add_row(self) -> bool:
        """Append the first universe ETF not held, with 0 shares at its known or default price."""
        holdings = self.holdings()
        ticker = next((t for t in self._universe.tickers if t not in holdings.positions), None)
        if ticker is None:
            self.edit_rejected.emit(
                "Every ETF of the universe already has a row; edit its shares instead."
            )
            return False
        return self._submit(
            self._grid() + [[ticker, 0.0, None, None]],
            holdings.cash,
            f"Add {ticker}",
            "Row not added",
        )

    def remove_rows(self, rows: Iterable[int]) -> bool:
        """Remove the positions at ``rows`` (the cash line stays: type 0 to empty it)."""
        holdings = self.holdings()
        doomed = {r for r in rows if 0 <= r < len(holdings.positions)}
        if not doomed:
            self.edit_rejected.emit(
                "Select the position rows to remove first (the CASH row stays)."
            )
            return False
        grid = self._grid()
        names = ", ".join(str(grid[r][0]) for r in sorted(doomed))
        kept = [row for r, row in enumerate(grid) if r not in doomed]
        return self._submit(kept, holdings.cash, f"Remove {names}", "Rows not removed")

    def _submit(self, rows: list[list[Any]], cash: Any, text: str, refusal: str) -> bool:
        try:
            after = self._validated_table(rows, cash, refusal)
        except EditRefused as exc:
            self.edit_rejected.emit(str(exc))
            return False
        return self.replace_state(after, text)

    # -- the editable value-table hooks ------------------------------------------------------
    def headers(self) -> Sequence[str]:
        return HEADERS

    def header_tooltip(self, column: int) -> str | None:
        return HEADER_HELP[column - SHARES] if column in (SHARES, PRICE) else None

    def row_keys(self, state: Holdings) -> tuple[str, ...]:
        return (*state.positions, CASH_LABEL)

    def cells(self, state: Holdings) -> tuple[tuple[Cell, ...], ...]:
        weights = state.weights.to_dict() if state.total_value > 0 else {}
        values = state.market_values.to_dict()
        rows = [
            self._row(
                t,
                s,
                state.prices[t],
                values[t],
                weights.get(t),
                cash=False,
                source=state.price_point(t).label,
            )
            for t, s in state.positions.items()
        ]
        rows.append(
            self._row(
                CASH_LABEL,
                state.cash,
                1.0,
                state.cash,
                weights.get(CASH_LABEL),
                cash=True,
                source="cash at $1.00",
            )
        )
        return tuple(rows)

    def _row(
        self,
        ticker: str,
        shares: float,
        price: float,
        value: float,
        weight: float | None,
        *,
        cash: bool,
        source: str = "",
    ) -> tuple[Cell, ...]:
        style = "subtotal" if cash else None
        if cash:
            tips = (CASH_HELP, CASH_HELP, fmt.full_precision(price, fmt.CURRENCY))
        else:
            tips = (
                f"{ticker}: {self._universe.asset_class_of(ticker)}",
                fmt.full_precision(shares, fmt.COUNT),
                fmt.full_precision(price, fmt.CURRENCY),
            )
        return (
            Cell(ticker, ticker, tips[0], editable=not cash, style=style, bold=cash),
            Cell(
                shares,
                shares_text(shares, cash=cash),
                tips[1],
                True,
                True,
                style,
                clip=plain_number(shares),
            ),
            Cell(price, f"${price:,.2f}", tips[2], True, not cash, style, clip=plain_number(price)),
            Cell(
                value,
                fmt.format_value(value, fmt.CURRENCY),
                fmt.full_precision(value, fmt.CURRENCY),
                True,
                False,
                style,
                clip=plain_number(value),
            ),
            Cell(
                weight,
                fmt.MISSING if weight is None else fmt.format_value(weight, fmt.PERCENT, 2),
                None
                if weight is None
                else (
                    "Weight of the account value including cash: "
                    + fmt.full_precision(weight, fmt.PERCENT)
                ),
                True,
                False,
                style,
                clip="" if weight is None else f"{weight * 100:.10g}%",
            ),
            Cell(
                source,
                source,
                f"Where {ticker}'s price comes from: {source}. A typed price stays when the data "
                "change; a data-set or illustrative price follows the data in use.",
                style="blank" if "illustrative" in source else style,
            ),
        )

    def edited(self, row: int, column: int, value: Any) -> tuple[Holdings, str]:
        holdings = self.holdings()
        cash_row = self.is_cash_row(row)
        name = CASH_LABEL if cash_row else holdings.tickers[row]
        rows, cash = self._grid(), holdings.cash
        if cash_row:
            cash = value
        elif column == TICKER:
            rows[row] = [value, rows[row][SHARES], None, None]
        else:
            rows[row][column] = value
        what = "cash" if cash_row else f"{name} {HEADERS[column].lower()}"
        shown = value if isinstance(value, str) else plain_number(float(value))
        after = self._validated_table(rows, cash, f"{name} / {HEADERS[column]} not changed")
        return after, f"Set {what} to {shown}"

    def pasted(self, block: list[list[str]], row: int, column: int) -> tuple[Holdings, str]:
        """A block whose first cell is a header word (Ticker, Symbol) is a whole holdings table
        and replaces the account. Otherwise cells land from the given cell on (Market value and
        Weight are computed: cells pasted there are ignored); rows below the last position add
        positions and need the Ticker column. A single cell on the CASH row sets the cash."""
        size = f"{len(block)} x {max(map(len, block))}"
        if str(block[0][0]).strip().casefold() in HEADER_WORDS:
            try:
                after = parse_holdings_table(
                    block, universe=self._universe, default_prices=self._defaults()
                )
            except HoldingsInputError as exc:
                raise EditRefused(f"pasted {describe_problems(exc)}.") from None
            return after, f"Paste a holdings table ({len(block) - 1} rows)"
        rows, cash = self._overlaid(block, row, column)
        after = self._validated_table(rows, cash, "Paste refused, nothing changed", bare=True)
        return after, f"Paste {size} cells"

    # -- helpers ---------------------------------------------------------------------------
    def _grid(self) -> list[list[Any]]:
        h = self.holdings()
        return [[t, s, h.prices.get(t), h.cost_basis.get(t)] for t, s in h.positions.items()]

    def _defaults(self) -> dict[str, float]:
        holdings = self.holdings()
        kept = {t: p for t, p in holdings.prices.items() if t not in holdings.positions}
        return {**self.default_prices(), **kept}

    def _with_sources(self, after: Holdings) -> Holdings:
        """``after`` (read back from the grid, every price counted as typed) with the sources
        of the prices that did not change: an edit of the shares keeps "market close of DATE";
        a price the user typed is typed. Prices taken for empty cells are the data set's."""
        before = self.holdings()
        sources = {}
        for ticker, price in after.prices.items():
            if ticker in before.prices:
                point = before.price_point(ticker)
                if point.source is not PriceSource.TYPED and abs(
                    point.price - price
                ) <= 1e-12 * max(price, 1.0):
                    sources[ticker] = point
                    continue
                if ticker in before.prices and abs(before.prices[ticker] - price) <= 1e-12 * max(
                    price, 1.0
                ):
                    continue  # a typed price kept as typed
            if self._data_prices is not None and ticker in self._data_prices:
                point = self._data_prices[ticker]
                if abs(point.price - price) <= 1e-12 * max(price, 1.0):
                    sources[ticker] = point
        return Holdings(after.positions, after.prices, after.cash, after.cost_basis, sources)

    def _overlaid(
        self, block: list[list[str]], row: int, column: int
    ) -> tuple[list[list[Any]], Any]:
        grid, cash = self._grid(), self.holdings().cash
        width = max(map(len, block))
        if not 0 <= column or column + width > len(HEADERS):
            raise EditRefused(
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
                    raise EditRefused(
                        "rows below the last position need a ticker: start the paste "
                        "in the Ticker column."
                    )
                grid.append([None, None, None, None])
            for k, value in enumerate(cells):
                c = column + k
                if c == TICKER and str(value).strip().upper() != str(grid[r][TICKER] or ""):
                    grid[r] = [value, grid[r][SHARES], None, None]  # another ETF: own price, basis
                elif c in (SHARES, PRICE):
                    grid[r][c] = value
        return grid, cash

    def _validated_table(
        self, rows: list[list[Any]], cash: Any, refusal: str, *, bare: bool = False
    ) -> Holdings:
        """``rows`` (+ the cash line) as core's :class:`Holdings`, or :class:`EditRefused`
        starting with ``refusal`` (without it when ``bare``: the caller adds its own)."""
        pasted_cash = any(str(r[TICKER]).strip().upper() == CASH_LABEL for r in rows)
        table = rows if pasted_cash else [*rows, [CASH_LABEL, cash, None, None]]
        try:
            return self._with_sources(
                parse_holdings_table(
                    table,
                    universe=self._universe,
                    default_prices=self._defaults(),
                    columns=GRID_COLUMNS,
                )
            )
        except HoldingsInputError as exc:
            names = [str(r[TICKER] or "").strip().upper() for r in table]
            detail = f"{describe_problems(exc, names)}."
        except DataError as exc:
            detail = str(exc)
        raise EditRefused(detail if bare else f"{refusal}: {detail}")
