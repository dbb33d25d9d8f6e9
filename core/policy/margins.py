"""Each rule's margin: how far a portfolio sits inside (or outside) its nearest limit.

Sign convention (stated wherever a margin is shown): ``margin`` is in decimal units of the rule
(weight, annualized volatility, peak-to-trough loss) and is POSITIVE when the portfolio is inside
the limit, NEGATIVE when it breaks it:

- a maximum (volatility target, drawdown tolerance, ETF cap, class maximum): ``limit - actual``;
- a minimum (ETF or class minimum, long only): ``actual - limit``;
- fully invested: ``-|total - 100%|`` (never positive).

It is :attr:`core.policy.validation.ValidationRow.slack` with the limit it is measured against;
a rule passes when its margin is at least ``-TOLERANCE`` (1e-6), so a margin may be a hair below
zero and still pass. Shown in percentage points (pp): ``margin * 100``.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.policy.validation import ValidationReport, ValidationRow

DRAWDOWN_RULE = "Drawdown tolerance"
VOLATILITY_RULE = "Volatility target"


def format_pp(margin: float) -> str:
    """``abs(margin)`` in percentage points: two decimals from 0.1 pp, else two significant
    digits ("0.014"), so a knife-edge is never shown as 0.00."""
    points = abs(margin) * 100
    if points >= 0.1:
        return f"{points:.2f}"
    if points >= 1e-6:
        return f"{points:.2g}"
    return "0"


@dataclass(frozen=True)
class RuleMargin:
    """One rule of one portfolio: the limit, the actual value and the margin (module docstring).

    ``limit`` and ``actual`` are decimals in the rule's own units; for the drawdown tolerance both
    are positive losses (0.25 = a 25% peak-to-trough fall).
    """

    rule: str
    category: str
    limit: float | None
    actual: float
    margin: float
    passed: bool

    @property
    def margin_pp(self) -> float:
        """The margin in percentage points (positive inside the limit)."""
        return self.margin * 100

    @property
    def side(self) -> str:
        """``"maximum"``, ``"minimum"`` or ``"limit"`` (a value exactly at a two-sided range's
        bound): below a limit with room, or above it in breach, the limit is a maximum."""
        if self.limit is None or self.actual == self.limit:
            return "limit"
        return "maximum" if (self.actual < self.limit) == (self.margin > 0) else "minimum"

    @property
    def limit_words(self) -> str:
        """``"the 25.00% drawdown tolerance"``, ``"the Equity allocation minimum 45.00%"``."""
        if self.rule.startswith(DRAWDOWN_RULE):
            return f"the {self.limit:.2%} drawdown tolerance"
        if self.rule.startswith(VOLATILITY_RULE):
            return f"the {self.limit:.2%} volatility target"
        if self.rule == "Fully invested":
            return "the fully invested rule"
        if self.rule.startswith("Long only"):
            return "the long-only rule"
        name = self.rule.removesuffix(" minimum").removesuffix(" cap")
        side = "cap" if self.rule.endswith(" cap") else self.side
        return f"the {name} {side} {self.limit:.2%}"

    @property
    def text(self) -> str:
        """``"passes the 13.00% volatility target by 1.20 pp"`` or ``"misses ... by 0.014 pp"``."""
        verb = "passes" if self.passed else "misses"
        if self.passed and self.limit_words in ("the fully invested rule", "the long-only rule"):
            return f"passes {self.limit_words}"
        if abs(self.margin) * 100 < 1e-6:
            return f"{verb} {self.limit_words} exactly (at the limit)"
        inside = "by" if self.margin >= 0 or not self.passed else "within tolerance, off by"
        return f"{verb} {self.limit_words} {inside} {format_pp(self.margin)} pp"


def _margin(row: ValidationRow) -> RuleMargin:
    actual, limit = row.actual, row.limit
    if row.rule.startswith(DRAWDOWN_RULE):
        actual = -row.actual  # the report holds the drawdown as a negative return
    return RuleMargin(row.rule, row.category, limit, actual, row.margin, row.passed)


def rule_margins(report: ValidationReport) -> tuple[RuleMargin, ...]:
    """One :class:`RuleMargin` per validation row, in the report's order."""
    return tuple(_margin(row) for row in report.rows)


def risk_margins(report: ValidationReport) -> dict[str, RuleMargin]:
    """The volatility target's and the drawdown tolerance's margins, keyed ``"volatility"`` and
    ``"drawdown"``."""
    out = {}
    for m in rule_margins(report):
        if m.rule.startswith(VOLATILITY_RULE):
            out["volatility"] = m
        elif m.rule.startswith(DRAWDOWN_RULE):
            out["drawdown"] = m
    return out


def verdict(report: ValidationReport) -> str:
    """A candidate's verdict in words with margins: every failing rule, or the tightest rule.

    ``"misses the 25.00% drawdown tolerance by 0.014 pp"``;
    ``"passes every rule; tightest: the 25.00% drawdown tolerance by 0.08 pp"``. Rules that sit
    exactly at a limit by construction (a class minimum held at its floor) are not "tightest":
    the risk rules and the closest non-zero margin are.
    """
    margins = rule_margins(report)
    failing = [m for m in margins if not m.passed]
    if failing:
        return "; ".join(m.text for m in failing)
    inside = [m for m in margins if m.margin * 100 >= 1e-6 and m.limit is not None]
    risk = [m for m in margins if m.category == "Risk"]
    pool = risk or inside
    if not pool:
        return "passes every rule"
    tightest = min(pool, key=lambda m: m.margin)
    return "passes every rule; tightest: " + tightest.text.removeprefix("passes ")
