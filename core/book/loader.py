"""Read a book: accounts (id, name, household, IPS profile, trade settings) and their holdings.

Forms
-----
* **A folder** with ``accounts.csv`` and ``holdings.csv`` (or ``.xlsx``, first sheet).
* **An XLSX workbook** with an ``accounts`` sheet and a ``holdings`` sheet.
* **One CSV (or a one-sheet XLSX)** with a row per account and ticker: the account columns are
  given on the account's first row and may be repeated (identically) or left empty below.

Columns (header row, any order, case-insensitive)
-------------------------------------------------
Accounts: ``account_id`` (or account), ``account_name`` (or name), ``household`` (optional),
``profile`` (a bundled profile's name, or a profile JSON file relative to the book's folder),
and the optional trade settings ``method`` (to_target / to_band_edge), ``cost_bps``,
``min_trade``, ``cash_buffer`` (``2%`` or ``0.02``), ``contribution`` (negative = withdrawal);
an empty setting takes the default of :class:`~core.rebalance.settings.TradeSettings`.
Holdings: ``account_id`` and the holdings importer's columns (``ticker``, ``shares``, optional
``price`` and ``cost_basis``, cash as a ``CASH`` row), read by the same code
(:func:`core.rebalance.holdings.parse_holdings_table`), so a cell means the same here as in the
Rebalancing tab. A price left empty is the data set's price.

Errors
------
Every bad cell is named with its account, file and row (:class:`~core.book.model.BookProblem`).
A bad account is skipped with all its problems and never stops the rest; only an unreadable
book (no such file, no header) raises :class:`~core.errors.DataError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from core.book.model import Book, BookAccount, BookProblem
from core.data.prices import LatestPrices
from core.errors import DataError, IPSStudioError, PolicyError
from core.inputs import parse_number, parse_percent
from core.rebalance.cells import HoldingsInputError
from core.rebalance.holdings import parse_holdings_table
from core.rebalance.plan import RebalanceMethod
from core.rebalance.settings import TradeSettings
from core.universe import Universe

Table = list[tuple[int, list[object]]]
"""Rows of one sheet or file with their row numbers (the header is the first entry)."""

ACCOUNT_COLUMNS: dict[str, str] = {
    "account_id": "account_id",
    "account": "account_id",
    "account id": "account_id",
    "account_name": "account_name",
    "account name": "account_name",
    "name": "account_name",
    "household": "household",
    "profile": "profile",
    "ips profile": "profile",
    "ips": "profile",
    "method": "method",
    "cost_bps": "cost_bps",
    "cost bps": "cost_bps",
    "min_trade": "min_trade",
    "min trade": "min_trade",
    "cash_buffer": "cash_buffer",
    "cash buffer": "cash_buffer",
    "contribution": "contribution",
}
HOLDING_KEYS = ("ticker", "shares", "price", "cost_basis")
_HOLDING_ALIASES = {
    "ticker": "ticker",
    "symbol": "ticker",
    "shares": "shares",
    "quantity": "shares",
    "price": "price",
    "cost_basis": "cost_basis",
    "cost basis": "cost_basis",
}


def _key(name: object) -> str:
    return " ".join(str(name or "").strip().lower().replace("_", " ").split())


def _columns(header: Sequence[object], aliases: Mapping[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        key = aliases.get(_key(name)) or aliases.get(str(name or "").strip().lower())
        if key is not None and key not in found:
            found[key] = index
    return found


def _read(path: Path) -> dict[str, Table]:
    """``{sheet name (lower case) or "": rows}``; CSV files give one ``""`` table."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        import csv

        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise DataError(f"{path.name} is not UTF-8 text: save it as CSV UTF-8.") from None
        rows: list[list[object]] = [list(r) for r in csv.reader(text.splitlines())]
        return {"": [(i, r) for i, r in enumerate(rows, start=1) if _filled(r)]}
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception:  # openpyxl raises several unrelated types for a damaged file
            raise DataError(
                f"{path.name} could not be opened as an Excel workbook: save it again as .xlsx."
            ) from None
        try:
            return {
                sheet.title.strip().lower(): [
                    (i, list(r))
                    for i, r in enumerate(sheet.iter_rows(values_only=True), start=1)
                    if _filled(list(r))
                ]
                for sheet in workbook.worksheets
            }
        finally:
            workbook.close()
    raise DataError(f"{path.name}: a book is a .csv or .xlsx file, or a folder holding them.")


def _filled(row: Sequence[object]) -> bool:
    return any(c is not None and str(c).strip() != "" and not str(c).startswith("#") for c in row)


def _sha256(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _tables(path: Path) -> tuple[Table, str, Table, str, str]:
    """``(accounts, their source name, holdings, their source name, sha256)``."""
    if path.is_dir():
        found = {}
        for stem in ("accounts", "holdings"):
            matches = [
                path / f"{stem}{s}" for s in (".csv", ".xlsx") if (path / f"{stem}{s}").is_file()
            ]
            if not matches:
                raise DataError(f"The book folder {path} has no {stem}.csv (or {stem}.xlsx).")
            found[stem] = matches[0]
        accounts = next(iter(_read(found["accounts"]).values()))
        holdings = next(iter(_read(found["holdings"]).values()))
        digest = _sha256([found["accounts"], found["holdings"]])
        return accounts, found["accounts"].name, holdings, found["holdings"].name, digest
    if not path.is_file():
        raise DataError(f"The book {path} does not exist.")
    sheets = _read(path)
    digest = _sha256([path])
    if "accounts" in sheets and "holdings" in sheets:
        return (
            sheets["accounts"],
            f"{path.name} [accounts]",
            sheets["holdings"],
            f"{path.name} [holdings]",
            digest,
        )
    table = next(iter(sheets.values()))
    return table, path.name, table, path.name, digest


def _account_rows(
    table: Table, source: str
) -> tuple[dict[str, int], list[tuple[str, int, list[object]]], list[BookProblem]]:
    """Header columns, ``(account id, row, cells)`` of each account's first row, and problems
    of rows whose account fields disagree with that first row."""
    if not table:
        raise DataError(f"{source} holds no table: put a header row (account_id, ...) first.")
    header_row, header = table[0]
    columns = _columns(header, ACCOUNT_COLUMNS)
    for required in ("account_id", "profile"):
        if required not in columns:
            raise DataError(
                f"{source} row {header_row}: the header has no '{required}' column; name the "
                "columns account_id, account_name, household, profile and the trade settings."
            )
    first: dict[str, tuple[int, list[object]]] = {}
    problems: list[BookProblem] = []
    for row_number, cells in table[1:]:
        raw = cells[columns["account_id"]] if columns["account_id"] < len(cells) else None
        account_id = "" if raw is None else str(raw).strip()
        if not account_id:
            problems.append(
                BookProblem(
                    "?", source, row_number, "account_id", "the account id is empty; type it"
                )
            )
            continue
        if account_id not in first:
            first[account_id] = (row_number, cells)
            continue
        seen_row, seen = first[account_id]
        for key, index in columns.items():
            value = cells[index] if index < len(cells) else None
            if key == "account_id" or value is None or str(value).strip() == "":
                continue
            before = seen[index] if index < len(seen) else None
            if str(value).strip() != str(before if before is not None else "").strip():
                problems.append(
                    BookProblem(
                        account_id,
                        source,
                        row_number,
                        key,
                        f"'{value}' differs from '{before}' on row {seen_row}; give the account's {key} once",
                    )
                )
    return columns, [(a, r, c) for a, (r, c) in first.items()], problems


def _settings(cells: list[object], columns: Mapping[str, int]) -> TradeSettings:
    def cell(key: str) -> object:
        index = columns.get(key)
        value = cells[index] if index is not None and index < len(cells) else None
        return None if value is None or str(value).strip() == "" else value

    defaults = TradeSettings()
    method = cell("method")
    cost = parse_number(cell("cost_bps"), what="the cost in bps")
    minimum = parse_number(cell("min_trade"), what="the minimum trade")
    buffer = parse_percent(
        cell("cash_buffer"), optional=True, upper=50.0, what="the cash buffer", example="2 or 2%"
    )
    contribution = parse_number(cell("contribution"), what="the contribution")
    chosen = defaults.method
    if method is not None:
        try:
            chosen = RebalanceMethod(
                str(method).strip().lower().replace("-", "_").replace(" ", "_")
            )
        except ValueError:
            raise PolicyError(
                f"trade method '{method}' is unknown; use to_target or to_band_edge"
            ) from None
    return TradeSettings(
        method=chosen,
        cost_bps=defaults.cost_bps if cost is None else cost,
        min_trade_value=0.0 if minimum is None else minimum,
        cash_buffer=0.0 if buffer is None else buffer,
        contribution=0.0 if contribution is None else contribution,
    )


def _profile(key: str, folder: Path, bundled: Mapping[str, Any]) -> Any:
    from core.policy.profile_io import load_profile

    by_name = {name.lower(): p for name, p in bundled.items()}
    if key.lower() in by_name:
        return by_name[key.lower()]
    if key.lower().endswith(".json"):
        file = Path(key) if Path(key).is_absolute() else folder / key
        if not file.is_file():
            raise PolicyError(f"the profile file {key} does not exist next to the book")
        return load_profile(file)
    raise PolicyError(
        f"'{key}' is neither a bundled profile ({', '.join(bundled)}) nor a .json profile file"
    )


def load_book(
    path: str | Path,
    *,
    universe: Universe,
    prices: LatestPrices | Mapping[str, float] | None,
) -> Book:
    """Read the book at ``path`` (a file or a folder; module docstring).

    Parameters
    ----------
    universe : Universe
        Tickers are checked against it; an unknown ticker skips its account.
    prices : LatestPrices, mapping or None
        The data set's prices (``dataset.prices``) for rows without a price; None when the data
        hold returns only (every row then needs a price).

    Raises
    ------
    DataError
        The book cannot be read at all (missing file or sheet, no header, wrong file type).
    """
    from core.policy.profile_io import bundled_profiles

    book_path = Path(path)
    folder = book_path if book_path.is_dir() else book_path.parent
    accounts_table, accounts_source, holdings_table, holdings_source, digest = _tables(book_path)
    columns, account_rows, problems = _account_rows(accounts_table, accounts_source)
    by_account: dict[str, list[BookProblem]] = {}
    for problem in problems:
        by_account.setdefault(problem.account_id, []).append(problem)

    holding_header_row, holding_header = holdings_table[0] if holdings_table else (1, [])
    holding_columns = _columns(
        holding_header,
        {
            **_HOLDING_ALIASES,
            "account_id": "account_id",
            "account": "account_id",
            "account id": "account_id",
        },
    )
    for required in ("account_id", "ticker", "shares"):
        if required not in holding_columns:
            raise DataError(
                f"{holdings_source} row {holding_header_row}: the header has no '{required}' "
                "column; name the columns account_id, ticker, shares and optionally price, cost_basis."
            )
    rows_of: dict[str, list[tuple[int, list[object]]]] = {}
    for row_number, cells in holdings_table[1:]:
        index = holding_columns["account_id"]
        raw = cells[index] if index < len(cells) else None
        account_id = "" if raw is None else str(raw).strip()
        if account_id:
            rows_of.setdefault(account_id, []).append(
                (
                    row_number,
                    [
                        cells[holding_columns[k]]
                        if k in holding_columns and holding_columns[k] < len(cells)
                        else None
                        for k in HOLDING_KEYS
                    ],
                )
            )
    known = {a for a, _, _ in account_rows}
    for account_id, rows in rows_of.items():
        if account_id not in known:
            by_account.setdefault(account_id, []).append(
                BookProblem(
                    account_id,
                    holdings_source,
                    rows[0][0],
                    "account_id",
                    f"holdings of account {account_id}, which has no account row; add it to the accounts",
                )
            )

    bundled = bundled_profiles()
    profiles: dict[str, Any] = {}
    profile_errors: dict[str, str] = {}
    accounts: list[BookAccount] = []
    for account_id, row_number, cells in account_rows:
        found = list(by_account.get(account_id, []))

        def text(key: str, cells: list[object] = cells) -> str:
            index = columns.get(key)
            value = cells[index] if index is not None and index < len(cells) else None
            return "" if value is None else str(value).strip()

        key = text("profile")
        if not key:
            found.append(
                BookProblem(
                    account_id,
                    accounts_source,
                    row_number,
                    "profile",
                    "no IPS profile; name a bundled profile or a profile file",
                )
            )
        elif key not in profiles and key not in profile_errors:
            try:
                profiles[key] = _profile(key, folder, bundled)
            except IPSStudioError as exc:
                profile_errors[key] = str(exc)
        if key in profile_errors:
            found.append(
                BookProblem(account_id, accounts_source, row_number, "profile", profile_errors[key])
            )
        try:
            settings = _settings(cells, columns)
        except (ValueError, IPSStudioError) as exc:
            found.append(
                BookProblem(account_id, accounts_source, row_number, "trade settings", str(exc))
            )
        holdings = None
        rows = rows_of.get(account_id, [])
        if not rows:
            found.append(
                BookProblem(
                    account_id,
                    holdings_source,
                    row_number,
                    "account_id",
                    "the account has no holdings rows; add them (a CASH row for cash)",
                )
            )
        else:
            numbers = [r for r, _ in rows]
            contiguous = numbers == list(range(numbers[0], numbers[0] + len(numbers)))
            try:
                holdings = parse_holdings_table(
                    [cells_ for _, cells_ in rows],
                    universe=universe,
                    default_prices=prices,
                    columns=HOLDING_KEYS,
                    first_row_number=numbers[0] if contiguous else 0,
                )
            except HoldingsInputError as exc:
                found.extend(
                    BookProblem(
                        account_id,
                        holdings_source,
                        p.row if contiguous else numbers[p.row],
                        p.column,
                        p.message,
                    )
                    for p in exc.problems
                )
            except IPSStudioError as exc:
                found.append(
                    BookProblem(account_id, holdings_source, numbers[0], "shares", str(exc))
                )
        if found or holdings is None:
            by_account[account_id] = found
            continue
        accounts.append(
            BookAccount(
                account_id,
                text("account_name") or account_id,
                text("household"),
                key,
                holdings,
                settings,
            )
        )
    skipped = tuple((a, tuple(p)) for a, p in by_account.items() if p)
    return Book(tuple(accounts), skipped, profiles, digest, str(book_path))
