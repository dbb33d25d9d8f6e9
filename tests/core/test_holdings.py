"""Holdings: the dataclass, number cells, pasted blocks, tables and files (CSV, XLSX)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import DataError
from core.rebalance import (
    CASH_LABEL,
    Holdings,
    HoldingsInputError,
    demo_holdings,
    load_holdings_file,
    parse_holdings_table,
    parse_number,
    parse_pasted_block,
)
from core.universe import default_universe

UNIVERSE = default_universe()


# -- Holdings ---------------------------------------------------------------------------------
def test_values_and_weights_include_the_cash_line():
    h = Holdings({"SPY": 10, "AGG": 20.5}, {"SPY": 500.0, "AGG": 100.0}, cash=2_950.0)
    assert h.market_values.to_dict() == {"SPY": 5_000.0, "AGG": 2_050.0}
    assert h.total_value == 10_000.0
    assert h.weights.to_dict() == pytest.approx({"SPY": 0.5, "AGG": 0.205, CASH_LABEL: 0.295})
    assert h.weights.sum() == pytest.approx(1.0, abs=1e-15)
    assert list(h.to_frame()["ticker"]) == ["SPY", "AGG", CASH_LABEL]


def test_unrealized_gain_uses_total_cost_basis():
    h = Holdings({"SPY": 10}, {"SPY": 500.0}, cost_basis={"SPY": 4_000.0})
    assert h.unrealized_gain.to_dict() == {"SPY": 1_000.0}


@pytest.mark.parametrize(
    ("positions", "prices", "cash", "words"),
    [
        ({"SPY": -1}, {"SPY": 1.0}, 0.0, "0 or more shares"),
        ({"SPY": 1}, {}, 0.0, "no price"),
        ({"SPY": 1}, {"SPY": 0.0}, 0.0, "positive"),
        ({"SPY": 1}, {"SPY": 1.0}, -5.0, "cash balance of 0 or more"),
    ],
)
def test_invalid_holdings_are_refused_with_what_to_change(positions, prices, cash, words):
    with pytest.raises(DataError, match=words):
        Holdings(positions, prices, cash)


def test_an_empty_account_has_no_weights():
    with pytest.raises(DataError, match="empty"):
        _ = Holdings({}, {}, 0.0).weights


# -- number cells -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.5", 1234.5),
        ("$1,234", 1234.0),
        ("  12 ", 12.0),
        ("(500)", -500.0),
        ("-3.5", -3.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("", None),
        (" \u00a0", None),
        (None, None),
        (7, 7.0),
    ],
)
def test_parse_number_accepts_what_people_type(text, expected):
    assert parse_number(text) == expected


def test_percent_only_where_allowed():
    assert parse_number("12%", allow_percent=True) == pytest.approx(0.12)
    with pytest.raises(ValueError, match="without a % sign"):
        parse_number("12%", what="the number of shares")


@pytest.mark.parametrize("text", ["1.234,5", "12,34", "ten", "1,2x3", "$", "--1", "1 000", True])
def test_parse_number_refuses_malformed_cells(text):
    with pytest.raises(ValueError, match="not a number|digits"):
        parse_number(text)


# -- pasted blocks ----------------------------------------------------------------------------
def test_pasted_excel_block_with_crlf_trailing_newline_percent_and_thousands():
    text = "ticker\tshares\tweight\r\nSPY\t1,200\t12.5%\r\nAGG\t$3,400.5\t\r\n"
    assert parse_pasted_block(text) == [
        ["ticker", "shares", "weight"],
        ["SPY", 1200.0, 0.125],
        ["AGG", 3400.5, None],
    ]


def test_pasted_block_pads_short_rows_and_reads_quoted_cells():
    assert parse_pasted_block('"SPY"\t1\nAGG') == [["SPY", 1.0], ["AGG", None]]


def test_pasted_block_names_the_bad_cell():
    with pytest.raises(HoldingsInputError) as info:
        parse_pasted_block("SPY\t100\nAGG\t1,2x3\n")
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "2")]
    assert "Row 2, column 2" in str(info.value)


def test_an_empty_clipboard_is_refused():
    with pytest.raises(HoldingsInputError, match="no cells"):
        parse_pasted_block("\r\n")


_formats = st.sampled_from(["{:,.2f}", "{:.2f}", "${:,.2f}", "{:,.2f}%"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 10**9), _formats), min_size=1, max_size=4),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from(["\r\n", "\n"]),
    st.booleans(),
)
def test_any_block_of_formatted_numbers_round_trips(grid, newline, trailing):
    width = max(len(row) for row in grid)
    text = newline.join("\t".join(fmt.format(cents / 100) for cents, fmt in row) for row in grid)
    cells = parse_pasted_block(text + (newline if trailing else ""))
    assert len(cells) == len(grid) and all(len(row) == width for row in cells)
    for parsed, row in zip(cells, grid, strict=True):
        for value, (cents, fmt) in zip(parsed, row, strict=False):
            expected = cents / 100 / (100 if fmt.endswith("%") else 1)
            assert value == pytest.approx(expected, rel=1e-12, abs=1e-12)


# -- tables -----------------------------------------------------------------------------------
def test_table_with_header_aliases_any_order_and_a_cash_row():
    rows = [
        ["Symbol", "Price", "Quantity", "Cost Basis"],
        [" spy ", "$600.00", "1,000", "500,000"],
        ["AGG", "", "250.5", ""],
        ["CASH", "", "12,345.67", ""],
    ]
    h = parse_holdings_table(rows, universe=UNIVERSE, default_prices={"AGG": 99.0, "TLT": 90.0})
    assert h.positions == {"SPY": 1000.0, "AGG": 250.5}
    assert h.prices["SPY"] == 600.0 and h.prices["AGG"] == 99.0
    assert h.prices["TLT"] == 90.0  # a default price lets the rebalancer buy an ETF not yet held
    assert h.cash == pytest.approx(12_345.67)
    assert h.cost_basis == {"SPY": 500_000.0}


def test_cash_column_repeated_on_every_row():
    rows = [
        ["ticker", "shares", "price", "cash"],
        ["SPY", 1, 600, "5,000"],
        ["AGG", 2, 99, "5,000"],
    ]
    assert parse_holdings_table(rows).cash == 5_000.0
    rows[2][3] = "4,000"
    with pytest.raises(HoldingsInputError, match="Row 3, column cash"):
        parse_holdings_table(rows)


def _problems(rows, **kwargs):
    with pytest.raises(HoldingsInputError) as info:
        parse_holdings_table(rows, universe=UNIVERSE, **kwargs)
    return info.value


def test_every_invalid_cell_is_named_by_row_and_column_with_what_to_change():
    error = _problems(
        [
            ["ticker", "shares", "price"],
            ["SPY", "-10", "600"],  # row 2: negative shares
            ["AGG", "ten", "99"],  # row 3: text in a number cell
            ["XYZ", "5", "10"],  # row 4: unknown ticker
            ["SPY", "1", "600"],  # row 5: duplicate
            ["TLT", "5", ""],  # row 6: no price and no default
            ["SHY", "10%", "82"],  # row 7: a percentage of shares
        ]
    )
    found = [(p.row, p.column) for p in error.problems]
    assert found == [
        (2, "shares"),
        (3, "shares"),
        (4, "ticker"),
        (5, "ticker"),
        (6, "price"),
        (7, "shares"),
    ]
    messages = [p.message for p in error.problems]
    assert "negative" in messages[0] and "0 or more" in messages[0]
    assert "not the number of shares" in messages[1]
    assert "not in the universe" in messages[2] and "correct the ticker" in messages[2]
    assert "row 2" in messages[3] and "merge" in messages[3]
    assert "type the price" in messages[4]
    assert "without a % sign" in messages[5]
    assert str(error).startswith("Row 2, column shares") and "Nothing was changed" in str(error)


def test_header_without_shares_column_is_refused():
    assert "no 'shares' column" in str(_problems([["ticker", "amount"], ["SPY", "1"]]))


def test_headerless_block_with_named_columns_and_row_offset():
    h = parse_holdings_table(
        [["SPY", 3], ["AGG", 4]],
        columns=("ticker", "shares"),
        default_prices={"SPY": 600.0, "AGG": 99.0},
    )
    assert h.positions == {"SPY": 3.0, "AGG": 4.0}
    error = _problems(
        [["SPY", 3], ["AGG", -4]],
        columns=("ticker", "shares"),
        default_prices={"SPY": 1.0, "AGG": 1.0},
        first_row_number=7,
    )
    assert (error.problems[0].row, error.problems[0].column) == (8, "shares")


def test_two_cash_rows_and_blank_rows():
    rows = [["ticker", "shares", "price"], ["", "", ""], ["CASH", "10", ""], ["cash", "20", ""]]
    assert "CASH already appears on row 3" in str(_problems(rows))


# -- files ------------------------------------------------------------------------------------
def test_csv_file_with_bom_comments_and_file_row_numbers(tmp_path):
    path = tmp_path / "account.csv"
    path.write_text(
        '\ufeff# exported 2025-12-31\nticker,shares,price\nSPY,"1,000",600\nAGG,-1,99\n',
        encoding="utf-8",
    )
    error = pytest.raises(HoldingsInputError, load_holdings_file, path, UNIVERSE).value
    assert (error.problems[0].row, error.problems[0].column) == (4, "shares")
    path.write_text(
        '# exported\nticker,shares,price\nSPY,"1,000",600\nCASH,250,\n', encoding="utf-8"
    )
    h = load_holdings_file(path, UNIVERSE)
    assert h.positions == {"SPY": 1000.0} and h.cash == 250.0


def test_xlsx_file_with_numbers_and_text_cells(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in (
        ["Ticker", "Shares", "Price", "Cash"],
        ["SPY", 10, 600.5, 1000],
        ["AGG", "1,500", None, None],
    ):
        sheet.append(row)
    path = tmp_path / "account.xlsx"
    book.save(path)
    h = load_holdings_file(path, UNIVERSE, prices={"AGG": 99.0})
    assert h.positions == {"SPY": 10.0, "AGG": 1500.0}
    assert h.prices["SPY"] == 600.5 and h.prices["AGG"] == 99.0 and h.cash == 1000.0


def test_file_errors_say_what_to_do(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_holdings_file(tmp_path / "missing.csv")
    other = tmp_path / "account.pdf"
    other.write_text("x")
    with pytest.raises(DataError, match=r"\.csv"):
        load_holdings_file(other)
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(DataError, match="Excel workbook"):
        load_holdings_file(bad)


# -- the demo account -------------------------------------------------------------------------
def test_demo_account_has_the_documented_value_and_drifted_weights():
    h = demo_holdings(UNIVERSE)
    assert h.total_value == pytest.approx(2_000_000.0, abs=1e-6)
    assert h.cash == pytest.approx(15_607.50)
    w = h.weights
    assert w["SPY"] == pytest.approx(0.2334, abs=1e-12)  # 778 x 600 / 2,000,000
    assert w["AGG"] == pytest.approx(0.0949905, abs=1e-7)  # 1,919 x 99
    assert w["HYG"] == pytest.approx(0.055, abs=1e-12)  # 1,375 x 80
    assert set(h.prices) == set(UNIVERSE.tickers)
    assert np.isclose(w.sum(), 1.0, atol=1e-12)


@pytest.mark.parametrize(
    ("rows", "column", "words"),
    [
        ([["SPY", "1e308", "600"]], "shares", "not a plausible amount"),
        ([["SPY", "100", "1e306"]], "price", "not a plausible amount"),
        ([["SPY", "100", "20000000"]], "price", "is not plausible"),
        ([["SPY", "2e10", "600"]], "shares", "worth more than"),
    ],
)
def test_implausible_amounts_are_refused_naming_the_cell(rows, column, words):
    """1e308 shares or a 1e306 price made the account '$inf' and broke the window (issue 15,
    #6): refused at entry, with the row and column."""
    with pytest.raises(HoldingsInputError) as caught:
        parse_holdings_table([["ticker", "shares", "price"], *rows], universe=UNIVERSE)
    problem = caught.value.problems[0]
    assert (problem.row, problem.column) == (2, column) and words in problem.message


def test_holdings_refuse_an_implausible_value_from_any_source():
    with pytest.raises(DataError, match="worth more than"):
        Holdings({"SPY": 1e300}, {"SPY": 600.0}, 0.0)
    with pytest.raises(DataError, match="is not plausible"):
        Holdings({"SPY": 1.0}, {"SPY": 1e9}, 0.0)
    with pytest.raises(DataError, match="worth more than"):
        Holdings({}, {}, 2e13)
