"""Issue 14 in the window: the account is valued at the data set's real prices, stated per
holding and per trade; typed prices stay; the window and ``report`` give the same trades."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from app.cli import main as cli_main
from app.rebalancing.holdings_model import PRICE, SOURCE
from core.data.importer import load_returns_file
from core.data.prices import PriceSource
from core.data.synthetic import generate_synthetic_dataset
from core.report.rebalance_tables import rebalancing_trades
from core.universe import default_universe

TIMEOUT_MS = 60_000
REAL = Path(__file__).parents[1] / "core" / "fixtures" / "realdata_month_end_closes.csv"
# The 2026-07-31 row of the fixture (real closes; see tests/core/fixtures/README.md).
CLOSE_SPY, CLOSE_QQQ = 747.030029296875, 687.989990234375


def _use(qtbot, window, dataset):
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        window.set_dataset(dataset)
    tab = window.tab_widgets["rebalancing"]
    qtbot.waitUntil(lambda: not tab.busy(), timeout=TIMEOUT_MS)
    return tab


def test_the_account_is_valued_at_the_real_closes_and_says_so(qtbot, window):
    shares = window.tab_widgets["rebalancing"].holdings().positions
    tab = _use(qtbot, window, load_returns_file(REAL, default_universe()))
    holdings = tab.holdings()
    # The demo's illustrative $600 for SPY is gone: the account is at the file's last close.
    assert holdings.prices["SPY"] == CLOSE_SPY and holdings.prices["QQQ"] == CLOSE_QQQ
    point = holdings.price_point("SPY")
    assert point.source is PriceSource.IMPORTED_FILE and point.as_of == "2026-07-31"
    closes = pd.read_csv(REAL, index_col="date").iloc[-1]
    by_hand = sum(s * float(closes[t]) for t, s in shares.items()) + holdings.cash
    assert holdings.total_value == pytest.approx(by_hand, rel=1e-12)
    model = tab.holdings_model
    assert model.data(model.index(0, SOURCE)).startswith("imported file realdata_month_end")
    trades = tab.trades_model.frame()
    assert set(trades["price_source"].dropna()) >= {point.label}


def test_a_typed_price_stays_when_the_data_change(qtbot, window):
    tab = window.tab_widgets["rebalancing"]
    model = tab.holdings_model
    assert model.setData(model.index(0, PRICE), "612.50")  # SPY, typed by the user
    tab = _use(qtbot, window, load_returns_file(REAL, default_universe()))
    holdings = tab.holdings()
    assert (
        holdings.prices["SPY"] == 612.5 and holdings.price_point("SPY").source is PriceSource.TYPED
    )
    assert holdings.prices["QQQ"] == CLOSE_QQQ  # not typed: follows the data
    tab = _use(qtbot, window, generate_synthetic_dataset(default_universe()))
    holdings = tab.holdings()
    assert holdings.prices["SPY"] == 612.5
    assert holdings.price_point("QQQ").source is PriceSource.ILLUSTRATIVE


def test_the_window_and_the_report_command_give_the_same_trades(qtbot, window, tmp_path):
    tab = _use(qtbot, window, load_returns_file(REAL, default_universe()))
    plan = tab.rebalance_plan()
    assert plan is not None
    result = window.result
    on_screen = rebalancing_trades(
        plan, profile_name=result.profile.name, data_mode=result.dataset.mode
    )
    out = tmp_path / "report"
    code = cli_main(
        ["report", "--out", str(out), "--returns", str(REAL), "--holdings", "demo", "--no-charts"]
    )
    assert code == 0
    written = pd.read_csv(out / "rebalancing_trades.csv")
    columns = ["ticker", "trade_direction", "trade_shares", "price", "price_source"]

    # (a CSV reads an empty cell back as NaN: the cash line has no direction; it writes prices
    # with 7 significant digits)
    def rows(frame: pd.DataFrame) -> list[tuple]:
        return [
            tuple(
                "" if pd.isna(v) else (round(float(v), 3) if isinstance(v, int | float) else str(v))
                for v in row
            )
            for row in frame[columns].itertuples(index=False)
        ]

    assert rows(written) == rows(on_screen)


def test_a_shares_only_file_takes_the_data_sets_prices_in_the_report(tmp_path):
    """The CLI refused a shares-only file ("no default price") while the window valued it at
    invented prices; both now take the data set's prices, with their source."""
    account = tmp_path / "account.csv"
    account.write_text("ticker,shares\nSPY,1200\nQQQ,900\nAGG,4000\nCASH,15000\n", encoding="utf-8")
    out = tmp_path / "report"
    code = cli_main(
        ["report", "--out", str(out), "--returns", str(REAL), "--holdings", str(account)]
        + ["--method", "to-band-edge", "--no-charts"]
    )
    assert code == 0
    trades = pd.read_csv(out / "rebalancing_trades.csv").set_index("ticker")
    assert trades.loc["SPY", "price"] == pytest.approx(CLOSE_SPY, rel=1e-6)
    label = "imported file realdata_month_end_closes.csv, 2026-07-31"
    assert set(trades.drop(index="CASH")["price_source"]) == {label}
    compliance = pd.read_csv(out / "rebalancing_compliance.csv")
    assert (compliance["post_trade_status"] == "PASS").all()
    assert (compliance["current_status"] == "FAIL").any()  # this account broke the IPS
