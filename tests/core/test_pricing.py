"""Prices are real and stated: what each data mode carries, and how an account is priced."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from core.data.cache import PriceCache
from core.data.dataset import DataMode
from core.data.importer import load_returns_file
from core.data.market import (
    build_market_dataset,
    extract_traded_close,
    fetch_market_dataset,
    load_cached_market_dataset,
)
from core.data.prices import LatestPrices, PricePoint, PriceSource
from core.data.synthetic import generate_synthetic_dataset
from core.errors import DataError
from core.policy.profile_io import bundled_profiles
from core.rebalance import RebalanceMethod, demo_holdings, rebalance
from core.rebalance.pricing import price_holdings, price_table, reprice_holdings
from core.report.rebalance_tables import rebalancing_trades
from core.universe import default_universe

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "realdata_month_end_closes.csv"
UNIVERSE = default_universe()
# The 2026-07-31 row of the fixture, typed here by hand from the source file (see fixtures/README.md).
LAST_CLOSE = {"SPY": 747.030029296875, "QQQ": 687.989990234375, "AGG": 97.37000274658203}
LAST_CLOSE_SGOV = 100.70999908447266
# A real account: 1,000 SPY, 500 QQQ, 2,000 AGG, 3,000 SGOV and $12,345.67 cash.
SHARES = {"SPY": 1000.0, "QQQ": 500.0, "AGG": 2000.0, "SGOV": 3000.0}
CASH = 12_345.67
HAND_VALUE = (
    1000 * 747.030029296875
    + 500 * 687.989990234375
    + 2000 * 97.37000274658203
    + 3000 * 100.70999908447266
    + 12_345.67
)  # 747,030.03 + 343,995.00 + 194,740.01 + 302,130.00 + 12,345.67 = 1,600,240.70


def _real_prices() -> pd.DataFrame:
    return pd.read_csv(REAL, index_col="date", parse_dates=True)


def test_a_real_price_file_keeps_its_last_row_and_values_the_account_at_the_last_close():
    dataset = load_returns_file(REAL, UNIVERSE, kind="prices")
    prices = dataset.prices
    assert prices is not None and set(prices) == set(UNIVERSE.tickers)
    spy = prices["SPY"]
    assert (spy.price, spy.as_of, spy.source) == (
        LAST_CLOSE["SPY"],
        "2026-07-31",
        PriceSource.IMPORTED_FILE,
    )
    assert spy.label == "imported file realdata_month_end_closes.csv, 2026-07-31"
    holdings = price_holdings(SHARES, data_prices=prices, cash=CASH)
    assert holdings.total_value == pytest.approx(HAND_VALUE, rel=1e-15)
    assert holdings.total_value == pytest.approx(1_600_240.70, abs=0.01)
    assert holdings.price_point("SGOV").price == LAST_CLOSE_SGOV
    # provenance serializes the prices (JSON round trip)
    stored = json.loads(json.dumps(dataset.provenance.to_dict()))["latest_prices"]
    assert LatestPrices.from_dict(stored) == prices


def test_market_mode_keeps_the_last_close_with_its_date():
    dataset = build_market_dataset(_real_prices(), UNIVERSE)
    assert dataset.mode is DataMode.MARKET
    point = dataset.prices["QQQ"]
    assert point.price == LAST_CLOSE["QQQ"] and point.label == "market close of 2026-07-31"
    assert "Adj Close" in point.detail  # no traded close given: the adjusted one, said so
    holdings = price_holdings(SHARES, data_prices=dataset.prices, cash=CASH)
    assert holdings.total_value == pytest.approx(HAND_VALUE, rel=1e-15)
    # an intraday print after as_of is not the last close
    later = pd.concat(
        [_real_prices(), _real_prices().iloc[[-1]].set_axis([pd.Timestamp("2026-08-03")]) * 1.1]
    )
    cut = build_market_dataset(later, UNIVERSE, as_of="2026-08-02")
    assert cut.prices["SPY"].as_of == "2026-07-31"
    assert cut.prices["SPY"].price == LAST_CLOSE["SPY"]


def _yf_frame() -> pd.DataFrame:
    return pd.read_csv(
        FIXTURES / "yf_download_sample.csv", header=[0, 1], index_col=0, parse_dates=True
    )


def test_a_download_keeps_the_traded_close_and_the_cache_rebuilds_it(tmp_path):
    frame = _yf_frame()
    closes = extract_traded_close(frame, list(UNIVERSE.tickers))
    assert closes is not None
    cache = PriceCache(tmp_path / "cache.sqlite")
    dataset = fetch_market_dataset(
        UNIVERSE,
        start="2019-06-01",
        end="2024-06-30",
        cache=cache,
        downloader=lambda *a, **k: frame.copy(),
        proxies={"SGOV": "BIL"},
    )
    spy = dataset.prices["SPY"]
    last = closes["SPY"].loc[: pd.Timestamp(spy.as_of)].dropna()
    assert spy.price == float(last.iloc[-1]) and "traded Close" in spy.detail
    assert spy.source is PriceSource.MARKET_CLOSE
    offline = load_cached_market_dataset(UNIVERSE, cache)
    assert offline.prices == dataset.prices


def test_returns_only_data_have_no_prices_and_the_message_says_what_to_do(tmp_path):
    returns = _real_prices().pct_change().iloc[1:]
    path = tmp_path / "returns.csv"
    returns.to_csv(path)
    dataset = load_returns_file(path, UNIVERSE, kind="returns")
    assert dataset.prices is None
    with pytest.raises(DataError, match=r"No price for SPY, QQQ, AGG, SGOV: .*returns only") as err:
        price_holdings(SHARES, data_prices=dataset.prices, cash=CASH)
    assert "Type a price" in str(err.value) and "load market data" in str(err.value)
    typed = {"SPY": 700.0, "QQQ": 600.0, "AGG": 100.0, "SGOV": 100.0}
    holdings = price_holdings(SHARES, typed_prices=typed, data_prices=None)
    assert {t: holdings.price_point(t).source for t in SHARES} == dict.fromkeys(
        SHARES, PriceSource.TYPED
    )


def test_typed_prices_stay_missing_ones_come_from_the_data_and_neither_is_an_error():
    data = build_market_dataset(_real_prices(), UNIVERSE).prices
    holdings = price_holdings(
        SHARES, typed_prices={"SPY": 700.0}, data_prices=data, also_price=["GLD"]
    )
    assert holdings.prices["SPY"] == 700.0
    assert holdings.price_point("SPY").source is PriceSource.TYPED
    assert holdings.price_point("AGG").label == "market close of 2026-07-31"
    assert holdings.prices["GLD"] == pytest.approx(371.5400085449219)
    partial = LatestPrices({"SPY": data["SPY"]})
    with pytest.raises(DataError, match="No price for QQQ, AGG, SGOV: the data set has no price"):
        price_holdings(SHARES, data_prices=partial)
    table = price_table(holdings)
    assert list(table.columns) == [
        "ticker",
        "price",
        "price_source",
        "price_as_of",
        "price_label",
    ]


def test_synthetic_prices_are_labelled_illustrative_and_refresh_to_market_prices():
    synthetic = generate_synthetic_dataset(months=36)
    assert {p.source for p in synthetic.prices.points.values()} == {PriceSource.ILLUSTRATIVE}
    assert synthetic.prices["SPY"].label == "illustrative"
    demo = demo_holdings(UNIVERSE)
    assert demo.price_point("SPY").source is PriceSource.ILLUSTRATIVE
    # switching to real data replaces the illustrative prices; a typed one stays
    market = build_market_dataset(_real_prices(), UNIVERSE).prices
    typed = demo.with_prices({"GLD": 250.0})
    repriced = reprice_holdings(typed, market)
    assert repriced.prices["SPY"] == LAST_CLOSE["SPY"]
    assert repriced.price_point("SPY").label == "market close of 2026-07-31"
    assert (
        repriced.prices["GLD"] == 250.0 and repriced.price_point("GLD").source is PriceSource.TYPED
    )
    hand = sum(s * market[t].price for t, s in demo.positions.items() if t != "GLD")
    hand += demo.positions["GLD"] * 250.0 + demo.cash
    assert repriced.total_value == pytest.approx(hand, rel=1e-14)


def test_every_trade_row_records_its_price_and_source():
    market = build_market_dataset(_real_prices(), UNIVERSE).prices
    holdings = price_holdings(
        SHARES,
        typed_prices={"SGOV": 100.5},
        data_prices=market,
        cash=CASH,
        also_price=UNIVERSE.tickers,
    )
    profile = bundled_profiles()["Balanced Growth"]
    targets = pd.Series(profile.anchor_weights).reindex(UNIVERSE.tickers, fill_value=0.0)
    plan = rebalance(
        holdings,
        targets,
        bands=profile.drift_bands,
        asset_classes=UNIVERSE,
        method=RebalanceMethod.TO_TARGET,
        profile=profile,
    )
    table = rebalancing_trades(plan, profile_name=profile.name, data_mode=DataMode.MARKET)
    rows = table.set_index("ticker")
    assert rows.loc["SPY", "price"] == LAST_CLOSE["SPY"]
    assert rows.loc["SPY", "price_source"] == "market close of 2026-07-31"
    assert rows.loc["SGOV", "price_source"] == "typed"
    assert rows.loc["CASH", "price_source"] == ""


def test_a_recorded_source_must_match_its_price():
    from core.rebalance import Holdings

    point = PricePoint(100.0, PriceSource.MARKET_CLOSE, "2026-07-31")
    with pytest.raises(DataError, match="does not match the price"):
        Holdings({"SPY": 1.0}, {"SPY": 101.0}, 0.0, {}, {"SPY": point})
