"""Market mode through a recorded yfinance-shaped frame, and the SQLite cache. No network."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import core.data.cache as cache_module
from core.data.cache import PriceCache
from core.data.dataset import DataMode, validate_returns_frame
from core.data.market import (
    extract_adjusted_close,
    fetch_market_dataset,
    load_cached_market_dataset,
)
from core.errors import CancelledError, DataError
from core.jobs import CancelToken
from core.universe import default_universe

FIXTURE = Path(__file__).parent / "fixtures" / "yf_download_sample.csv"
REAL_DEFAULT_PATH = cache_module.default_cache_path
UNIVERSE = default_universe()
END = "2024-06-30"


def load_yf_fixture() -> pd.DataFrame:
    """The recorded frame, in the shape ``yfinance.download(group_by="column")`` returns."""
    return pd.read_csv(FIXTURE, header=[0, 1], index_col=0, parse_dates=True)


class FakeDownloader:
    """Stands in for ``yfinance.download``: records its call and returns a frame."""

    def __init__(self, frame: pd.DataFrame | None = None, error: Exception | None = None) -> None:
        self.frame = load_yf_fixture() if frame is None else frame
        self.error = error
        self.calls: list[tuple[list[str], dict]] = []

    def __call__(self, tickers, **kwargs) -> pd.DataFrame:
        self.calls.append((list(tickers), kwargs))
        if self.error is not None:
            raise self.error
        return self.frame.copy()


@pytest.fixture(autouse=True)
def _no_user_cache(tmp_path, monkeypatch) -> None:
    """No test may touch the real per-user cache file."""
    monkeypatch.setattr(cache_module, "default_cache_path", lambda: tmp_path / "default.sqlite")


@pytest.fixture
def cache(tmp_path) -> PriceCache:
    return PriceCache(tmp_path / "market_cache.sqlite")


def test_fixture_has_yfinance_shape() -> None:
    frame = load_yf_fixture()
    assert isinstance(frame.columns, pd.MultiIndex)
    assert frame.columns.names == ["Price", "Ticker"]
    assert ("Adj Close", "SPY") in frame.columns and ("Close", "SPY") in frame.columns


def test_fetch_builds_a_market_dataset_and_calls_yfinance_correctly(cache) -> None:
    fake = FakeDownloader()
    ds = fetch_market_dataset(
        UNIVERSE, start="2019-06-01", end=END, cache=cache, downloader=fake, proxies={}
    )
    symbols, kwargs = fake.calls[0]
    assert symbols == list(UNIVERSE.tickers)
    assert kwargs == {
        "start": "2019-06-01",
        "end": "2024-07-01",
        "auto_adjust": False,
        "actions": False,
        "progress": False,
        "group_by": "column",
        "threads": False,
    }
    assert ds.mode is DataMode.MARKET
    validate_returns_frame(ds.returns)
    # SGOV began 2020-06-01, so without a proxy the first complete month is 2020-07.
    assert ds.returns.index[0] == pd.Timestamp("2020-07-31")
    assert ds.returns.index[-1] == pd.Timestamp("2024-06-28") + pd.offsets.MonthEnd(0)
    assert ds.provenance.months == 48 and ds.provenance.dropped_months == ()
    assert any("limited by SGOV" in n for n in ds.provenance.notes)
    assert all("Yahoo Finance" in s for s in ds.provenance.asset_sources.values())
    spy = load_yf_fixture()[("Adj Close", "SPY")]
    expected = spy.loc["2022-03-31"] / spy.loc["2022-02-28"] - 1
    assert ds.returns.loc["2022-03-31", "SPY"] == pytest.approx(expected)
    pd.testing.assert_series_equal(ds.risk_free, ds.returns["SGOV"].rename("RF"))


def test_stated_proxy_extends_the_sample_and_is_recorded(cache) -> None:
    fake = FakeDownloader()
    ds = fetch_market_dataset(
        UNIVERSE, end=END, cache=False, downloader=fake, proxies={"SGOV": "BIL"}
    )
    assert fake.calls[0][0][-1] == "BIL"
    assert ds.returns.index[0] == pd.Timestamp("2019-07-31") and len(ds.returns) == 60
    bil = load_yf_fixture()[("Adj Close", "BIL")]
    expected = bil.loc["2019-08-30"] / bil.loc["2019-07-31"] - 1
    assert ds.returns.loc["2019-08-31", "SGOV"] == pytest.approx(expected)
    assert (
        "BIL returns used as a stated proxy for 2019-07..2020-06"
        in ds.provenance.asset_sources["SGOV"]
    )
    assert "proxy" not in ds.provenance.asset_sources["SPY"]


def test_bil_stands_in_for_sgov_by_default_and_the_provenance_says_so(cache) -> None:
    """Issue 14 item 5: BIL is fetched with the universe and spliced before SGOV's first full
    month, so the sample starts at the first month every (proxied) series has."""
    frame = load_yf_fixture()
    # Every series but the proxy starts later than BIL: the sample must start where they all
    # have a return, i.e. at the latest first month among the universe ETFs (SGOV proxied).
    frame.loc[frame.index < "2019-09-01", ("Adj Close", "DBC")] = np.nan
    fake = FakeDownloader(frame)
    ds = fetch_market_dataset(UNIVERSE, end=END, cache=cache, downloader=fake)
    assert fake.calls[0][0] == [*UNIVERSE.tickers, "BIL"]

    # Second route: monthly returns straight from the recorded closes (last close of each month).
    adjusted = frame["Adj Close"]
    month_end = adjusted.groupby(adjusted.index.to_period("M")).last()
    returns = month_end.pct_change(fill_method=None).iloc[1:]
    returns.index = returns.index.to_timestamp(how="end").normalize()
    sgov_own_first = returns["SGOV"].first_valid_index()
    assert sgov_own_first == pd.Timestamp("2020-07-31")  # SGOV's first full month
    spliced = returns["SGOV"].where(returns.index >= sgov_own_first, returns["BIL"])
    firsts = [returns[t].first_valid_index() for t in UNIVERSE.tickers if t != "SGOV"]
    firsts.append(spliced.first_valid_index())
    assert ds.returns.index[0] == max(firsts) == pd.Timestamp("2019-10-31")
    assert ds.returns.index[-1] == returns.index[-1]
    np.testing.assert_allclose(ds.returns["SGOV"], spliced.loc[ds.returns.index], rtol=1e-12)
    np.testing.assert_allclose(ds.returns["SPY"], returns["SPY"].loc[ds.returns.index])

    statement = "BIL returns for 2019-07..2020-06, before SGOV's first full month (2020-07)"
    assert ds.provenance.proxies == {"SGOV": statement}
    assert f"Proxy: SGOV uses {statement}." in ds.provenance.notes
    assert any("limited by DBC)" in n for n in ds.provenance.notes)
    assert ds.provenance.to_dict()["proxies"] == {"SGOV": statement}
    _, meta, _ = cache.load()
    assert meta["proxies"] == {"SGOV": "BIL"}
    assert load_cached_market_dataset(UNIVERSE, cache).provenance.proxies == ds.provenance.proxies


def test_a_cache_without_the_proxy_says_refresh(cache) -> None:
    fetch_market_dataset(UNIVERSE, end=END, cache=cache, downloader=FakeDownloader(), proxies={})
    ds = load_cached_market_dataset(UNIVERSE, cache)
    assert ds.returns.index[0] == pd.Timestamp("2020-07-31") and ds.provenance.proxies == {}
    assert any("no BIL stand-in for SGOV: refresh" in n for n in ds.provenance.notes)


def test_partial_history_limits_the_sample(cache) -> None:
    frame = load_yf_fixture()
    frame.loc[frame.index < "2020-09-01", ("Adj Close", "DBC")] = np.nan
    ds = fetch_market_dataset(
        UNIVERSE, end=END, cache=cache, downloader=FakeDownloader(frame), proxies={"SGOV": "BIL"}
    )
    assert ds.returns.index[0] == pd.Timestamp("2020-10-31")
    assert any("limited by DBC" in n for n in ds.provenance.notes)


def test_nan_in_the_middle_drops_and_records_months(cache) -> None:
    frame = load_yf_fixture()
    frame.loc["2022-03-31", ("Adj Close", "HYG")] = np.nan
    ds = fetch_market_dataset(
        UNIVERSE, end=END, cache=cache, downloader=FakeDownloader(frame), proxies={}
    )
    assert ds.provenance.dropped_months == ("2022-03-31", "2022-04-30")
    assert pd.Timestamp("2022-03-31") not in ds.returns.index
    assert len(ds.returns) == 46 and not ds.returns.isna().any().any()


@pytest.mark.parametrize("how", ["drop", "all_nan"])
def test_missing_ticker_is_named_and_nothing_is_cached(cache, how) -> None:
    frame = load_yf_fixture()
    if how == "drop":
        frame = frame.drop(columns=[("Adj Close", "HYG"), ("Close", "HYG")])
    else:
        frame[("Adj Close", "HYG")] = np.nan
    with pytest.raises(DataError, match=r"no prices for HYG"):
        fetch_market_dataset(UNIVERSE, end=END, cache=cache, downloader=FakeDownloader(frame))
    assert not cache.path.exists()


def test_only_unadjusted_close_is_refused(cache) -> None:
    frame = load_yf_fixture().drop(columns="Adj Close", level=0)
    with pytest.raises(DataError, match="only 'Close'"):
        fetch_market_dataset(UNIVERSE, end=END, cache=cache, downloader=FakeDownloader(frame))


def test_offline_error_is_clear_and_cache_untouched(cache) -> None:
    first = fetch_market_dataset(UNIVERSE, end=END, cache=cache, downloader=FakeDownloader())
    offline = FakeDownloader(error=ConnectionError("Failed to resolve query1.finance.yahoo.com"))
    with pytest.raises(
        DataError, match=r"Could not download .*ConnectionError.*internet connection"
    ):
        fetch_market_dataset(UNIVERSE, end=END, cache=cache, downloader=offline)
    with pytest.raises(DataError, match="returned no prices"):
        fetch_market_dataset(
            UNIVERSE, end=END, cache=cache, downloader=FakeDownloader(pd.DataFrame())
        )
    again = load_cached_market_dataset(UNIVERSE, cache)
    assert again.provenance.returns_sha256 == first.provenance.returns_sha256


def test_cache_round_trip_rebuilds_the_same_dataset(cache) -> None:
    fetched = fetch_market_dataset(
        UNIVERSE, end=END, cache=cache, downloader=FakeDownloader(), proxies={"SGOV": "BIL"}
    )
    cached = load_cached_market_dataset(UNIVERSE, cache)
    pd.testing.assert_frame_equal(cached.returns, fetched.returns)
    assert cached.provenance.returns_sha256 == fetched.provenance.returns_sha256
    assert cached.provenance.input_sha256 == fetched.provenance.input_sha256
    assert cached.provenance.fetched_at == fetched.provenance.fetched_at
    assert cached.provenance.asset_sources == fetched.provenance.asset_sources
    assert any("local cache" in n for n in cached.provenance.notes)
    _, meta, series = cache.load()
    assert meta["proxies"] == {"SGOV": "BIL"} and set(series) == {*UNIVERSE.tickers, "BIL"}
    assert (
        series["SPY"]["source"] == "Yahoo Finance via yfinance"
        and len(series["SPY"]["sha256"]) == 64
    )


def test_empty_cache_says_refresh_first(cache) -> None:
    with pytest.raises(DataError, match="no cached market data: refresh first"):
        load_cached_market_dataset(UNIVERSE, cache)


def test_failed_write_rolls_back_to_the_previous_snapshot(cache, monkeypatch) -> None:
    first = fetch_market_dataset(
        UNIVERSE, end=END, cache=cache, downloader=FakeDownloader(), proxies={}
    )
    calls = {"n": 0}
    original = cache_module._series_rows

    def failing_rows(symbol, prices):
        calls["n"] += 1
        if calls["n"] == 3:
            raise sqlite3.OperationalError("disk I/O error")
        return original(symbol, prices)

    monkeypatch.setattr(cache_module, "_series_rows", failing_rows)
    with pytest.raises(DataError, match="previous cache is unchanged"):
        fetch_market_dataset(
            UNIVERSE, end=END, cache=cache, downloader=FakeDownloader(), proxies={"SGOV": "BIL"}
        )
    monkeypatch.undo()
    again = load_cached_market_dataset(UNIVERSE, cache)
    assert again.provenance.returns_sha256 == first.provenance.returns_sha256
    assert again.provenance.months == 48


def test_tampered_cache_is_detected(cache) -> None:
    fetch_market_dataset(UNIVERSE, end=END, cache=cache, downloader=FakeDownloader())
    with sqlite3.connect(cache.path) as conn:
        conn.execute(
            "UPDATE prices SET price = price * 1.01 WHERE symbol = 'TLT' AND date = '2023-05-31'"
        )
    with pytest.raises(DataError, match="TLT do not match their checksum"):
        load_cached_market_dataset(UNIVERSE, cache)


def test_cancel_before_and_during_download_caches_nothing(cache) -> None:
    token = CancelToken()
    token.cancel()
    fake = FakeDownloader()
    with pytest.raises(CancelledError):
        fetch_market_dataset(UNIVERSE, end=END, cache=cache, downloader=fake, cancel=token)
    assert fake.calls == []

    token = CancelToken()

    def cancelling(tickers, **kwargs):
        token.cancel()  # the user presses Cancel while the download runs
        return load_yf_fixture()

    with pytest.raises(CancelledError):
        fetch_market_dataset(UNIVERSE, end=END, cache=cache, downloader=cancelling, cancel=token)
    assert not cache.exists


def test_progress_is_reported_in_order(cache) -> None:
    seen: list[tuple[float, str]] = []
    fetch_market_dataset(
        UNIVERSE,
        end=END,
        cache=cache,
        downloader=FakeDownloader(),
        progress=lambda f, m: seen.append((f, m)),
        proxies={},
    )
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert "48 months" in seen[-1][1]


def test_too_short_without_proxy_suggests_one(cache) -> None:
    with pytest.raises(DataError, match=r"Only 30 complete months.*limited by SGOV.*proxies"):
        fetch_market_dataset(
            UNIVERSE, end="2022-12-31", cache=cache, downloader=FakeDownloader(), proxies={}
        )
    assert not cache.exists


def test_extract_handles_ticker_first_and_single_symbol_layouts() -> None:
    frame = load_yf_fixture()
    swapped = frame.swaplevel(0, 1, axis=1)
    pd.testing.assert_frame_equal(
        extract_adjusted_close(swapped, ["SPY", "TLT"]),
        extract_adjusted_close(frame, ["SPY", "TLT"]),
    )
    flat = frame.xs("SPY", axis=1, level=1)
    single = extract_adjusted_close(flat, ["SPY"])
    assert list(single.columns) == ["SPY"]


def test_cache_none_means_the_default_file_and_false_means_none(tmp_path) -> None:
    fetch_market_dataset(UNIVERSE, end=END, cache=False, downloader=FakeDownloader())
    assert not (tmp_path / "default.sqlite").exists()
    fetch_market_dataset(UNIVERSE, end=END, downloader=FakeDownloader())
    assert load_cached_market_dataset(UNIVERSE).provenance.months == 60  # BIL from 2019-07


def test_default_cache_path_is_per_user(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("IPS_STUDIO_USER_DIR", raising=False)
    path = REAL_DEFAULT_PATH()
    assert path.name == "market_cache.sqlite" and "IPS Allocation Studio" in str(path)


def test_the_user_dir_variable_moves_every_per_user_file(monkeypatch, tmp_path) -> None:
    """Tests and portable installs set IPS_STUDIO_USER_DIR: the market cache and the downloaded
    Fama-French factors follow it, as the window's autosaves and logs do."""
    from core.data.french import default_cache_dir

    monkeypatch.setenv("IPS_STUDIO_USER_DIR", str(tmp_path / "portable"))
    assert REAL_DEFAULT_PATH() == tmp_path / "portable" / "market_cache.sqlite"
    assert default_cache_dir() == tmp_path / "portable"
