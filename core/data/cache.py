"""A local SQLite cache of the last successful market-data download.

One snapshot is kept: the daily adjusted closes of every downloaded symbol (one row per symbol
and date, NULL for a missing price), a row per symbol with its source, price field, fetch time,
date range and a SHA-256 of its prices, and the request that produced them (universe tickers,
proxies, dates). A new snapshot replaces the old one in a single transaction, so a failed or
cancelled fetch never leaves a half-written cache: the previous snapshot stays as it was.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import DataError

CACHE_FILENAME = "market_cache.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS series (symbol TEXT PRIMARY KEY, source TEXT NOT NULL, "
    "field TEXT NOT NULL, fetched_at TEXT NOT NULL, first_date TEXT, last_date TEXT, "
    "n_prices INTEGER NOT NULL, sha256 TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS prices (symbol TEXT NOT NULL, date TEXT NOT NULL, price REAL, "
    "PRIMARY KEY (symbol, date))",
)


def default_cache_path() -> Path:
    """``market_cache.sqlite`` under :func:`core.resources.user_data_root` (platformdirs' user
    data folder, or ``$IPS_STUDIO_USER_DIR`` when set)."""
    from core.resources import user_data_root

    return user_data_root() / CACHE_FILENAME


def series_sha256(prices: pd.Series) -> str:
    """SHA-256 of one price series as ``date,price`` lines (``repr`` floats, empty for NaN)."""
    lines = (
        f"{stamp:%Y-%m-%d},{'' if math.isnan(value) else repr(float(value))}\n"
        for stamp, value in prices.items()
    )
    return hashlib.sha256("".join(lines).encode("ascii")).hexdigest()


def frame_sha256(prices: pd.DataFrame) -> str:
    """SHA-256 over the per-symbol hashes of a price frame, in column order."""
    text = "".join(f"{symbol}:{series_sha256(prices[symbol])}\n" for symbol in prices.columns)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _series_rows(symbol: str, prices: pd.Series) -> Iterator[tuple[str, str, float | None]]:
    for stamp, value in prices.items():
        yield symbol, f"{stamp:%Y-%m-%d}", None if math.isnan(value) else float(value)


class PriceCache:
    """The market-data cache file.

    Parameters
    ----------
    path : path-like, optional
        SQLite file; :func:`default_cache_path` when None. Created on the first :meth:`store`.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()

    def __repr__(self) -> str:
        return f"PriceCache({str(self.path)!r})"

    def _connect(self) -> Any:
        import sqlite3

        return sqlite3.connect(self.path)

    @property
    def exists(self) -> bool:
        """True when a snapshot has been stored."""
        if not self.path.is_file():
            return False
        try:
            return self._read_meta() is not None
        except DataError:
            return False

    def store(
        self,
        prices: pd.DataFrame,
        *,
        request: Mapping[str, Any],
        source: str,
        field: str,
        fetched_at: str,
    ) -> str:
        """Replace the cached snapshot with ``prices``, atomically; return its SHA-256.

        Parameters
        ----------
        prices : DataFrame, shape (D, k)
            Daily adjusted closes; DatetimeIndex; one column per downloaded symbol; NaN allowed.
        request : mapping
            JSON-serializable description of the fetch (tickers, proxies, start, end, as_of).
        source, field : str
            E.g. "Yahoo Finance via yfinance", "Adj Close".
        fetched_at : str
            UTC ISO time of the download.
        """
        import sqlite3

        snapshot = frame_sha256(prices)
        meta = dict(
            request,
            fetched_at=fetched_at,
            source=source,
            field=field,
            sha256=snapshot,
            symbols=[str(c) for c in prices.columns],
            schema_version=SCHEMA_VERSION,
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as conn, conn:
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute("DELETE FROM prices")
                conn.execute("DELETE FROM series")
                for symbol in prices.columns:
                    column = prices[symbol].astype(float)
                    valid = column.dropna()
                    conn.executemany(
                        "INSERT INTO prices VALUES (?, ?, ?)", _series_rows(str(symbol), column)
                    )
                    conn.execute(
                        "INSERT INTO series VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            str(symbol),
                            source,
                            field,
                            fetched_at,
                            f"{valid.index[0]:%Y-%m-%d}" if len(valid) else None,
                            f"{valid.index[-1]:%Y-%m-%d}" if len(valid) else None,
                            int(len(valid)),
                            series_sha256(column),
                        ),
                    )
                conn.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('last_fetch', ?)",
                    (json.dumps(meta, sort_keys=True),),
                )
        except (sqlite3.Error, OSError) as exc:
            raise DataError(
                f"Could not write the market-data cache {self.path}: {exc}. The previous cache is unchanged."
            ) from None
        return snapshot

    def _read_meta(self) -> dict[str, Any] | None:
        import sqlite3

        try:
            with closing(self._connect()) as conn:
                row = conn.execute("SELECT value FROM meta WHERE key = 'last_fetch'").fetchone()
        except sqlite3.Error:
            return None
        return json.loads(row[0]) if row else None

    def load(self) -> tuple[pd.DataFrame, dict[str, Any], dict[str, dict[str, Any]]]:
        """The cached snapshot: ``(prices, request, series)``.

        Returns
        -------
        prices : DataFrame, shape (D, k)
            Daily adjusted closes as stored (NaN where missing), columns in download order.
        request : dict
            The stored request plus ``fetched_at``, ``source``, ``field``, ``sha256``.
        series : dict
            ``{symbol: {source, field, fetched_at, first_date, last_date, n_prices, sha256}}``.

        Raises
        ------
        DataError
            "no cached market data: refresh first" when nothing is stored; a checksum message
            when the stored prices no longer match their SHA-256.
        """
        import sqlite3

        meta = self._read_meta() if self.path.is_file() else None
        if meta is None:
            raise DataError(
                "no cached market data: refresh first (download prices once while online)."
            )
        try:
            with closing(self._connect()) as conn:
                rows = conn.execute("SELECT symbol, date, price FROM prices").fetchall()
                info_rows = conn.execute("SELECT * FROM series").fetchall()
                names = [d[0] for d in conn.execute("SELECT * FROM series LIMIT 0").description]
        except sqlite3.Error as exc:
            raise DataError(
                f"The market-data cache {self.path} is unreadable ({exc}): refresh first."
            ) from None
        long = pd.DataFrame(rows, columns=["symbol", "date", "price"])
        prices = long.pivot(index="date", columns="symbol", values="price").astype(float)
        prices.index = pd.DatetimeIndex(pd.to_datetime(prices.index), name="Date")
        symbols = list(meta["symbols"])
        prices = prices.reindex(columns=symbols)
        series = {row[0]: dict(zip(names[1:], row[1:], strict=True)) for row in info_rows}
        for symbol in symbols:
            if symbol not in series or series_sha256(prices[symbol]) != series[symbol]["sha256"]:
                raise DataError(
                    f"Cached prices of {symbol} do not match their checksum: the cache file is "
                    "damaged. Refresh the market data."
                )
        return prices, meta, series
