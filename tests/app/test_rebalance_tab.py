"""The Rebalancing tab: holdings table (paste, undo, edit, refusals, import, copy), drift, trades."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication, QUndoStack
from PySide6.QtWidgets import QFileDialog, QTableView

from app.features import FEATURES
from app.kit.context import StudioContext
from app.rebalancing.holdings_model import PRICE, SHARES, TICKER, HoldingsModel
from app.rebalancing.tab import RebalanceTab, start_account
from core.inputs import split_block
from core.pipeline import load_default_dataset, run_analysis
from core.policy.profile_io import DEFAULT_PROFILE_NAME, bundled_profiles
from core.rebalance import CASH_LABEL, Holdings, demo_holdings, load_holdings_file
from core.universe import default_universe

DISPLAY, EDIT = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole
TIMEOUT_MS = 60_000
PASTE_3X2 = "QQQ\t1,250\r\nIWM\t2,000.5\r\nEFA\t300\r\n"


@pytest.fixture(scope="module")
def analysis():
    """The default profile's analysis (pure core, computed once for the module)."""
    return run_analysis(bundled_profiles()[DEFAULT_PROFILE_NAME], load_default_dataset())


@pytest.fixture
def tab(qtbot, analysis):
    """A Rebalancing tab on its own undo stack, showing ``analysis`` and its first plan."""
    stack = QUndoStack()
    widget = RebalanceTab(
        StudioContext(stack, default_universe(), bundled_profiles(), DEFAULT_PROFILE_NAME)
    )
    widget.undo_stack = stack  # keeps the stack alive with the tab
    qtbot.addWidget(widget)
    widget.resize(1400, 800)
    widget.show()
    with qtbot.waitSignal(widget.plan_ready, timeout=TIMEOUT_MS):
        widget.show_result(analysis)
    qtbot.waitUntil(lambda: not widget.busy() and not widget.deferred.pending(), timeout=5_000)
    return widget


def snapshot(model):
    return [
        [
            (model.data(model.index(r, c), DISPLAY), model.data(model.index(r, c), EDIT))
            for c in range(model.columnCount())
        ]
        for r in range(model.rowCount())
    ]


def row_of(model, ticker):
    return next(
        r for r in range(model.rowCount()) if model.data(model.index(r, TICKER), EDIT) == ticker
    )


def paste_at(tab, text, row, column):
    QGuiApplication.clipboard().setText(text)
    tab.holdings_panel.table.setCurrentIndex(tab.holdings_model.index(row, column))
    tab.holdings_panel.paste_action.trigger()


def rebalance(qtbot, tab):
    with qtbot.waitSignal(tab.plan_ready, timeout=TIMEOUT_MS) as blocker:
        tab.rebalance_button.click()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=5_000)
    return blocker.args[0]


def assert_executable(plan):
    weights = plan.post_trade_weights
    assert abs(float(weights.sum()) - 1.0) <= 1e-9
    assert all(float(line.shares).is_integer() for line in plan.lines)
    assert plan.cash_after >= plan.cash_buffer - 1e-6
    assert all(line.post_trade_shares >= 0 for line in plan.lines)


def test_registered_after_stress_and_outlook_before_the_comparison():
    keys = [spec.key for spec in FEATURES]
    assert keys[keys.index("stress") + 1 :] == ["outlook", "rebalancing", "compare"]
    assert next(s.title for s in FEATURES if s.key == "rebalancing") == "Rebalancing"


def test_demo_account_drift_table_and_chart(tab, analysis):
    model = tab.holdings_model
    demo = demo_holdings(default_universe())
    assert tab.holdings().positions == demo.positions and tab.holdings().cash == demo.cash
    assert model.rowCount() == len(demo.positions) + 1
    cash = model.rowCount() - 1
    assert model.data(model.index(cash, TICKER), DISPLAY) == CASH_LABEL
    assert model.data(model.index(cash, SHARES), DISPLAY) == "15,607.50"
    assert model.data(model.index(0, 4), DISPLAY) == "23.34%"
    labels = [
        tab.drift_model.headerData(r, Qt.Orientation.Vertical)
        for r in range(tab.drift_model.rowCount())
    ]
    assert "Equity" in labels and "    SPY" in labels and "    Cash (uninvested)" in labels
    breach = tab.drift_model.column_of("breach")
    flagged = {
        labels[r].strip()
        for r in range(len(labels))
        if tab.drift_model.data(tab.drift_model.index(r, breach), DISPLAY)
    }
    assert flagged == {"SPY", "AGG", "HYG"}
    bars = next(i for i in tab.drift_chart.plot.items if isinstance(i, pg.BarGraphItem))
    red = [b.color().name() for b in bars.opts["brushes"]]
    assert [t for t, c in zip(demo.positions, red, strict=True) if c == "#b00020"] == [
        "SPY",
        "AGG",
        "HYG",
    ]
    assert "SPY, AGG, HYG" in tab.summary_label.text()


def test_paste_block_is_one_undo_step_and_undo_restores_exactly(tab):
    model, stack = tab.holdings_model, tab.undo_stack
    before, before_holdings = snapshot(model), tab.holdings()
    paste_at(tab, PASTE_3X2, row_of(model, "QQQ"), TICKER)
    assert stack.count() == 1
    positions = tab.holdings().positions
    assert (positions["QQQ"], positions["IWM"], positions["EFA"]) == (1250.0, 2000.5, 300.0)
    assert positions["SPY"] == before_holdings.positions["SPY"]
    assert model.data(model.index(row_of(model, "IWM"), SHARES), DISPLAY) == "2,000.5"
    stack.undo()
    assert snapshot(model) == before and tab.holdings() == before_holdings
    stack.redo()
    assert tab.holdings().positions["QQQ"] == 1250.0


@pytest.mark.parametrize(
    ("block", "row", "expected"),
    [
        ("SPY\t-5", 0, "row 1 (SPY), Shares: -5 is negative"),
        ("SPY\tabc", 0, "row 1 (SPY), Shares: 'abc' is not the number of shares"),
        ("SPY\t5%", 0, "row 1 (SPY), Shares: '5%' is a percentage"),
        ("XYZ\t10", 0, "row 1 (XYZ), Ticker: 'XYZ' is not in the universe"),
        ("QQQ\t10", 0, "row 2 (QQQ), Ticker: QQQ already appears on row 1"),
        ("SPY\t10\r\nAGG\t-1\r\n", 0, "row 2 (AGG), Shares"),
    ],
)
def test_bad_paste_is_refused_naming_the_cell(qtbot, tab, block, row, expected):
    model, before = tab.holdings_model, snapshot(tab.holdings_model)
    with qtbot.waitSignal(tab.status_message, timeout=1_000) as blocker:
        paste_at(tab, block, row, TICKER)
    assert expected in blocker.args[0] and "nothing changed" in blocker.args[0]
    assert snapshot(model) == before and tab.undo_stack.count() == 0


def test_edit_cell_then_rebalance_gives_executable_trades(qtbot, tab):
    model = tab.holdings_model
    spy = row_of(model, "SPY")
    assert model.setData(model.index(spy, SHARES), "650")
    assert tab.holdings().positions["SPY"] == 650 and tab.undo_stack.count() == 1
    assert not model.setData(model.index(spy, PRICE), "free")  # refused, unchanged
    assert tab.holdings().prices["SPY"] == 600.0
    tab.buffer_spin.setValue(1.0)
    tab.min_trade_spin.setValue(1_000.0)
    assert tab.rebalance_button.text() != "Rebalance"  # the plan on screen is stale
    plan = rebalance(qtbot, tab)
    assert plan is tab.rebalance_plan()
    assert_executable(plan)
    assert plan.cash_buffer == pytest.approx(0.01 * plan.value_before)
    assert all(abs(line.notional) >= 1_000.0 for line in plan.trades)
    assert next(line for line in plan.lines if line.ticker == "SPY").current_shares == 650
    trades = tab.trades_model
    assert tab.findChild(QTableView, "trades_table") is tab.trades_table
    assert tab.findChild(QTableView, "holdings_table") is tab.holdings_panel.table
    assert trades.rowCount() == len(plan.lines) + 1  # + the cash line
    action, shares = trades.column_of("trade_direction"), trades.column_of("trade_shares")
    for row, line in enumerate(plan.lines):
        assert trades.data(trades.index(row, action), DISPLAY) == line.action.value
        assert trades.data(trades.index(row, shares), DISPLAY) == f"{abs(line.shares):,.0f}"
    assert "turnover" in tab.totals_label.text() and tab.rebalance_button.text() == "Rebalance"


@pytest.mark.parametrize(
    ("method", "buffer", "flow", "seed"),
    [
        (0, 0.0, 0.0, None),
        (1, 0.5, 0.0, None),
        (0, 2.0, 150_000.0, 1),
        (1, 1.0, -80_000.0, 2),
        (0, 0.0, 0.0, 3),
    ],
)
def test_post_trade_weights_sum_to_one_on_every_account(qtbot, tab, method, buffer, flow, seed):
    if seed is not None:
        rng = np.random.default_rng(seed)
        prices = tab.holdings().prices
        tickers = list(default_universe().tickers)
        held = rng.choice(tickers, size=6, replace=False)
        tab.set_holdings(
            Holdings(
                {t: float(rng.integers(0, 3_000)) for t in held},
                prices,
                float(rng.uniform(0, 50_000)),
            )
        )
    tab.method_combo.setCurrentIndex(method)
    tab.buffer_spin.setValue(buffer)
    tab.contribution_spin.setValue(flow)
    plan = rebalance(qtbot, tab)
    assert_executable(plan)
    assert plan.contribution == flow and plan.method.value == ("to_target", "to_band_edge")[method]


def test_failed_rebalance_keeps_the_previous_plan(qtbot, tab):
    previous = tab.rebalance_plan()
    tab.contribution_spin.setValue(-5_000_000.0)
    with qtbot.waitSignal(tab.rebalance_failed, timeout=TIMEOUT_MS) as blocker:
        tab.rebalance_button.click()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=5_000)
    assert "withdraw less" in blocker.args[0]
    assert tab.rebalance_plan() is previous and tab.message_label.isVisible()
    assert "previous plan is still shown" in tab.message_label.text()


def test_import_csv_through_the_button(qtbot, tab, tmp_path, monkeypatch):
    path = tmp_path / "account.csv"
    path.write_text(
        'ticker,shares,price\r\nSPY,100,500\r\nAGG,"1,000",\r\nCASH,2500,\r\n', encoding="utf-8"
    )
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    before = tab.holdings()
    with qtbot.waitSignal(tab.undo_stack.indexChanged, timeout=10_000):
        tab.holdings_panel.import_button.click()  # read in a worker, applied as one step
    expected = load_holdings_file(path, default_universe(), prices=tab.holdings_model.data_prices)
    assert tab.holdings() == expected and tab.holdings_model.rowCount() == 3
    assert tab.holdings().prices["AGG"] == pytest.approx(
        tab.holdings_model.default_prices()["AGG"]
    )  # the data set's price
    tab.undo_stack.undo()
    assert tab.holdings() == before
    path.write_text("ticker,shares\nSPY,-3\n", encoding="utf-8")
    with qtbot.waitSignal(
        tab.status_message, timeout=10_000, check_params_cb=lambda m: "refused" in m
    ) as blocker:
        tab.holdings_panel.import_button.click()
    assert "Row 2, column shares" in blocker.args[0] and tab.holdings() == before


def test_copy_as_tsv_round_trip(tab):
    table, model = tab.holdings_panel.table, tab.holdings_model
    original = tab.holdings()
    table.selectAll()
    tab.holdings_panel.copy_action.trigger()
    text = QGuiApplication.clipboard().text()
    assert text.startswith("SPY\t778\t600\t466800\t23.34%\tillustrative\r\n") and text.endswith(
        "CASH\t15607.5\t1\t15607.5\t0.780375%\tcash at $1.00\r\n"
    )
    assert len(split_block(text)) == model.rowCount()
    model.setData(model.index(0, SHARES), "1")
    model.setData(model.index(model.rowCount() - 1, SHARES), "3")
    paste_at(tab, text, 0, TICKER)
    assert tab.holdings() == original
    table.selectionModel().select(
        model.index(1, SHARES), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    table.selectionModel().select(model.index(2, PRICE), QItemSelectionModel.SelectionFlag.Select)
    tab.holdings_panel.copy_action.trigger()
    assert QGuiApplication.clipboard().text() == "362\t\r\n\t225\r\n"  # QQQ shares, IWM price


def test_add_remove_rows_cash_cell_and_header_paste(tab):
    initial = tab.holdings()  # the demo account at the data set's (illustrative) prices
    model, stack = tab.holdings_model, tab.undo_stack
    table = tab.holdings_panel.table
    table.selectRow(row_of(model, "VNQ"))
    tab.holdings_panel.remove_button.click()
    assert "VNQ" not in tab.holdings().positions
    tab.holdings_panel.add_button.click()
    assert tab.holdings().tickers[-1] == "VNQ" and tab.holdings().positions["VNQ"] == 0
    paste_at(tab, "25,000\r\n", model.rowCount() - 1, SHARES)
    assert tab.holdings().cash == 25_000.0
    paste_at(tab, "Ticker\tShares\tPrice\r\nSPY\t10\t$610.50\r\nAGG\t20\t\r\n", 0, TICKER)
    assert tab.holdings().positions == {"SPY": 10.0, "AGG": 20.0} and tab.holdings().cash == 0.0
    assert tab.holdings().prices["SPY"] == 610.5
    assert stack.count() == 4
    for _ in range(4):
        stack.undo()
    assert tab.holdings() == initial
    assert tab.holdings().price_sources == initial.price_sources


def test_set_holdings_has_no_undo_entry(tab):
    account = Holdings({"AGG": 10.0}, tab.holdings().prices, 100.0)
    tab.set_holdings(account)
    assert tab.holdings() == account and tab.undo_stack.count() == 0
    assert tab.holdings_model.rowCount() == 2


def test_start_account_drops_etfs_outside_an_edited_universe():
    universe = default_universe().subset(
        [t for t in default_universe().tickers if t not in ("DBC", "VNQ")]
    )
    account = start_account(universe)
    assert (
        set(account.tickers) <= set(universe.tickers)
        and "SPY" in account.tickers
        and account.cash > 0
    )


def test_models_pass_model_tester(qtmodeltester, tab):
    for model in (
        tab.holdings_model,
        tab.drift_model,
        tab.trades_model,
        HoldingsModel(default_universe(), QUndoStack()),
    ):
        qtmodeltester.check(model)


def test_window_status_bar_keyboard_paste_and_undo(qtbot, window):
    tab = window.tab_widgets["rebalancing"]
    qtbot.waitUntil(lambda: tab.rebalance_plan() is not None and not tab.busy(), timeout=TIMEOUT_MS)
    # The export rebuilds the plan from the project on screen: the same trades as the tab's.
    from core.report.inputs import report_inputs

    project = window.project_controller.current_project()
    assert project.holdings == tab.holdings() and project.trade_settings == tab.trade_settings()
    exported = report_inputs(project, window.result.dataset, analyses=[window.result]).plan
    assert exported.post_trade_holdings == tab.rebalance_plan().post_trade_holdings
    window.tabs.setCurrentWidget(tab)
    table = tab.holdings_panel.table
    before = snapshot(tab.holdings_model)
    QGuiApplication.clipboard().setText("SPY\tten\r\n")
    table.setCurrentIndex(tab.holdings_model.index(0, TICKER))
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert "row 1 (SPY), Shares" in window.statusBar().currentMessage()
    assert snapshot(tab.holdings_model) == before
    QGuiApplication.clipboard().setText(PASTE_3X2)
    table.setCurrentIndex(tab.holdings_model.index(row_of(tab.holdings_model, "QQQ"), TICKER))
    qtbot.keyClick(table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert tab.holdings().positions["IWM"] == 2000.5 and window.isWindowModified()
    window.action_undo.trigger()
    assert snapshot(tab.holdings_model) == before
    window.action_redo.trigger()
    assert tab.holdings().positions["IWM"] == 2000.5
    assert math.isclose(sum(tab.holdings().weights), 1.0)


def test_the_drift_table_names_the_ips_clause_of_each_band(tab, analysis):
    """Issue 18: every drift band shown comes from a clause of the IPS and says which."""
    from core.policy.clauses import ClauseKind, clause_id

    profile = analysis.profile
    title = tab._drift_box.title()
    for kind, text in (
        (ClauseKind.DRIFT_ABSOLUTE, f"absolute band ±{profile.drift_bands.absolute:.1%}"),
        (ClauseKind.DRIFT_CLASS, f"class ±{profile.drift_bands.asset_class:.1%}"),
    ):
        cid = clause_id(profile, kind)
        assert cid and f"{text} (IPS {cid})" in title
