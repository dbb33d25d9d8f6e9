"""Read-only tables of the Rebalancing tab: drift against the bands and the trade list.

The frames come from core (:meth:`DriftReport.to_frame`, :func:`core.report.rebalance_tables.
rebalancing_trades`, the same table as ``rebalancing_trades.csv``); this module only arranges
them for display and colours the flags (breaches red, BUY green, SELL red).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import QModelIndex, QPersistentModelIndex

from app.kit import formatting as fmt
from app.kit.dataframe_model import ColumnSpec, DataFrameModel
from core.rebalance import CASH_LABEL, DriftReport, RebalancePlan, effective_band

Index = QModelIndex | QPersistentModelIndex

BREACH_TEXT = "⚠ breach"
CASH_CLASS = "Cash"  # the class the account's cash counts in (core.rebalance.drift_report default)
BAND_HELP = (
    "Band: the drift allowed before a breach, min(absolute band, relative band x target) "
    "for an ETF, the class band for an asset class."
)


def _signed_percent(value: Any) -> str:
    if fmt.is_missing(value):
        return fmt.MISSING
    shown = round(float(value) * 100, 2)
    return f"{shown:+.2f} pp" if shown else "0.00 pp"


def _breach_style(value: Any) -> str | None:
    return "fail" if isinstance(value, str) and value.startswith("⚠") else None


def _action_style(value: Any) -> str | None:
    return {"BUY": "pass", "SELL": "fail"}.get(value) if isinstance(value, str) else None


DRIFT_SPECS = (
    ColumnSpec("current_weight", "Current", fmt.PERCENT, decimals=2),
    ColumnSpec("target_weight", "Target", fmt.PERCENT, decimals=2),
    ColumnSpec(
        "drift",
        "Drift",
        fmt.PERCENT,
        formatter=_signed_percent,
        tooltip="Current weight minus target, percentage points",
    ),
    ColumnSpec(
        "relative_drift",
        "Rel. drift",
        fmt.PERCENT,
        decimals=0,
        tooltip="Drift as a share of the target (relative band)",
    ),
    ColumnSpec("band", "Band ±", fmt.PERCENT, decimals=2, tooltip=BAND_HELP),
    ColumnSpec(
        "breach",
        "Breach",
        tooltip="Which band the drift is beyond: abs(olute), rel(ative, a share of the "
        "target), off target (held, target 0), class band",
        style=_breach_style,
    ),
)

TRADE_SPECS = (
    ColumnSpec("ticker", "Ticker"),
    ColumnSpec("current_weight", "Current", fmt.PERCENT, decimals=2),
    ColumnSpec("target_weight", "Target", fmt.PERCENT, decimals=2),
    ColumnSpec("drift", "Drift", fmt.PERCENT, formatter=_signed_percent),
    ColumnSpec("breach", "Breach", style=_breach_style),
    ColumnSpec("trade_direction", "Action", style=_action_style),
    ColumnSpec("trade_shares", "Shares", fmt.COUNT),
    ColumnSpec(
        "trade_notional",
        "Notional",
        fmt.CURRENCY,
        tooltip="Traded value; on CASH the change in cash",
    ),
    ColumnSpec("estimated_transaction_cost", "Est. cost", fmt.CURRENCY),
    ColumnSpec("post_trade_weight", "Post-trade", fmt.PERCENT, decimals=2),
    ColumnSpec(
        "continuous_trade_shares",
        "Fractional\nshares",
        fmt.RATIO,
        formatter=lambda v: fmt.MISSING if fmt.is_missing(v) else f"{v:+,.2f}",
        tooltip="The continuous (fractional-share) solution of the same model: signed shares",
    ),
    ColumnSpec(
        "continuous_post_trade_weight",
        "Fractional\npost-trade",
        fmt.PERCENT,
        decimals=2,
        tooltip="Post-trade weight of the fractional-share solution",
    ),
)


def breach_text(absolute: bool, relative: bool, off_target: bool) -> str:
    """``"⚠ abs + rel"``: which bands an ETF's drift is beyond (empty inside them)."""
    kinds = [
        name
        for name, hit in (("abs", absolute), ("rel", relative), ("off target", off_target))
        if hit
    ]
    return f"⚠ {' + '.join(kinds)}" if kinds else ""


def drift_frame(report: DriftReport) -> tuple[pd.DataFrame, list[str], set[int]]:
    """Each asset class (bold) followed by its ETFs; the uninvested cash under the cash class.

    Returns the frame (columns of :data:`DRIFT_SPECS`), row labels and the class rows.
    """
    etfs = report.to_frame().set_index("ticker")
    rows, labels, bold = [], [], set()
    for cls in report.classes:
        bold.add(len(rows))
        labels.append(cls.asset_class)
        rows.append(
            {
                "current_weight": cls.current_weight,
                "target_weight": cls.target_weight,
                "drift": cls.drift,
                "relative_drift": cls.drift / cls.target_weight if cls.target_weight else None,
                "band": cls.band,
                "breach": "⚠ class band" if cls.breach else "",
            }
        )
        for ticker in etfs.index[etfs["asset_class"] == cls.asset_class]:
            e = etfs.loc[ticker]
            labels.append(f"    {ticker}")
            rows.append(
                {
                    "current_weight": e.current_weight,
                    "target_weight": e.target_weight,
                    "drift": e.drift,
                    "relative_drift": e.relative_drift,
                    "band": effective_band(float(e.target_weight), report.bands),
                    "breach": breach_text(
                        bool(e.absolute_breach), bool(e.relative_breach), bool(e.off_target)
                    ),
                }
            )
        if cls.asset_class == CASH_CLASS:
            labels.append("    Cash (uninvested)")
            rows.append(
                {
                    "current_weight": report.cash_weight,
                    "target_weight": 0.0,
                    "drift": report.cash_weight,
                    "relative_drift": None,
                    "band": None,
                    "breach": "",
                }
            )
    return pd.DataFrame(rows, columns=[s.key for s in DRIFT_SPECS]), labels, bold


def empty_drift_frame() -> pd.DataFrame:
    return pd.DataFrame({s.key: [] for s in DRIFT_SPECS})


def trades_frame(plan: RebalancePlan, trades: pd.DataFrame) -> pd.DataFrame:
    """``trades`` (the plan's ``rebalancing_trades.csv`` list, built by the worker) for display,
    with the fractional solution's post-trade weight."""
    frame = trades.copy()
    frame["breach"] = [BREACH_TEXT if flag else "" for flag in frame["drift_breach_flag"]]
    frame["continuous_post_trade_weight"] = frame["ticker"].map(plan.continuous.post_trade_weights)
    frame.loc[frame["ticker"] == CASH_LABEL, "trade_direction"] = ""
    return frame


def _status_style(value: Any) -> str | None:
    return {"PASS": "pass", "FAIL": "fail"}.get(value) if isinstance(value, str) else None


def _limit_value(value: Any) -> str:
    """A compliance value: a weight in percent (the cash buffer row is in dollars, > 1)."""
    if fmt.is_missing(value):
        return fmt.MISSING
    number = float(value)
    return f"${number:,.0f}" if abs(number) > 1.5 else f"{number:.2%}"


COMPLIANCE_SPECS = (
    ColumnSpec("rule", "Rule"),
    ColumnSpec("limit", "Limit"),
    ColumnSpec("current", "Current", fmt.PERCENT, formatter=_limit_value),
    ColumnSpec(
        "current_status",
        "Now",
        style=_status_style,
        tooltip="The account as held, before any trade",
    ),
    ColumnSpec("post_trade", "Post-trade", fmt.PERCENT, formatter=_limit_value),
    ColumnSpec(
        "post_trade_status",
        "After",
        style=_status_style,
        tooltip="The account after the trades of the plan",
    ),
    ColumnSpec("comment", "Comment (after the trades)"),
)
"""The plan's compliance table (:meth:`core.rebalance.compliance.ComplianceTable.to_frame`):
every hard IPS limit before and after the trades, as in the workbook and the memo."""


def compliance_model(parent: Any = None) -> DataFrameModel:
    return DataFrameModel(parent=parent)


def drift_model(parent: Any = None) -> DataFrameModel:
    return DataFrameModel(parent=parent)


def trades_model(parent: Any = None) -> DataFrameModel:
    return DataFrameModel(parent=parent)
