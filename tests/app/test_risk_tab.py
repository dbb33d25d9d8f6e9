"""The Risk tab: metric comparison, charts, frontier points, rolling window, worker jobs."""

from __future__ import annotations

import threading

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from app.features import FEATURES
from app.kit import formatting as fmt
from app.kit.chart_kit import Figure
from app.risk.tab import ex_ante_frame
from app.shell.main_window import ANALYSIS_JOB, MainWindow
from core.analytics.risk_report import build_risk_report
from core.errors import DataError

DISPLAY = Qt.ItemDataRole.DisplayRole
TIMEOUT_MS = 60_000


@pytest.fixture
def risk_window(qtbot):
    """The window on its Risk tab with its first result and that result's risk report drawn."""
    win = MainWindow(run_at_start=False)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    tab = win.tab_widgets["risk"]
    win.tabs.setCurrentWidget(tab)
    with qtbot.waitSignal(tab.report_ready, timeout=TIMEOUT_MS):
        win.optimize()
    qtbot.waitUntil(
        lambda: (
            not win.runner.is_running(ANALYSIS_JOB)
            and not tab.busy()
            and not tab.deferred.pending()
        ),
        timeout=5_000,
    )
    return win


def scatter(figure: Figure, name: str) -> pg.ScatterPlotItem:
    return next(
        i for i in figure.plot.items if isinstance(i, pg.ScatterPlotItem) and i.name() == name
    )


def test_risk_tab_is_registered_after_allocation(risk_window):
    assert [spec.key for spec in FEATURES][:4] == ["ips", "allocation", "risk", "stress"]
    tabs = risk_window.tabs
    assert [tabs.tabText(i) for i in range(4)] == ["IPS", "Allocation", "Risk", "Stress"]


def test_metric_comparison_shows_the_risk_report_numbers(risk_window):
    tab = risk_window.tab_widgets["risk"]
    report = tab.report
    assert report.profile_name == risk_window.result.profile.name
    table = risk_window.findChild(QTableView, "risk_metrics_table")
    model = table.model()
    comparison = report.comparison
    assert model.rowCount() == len(comparison)
    for row, (_key, values) in enumerate(comparison.iterrows()):
        assert model.headerData(row, Qt.Orientation.Vertical) == values["label"]
        for column, key in enumerate(("portfolio", "benchmark", "difference")):
            expected = fmt.format_value(values[key], values["kind"], 2)
            assert model.data(model.index(row, column), DISPLAY) == expected, (values["label"], key)
    labels = {model.headerData(r, Qt.Orientation.Vertical) for r in range(model.rowCount())}
    assert {"Up capture", "Down capture", "Beta", "Correlation", "Tracking error"} <= labels


def test_ex_ante_table_and_concentration_sentence(risk_window):
    tab = risk_window.tab_widgets["risk"]
    report = tab.report
    model = tab.ex_ante_model
    frame, labels, kinds = ex_ante_frame(report)
    assert model.data(model.index(0, 0), DISPLAY) == fmt.format_value(
        report.portfolio_risk.volatility, fmt.PERCENT, 2
    )
    assert model.data(model.index(1, 0), DISPLAY) == fmt.format_value(
        report.tracking_error, fmt.PERCENT, 2
    )
    assert model.data(model.index(3, 0), DISPLAY) == fmt.format_value(
        report.effective_bets, fmt.RATIO
    )
    assert labels[0] == "Ex-ante volatility" and kinds[2] == fmt.RATIO
    assert tab.concentration_label.text() == report.summary
    assert report.summary.startswith("Risk is concentrated")  # 77% of risk from 45% of weight
    assert "#721c24" in tab.concentration_label.styleSheet()


def test_frontier_chart_has_every_point_and_marker(risk_window):
    tab = risk_window.tab_widgets["risk"]
    report = tab.report
    chart = risk_window.findChild(Figure, "frontier_chart")
    assert chart is tab.frontier_chart
    frontier = scatter(chart, "Efficient frontier")
    assert len(frontier.points()) == report.frontier.points
    np.testing.assert_allclose(
        [p.pos().x() for p in frontier.points()], report.frontier.volatilities * 100
    )
    np.testing.assert_allclose(
        [p.pos().y() for p in frontier.points()], report.frontier.returns * 100
    )
    markers = scatter(chart, "Candidates and benchmark")
    assert len(markers.points()) == len(risk_window.result.candidates) + 1
    labels = {i.toPlainText() for i in chart.plot.items if isinstance(i, pg.TextItem)}
    for candidate in risk_window.result.candidates:
        assert any(candidate.name in text for text in labels), candidate.name
    assert report.benchmark_label in labels


def test_clicking_a_frontier_point_shows_its_weights(risk_window):
    tab = risk_window.tab_widgets["risk"]
    report = tab.report
    frontier = scatter(tab.frontier_chart, "Efficient frontier")
    point = frontier.points()[7]
    frontier.sigClicked.emit(frontier, [point], None)
    model = tab.frontier.weights_model
    weights = report.frontier.weights_frame().iloc[7]
    for row in range(model.rowCount()):
        ticker = model.headerData(row, Qt.Orientation.Vertical)
        assert model.data(model.index(row, 0), DISPLAY) == fmt.format_value(
            weights[ticker], fmt.PERCENT
        )
    assert "Frontier point 8 of" in tab.frontier.selection_label.text()
    tip = frontier.opts["tip"](x=point.pos().x(), y=point.pos().y(), data=point.data())
    assert "Frontier point 8" in tip and "SPY" in tip


def test_risk_contribution_bars_are_the_percent_contributions(risk_window):
    tab = risk_window.tab_widgets["risk"]
    report = tab.report
    chart = risk_window.findChild(Figure, "risk_contribution_chart")
    bars = [i for i in chart.plots[0].items if isinstance(i, pg.BarGraphItem)]
    assert len(bars) == 2  # weight, share of risk
    frame = report.portfolio_risk.to_frame()
    held = frame[(frame["weight"].abs() > 1e-6) | (frame["percent"].abs() > 1e-6)]
    np.testing.assert_allclose(
        np.abs(bars[1].opts["width"]), np.abs(held["percent"].to_numpy() * 100)
    )
    class_bars = [i for i in chart.plots[1].items if isinstance(i, pg.BarGraphItem)]
    assert len(class_bars[1].opts["width"]) == int((report.class_risk["weight"].abs() > 1e-6).sum())


def test_rolling_window_is_recomputed_in_a_worker(qtbot, risk_window, monkeypatch):
    tab = risk_window.tab_widgets["risk"]
    threads = []
    import app.risk.jobs as jobs

    original = jobs.recommended_rolling

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(jobs, "recommended_rolling", spy)
    with qtbot.waitSignal(tab.rolling_ready, timeout=TIMEOUT_MS) as blocker:
        tab.window_spin.setValue(24)
    qtbot.waitUntil(lambda: not tab.busy(), timeout=5_000)
    assert threads and threads[0] is not threading.main_thread()
    expected = build_risk_report(risk_window.result, window=24).rolling
    frame = blocker.args[0]
    np.testing.assert_allclose(
        frame["rolling_volatility"].to_numpy(), expected["rolling_volatility"].to_numpy()
    )
    tab.rolling_combo.setCurrentIndex(tab.rolling_combo.findData("rolling_volatility"))
    qtbot.waitUntil(lambda: not tab.deferred.pending(), timeout=5_000)  # drawn in a later turn
    curves = [i for i in tab.rolling_chart.plot.items if isinstance(i, pg.PlotDataItem)]
    portfolio = expected[expected["series"] != "Benchmark"]["rolling_volatility"].to_numpy() * 100
    assert any(np.allclose(c.getData()[1], portfolio) for c in curves)
    assert "24-month" in tab.rolling_chart.plot.titleLabel.text


def test_risk_report_runs_off_the_gui_thread(qtbot, risk_window, monkeypatch):
    tab = risk_window.tab_widgets["risk"]
    threads = []
    import app.risk.jobs as jobs

    original = jobs.build_risk_report

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(jobs, "build_risk_report", spy)
    with qtbot.waitSignal(tab.report_ready, timeout=TIMEOUT_MS):
        risk_window.action_optimize.trigger()
    qtbot.waitUntil(
        lambda: not risk_window.runner.is_running(ANALYSIS_JOB) and not tab.busy(), timeout=5_000
    )
    assert threads and all(t is not threading.main_thread() for t in threads)


def test_a_failed_risk_report_keeps_the_previous_one(qtbot, risk_window, monkeypatch):
    tab = risk_window.tab_widgets["risk"]
    previous = tab.report

    def broken(*args, **kwargs):
        raise DataError("Only 10 months are common to the returns and the factors; 36 are needed.")

    monkeypatch.setattr("app.risk.jobs.build_risk_report", broken)
    with qtbot.waitSignal(tab.status_message, timeout=TIMEOUT_MS) as blocker:
        risk_window.action_optimize.trigger()
    qtbot.waitUntil(
        lambda: not risk_window.runner.is_running(ANALYSIS_JOB) and not tab.busy(), timeout=5_000
    )
    assert "36 are needed" in blocker.args[0]
    assert "36 are needed" in risk_window.statusBar().currentMessage()
    assert tab.report is previous
    assert "not updated" in tab.notes_label.text() and not tab.notes_label.isHidden()


def test_risk_models_pass_model_tester(qtmodeltester, risk_window):
    tab = risk_window.tab_widgets["risk"]
    for model in (tab.metrics_model, tab.ex_ante_model, tab.frontier.weights_model):
        qtmodeltester.check(model)


def test_profile_edit_marks_the_risk_report_stale(risk_window):
    tab = risk_window.tab_widgets["risk"]
    combo = risk_window.ips_tab.profile_combo
    combo.setCurrentIndex(combo.findText("Capital Preservation"))
    assert not tab.stale_label.isHidden()
    risk_window.undo_stack.undo()
    assert tab.stale_label.isHidden()
