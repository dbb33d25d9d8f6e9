"""Rolling metrics against core.analytics.metrics applied to each window's slice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.analytics import metrics as m
from core.analytics.rolling import METRIC_COLUMNS, rolling_metrics
from core.errors import DataError


def fixture(n: int = 60, seed: int = 1) -> tuple[pd.Series, pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2015-01-31", periods=n, freq="ME")
    bench = pd.Series(rng.normal(0.006, 0.03, n), index=index)
    port = pd.Series(0.8 * bench.to_numpy() + rng.normal(0.001, 0.015, n), index=index)
    rf = pd.Series(np.abs(rng.normal(0.0015, 0.0005, n)), index=index)
    return port, bench, rf


@pytest.mark.parametrize("window", [12, 5, 36])
def test_every_window_matches_the_metrics_on_its_slice(window):
    port, bench, rf = fixture()
    frame = rolling_metrics(port, bench, rf, window=window, names=("P", "B"))
    n = len(port)
    assert len(frame) == 2 * (n - window + 1)
    assert list(frame.columns) == ["date", "series", *METRIC_COLUMNS]
    for label, series in (("P", port), ("B", bench)):
        rows = frame[frame["series"] == label].reset_index(drop=True)
        assert (rows["date"] == port.index[window - 1 :]).all()
        for k, end in enumerate(range(window, n + 1)):
            sl = slice(end - window, end)
            r, b, f = series.iloc[sl], bench.iloc[sl], rf.iloc[sl]
            row = rows.iloc[k]
            assert row["rolling_return"] == pytest.approx(np.prod(1 + r.to_numpy()) - 1, rel=1e-12)
            assert row["rolling_volatility"] == pytest.approx(m.annualized_volatility(r), rel=1e-12)
            assert row["rolling_sharpe_ratio"] == pytest.approx(m.sharpe_ratio(r, f), rel=1e-10)
            assert row["rolling_max_drawdown"] == pytest.approx(
                m.max_drawdown(r), rel=1e-12, abs=1e-15
            )
            assert row["rolling_beta"] == pytest.approx(m.beta(r, b), rel=1e-10)
            assert row["rolling_tracking_error"] == pytest.approx(
                m.tracking_error(r, b), rel=1e-10, abs=1e-15
            )


def test_benchmark_rows_against_itself():
    port, bench, rf = fixture()
    frame = rolling_metrics(port, bench, rf)
    rows = frame[frame["series"] == "Benchmark"]
    np.testing.assert_allclose(rows["rolling_beta"], 1.0, rtol=1e-12)
    np.testing.assert_allclose(rows["rolling_tracking_error"], 0.0, atol=1e-15)


def test_a_loss_in_the_first_month_of_a_window_counts():
    index = pd.date_range("2020-01-31", periods=14, freq="ME")
    values = np.full(14, 0.01)
    values[2] = -0.10  # first month of the window ending at position 13
    r = pd.Series(values, index=index)
    frame = rolling_metrics(r, r, 0.0, window=12)
    last = frame[frame["series"] == "Portfolio"].iloc[-1]
    assert last["rolling_max_drawdown"] == pytest.approx(-0.10, rel=1e-12)


def test_float_risk_free_is_an_annual_rate():
    port, bench, _ = fixture()
    frame = rolling_metrics(port, bench, 0.03, window=12)
    assert frame["rolling_sharpe_ratio"].iloc[0] == pytest.approx(
        m.sharpe_ratio(port.iloc[:12], 0.03), rel=1e-10
    )


def test_bad_inputs():
    port, bench, rf = fixture(n=20)
    with pytest.raises(DataError, match="longer than"):
        rolling_metrics(port, bench, rf, window=21)
    with pytest.raises(DataError, match=">= 2"):
        rolling_metrics(port, bench, rf, window=1)
    with pytest.raises(DataError, match="same months"):
        rolling_metrics(port, bench.iloc[1:], rf)
    broken = port.copy()
    broken.iloc[4] = np.nan
    with pytest.raises(DataError, match="2015-05"):
        rolling_metrics(broken, bench, rf)
