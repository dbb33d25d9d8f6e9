"""Reading a ``yfinance.download`` frame: adjusted closes, traded closes and last prices.

Split from :mod:`core.data.market` (which turns the prices into a data set): this module knows
the shape of what Yahoo Finance returns and nothing about caching or the sample.

* ``extract_adjusted_close`` takes the "Adj Close" field (distributions included) from the
  MultiIndex columns yfinance returns in either order, or the flat columns of a one-symbol
  download; a frame with only "Close" is refused, because total returns need the adjusted field.
* ``extract_traded_close`` takes the unadjusted "Close" (None when absent).
* ``market_last_prices`` gives each ETF's last close on or before a date, the traded close where
  the download has it, else the adjusted close (equal on the last date); ``detail`` says which.
"""

from __future__ import annotations

import pandas as pd

from core.data.prices import LatestPrices, PricePoint, PriceSource, last_prices, validate_prices
from core.errors import DataError

SOURCE = "Yahoo Finance via yfinance"
FIELD = "Adj Close"


def extract_adjusted_close(frame: pd.DataFrame, symbols: list[str]) -> pd.DataFrame:
    """The "Adj Close" prices of ``symbols`` from a ``yfinance.download`` frame, shape (D, k).

    Accepts yfinance's MultiIndex columns (field, ticker) or (ticker, field), and the flat
    columns of a one-symbol download. Refuses a frame holding only unadjusted "Close".
    """
    if frame is None or frame.empty:
        raise DataError(
            "Yahoo Finance returned no prices (offline, or the request was refused). Check the "
            "internet connection and try again, or use cached or synthetic data."
        )
    columns = frame.columns
    if isinstance(columns, pd.MultiIndex):
        level = next(
            (k for k in range(columns.nlevels) if FIELD in columns.get_level_values(k)), None
        )
        fields = set(columns.get_level_values(0)) | set(
            columns.get_level_values(columns.nlevels - 1)
        )
        adjusted = frame.xs(FIELD, axis=1, level=level) if level is not None else None
    else:
        fields = set(columns)
        adjusted = (
            frame[[FIELD]].set_axis(symbols[:1], axis=1)
            if FIELD in columns and len(symbols) == 1
            else None
        )
    if adjusted is None:
        if "Close" in fields:
            raise DataError(
                "Yahoo Finance returned only 'Close' prices, which leave out dividends. Adjusted "
                "closes ('Adj Close', auto_adjust=False) are required for total returns."
            )
        raise DataError(
            "The download has no 'Adj Close' prices: the data source changed its format."
        )
    adjusted = adjusted.copy()
    adjusted.columns = [str(c).upper() for c in adjusted.columns]
    missing = [s for s in symbols if s not in adjusted.columns or adjusted[s].isna().all()]
    if missing:
        raise DataError(
            f"Yahoo Finance returned no prices for {', '.join(missing)}. Check the ticker(s) or try "
            "again later; nothing was cached and the previous data is unchanged."
        )
    return adjusted[symbols]


TRADED_CLOSE = "Close"


def extract_traded_close(frame: pd.DataFrame, symbols: list[str]) -> pd.DataFrame | None:
    """The unadjusted "Close" of ``symbols`` from a ``yfinance.download`` frame, or None.

    None when the frame has no "Close" field or lacks a symbol (the adjusted close then gives the
    last price, which equals the traded close on the last date).
    """
    if frame is None or frame.empty:
        return None
    columns = frame.columns
    if isinstance(columns, pd.MultiIndex):
        level = next(
            (k for k in range(columns.nlevels) if TRADED_CLOSE in columns.get_level_values(k)),
            None,
        )
        if level is None:
            return None
        closes = frame.xs(TRADED_CLOSE, axis=1, level=level).copy()
    elif TRADED_CLOSE in columns and len(symbols) == 1:
        closes = frame[[TRADED_CLOSE]].set_axis(symbols[:1], axis=1)
    else:
        return None
    closes.columns = [str(c).upper() for c in closes.columns]
    if any(s not in closes.columns for s in symbols):
        return None
    return closes[symbols]


def market_last_prices(
    prices: pd.DataFrame,
    tickers: tuple[str, ...] | list[str],
    *,
    closes: pd.DataFrame | None = None,
    as_of: str | pd.Timestamp | None = None,
) -> LatestPrices:
    """Last close of each ticker on or before ``as_of``, source "market close of DATE".

    The traded close from ``closes`` where it has a price on the same date as the adjusted
    close's last price, else the adjusted close itself (equal on the last date); ``detail`` says
    which was used.
    """
    adjusted = last_prices(
        prices[list(tickers)],
        PriceSource.MARKET_CLOSE,
        as_of=as_of,
        detail=f"{SOURCE}, last {FIELD} (equals the traded close on that date)",
    )
    if closes is None:
        return adjusted
    points = dict(adjusted.points)
    frame = validate_prices(closes)
    for ticker, point in adjusted.points.items():
        if ticker not in frame.columns:
            continue
        stamp = pd.Timestamp(point.as_of)
        value = frame[ticker].get(stamp)
        if value is not None and pd.notna(value):
            points[ticker] = PricePoint(
                float(value),
                PriceSource.MARKET_CLOSE,
                point.as_of,
                f"{SOURCE}, traded {TRADED_CLOSE}",
            )
    return LatestPrices(points)
