"""Display formats and input parsing shared by the table models (no Qt here).

Format kinds match :class:`core.analytics.metrics.MetricKind` values plus ``"text"`` and
``"status"``. Percent input rule used everywhere a percentage is typed: the number is in
percent units, with or without a ``%`` sign (``15``, ``15%`` and ``15.0 %`` all mean 15%).
"""

from __future__ import annotations

import math
from typing import Any

from core.inputs import parse_percent as _parse_percent

PERCENT = "percent"
RATIO = "ratio"
CURRENCY = "currency"
COUNT = "count"
TEXT = "text"
STATUS = "status"
NUMERIC_KINDS = frozenset({PERCENT, RATIO, CURRENCY, COUNT})

MISSING = "—"
PERCENT_INPUT_HELP = (
    "Type a percentage: 15 or 15% both mean 15% (0.15 would mean 0.15%). "
    "Leave an optional limit blank to remove it."
)


def is_missing(value: Any) -> bool:
    """True for None and NaN (a NaN metric is 'not defined', never zero)."""
    if value is None:
        return True
    try:
        return math.isnan(value)
    except TypeError:
        return False


def format_value(value: Any, kind: str, decimals: int = 1) -> str:
    """``0.1234`` -> ``"12.3%"`` (percent), ``"0.12"`` (ratio), ``"$123,400"`` (currency)."""
    if kind in (TEXT, STATUS):
        return "" if value is None else str(value)
    if is_missing(value):
        return MISSING
    number = float(value)
    if kind == PERCENT:
        shown = round(number * 100, decimals)
        return f"{shown + 0.0 if shown else 0.0:.{decimals}f}%"  # no "-0.0%" for rounding noise
    if kind == RATIO:
        return f"{number:.2f}"
    if kind == CURRENCY:
        sign = "-" if number < 0 else ""
        return f"{sign}${abs(number):,.0f}"
    if kind == COUNT:
        return f"{int(round(number)):,d}"
    return str(value)


def full_precision(value: Any, kind: str) -> str:
    """Tooltip text with every significant digit (``"12.345678%"``)."""
    if kind in (TEXT, STATUS):
        return "" if value is None else str(value)
    if is_missing(value):
        return "Not defined for this sample"
    number = float(value)
    if kind == PERCENT:
        return f"{number * 100:.6g}% ({number:.10g})"
    if kind == CURRENCY:
        return f"${number:,.2f}"
    return f"{number:.10g}"


def parse_percent(value: Any, *, optional: bool = False) -> float | None:
    """A limit typed in percent units -> decimal in [0, 1] (the grammar of :mod:`core.inputs`)."""
    return _parse_percent(value, optional=optional)


def percent_decimals(value: float) -> int:
    """1 decimal when it shows ``value`` exactly (45.0%, 7.5%), else 2 (7.25%)."""
    tenths = value * 1000
    return 1 if abs(tenths - round(tenths)) < 1e-6 else 2


def percent_edit_value(value: float | None) -> float | None:
    """Edit-role value of a decimal fraction in percent units (0.15 -> 15.0)."""
    return None if value is None else round(value * 100.0, 10)


def ambiguous_fraction(typed: Any, current_percent: float | None) -> str | None:
    """A question when ``typed`` looks like a decimal fraction typed into a percent cell.

    Percent cells read ``0.15`` as 0.15%, but someone who types 0.15 often means 15%. Text
    strictly between -1 and 1 (not 0), without a ``%`` sign and different from the cell's
    current value (``current_percent``, percent units: pressing Enter on an unchanged 0.5%
    limit is no question) returns the message asking which was meant; otherwise None.
    """
    if not isinstance(typed, str) or "%" in typed:
        return None
    try:
        number = float(typed.strip().replace("\u2212", "-"))
    except ValueError:
        return None
    if number == 0 or not -1 < number < 1:
        return None
    if current_percent is not None and abs(number - current_percent) <= 1e-9:
        return None
    shown = f"{number:g}"
    return (
        f"{shown} would mean {shown}%: percent cells take percent units. Type "
        f"{number * 100:g} for {number * 100:g}%, or {shown}% if you mean {shown}%."
    )
