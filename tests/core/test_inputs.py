"""The one input grammar (core.inputs): numbers, percent units and pasted blocks."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.inputs import (
    MAX_BLOCK_CHARS,
    MAX_CELL_CHARS,
    check_text,
    parse_number,
    parse_percent,
    split_block,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.5", 1234.5),
        (" $1,234 ", 1234.0),
        ("(500)", -500.0),
        ("\u2212250", -250.0),
        ("+7", 7.0),
        ("1e3", 1000.0),
        ("\u00a012\u00a0", 12.0),
        ("", None),
        ("   ", None),
        (None, None),
        (3, 3.0),
    ],
)
def test_numbers_by_hand(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1.234,5", "commas only as thousands separators"),
        ("12,34", "commas only as thousands separators"),
        ("12%", "without a % sign"),
        ("abc", "is not a number"),
        (float("nan"), "finite"),
        ("1e400", "finite"),
        (True, "is not a number"),
    ],
)
def test_bad_numbers_say_what_to_type(text, words):
    with pytest.raises(ValueError, match=words):
        parse_number(text)


def test_percent_sign_only_where_allowed():
    assert parse_number("12%", allow_percent=True) == pytest.approx(0.12)
    assert parse_number("(12.5%)", allow_percent=True) == pytest.approx(-0.125)


@pytest.mark.parametrize(
    ("typed", "decimal"),
    [(15, 0.15), ("15", 0.15), ("15%", 0.15), (" 15.5 % ", 0.155), ("0", 0.0), ("100%", 1.0)],
)
def test_percent_units(typed, decimal):
    assert parse_percent(typed) == decimal


def test_percent_bounds_blank_and_messages():
    assert parse_percent("", optional=True) is None
    with pytest.raises(ValueError, match="needs a value"):
        parse_percent("  ")
    with pytest.raises(ValueError, match="between 0 and 100"):
        parse_percent("120")
    with pytest.raises(ValueError, match="of -100 or more"):
        parse_percent("-150", lower=-100, upper=None)
    assert parse_percent("\u221220%", lower=None, upper=None) == pytest.approx(-0.2)
    with pytest.raises(ValueError, match="'lots' is not a percentage: type a number such as 15"):
        parse_percent("lots")


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_a_number_written_with_separators_reads_back(x):
    text = f"{x:,.6f}"
    assert parse_number(text) == pytest.approx(float(f"{x:.6f}"), rel=1e-12, abs=1e-9)
    assert parse_number(f"({abs(x):,.6f})") == pytest.approx(-abs(float(f"{x:.6f}")), abs=1e-9)


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_a_percentage_written_either_way_reads_the_same(x):
    text = f"{x:.4f}"
    assert parse_percent(text) == parse_percent(text + "%") == round(float(text) / 100, 12)
    assert math.isclose(parse_percent(text) * 100, float(text), abs_tol=1e-9)


def test_blocks_as_excel_copies_them():
    assert split_block("a\tb\r\n1\t2\r\n") == [["a", "b"], ["1", "2"]]
    assert split_block("a\rb\n") == [["a"], ["b"]]
    assert split_block('"x\ty"\tz\n') == [["x\ty", "z"]]
    assert split_block("\r\n\r\n") == []
    with pytest.raises(ValueError, match="type at most 1,000 characters a cell"):
        split_block("x" * 131_073)  # over the csv module's own field limit
    with pytest.raises(ValueError, match="paste at most"):
        split_block("x" * (MAX_BLOCK_CHARS + 1))


def test_text_cells_are_bounded():
    assert check_text("  SPY ") == "SPY"
    assert len(check_text("x" * MAX_CELL_CHARS)) == MAX_CELL_CHARS
    with pytest.raises(ValueError, match="type at most 1,000"):
        check_text("x" * 131_073, what="the scenario name")
    with pytest.raises(ValueError, match="type at most"):
        parse_number("1" * (MAX_CELL_CHARS + 1))
