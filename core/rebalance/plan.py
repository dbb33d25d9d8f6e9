"""The result types of rebalancing: the method, each ETF's trade line, the plan and its totals.

Weights are decimal fractions of the account value including cash; amounts are in the account's
currency; share counts are signed on a :class:`TradeLine` (+ buy, - sell).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import pandas as pd

from core.data.prices import PricePoint, PriceSource
from core.rebalance.account import Holdings
from core.rebalance.compliance import ComplianceTable
from core.rebalance.drift import DriftReport


class RebalanceMethod(str, Enum):
    """How far to trade: all the way to the targets, or only back to the band edges."""

    TO_TARGET = "to_target"
    TO_BAND_EDGE = "to_band_edge"


class TradeAction(str, Enum):
    BUY = "BUY"
    SELL = "SELL"
    HOLD = "HOLD"


@dataclass(frozen=True)
class TradeLine:
    """One ETF of a plan. ``shares`` are signed (+ buy, - sell); weights decimal; amounts currency.

    ``price_source`` says where ``price`` came from (market close of DATE, imported file, typed,
    illustrative); a line built without one counts its price as typed.
    """

    ticker: str
    asset_class: str
    price: float
    current_shares: float
    current_weight: float
    target_weight: float
    breach: bool
    shares: float
    estimated_cost: float
    post_trade_shares: float
    post_trade_weight: float
    continuous_shares: float
    price_source: PricePoint | None = None

    @property
    def price_point(self) -> PricePoint:
        """The price with its source (typed when the line records none)."""
        if self.price_source is not None:
            return self.price_source
        return PricePoint(self.price, PriceSource.TYPED)

    @property
    def drift(self) -> float:
        return self.current_weight - self.target_weight

    @property
    def action(self) -> TradeAction:
        if self.shares > 0:
            return TradeAction.BUY
        return TradeAction.SELL if self.shares < 0 else TradeAction.HOLD

    @property
    def notional(self) -> float:
        """Signed traded value, shares x price (+ buy), currency, before costs."""
        return self.shares * self.price


@dataclass(frozen=True)
class ContinuousSolution:
    """The fractional-share solution of the same model (signed shares, weights incl. ``CASH``)."""

    shares: pd.Series
    post_trade_weights: pd.Series
    cash_after: float
    total_cost: float


@dataclass(frozen=True)
class RebalancePlan:
    """A cash-balanced trade list with its totals (amounts in currency, weights decimal).

    Attributes
    ----------
    lines : tuple of TradeLine
        One per ETF: the targets in their order, then ETFs held without a target.
    value_before : float
        Account value (positions + cash) before the contribution and trading.
    cash_before, cash_after : float
        Cash before the contribution, and after contribution, trades and costs.
    contribution : float
        Cash added (negative: withdrawn) before trading.
    cash_buffer : float
        Cash that had to stay after trading, currency (the larger of the two buffer inputs).
    drift, post_trade_drift : DriftReport
        Drift before and after the trades, by the same rules.
    post_trade_holdings : Holdings
        Shares and cash after trading; its weights add up to 1.
    continuous : ContinuousSolution
        The fractional-share solution of the same model.
    compliance : ComplianceTable or None
        Every hard IPS rule before and after the trades (None when no profile was given).
    limits_relaxed : bool
        True when whole shares, the minimum trade or the buffer made the hard limits impossible
        and the elastic program was solved; :attr:`unmet_limits` then says what is not met.
    """

    method: RebalanceMethod
    lines: tuple[TradeLine, ...]
    value_before: float
    cash_before: float
    contribution: float
    cash_buffer: float
    cash_after: float
    whole_shares: bool
    min_trade_value: float
    drift: DriftReport
    post_trade_drift: DriftReport
    post_trade_holdings: Holdings
    continuous: ContinuousSolution
    compliance: ComplianceTable | None = None
    limits_relaxed: bool = False

    @property
    def breaks_policy_before(self) -> bool:
        """True when the account breaks a hard IPS rule before trading (even inside its bands)."""
        return self.compliance is not None and not self.compliance.current_passed

    @property
    def unmet_limits(self) -> tuple[str, ...]:
        """Each hard rule the post-trade account still breaks, with its shortfall, in words."""
        if self.compliance is None:
            return ()
        return tuple(row.unmet_text for row in self.compliance.unmet)

    @property
    def trades(self) -> tuple[TradeLine, ...]:
        return tuple(line for line in self.lines if line.action is not TradeAction.HOLD)

    @property
    def total_cost(self) -> float:
        return float(sum(line.estimated_cost for line in self.lines))

    @property
    def buys_value(self) -> float:
        return float(sum(line.notional for line in self.lines if line.shares > 0))

    @property
    def sells_value(self) -> float:
        return float(-sum(line.notional for line in self.lines if line.shares < 0))

    @property
    def turnover(self) -> float:
        """Two-sided turnover: (buys + sells) / value before trading and before the contribution."""
        return (
            (self.buys_value + self.sells_value) / self.value_before
            if self.value_before > 0
            else 0.0
        )

    @property
    def one_sided_turnover(self) -> float:
        """min(buys, sells) / value before trading (the mutual-fund convention; flows excluded)."""
        return (
            min(self.buys_value, self.sells_value) / self.value_before
            if self.value_before > 0
            else 0.0
        )

    @property
    def value_after(self) -> float:
        return self.post_trade_holdings.total_value

    @property
    def post_trade_weights(self) -> pd.Series:
        """Decimal weights after trading, ETFs then ``CASH``; they add up to 1."""
        return self.post_trade_holdings.weights

    def to_frame(self) -> pd.DataFrame:
        """One row per ETF with the columns of the trade list (see :mod:`core.report.rebalance_tables`)."""
        return pd.DataFrame(
            [
                {
                    "ticker": line.ticker,
                    "asset_class": line.asset_class,
                    "price": line.price,
                    "price_source": line.price_point.label,
                    "current_shares": line.current_shares,
                    "current_weight": line.current_weight,
                    "target_weight": line.target_weight,
                    "drift": line.drift,
                    "drift_breach_flag": line.breach,
                    "trade_direction": line.action.value,
                    "trade_shares": abs(line.shares),
                    "trade_notional": abs(line.notional),
                    "estimated_transaction_cost": line.estimated_cost,
                    "post_trade_shares": line.post_trade_shares,
                    "post_trade_weight": line.post_trade_weight,
                    "continuous_trade_shares": line.continuous_shares,
                }
                for line in self.lines
            ]
        )
