"""The "Decision Log" workbook sheet and memo appendix.

One row per entry, oldest first, with every field and hash; ``corrected_by`` lists later
entries that correct it; ``matches_this_report`` compares the entry's fingerprint with the
report's own (the one written to ``run_manifest.json``): ``yes``, or the fields that differ
(a decision taken on another policy, data set, account or code than this report).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.decision.fingerprint import RunFingerprint
from core.decision.log import DecisionEntry, DecisionLog

SHEET = "Decision Log"
MEMO_TITLE = "Appendix: decision log"
FINGERPRINT_FIELDS = ("profile_sha256", "data_sha256", "holdings_sha256", "code_revision")


def matches(entry: DecisionEntry, report: RunFingerprint | None) -> str:
    """``"yes"`` when the entry's fingerprint is the report's, else the differing fields."""
    if report is None:
        return "n/a"
    ours, theirs = entry.fingerprint.to_dict(), report.to_dict()
    differ = [f for f in FINGERPRINT_FIELDS if ours[f] != theirs[f]]
    return "yes" if not differ else "no: " + ", ".join(differ)


def _overrides(entry: DecisionEntry) -> str:
    return "; ".join(
        f"{o.item}: {o.recommended} -> {o.approved} ({o.reason})" for o in entry.draft.overrides
    )


def decision_frame(log: DecisionLog, report: RunFingerprint | None = None) -> pd.DataFrame:
    """The table of the module docstring (one row per entry)."""
    rows = []
    for e in log.entries:
        d, f = e.draft, e.fingerprint
        rows.append(
            {
                "sequence": e.sequence,
                "recorded_utc": e.recorded_utc,
                "approved_at": d.approved_at,
                "approved_by": d.approved_by,
                "branch": d.branch,
                "portfolio": d.portfolio,
                "recommended": d.recommended,
                "overrides": _overrides(e),
                "vote": d.vote,
                "note": d.note,
                "corrects": d.corrects if d.corrects is not None else "",
                "corrected_by": ", ".join(str(c.sequence) for c in log.corrections_of(e.sequence)),
                "profile_sha256": f.profile_sha256,
                "profile_schema": f.profile_schema,
                "data_sha256": f.data_sha256,
                "holdings_sha256": f.holdings_sha256 or "",
                "code_revision": f.code_revision,
                "previous_sha256": e.previous_sha256,
                "entry_sha256": e.entry_sha256,
                "matches_this_report": matches(e, report),
            }
        )
    return pd.DataFrame(rows)


def write_decision_sheet(wb: Any, log: DecisionLog, report: RunFingerprint | None) -> Any:
    """Add the Decision Log sheet to the openpyxl workbook ``wb``; returns it."""
    from core.report.workbook_sheets import write_frame_sheet

    ws = wb.create_sheet(SHEET)
    write_frame_sheet(ws, decision_frame(log, report))
    return ws


def decision_memo_appendix(log: DecisionLog, report: RunFingerprint | None) -> list[str]:
    """The memo appendix: each decision in words with its hashes (shortened to 12 digits; the
    workbook's Decision Log sheet has them in full)."""
    lines = [f"## {MEMO_TITLE}", ""]
    if not log.entries:
        return lines + ["No decision has been recorded.", ""]
    lines += [
        "Entries are append-only and hash-chained: a correction is a later entry. Hashes are "
        "SHA-256 (first 12 digits shown).",
        "",
    ]
    for e in log.entries:
        d, f = e.draft, e.fingerprint
        text = (
            f"{e.sequence}. **{d.approved_at}**: {d.approved_by} approved **{d.portfolio}** of "
            f"the policy '{d.branch}' (recommended: {d.recommended})"
        )
        if d.vote:
            text += f"; vote: {d.vote}"
        text += "."
        if d.corrects is not None:
            text += f" Corrects entry {d.corrects}."
        if d.note:
            text += f" Note: {d.note}"
        lines.append(text)
        for o in d.overrides:
            lines.append(f"   - Override of {o.item}: {o.recommended} -> {o.approved}: {o.reason}")
        holdings = f.holdings_sha256[:12] if f.holdings_sha256 else "none"
        lines.append(
            f"   - IPS `{f.profile_sha256[:12]}` (profile schema {f.profile_schema}), data "
            f"`{f.data_sha256[:12]}`, holdings `{holdings}`, code {f.code_revision}; entry "
            f"`{e.entry_sha256[:12]}`; matches this report: {matches(e, report)}."
        )
    return lines + [""]
