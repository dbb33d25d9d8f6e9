"""The IPS document: the policy statement itself, written from the profile clause by clause.

:func:`ips_document` writes Markdown (rendered to PDF like the memo, by the same renderer):
the policy's purpose and circumstances (objective, horizon, risk tolerance, liquidity need),
then every clause of :func:`core.policy.clauses.policy_clauses` under its numbered section,
with its id and wording (the committee's own wording where it overrode the generated one).
Percentages are of portfolio value; volatility is annualized; the drawdown is a peak-to-trough
loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core import DISCLAIMER, __version__
from core.policy.clauses import SECTION_TITLES, policy_clauses
from core.policy.profile import IPSProfile

IPS_DOCUMENT_NAME = "ips_policy_statement.md"
IPS_DOCUMENT_PDF = "ips_policy_statement.pdf"


def _profile_part(profile: IPSProfile) -> list[str]:
    lines = [
        f"## {profile.name}",
        "",
        "### Purpose and circumstances",
        "",
        f"- Objective: {profile.objective or 'not stated'}",
        f"- Return objective: {profile.return_objective or 'not stated'}",
        f"- Time horizon: {profile.horizon_years:g} years",
        f"- Risk tolerance: {profile.risk_tolerance.value}",
        f"- Liquidity need: {profile.liquidity_need.value}",
        "",
    ]
    clauses = policy_clauses(profile)
    for section, title in SECTION_TITLES.items():
        lines += [f"### {section}. {title}", ""]
        mine = [c for c in clauses if c.section == section]
        for clause in mine:
            lines += [f"**{clause.id}** {clause.wording}", ""]
        if not mine:
            lines += ["The policy sets no limit of this kind.", ""]
    if profile.notes:
        lines += ["### Notes", "", profile.notes, ""]
    return lines


def ips_document(profiles: Sequence[IPSProfile], *, generated: str | None = None) -> str:
    """The policy statement of each profile, in Markdown (module docstring)."""
    title = (
        f"# Investment Policy Statement: {profiles[0].name}"
        if len(profiles) == 1
        else "# Investment Policy Statements"
    )
    lines = [
        title,
        "",
        f"Written from the IPS profile by IPS Allocation Studio {__version__}"
        + (f" on {generated}" if generated else "")
        + ". Clause numbers are stable: a changed limit keeps its number, a new limit takes the "
        "next number of its section.",
        "",
    ]
    for profile in profiles:
        lines += _profile_part(profile)
    lines += ["---", "", f"*{DISCLAIMER}*", ""]
    return "\n".join(lines)


def write_ips_document(
    profiles: Sequence[IPSProfile], folder: str | Path, *, generated: str | None = None
) -> Path:
    """Write :data:`IPS_DOCUMENT_NAME` into ``folder``; returns its path."""
    path = Path(folder) / IPS_DOCUMENT_NAME
    path.write_text(ips_document(profiles, generated=generated), encoding="utf-8")
    return path
