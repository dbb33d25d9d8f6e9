"""The one container that every analysis starts from: monthly returns plus their provenance.

A dataset is always of exactly one :class:`DataMode`. Synthetic and market numbers are
never mixed in one dataset; the mode travels with every result and export.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from core.data.prices import LatestPrices
from core.errors import DataError

MIN_MONTHS = 36


class DataMode(str, Enum):
    """Where the returns came from. Shown in the window and written into every output."""

    SYNTHETIC = "SYNTHETIC"
    MARKET = "MARKET"
    IMPORTED = "IMPORTED"


@dataclass(frozen=True)
class Provenance:
    """Where a dataset came from.

    Attributes
    ----------
    mode : DataMode
    source : str
        Human description ("Deterministic synthetic generator, seed 20240601", "Yahoo Finance via
        yfinance, adjusted close", "Imported file returns.csv").
    asset_sources : dict
        ``{ticker: description}``: the source of each column (symbol, field, proxy used).
    start, end : str
        First and last month-end in the sample, ISO dates.
    months : int
        Number of monthly returns.
    returns_sha256 : str
        Hash of the returns frame (see :func:`returns_hash`).
    dropped_months : tuple of str
        Month-ends removed because a price was missing or the month was incomplete.
    seed : int or None
        Random seed for synthetic data.
    fetched_at : str or None
        UTC ISO time of the download (market mode) or file read (import).
    notes : tuple of str
        Anything else a reader of the report should know.
    proxies : dict
        ``{ticker: statement}`` for every series spliced with a stand-in's returns, e.g.
        ``{"SGOV": "BIL returns for 2007-07..2020-06, before SGOV's first full month (2020-07)"}``;
        shown wherever the provenance is (memo, workbook, manifest, window, CLI).
    latest_prices : LatestPrices or None
        The prices the data came with (see :mod:`core.data.prices`): market closes, an imported
        price file's last row, illustrative prices for synthetic data; None for returns-only data.
    """

    mode: DataMode
    source: str
    asset_sources: dict[str, str]
    start: str
    end: str
    months: int
    returns_sha256: str
    dropped_months: tuple[str, ...] = ()
    seed: int | None = None
    fetched_at: str | None = None
    input_sha256: str | None = None
    notes: tuple[str, ...] = ()
    proxies: dict[str, str] = field(default_factory=dict)
    latest_prices: LatestPrices | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "source": self.source,
            "asset_sources": dict(self.asset_sources),
            "start": self.start,
            "end": self.end,
            "months": self.months,
            "returns_sha256": self.returns_sha256,
            "dropped_months": list(self.dropped_months),
            "seed": self.seed,
            "fetched_at": self.fetched_at,
            "input_sha256": self.input_sha256,
            "notes": list(self.notes),
            "proxies": dict(self.proxies),
            "latest_prices": (
                self.latest_prices.to_dict() if self.latest_prices is not None else None
            ),
        }


def returns_hash(returns: pd.DataFrame) -> str:
    """SHA-256 of the returns as CSV text (dates ISO, 10 significant digits), stable across runs."""
    text = returns.to_csv(float_format="%.10g", date_format="%Y-%m-%d", lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def validate_returns_frame(returns: pd.DataFrame, *, min_months: int = MIN_MONTHS) -> None:
    """Raise :class:`DataError` unless ``returns`` is a clean monthly simple-return frame.

    Requirements: a DatetimeIndex that strictly increases, at least ``min_months`` rows,
    only finite values, no duplicated columns, every return > -100%.
    """
    if not isinstance(returns.index, pd.DatetimeIndex):
        raise DataError("Returns must be indexed by dates (month-ends).")
    if not returns.index.is_monotonic_increasing or returns.index.has_duplicates:
        raise DataError("Return dates must strictly increase with no duplicates.")
    if len(returns) < min_months:
        raise DataError(
            f"Only {len(returns)} monthly returns; at least {min_months} are needed. "
            "Use a longer history."
        )
    if returns.columns.has_duplicates:
        dup = sorted(set(returns.columns[returns.columns.duplicated()]))
        raise DataError(f"Columns {', '.join(map(str, dup))} appear more than once.")
    values = returns.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(
            f"Return for {returns.columns[col]} on {returns.index[row].date()} is missing or not "
            "finite; no value is filled in. Fix the input or shorten the sample."
        )
    if (values <= -1.0).any():
        row, col = np.argwhere(values <= -1.0)[0]
        raise DataError(
            f"Return for {returns.columns[col]} on {returns.index[row].date()} is "
            f"{values[row, col]:.2%}, a loss of 100% or more: check the prices."
        )


@dataclass(frozen=True)
class ReturnsDataset:
    """Monthly simple total returns of the universe with their provenance.

    Attributes
    ----------
    returns : pandas.DataFrame
        Shape (T, n). Index: month-end DatetimeIndex, increasing. Columns: tickers.
        Values: decimal monthly simple returns (0.01 = +1%).
    provenance : Provenance
    risk_free : pandas.Series or None
        Monthly risk-free return aligned to ``returns`` (the cash proxy), decimal.
    factors : pandas.DataFrame or None
        Monthly factor returns aligned to ``returns`` (decimal), when the source provides them.
    """

    returns: pd.DataFrame
    provenance: Provenance
    risk_free: pd.Series | None = None
    factors: pd.DataFrame | None = field(default=None)

    @property
    def mode(self) -> DataMode:
        return self.provenance.mode

    @property
    def tickers(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.returns.columns)

    @property
    def prices(self) -> LatestPrices | None:
        """The prices the data came with (``provenance.latest_prices``); None for returns only."""
        return self.provenance.latest_prices
