"""Prices: adjusted closes to month-end returns, and the latest price of each ETF with its source.

Latest prices
-------------
A data set carries the prices it came with (:class:`LatestPrices`, one :class:`PricePoint` per
ticker: price in the account currency per share, ISO as-of date, :class:`PriceSource`):

* MARKET: the last traded close of each ETF on the last download date (on that date the adjusted
  and the traded close coincide, so the adjusted close is used when the traded one is absent;
  the point says which);
* IMPORTED price file: the file's last row (per ticker, its last non-empty cell);
* IMPORTED returns file: no prices (None);
* SYNTHETIC: illustrative prices, labelled as such.

Typed prices (a user's or a holdings file's price column) are :attr:`PriceSource.TYPED`.
Nothing is ever derived from returns: a price is either given or missing.

Returns from prices
-------------------

Rules
-----
* The month-end price of a ticker is its price on the **last date of the calendar month present
  in the index**. A missing value there is a missing month-end price: it is never replaced by an
  earlier day's price (that would hide a gap) nor by zero.
* A month whose return cannot be computed for every ticker is dropped and recorded, and so is
  the month after a missing price (its return would span a gap).
* The current, incomplete month is dropped and recorded: the last month whose last price date
  is before the month's last NYSE trading day, and every month after ``as_of``'s last complete
  month.
* Non-positive or infinite prices are errors (:class:`~core.errors.DataError`), named by ticker
  and date. Empty cells (NaN) are missing prices.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError


class PriceSource(str, Enum):
    """Where a price came from; written on every trade row."""

    MARKET_CLOSE = "market close"
    IMPORTED_FILE = "imported file"
    TYPED = "typed"
    ILLUSTRATIVE = "illustrative"


@dataclass(frozen=True)
class PricePoint:
    """One price: currency per share, its as-of date (ISO, None when unknown) and its source.

    ``detail`` says more (the vendor and field, the file name); :attr:`label` is the short text
    of a trade row ("market close of 2026-07-31", "imported file prices.csv, 2026-07-31",
    "typed", "illustrative").
    """

    price: float
    source: PriceSource
    as_of: str | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "price", float(self.price))
        object.__setattr__(self, "source", PriceSource(self.source))
        if not math.isfinite(self.price) or self.price <= 0:
            raise DataError(f"Price {self.price!r} must be a positive number.")

    @property
    def label(self) -> str:
        if self.source is PriceSource.MARKET_CLOSE:
            return f"market close of {self.as_of}"
        if self.source is PriceSource.IMPORTED_FILE:
            name = f" {self.detail}" if self.detail else ""
            return f"imported file{name}, {self.as_of}" if self.as_of else f"imported file{name}"
        return self.source.value

    def to_dict(self) -> dict[str, Any]:
        return {
            "price": self.price,
            "source": self.source.value,
            "as_of": self.as_of,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PricePoint:
        return cls(
            price=float(data["price"]),
            source=PriceSource(data["source"]),
            as_of=data.get("as_of"),
            detail=str(data.get("detail", "")),
        )


@dataclass(frozen=True)
class LatestPrices:
    """The latest price of each ticker a data set came with: ``{ticker: PricePoint}``."""

    points: dict[str, PricePoint]

    def __post_init__(self) -> None:
        object.__setattr__(self, "points", {str(t): p for t, p in self.points.items()})

    def __contains__(self, ticker: object) -> bool:
        return ticker in self.points

    def __iter__(self) -> Iterator[str]:
        return iter(self.points)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, ticker: str) -> PricePoint:
        return self.points[ticker]

    @property
    def tickers(self) -> tuple[str, ...]:
        return tuple(self.points)

    def as_dict(self) -> dict[str, float]:
        """``{ticker: price}``, currency per share."""
        return {t: p.price for t, p in self.points.items()}

    def to_dict(self) -> dict[str, Any]:
        return {t: p.to_dict() for t, p in self.points.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, Any]]) -> LatestPrices:
        return cls({str(t): PricePoint.from_dict(v) for t, v in data.items()})


def last_prices(
    prices: pd.DataFrame,
    source: PriceSource,
    *,
    as_of: str | pd.Timestamp | None = None,
    detail: str = "",
) -> LatestPrices:
    """Each ticker's last non-missing price on or before ``as_of`` (all dates when None).

    Parameters
    ----------
    prices : DataFrame, shape (D, n)
        Prices (currency per share), DatetimeIndex, ticker columns, NaN = missing.
    source : PriceSource
    as_of : date-like, optional
        Later rows (e.g. an intraday print of today) are not used.
    detail : str
        Copied to every point.

    Raises
    ------
    DataError
        A ticker has no price at all on or before ``as_of``.
    """
    frame = validate_prices(prices)
    if as_of is not None:
        frame = frame.loc[frame.index <= pd.Timestamp(as_of).normalize()]
    points: dict[str, PricePoint] = {}
    missing = []
    for ticker in frame.columns:
        column = frame[ticker].dropna()
        if column.empty:
            missing.append(ticker)
            continue
        points[ticker] = PricePoint(float(column.iloc[-1]), source, _iso(column.index[-1]), detail)
    if missing:
        raise DataError(f"No price for {', '.join(missing)} in the data: nothing to value them at.")
    return LatestPrices(points)


def _iso(stamp: pd.Timestamp) -> str:
    return stamp.strftime("%Y-%m-%d")


def last_trading_day(month: pd.Timestamp) -> pd.Timestamp:
    """Last NYSE trading day of ``month``'s calendar month (weekends, Good Friday, Memorial Day).

    Those two are the only regular NYSE holidays that can fall on a month's last weekday.
    """
    from dateutil.easter import easter

    day = pd.Timestamp(month).normalize() + pd.offsets.MonthEnd(0)
    while True:
        day = pd.offsets.BDay().rollback(day)
        good_friday = pd.Timestamp(easter(day.year)) - pd.Timedelta(days=2)
        memorial_day = day.month == 5 and day.weekday() == 0 and day.day > 24
        if day != good_friday and not memorial_day:
            return day
        day -= pd.Timedelta(days=1)


def last_complete_month(as_of: str | pd.Timestamp) -> pd.Timestamp:
    """Calendar month-end of the last month that is complete on date ``as_of``.

    A month is complete once ``as_of`` has reached its last trading day.
    """
    day = pd.Timestamp(as_of).normalize()
    month_end = day + pd.offsets.MonthEnd(0)
    if day >= last_trading_day(month_end):
        return month_end
    return month_end - pd.offsets.MonthEnd(1)


def validate_prices(prices: pd.DataFrame) -> pd.DataFrame:
    """Return a clean float copy of ``prices`` (sorted, naive dates) or raise :class:`DataError`.

    NaN (a missing price) is allowed; zero, negative and infinite prices are not.
    """
    if not isinstance(prices, pd.DataFrame) or prices.shape[1] == 0:
        raise DataError("Prices must be a table with one column per ticker.")
    if prices.empty:
        raise DataError("The price table has no rows: download or import a longer history.")
    try:
        index = pd.DatetimeIndex(pd.to_datetime(prices.index))
    except (TypeError, ValueError) as exc:
        raise DataError(f"Price dates could not be read as dates ({exc}).") from None
    if index.tz is not None:
        index = index.tz_localize(None)
    frame = prices.copy()
    frame.index = index.normalize()
    frame.columns = [str(c) for c in frame.columns]
    if frame.columns.has_duplicates:
        dup = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise DataError(f"Ticker columns {', '.join(dup)} appear more than once: keep one each.")
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()][0]
        raise DataError(
            f"Date {_iso(dup)} appears more than once in the prices: keep one row per date."
        )
    for column in frame.columns:
        try:
            frame[column] = pd.to_numeric(frame[column], errors="raise").astype(float)
        except (TypeError, ValueError):
            raise DataError(f"Prices of {column} are not all numbers: fix that column.") from None
    frame = frame.sort_index()
    values = frame.to_numpy(dtype=float)
    bad = np.isinf(values) | (values <= 0)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(
            f"Price of {frame.columns[col]} on {_iso(frame.index[row])} is {values[row, col]!r}: "
            "prices must be positive and finite. Fix the source or remove that date."
        )
    return frame


def month_end_prices(
    prices: pd.DataFrame, *, as_of: str | pd.Timestamp | None = None
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Month-end prices on a gap-free calendar month index, plus the incomplete months removed.

    Parameters
    ----------
    prices : DataFrame, shape (D, n)
        Adjusted closes, daily or monthly; DatetimeIndex; ticker columns; NaN = missing.
    as_of : date-like, optional
        Months after the last month complete on this date are removed.

    Returns
    -------
    month_prices : DataFrame, shape (M, n)
        Index: every calendar month-end from the first to the last complete month. NaN where
        a ticker has no price on the last date of that month in ``prices`` (or no row at all).
    incomplete : tuple of str
        ISO month-ends removed as incomplete, increasing.
    """
    frame = validate_prices(prices)
    months = frame.index.to_period("M")
    last_rows = frame.groupby(months).tail(1)
    last_dates = pd.Series(last_rows.index, index=last_rows.index.to_period("M").to_timestamp("M"))
    month_values = last_rows.set_axis(last_dates.index)
    cutoff = month_values.index[-1]
    if last_dates.iloc[-1] < last_trading_day(cutoff):
        cutoff = cutoff - pd.offsets.MonthEnd(1)
    if as_of is not None:
        cutoff = min(cutoff, last_complete_month(as_of))
    incomplete = tuple(_iso(m) for m in month_values.index if m > cutoff)
    month_values = month_values.loc[month_values.index <= cutoff]
    if month_values.empty:
        return month_values, incomplete
    calendar = pd.date_range(month_values.index[0], month_values.index[-1], freq="ME", name="date")
    return month_values.reindex(calendar), incomplete


def returns_from_month_prices(month_prices: pd.DataFrame) -> pd.DataFrame:
    """Simple returns ``P[m] / P[m-1] - 1`` on the same calendar index, first month dropped.

    NaN wherever either price is missing; shape (M - 1, n).
    """
    returns = month_prices / month_prices.shift(1) - 1.0
    return returns.iloc[1:]


def prices_to_monthly_returns(
    prices: pd.DataFrame, *, as_of: str | pd.Timestamp | None = None
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Month-end simple returns from adjusted closes; dropped months are returned, never filled.

    Parameters
    ----------
    prices : DataFrame, shape (D, n)
        Adjusted closes (daily or monthly), DatetimeIndex, ticker columns, NaN = missing.
    as_of : date-like, optional
        Date of the data; months after its last complete month are dropped.

    Returns
    -------
    returns : DataFrame, shape (T, n)
        Decimal monthly simple returns indexed by calendar month-end dates, no NaN.
    dropped_months : tuple of str
        ISO month-ends left out: incomplete months and months whose return is missing for any
        ticker (a missing price drops its month and the next one).
    """
    month_prices, incomplete = month_end_prices(prices, as_of=as_of)
    if len(month_prices) < 2:
        empty = pd.DataFrame(
            columns=month_prices.columns, index=pd.DatetimeIndex([], name="date"), dtype=float
        )
        return empty, incomplete
    returns = returns_from_month_prices(month_prices)
    gaps = returns.isna().any(axis=1)
    dropped = tuple(sorted({_iso(m) for m in returns.index[gaps]} | set(incomplete)))
    return returns.loc[~gaps], dropped
