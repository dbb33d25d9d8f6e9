"""Read a user's CSV of monthly returns or of adjusted prices into a :class:`ReturnsDataset`.

File layout: a header row with a ``date`` column and one column per universe ticker, then one row
per date. Cells may be decimals (``0.012``), percentages (``1.2%``), accounting negatives
(``(1.2%)``) and, in quoted cells, thousands separators (``"1,234.50"``); ``;``- or
tab-separated files may use a decimal comma. Empty cells and ``NA``/``N/A``/``NaN``/``#N/A``
are missing values: allowed in price files (the affected months are dropped and recorded),
refused in return files. Every message names the file line and the column to fix.

Dates: ``YYYY-MM-DD`` (also ``YYYY/MM/DD``, ``YYYYMMDD``, ``YYYY-MM``), ``MM/DD/YYYY`` or, when a
file's first field exceeds 12, ``DD/MM/YYYY``; ``DD.MM.YYYY``; a time part is ignored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from core.data.dataset import MIN_MONTHS, DataMode, Provenance, ReturnsDataset, returns_hash
from core.data.prices import LatestPrices, PriceSource, last_prices, prices_to_monthly_returns
from core.errors import DataError
from core.universe import Universe

KINDS = ("auto", "returns", "prices")
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "#n/a", "null", "none", "-"})
_ISO_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m", "%Y/%m", "%d.%m.%Y")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def _decode(raw: bytes, name: str) -> tuple[str, str | None]:
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252"), f"{name} is not UTF-8; it was read as Windows-1252 text."
        except UnicodeDecodeError:
            raise DataError(f"{name} is not a text file: save it as CSV (UTF-8).") from None


def _delimiter(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: counts[sep])


def parse_number(text: str, *, delimiter: str = ",") -> tuple[float, bool]:
    """``(value, was_percent)`` of one cell; NaN for a missing-value token; ValueError otherwise."""
    cell = text.strip().replace("\u2212", "-").replace("\u00a0", "").replace(" ", "")
    if cell.lower() in MISSING_TOKENS:
        return float("nan"), False
    negative = cell.startswith("(") and cell.endswith(")")
    cell = cell[1:-1] if negative else cell
    percent = cell.endswith("%") or cell.startswith("%")
    cell = cell.strip("%")
    if "," in cell and "." in cell:
        decimal_mark = "," if cell.rfind(",") > cell.rfind(".") else "."
        cell = cell.replace("." if decimal_mark == "," else ",", "").replace(",", ".")
    elif "," in cell:
        if delimiter != "," or not _GROUPED.match(cell):
            if delimiter == ",":
                raise ValueError(text)
            cell = cell.replace(",", ".")
        else:
            cell = cell.replace(",", "")
    if cell.lower() in {"inf", "+inf", "-inf", "infinity", "-infinity"}:
        return (-np.inf if cell.startswith("-") else np.inf), percent
    value = float(cell)  # ValueError for anything else, including "nan" forms already handled
    value = -value if negative else value
    return (value / 100.0 if percent else value), percent


def _date_parser(texts: list[str]) -> tuple[str, str]:
    """Pick the slash-date convention for the whole file: (format, note)."""
    firsts = [t.split("/")[0] for t in texts if re.match(r"^\d{1,2}/\d{1,2}/\d{4}", t)]
    if any(part.isdigit() and int(part) > 12 for part in firsts):
        return "%d/%m/%Y", "Dates with slashes were read as DD/MM/YYYY (a first field exceeds 12)."
    return "%m/%d/%Y", "Dates with slashes were read as MM/DD/YYYY." if firsts else ""


def _parse_date(text: str, slash_format: str) -> pd.Timestamp:
    core_text = re.split(r"[ T]", text.strip(), maxsplit=1)[0]
    for fmt in (*_ISO_FORMATS, slash_format):
        try:
            stamp = datetime.strptime(core_text, fmt)
        except ValueError:
            continue
        if fmt in ("%Y-%m", "%Y/%m"):
            return pd.Timestamp(stamp) + pd.offsets.MonthEnd(0)
        return pd.Timestamp(stamp)
    raise ValueError(text)


def _read_table(
    text: str, name: str
) -> tuple[tuple[int, list[str]], list[tuple[int, list[str]]], str]:
    """``(line number, cells)`` of the header and of each row, blank rows skipped; the delimiter."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise DataError(f"{name} is empty: it needs a header row with 'date' and the tickers.")
    delimiter = _delimiter(lines[first])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if any(c.strip() for c in cells):
            rows.append((reader.line_num, cells))
    return rows[0], rows[1:], delimiter


def _check_header(
    header: list[str], line: int, universe: Universe, name: str
) -> tuple[int, list[str]]:
    names = [h.strip() for h in header]
    lowered = [h.lower() for h in names]
    if "date" not in lowered:
        raise DataError(
            f"{name}, line {line}: no 'date' column (found {', '.join(names) or 'nothing'}). "
            "Name the first column 'date'."
        )
    date_col = lowered.index("date")
    tickers = [h.upper() for i, h in enumerate(names) if i != date_col]
    if any(not t for t in tickers):
        raise DataError(f"{name}, line {line}: a column has no name; give every column a ticker.")
    duplicates = sorted({t for t in tickers if tickers.count(t) > 1})
    if duplicates:
        raise DataError(
            f"{name}, line {line}: columns {', '.join(duplicates)} appear more than once."
        )
    unknown = [t for t in tickers if t not in universe.tickers]
    if unknown:
        raise DataError(
            f"{name}, line {line}: columns {', '.join(unknown)} are not in the universe. Known tickers: "
            f"{', '.join(universe.tickers)}. Rename or remove those columns."
        )
    missing = [t for t in universe.tickers if t not in tickers]
    if missing:
        raise DataError(
            f"{name}: columns for {', '.join(missing)} are missing; all {universe.n} universe "
            "tickers must be present."
        )
    return date_col, tickers


def _parse_rows(
    rows: list[tuple[int, list[str]]],
    header: list[str],
    date_col: int,
    tickers: list[str],
    delimiter: str,
    name: str,
) -> tuple[pd.DatetimeIndex, np.ndarray, list[int], bool, str]:
    slash_format, date_note = _date_parser([cells[date_col].strip() for _, cells in rows])
    dates: list[pd.Timestamp] = []
    values = np.full((len(rows), len(tickers)), np.nan)
    any_percent = False
    value_cols = [i for i in range(len(header)) if i != date_col]
    for r, (line, cells) in enumerate(rows):
        if len(cells) != len(header):
            raise DataError(
                f"{name}, line {line}: {len(cells)} cells but the header has {len(header)}."
            )
        try:
            stamp = _parse_date(cells[date_col], slash_format)
        except ValueError:
            raise DataError(
                f"{name}, line {line}: date {cells[date_col].strip()!r} is not a date; use YYYY-MM-DD."
            ) from None
        if dates and stamp <= dates[-1]:
            what = "repeats" if stamp == dates[-1] else "comes before"
            raise DataError(
                f"{name}, line {line}: date {stamp.date()} {what} the previous row's "
                f"{dates[-1].date()} (line {rows[r - 1][0]}); dates must increase with no duplicates."
            )
        dates.append(stamp)
        for c, col in enumerate(value_cols):
            try:
                number, percent = parse_number(cells[col], delimiter=delimiter)
            except ValueError:
                raise DataError(
                    f"{name}, line {line}, column {tickers[c]}: {cells[col].strip()!r} is not a number."
                ) from None
            if np.isinf(number):
                raise DataError(f"{name}, line {line}, column {tickers[c]}: value is not finite.")
            values[r, c] = number
            any_percent |= percent
    return pd.DatetimeIndex(dates), values, [line for line, _ in rows], any_percent, date_note


def _returns_frame(
    dates: pd.DatetimeIndex, values: np.ndarray, lines: list[int], tickers: list[str], name: str
) -> pd.DataFrame:
    months = dates + pd.offsets.MonthEnd(0)
    for r in range(1, len(months)):
        if months[r] == months[r - 1]:
            raise DataError(
                f"{name}, line {lines[r]}: {dates[r].date()} is in the same month as line "
                f"{lines[r - 1]}; a returns file holds one row per month (or supply prices)."
            )
        if months[r] != months[r - 1] + pd.offsets.MonthEnd(1):
            raise DataError(
                f"{name}, line {lines[r]}: months between {months[r - 1]:%Y-%m} (line {lines[r - 1]}) "
                f"and {months[r]:%Y-%m} are missing; add a row for every month."
            )
    holes = np.argwhere(np.isnan(values))
    if len(holes):
        r, c = holes[0]
        raise DataError(
            f"{name}, line {lines[r]}, column {tickers[c]}: the return is empty; returns files must "
            "be complete (no value is filled in)."
        )
    losses = np.argwhere(values <= -1.0)
    if len(losses):
        r, c = losses[0]
        raise DataError(
            f"{name}, line {lines[r]}, column {tickers[c]}: return {values[r, c]:.2%} is a loss of "
            "100% or more; percentages need a % sign."
        )
    return pd.DataFrame(values, index=pd.DatetimeIndex(months, name="date"), columns=tickers)


def load_returns_file(
    path: str | Path,
    universe: Universe,
    *,
    kind: str = "auto",
    as_of: str | pd.Timestamp | None = None,
) -> ReturnsDataset:
    """Load monthly returns, or daily/monthly adjusted prices, from a CSV file.

    Parameters
    ----------
    path : path-like
        CSV with a ``date`` column and one column per universe ticker (all of them, no others).
    universe : Universe
        Fixes the column order of the result.
    kind : {"auto", "returns", "prices"}
        "auto" reads the file as returns when a cell has a % sign or every absolute value is
        below 1, else as prices; the choice is stated in ``provenance.notes``.
    as_of : date-like, optional
        For price files: months after the last month complete on this date are dropped.

    Returns
    -------
    ReturnsDataset
        Mode IMPORTED; ``returns`` shape (T, n), decimal, month-end index; ``risk_free`` the
        cash ticker's returns when the universe has one; ``factors`` None; ``prices`` the
        file's last row (each ticker's last non-empty price, source "imported file") for a
        price file, None for a returns file (holdings then need typed prices).

    Raises
    ------
    DataError
        With the file line and column for any cell, date or header problem, and when fewer than
        :data:`~core.data.dataset.MIN_MONTHS` complete months remain.
    """
    if kind not in KINDS:
        raise DataError(f"kind must be one of {', '.join(KINDS)} (got {kind!r}).")
    file = Path(path)
    name = file.name
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise DataError(f"Cannot read {file}: {exc.strerror or exc}.") from None
    read_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    text, encoding_note = _decode(raw, name)
    (header_line, header), rows, delimiter = _read_table(text, name)
    date_col, tickers = _check_header(header, header_line, universe, name)
    if not rows:
        raise DataError(f"{name} has a header but no data rows.")
    dates, values, lines, any_percent, date_note = _parse_rows(
        rows, header, date_col, tickers, delimiter, name
    )

    finite = values[~np.isnan(values)]
    if kind == "auto":
        if any_percent or (finite.size and np.all(np.abs(finite) < 1.0)):
            kind_used = "returns"
            why = "a cell has a % sign" if any_percent else "every absolute value is below 1"
        else:
            kind_used = "prices"
            why = "some absolute values are 1 or more"
        what = "monthly returns" if kind_used == "returns" else "adjusted prices"
        kind_note = f"Read as {what} (detected automatically: {why})."
    else:
        kind_used, kind_note = kind, f"Read as {kind} (as requested)."

    dropped: tuple[str, ...] = ()
    latest: LatestPrices | None = None
    if kind_used == "returns":
        frame = _returns_frame(dates, values, lines, tickers, name)
    else:
        bad = np.argwhere(values <= 0)
        if len(bad):
            r, c = bad[0]
            hint = (
                " The file was read as prices because some values are 1 or more; if it holds "
                "returns in percent, add % signs or convert them to decimals."
                if kind == "auto"
                else ""
            )
            raise DataError(
                f"{name}, line {lines[r]}, column {tickers[c]}: price {values[r, c]:g} is not "
                f"positive.{hint}"
            )
        prices = pd.DataFrame(values, index=dates, columns=tickers)
        frame, dropped = prices_to_monthly_returns(prices, as_of=as_of)
        latest = last_prices(prices, PriceSource.IMPORTED_FILE, detail=name)
    frame = frame[list(universe.tickers)]
    if len(frame) < MIN_MONTHS:
        extra = (
            f" ({len(dropped)} months were dropped for gaps or incompleteness)" if dropped else ""
        )
        raise DataError(
            f"{name} gives only {len(frame)} complete monthly returns{extra}; at least {MIN_MONTHS} "
            "are needed. Use a longer history."
        )

    unit = "monthly returns" if kind_used == "returns" else "adjusted prices"
    notes = [kind_note]
    notes += [n for n in (date_note, encoding_note) if n]
    if kind_used == "returns" and not all(d == m for d, m in zip(dates, frame.index, strict=True)):
        notes.append("Row dates were mapped to their calendar month-end.")
    if dropped:
        notes.append(
            f"{len(dropped)} months dropped (missing prices or incomplete month), not filled."
        )
    cash = universe.cash_ticker
    if cash is not None:
        notes.append(f"risk_free is the imported {cash} return (the universe cash ticker).")
    if latest is None:
        notes.append("No prices: the file holds returns; type the prices of the holdings.")
    else:
        dates = sorted({p.as_of for p in latest.points.values() if p.as_of})
        notes.append(f"Prices: the file's last row ({', '.join(dates)}).")
        latest = LatestPrices({t: latest[t] for t in universe.tickers})
    provenance = Provenance(
        mode=DataMode.IMPORTED,
        source=f"Imported file {name}",
        asset_sources={t: f"Imported file {name}, column {t} ({unit})" for t in universe.tickers},
        start=frame.index[0].date().isoformat(),
        end=frame.index[-1].date().isoformat(),
        months=len(frame),
        returns_sha256=returns_hash(frame),
        dropped_months=dropped,
        fetched_at=read_at,
        input_sha256=hashlib.sha256(raw).hexdigest(),
        notes=tuple(notes),
        latest_prices=latest,
    )
    risk_free = frame[cash].rename("RF") if cash is not None else None
    return ReturnsDataset(returns=frame, provenance=provenance, risk_free=risk_free)
