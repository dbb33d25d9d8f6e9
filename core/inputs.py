"""The input grammar: how a number, a percentage or a pasted block typed by a user is read.

One place for every editable table (holdings, IPS limits, stress shocks) and for paste from
Excel, so that a fix to parsing lands once. Returns files have their own, wider grammar
(decimal commas, missing-value tokens: :mod:`core.data.importer`).

Numbers (:func:`parse_number`)
    Surrounding spaces and non-breaking spaces are ignored, and so is a leading ``$``. Commas
    are thousands separators (``"1,234.5"`` = 1234.5); a comma as a decimal mark
    (``"1.234,5"``) is refused. ``"(500)"`` is the accountant's -500; the Unicode minus
    ``"−"`` is a minus. ``"12%"`` reads as 0.12 only where a percentage makes sense
    (``allow_percent=True``). Empty cells are ``None``; NaN and infinities are refused.
Percent units (:func:`parse_percent`)
    Where a cell *shows* a percentage (an IPS limit, a stress shock), typed input is in percent
    units with or without the sign: ``15``, ``"15"``, ``"15%"`` and ``" 15.5 % "`` all mean
    15% (0.15 as a decimal). Bounds are checked in percent units.
Blocks (:func:`split_block`)
    A tab-separated block as Excel copies it: CRLF, LF or CR line ends, the trailing newline
    Excel appends, quoted cells. Cells stay text: each is read by its column's rule.
Text cells
    At most :data:`MAX_CELL_CHARS` characters (:func:`check_text`): a pasted novel in a name
    cell is refused with a message instead of reaching a label or a file.
"""

from __future__ import annotations

import csv
import io
import math
import re

MAX_CELL_CHARS = 1_000
"""The longest text a cell takes (names, tickers, notes)."""
MAX_BLOCK_CHARS = 2_000_000
"""The longest clipboard text a paste reads (about 100,000 cells)."""

_PLAIN = re.compile(r"[+-]?\d{1,15}(\.\d+)?")  # the common case, read without the full grammar
_NUMBER = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$")
_LOOKS_NUMERIC = re.compile(r"^[\s$(+\-\u2212.]*\d")


def looks_numeric(text: str) -> bool:
    """True when ``text`` starts like a number (digits after an optional sign, ``$`` or ``(``)."""
    return bool(_LOOKS_NUMERIC.match(text))


def check_text(value: object, *, what: str = "this cell") -> str:
    """``value`` as stripped text, or :class:`ValueError` when it is over :data:`MAX_CELL_CHARS`."""
    text = "" if value is None else str(value).replace("\u00a0", " ").strip()
    if len(text) > MAX_CELL_CHARS:
        raise ValueError(f"{what} holds {len(text):,} characters; type at most {MAX_CELL_CHARS:,}")
    return text


def parse_number(
    value: object, *, allow_percent: bool = False, what: str = "a number"
) -> float | None:
    """Read one cell as a float; ``None`` for an empty cell.

    Parameters
    ----------
    value : str, int, float or None
        The cell as typed, pasted or read from a file.
    allow_percent : bool
        Accept ``"12%"`` as 0.12. Otherwise a percentage is refused.
    what : str
        How the value is named in the error message ("the number of shares").

    Raises
    ------
    ValueError
        With a message for the user (the caller adds the row and column).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not {what}; type digits such as 1,234.5")
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{value!r} is not {what}; type a finite number")
        return number
    text = check_text(value, what=what).replace("\u2212", "-")
    if not text:
        return None
    if _PLAIN.fullmatch(text):  # "12", "-3.5": nothing else to read (a paste of 100,000 cells)
        return float(text)
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1].strip()
    percent = text.endswith("%")
    if percent:
        if not allow_percent:
            raise ValueError(
                f"'{str(value).strip()}' is a percentage; enter {what} without a % sign"
            )
        text = text[:-1].strip()
    sign = ""
    if text[:1] in "+-":
        sign, text = text[0], text[1:].strip()
    if text.startswith("$"):
        text = text[1:].strip()
    if not text or not _NUMBER.match(text) or not any(ch.isdigit() for ch in text):
        raise ValueError(
            f"'{str(value).strip()}' is not {what}; type digits such as 1,234.5 "
            "(commas only as thousands separators)"
        )
    number = float(sign + text.replace(",", ""))
    if not math.isfinite(number):
        raise ValueError(f"'{str(value).strip()}' is not {what}; type a finite number")
    if negative:
        number = -number
    return number / 100.0 if percent else number


def parse_percent(
    value: object,
    *,
    optional: bool = False,
    lower: float | None = 0.0,
    upper: float | None = 100.0,
    what: str = "a percentage",
    example: str = "15 or 15%",
) -> float | None:
    """Typed input in percent units -> a decimal fraction (``"15"``, ``15``, ``"15 %"`` -> 0.15).

    Parameters
    ----------
    optional : bool
        A blank cell gives ``None`` (no limit) instead of an error.
    lower, upper : float or None
        Inclusive bounds in percent units (``None``: unbounded on that side).
    what, example : str
        How the value is named in messages, and what to type instead ("-20 or -20%").

    Raises
    ------
    ValueError
        With a message for the user that says what to type.
    """
    example = f"type a number such as {example}"
    if value is None or (isinstance(value, str) and not value.strip()):
        if optional:
            return None
        raise ValueError(f"{what} needs a value: {example}.")
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not {what}: {example}.")
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{value!r} is not {what}: {example}.")
    else:
        text = check_text(value, what=what).replace(" ", "")
        if text.endswith("%"):
            text = text[:-1]
        try:
            parsed = parse_number(text, what=what)
        except ValueError:
            raise ValueError(f"'{str(value).strip()}' is not {what}: {example}.") from None
        if parsed is None:
            raise ValueError(f"'{str(value).strip()}' is not {what}: {example}.")
        number = parsed
    too_low = lower is not None and number < lower
    too_high = upper is not None and number > upper
    if too_low or too_high:
        if lower is not None and upper is not None:
            span = f"between {lower:g} and {upper:g}"
        elif lower is not None:
            span = f"of {lower:g} or more"
        else:
            span = f"of {upper:g} or less"
        raise ValueError(f"{number:g}% is out of range: type a percentage {span}.")
    return round(number / 100.0, 12)


def split_block(text: str) -> list[list[str]]:
    """A tab-separated block as Excel copies it, as rows of raw text cells; ``[]`` when empty.

    Raises
    ------
    ValueError
        The text is longer than :data:`MAX_BLOCK_CHARS` (not a block anyone copied by hand).
    """
    if len(text) > MAX_BLOCK_CHARS:
        raise ValueError(
            f"the clipboard holds {len(text):,} characters; paste at most "
            f"{MAX_BLOCK_CHARS:,} at a time"
        )
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    while body.endswith("\n"):
        body = body[:-1]
    if not body.strip():
        return []
    try:
        return [list(row) for row in csv.reader(io.StringIO(body, newline=""), delimiter="\t")]
    except csv.Error:  # a cell over the csv module's field limit (131,072 characters)
        raise ValueError(
            f"a pasted cell is far too long; type at most {MAX_CELL_CHARS:,} characters a cell"
        ) from None
