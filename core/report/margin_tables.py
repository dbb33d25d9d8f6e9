"""Each candidate's verdict with its margin per rule, for the window, the workbook and the memo.

Margins follow :mod:`core.policy.margins`: percentage points, POSITIVE inside the limit,
NEGATIVE when breached (limit - actual for a maximum, actual - limit for a minimum).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from core.pipeline import AnalysisResult
from core.policy.margins import risk_margins, rule_margins, verdict

MARGIN_NOTE = (
    "Margins are in percentage points (pp): positive inside the limit, negative when breached "
    "(limit - actual for a maximum, actual - limit for a minimum)."
)


def candidate_margins(result: AnalysisResult) -> pd.DataFrame:
    """One row per candidate: ``portfolio_name``, ``passes_policy``, ``penalized_utility``
    (annual decimal), ``volatility_margin_pp``, ``drawdown_margin_pp`` and ``verdict`` (words)."""
    rows = []
    for c in result.candidates:
        risk = risk_margins(c.validation)
        rows.append(
            {
                "portfolio_name": c.name,
                "passes_policy": c.passes,
                "penalized_utility": c.utility,
                "volatility_margin_pp": risk["volatility"].margin_pp,
                "drawdown_margin_pp": risk["drawdown"].margin_pp,
                "verdict": verdict(c.validation),
            }
        )
    return pd.DataFrame(rows)


def rule_margin_rows(result: AnalysisResult) -> pd.DataFrame:
    """One row per candidate and rule: ``limit`` and ``actual`` (decimals; the drawdown as a
    positive loss), ``margin_pp``, ``pass_fail`` and the margin in words."""
    rows = [
        {
            "profile_name": result.profile.name,
            "portfolio_name": c.name,
            "rule": m.rule,
            "limit": m.limit,
            "actual": m.actual,
            "margin_pp": m.margin_pp,
            "pass_fail": "PASS" if m.passed else "FAIL",
            "margin_text": m.text,
        }
        for c in result.candidates
        for m in rule_margins(c.validation)
    ]
    return pd.DataFrame(rows)


PICK_SHEET = "Pick Stability"


def pick_stability_frame(
    results: Sequence[AnalysisResult], stability: Sequence[Any]
) -> pd.DataFrame:
    """One row per profile and candidate picked on some bootstrap sample, with the settings and
    the recommended portfolio's drawdown-breach probability (shares in [0, 1])."""
    rows = []
    for result, s in zip(results, stability, strict=False):
        for name, share in s.pick_shares().items():
            rows.append(
                {
                    "profile_name": result.profile.name,
                    "recommended": s.recommended,
                    "candidate_picked": name,
                    "share_of_samples": share,
                    "drawdown_breach_probability": s.breach_probability,
                    "drawdown_tolerance": s.drawdown_tolerance,
                    "samples": s.samples,
                    "months_per_sample": s.months,
                    "expected_block_months": s.block_length,
                    "seed": s.seed,
                }
            )
    return pd.DataFrame(rows)


def write_pick_stability_sheet(
    wb: Any, results: Sequence[AnalysisResult], stability: Sequence[Any]
) -> None:
    """The Pick Stability sheet (one sentence per profile above the table), or nothing."""
    if not stability:
        return
    from core.report.workbook_sheets import write_frame_sheet

    frame = pick_stability_frame(results, stability)
    ws = wb.create_sheet(PICK_SHEET)
    write_frame_sheet(ws, frame)
    row = len(frame) + 3
    for s in stability:
        ws.cell(row=row, column=1, value=s.sentence())
        row += 1


def memo_lines(result: AnalysisResult, stability: Any | None) -> list[str]:
    """The memo's verdicts with margins for every candidate, and the pick's stability."""
    lines = ["Verdict of every candidate, with its margin to the nearest limit. " + MARGIN_NOTE, ""]
    lines += [
        f"- {'**' + c.name + '**' if c.name == result.recommended_name else c.name}: "
        f"{verdict(c.validation)}."
        for c in result.candidates
    ]
    lines.append("")
    if stability is None:
        lines.append(
            "How sure is the pick? Not measured in this report (the Allocation tab's *How sure is "
            "the pick?* or the report's `--pick-samples 200` measures it)."
        )
    else:
        lines.append(f"How sure is the pick? {stability.sentence()}")
    return lines
