"""Findings computed from an analysis for the committee: binding constraints, committee notes,
and the per-ETF rationale. The workbook and the memo both print these, so they always agree.

Nothing here is fixed prose about a particular ETF or profile: every sentence is assembled from
the recommended weights, the policy limits, the risk decomposition and the stress results.

Thresholds (stated on the Methodology sheet):

* a weight or a sum of weights is **at** a limit when it is within :data:`BIND_TOLERANCE`
  (0.01 percentage point) of it;
* a realized or ex-ante risk figure is **near** its IPS limit when the headroom is below
  :data:`NEAR_LIMIT` (1 percentage point): the note asks for review even though the rule passes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from core.analytics.risk_report import RiskReport
    from core.pipeline import AnalysisResult
    from core.stress.engine import StressResult

BIND_TOLERANCE = 1e-4
NEAR_LIMIT = 0.01


class NoteStatus(str, Enum):
    """How a committee note reads: a finding that passes, one that needs review, or a fact."""

    PASS = "PASS"
    REVIEW = "REVIEW"
    INFO = "INFO"


@dataclass(frozen=True)
class CommitteeNote:
    """One line of the Executive Summary's committee notes."""

    status: NoteStatus
    topic: str
    text: str


@dataclass(frozen=True)
class BindingConstraint:
    """A policy limit that the recommended weights sit on (within :data:`BIND_TOLERANCE`).

    ``side`` is ``"minimum"`` or ``"maximum"``; ``limit`` and ``actual`` are decimal weights;
    ``kind`` is ``"ETF"``, ``"Asset class"`` or ``"Group"``.
    """

    name: str
    kind: str
    side: str
    limit: float
    actual: float
    tickers: tuple[str, ...]

    @property
    def text(self) -> str:
        """``"SPY at its 15.00% minimum"``, ``"Alternatives allocation at its 5.00% minimum"``."""
        if self.kind == "ETF":
            what = (
                "minimum"
                if self.side == "minimum"
                else (
                    "maximum single-ETF weight" if self.name.endswith("(max single ETF)") else "cap"
                )
            )
            return f"{self.tickers[0]} at its {self.limit:.2%} {what}"
        return f"{self.name} at its {self.limit:.2%} {self.side}"


def pp(x: float) -> str:
    """A difference of two decimals as percentage points, ``"1.25 pp"``."""
    return f"{x * 100:.2f} pp"


def money(x: float) -> str:
    """``"$1,234,567"`` / ``"-$1,234,567"``."""
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def binding_constraints(
    result: AnalysisResult, tol: float = BIND_TOLERANCE
) -> tuple[BindingConstraint, ...]:
    """Every ETF bound, asset-class range and group limit the recommended weights sit on.

    A zero weight on the long-only floor is not listed (see :func:`etf_rationale` instead).
    """
    cs = result.constraints
    w = result.recommended.weights.reindex(list(cs.tickers)).to_numpy(dtype=float)
    out: list[BindingConstraint] = []
    for i, ticker in enumerate(cs.tickers):
        if cs.lower[i] > tol and w[i] - cs.lower[i] <= tol:
            out.append(
                BindingConstraint(
                    f"{ticker} minimum",
                    "ETF",
                    "minimum",
                    float(cs.lower[i]),
                    float(w[i]),
                    (ticker,),
                )
            )
        if cs.upper[i] < 1 - tol and cs.upper[i] - w[i] <= tol:
            source = cs.upper_source[i]
            name = (
                f"{ticker} cap"
                if source.startswith(f"{ticker} cap")
                else f"{ticker} (max single ETF)"
            )
            out.append(
                BindingConstraint(
                    name, "ETF", "maximum", float(cs.upper[i]), float(w[i]), (ticker,)
                )
            )
    sums = cs.A @ w if len(cs.rows) else np.zeros(0)
    for k, row in enumerate(cs.rows):
        kind = "Asset class" if row.kind == "asset_class" else "Group"
        if row.lower > tol and sums[k] - row.lower <= tol:
            out.append(
                BindingConstraint(
                    row.label, kind, "minimum", float(row.lower), float(sums[k]), row.tickers
                )
            )
        if row.upper < 1 - tol and row.upper - sums[k] <= tol:
            out.append(
                BindingConstraint(
                    row.label, kind, "maximum", float(row.upper), float(sums[k]), row.tickers
                )
            )
    return tuple(out)


def risk_headroom(result: AnalysisResult) -> dict[str, float]:
    """Distance to the IPS risk limits (positive = inside), decimals.

    Keys ``volatility`` (target minus ex-ante volatility) and ``drawdown`` (tolerance minus the
    historical peak-to-trough loss).
    """
    rec = result.recommended
    return {
        "volatility": result.profile.max_volatility - rec.expected_volatility,
        "drawdown": result.profile.max_drawdown + rec.metrics.max_drawdown,
    }


def _compliance_note(result: AnalysisResult) -> CommitteeNote:
    rec = result.recommended
    rows = rec.validation.rows
    if rec.passes:
        return CommitteeNote(
            NoteStatus.PASS,
            "IPS compliance",
            f"All {len(rows)} policy rules pass, including the {result.profile.max_volatility:.2%} "
            f"volatility target and the {result.profile.max_drawdown:.2%} drawdown tolerance.",
        )
    fails = rec.validation.failures
    detail = "; ".join(f"{f.rule}: {f.comment}" for f in fails)
    return CommitteeNote(
        NoteStatus.REVIEW,
        "IPS compliance",
        f"{len(fails)} of {len(rows)} policy rules FAIL. {detail}.",
    )


def _selection_note(result: AnalysisResult) -> CommitteeNote:
    rec = result.recommended
    compliant = [c for c in result.candidates if c.passes]
    if not rec.passes:
        return CommitteeNote(
            NoteStatus.REVIEW,
            "Selection",
            f"No candidate passes every policy rule; {rec.name} is shown because it breaks the "
            "fewest limits by the least. It is NOT policy compliant: revise the profile.",
        )
    return CommitteeNote(
        NoteStatus.PASS,
        "Selection",
        f"{rec.name} has the highest penalized utility ({rec.utility:.2%}) of the "
        f"{len(compliant)} compliant candidates out of {len(result.candidates)}.",
    )


def _headroom_note(
    topic: str, label: str, actual: float, limit: float, headroom: float
) -> CommitteeNote:
    if headroom < 0:
        return CommitteeNote(
            NoteStatus.REVIEW,
            topic,
            f"{label} {actual:.2%} exceeds the {limit:.2%} limit by {pp(-headroom)}.",
        )
    if headroom < NEAR_LIMIT:
        return CommitteeNote(
            NoteStatus.REVIEW,
            topic,
            f"{label} {actual:.2%} is within {pp(headroom)} of the {limit:.2%} limit: "
            "little room for a worse path.",
        )
    return CommitteeNote(
        NoteStatus.PASS,
        topic,
        f"{label} {actual:.2%} leaves {pp(headroom)} of headroom to the {limit:.2%} limit.",
    )


def _stress_note(stress: StressResult) -> CommitteeNote:
    worst = stress.worst
    tolerance = stress.drawdown_tolerance
    breaches = stress.breaches
    head = (
        f"Worst scenario {worst.name}: {worst.portfolio_return:.2%} ({money(worst.portfolio_pnl)})"
    )
    if breaches:
        return CommitteeNote(
            NoteStatus.REVIEW,
            "Stress tests",
            f"{len(breaches)} of {len(stress.outcomes)} scenarios lose more than the "
            f"{tolerance:.2%} drawdown tolerance ({', '.join(breaches)}). {head}.",
        )
    # The tolerance is tested against each scenario's path drawdown (a replay can fall further
    # on the way than it ends), so the headroom is measured from the deepest path.
    deepest = stress.deepest
    headroom = tolerance + deepest.path_drawdown
    status = NoteStatus.REVIEW if headroom < NEAR_LIMIT else NoteStatus.PASS
    return CommitteeNote(
        status,
        "Stress tests",
        f"{head}. Deepest path drawdown {deepest.name}: {deepest.path_drawdown:.2%} against a "
        f"{tolerance:.2%} drawdown tolerance ({pp(headroom)} of headroom); no scenario of "
        f"{len(stress.outcomes)} breaches it.",
    )


def _benchmark_note(result: AnalysisResult) -> CommitteeNote:
    m, b = result.recommended.metrics, result.benchmark_metrics
    diff = m.annualized_return - b.annualized_return
    return CommitteeNote(
        NoteStatus.INFO,
        "Benchmark",
        f"Realized return {m.annualized_return:.2%} a year vs {b.annualized_return:.2%} for "
        f"{result.profile.benchmark_label} ({diff * 100:+.2f} pp), volatility "
        f"{m.annualized_volatility:.2%} vs {b.annualized_volatility:.2%}, tracking error "
        f"{m.tracking_error:.2%}.",
    )


def _data_note(result: AnalysisResult) -> CommitteeNote:
    prov = result.dataset.provenance
    sample = f"{prov.months} months, {prov.start} to {prov.end}"
    if prov.mode.value == "SYNTHETIC":
        return CommitteeNote(
            NoteStatus.REVIEW,
            "Data",
            f"SYNTHETIC data ({sample}): the figures illustrate the workflow and are not market "
            "history. Re-run on market data before any decision.",
        )
    dropped = (
        f"; {len(prov.dropped_months)} incomplete months dropped" if prov.dropped_months else ""
    )
    return CommitteeNote(
        NoteStatus.INFO, "Data", f"{prov.mode.value} data from {prov.source} ({sample}{dropped})."
    )


def _rebalance_note(plan: Any) -> CommitteeNote:
    before, after = plan.drift, plan.post_trade_drift
    n_before = len(before.breaches) + len(before.class_breaches)
    n_after = len(after.breaches) + len(after.class_breaches)
    names = ", ".join([*before.breaches, *before.class_breaches]) or "none"
    text = (
        f"{n_before} drift breaches before trading ({names}); {len(plan.trades)} trades "
        f"(turnover {plan.turnover:.2%}, estimated cost {money(plan.total_cost)}) leave {n_after}."
    )
    return CommitteeNote(
        NoteStatus.PASS if n_after == 0 else NoteStatus.REVIEW, "Rebalancing", text
    )


def committee_notes(
    result: AnalysisResult, risk: RiskReport, stress: StressResult, plan: Any | None = None
) -> tuple[CommitteeNote, ...]:
    """The committee notes of one profile, in reading order (each computed, with its reason)."""
    rec = result.recommended
    head = risk_headroom(result)
    notes = [_compliance_note(result), _selection_note(result)]
    if result.failed_strategies:
        notes.append(
            CommitteeNote(
                NoteStatus.REVIEW,
                "Candidates",
                "Not built: "
                + "; ".join(f"{k} ({v})" for k, v in result.failed_strategies.items()),
            )
        )
    notes.append(
        _headroom_note(
            "Drawdown",
            "Historical maximum drawdown",
            -rec.metrics.max_drawdown,
            result.profile.max_drawdown,
            head["drawdown"],
        )
    )
    notes.append(
        _headroom_note(
            "Volatility",
            "Ex-ante volatility",
            rec.expected_volatility,
            result.profile.max_volatility,
            head["volatility"],
        )
    )
    notes.append(
        CommitteeNote(
            NoteStatus.REVIEW if risk.concentration.concentrated else NoteStatus.PASS,
            "Risk concentration",
            risk.summary,
        )
    )
    notes.append(_stress_note(stress))
    if plan is not None:
        notes.append(_rebalance_note(plan))
    notes.append(_benchmark_note(result))
    notes.append(_data_note(result))
    return tuple(notes)


def _worst_shock(stress: StressResult | None, ticker: str) -> str:
    if stress is None:
        return ""
    shocks = [(o.shocks.get(ticker, math.nan), o.name) for o in stress.outcomes]
    shocks = [(s, n) for s, n in shocks if math.isfinite(s)]
    if not shocks:
        return ""
    value, name = min(shocks)
    return f"{name}: {value:.2%}"


def _why(
    ticker: str,
    weight: float,
    lower: float,
    upper: float,
    strategy: str,
    bindings: list[BindingConstraint],
    risk_share: float,
) -> str:
    own = [b for b in bindings if b.kind == "ETF"]
    shared = [b for b in bindings if b.kind != "ETF"]
    if weight <= BIND_TOLERANCE and lower <= BIND_TOLERANCE:
        text = f"Not held: no policy minimum requires it and the {strategy} solution gives it no weight"
    elif own and own[0].side == "minimum":
        text = (
            f"Held at its {own[0].limit:.2%} policy minimum: the floor binds, so the {strategy} "
            "solution would hold less without it"
        )
    elif own:
        cap = (
            "the maximum single-ETF weight"
            if own[0].name.endswith("(max single ETF)")
            else "its policy cap"
        )
        text = (
            f"Held at {cap} of {own[0].limit:.2%}: the cap binds, so the {strategy} "
            "solution would hold more without it"
        )
    else:
        text = (
            f"Sized by the {strategy} solution inside its {lower:.2%} to {upper:.2%} bounds; it carries "
            f"{risk_share:.2%} of ex-ante risk for {weight:.2%} of the weight"
        )
    for b in shared:
        text += f"; {b.name} sits at its {b.limit:.2%} {b.side}, so it trades only against the other ETFs of it"
    return text + "."


def etf_rationale(
    result: AnalysisResult, risk: RiskReport | None = None, stress: StressResult | None = None
) -> pd.DataFrame:
    """One row per ETF of the recommended portfolio's universe: role, weight, binding limits, why.

    Columns: profile_name, ticker, name, asset_class, role, target_weight, benchmark_weight,
    active_weight, lower_bound, upper_bound, expected_return_ex_ante, volatility_ex_ante,
    percent_risk_contribution, binding_constraints, rationale, worst_stress_shock.
    """
    universe, cs, inputs = result.universe, result.constraints, result.inputs
    rec = result.recommended
    bindings = binding_constraints(result)
    percent = (
        dict(zip(risk.portfolio_risk.tickers, risk.portfolio_risk.percent, strict=True))
        if risk
        else {}
    )
    vols = np.sqrt(np.diag(inputs.covariance))
    rows = []
    for i, ticker in enumerate(cs.tickers):
        asset = universe.assets[universe.index(ticker)]
        mine = [b for b in bindings if ticker in b.tickers]
        weight = float(rec.weights[ticker])
        share = float(percent.get(ticker, math.nan))
        rows.append(
            {
                "profile_name": result.profile.name,
                "ticker": ticker,
                "name": asset.name,
                "asset_class": asset.asset_class,
                "role": asset.description,
                "target_weight": weight,
                "benchmark_weight": float(result.benchmark_weights[ticker]),
                "active_weight": weight - float(result.benchmark_weights[ticker]),
                "lower_bound": float(cs.lower[i]),
                "upper_bound": float(cs.upper[i]),
                "expected_return_ex_ante": float(inputs.expected_returns[i]),
                "volatility_ex_ante": float(vols[i]),
                "percent_risk_contribution": share,
                "binding_constraints": "; ".join(b.text for b in mine),
                "rationale": _why(
                    ticker, weight, float(cs.lower[i]), float(cs.upper[i]), rec.name, mine, share
                ),
                "worst_stress_shock": _worst_shock(stress, ticker),
            }
        )
    return pd.DataFrame(rows)
