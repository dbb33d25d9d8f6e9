"""Price an account: typed prices stay, missing prices come from the data set, nothing is invented.

Rules
-----
* A typed price (the user's, or a holdings file's price column) is kept and stated as
  :attr:`~core.data.prices.PriceSource.TYPED`, even when the data set has a price too.
* A ticker without a typed price takes the data set's price
  (:attr:`core.data.dataset.ReturnsDataset.prices`) with that price's source and date: the
  market close of DATE, the imported file's last row, or an illustrative price (synthetic data).
* A ticker with neither is an error (:class:`~core.errors.DataError`) that names the tickers. A
  returns-only data set has no prices, so every ticker then needs a typed price.
* When the data change, :func:`reprice_holdings` replaces the data-set prices and keeps the
  typed ones.

Prices are currency per share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from core.data.prices import LatestPrices, PricePoint, PriceSource
from core.errors import DataError
from core.rebalance.account import Holdings


def _missing_message(missing: list[str], data_prices: LatestPrices | None) -> str:
    names = ", ".join(missing)
    if data_prices is None:
        why = "the data set holds returns only, so it has no prices"
    else:
        why = "the data set has no price for them"
    return (
        f"No price for {names}: {why}. Type a price for "
        f"{'it' if len(missing) == 1 else 'each'}, or load market data (or a price file)."
    )


def price_holdings(
    shares: Mapping[str, float],
    *,
    typed_prices: Mapping[str, float] | None = None,
    data_prices: LatestPrices | None = None,
    cash: float = 0.0,
    cost_basis: Mapping[str, float] | None = None,
    also_price: Iterable[str] = (),
) -> Holdings:
    """:class:`Holdings` whose every price is typed or the data set's, with its source.

    Parameters
    ----------
    shares : mapping
        ``{ticker: shares held}``, shares >= 0.
    typed_prices : mapping, optional
        ``{ticker: price}`` typed by the user or read from a holdings file; kept as typed.
    data_prices : LatestPrices or None
        The data set's prices (``dataset.prices``); None for a returns-only data set.
    cash : float
        Uninvested cash, currency.
    cost_basis : mapping, optional
        ``{ticker: total cost}``.
    also_price : iterable of str
        Tickers not held that still need a price (ETFs the plan may buy: the targets).

    Raises
    ------
    DataError
        Some held or requested tickers have neither a typed nor a data-set price; the message
        names them and says to type a price or load market data.
    """
    typed = {str(t): float(p) for t, p in (typed_prices or {}).items()}
    wanted = list(dict.fromkeys([*map(str, shares), *map(str, also_price)]))
    prices: dict[str, float] = dict(typed)
    sources: dict[str, PricePoint] = {}
    missing = []
    for ticker in wanted:
        if ticker in typed:
            continue
        if data_prices is not None and ticker in data_prices:
            point = data_prices[ticker]
            prices[ticker] = point.price
            sources[ticker] = point
        else:
            missing.append(ticker)
    if missing:
        raise DataError(_missing_message(missing, data_prices))
    return Holdings(dict(shares), prices, cash, dict(cost_basis or {}), sources)


def reprice_holdings(
    holdings: Holdings, data_prices: LatestPrices | None, *, also_price: Iterable[str] = ()
) -> Holdings:
    """``holdings`` valued at new data: typed prices stay, data-set and illustrative prices are
    replaced by ``data_prices`` (a price from the old data is never carried over).

    Raises
    ------
    DataError
        A ticker held (or in ``also_price``) whose price came from the old data has none in the
        new data and was not typed.
    """
    typed = {
        t: p
        for t, p in holdings.prices.items()
        if holdings.price_point(t).source is PriceSource.TYPED
    }
    return price_holdings(
        holdings.positions,
        typed_prices=typed,
        data_prices=data_prices,
        cash=holdings.cash,
        cost_basis=holdings.cost_basis,
        also_price=also_price,
    )


def price_table(holdings: Holdings) -> pd.DataFrame:
    """One row per priced ticker: ticker, price, price_source (enum value), price_as_of (ISO or
    None) and price_label (the text of a trade row, e.g. "market close of 2026-07-31")."""
    rows = []
    for ticker in holdings.prices:
        point = holdings.price_point(ticker)
        rows.append(
            {
                "ticker": ticker,
                "price": point.price,
                "price_source": point.source.value,
                "price_as_of": point.as_of,
                "price_label": point.label,
            }
        )
    return pd.DataFrame(
        rows, columns=["ticker", "price", "price_source", "price_as_of", "price_label"]
    )
