"""Holdings of an account and how they are read from typed or pasted tables and CSV / XLSX files.

The :class:`Holdings` dataclass itself lives in :mod:`core.rebalance.account` and is re-exported
here with :data:`CASH_LABEL`.

Input tables have a header row naming the columns, in any order, case-insensitive: ``ticker``
(or symbol), ``shares`` (or quantity, qty, units), optional ``price``, optional ``cost_basis``
(or cost basis, cost: the total cost of the position), optional ``cash``. Other columns (market
value, weight) are ignored, so a table copied out of the app reads back in. Cash is given either
as a row whose ticker is ``CASH`` with the amount in the shares column, or as a ``cash`` column
(the same amount on every row that fills it). A price left empty is taken from
``default_prices`` (the data set's own prices: market closes, an imported price file's last row
or the labelled illustrative prices of synthetic data; see :mod:`core.rebalance.pricing`). Cells are read by
:mod:`core.rebalance.cells`; validation is all-or-nothing and every bad cell is reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from core.data.prices import LatestPrices
from core.errors import DataError
from core.rebalance.account import CASH_LABEL, MAX_PRICE, MAX_VALUE, Holdings
from core.rebalance.cells import CellProblem, HoldingsInputError, parse_number
from core.resources import resource_path
from core.universe import Universe

DEMO_HOLDINGS_FILE = "demo_holdings.csv"

__all__ = [
    "CASH_LABEL",
    "DEMO_HOLDINGS_FILE",
    "Holdings",
    "demo_holdings",
    "load_holdings_file",
    "parse_holdings_table",
]

_ALIASES: dict[str, str] = {
    "ticker": "ticker",
    "symbol": "ticker",
    "etf": "ticker",
    "shares": "shares",
    "quantity": "shares",
    "qty": "shares",
    "units": "shares",
    "price": "price",
    "last price": "price",
    "last_price": "price",
    "close": "price",
    "cost_basis": "cost_basis",
    "cost basis": "cost_basis",
    "cost": "cost_basis",
    "cash": "cash",
}


def _header_map(header: Sequence[object], row_number: int) -> dict[str, int]:
    columns: dict[str, int] = {}
    problems: list[CellProblem] = []
    for c, name in enumerate(header, start=1):
        if name is None or str(name).strip() == "":
            continue
        key = _ALIASES.get(" ".join(str(name).strip().lower().replace("_", " ").split()))
        key = key or _ALIASES.get(str(name).strip().lower())
        if key is None:
            continue
        if key in columns:
            problems.append(
                CellProblem(row_number, str(name), f"a second '{key}' column; keep one")
            )
        columns[key] = c - 1
    for required in ("ticker", "shares"):
        if required not in columns:
            problems.append(
                CellProblem(
                    row_number,
                    required,
                    f"the header has no '{required}' column; name the columns "
                    "ticker, shares and optionally price, cost_basis, cash",
                )
            )
    if problems:
        raise HoldingsInputError(problems)
    return columns


def parse_holdings_table(
    rows: Sequence[Sequence[object]],
    *,
    universe: Universe | None = None,
    default_prices: Mapping[str, float] | LatestPrices | None = None,
    columns: Sequence[str] | None = None,
    first_row_number: int = 1,
) -> Holdings:
    """Validate a table of cells (typed, pasted or read from a file) and build :class:`Holdings`.

    Parameters
    ----------
    rows : sequence of sequences
        Cells as strings, numbers or ``None``. The first row is the header unless ``columns``
        is given (then every row is data and ``columns`` names its columns in order).
    universe : Universe, optional
        Tickers are checked against it (and ``CASH``); unchecked when None.
    default_prices : mapping or LatestPrices, optional
        ``{ticker: price}`` used where a row leaves the price empty, and for universe ETFs that are
        not held (so the rebalancer can buy them). Given as the data set's
        :class:`~core.data.prices.LatestPrices`, the prices taken from it keep their source
        ("market close of DATE"); a price in the table counts as typed.
    columns : sequence of str, optional
        Column names for a header-less block, e.g. ``("ticker", "shares")``.
    first_row_number : int
        Number of ``rows[0]`` in messages (1 = the first line of a file or sheet).

    Raises
    ------
    HoldingsInputError
        Negative shares, text in a number cell, an unknown or duplicate ticker, a missing price,
        conflicting cash: every problem is listed with its row and column. Nothing is returned
        partially: the caller keeps its previous table.
    """
    points = default_prices.points if isinstance(default_prices, LatestPrices) else {}
    defaults = (
        default_prices.as_dict()
        if isinstance(default_prices, LatestPrices)
        else {str(k): float(v) for k, v in (default_prices or {}).items()}
    )
    from_defaults: set[str] = set()
    if columns is not None:
        colmap = _header_map(list(columns), first_row_number)
        data_rows, start = list(rows), first_row_number
    else:
        if not rows:
            raise HoldingsInputError(
                [CellProblem(first_row_number, "ticker", "the table is empty")]
            )
        colmap = _header_map(list(rows[0]), first_row_number)
        data_rows, start = list(rows[1:]), first_row_number + 1
    known = set(universe.tickers) if universe is not None else None

    problems: list[CellProblem] = []
    positions: dict[str, float] = {}
    prices: dict[str, float] = {}
    basis: dict[str, float] = {}
    seen: dict[str, int] = {}
    cash_amounts: list[tuple[int, float]] = []
    cash_row: int | None = None

    def cell(row: Sequence[object], key: str) -> object:
        index = colmap.get(key)
        return row[index] if index is not None and index < len(row) else None

    def number(row: Sequence[object], key: str, r: int, what: str) -> float | None:
        try:
            value = parse_number(cell(row, key), what=what)
        except ValueError as exc:
            problems.append(CellProblem(r, key, str(exc)))
            return None
        if value is not None and abs(value) > MAX_VALUE:
            problems.append(
                CellProblem(r, key, f"{value:,.6g} is not a plausible amount; check {what}")
            )
            return None
        if value is not None and value < 0:
            problems.append(
                CellProblem(r, key, f"{value:,.10g} is negative; enter {what} (0 or more)")
            )
            return None
        return value

    for offset, row in enumerate(data_rows):
        r = start + offset
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        raw_ticker = cell(row, "ticker")
        ticker = "" if raw_ticker is None else str(raw_ticker).strip().upper()
        cash_cell = number(row, "cash", r, "a cash amount")
        if cash_cell is not None:
            cash_amounts.append((r, cash_cell))
        if not ticker:
            if any(cell(row, k) not in (None, "") for k in ("shares", "price", "cost_basis")):
                problems.append(
                    CellProblem(r, "ticker", "the ticker is empty; type the ETF's ticker")
                )
            continue
        if ticker == CASH_LABEL:
            amount = number(row, "shares", r, "the cash amount")
            if cash_row is not None:
                problems.append(
                    CellProblem(
                        r, "ticker", f"CASH already appears on row {cash_row}; keep one cash row"
                    )
                )
            else:
                cash_row = r
                if amount is not None:
                    cash_amounts.append((r, amount))
            continue
        if known is not None and ticker not in known:
            problems.append(
                CellProblem(
                    r,
                    "ticker",
                    f"'{ticker}' is not in the universe ({', '.join(sorted(known))}); "
                    "correct the ticker or remove the row",
                )
            )
            continue
        if ticker in seen:
            problems.append(
                CellProblem(
                    r,
                    "ticker",
                    f"{ticker} already appears on row {seen[ticker]}; merge the two rows into one",
                )
            )
            continue
        seen[ticker] = r
        shares = number(row, "shares", r, "the number of shares")
        if shares is None and cell(row, "shares") in (None, ""):
            problems.append(
                CellProblem(
                    r, "shares", f"no shares for {ticker}; type the number held (0 if none)"
                )
            )
        price = number(row, "price", r, "a price")
        if price == 0:
            problems.append(
                CellProblem(r, "price", f"a price of 0 for {ticker}; type a positive price")
            )
            price = None
        if price is not None and price > MAX_PRICE:
            problems.append(
                CellProblem(
                    r,
                    "price",
                    f"a price of {price:,.6g} for {ticker} is not plausible (over "
                    f"${MAX_PRICE:,.0f} a share); check the price",
                )
            )
            price = None
        unit = price if price is not None else defaults.get(ticker)
        if shares is not None and unit is not None and shares * unit > MAX_VALUE:
            problems.append(
                CellProblem(
                    r,
                    "shares",
                    f"{shares:,.6g} shares of {ticker} are worth more than ${MAX_VALUE:,.0f}; "
                    "check the number of shares",
                )
            )
            shares = None
        if price is None and cell(row, "price") in (None, "") and ticker not in defaults:
            problems.append(
                CellProblem(
                    r,
                    "price",
                    f"no price for {ticker} and no default price is available; type the price",
                )
            )
        cost = number(row, "cost_basis", r, "a cost basis")
        if shares is not None:
            positions[ticker] = shares
        if price is not None:
            prices[ticker] = price
        elif ticker in defaults:
            prices[ticker] = defaults[ticker]
            from_defaults.add(ticker)
        if cost is not None:
            basis[ticker] = cost

    if cash_row is not None and any(r != cash_row for r, _ in cash_amounts):
        problems.append(
            CellProblem(
                cash_row,
                "ticker",
                "cash is given both as a CASH row and in the cash column; give it once",
            )
        )
    elif len({amount for _, amount in cash_amounts}) > 1:
        first = cash_amounts[0]
        other = next(item for item in cash_amounts if item[1] != first[1])
        problems.append(
            CellProblem(
                other[0],
                "cash",
                f"{other[1]:,.2f} differs from {first[1]:,.2f} on row {first[0]}; "
                "give the account's cash once",
            )
        )
    if problems:
        raise HoldingsInputError(problems)
    for ticker, price in defaults.items():
        if price > 0 and math.isfinite(price) and (known is None or ticker in known):
            if ticker not in prices:
                prices[ticker] = price
                from_defaults.add(ticker)
    cash = cash_amounts[0][1] if cash_amounts else 0.0
    sources = {t: points[t] for t in from_defaults if t in points}
    return Holdings(positions, prices, cash, basis, sources)


def _read_csv_rows(file: Path) -> list[list[object]]:
    import csv

    text = file.read_text(encoding="utf-8-sig")
    delimiter = "\t" if file.suffix.lower() in (".tsv", ".txt") else ","
    rows: list[list[object]] = []
    for row in csv.reader(text.splitlines(), delimiter=delimiter):
        # comment lines keep the row numbers of the file (they become blank rows)
        rows.append([] if row and str(row[0]).lstrip().startswith("#") else list(row))
    return rows


def _read_xlsx_rows(file: Path) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises several unrelated types (and wordings) for a bad file
        raise DataError(
            f"{file.name} could not be opened as an Excel workbook (it is damaged or not .xlsx): "
            "open it in Excel and save it again as .xlsx, or save the sheet as CSV."
        ) from None
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def load_holdings_file(
    path: str | Path,
    universe: Universe | None = None,
    prices: Mapping[str, float] | LatestPrices | None = None,
) -> Holdings:
    """Read holdings from a CSV (comma), TSV/TXT (tab) or XLSX file (first sheet).

    The file has a header row (see the module docstring). Lines starting with ``#`` in a text
    file are comments. ``prices`` are the default prices for rows without one. Messages name
    the row as the file or sheet numbers it (the header is row 1).

    Raises
    ------
    DataError
        The file is missing, unreadable or of an unknown type.
    HoldingsInputError
        Some cells are invalid (all are listed).
    """
    file = Path(path)
    if not file.is_file():
        raise DataError(f"Holdings file {file} does not exist.")
    suffix = file.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        try:
            rows = _read_csv_rows(file)
        except UnicodeDecodeError:
            raise DataError(f"{file.name} is not UTF-8 text: save it as CSV UTF-8.") from None
    elif suffix in (".xlsx", ".xlsm"):
        rows = _read_xlsx_rows(file)
    else:
        raise DataError(f"{file.name}: holdings are read from .csv, .tsv, .txt or .xlsx files.")
    skipped = 0
    while rows and not any(c not in (None, "") for c in rows[skipped]):
        skipped += 1
        if skipped == len(rows):
            raise DataError(
                f"{file.name} holds no table: put a header row (ticker, shares, ...) first."
            )
    try:
        return parse_holdings_table(
            rows[skipped:], universe=universe, default_prices=prices, first_row_number=1 + skipped
        )
    except HoldingsInputError as exc:  # the rows are the file's rows: name the file too
        raise HoldingsInputError(exc.problems, source=file.name) from None


def demo_holdings(universe: Universe | None = None) -> Holdings:
    """The bundled demo account (``resources/demo_holdings.csv``; its header describes the drift).

    Its prices are round illustrative numbers, recorded as
    :attr:`~core.data.prices.PriceSource.ILLUSTRATIVE`; :func:`core.rebalance.pricing.reprice_holdings`
    replaces them with a data set's prices.
    """
    from core.data.prices import PricePoint, PriceSource

    demo = load_holdings_file(resource_path(DEMO_HOLDINGS_FILE), universe)
    detail = "demo account price (illustrative, not market data)"
    sources = {
        t: PricePoint(p, PriceSource.ILLUSTRATIVE, None, detail) for t, p in demo.prices.items()
    }
    return Holdings(demo.positions, demo.prices, demo.cash, demo.cost_basis, sources)
