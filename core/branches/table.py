"""The side-by-side table of a policy comparison: rows, which value is better, what differs.

A :class:`ComparisonRow` holds one figure for every column (current holdings, then one
portfolio per policy branch); :attr:`ComparisonRow.better` says which direction is better for
that figure (``HIGHER`` for return, Sharpe ratio, drawdown and VaR, which are negative numbers
for losses, compliance margin, stress return; ``LOWER`` for volatility, drawdown length, down
capture, breach probabilities; ``NONE`` where no direction is better: weights, beta, tracking
error, risk shares). :attr:`ComparisonRow.best` marks the best column(s) and
:attr:`ComparisonRow.differs` whether the columns differ at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.analytics.summary import MetricKind

if TYPE_CHECKING:
    from core.pipeline import AnalysisResult

TOLERANCE = 1e-9
"""Two figures closer than this (absolute) are the same: neither is better, nothing differs."""


class Better(Enum):
    """Which value of a row is the better one."""

    HIGHER = "higher"
    LOWER = "lower"
    NONE = ""


class Section(Enum):
    """The groups of rows, in table order."""

    WEIGHTS = "Weights"
    ASSET_CLASSES = "Asset classes"
    METRICS = "Metrics"
    COMPLIANCE = "Compliance margin"
    RISK = "Risk contribution"
    STRESS = "Stress"
    OUTLOOK = "Outlook"


@dataclass(frozen=True)
class ComparisonRow:
    """One figure for every column; NaN where a column has none (e.g. a rule another policy
    does not have). ``passed`` (compliance rows only) says whether each column passes the rule;
    the values are then margins: room left before the limit, negative = breach by that much."""

    section: Section
    item: str
    values: tuple[float, ...]
    better: Better = Better.NONE
    kind: MetricKind = MetricKind.PERCENT
    passed: tuple[bool | None, ...] | None = None

    def _finite(self) -> list[tuple[int, float]]:
        return [(k, v) for k, v in enumerate(self.values) if not math.isnan(v)]

    @property
    def differs(self) -> bool:
        """True when some column's figure differs from another's (or one is missing)."""
        finite = self._finite()
        if len(finite) != len(self.values):
            return len(finite) > 0
        values = [v for _, v in finite]
        return max(values) - min(values) > TOLERANCE if values else False

    @property
    def best(self) -> tuple[int, ...]:
        """Indices of the best column(s); empty when no direction is better or all are equal."""
        finite = self._finite()
        if self.better is Better.NONE or len(finite) < 2 or not self.differs:
            return ()
        pick = max if self.better is Better.HIGHER else min
        target = pick(v for _, v in finite)
        return tuple(k for k, v in finite if abs(v - target) <= TOLERANCE)


@dataclass(frozen=True)
class PolicyComparison:
    """Current holdings and each policy branch's recommended portfolio, side by side.

    ``columns`` are the column titles (``"Current holdings"`` first when the project holds an
    account, then the branch names); ``portfolios`` the portfolio shown in each column;
    ``policies`` the branch whose IPS each column is checked against (the main policy for the
    current holdings); ``analyses`` the :class:`~core.pipeline.AnalysisResult` of each column
    (for the holdings column: the main policy's analysis with the account as its portfolio).
    """

    columns: tuple[str, ...]
    portfolios: tuple[str, ...]
    policies: tuple[str, ...]
    compliant: tuple[bool, ...]
    rows: tuple[ComparisonRow, ...]
    analyses: tuple[AnalysisResult, ...]
    notes: tuple[str, ...] = ()
    edited: str = "Main"
    """The branch being edited when the comparison was made."""

    def branch_of(self, profile: Any) -> str | None:
        """The branch whose policy is ``profile`` (the one being edited first), or None."""
        named = [
            (t, a.profile)
            for t, a in zip(self.columns, self.analyses, strict=True)
            if t != "Current holdings"
        ]
        named.sort(key=lambda pair: pair[0] != self.edited)
        return next((t for t, p in named if p == profile), None)

    def row(self, section: Section, item: str) -> ComparisonRow:
        for r in self.rows:
            if r.section is section and r.item == item:
                return r
        raise KeyError((section, item))

    def section(self, section: Section) -> tuple[ComparisonRow, ...]:
        return tuple(r for r in self.rows if r.section is section)

    def column(self, title: str) -> pd.Series:
        """One column's figures, index ``(section value, item)``."""
        k = self.columns.index(title)
        return pd.Series(
            [r.values[k] for r in self.rows],
            index=pd.MultiIndex.from_tuples([(r.section.value, r.item) for r in self.rows]),
            name=title,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per figure: ``section, item, better``, one column per title (decimals as
        stated per row: percent rows are decimal fractions), ``best`` (the best columns' titles,
        ``;``-separated) and ``differs``; compliance rows add ``PASS``/``FAIL`` per column in
        ``<title> status``."""
        records = []
        for r in self.rows:
            record: dict[str, object] = {
                "section": r.section.value,
                "item": r.item,
                "better": r.better.value,
            }
            for k, title in enumerate(self.columns):
                record[title] = r.values[k]
            for k, title in enumerate(self.columns):
                ok = r.passed[k] if r.passed is not None else None
                record[f"{title} status"] = "" if ok is None else ("PASS" if ok else "FAIL")
            record["best"] = "; ".join(self.columns[k] for k in r.best)
            record["differs"] = r.differs
            records.append(record)
        return pd.DataFrame(records)
