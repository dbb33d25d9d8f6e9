"""Prices to month-end returns: last observation, incomplete months, gaps never filled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.data.prices import last_complete_month, last_trading_day, prices_to_monthly_returns
from core.errors import DataError


def _daily(start: str = "2023-11-01", end: str = "2024-06-28") -> pd.DataFrame:
    days = pd.bdate_range(start, end)
    steps = np.arange(len(days))
    return pd.DataFrame({"AAA": 100.0 + steps, "BBB": 50.0 + 0.5 * np.sin(steps)}, index=days)


def test_last_observation_of_each_month() -> None:
    prices = _daily()
    returns, dropped = prices_to_monthly_returns(prices)
    assert dropped == ()
    month_last = prices.groupby(prices.index.to_period("M")).tail(1)
    expected = month_last.to_numpy()[1:] / month_last.to_numpy()[:-1] - 1
    np.testing.assert_allclose(returns.to_numpy(), expected)
    assert list(returns.index) == list(pd.date_range("2023-12-31", "2024-06-30", freq="ME"))
    # by hand: AAA on 2024-01-31 (row 65) over 2023-12-29 (row 42)
    assert returns.loc["2024-01-31", "AAA"] == pytest.approx((100 + 65) / (100 + 42) - 1)


def test_monthly_input_gives_the_same_returns() -> None:
    prices = _daily()
    monthly = prices.groupby(prices.index.to_period("M")).tail(1)
    monthly.index = monthly.index + pd.offsets.MonthEnd(0)
    daily_returns, _ = prices_to_monthly_returns(prices)
    monthly_returns, _ = prices_to_monthly_returns(monthly)
    pd.testing.assert_frame_equal(daily_returns, monthly_returns)


def test_current_incomplete_month_is_dropped_and_recorded() -> None:
    prices = _daily(end="2024-07-17")
    returns, dropped = prices_to_monthly_returns(prices)
    assert returns.index[-1] == pd.Timestamp("2024-06-30")
    assert dropped == ("2024-07-31",)


def test_month_ending_on_good_friday_eve_is_complete() -> None:
    prices = _daily(end="2024-03-28")  # 2024-03-29 was Good Friday: the 28th closed March
    returns, dropped = prices_to_monthly_returns(prices)
    assert returns.index[-1] == pd.Timestamp("2024-03-31") and dropped == ()


def test_as_of_cuts_later_months() -> None:
    returns, dropped = prices_to_monthly_returns(_daily(), as_of="2024-04-15")
    assert returns.index[-1] == pd.Timestamp("2024-03-31")
    assert dropped == ("2024-04-30", "2024-05-31", "2024-06-30")


def test_missing_price_drops_that_month_and_the_next_never_filled() -> None:
    prices = _daily()
    clean, _ = prices_to_monthly_returns(prices)
    prices.loc["2024-02-29", "BBB"] = np.nan
    returns, dropped = prices_to_monthly_returns(prices)
    assert dropped == ("2024-02-29", "2024-03-31")
    assert "2024-02-29" not in returns.index.strftime("%Y-%m-%d")
    assert not returns.isna().any().any()
    pd.testing.assert_frame_equal(returns, clean.drop(pd.to_datetime(["2024-02-29", "2024-03-31"])))


def test_missing_last_day_is_not_replaced_by_an_earlier_day() -> None:
    prices = _daily()
    prices.loc["2024-04-30", "AAA"] = np.nan  # a price exists on the 29th: still a gap
    _, dropped = prices_to_monthly_returns(prices)
    assert "2024-04-30" in dropped and "2024-05-31" in dropped


def test_missing_month_row_in_monthly_data_is_a_gap() -> None:
    monthly = pd.DataFrame(
        {"AAA": [100.0, 101, 102, 104, 105]},
        index=pd.to_datetime(
            ["2024-01-31", "2024-02-29", "2024-03-31", "2024-05-31", "2024-06-30"]
        ),
    )
    returns, dropped = prices_to_monthly_returns(monthly)
    assert dropped == ("2024-04-30", "2024-05-31")
    assert list(returns.index.strftime("%Y-%m")) == ["2024-02", "2024-03", "2024-06"]


@pytest.mark.parametrize("bad", [0.0, -3.0, np.inf])
def test_non_positive_or_infinite_price_is_an_error_naming_ticker_and_date(bad: float) -> None:
    prices = _daily()
    prices.loc["2024-03-05", "BBB"] = bad
    with pytest.raises(DataError, match=r"BBB on 2024-03-05"):
        prices_to_monthly_returns(prices)


def test_duplicate_dates_and_text_are_errors() -> None:
    prices = _daily()
    with pytest.raises(DataError, match="more than once"):
        prices_to_monthly_returns(pd.concat([prices, prices.iloc[[3]]]))
    text = prices.astype(object)
    text.iloc[4, 0] = "n/a"
    with pytest.raises(DataError, match="AAA"):
        prices_to_monthly_returns(text)


def test_trading_calendar_helpers() -> None:
    # Good Friday on the 30th, Memorial Day on the 31st, a weekend at the end
    assert last_trading_day(pd.Timestamp("2018-03-01")) == pd.Timestamp("2018-03-29")
    assert last_trading_day(pd.Timestamp("2021-05-10")) == pd.Timestamp("2021-05-28")
    assert last_trading_day(pd.Timestamp("2024-11-02")) == pd.Timestamp("2024-11-29")
    assert last_complete_month("2024-11-29") == pd.Timestamp("2024-11-30")
    assert last_complete_month("2024-11-28") == pd.Timestamp("2024-10-31")


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(3, 30), elements=st.floats(0.5, 2.0)))
def test_gap_free_returns_compound_to_the_price_ratio(growth: np.ndarray) -> None:
    prices = pd.DataFrame(
        {"AAA": 100.0 * np.cumprod(growth)},
        index=pd.date_range("2020-01-31", periods=len(growth), freq="ME"),
    )
    returns, dropped = prices_to_monthly_returns(prices)
    assert dropped == ()
    assert len(returns) == len(growth) - 1
    compounded = float(np.prod(1.0 + returns["AAA"].to_numpy()))
    assert compounded == pytest.approx(prices["AAA"].iloc[-1] / prices["AAA"].iloc[0], rel=1e-9)
