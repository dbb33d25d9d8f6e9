"""CSV import of returns or prices: detection, parsing and messages that name line and column."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.data.dataset import DataMode
from core.data.importer import load_returns_file, parse_number
from core.errors import DataError
from core.universe import default_universe

UNIVERSE = default_universe()
TICKERS = list(UNIVERSE.tickers)


def _returns(months: int = 40, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2020-01-31", periods=months, freq="ME", name="date")
    return pd.DataFrame(
        rng.normal(0.005, 0.03, (months, len(TICKERS))), index=index, columns=TICKERS
    )


def _write(tmp_path, frame: pd.DataFrame, name: str = "data.csv", **kwargs) -> object:
    path = tmp_path / name
    frame.to_csv(path, date_format="%Y-%m-%d", **kwargs)
    return path


def _lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _edit(path, line: int, column: str, text: str) -> None:
    """Replace one cell; ``line`` is the 1-based file line."""
    lines = _lines(path)
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = text
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_returns_file_round_trip_and_provenance(tmp_path) -> None:
    frame = _returns()
    path = _write(tmp_path, frame, float_format="%.10f")
    ds = load_returns_file(path, UNIVERSE)
    np.testing.assert_allclose(ds.returns.to_numpy(), frame.to_numpy(), atol=1e-10)
    assert ds.returns.index.equals(frame.index)
    prov = ds.provenance
    assert ds.mode is DataMode.IMPORTED
    assert prov.source == "Imported file data.csv"
    assert prov.input_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert prov.fetched_at is not None and prov.months == 40
    assert any("returns" in n and "below 1" in n for n in prov.notes)
    pd.testing.assert_series_equal(ds.risk_free, ds.returns["SGOV"].rename("RF"))


def test_percent_strings_and_column_order(tmp_path) -> None:
    frame = _returns()
    text = frame[TICKERS[::-1]].map(lambda v: f"{100 * v:.4f}%")
    ds = load_returns_file(_write(tmp_path, text), UNIVERSE)
    assert list(ds.returns.columns) == TICKERS
    np.testing.assert_allclose(ds.returns.to_numpy(), frame.to_numpy(), atol=1e-6)
    assert any("% sign" in n for n in ds.provenance.notes)


def test_monthly_prices_are_detected_and_converted(tmp_path) -> None:
    returns = _returns(41)
    prices = 100.0 * (1.0 + returns).cumprod()
    ds = load_returns_file(_write(tmp_path, prices, float_format="%.12f"), UNIVERSE)
    expected = prices / prices.shift(1) - 1
    np.testing.assert_allclose(ds.returns.to_numpy(), expected.iloc[1:].to_numpy(), rtol=1e-8)
    assert ds.provenance.months == 40
    assert any("prices" in n and "automatically" in n for n in ds.provenance.notes)


def test_daily_prices_with_a_gap_and_partial_month(tmp_path) -> None:
    days = pd.bdate_range("2020-01-01", "2023-07-19", name="date")
    rng = np.random.default_rng(5)
    prices = pd.DataFrame(
        100 * np.exp(np.cumsum(rng.normal(0, 0.01, (len(days), 14)), axis=0)),
        index=days,
        columns=TICKERS,
    )
    path = _write(tmp_path, prices)
    line = days.get_loc(pd.Timestamp("2021-06-30")) + 2
    _edit(path, line, "GLD", "")
    ds = load_returns_file(path, UNIVERSE)
    assert ds.provenance.dropped_months == ("2021-06-30", "2021-07-31", "2023-07-31")
    assert ds.returns.index[-1] == pd.Timestamp("2023-06-30")


def test_kind_can_be_forced(tmp_path) -> None:
    frame = _returns() + 1.0  # gross returns would look like prices; force returns anyway
    ds = load_returns_file(_write(tmp_path, frame - 1.0), UNIVERSE, kind="returns")
    assert any("as requested" in n for n in ds.provenance.notes)
    with pytest.raises(DataError, match="kind must be"):
        load_returns_file(_write(tmp_path, frame), UNIVERSE, kind="levels")


def test_semicolon_file_with_decimal_commas(tmp_path) -> None:
    frame = _returns()
    path = tmp_path / "eu.csv"
    frame.to_csv(path, sep=";", decimal=",", date_format="%d.%m.%Y", float_format="%.8f")
    ds = load_returns_file(path, UNIVERSE)
    np.testing.assert_allclose(ds.returns.to_numpy(), frame.to_numpy(), atol=1e-8)


@pytest.mark.parametrize(
    ("line", "column", "text", "pattern"),
    [
        (5, "date", "2020-13-45", r"line 5: date '2020-13-45' is not a date"),
        (7, "SPY", "abc", r"line 7, column SPY: 'abc' is not a number"),
        (9, "TLT", "inf", r"line 9, column TLT: value is not finite"),
        (4, "GLD", "", r"line 4, column GLD: the return is empty"),
        (6, "EEM", "-150%", r"line 6, column EEM: return -150.00% is a loss"),
    ],
)
def test_bad_cells_name_line_and_column(tmp_path, line, column, text, pattern) -> None:
    path = _write(tmp_path, _returns())
    _edit(path, line, column, text)
    with pytest.raises(DataError, match=pattern):
        load_returns_file(path, UNIVERSE)


def test_dates_out_of_order_or_repeated(tmp_path) -> None:
    path = _write(tmp_path, _returns())
    _edit(path, 6, "date", "2020-02-29")
    with pytest.raises(DataError, match=r"line 6: date 2020-02-29 comes before .* \(line 5\)"):
        load_returns_file(path, UNIVERSE)
    _edit(path, 6, "date", "2020-04-30")
    with pytest.raises(DataError, match=r"line 6: date 2020-04-30 repeats"):
        load_returns_file(path, UNIVERSE)


def test_month_gaps_and_two_rows_in_a_month(tmp_path) -> None:
    frame = _returns()
    path = _write(tmp_path, frame.drop(frame.index[10]))
    with pytest.raises(
        DataError, match=r"line 12: months between 2020-10 \(line 11\) and 2020-12 are missing"
    ):
        load_returns_file(path, UNIVERSE)
    path = _write(tmp_path, frame)
    _edit(path, 3, "date", "2020-01-15")
    _edit(path, 2, "date", "2020-01-02")
    with pytest.raises(DataError, match=r"line 3: 2020-01-15 is in the same month as line 2"):
        load_returns_file(path, UNIVERSE, kind="returns")


def test_short_history(tmp_path) -> None:
    with pytest.raises(DataError, match=r"only 20 complete monthly returns; at least 36"):
        load_returns_file(_write(tmp_path, _returns(20)), UNIVERSE)


def test_unknown_and_missing_tickers_are_listed(tmp_path) -> None:
    frame = _returns().rename(columns={"GLD": "GOLD", "DBC": "XYZ"})
    with pytest.raises(DataError) as info:
        load_returns_file(_write(tmp_path, frame), UNIVERSE)
    message = str(info.value)
    assert "GOLD, XYZ are not in the universe" in message and "SPY, QQQ" in message
    with pytest.raises(DataError, match=r"columns for HYG, SGOV are missing"):
        load_returns_file(_write(tmp_path, _returns().drop(columns=["HYG", "SGOV"])), UNIVERSE)


def test_negative_price_hints_at_percent_returns(tmp_path) -> None:
    frame = _returns() * 100  # percent numbers without % signs: read as prices
    with pytest.raises(
        DataError, match=r"line \d+, column \w+: price -?[\d.]+ is not positive.*% signs"
    ):
        load_returns_file(_write(tmp_path, frame), UNIVERSE)


def test_missing_file_and_empty_file(tmp_path) -> None:
    with pytest.raises(DataError, match="Cannot read"):
        load_returns_file(tmp_path / "nope.csv", UNIVERSE)
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(DataError, match="empty"):
        load_returns_file(empty, UNIVERSE)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.2%", 0.012), ("(1.5%)", -0.015), ("\u22120.25", -0.25), ("1,234.5", 1234.5), ("7", 7.0)],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text)[0] == pytest.approx(value)
    assert np.isnan(parse_number("N/A")[0])


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    row=st.integers(0, 39),
    column=st.sampled_from(TICKERS),
    junk=st.text(alphabet="abcxyz?!#@", min_size=1, max_size=6),
)
def test_any_junk_cell_is_reported_with_its_line_and_column(tmp_path, row, column, junk) -> None:
    path = _write(tmp_path, _returns(), name="junk.csv")
    _edit(path, row + 2, column, junk)
    with pytest.raises(DataError) as info:
        load_returns_file(path, UNIVERSE)
    assert re.search(rf"line {row + 2}, column {column}:", str(info.value))
