"""An account's holdings: shares, prices and cash, with market values and weights.

Units: shares are counts (fractional allowed, never negative); prices, cash, market values and
cost basis are amounts in the account's currency; weights are decimal fractions of the total
account value **including the cash line** (they add up to 1).

Cost basis is the total cost of a position as brokers report it (not per share). Reading
holdings from tables and files is :mod:`core.rebalance.holdings`, which re-exports this class;
pricing an account from typed prices and a data set's prices is :mod:`core.rebalance.pricing`.

Every price has a source (:class:`~core.data.prices.PricePoint`): ``price_sources`` records
the prices that came from a data set or are illustrative; a price without a record there was
typed (by the user or in a holdings file's price column).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from core.data.prices import PricePoint, PriceSource
from core.errors import DataError

CASH_LABEL = "CASH"


def _frozen_floats(values: Mapping[str, float] | None) -> dict[str, float]:
    return {str(k): float(v) for k, v in (values or {}).items()}


MAX_PRICE = 10_000_000.0
"""The highest price a share may have (the dearest listed share trades near $1M)."""
MAX_VALUE = 1e13
"""The largest market value a position, the cash line or the account may have ($10 trillion):
anything above is a typing slip (1e308 shares made the account "$inf" and broke every chart)."""


def check_plausible(
    positions: Mapping[str, float], prices: Mapping[str, float], cash: float
) -> None:
    """Raise :class:`DataError` naming the position whose price or value is not a plausible
    amount (finite, price at most :data:`MAX_PRICE`, value at most :data:`MAX_VALUE`)."""
    for ticker, price in prices.items():
        if price > MAX_PRICE:
            raise DataError(
                f"{ticker}: a price of {price:,.6g} is not plausible (more than "
                f"${MAX_PRICE:,.0f} a share); check the price."
            )
    total = cash
    for ticker, shares in positions.items():
        value = shares * prices.get(ticker, 0.0)
        if not math.isfinite(value) or value > MAX_VALUE:
            raise DataError(
                f"{ticker}: {shares:,.6g} shares at {prices.get(ticker, 0.0):,.6g} are worth more "
                f"than ${MAX_VALUE:,.0f}; check the number of shares."
            )
        total += value
    if cash > MAX_VALUE or total > MAX_VALUE:
        raise DataError(
            f"The account is worth more than ${MAX_VALUE:,.0f}; check the shares, prices and cash."
        )


@dataclass(frozen=True)
class Holdings:
    """Positions of one account at given prices.

    Attributes
    ----------
    positions : dict
        ``{ticker: shares}``; shares >= 0, fractional allowed. Order is the display order.
    prices : dict
        ``{ticker: price}``; price > 0, currency per share. Needed for every position; may also
        hold prices of ETFs not yet held (so they can be bought).
    cash : float
        Uninvested cash, currency, >= 0.
    cost_basis : dict
        ``{ticker: total cost}`` for the positions where it is known, currency.
    price_sources : dict
        ``{ticker: PricePoint}`` for prices that were not typed (market close, imported file,
        illustrative); each point's price equals ``prices[ticker]``.

    The dicts are the holdings' own copies and are never changed in place (make a new
    ``Holdings``, e.g. :meth:`with_prices`): :attr:`invested_value` is computed once.
    """

    positions: dict[str, float]
    prices: dict[str, float]
    cash: float = 0.0
    cost_basis: dict[str, float] = field(default_factory=dict)
    price_sources: dict[str, PricePoint] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "positions", _frozen_floats(self.positions))
        object.__setattr__(self, "prices", _frozen_floats(self.prices))
        object.__setattr__(self, "cost_basis", _frozen_floats(self.cost_basis))
        object.__setattr__(self, "cash", float(self.cash))
        for ticker, shares in self.positions.items():
            if not math.isfinite(shares) or shares < 0:
                raise DataError(f"{ticker}: {shares!r} shares; enter 0 or more shares.")
            if ticker not in self.prices:
                raise DataError(f"{ticker} has no price: type one in or supply a default price.")
        for ticker, price in self.prices.items():
            if not math.isfinite(price) or price <= 0:
                raise DataError(f"{ticker}: price {price!r}; a price must be a positive number.")
        if not math.isfinite(self.cash) or self.cash < 0:
            raise DataError(f"Cash is {self.cash!r}; enter a cash balance of 0 or more.")
        check_plausible(self.positions, self.prices, self.cash)
        if CASH_LABEL in self.positions:
            raise DataError(f"'{CASH_LABEL}' is the cash line, not a position: give it as cash.")
        object.__setattr__(self, "price_sources", dict(self.price_sources or {}))
        for ticker, point in self.price_sources.items():
            given = self.prices.get(ticker)
            if given is None or abs(point.price - given) > 1e-12 * max(given, 1.0):
                raise DataError(
                    f"{ticker}: the recorded price source ({point.label}, {point.price!r}) does "
                    f"not match the price {given!r}; set the price and its source together."
                )

    # -- derived ---------------------------------------------------------------------------
    @property
    def tickers(self) -> tuple[str, ...]:
        return tuple(self.positions)

    @property
    def market_values(self) -> pd.Series:
        """Shares x price per position, currency; index tickers."""
        return pd.Series(
            {t: s * self.prices[t] for t, s in self.positions.items()},
            dtype=float,
            name="market_value",
        )

    @cached_property
    def invested_value(self) -> float:
        """Sum of the market values, currency (computed once: the holdings are frozen)."""
        return float(self.market_values.sum())

    @property
    def total_value(self) -> float:
        """Market value of every position plus cash, currency."""
        return self.invested_value + self.cash

    @property
    def weights(self) -> pd.Series:
        """Decimal weights of each position and of the cash line (last, labelled ``CASH``); sum 1."""
        total = self.total_value
        if total <= 0:
            raise DataError(
                "The account is empty (no positions with value and no cash): enter holdings."
            )
        values = {t: s * self.prices[t] for t, s in self.positions.items()}
        values[CASH_LABEL] = self.cash
        return pd.Series(values, dtype=float, name="weight") / total

    @property
    def unrealized_gain(self) -> pd.Series:
        """Market value minus cost basis for positions with a known basis, currency."""
        values = self.market_values
        return pd.Series(
            {t: values[t] - b for t, b in self.cost_basis.items() if t in values}, dtype=float
        )

    def price_point(self, ticker: str) -> PricePoint:
        """The price of ``ticker`` with its source (:attr:`PriceSource.TYPED` when none is recorded)."""
        recorded = self.price_sources.get(ticker)
        if recorded is not None:
            return recorded
        if ticker not in self.prices:
            raise DataError(f"{ticker} has no price: type one in or load market data.")
        return PricePoint(self.prices[ticker], PriceSource.TYPED)

    def with_prices(self, prices: Mapping[str, float]) -> Holdings:
        """A copy whose prices are updated from ``prices`` (other prices kept); the new prices
        count as typed."""
        sources = {t: p for t, p in self.price_sources.items() if t not in prices}
        return Holdings(
            self.positions, {**self.prices, **prices}, self.cash, self.cost_basis, sources
        )

    def to_frame(self) -> pd.DataFrame:
        """Columns ticker, shares, price, market_value, weight, cost_basis; the cash line last."""
        weights = self.weights if self.total_value > 0 else None
        rows = [
            {
                "ticker": t,
                "shares": s,
                "price": self.prices[t],
                "market_value": s * self.prices[t],
                "weight": float(weights[t]) if weights is not None else math.nan,
                "cost_basis": self.cost_basis.get(t, math.nan),
            }
            for t, s in self.positions.items()
        ]
        rows.append(
            {
                "ticker": CASH_LABEL,
                "shares": math.nan,
                "price": math.nan,
                "market_value": self.cash,
                "weight": float(weights[CASH_LABEL]) if weights is not None else math.nan,
                "cost_basis": math.nan,
            }
        )
        return pd.DataFrame(rows)
