"""Rebalancing: an account's holdings, its drift from the policy targets, and the trades back.

* :mod:`core.rebalance.cells` reads typed and pasted cells (numbers, %, thousands separators).
* :mod:`core.rebalance.holdings` holds :class:`Holdings` and reads holdings tables and files.
* :mod:`core.rebalance.drift` measures drift by ETF and asset class against the bands.
* :mod:`core.rebalance.trades` finds cash-balanced whole-share trades (``scipy.optimize.milp``).
"""

from __future__ import annotations

from core.rebalance.cells import CellProblem, HoldingsInputError, parse_number, parse_pasted_block
from core.rebalance.drift import ClassDrift, DriftReport, EtfDrift, drift_report, effective_band
from core.rebalance.holdings import (
    CASH_LABEL,
    Holdings,
    demo_holdings,
    load_holdings_file,
    parse_holdings_table,
    synthetic_price_levels,
)
from core.rebalance.trades import (
    ContinuousSolution,
    RebalanceMethod,
    RebalancePlan,
    TradeAction,
    TradeLine,
    rebalance,
)

__all__ = [
    "CASH_LABEL",
    "CellProblem",
    "ClassDrift",
    "ContinuousSolution",
    "DriftReport",
    "EtfDrift",
    "Holdings",
    "HoldingsInputError",
    "RebalanceMethod",
    "RebalancePlan",
    "TradeAction",
    "TradeLine",
    "demo_holdings",
    "drift_report",
    "effective_band",
    "load_holdings_file",
    "parse_holdings_table",
    "parse_number",
    "parse_pasted_block",
    "rebalance",
    "synthetic_price_levels",
]
