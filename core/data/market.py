"""Market mode: Yahoo Finance adjusted closes (via yfinance) to a :class:`ReturnsDataset`.

* ``yfinance.download(..., auto_adjust=False, actions=False, group_by="column")`` and its
  "Adj Close" field, which includes distributions; a frame with only "Close" is refused.
* All or nothing: every universe ticker (and stated proxy) must come back with prices, or a
  :class:`~core.errors.DataError` names the missing ones and nothing is cached.
* Month-end returns follow :mod:`core.data.prices`: nothing filled, gaps and the incomplete
  current month dropped and recorded.
* The sample starts at the first month with a return for every (proxied) series. SGOV began
  trading 2020-06, so on its own it would start the sample in 2020-07. By default
  :data:`RECOMMENDED_PROXIES` (``{"SGOV": "BIL"}``) is fetched with the universe and BIL's
  returns are spliced in for the months before SGOV's first full month, so the sample reaches
  back to 2007 and covers the 2008, 2013 and 2020 episodes. The splice (ticker, stand-in,
  months) is stated in ``Provenance.proxies``, the per-asset source and the notes;
  ``proxies={}`` turns it off.
* Reading the yfinance frame (adjusted and traded closes, the last-price rule) is in
  :mod:`core.data.yahoo`.
* The data set keeps each ETF's last close (:class:`~core.data.prices.LatestPrices`, source
  "market close of DATE") on the last date on or before ``as_of``: the traded "Close" when the
  download has it (the cache keeps those closes in its request record), else the last "Adj
  Close", which equals the traded close on the last date (the point's ``detail`` says which).
* A successful download replaces the :class:`~core.data.cache.PriceCache` snapshot, and
  :func:`load_cached_market_dataset` rebuilds the same dataset offline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

import pandas as pd

from core.data.cache import PriceCache, frame_sha256
from core.data.dataset import MIN_MONTHS, DataMode, Provenance, ReturnsDataset, returns_hash
from core.data.prices import (
    LatestPrices,
    month_end_prices,
    returns_from_month_prices,
    validate_prices,
)
from core.data.yahoo import (
    FIELD,
    SOURCE,
    extract_adjusted_close,
    extract_traded_close,
    market_last_prices,
)
from core.errors import DataError
from core.jobs import CancelToken, ProgressCallback
from core.universe import Universe

RECOMMENDED_PROXIES: dict[str, str] = {"SGOV": "BIL"}
"""The default stand-ins: SPDR 1-3 Month T-Bill ETF (from 2007-05) for SGOV before its first
full month; applied to the universe tickers it names (see :func:`default_proxies`)."""


def default_proxies(universe: Universe) -> dict[str, str]:
    """:data:`RECOMMENDED_PROXIES` restricted to the tickers of ``universe``."""
    return {t: p for t, p in RECOMMENDED_PROXIES.items() if t in universe.tickers and p != t}


def _month(stamp: pd.Timestamp) -> str:
    return stamp.strftime("%Y-%m")


def _splice_statement(
    ticker: str, proxy: str, first: pd.Timestamp, last: pd.Timestamp, own: pd.Timestamp | None
) -> str:
    """``"BIL returns for 2007-07..2020-06, before SGOV's first full month (2020-07)"``."""
    tail = f", before {ticker}'s first full month ({_month(own)})" if own is not None else ""
    return f"{proxy} returns for {_month(first)}..{_month(last)}{tail}"


def build_market_dataset(
    prices: pd.DataFrame,
    universe: Universe,
    *,
    proxies: Mapping[str, str] | None = None,
    as_of: str | pd.Timestamp | None = None,
    fetched_at: str | None = None,
    extra_notes: tuple[str, ...] = (),
    closes: pd.DataFrame | None = None,
    latest_prices: LatestPrices | None = None,
) -> ReturnsDataset:
    """Turn daily adjusted closes into the market-mode dataset.

    Parameters
    ----------
    prices : DataFrame, shape (D, k)
        Daily adjusted closes with a column per universe ticker and per proxy symbol.
    universe : Universe
    proxies : mapping, optional
        ``{ticker: proxy symbol}``: proxy returns fill the ticker's months before its own first
        monthly return. Recorded per asset.
    as_of : date-like, optional
        Months after the last month complete on this date are dropped.
    fetched_at : str, optional
        UTC ISO time of the download.
    extra_notes : tuple of str
        Appended to the provenance notes.
    closes : DataFrame, optional
        Daily traded (unadjusted) closes of the universe tickers, for the last prices.
    latest_prices : LatestPrices, optional
        Last prices already known (the cache's record); computed from ``closes`` / ``prices``
        (:func:`market_last_prices`) when None.

    Returns
    -------
    ReturnsDataset
        Mode MARKET; returns shape (T, n), decimal monthly; ``risk_free`` the cash ticker's
        return (when the universe has one); ``factors`` None; ``prices`` the last close of
        every universe ETF on or before ``as_of``.
    """
    proxies = dict(proxies or {})
    month_prices, incomplete = month_end_prices(prices, as_of=as_of)
    raw = returns_from_month_prices(month_prices)
    returns = raw[list(universe.tickers)].copy()
    own_start = {t: returns[t].first_valid_index() for t in universe.tickers}
    spliced: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = {}
    for ticker, proxy in proxies.items():
        first = own_start[ticker]
        before = raw.loc[raw.index < first] if first is not None else raw
        fill = before[proxy].dropna()
        if len(fill):
            returns.loc[fill.index, ticker] = fill
            spliced[ticker] = (fill.index[0], fill.index[-1])
    complete = returns.notna().all(axis=1)
    if not complete.any():
        raise DataError("No month has a return for every ETF: the histories do not overlap.")
    start = complete.idxmax()
    limiting = [
        f"{t} via its {proxies[t]} proxy" if t in spliced else t
        for t in universe.tickers
        if returns[t].first_valid_index() == start
    ]
    limit_text = ", ".join(limiting) if len(limiting) < universe.n else "the start of the download"
    returns = returns.loc[start:]
    gaps = returns.isna().any(axis=1)
    dropped = tuple(sorted({m.strftime("%Y-%m-%d") for m in returns.index[gaps]} | set(incomplete)))
    returns = returns.loc[~gaps]
    returns.index.name = "date"
    if len(returns) < MIN_MONTHS:
        hint = (
            "" if proxies else " A stated proxy (e.g. proxies={'SGOV': 'BIL'}) extends the sample."
        )
        raise DataError(
            f"Only {len(returns)} complete months with a return for every ETF (from {_month(start)}, "
            f"limited by {limit_text}); at least {MIN_MONTHS} are needed.{hint}"
        )

    asset_sources: dict[str, str] = {}
    for ticker in universe.tickers:
        own = own_start[ticker]
        text = (
            f"{SOURCE}: {ticker}, daily {FIELD}, own returns from {_month(own)}"
            if own is not None
            else ""
        )
        if ticker in spliced:
            first, last = spliced[ticker]
            text += f"; {proxies[ticker]} returns used as a stated proxy for {_month(first)}..{_month(last)}"
        asset_sources[ticker] = text or f"{SOURCE}: {proxies.get(ticker)} (proxy) only"
    proxy_statements = {
        t: _splice_statement(t, proxies[t], a, b, own_start[t]) for t, (a, b) in spliced.items()
    }
    notes = [
        f"Sample starts {_month(returns.index[0])}: the first month with a return for every "
        f"{'(proxied) ' if spliced else ''}series (limited by {limit_text}).",
        "Month-end returns from the last daily adjusted close of each month; nothing filled.",
    ]
    notes += [f"Proxy: {t} uses {text}." for t, text in proxy_statements.items()]
    if not spliced:
        notes.append("No proxies: every return is the ETF's own.")
    if dropped:
        notes.append(f"Dropped (gaps or incomplete month): {', '.join(d[:7] for d in dropped)}.")
    cash = universe.cash_ticker
    if cash is not None:
        notes.append(f"risk_free is the {cash} monthly return.")
    if latest_prices is None:
        latest_prices = market_last_prices(prices, universe.tickers, closes=closes, as_of=as_of)
    dates = sorted({p.as_of for p in latest_prices.points.values() if p.as_of})
    traded = all("traded" in p.detail for p in latest_prices.points.values())
    notes.append(
        f"Prices: the last {'traded' if traded else 'adjusted (= traded on that date)'} close of "
        f"each ETF, {', '.join(dates)}."
    )
    provenance = Provenance(
        mode=DataMode.MARKET,
        source=f"{SOURCE}, adjusted close ({FIELD})",
        asset_sources=asset_sources,
        start=returns.index[0].date().isoformat(),
        end=returns.index[-1].date().isoformat(),
        months=len(returns),
        returns_sha256=returns_hash(returns),
        dropped_months=dropped,
        fetched_at=fetched_at,
        input_sha256=frame_sha256(validate_prices(prices)),
        notes=tuple(notes) + tuple(extra_notes),
        proxies=proxy_statements,
        latest_prices=latest_prices,
    )
    risk_free = returns[cash].rename("RF") if cash is not None else None
    return ReturnsDataset(returns=returns, provenance=provenance, risk_free=risk_free)


def _check_proxies(universe: Universe, proxies: Mapping[str, str]) -> dict[str, str]:
    clean = {str(t).upper(): str(p).upper() for t, p in proxies.items()}
    unknown = [t for t in clean if t not in universe.tickers]
    if unknown:
        raise DataError(f"Proxies are set for {', '.join(unknown)}, which are not in the universe.")
    return clean


def fetch_market_dataset(
    universe: Universe,
    *,
    start: str = "2007-01-01",
    end: str | None = None,
    cache: PriceCache | Literal[False] | None = None,
    downloader: Callable[..., pd.DataFrame] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    proxies: Mapping[str, str] | None = None,
) -> ReturnsDataset:
    """Download adjusted closes, build the market dataset and, on success only, cache it.

    Parameters
    ----------
    universe : Universe
    start : str
        First download date (inclusive).
    end : str, optional
        Last download date, inclusive (yfinance gets ``end + 1 day``); today (UTC) when None.
        Months after the last month complete by ``min(end, yesterday)`` are dropped.
    cache : PriceCache or False, optional
        Replaced by this download when everything succeeded; None = the default
        :class:`PriceCache` (per-user file), False = do not cache.
    downloader : callable, optional
        ``yfinance.download`` or a stand-in with its signature (tests pass a recorded frame).
    progress : callable, optional
        ``progress(fraction, message)``.
    cancel : CancelToken, optional
        Polled between steps; cancelling raises :class:`~core.errors.CancelledError` and
        nothing is cached.
    proxies : mapping, optional
        ``{ticker: proxy symbol}``; None (default) fetches :func:`default_proxies` (BIL for
        SGOV) with the universe, ``{}`` uses every ETF's own history only.

    Raises
    ------
    DataError
        Offline or refused download, a missing ticker, only unadjusted closes, too few months.
    """
    report = progress or (lambda fraction, message: None)
    proxy_map = _check_proxies(universe, default_proxies(universe) if proxies is None else proxies)
    symbols = list(universe.tickers) + [
        p for p in dict.fromkeys(proxy_map.values()) if p not in universe.tickers
    ]
    today = datetime.now(timezone.utc).date()
    last_day = pd.Timestamp(end).date() if end is not None else today
    as_of = min(last_day, today - timedelta(days=1))
    if downloader is None:
        import yfinance

        downloader = yfinance.download
    if cancel is not None:
        cancel.raise_if_cancelled()
    report(0.05, f"Downloading {len(symbols)} symbols from Yahoo Finance")
    try:
        raw = downloader(
            symbols,
            start=start,
            end=(pd.Timestamp(last_day) + pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
            auto_adjust=False,
            actions=False,
            progress=False,
            group_by="column",
            threads=False,
        )
    except Exception as exc:  # any network / parsing failure of the third-party client
        raise DataError(
            f"Could not download prices from Yahoo Finance ({type(exc).__name__}: {exc}). Check the "
            "internet connection and try again; the cached data, if any, is unchanged."
        ) from exc
    fetched_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    if cancel is not None:
        cancel.raise_if_cancelled()
    report(0.6, "Checking prices and building monthly returns")
    prices = validate_prices(extract_adjusted_close(raw, symbols))
    closes = extract_traded_close(raw, list(universe.tickers))
    latest = market_last_prices(prices, universe.tickers, closes=closes, as_of=as_of)
    dataset = build_market_dataset(
        prices,
        universe,
        proxies=proxy_map,
        as_of=as_of,
        fetched_at=fetched_at,
        latest_prices=latest,
    )
    if cancel is not None:
        cancel.raise_if_cancelled()
    if cache is not False:
        cache = cache if cache is not None else PriceCache()
        report(0.85, "Saving to the local cache")
        request: dict[str, Any] = {
            "tickers": list(universe.tickers),
            "proxies": proxy_map,
            "start": start,
            "end": last_day.isoformat(),
            "as_of": as_of.isoformat(),
            "latest_prices": latest.to_dict(),
        }
        cache.store(prices, request=request, source=SOURCE, field=FIELD, fetched_at=fetched_at)
    report(1.0, f"Market data ready: {dataset.provenance.months} months")
    return dataset


def load_cached_market_dataset(
    universe: Universe, cache: PriceCache | None = None
) -> ReturnsDataset:
    """The dataset of the last successful download, rebuilt offline from the cache.

    Raises
    ------
    DataError
        "no cached market data: refresh first" when the cache is empty, or when it does not
        cover every universe ticker.
    """
    cache = cache if cache is not None else PriceCache()
    prices, meta, _series = cache.load()
    missing = [t for t in universe.tickers if t not in prices.columns]
    if missing:
        raise DataError(f"The cached market data has no {', '.join(missing)}: refresh first.")
    proxies = {t: p for t, p in dict(meta.get("proxies", {})).items() if t in universe.tickers}
    note = f"Loaded from the local cache {cache.path} (downloaded {meta['fetched_at']})."
    stale = {t: p for t, p in default_proxies(universe).items() if t not in proxies}
    if stale:
        note += (
            f" This download has no {', '.join(sorted(set(stale.values())))} stand-in for "
            f"{', '.join(stale)}: refresh the market data to extend the sample back to 2007."
        )
    stored = meta.get("latest_prices")
    latest = (
        LatestPrices.from_dict({t: v for t, v in stored.items() if t in universe.tickers})
        if isinstance(stored, dict) and all(t in stored for t in universe.tickers)
        else None
    )
    return build_market_dataset(
        prices,
        universe,
        proxies=proxies,
        as_of=meta.get("as_of"),
        fetched_at=meta["fetched_at"],
        extra_notes=(note,),
        latest_prices=latest,
    )
