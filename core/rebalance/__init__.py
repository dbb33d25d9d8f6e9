"""Rebalancing: an account's holdings, its drift from the policy targets, and the trades back.

* :mod:`core.rebalance.cells` reads typed and pasted cells (numbers, %, thousands separators).
* :mod:`core.rebalance.account` holds :class:`Holdings`; :mod:`core.rebalance.holdings` reads
  holdings tables and files (CSV, XLSX) and the bundled demo account (and re-exports Holdings).
* :mod:`core.rebalance.drift` measures drift by ETF and asset class against the bands.
* :mod:`core.rebalance.trades` finds cash-balanced whole-share trades (``scipy.optimize.milp``,
  the program itself in :mod:`core.rebalance.trade_model`); :mod:`core.rebalance.plan` holds
  the result types.
"""

from __future__ import annotations

from core.rebalance.account import CASH_LABEL, Holdings
from core.rebalance.cells import CellProblem, HoldingsInputError, parse_number, parse_pasted_block
from core.rebalance.drift import (
    ClassDrift,
    DriftReport,
    EtfDrift,
    drift_report,
    effective_band,
    rebalance_targets,
)
from core.rebalance.holdings import demo_holdings, load_holdings_file, parse_holdings_table
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
    "rebalance_targets",
    "parse_pasted_block",
    "rebalance",
]
