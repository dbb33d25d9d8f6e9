"""Check a portfolio against every rule of its IPS profile.

One row per rule: fully invested, long only, max single ETF, each asset-class range, each
ETF minimum and cap, each group limit, the volatility target (ex-ante, annualized, from the
covariance estimate in use) and the drawdown tolerance (historical, on the sample's monthly
wealth path). ``slack`` is the distance to the nearest limit in weight or return units:
positive inside the limit, negative when breached. A rule passes when ``slack >= -tol``.

Each row names the IPS clause it checks (``clause``, e.g. ``"4.1"``; None for the structural
rules, fully invested and long only). The table's frame reads clause, rule, limit, actual,
margin (the slack), PASS/FAIL.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.policy.clauses import ClauseKind as K
from core.policy.clauses import clause_id, group_subjects
from core.policy.profile import IPSProfile
from core.universe import Universe

TOLERANCE = 1e-6


@dataclass(frozen=True)
class ValidationRow:
    rule: str
    category: str
    limit_text: str
    actual: float
    slack: float
    passed: bool
    comment: str
    limit: float | None = None
    """The limit nearest to ``actual`` (decimal; for the drawdown rule the tolerance as a positive
    loss), so that ``slack`` is ``limit - actual`` for a maximum, ``actual - limit`` for a minimum."""
    clause: str | None = None
    """The IPS clause this rule comes from (:mod:`core.policy.clauses`), None if structural."""

    @property
    def margin(self) -> float:
        """The slack: distance to the limit, positive inside, negative when breached. Rounding
        residue (below 1e-12, e.g. -1.1e-16 for a weight summed to its floor) is 0, so a rule at
        its limit never reads "-0.00%" in a table or the workbook."""
        return 0.0 if abs(self.slack) < 1e-12 else self.slack


FRAME_COLUMNS = ("clause", "rule", "category", "limit", "actual", "margin", "pass_fail", "comment")
"""Columns of :meth:`ValidationReport.to_frame` (``constraints_validation.csv``)."""


@dataclass(frozen=True)
class ValidationReport:
    rows: tuple[ValidationRow, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows)

    @property
    def failures(self) -> tuple[ValidationRow, ...]:
        return tuple(r for r in self.rows if not r.passed)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "clause": r.clause or "",
                    "rule": r.rule,
                    "category": r.category,
                    "limit": r.limit_text,
                    "actual": r.actual,
                    "margin": r.margin,
                    "pass_fail": "PASS" if r.passed else "FAIL",
                    "comment": r.comment,
                }
                for r in self.rows
            ],
            columns=list(FRAME_COLUMNS),
        )

    def by_clause(self) -> dict[str, ValidationRow]:
        """``{clause id: row}`` for the rows that come from a clause."""
        return {r.clause: r for r in self.rows if r.clause}


def _p(x: float) -> str:
    return f"{x:.2%}"


def _range_row(
    rule: str,
    category: str,
    actual: float,
    lo: float | None,
    hi: float | None,
    tol: float,
    clause: str | None = None,
) -> ValidationRow:
    slacks = []
    if lo is not None:
        slacks.append(actual - lo)
    if hi is not None:
        slacks.append(hi - actual)
    slack = min(slacks)
    nearest = (lo if slack == slacks[0] else hi) if lo is not None else hi
    passed = slack >= -tol
    if lo is not None and hi is not None:
        limit = f"{_p(lo)} to {_p(hi)}"
    elif lo is not None:
        limit = f">= {_p(lo)}"
    else:
        assert hi is not None  # a range row has at least one bound
        limit = f"<= {_p(hi)}"
    if passed:
        if lo is not None and hi is not None:
            comment = f"{_p(actual)} is within {limit}"
        elif lo is not None:
            comment = f"{_p(actual)} meets the {_p(lo)} minimum"
        else:
            assert hi is not None  # one of the two bounds is given
            comment = f"{_p(actual)} is within the {_p(hi)} maximum"
        if abs(slack) <= 1e-4:
            comment += " (at the limit)"
    elif lo is not None and actual < lo - tol:
        comment = f"{_p(actual)} is below the {_p(lo)} minimum by {(lo - actual) * 100:.2f} pp"
    else:
        assert hi is not None  # failing and not below the minimum: above the maximum
        comment = f"{_p(actual)} is above the {_p(hi)} maximum by {(actual - hi) * 100:.2f} pp"
    return ValidationRow(rule, category, limit, actual, slack, passed, comment, nearest, clause)


def weight_rule_rows(
    weights: np.ndarray,
    profile: IPSProfile,
    universe: Universe,
    *,
    cash_weight: float = 0.0,
    cash_asset_class: str | None = None,
    tol: float = TOLERANCE,
) -> list[ValidationRow]:
    """The weight rules of ``profile``: fully invested, long only, max single ETF, asset-class
    ranges, ETF minimums and caps, group limits (in that order, one row each).

    Parameters
    ----------
    weights : ndarray, shape (n,)
        Decimal ETF weights in universe order.
    cash_weight : float
        Uninvested cash of an account, decimal weight (0 for a model portfolio): it counts in
        the fully-invested total and in ``cash_asset_class``'s allocation.
    cash_asset_class : str, optional
        The asset class that holds the account's cash line.
    """
    w = np.asarray(weights, dtype=float)
    rows: list[ValidationRow] = []
    total = float(w.sum()) + cash_weight
    ok = abs(total - 1.0) <= tol
    rows.append(
        ValidationRow(
            "Fully invested",
            "Portfolio",
            "= 100.00%",
            total,
            -abs(total - 1.0),
            ok,
            f"weights add up to {total:.4%}"
            + (f" (cash {cash_weight:.2%} included)" if cash_weight else "")
            + ("" if ok else f", off by {(total - 1) * 100:+.4f} pp"),
            1.0,
        )
    )
    worst = int(np.argmin(w))
    ok = w[worst] >= -tol
    rows.append(
        ValidationRow(
            "Long only (no shorting)",
            "Portfolio",
            ">= 0.00%",
            float(w[worst]),
            float(w[worst]),
            ok,
            "no negative weight" if ok else f"{universe.tickers[worst]} is short at {_p(w[worst])}",
            0.0,
        )
    )
    top = int(np.argmax(w))
    row = _range_row(
        "Max single ETF weight",
        "Portfolio",
        float(w[top]),
        None,
        profile.max_single_weight,
        tol,
        clause_id(profile, K.MAX_SINGLE),
    )
    rows.append(
        ValidationRow(
            row.rule,
            row.category,
            row.limit_text,
            row.actual,
            row.slack,
            row.passed,
            f"largest is {universe.tickers[top]}: {row.comment}",
            row.limit,
            row.clause,
        )
    )
    for cls in universe.asset_classes:
        rng = profile.class_ranges.get(cls)
        if rng is None:
            continue
        actual = float(sum(w[universe.index(t)] for t in universe.class_members(cls)))
        if cls == cash_asset_class:
            actual += cash_weight
        rows.append(
            _range_row(
                f"{cls} allocation",
                "Asset class",
                actual,
                rng.minimum,
                rng.maximum,
                tol,
                clause_id(profile, K.CLASS_RANGE, cls),
            )
        )
    for ticker in universe.tickers:
        lo = profile.asset_minimums.get(ticker)
        hi = profile.asset_caps.get(ticker)
        if lo is not None and lo > 0:
            rows.append(
                _range_row(
                    f"{ticker} minimum",
                    "ETF",
                    float(w[universe.index(ticker)]),
                    lo,
                    None,
                    tol,
                    clause_id(profile, K.ETF_MINIMUM, ticker),
                )
            )
        if hi is not None:
            rows.append(
                _range_row(
                    f"{ticker} cap",
                    "ETF",
                    float(w[universe.index(ticker)]),
                    None,
                    hi,
                    tol,
                    clause_id(profile, K.ETF_CAP, ticker),
                )
            )
    for subject, group in group_subjects(profile).items():
        actual = float(sum(w[universe.index(t)] for t in group.tickers))
        rows.append(
            _range_row(
                f"Group: {group.name} ({' + '.join(group.tickers)})",
                "Group",
                actual,
                group.minimum,
                group.maximum,
                tol,
                clause_id(profile, K.GROUP, subject),
            )
        )
    return rows


def validate_portfolio(
    weights: np.ndarray,
    profile: IPSProfile,
    universe: Universe,
    *,
    ex_ante_volatility: float,
    historical_max_drawdown: float,
    tol: float = TOLERANCE,
) -> ValidationReport:
    """Validate ``weights`` (shape (n,), universe order, decimal) against every rule of ``profile``.

    ``historical_max_drawdown`` is negative (e.g. -0.18); the tolerance is a positive loss.
    """
    rows = weight_rule_rows(weights, profile, universe, tol=tol)
    row = _range_row(
        "Volatility target (ex-ante, annualized)",
        "Risk",
        ex_ante_volatility,
        None,
        profile.max_volatility,
        tol,
        clause_id(profile, K.VOLATILITY),
    )
    rows.append(row)
    loss = -historical_max_drawdown
    row = _range_row(
        "Drawdown tolerance (historical max drawdown)",
        "Risk",
        loss,
        None,
        profile.max_drawdown,
        tol,
        clause_id(profile, K.DRAWDOWN),
    )
    rows.append(
        ValidationRow(
            row.rule,
            row.category,
            row.limit_text,
            historical_max_drawdown,
            row.slack,
            row.passed,
            row.comment.replace(_p(loss), f"a {_p(loss)} peak-to-trough loss", 1),
            row.limit,
            row.clause,
        )
    )
    return ValidationReport(tuple(rows))
