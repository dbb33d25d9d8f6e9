"""The committee's decision log: append-only, hash-chained.

Each :class:`DecisionEntry` records which branch and portfolio was approved, the portfolio the
analysis recommended, every override of the recommendation with its reason, who approved and
when, the vote or a note, the entry it corrects (a correction is a new entry: an earlier entry
is never rewritten) and the :class:`~core.decision.fingerprint.RunFingerprint` of the policy,
data, account and code the decision was taken on.

The chain: every entry stores the hash of the entry before it (``previous_sha256``; the first
stores 64 zeros) and its own ``entry_sha256``, the SHA-256 of its canonical JSON without that
field. :class:`DecisionLog` checks the whole chain whenever it is built, so a log read from a
file whose entry was edited, removed or reordered raises :class:`DecisionLogTampered` naming the
first entry that does not match. :meth:`DecisionLog.append` is the only way to add an entry and
:meth:`DecisionLog.require_extends` refuses any log that is not the old one plus new entries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.decision.fingerprint import RunFingerprint, canonical_sha256
from core.errors import IPSStudioError

GENESIS = "0" * 64
PORTFOLIO_ITEM = "Portfolio"


class DecisionLogError(IPSStudioError):
    """A decision cannot be recorded, or an earlier entry would be rewritten."""


class DecisionLogTampered(DecisionLogError):
    """A stored log's chain does not verify: an entry was changed after it was recorded."""


@dataclass(frozen=True)
class Override:
    """One departure from the recommendation: the item, what was recommended, what was
    approved instead, and why (the reason is required)."""

    item: str
    recommended: str
    approved: str
    reason: str


@dataclass(frozen=True)
class DecisionDraft:
    """What the committee enters; :meth:`DecisionLog.append` adds the rest.

    ``approved_at`` is an ISO date or date-time (``2026-12-03`` or ``2026-12-03T14:00``): when
    the committee approved. ``portfolio`` is the approved portfolio of ``branch``;
    ``recommended`` the portfolio the analysis recommended for it. When they differ the
    overrides must include one for :data:`PORTFOLIO_ITEM` with the reason.
    """

    branch: str
    portfolio: str
    recommended: str
    approved_by: str
    approved_at: str
    vote: str = ""
    note: str = ""
    overrides: tuple[Override, ...] = ()
    corrects: int | None = None


@dataclass(frozen=True)
class DecisionEntry:
    """One recorded decision (module docstring); ``sequence`` counts from 1."""

    sequence: int
    recorded_utc: str
    draft: DecisionDraft
    fingerprint: RunFingerprint
    previous_sha256: str
    entry_sha256: str

    def body(self) -> dict[str, Any]:
        """The entry as JSON without ``entry_sha256`` (what that hash is taken of)."""
        d = self.draft
        return {
            "sequence": self.sequence,
            "recorded_utc": self.recorded_utc,
            "branch": d.branch,
            "portfolio": d.portfolio,
            "recommended": d.recommended,
            "approved_by": d.approved_by,
            "approved_at": d.approved_at,
            "vote": d.vote,
            "note": d.note,
            "overrides": [dataclasses.asdict(o) for o in d.overrides],
            "corrects": d.corrects,
            "fingerprint": self.fingerprint.to_dict(),
            "previous_sha256": self.previous_sha256,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "entry_sha256": self.entry_sha256}

    @property
    def computed_sha256(self) -> str:
        return canonical_sha256(self.body())


def _check_draft(draft: DecisionDraft, entries: Sequence[DecisionEntry]) -> None:
    for label, text in (
        ("the approver", draft.approved_by),
        ("the branch", draft.branch),
        ("the approved portfolio", draft.portfolio),
    ):
        if not text.strip():
            raise DecisionLogError(f"Enter {label}: a decision names it.")
    try:
        dt.datetime.fromisoformat(draft.approved_at.strip())
    except ValueError:
        raise DecisionLogError(
            f"'{draft.approved_at}' is not a date: enter when it was approved as YYYY-MM-DD "
            "(optionally with THH:MM)."
        ) from None
    for o in draft.overrides:
        if not o.item.strip():
            raise DecisionLogError("An override needs the item it changes (e.g. 'Portfolio').")
        if not o.reason.strip():
            raise DecisionLogError(
                f"Give the reason for the override of {o.item} ({o.recommended} -> "
                f"{o.approved}): say why the committee departed from the recommendation."
            )
    if draft.portfolio != draft.recommended and not any(
        o.item == PORTFOLIO_ITEM for o in draft.overrides
    ):
        raise DecisionLogError(
            f"{draft.portfolio} is not the recommended portfolio ({draft.recommended}): give the "
            "reason for the override."
        )
    if draft.corrects is not None and not 1 <= draft.corrects <= len(entries):
        raise DecisionLogError(
            f"Entry {draft.corrects} does not exist: a correction refers to an earlier entry "
            f"(1 to {len(entries)})."
        )


@dataclass(frozen=True)
class DecisionLog:
    """The append-only log (module docstring); building one verifies its chain."""

    entries: tuple[DecisionEntry, ...] = ()

    def __post_init__(self) -> None:
        previous = GENESIS
        for k, entry in enumerate(self.entries, start=1):
            if entry.sequence != k or entry.previous_sha256 != previous:
                raise DecisionLogTampered(
                    f"Decision log entry {k} is out of place (an entry was removed, added or "
                    "reordered after it was recorded): the log cannot be trusted. Restore the "
                    "project from a copy; corrections are made as new entries."
                )
            if entry.computed_sha256 != entry.entry_sha256:
                raise DecisionLogTampered(
                    f"Decision log entry {k} ({entry.draft.approved_at}, {entry.draft.branch}) "
                    "was changed after it was recorded: its hash does not match its content. "
                    "Restore the project from a copy; corrections are made as new entries."
                )
            previous = entry.entry_sha256

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def head_sha256(self) -> str:
        """The last entry's hash (64 zeros for an empty log)."""
        return self.entries[-1].entry_sha256 if self.entries else GENESIS

    def append(
        self,
        draft: DecisionDraft,
        fingerprint: RunFingerprint,
        *,
        recorded_utc: str | None = None,
    ) -> DecisionLog:
        """This log plus one entry for ``draft`` (checked), chained to the last entry."""
        _check_draft(draft, self.entries)
        clean = dataclasses.replace(
            draft,
            approved_by=draft.approved_by.strip(),
            approved_at=draft.approved_at.strip(),
        )
        stamp = recorded_utc or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        entry = DecisionEntry(
            len(self.entries) + 1, stamp, clean, fingerprint, self.head_sha256, ""
        )
        entry = dataclasses.replace(entry, entry_sha256=entry.computed_sha256)
        return DecisionLog((*self.entries, entry))

    def require_extends(self, earlier: DecisionLog) -> None:
        """Raise :class:`DecisionLogError` unless this log is ``earlier`` plus new entries."""
        n = len(earlier.entries)
        if len(self.entries) < n or self.entries[:n] != earlier.entries:
            raise DecisionLogError(
                "The decision log is append-only: earlier entries cannot be removed or "
                "rewritten. Record a correction as a new entry."
            )

    def corrections_of(self, sequence: int) -> tuple[DecisionEntry, ...]:
        """The later entries that correct entry ``sequence``."""
        return tuple(e for e in self.entries if e.draft.corrects == sequence)

    # -- file form ---------------------------------------------------------------------------
    def to_list(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.entries]

    @classmethod
    def from_list(cls, raw: Any) -> DecisionLog:
        """The log of :meth:`to_list`; :class:`DecisionLogTampered` when the chain breaks,
        :class:`DecisionLogError` when an entry is not an entry."""
        if not isinstance(raw, list):
            raise DecisionLogError("'decisions' must be a list of decision entries.")
        entries = []
        for k, item in enumerate(raw, start=1):
            try:
                entries.append(_entry_from_dict(item))
            except (KeyError, TypeError, ValueError, AttributeError):
                raise DecisionLogTampered(
                    f"Decision log entry {k} is incomplete or damaged: the log cannot be trusted. "
                    "Restore the project from a copy."
                ) from None
        return cls(tuple(entries))


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw[key]
    if not isinstance(value, str):
        raise TypeError(key)
    return value


def _whole(raw: Mapping[str, Any], key: str) -> int:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(key)
    return value


def _entry_from_dict(item: Mapping[str, Any]) -> DecisionEntry:
    """An entry exactly as written: every field present with its JSON type (a number where
    text was recorded is a change, even when it reads the same)."""
    corrects = item["corrects"]
    overrides = item["overrides"]
    if not isinstance(overrides, list):
        raise TypeError("overrides")
    draft = DecisionDraft(
        branch=_text(item, "branch"),
        portfolio=_text(item, "portfolio"),
        recommended=_text(item, "recommended"),
        approved_by=_text(item, "approved_by"),
        approved_at=_text(item, "approved_at"),
        vote=_text(item, "vote"),
        note=_text(item, "note"),
        overrides=tuple(
            Override(_text(o, "item"), _text(o, "recommended"), _text(o, "approved"),
                     _text(o, "reason"))
            for o in overrides
        ),
        corrects=None if corrects is None else _whole(item, "corrects"),
    )  # fmt: skip
    raw = item["fingerprint"]
    holdings = raw["holdings_sha256"]
    fingerprint = RunFingerprint(
        profile_sha256=_text(raw, "profile_sha256"),
        profile_schema=_whole(raw, "profile_schema"),
        data_sha256=_text(raw, "data_sha256"),
        holdings_sha256=None if holdings is None else _text(raw, "holdings_sha256"),
        code_revision=_text(raw, "code_revision"),
    )
    if set(item) != set(_ENTRY_KEYS) or set(raw) != set(_FINGERPRINT_KEYS):
        raise KeyError("an entry holds exactly the recorded fields")
    return DecisionEntry(
        sequence=_whole(item, "sequence"),
        recorded_utc=_text(item, "recorded_utc"),
        draft=draft,
        fingerprint=fingerprint,
        previous_sha256=_text(item, "previous_sha256"),
        entry_sha256=_text(item, "entry_sha256"),
    )


_ENTRY_KEYS = (
    "sequence", "recorded_utc", "branch", "portfolio", "recommended", "approved_by",
    "approved_at", "vote", "note", "overrides", "corrects", "fingerprint", "previous_sha256",
    "entry_sha256",
)  # fmt: skip
_FINGERPRINT_KEYS = (
    "profile_sha256", "profile_schema", "data_sha256", "holdings_sha256", "code_revision"
)  # fmt: skip
