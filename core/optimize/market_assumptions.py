"""Capital market assumptions: expected returns a committee types or imports, with their source.

An assumption names an ETF ticker or an asset class, an expected return (annual, arithmetic,
total, decimal) and where it comes from ("JPM LTCMA 2026", "committee"). An ETF takes its own
assumption if there is one, otherwise its asset class's; an ETF with neither is an error that
names it. A CSV file has the columns ``asset, expected_return, source`` (``asset`` = ticker or
class; the return in percent units: ``7`` or ``7%`` = 7% a year). Lines starting with ``#`` are
comments.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import DataError
from core.inputs import check_text, parse_percent

MIN_RETURN, MAX_RETURN = -0.20, 0.30
"""Plausible range of a long-term annual expected return, decimal (-20% to 30%)."""


@dataclass(frozen=True)
class MarketAssumption:
    """``target`` (ticker or asset class) is expected to return ``expected_return`` a year
    (annual total return, decimal), according to ``source``."""

    target: str
    expected_return: float
    source: str

    def describe(self) -> str:
        return f"{self.target} {self.expected_return:.2%} ({self.source})"


def check_assumptions(
    assumptions: Sequence[MarketAssumption],
    tickers: Sequence[str],
    groups: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Raise :class:`DataError` naming the row and what to change (unknown asset, implausible
    return, no source, the same asset twice)."""
    known = set(tickers) | set(groups or {})
    seen: set[str] = set()
    for i, a in enumerate(assumptions, start=1):
        where = f"Assumption {i} ({a.target or 'no asset'})"
        if a.target not in known:
            raise DataError(
                f"{where}: {a.target or 'the asset'!r} is not an ETF of the universe or an asset "
                "class; use a ticker such as SPY or a class name."
            )
        if a.target in seen:
            raise DataError(f"{where}: {a.target} has two assumptions; keep one.")
        seen.add(a.target)
        r = a.expected_return
        if not (math.isfinite(r) and MIN_RETURN <= r <= MAX_RETURN):
            raise DataError(
                f"{where}: {r:.2%} a year is outside the plausible {MIN_RETURN:.0%} to "
                f"{MAX_RETURN:.0%}; type 7 for 7%."
            )
        if not a.source.strip():
            raise DataError(f"{where}: say where the number comes from (e.g. 'committee').")


def assumed_returns(
    assumptions: Sequence[MarketAssumption],
    tickers: Sequence[str],
    groups: Mapping[str, Sequence[str]] | None = None,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Per ETF (in ``tickers`` order): its expected return (annual decimal) and source text.

    Raises
    ------
    DataError
        An assumption is invalid (:func:`check_assumptions`) or ETFs have none, named.
    """
    groups = groups or {}
    check_assumptions(assumptions, tickers, groups)
    by_target = {a.target: a for a in assumptions}
    class_of = {t: c for c, members in groups.items() for t in members}
    values, sources, missing = [], [], []
    for t in tickers:
        a = by_target.get(t) or by_target.get(class_of.get(t, ""))
        if a is None:
            missing.append(f"{t} ({class_of[t]})" if t in class_of else t)
            continue
        values.append(a.expected_return)
        sources.append(a.source if a.target == t else f"{a.source}, via {a.target}")
    if missing:
        raise DataError(
            "Capital market assumptions: no expected return for "
            f"{', '.join(missing)}; add a row for the ETF or its asset class."
        )
    return np.array(values), tuple(sources)


def parse_assumptions_csv(
    text: str, *, origin: str = "assumptions file"
) -> tuple[MarketAssumption, ...]:
    """Read the CSV of the module docstring; every bad cell is a :class:`DataError` naming it."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    rows = [r for r in rows if any(c.strip() for c in r) and not r[0].lstrip().startswith("#")]
    if not rows:
        raise DataError(f"{origin}: the file holds no rows.")
    header = [c.strip().lower() for c in rows[0]]
    needed = ("asset", "expected_return", "source")
    if any(h not in header for h in needed):
        raise DataError(
            f"{origin}: the first row must name the columns asset, expected_return, source "
            f"(found {', '.join(header) or 'nothing'})."
        )
    col = {h: header.index(h) for h in needed}
    out = []
    for line, row in enumerate(rows[1:], start=2):
        cells = {h: (row[i].strip() if i < len(row) else "") for h, i in col.items()}
        where = f"{origin}, row {line}"
        try:
            target = check_text(cells["asset"], what="an asset")
            value = parse_percent(
                cells["expected_return"], lower=None, upper=None, what="a return", example="7 or 7%"
            )
        except ValueError as exc:
            raise DataError(f"{where}: {exc}") from None
        if value is None:
            raise DataError(f"{where}: the expected return is empty; type 7 for 7%.")
        out.append(MarketAssumption(target, value, cells["source"]))
    return tuple(out)


def load_assumptions_csv(path: str | Path) -> tuple[MarketAssumption, ...]:
    """:func:`parse_assumptions_csv` of a file; unreadable files are a :class:`DataError`."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{file.name}: cannot be read as a text CSV file ({exc}).") from None
    return parse_assumptions_csv(text, origin=file.name)


def assumption_to_dict(assumption: MarketAssumption) -> dict[str, object]:
    """A JSON-ready assumption (the return as a decimal)."""
    return {
        "asset": assumption.target,
        "expected_return": assumption.expected_return,
        "source": assumption.source,
    }


def assumption_from_dict(raw: object, *, where: str = "assumption") -> MarketAssumption:
    """The inverse of :func:`assumption_to_dict`; a :class:`DataError` names what is wrong."""
    if not isinstance(raw, Mapping):
        raise DataError(f"{where} must be an object with asset, expected_return, source.")
    asset, value, source = raw.get("asset"), raw.get("expected_return"), raw.get("source")
    if not isinstance(asset, str) or not isinstance(source, str):
        raise DataError(f"{where}: 'asset' and 'source' must be text.")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DataError(f"{where}: 'expected_return' must be a number (a decimal, 0.07 = 7%).")
    return MarketAssumption(asset, float(value), source)
