"""IPS clauses as data: every limit of a profile carries a stable clause id and its wording.

Numbering scheme
----------------
A clause id is ``"<section>.<number>"``; the section is fixed by the kind of limit
(:class:`ClauseKind`): 1 return and liquidity objectives, 2 risk limits, 3 benchmark, 4 asset
allocation, 5 single-ETF limits, 6 group limits, 7 rebalancing. A profile keeps the ids it has
given out in ``IPSProfile.clause_ids`` (``{limit key: id}``, saved with the profile and the
project), so ids **survive edits**: changing a number keeps the id, and a limit added later gets
the next free number of its section, never renumbering the others. A removed limit keeps its id
reserved, so removing and re-adding a cap gives it back its old number. A profile without stored
ids (an old file) is numbered in the order its limits are stored.

Wording
-------
Each clause has generated wording ("Equity shall be between 45% and 70% of the portfolio.").
A committee may override it per clause id (``IPSProfile.clause_wording``); the override may use
the placeholders ``{min}``, ``{max}`` and ``{value}`` (percentages of the clause's current
limits, e.g. ``"{value}"`` of a cap), so a changed number shows in the overridden text too.

Units: limits are decimal fractions (0.45 = 45%) shown as percentages; volatility is
annualized; the drawdown tolerance is a positive peak-to-trough loss.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from core.errors import PolicyError

if TYPE_CHECKING:
    from core.policy.profile import GroupLimit, IPSProfile


class ClauseKind(str, Enum):
    """The kinds of IPS limit; each belongs to one numbered section."""

    RETURN_OBJECTIVE = "return_objective"
    SPENDING = "spending"
    LIQUIDITY_RESERVE = "liquidity_reserve"
    VOLATILITY = "volatility"
    DRAWDOWN = "drawdown"
    BENCHMARK = "benchmark"
    CLASS_RANGE = "class_range"
    MAX_SINGLE = "max_single_weight"
    ETF_MINIMUM = "etf_minimum"
    ETF_CAP = "etf_cap"
    GROUP = "group"
    DRIFT_ABSOLUTE = "drift_absolute"
    DRIFT_RELATIVE = "drift_relative"
    DRIFT_CLASS = "drift_asset_class"

    @property
    def section(self) -> int:
        return _SECTION_OF[self]


_SECTION_OF = {
    ClauseKind.RETURN_OBJECTIVE: 1,
    ClauseKind.SPENDING: 1,
    ClauseKind.LIQUIDITY_RESERVE: 1,
    ClauseKind.VOLATILITY: 2,
    ClauseKind.DRAWDOWN: 2,
    ClauseKind.BENCHMARK: 3,
    ClauseKind.CLASS_RANGE: 4,
    ClauseKind.MAX_SINGLE: 5,
    ClauseKind.ETF_MINIMUM: 5,
    ClauseKind.ETF_CAP: 5,
    ClauseKind.GROUP: 6,
    ClauseKind.DRIFT_ABSOLUTE: 7,
    ClauseKind.DRIFT_RELATIVE: 7,
    ClauseKind.DRIFT_CLASS: 7,
}

SECTION_TITLES = {
    1: "Return and liquidity objectives",
    2: "Risk limits",
    3: "Benchmark",
    4: "Asset allocation",
    5: "Single-ETF limits",
    6: "Group limits",
    7: "Rebalancing",
}

PLACEHOLDERS = ("min", "max", "value")
_ID = re.compile(r"^\d+\.\d+$")


def clause_key(kind: ClauseKind, subject: str = "") -> str:
    """The stored key of a limit: ``"class_range:Equity"``, ``"volatility"``."""
    return f"{kind.value}:{subject}" if subject else kind.value


@dataclass(frozen=True)
class Clause:
    """One clause of the policy statement.

    ``minimum`` / ``maximum`` are the clause's limits (decimal) where it has them; ``value``
    the single number of a one-number clause (a cap, a target, a band); None where not used.
    """

    id: str
    kind: ClauseKind
    subject: str
    title: str
    wording: str
    minimum: float | None = None
    maximum: float | None = None
    value: float | None = None
    custom_wording: bool = False

    @property
    def key(self) -> str:
        return clause_key(self.kind, self.subject)

    @property
    def section(self) -> int:
        return self.kind.section

    @property
    def section_title(self) -> str:
        return SECTION_TITLES[self.section]

    @property
    def text(self) -> str:
        """``"4.1 Equity shall be between 45% and 70% of the portfolio."``"""
        return f"{self.id} {self.wording}"


def pct(x: float) -> str:
    """``0.45 -> "45%"``, ``0.075 -> "7.5%"`` (at most four significant digits)."""
    return f"{x * 100:.4g}%"


@dataclass(frozen=True)
class _Limit:
    kind: ClauseKind
    subject: str
    title: str
    wording: str
    minimum: float | None = None
    maximum: float | None = None
    value: float | None = None


def _range_words(lo: float | None, hi: float | None) -> str:
    if lo is not None and lo > 0 and hi is not None and hi < 1:
        return f"between {pct(lo)} and {pct(hi)}"
    if lo is not None and lo > 0:
        return f"at least {pct(lo)}"
    if hi is not None:
        return f"at most {pct(hi)}"
    return "any share"


def _return_words(profile: IPSProfile) -> str:
    """``"6% a year (nominal)"`` or ``"inflation (2.5% assumed) + 4% a year"``."""
    from core.policy.profile import ReturnBasis

    assert profile.target_return is not None
    if profile.return_basis is ReturnBasis.INFLATION_PLUS:
        return f"inflation ({pct(profile.inflation)} assumed) + {pct(profile.target_return)} a year"
    return f"{pct(profile.target_return)} a year (nominal)"


def _limits(profile: IPSProfile) -> Iterator[_Limit]:
    """Every limit of ``profile`` in the canonical order (the order fresh ids are given in)."""
    from core.policy.profile import SpendingKind

    K = ClauseKind
    if profile.target_return is not None:
        yield _Limit(
            K.RETURN_OBJECTIVE,
            "",
            "Return objective",
            f"The portfolio shall seek a return of {_return_words(profile)} over the "
            f"{profile.horizon_years:g}-year horizon.",
            value=profile.target_return,
        )
    spending = profile.spending
    if spending.kind is not SpendingKind.NONE and spending.value != 0:
        yield _Limit(
            K.SPENDING,
            "",
            "Spending rule",
            f"The portfolio shall {spending.describe()}.",
            value=spending.value if spending.kind is SpendingKind.PERCENT_OF_ASSETS else None,
        )
    if profile.liquidity_reserve > 0:
        yield _Limit(
            K.LIQUIDITY_RESERVE,
            "",
            "Liquidity reserve",
            f"Assets shall not fall below {pct(profile.liquidity_reserve)} of the starting assets "
            "(liquidity reserve).",
            value=profile.liquidity_reserve,
        )
    yield _Limit(
        K.VOLATILITY,
        "",
        "Volatility target",
        f"The ex-ante annualized volatility of the portfolio shall not exceed "
        f"{pct(profile.max_volatility)}.",
        maximum=profile.max_volatility,
        value=profile.max_volatility,
    )
    yield _Limit(
        K.DRAWDOWN,
        "",
        "Drawdown tolerance",
        f"The peak-to-trough loss of the portfolio shall not exceed {pct(profile.max_drawdown)} "
        "(measured on the monthly history and in the stress scenarios).",
        maximum=profile.max_drawdown,
        value=profile.max_drawdown,
    )
    yield _Limit(
        K.BENCHMARK,
        "",
        "Policy benchmark",
        f"Performance shall be measured against a policy benchmark of {profile.benchmark_label}.",
    )
    for cls, rng in profile.class_ranges.items():
        yield _Limit(
            K.CLASS_RANGE,
            cls,
            f"{cls} allocation",
            f"{cls} shall be {_range_words(rng.minimum, rng.maximum)} of the portfolio.",
            minimum=rng.minimum,
            maximum=rng.maximum,
        )
    yield _Limit(
        K.MAX_SINGLE,
        "",
        "Maximum single-ETF weight",
        f"No single ETF shall exceed {pct(profile.max_single_weight)} of the portfolio.",
        maximum=profile.max_single_weight,
        value=profile.max_single_weight,
    )
    for ticker, lo in profile.asset_minimums.items():
        if lo > 0:
            yield _Limit(
                K.ETF_MINIMUM,
                ticker,
                f"{ticker} minimum",
                f"{ticker} shall be at least {pct(lo)} of the portfolio.",
                minimum=lo,
                value=lo,
            )
    for ticker, hi in profile.asset_caps.items():
        yield _Limit(
            K.ETF_CAP,
            ticker,
            f"{ticker} cap",
            f"{ticker} shall be at most {pct(hi)} of the portfolio.",
            maximum=hi,
            value=hi,
        )
    for name, group in group_subjects(profile).items():
        yield _Limit(
            K.GROUP,
            name,
            f"Group {group.name}",
            f"{group.name} ({' + '.join(group.tickers)}) together shall be "
            f"{_range_words(group.minimum, group.maximum)} of the portfolio.",
            minimum=group.minimum,
            maximum=group.maximum,
        )
    bands = profile.drift_bands
    yield _Limit(
        K.DRIFT_ABSOLUTE,
        "",
        "Drift band (absolute)",
        f"An ETF shall be rebalanced when its weight drifts more than {bands.absolute * 100:.4g} "
        "percentage points from its target.",
        value=bands.absolute,
    )
    if bands.relative is not None:
        yield _Limit(
            K.DRIFT_RELATIVE,
            "",
            "Drift band (relative)",
            f"An ETF shall also be rebalanced when it drifts more than {pct(bands.relative)} of "
            "its target weight.",
            value=bands.relative,
        )
    if bands.asset_class is not None:
        yield _Limit(
            K.DRIFT_CLASS,
            "",
            "Drift band (asset class)",
            f"An asset class shall be rebalanced when it drifts more than "
            f"{bands.asset_class * 100:.4g} percentage points from its target.",
            value=bands.asset_class,
        )


def group_subjects(profile: IPSProfile) -> dict[str, GroupLimit]:
    """``{clause subject: group}``: the group's name, made unique by its position if repeated."""
    out: dict[str, GroupLimit] = {}
    for i, group in enumerate(profile.groups):
        subject = group.name if group.name not in out else f"{group.name} #{i + 1}"
        out[subject] = group
    return out


def group_subject(profile: IPSProfile, position: int) -> str:
    """The clause subject of ``profile.groups[position]``."""
    return list(group_subjects(profile))[position]


def assign_clause_ids(profile: IPSProfile) -> dict[str, str]:
    """``profile.clause_ids`` completed: every limit without an id gets the next free number of
    its section (module docstring). Raises :class:`PolicyError` for a malformed or repeated id."""
    ids = dict(profile.clause_ids)
    owner: dict[str, str] = {}
    for key, cid in ids.items():
        if not isinstance(cid, str) or not _ID.match(cid):
            raise PolicyError(
                f"Profile '{profile.name}': clause id {cid!r} of {key} must look like '4.2' "
                "(section.number)."
            )
        if cid in owner:
            raise PolicyError(
                f"Profile '{profile.name}': clause {cid} is given to both {owner[cid]} and {key}: "
                "give each limit its own number."
            )
        owner[cid] = key
    for limit in _limits(profile):
        key = clause_key(limit.kind, limit.subject)
        if key in ids:
            continue
        section = limit.kind.section
        used = [int(c.split(".")[1]) for c in ids.values() if c.split(".")[0] == str(section)]
        ids[key] = f"{section}.{max(used, default=0) + 1}"
    return ids


def check_wording(profile: IPSProfile) -> None:
    """Raise :class:`PolicyError` when an overridden wording uses an unknown placeholder."""
    for cid, text in profile.clause_wording.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        unknown = sorted(fields - set(PLACEHOLDERS))
        if unknown:
            raise PolicyError(
                f"Profile '{profile.name}': the wording of clause {cid} uses {{{unknown[0]}}}; "
                f"the placeholders are {', '.join('{' + p + '}' for p in PLACEHOLDERS)} "
                "(write {{ and }} for braces)."
            )


def _render(text: str, limit: _Limit) -> str:
    def shown(x: float | None) -> str:
        return pct(x) if x is not None else "(none)"

    return text.format(min=shown(limit.minimum), max=shown(limit.maximum), value=shown(limit.value))


def policy_clauses(profile: IPSProfile) -> tuple[Clause, ...]:
    """Every clause of ``profile`` in section order, then number order."""
    out = []
    for limit in _limits(profile):
        cid = profile.clause_ids[clause_key(limit.kind, limit.subject)]
        custom = profile.clause_wording.get(cid)
        out.append(
            Clause(
                id=cid,
                kind=limit.kind,
                subject=limit.subject,
                title=limit.title,
                wording=_render(custom, limit) if custom else limit.wording,
                minimum=limit.minimum,
                maximum=limit.maximum,
                value=limit.value,
                custom_wording=bool(custom),
            )
        )
    return tuple(sorted(out, key=lambda c: tuple(int(p) for p in c.id.split("."))))


def clause_id(profile: IPSProfile, kind: ClauseKind, subject: str = "") -> str | None:
    """The id of a limit of ``profile`` (None when the profile has no such limit id)."""
    return profile.clause_ids.get(clause_key(kind, subject))


def clause_ref(profile: IPSProfile, kind: ClauseKind, subject: str = "") -> str:
    """``" (IPS 2.1)"`` for a sentence that comes from a clause, ``""`` when there is none."""
    cid = clause_id(profile, kind, subject)
    return f" (IPS {cid})" if cid else ""


def with_wording(profile: IPSProfile, cid: str, text: str | None) -> IPSProfile:
    """``profile`` with clause ``cid``'s wording overridden (``text``), or back to the generated
    wording (None or blank). :class:`PolicyError` for an unknown clause or placeholder."""
    if cid not in {c.id for c in policy_clauses(profile)}:
        raise PolicyError(f"There is no clause {cid} in profile '{profile.name}'.")
    wording = dict(profile.clause_wording)
    if text is None or not text.strip():
        wording.pop(cid, None)
    else:
        wording[cid] = text.strip()
    return profile.with_changes(clause_wording=wording)


def clauses_by_id(profile: IPSProfile) -> Mapping[str, Clause]:
    return {c.id: c for c in policy_clauses(profile)}


def drift_band_clauses(profile: IPSProfile) -> dict[str, str]:
    """``{"absolute": id, "relative": id, "asset_class": id}`` for the bands the profile sets
    (the keys are :class:`~core.policy.profile.DriftBands` field names)."""
    out = {}
    for band, kind in (
        ("absolute", ClauseKind.DRIFT_ABSOLUTE),
        ("relative", ClauseKind.DRIFT_RELATIVE),
        ("asset_class", ClauseKind.DRIFT_CLASS),
    ):
        cid = clause_id(profile, kind)
        if cid is not None and getattr(profile.drift_bands, band) is not None:
            out[band] = cid
    return out
