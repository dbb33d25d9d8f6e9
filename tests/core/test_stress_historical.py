"""Historical replays: the committed JSON against published figures, and the builder on a fixture."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core.errors import DataError
from core.stress.build_historical import EPISODES, Episode, build_historical, read_prices
from core.stress.library import historical_scenarios
from core.stress.scenarios import ScenarioKind, load_scenarios
from core.universe import default_universe

SHARED_PRICES = Path("/work/shared/realdata/etf_monthly_prices.csv")


@pytest.fixture(scope="module")
def replays():
    return {s.name: s for s in historical_scenarios(default_universe().tickers)}


def test_the_episodes_and_their_coverage(replays):
    assert list(replays) == [
        "Global Financial Crisis",
        "COVID Crash",
        "2022 Rate Shock",
        "2013 Taper Tantrum",
        "Q4 2018 Sell-off",
    ]
    for s in replays.values():
        assert s.kind is ScenarioKind.HISTORICAL
        assert set(s.shocks) == set(default_universe().tickers)
        assert s.period and "SOURCES.md" in s.source
        assert all("Yahoo adjusted closes, month-end" in s.notes[t] for t in s.shocks)


def test_published_figures(replays):
    gfc = replays["Global Financial Crisis"].shocks
    assert -0.50 < gfc["SPY"] < -0.40  # 2007-10-31 to 2009-03-31: -46.7%
    assert gfc["TLT"] > 0.15 and gfc["AGG"] > 0.0 and gfc["HYG"] < -0.20
    y2022 = replays["2022 Rate Shock"].shocks
    # SOURCES.md sanity table, calendar 2022 (independent copy: Alpaca)
    for ticker, published in {
        "SPY": -0.182,
        "TLT": -0.312,
        "AGG": -0.130,
        "SHY": -0.039,
        "LQD": -0.179,
        "HYG": -0.110,
        "DBC": 0.193,
        "SGOV": 0.016,
        "QQQ": -0.326,
    }.items():
        assert y2022[ticker] == pytest.approx(published, abs=0.0015), ticker
    covid = replays["COVID Crash"].shocks
    assert -0.25 < covid["SPY"] < -0.15 and covid["TLT"] > 0.10


def test_sgov_uses_a_stated_proxy_only_before_it_existed(replays):
    for name in (
        "Global Financial Crisis",
        "COVID Crash",
        "2013 Taper Tantrum",
        "Q4 2018 Sell-off",
    ):
        assert replays[name].proxies == {"SGOV": "BIL"}, name
        assert "proxy: BIL" in replays[name].note("SGOV") and "SGOV launched 2020-06" in replays[
            name
        ].note("SGOV")
    assert replays["2022 Rate Shock"].proxies == {}


def write_prices(tmp_path: Path) -> Path:
    path = tmp_path / "prices.csv"
    path.write_text(
        "date,SPY,SGOV,BIL,HYG\n"
        "2020-01-31,100,,50,\n"
        "2020-02-29,90,,50.1,10\n"
        "2020-03-31,80,1,50.2,9\n"
    )
    return path


def test_builder_compounds_month_end_closes_and_records_the_proxy(tmp_path):
    prices = read_prices(write_prices(tmp_path))
    episode = Episode("Test", "2020-01-31", "2020-03-31", "Feb - Mar 2020", "d")
    data = build_historical(prices, ["SPY", "SGOV"], [episode])
    shocks = data["scenarios"][0]["shocks"]
    assert shocks["SPY"]["value"] == pytest.approx(80 / 100 - 1)  # = (90/100) * (80/90) - 1
    assert shocks["SGOV"] == {
        "value": pytest.approx(50.2 / 50 - 1),
        "proxy": "BIL",
        "note": shocks["SGOV"]["note"],
        # the proxy's monthly path too, one return per month after the start
        "monthly": [
            pytest.approx(50.1 / 50 - 1, abs=1e-8),
            pytest.approx(50.2 / 50.1 - 1, abs=1e-8),
        ],
    }
    assert "2020-01-31 to 2020-03-31" in shocks["SGOV"]["note"]
    assert shocks["SPY"]["proxy"] is None
    assert data["scenarios"][0]["path_dates"] == ["2020-02-29", "2020-03-31"]
    assert shocks["SPY"]["monthly"] == [-0.1, pytest.approx(80 / 90 - 1, abs=1e-8)]


def test_builder_refuses_a_missing_fund_without_proxy_and_an_unknown_date(tmp_path):
    prices = read_prices(write_prices(tmp_path))
    with pytest.raises(DataError, match="HYG has no price at 2020-01-31"):
        build_historical(prices, ["HYG"], [Episode("Test", "2020-01-31", "2020-03-31", "", "")])
    with pytest.raises(DataError, match="no row for 2020-01-15"):
        build_historical(prices, ["SPY"], [Episode("Test", "2020-01-15", "2020-03-31", "", "")])


@pytest.mark.skipif(
    not SHARED_PRICES.exists(), reason="the shared real-data folder is not available"
)
def test_committed_json_is_reproduced_from_the_shared_prices():
    tickers = default_universe().tickers
    rebuilt = build_historical(read_prices(SHARED_PRICES), tickers, EPISODES)
    committed = {s.name: s for s in historical_scenarios(tickers)}
    for item in rebuilt["scenarios"]:
        for ticker, entry in item["shocks"].items():
            assert committed[item["name"]].shocks[ticker] == pytest.approx(entry["value"], abs=1e-9)
    frame = pd.read_csv(SHARED_PRICES, index_col="date")
    assert frame.loc["2022-12-31", "TLT"] / frame.loc["2021-12-31", "TLT"] - 1 == pytest.approx(
        -0.312, abs=0.001
    )


def test_the_committed_file_loads_through_the_public_loader():
    from core.resources import resource_path

    assert len(load_scenarios(resource_path("scenarios", "historical.json"))) == len(EPISODES)
