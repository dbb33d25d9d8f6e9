"""Drawing deferred until a page is shown, one piece per event-loop turn (app.kit.deferred), and the
window handing a result to one tab per turn."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from app.kit.deferred import DeferredWork
from app.shell.main_window import MainWindow

TIMEOUT_MS = 60_000


@pytest.fixture
def page(qtbot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def test_hidden_page_keeps_its_work_until_shown(qtbot, page):
    work = DeferredWork(page)
    ran: list[str] = []
    work.add("chart", lambda: ran.append("old chart"))
    work.add("table", lambda: ran.append("table"))
    work.add("chart", lambda: ran.append("new chart"))  # replaces the queued one
    for _ in range(5):
        QApplication.processEvents()
    assert ran == [] and work.pending() == ("table", "chart")
    with qtbot.waitSignal(work.drained, timeout=5_000):
        page.show()
    assert ran == ["table", "new chart"]
    assert work.pending() == ()


def test_shown_page_runs_one_piece_per_turn(qtbot, page):
    page.show()
    work = DeferredWork(page)
    ran: list[int] = []
    for k in range(3):
        work.add(f"piece {k}", lambda k=k: ran.append(k))
    assert ran == []  # nothing runs inside add()
    QApplication.processEvents()
    assert len(ran) == 1  # one turn, one piece
    qtbot.waitUntil(lambda: ran == [0, 1, 2], timeout=5_000)


def test_flush_and_discard(page):
    work = DeferredWork(page)
    ran: list[str] = []
    work.add("a", lambda: ran.append("a"))
    work.add("b", lambda: ran.append("b"))
    work.discard("a")
    work.flush()  # hidden, but flushed on request
    assert ran == ["b"] and work.pending() == ()


def test_hidden_tabs_draw_their_charts_when_shown(qtbot):
    win = MainWindow(run_at_start=False)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    risk, stress = win.tab_widgets["risk"], win.tab_widgets["stress"]
    assert win.tabs.currentWidget() is win.tab_widgets["ips"]
    with qtbot.waitSignal(win.result_ready, timeout=TIMEOUT_MS):
        win.optimize()
    for _ in range(5):
        QApplication.processEvents()
    # Hidden: the Risk and Stress tabs have not even started their jobs, and made no chart.
    assert risk.deferred.pending() == ("report",) and not risk.busy() and risk.report is None
    assert stress.deferred.pending() == ("covariance", "stress") and stress.stress is None
    assert not risk.growth_slot.is_made()
    with qtbot.waitSignal(risk.report_ready, timeout=TIMEOUT_MS):
        win.tabs.setCurrentWidget(risk)
    qtbot.waitUntil(lambda: not risk.deferred.pending(), timeout=10_000)
    assert risk.report is not None and risk.report.profile_name == win.result.profile.name
    assert [i for i in risk.growth_chart.plot.items if isinstance(i, pg.PlotDataItem)]


def test_result_ready_follows_delivery_to_every_tab(qtbot):
    win = MainWindow(run_at_start=False)
    qtbot.addWidget(win)
    win.show()
    seen: list[object] = []
    allocation = win.tab_widgets["allocation"]
    allocation.result_shown.connect(seen.append)
    with qtbot.waitSignal(win.result_ready, timeout=TIMEOUT_MS) as blocker:
        win.optimize()
    result = blocker.args[0]
    assert seen == [result] and allocation.result is result  # delivered before result_ready
    assert win.tab_widgets["rebalancing"]._result is result


class _LayoutCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _watched, event):  # noqa: N802 - Qt override
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.GraphicsSceneResize):
            self.count += 1
        return False


@pytest.mark.slow
@pytest.mark.parametrize("key", ["risk", "stress", "rebalancing"])
def test_a_drawn_tab_settles_instead_of_relaying_out_forever(qtbot, key):
    # Refitting bars moved the axis ticks, which changed the view width by a fraction of a pixel,
    # which refitted the bars: the Stress tab re-laid itself out about 50 times a second.
    win = MainWindow(run_at_start=False)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    tab = win.tab_widgets[key]
    win.tabs.setCurrentWidget(tab)
    with qtbot.waitSignal(win.result_ready, timeout=TIMEOUT_MS):
        win.optimize()
    qtbot.waitUntil(lambda: not tab.busy() and not tab.deferred.pending(), timeout=20_000)
    qtbot.wait(500)  # the layout passes the drawing itself schedules
    counter = _LayoutCounter()
    QApplication.instance().installEventFilter(counter)
    try:
        qtbot.wait(500)
    finally:
        QApplication.instance().removeEventFilter(counter)
    assert counter.count == 0


@pytest.mark.parametrize("key", ["ips", "risk"])
def test_result_shown_comes_first_and_once(qtbot, key):
    win = MainWindow(run_at_start=False)
    qtbot.addWidget(win)
    win.show()
    win.tabs.setCurrentWidget(win.tab_widgets[key])
    risk, stress = win.tab_widgets["risk"], win.tab_widgets["stress"]
    seen: list[tuple[str, bool, bool]] = []
    # At each signal: had the Risk tab (on screen in one case) and the Stress tab (never on
    # screen here, so served later) received the result yet?
    win.result_shown.connect(
        lambda r: seen.append(("shown", risk._result is r, stress._result is r))
    )
    win.result_ready.connect(
        lambda r: seen.append(("ready", risk._result is r, stress._result is r))
    )
    with qtbot.waitSignal(win.result_ready, timeout=TIMEOUT_MS):
        win.optimize()
    if key == "risk":  # the tab on screen gets the result first, and then it is "shown"
        assert seen == [("shown", True, False), ("ready", True, True)]
    else:  # the IPS tab shows no result: the window is up to date before any tab is served
        assert seen == [("shown", False, False), ("ready", True, True)]
