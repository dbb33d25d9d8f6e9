"""The main window end to end: first result, edit + optimize, undo, refusals, errors."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QMessageBox, QStyleOptionViewItem, QTableView

from app import SHORT_DISCLAIMER
from app.features import FEATURES
from app.ips.constraints_model import MINIMUM
from app.kit import formatting as fmt
from core.errors import PolicyError

DISPLAY = Qt.ItemDataRole.DisplayRole
RESULT_TIMEOUT_MS = 60_000


def weights_cell(window, row_key, column_key):
    model = window.findChild(QTableView, "weights_table").model()
    row, column = model.row_of(row_key), model.column_of(column_key)
    assert row >= 0 and column >= 0, (row_key, column_key)
    return model.data(model.index(row, column), DISPLAY)


def optimize_and_wait(qtbot, window):
    with qtbot.waitSignal(window.result_ready, timeout=RESULT_TIMEOUT_MS) as blocker:
        window.action_optimize.trigger()
        assert window.progress_bar.isVisible()
    qtbot.waitUntil(lambda: not window.runner.is_running("analysis"), timeout=5_000)
    assert not window.progress_bar.isVisible()
    return blocker.args[0]


def test_window_shell(window):
    assert window.objectName() == "MainWindow"
    assert window.windowTitle().startswith("IPS Allocation Studio — Balanced Growth [SYNTHETIC]")
    tabs = window.tabs
    assert [tabs.tabText(i) for i in range(2)] == ["IPS", "Allocation"]
    assert [spec.title for spec in FEATURES[:2]] == ["IPS", "Allocation"]
    badge = window.findChild(QLabel, "data_mode_label")
    assert "SYNTHETIC" in badge.text() and "seed" in badge.text()
    assert window.findChild(QLabel, "status_data_mode_label") is None  # one badge, not two
    assert not window.toolbar.toggleViewAction().isEnabled()  # and its toolbar cannot be hidden
    assert window.findChild(QLabel, "disclaimer_label").text() == SHORT_DISCLAIMER
    assert window.action_optimize.objectName() == "action_optimize"
    assert window.action_optimize.shortcut() == QKeySequence("Ctrl+R")
    assert QKeySequence("Ctrl+Shift+Z") in window.action_redo.shortcuts()
    assert not window.isWindowModified()
    assert not window.progress_bar.isVisible()


def test_first_result_is_shown_in_weights_table(window):
    result = window.result
    assert result.profile.name == "Balanced Growth"
    recommended = result.recommended
    for ticker, weight in recommended.weights.items():
        assert weights_cell(window, ticker, result.recommended_name) == fmt.format_value(
            weight, fmt.PERCENT
        )
    for cls, weight in recommended.class_weights.items():
        assert weights_cell(window, cls, result.recommended_name) == fmt.format_value(
            weight, fmt.PERCENT
        )
    tab = window.tab_widgets["allocation"]
    assert tab.recommended_label.text().startswith(f"★ IPS Recommended: {result.recommended_name}")
    assert result.selection_reason in tab.selection_label.text()
    model = tab.weights_model
    header = model.headerData(model.column_of(result.recommended_name), Qt.Orientation.Horizontal)
    assert header.startswith("★")


def test_metrics_and_validation_tables(window):
    result = window.result
    tab = window.tab_widgets["allocation"]
    metrics = tab.metrics_model
    assert metrics.column_of("Benchmark") >= 0
    row = metrics.row_of("annualized_volatility")
    column = metrics.column_of(result.recommended_name)
    expected = fmt.format_value(result.recommended.metrics.annualized_volatility, fmt.PERCENT, 2)
    assert metrics.data(metrics.index(row, column), DISPLAY) == expected
    assert metrics.headerData(row, Qt.Orientation.Vertical) == "Annualized volatility"
    validation = tab.validation_model
    status = validation.column_of("pass_fail")
    texts = {
        validation.data(validation.index(r, status), DISPLAY) for r in range(validation.rowCount())
    }
    assert texts <= {"PASS", "FAIL"}
    assert validation.rowCount() == len(result.recommended.validation.rows)


def test_every_window_model_passes_model_tester(qtmodeltester, window):
    tab = window.tab_widgets["allocation"]
    for model in (
        window.ips_tab.constraints_model,
        tab.weights_model,
        tab.metrics_model,
        tab.validation_model,
    ):
        qtmodeltester.check(model)


def test_raise_equity_minimum_then_optimize_then_undo(qtbot, window):
    before = window.result
    old_text = weights_cell(window, "Equity", before.recommended_name)
    model = window.ips_tab.constraints_model
    cell = model.index(model.row_of("Asset class", "Equity"), MINIMUM)
    assert model.setData(cell, "60")
    assert window.isWindowModified()
    assert not window.tab_widgets["allocation"].stale_label.isHidden()

    after = optimize_and_wait(qtbot, window)
    assert after.profile.class_ranges["Equity"].minimum == pytest.approx(0.60)
    equity = float(after.recommended.class_weights["Equity"])
    assert equity >= 0.60 - 1e-6
    new_text = weights_cell(window, "Equity", after.recommended_name)
    assert new_text == fmt.format_value(equity, fmt.PERCENT)
    assert new_text != old_text
    assert window.tab_widgets["allocation"].stale_label.isHidden()

    window.action_undo.trigger()
    assert model.data(cell, DISPLAY) == "45.0%"
    assert window.ips_tab.profile().class_ranges["Equity"].minimum == pytest.approx(0.45)
    assert not window.isWindowModified()
    window.action_redo.trigger()
    assert model.data(cell, DISPLAY) == "60.0%"


@pytest.mark.parametrize(
    ("typed", "words"), [("90", "above its maximum"), ("sixty", "not a percentage")]
)
def test_invalid_edit_is_refused_with_status_message(window, typed, words):
    model = window.ips_tab.constraints_model
    cell = model.index(model.row_of("Asset class", "Equity"), MINIMUM)
    assert not model.setData(cell, typed)
    assert words in window.statusBar().currentMessage()
    assert model.data(cell, DISPLAY) == "45.0%"
    assert window.undo_stack.count() == 0
    assert not window.isWindowModified()


def test_worker_error_shows_message_and_keeps_previous_result(qtbot, window, monkeypatch):
    previous = window.result
    shown_before = weights_cell(window, "SPY", previous.recommended_name)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args))

    def broken(*args, **kwargs):
        raise PolicyError(
            "Equity minimum 80% plus Fixed Income minimum 45% exceed 100%: lower one."
        )

    monkeypatch.setattr("app.shell.analysis_controller.run_analysis", broken)
    with qtbot.waitSignal(window.analysis_failed, timeout=RESULT_TIMEOUT_MS) as blocker:
        window.action_optimize.trigger()
    qtbot.waitUntil(lambda: not window.runner.is_running("analysis"), timeout=5_000)
    assert "exceed 100%" in blocker.args[0]
    assert len(warnings) == 1 and "exceed 100%" in warnings[0][2]
    assert window.result is previous
    assert weights_cell(window, "SPY", previous.recommended_name) == shown_before
    assert not window.progress_bar.isVisible()


def test_profile_combo_switch_updates_title_and_is_undoable(window):
    combo = window.ips_tab.profile_combo
    combo.setCurrentIndex(combo.findText("Capital Preservation"))
    assert window.ips_tab.profile().name == "Capital Preservation"
    assert "Capital Preservation" in window.windowTitle()
    assert window.isWindowModified()
    assert window.findChild(QLabel, "ips_name").text() == "Capital Preservation"
    window.undo_stack.undo()
    assert combo.currentText() == "Balanced Growth"
    assert "Balanced Growth" in window.windowTitle()


def test_about_box_carries_the_disclaimer(window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda *args: shown.append(args))
    window.action_about.trigger()
    assert "not investment advice" in shown[0][2]


def test_percent_delegate_round_trip(window):
    table = window.ips_tab.constraints_table
    model = window.ips_tab.constraints_model
    index = model.index(model.row_of("Asset class", "Equity"), MINIMUM)
    delegate = table.itemDelegateForColumn(MINIMUM)
    editor = delegate.createEditor(table.viewport(), QStyleOptionViewItem(), index)
    delegate.setEditorData(editor, index)
    assert editor.text() == "45"
    editor.setText("50%")
    delegate.setModelData(editor, model, index)
    assert model.data(index, DISPLAY) == "50.0%"
    assert window.undo_stack.count() == 1


@pytest.mark.slow
def test_screenshots_script_writes_one_png_per_tab(tmp_path):
    from app.screenshots import take_screenshots

    paths = take_screenshots(tmp_path)
    assert [p.name for p in paths] == [f"shot_{spec.key}.png" for spec in FEATURES]
    assert all(p.stat().st_size > 10_000 for p in paths)
