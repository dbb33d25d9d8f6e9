"""Tables of a rebalancing plan: ``rebalancing_trades.csv`` and its one-row summary.

Column conventions: weights and drift are decimals (0.05 = 5 pp); ``price_source`` says where
each price came from ("market close of 2026-07-31", "imported file prices.csv, 2026-07-31",
"typed", "illustrative"); ``trade_shares`` and ``trade_notional`` are unsigned (the direction
says which way), ``continuous_trade_shares`` is
signed (+ buy); amounts are in the account's currency. The last row is the cash line
(ticker ``CASH``): its ``trade_notional`` is the change in cash, so ``current_weight`` and
``post_trade_weight`` each add up to 1 over the file.
"""

from __future__ import annotations

import math

import pandas as pd

from core.data.dataset import DataMode
from core.rebalance.compliance import FRAME_COLUMNS
from core.rebalance.holdings import CASH_LABEL
from core.rebalance.plan import RebalancePlan

TRADE_COLUMNS: tuple[str, ...] = (
    "profile_name",
    "data_mode",
    "method",
    "ticker",
    "asset_class",
    "price",
    "price_source",
    "current_shares",
    "current_value",
    "current_weight",
    "target_weight",
    "drift",
    "drift_breach_flag",
    "trade_direction",
    "trade_shares",
    "trade_notional",
    "estimated_transaction_cost",
    "post_trade_shares",
    "post_trade_weight",
    "continuous_trade_shares",
)


def _mode_label(data_mode: DataMode | str | None) -> str:
    if data_mode is None:
        return ""
    return data_mode.value if isinstance(data_mode, DataMode) else str(data_mode)


def rebalancing_trades(
    plan: RebalancePlan, *, profile_name: str, data_mode: DataMode | str | None = None
) -> pd.DataFrame:
    """The trade list, one row per ETF plus the cash line, columns :data:`TRADE_COLUMNS`.

    Parameters
    ----------
    plan : RebalancePlan
    profile_name : str
        The IPS profile whose targets were used.
    data_mode : DataMode, str or None
        Mode of the data behind the targets (written on every row; empty when None).
    """
    mode = _mode_label(data_mode)
    lines = plan.to_frame()  # the per-ETF columns, defined once in RebalancePlan.to_frame
    lines.insert(0, "method", plan.method.value)
    lines.insert(0, "data_mode", mode)
    lines.insert(0, "profile_name", profile_name)
    lines.insert(
        lines.columns.get_loc("current_weight"), "current_value", lines.current_shares * lines.price
    )
    rows = lines.to_dict("records")
    cash_before = plan.drift.cash_weight
    cash_after = float(plan.post_trade_weights[CASH_LABEL])
    rows.append(
        {
            "profile_name": profile_name,
            "data_mode": mode,
            "method": plan.method.value,
            "ticker": CASH_LABEL,
            "asset_class": "",
            "price": math.nan,
            "price_source": "",
            "current_shares": math.nan,
            "current_value": plan.cash_before,
            "current_weight": cash_before,
            "target_weight": 0.0,
            "drift": cash_before,
            "drift_breach_flag": False,
            "trade_direction": "",
            "trade_shares": math.nan,
            "trade_notional": plan.cash_after - plan.cash_before,
            "estimated_transaction_cost": 0.0,
            "post_trade_shares": math.nan,
            "post_trade_weight": cash_after,
            "continuous_trade_shares": math.nan,
        }
    )
    return pd.DataFrame(rows, columns=list(TRADE_COLUMNS))


def rebalancing_summary(
    plan: RebalancePlan, *, profile_name: str, data_mode: DataMode | str | None = None
) -> pd.DataFrame:
    """One row of totals: values, cash before/after, buys, sells, turnover (both ways), costs, breaches."""
    return pd.DataFrame(
        [
            {
                "profile_name": profile_name,
                "data_mode": _mode_label(data_mode),
                "method": plan.method.value,
                "whole_shares": plan.whole_shares,
                "value_before": plan.value_before,
                "contribution": plan.contribution,
                "value_after": plan.value_after,
                "cash_before": plan.cash_before,
                "cash_after": plan.cash_after,
                "cash_buffer": plan.cash_buffer,
                "min_trade_value": plan.min_trade_value,
                "buys_value": plan.buys_value,
                "sells_value": plan.sells_value,
                "turnover_two_sided": plan.turnover,
                "turnover_one_sided": plan.one_sided_turnover,
                "total_transaction_cost": plan.total_cost,
                "trades": len(plan.trades),
                "breaches_before": len(plan.drift.breaches) + len(plan.drift.class_breaches),
                "breaches_after": len(plan.post_trade_drift.breaches)
                + len(plan.post_trade_drift.class_breaches),
                "policy_breaches_before": len(plan.compliance.current_failures)
                if plan.compliance is not None
                else math.nan,
                "policy_breaches_after": len(plan.compliance.unmet)
                if plan.compliance is not None
                else math.nan,
                "limits_relaxed": plan.limits_relaxed,
                "continuous_cash_after": plan.continuous.cash_after,
                "continuous_total_cost": plan.continuous.total_cost,
            }
        ]
    )


COMPLIANCE_COLUMNS: tuple[str, ...] = ("profile_name", "data_mode", "method", *FRAME_COLUMNS)
"""Columns of ``rebalancing_compliance.csv``: every hard IPS rule before and after the trades.
``current``/``post_trade``/``shortfall`` are decimal weights, or currency when ``unit`` is
"currency" (the cash buffer); the rule wording is that of the policy validation table."""


def rebalancing_compliance(
    plan: RebalancePlan, *, profile_name: str, data_mode: DataMode | str | None = None
) -> pd.DataFrame:
    """The plan's compliance table (:class:`core.rebalance.compliance.ComplianceTable`), one
    row per rule, columns :data:`COMPLIANCE_COLUMNS`; empty when the plan has no profile."""
    if plan.compliance is None:
        return pd.DataFrame(columns=list(COMPLIANCE_COLUMNS))
    frame = plan.compliance.to_frame()
    frame.insert(0, "method", plan.method.value)
    frame.insert(0, "data_mode", _mode_label(data_mode))
    frame.insert(0, "profile_name", profile_name)
    return frame[list(COMPLIANCE_COLUMNS)]
