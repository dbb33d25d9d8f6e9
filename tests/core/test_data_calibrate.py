"""Calibration statistics on a tiny synthetic price frame, checked against direct numpy formulas."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.data.calibrate import DEFAULT_TICKERS, FACTOR_PROXIES, calibrate_from_prices, main
from core.errors import DataError
from core.resources import resource_path

MONTHS = pd.date_range("2009-12-31", periods=49, freq="ME")  # 48 returns, 2010-01..2013-12


def _frame() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Prices (with SGOV missing before 2012-01) and the returns they were built from."""
    rng = np.random.default_rng(3)
    tickers = [*DEFAULT_TICKERS, "BIL"]
    returns = pd.DataFrame(
        rng.normal(0.005, 0.04, (len(MONTHS) - 1, len(tickers))), index=MONTHS[1:], columns=tickers
    )
    returns["BIL"] = rng.normal(0.001, 0.0005, len(returns))
    returns["SGOV"] = returns["BIL"] + rng.normal(0, 0.0001, len(returns))
    cash = returns["SGOV"].where(returns.index >= "2012-01-31", returns["BIL"])
    mkt = returns["SPY"] - cash
    credit = returns["HYG"] - returns["AGG"]
    dollar = returns["SPY"] - returns["EFA"]
    # EEM is an exact combination of the factor proxies, so OLS must return these loadings.
    returns["EEM"] = cash + 0.001 + 0.8 * mkt + 0.3 * credit - 0.5 * dollar
    prices = 100.0 * (1.0 + returns).cumprod()
    prices = pd.concat([pd.DataFrame(100.0, index=MONTHS[:1], columns=tickers), prices])
    prices.loc[prices.index < "2011-12-31", "SGOV"] = np.nan
    return prices, returns.assign(SGOV=cash)


def test_moments_match_direct_formulas() -> None:
    prices, returns = _frame()
    cal = calibrate_from_prices(prices, start="2010-01-31", end="2013-12-31")
    assert cal["period"] == {"start": "2010-01", "end": "2013-12", "months": 48}
    for ticker in DEFAULT_TICKERS:
        expected = returns[ticker]
        assert cal["annual_mean"][ticker] == pytest.approx(12 * expected.mean(), abs=1e-6)
        assert cal["annual_vol"][ticker] == pytest.approx(
            np.sqrt(12) * expected.std(ddof=1), abs=1e-6
        )
    corr = np.array(cal["correlation"]["matrix"])
    assert cal["correlation"]["tickers"] == list(DEFAULT_TICKERS)
    np.testing.assert_allclose(corr, returns[list(DEFAULT_TICKERS)].corr().to_numpy(), atol=1e-6)
    np.testing.assert_allclose(np.diag(corr), 1.0)


def test_cash_proxy_is_used_before_inception_and_stated() -> None:
    prices, returns = _frame()
    cal = calibrate_from_prices(prices, start="2010-01-31", end="2013-12-31")
    # SGOV has a price from 2011-12, so its own first return is 2012-01.
    assert cal["proxied"] == {
        "SGOV": {"proxy": "BIL", "first": "2010-01", "last": "2011-12", "months": 24}
    }
    assert cal["annual_vol"]["SGOV"] == pytest.approx(np.sqrt(12) * returns["SGOV"].std(), abs=1e-6)


def test_loadings_recover_an_exact_factor_combination() -> None:
    prices, _ = _frame()
    cal = calibrate_from_prices(prices, start="2010-01-31", end="2013-12-31")
    assert set(cal["factors"]["definitions"]) == set(FACTOR_PROXIES)
    eem = cal["loadings"]["EEM"]
    assert eem["MKT"] == pytest.approx(0.8, abs=1e-6)
    assert eem["CREDIT"] == pytest.approx(0.3, abs=1e-6)
    assert eem["DOLLAR"] == pytest.approx(-0.5, abs=1e-6)
    assert eem["TERM"] == pytest.approx(0.0, abs=1e-6)
    assert cal["alpha_annual"]["EEM"] == pytest.approx(0.012, abs=1e-6)
    assert cal["r_squared"]["EEM"] == pytest.approx(1.0, abs=1e-9)
    # SPY minus cash *is* MKT: loading 1 on MKT, nothing left over.
    assert cal["loadings"]["SPY"]["MKT"] == pytest.approx(1.0, abs=1e-9)
    resid = np.array(cal["residual_covariance_monthly"]["matrix"])
    assert resid.shape == (13, 13)
    assert np.linalg.eigvalsh(resid).min() > -1e-10


def test_missing_column_and_gap_are_refused() -> None:
    prices, _ = _frame()
    with pytest.raises(DataError, match="HYG"):
        calibrate_from_prices(prices.drop(columns="HYG"), start="2010-01-31", end="2013-12-31")
    holed = prices.copy()
    holed.loc["2011-06-30", "TLT"] = np.nan
    with pytest.raises(DataError, match="TLT"):
        calibrate_from_prices(holed, start="2010-01-31", end="2013-12-31")


def test_command_line_writes_json_with_source_note(tmp_path) -> None:
    prices, _ = _frame()
    csv = tmp_path / "prices.csv"
    prices.rename_axis("date").to_csv(csv)
    out = tmp_path / "cal.json"
    assert main([str(csv), "--out", str(out), "--start", "2010-01-31", "--end", "2013-12-31"]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["source"]["period"] == "2010-01..2013-12"
    assert "BIL" in data["source"]["cash_proxy"]
    assert "SOURCES.md" in data["source"]["note"]


def test_bundled_calibration_states_its_source() -> None:
    data = json.loads(resource_path("synthetic_calibration.json").read_text(encoding="utf-8"))
    source = data["source"]
    assert source["period"] == "2008-01..2024-12"
    assert "etf_monthly_prices.csv" in source["file"]
    assert "BIL" in source["cash_proxy"] and "2020-06" in source["cash_proxy"]
    assert "real Yahoo adjusted closes" in source["note"]
    assert data["period"]["months"] == 204
    assert set(data["annual_vol"]) == set(DEFAULT_TICKERS)
