"""Data menu: refresh with a fake downloader (no network), cancel, failures, cached, import, universe."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox

from app.shell.data_controller import DATA_JOB
from app.shell.main_window import ANALYSIS_JOB
from app.shell.universe_dialog import UniverseDialog
from core.data.cache import PriceCache
from core.data.dataset import DataMode

TIMEOUT_MS = 60_000


def fake_download(symbols, *, start, end, **kwargs):
    """A stand-in for ``yfinance.download``: daily 'Adj Close' in yfinance's (field, ticker) columns."""
    dates = pd.bdate_range("2012-01-02", end, inclusive="left")
    rng = np.random.default_rng(11)
    columns = {
        ("Adj Close", s): 100 * np.exp(np.cumsum(rng.normal(0.0002, 0.008, len(dates))))
        for s in symbols
    }
    frame = pd.DataFrame(columns, index=dates)
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["Price", "Ticker"])
    return frame


@pytest.fixture
def data(window, tmp_path):
    """The window's data controller with a fake downloader and a cache in ``tmp_path``."""
    controller = window.data_controller
    controller.downloader = fake_download
    controller.cache = PriceCache(tmp_path / "cache.sqlite")
    return controller


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda *args: shown.append(args) or QMessageBox.StandardButton.Ok
    )
    return shown


def wait_idle(qtbot, window):
    qtbot.waitUntil(
        lambda: (
            not window.runner.is_running(DATA_JOB) and not window.runner.is_running(ANALYSIS_JOB)
        ),
        timeout=TIMEOUT_MS,
    )


def refresh_and_wait(qtbot, window, data):
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS) as result:
        with qtbot.waitSignal(data.data_finished, timeout=TIMEOUT_MS) as finished:
            window.action_refresh_data.trigger()
            assert data.progress_bar.isVisible() and data.action_cancel.isEnabled()
    wait_idle(qtbot, window)
    return finished.args, result.args[0]


@pytest.mark.slow
def test_refresh_switches_to_market_and_reoptimizes(qtbot, window, data):
    assert window.action_refresh_data.objectName() == "action_refresh_data"
    (ok, text), result = refresh_and_wait(qtbot, window, data)
    assert ok and "MARKET" in text
    assert window.dataset.mode is DataMode.MARKET and result.dataset is window.dataset
    badge = window.findChild(QLabel, "data_mode_label")
    assert "MARKET" in badge.text() and "fetched" in badge.text()
    assert window.dataset.provenance.fetched_at[:10] in badge.toolTip()
    assert "[MARKET]" in window.windowTitle() and window.isWindowModified()
    assert data.cache.path.exists()
    assert not data.progress_bar.isVisible() and not data.action_cancel.isEnabled()


def test_cancelled_refresh_leaves_synthetic_data_in_place(qtbot, window, data):
    previous, shown = window.dataset, window.result
    entered, release = threading.Event(), threading.Event()

    def blocking_download(symbols, **kwargs):
        entered.set()
        release.wait(30)
        return fake_download(symbols, **kwargs)

    data.downloader = blocking_download
    job = data.refresh()
    qtbot.waitUntil(entered.is_set, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(data.data_finished, timeout=1_000) as finished:
        data.action_cancel.trigger()
    assert finished.args[0] is False and "cancelled" in finished.args[1]
    with qtbot.waitSignal(job.signals.cancelled, timeout=TIMEOUT_MS):
        release.set()
    wait_idle(qtbot, window)
    assert window.dataset is previous and window.dataset.mode is DataMode.SYNTHETIC
    assert window.result is shown and not window.isWindowModified()
    assert not data.cache.path.exists()  # nothing half-written
    assert "SYNTHETIC" in window.findChild(QLabel, "data_mode_label").text()


@pytest.mark.parametrize(
    ("download", "words"),
    [
        ("offline", "Could not download prices"),
        ("missing", "no prices for DBC"),
        ("short", "complete months"),
    ],
)
def test_a_failed_refresh_says_why_and_keeps_the_previous_data(
    qtbot, window, data, warnings, download, words
):
    previous, shown = window.dataset, window.result

    def broken(symbols, **kwargs):
        if download == "offline":
            raise ConnectionError("network is unreachable")
        frame = fake_download(symbols, **kwargs)
        if download == "missing":
            return frame.drop(columns=[("Adj Close", "DBC")])
        return frame.iloc[-400:]  # partial history: about 18 months

    data.downloader = broken
    with qtbot.waitSignal(data.data_finished, timeout=TIMEOUT_MS) as finished:
        data.refresh()
    wait_idle(qtbot, window)
    assert finished.args[0] is False and words in finished.args[1]
    assert (
        len(warnings) == 1
        and words in warnings[0][2]
        and "SYNTHETIC) is unchanged" in warnings[0][2]
    )
    assert window.dataset is previous and window.result is shown
    assert not data.cache.path.exists()


@pytest.mark.slow
def test_cached_synthetic_and_imported_data(qtbot, window, data, tmp_path, monkeypatch):
    refresh_and_wait(qtbot, window, data)
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        window.data_controller.action_synthetic.trigger()
    assert window.dataset.mode is DataMode.SYNTHETIC
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        window.data_controller.action_cached.trigger()
    assert window.dataset.mode is DataMode.MARKET
    assert any("local cache" in note for note in window.dataset.provenance.notes)

    path = tmp_path / "returns.csv"
    window.dataset.returns.rename_axis("date").to_csv(path)
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        window.data_controller.action_import.trigger()
    wait_idle(qtbot, window)
    assert window.dataset.mode is DataMode.IMPORTED and data.import_path == str(path)
    project = window.project_controller.current_project()
    assert project.data_mode is DataMode.IMPORTED and project.import_path == str(path)


def test_cached_data_missing_is_refused_and_nothing_changes(qtbot, window, data, warnings):
    previous = window.dataset
    with qtbot.waitSignal(data.data_finished, timeout=TIMEOUT_MS) as finished:
        data.use_cached()
    wait_idle(qtbot, window)
    assert finished.args[0] is False and window.dataset is previous and len(warnings) == 1


def test_universe_editing_is_validated_and_rebuilds_the_tabs(qtbot, window):
    dialog = UniverseDialog(window.project_controller.current_project(), window)
    qtbot.addWidget(dialog)
    assert not dialog.add_ticker("SPY", "Equity") and "more than once" in dialog.message()
    assert not dialog.add_ticker("VTI", "Crypto") and "asset class" in dialog.message()
    assert not dialog.remove_ticker("DBC") and "anchor weights" in dialog.message()
    assert not dialog.remove_ticker("SGOV")
    assert dialog.add_ticker(" vti ", "Equity", "Total market")
    assert dialog.model.row_of("VTI") == 14 and dialog.changed()
    old_ips = window.ips_tab

    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS) as blocker:
        window.project_controller.apply_universe(dialog.universe())
    wait_idle(qtbot, window)
    assert window.ips_tab is not old_ips and window.context.universe.n == 15
    assert "VTI" in blocker.args[0].weights_table().index
    assert window.dataset.mode is DataMode.SYNTHETIC and "VTI" in window.dataset.tickers
    assert window.isWindowModified()

    again = UniverseDialog(window.project_controller.current_project(), window)
    qtbot.addWidget(again)
    assert again.remove_ticker("VTI") and again.universe().n == 14


def _french_zip(index) -> bytes:
    import io
    import zipfile

    rng = np.random.default_rng(5)
    rows = "".join(f"{d:%Y%m},{','.join(f'{v:.4f}' for v in rng.normal(0, 3, 6))}\n" for d in index)
    text = "Fama/French 5 factors\n\n,Mkt-RF,SMB,HML,RMW,CMA,RF\n" + rows + "\n Annual Factors\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("F-F_Research_Data_5_Factors_2x3.csv", text)
    return buffer.getvalue()


@pytest.mark.slow
def test_refresh_attaches_the_fama_french_factors_when_they_cover_the_sample(qtbot, window, data):
    data.factor_downloader = lambda url: _french_zip(
        pd.date_range("2011-01-31", "2030-12-31", freq="ME")
    )
    (ok, _text), result = refresh_and_wait(qtbot, window, data)
    assert ok and result.dataset.factors is not None
    assert list(result.dataset.factors.columns) == ["MKT_RF", "SMB", "HML", "RMW", "CMA", "RF"]
    assert result.dataset.factors.index.equals(result.dataset.returns.index)
    assert any("Kenneth R. French" in n for n in result.dataset.provenance.notes)


@pytest.mark.slow
def test_factors_that_do_not_cover_the_sample_are_not_attached_and_it_is_said(qtbot, window, data):
    data.factor_downloader = lambda url: _french_zip(
        pd.date_range("2011-01-31", "2015-12-31", freq="ME")
    )
    (ok, _text), result = refresh_and_wait(qtbot, window, data)
    assert ok and result.dataset.mode is DataMode.MARKET and result.dataset.factors is None
    assert any("Fama-French factors not attached" in n for n in result.dataset.provenance.notes)


@pytest.mark.slow
def test_an_added_etf_gets_stress_results_and_the_report(qtbot, window, monkeypatch, tmp_path):
    """Issue 15 #5: Data > Edit universe, add XLE (Equity): the Stress tab showed empty panels
    under "waiting for the analysis..." and every export failed (no shock for XLE)."""

    def add_xle(dialog):  # the dialog's own add path, then OK
        assert dialog.add_ticker("XLE", "Equity", "Energy Select Sector SPDR")
        return 1

    monkeypatch.setattr(UniverseDialog, "exec", add_xle)
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        window.data_controller.action_universe.trigger()  # data_controller -> apply_universe
    wait_idle(qtbot, window)
    assert "XLE" in window.context.universe.tickers
    assert window.result.recommended.weights["XLE"] > 0  # held: a missing shock would stop it
    stress_tab = window.tab_widgets["stress"]  # the tabs were rebuilt for the new universe
    window.tabs.setCurrentWidget(stress_tab)  # a hidden tab defers its stress run
    qtbot.waitUntil(
        lambda: stress_tab.stress is not None or stress_tab.warning_label.isVisible(),
        timeout=TIMEOUT_MS,
    )
    qtbot.waitUntil(lambda: not stress_tab.busy() and not stress_tab.deferred.pending())
    assert not stress_tab.warning_label.isVisible(), stress_tab.warning_label.text()
    stress = stress_tab.stress
    bear = stress.outcome("Equity Bear Market")
    assert bear.shocks["XLE"] == bear.shocks["SPY"]
    assert not stress_tab.warning_label.isVisible()
    model = stress_tab.results_model
    row = next(r for r in range(model.rowCount()) if model.scenario_at(r) == "Equity Bear Market")
    tooltip = model.data(model.index(row, 0), Qt.ItemDataRole.ToolTipRole)
    assert "XLE has no driver exposures of its own" in tooltip and "SPY" in tooltip
