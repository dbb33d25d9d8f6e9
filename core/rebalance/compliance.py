"""An account against its IPS, before and after the trades: one row per rule.

The rules and their wording are those of :func:`core.policy.validation.weight_rule_rows` (fully
invested, long only, max single ETF, asset-class ranges, ETF minimums and caps, group limits),
applied to the account's weights; plus the plan's cash buffer when it has one.

Conventions
-----------
* Weights are decimal fractions of the account value including cash; the account's uninvested
  cash counts in the cash asset class (as in :mod:`core.rebalance.drift`).
* ``shortfall`` is how far the post-trade value is outside the limit (0 when it passes): decimal
  weight for weight rules, currency for the cash buffer (``unit`` says which).
* The volatility and drawdown rules of the IPS are properties of the target portfolio (see the
  policy validation table), not hard limits of a trade list, so they are not repeated here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError
from core.policy.profile import IPSProfile
from core.policy.validation import TOLERANCE, ValidationRow, weight_rule_rows
from core.rebalance.account import CASH_LABEL, Holdings
from core.universe import Universe

WEIGHT, CURRENCY = "weight", "currency"


FRAME_COLUMNS: tuple[str, ...] = (
    "clause",
    "rule",
    "category",
    "limit",
    "unit",
    "current",
    "post_trade",
    "current_status",
    "post_trade_status",
    "shortfall",
    "comment",
)
"""Columns of :meth:`ComplianceTable.to_frame` (and of ``rebalancing_compliance.csv`` after
its profile, data mode and method columns)."""


@dataclass(frozen=True)
class ComplianceRow:
    """One rule, before and after trading (see the module docstring for units)."""

    rule: str
    category: str
    limit_text: str
    unit: str
    current: float
    post_trade: float
    current_passed: bool
    post_trade_passed: bool
    current_comment: str
    post_trade_comment: str
    shortfall: float
    current_margin: float = 0.0
    """How far the pre-trade value is inside the limit (negative: outside by that much), in
    ``unit``: the validation table's slack for weight rules, cash minus buffer for the buffer."""
    post_trade_margin: float = 0.0
    """The same after trading."""
    clause: str | None = None
    """The IPS clause the rule comes from (None: structural rules and the cash buffer)."""

    @property
    def status_change(self) -> str:
        """ "PASS", "FAIL", "FIXED" (failed before, passes after) or "BROKEN" (the reverse)."""
        if self.current_passed == self.post_trade_passed:
            return "PASS" if self.post_trade_passed else "FAIL"
        return "FIXED" if self.post_trade_passed else "BROKEN"

    @property
    def unmet_text(self) -> str:
        """The unmet limit in words, e.g. "SPY cap: 30.12% is above the 30.00% maximum by 0.12 pp"."""
        return f"{self.rule}: {self.post_trade_comment}"


@dataclass(frozen=True)
class ComplianceTable:
    """Every hard rule of the IPS (and the cash buffer) before and after the trades."""

    rows: tuple[ComplianceRow, ...]

    @property
    def current_passed(self) -> bool:
        """True when the account meets every rule before trading."""
        return all(r.current_passed for r in self.rows)

    @property
    def post_trade_passed(self) -> bool:
        return all(r.post_trade_passed for r in self.rows)

    @property
    def current_failures(self) -> tuple[ComplianceRow, ...]:
        return tuple(r for r in self.rows if not r.current_passed)

    @property
    def unmet(self) -> tuple[ComplianceRow, ...]:
        """Rules the post-trade account still breaks, with their shortfall."""
        return tuple(r for r in self.rows if not r.post_trade_passed)

    def row(self, rule: str) -> ComplianceRow:
        for item in self.rows:
            if item.rule == rule:
                return item
        raise KeyError(rule)

    def to_frame(self) -> pd.DataFrame:
        """Columns clause, rule, category, limit, unit, current, post_trade, current_status,
        post_trade_status (PASS / FAIL), shortfall, comment (the post-trade comment)."""
        columns = list(FRAME_COLUMNS)
        return pd.DataFrame(
            [
                {
                    "clause": r.clause or "",
                    "rule": r.rule,
                    "category": r.category,
                    "limit": r.limit_text,
                    "unit": r.unit,
                    "current": r.current,
                    "post_trade": r.post_trade,
                    "current_status": "PASS" if r.current_passed else "FAIL",
                    "post_trade_status": "PASS" if r.post_trade_passed else "FAIL",
                    "shortfall": r.shortfall,
                    "comment": r.post_trade_comment,
                }
                for r in self.rows
            ],
            columns=columns,
        )


def account_weights(holdings: Holdings, universe: Universe) -> tuple[np.ndarray, float]:
    """``(ETF weights in universe order, cash weight)``, decimal fractions of the account value.

    Raises
    ------
    DataError
        The account holds an ETF outside the universe (its policy limits are unknown), or is empty.
    """
    outside = [t for t, s in holdings.positions.items() if s > 0 and t not in universe.tickers]
    if outside:
        raise DataError(
            f"{', '.join(outside)} {'is' if len(outside) == 1 else 'are'} held but not in the "
            "universe, so the IPS limits cannot be checked: add the ETF to the universe or sell it."
        )
    weights = holdings.weights
    vector = np.array([float(weights.get(t, 0.0)) for t in universe.tickers])
    return vector, float(weights[CASH_LABEL])


def _shortfall(row: ValidationRow) -> float:
    return max(0.0, -row.slack) if not row.passed else 0.0


def compliance_table(
    before: Holdings,
    after: Holdings,
    profile: IPSProfile,
    universe: Universe,
    *,
    cash_asset_class: str = "Cash",
    cash_buffer: float = 0.0,
    tol: float = TOLERANCE,
) -> ComplianceTable:
    """The IPS rules on ``before`` and ``after`` (the post-trade holdings), paired row by row.

    Parameters
    ----------
    before, after : Holdings
        The account before and after trading.
    profile : IPSProfile
    universe : Universe
        Fixes the ETF order and the asset classes.
    cash_asset_class : str
        The class that holds the account's cash line.
    cash_buffer : float
        Cash the plan had to keep after trading, currency; a "Cash buffer" row when > 0.
    tol : float
        A weight rule passes when it is broken by at most ``tol`` (decimal weight).
    """
    cash_class = cash_asset_class if cash_asset_class in universe.asset_classes else None
    rows_by_state = []
    for holdings in (before, after):
        w, cash = account_weights(holdings, universe)
        rows_by_state.append(
            weight_rule_rows(
                w, profile, universe, cash_weight=cash, cash_asset_class=cash_class, tol=tol
            )
        )
    rows = [
        ComplianceRow(
            rule=now.rule,
            category=now.category,
            limit_text=now.limit_text,
            unit=WEIGHT,
            current=now.actual,
            post_trade=post.actual,
            current_passed=now.passed,
            post_trade_passed=post.passed,
            current_comment=now.comment,
            post_trade_comment=post.comment,
            shortfall=_shortfall(post),
            current_margin=now.margin,
            post_trade_margin=post.margin,
            clause=now.clause,
        )
        for now, post in zip(*rows_by_state, strict=True)
    ]
    if cash_buffer > 0:
        limit = f">= {cash_buffer:,.2f}"
        money_tol = 1e-6 * max(after.total_value, 1.0)

        def comment(cash: float) -> str:
            if cash >= cash_buffer - money_tol:
                return f"{cash:,.2f} cash keeps the {cash_buffer:,.2f} buffer"
            return f"{cash:,.2f} cash is below the {cash_buffer:,.2f} buffer by {cash_buffer - cash:,.2f}"

        rows.append(
            ComplianceRow(
                rule="Cash buffer (trade setting)",
                category="Trade",
                limit_text=limit,
                unit=CURRENCY,
                current=before.cash,
                post_trade=after.cash,
                current_passed=before.cash >= cash_buffer - money_tol,
                post_trade_passed=after.cash >= cash_buffer - money_tol,
                current_comment=comment(before.cash),
                post_trade_comment=comment(after.cash),
                shortfall=max(0.0, cash_buffer - after.cash)
                if after.cash < cash_buffer - money_tol
                else 0.0,
                current_margin=before.cash - cash_buffer,
                post_trade_margin=after.cash - cash_buffer,
            )
        )
    return ComplianceTable(tuple(rows))
