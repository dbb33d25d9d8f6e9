"""Where each IPS clause is used, and its current margin.

:func:`clause_uses` reads the uses off the objects that carry clause ids: the optimizer's
constraint rules (:func:`core.policy.constraints.build_constraints`), the validation rows
(:func:`core.policy.validation.validate_portfolio`), the drift bands
(:func:`core.policy.clauses.drift_band_clauses`), the stress test's drawdown tolerance, the
Outlook's objectives, and the memo (its compliance table lists every validation clause; its
policy sentences cite :data:`MEMO_SENTENCE_KINDS`). :func:`clause_margins` gives each clause's
margin in an analysis: the recommended portfolio's validation slack (decimal; positive inside
the limit, negative when breached).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from core.errors import IPSStudioError
from core.policy.clauses import ClauseKind, clause_id, drift_band_clauses
from core.policy.profile import IPSProfile
from core.universe import Universe

if TYPE_CHECKING:
    from core.pipeline import AnalysisResult
    from core.policy.validation import ValidationRow


class UsePlace(str, Enum):
    CONSTRAINT = "Optimizer constraint"
    VALIDATION = "Validation rule"
    DRIFT_BAND = "Drift band"
    STRESS_TOLERANCE = "Stress tolerance"
    OUTLOOK = "Outlook"
    MEMO = "Memo"


@dataclass(frozen=True)
class ClauseUse:
    place: UsePlace
    detail: str


MEMO_SENTENCE_KINDS = (
    ClauseKind.VOLATILITY,
    ClauseKind.DRAWDOWN,
    ClauseKind.MAX_SINGLE,
    ClauseKind.DRIFT_ABSOLUTE,
    ClauseKind.BENCHMARK,
)
"""Clauses the memo's policy sentences cite as "(IPS x.y)" (section 3 and the risk limits)."""

_OUTLOOK = {
    ClauseKind.RETURN_OBJECTIVE: "probability of earning the return objective",
    ClauseKind.SPENDING: "spending paid monthly on every simulated path",
    ClauseKind.LIQUIDITY_RESERVE: "probability of a liquidity shortfall",
    ClauseKind.DRAWDOWN: "probability of a drawdown beyond the tolerance",
}


def clause_uses(profile: IPSProfile, universe: Universe) -> dict[str, tuple[ClauseUse, ...]]:
    """``{clause id: uses}`` for every clause of ``profile`` that something uses."""
    from core.policy.constraints import build_constraints
    from core.policy.validation import validate_portfolio

    uses: dict[str, list[ClauseUse]] = {}

    def add(cid: str | None, place: UsePlace, detail: str) -> None:
        if cid:
            uses.setdefault(cid, []).append(ClauseUse(place, detail))

    try:
        cs = build_constraints(profile, universe)
    except IPSStudioError:
        cs = None  # a profile naming ETFs outside the universe: no constraints to read
    if cs is not None:
        for rule in cs.policy_rules():
            sign = ">=" if rule.side.value == "lower" else "<="
            what = (
                "each ETF's weight"
                if rule.per_ticker
                else f"weight of {' + '.join(rule.tickers)}"
                if len(rule.tickers) <= 4
                else f"summed weight of {len(rule.tickers)} ETFs"
            )
            add(rule.clause, UsePlace.CONSTRAINT, f"{what} {sign} {rule.bound:.2%}")
        weights = np.full(universe.n, 1.0 / universe.n)
        report = validate_portfolio(
            weights, profile, universe, ex_ante_volatility=0.0, historical_max_drawdown=0.0
        )
        for row in report.rows:
            add(row.clause, UsePlace.VALIDATION, f"{row.rule} ({row.limit_text})")
            add(row.clause, UsePlace.MEMO, "compliance table of section 3")
    bands = drift_band_clauses(profile)
    for band, label in (
        ("absolute", "ETF drift band (absolute) of the Rebalancing tab and the trade program"),
        ("relative", "ETF drift band (relative to target) of the Rebalancing tab"),
        ("asset_class", "asset-class drift band of the Rebalancing tab"),
    ):
        add(bands.get(band), UsePlace.DRIFT_BAND, label)
    add(
        clause_id(profile, ClauseKind.DRAWDOWN),
        UsePlace.STRESS_TOLERANCE,
        "each scenario's path drawdown is compared with it (BREACH)",
    )
    for kind, detail in _OUTLOOK.items():
        add(clause_id(profile, kind), UsePlace.OUTLOOK, detail)
    for kind in MEMO_SENTENCE_KINDS:
        add(clause_id(profile, kind), UsePlace.MEMO, "policy sentence of section 3")
    return {cid: tuple(items) for cid, items in uses.items()}


def clause_margins(result: AnalysisResult) -> Mapping[str, ValidationRow]:
    """``{clause id: validation row}`` of the recommended portfolio of ``result``: its
    ``slack`` is the margin (decimal weight or return; negative when breached)."""
    return result.recommended.validation.by_clause()
