"""The Allocation tab's pick-stability panel: runs in a worker, shows the answer, cancels; and
each candidate column states its rule margins."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.robustness.pick_stability import pick_stability


def test_pick_stability_runs_in_a_worker_and_shows_the_answer(qtbot, window):
    tab = window.tab_widgets["allocation"]
    panel = tab.pick_stability_panel
    panel.samples_spin.setValue(10)
    panel.seed_spin.setValue(4)
    with qtbot.waitSignal(panel.stability_ready, timeout=60_000) as blocker:
        panel.run_button.click()
    answer = blocker.args[0]
    # the same numbers as the core function with the same seed
    expected = pick_stability(tab.result, samples=10, seed=4)
    assert answer.picks == expected.picks
    assert answer.breach_probability == expected.breach_probability
    assert panel.summary.text() == expected.sentence()
    assert panel.model.rowCount() == len(expected.pick_shares())
    qtbot.waitUntil(lambda: not panel.busy, timeout=5_000)
    assert not panel.progress.isVisible()


def test_cancel_stops_the_bootstrap(qtbot, window):
    panel = window.tab_widgets["allocation"].pick_stability_panel
    panel.samples_spin.setValue(5000)
    messages = []
    panel.status_message.connect(messages.append)
    job = panel.start()
    with qtbot.waitSignal(job.signals.finished, timeout=60_000):
        panel.cancel_button.click()
    assert messages and "cancelled" in messages[-1]
    assert panel.answer is None


def test_candidate_columns_state_their_margins(window):
    tab = window.tab_widgets["allocation"]
    result = tab.result
    model = tab.metrics_model
    for column in range(model.columnCount()):
        title = str(model.headerData(column, Qt.Orientation.Horizontal)).replace("\n", " ")
        tip = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        if "Benchmark" in title:
            continue
        assert tip and "drawdown tolerance by" in tip and "positive inside" in tip
    labels = [model.headerData(r, Qt.Orientation.Vertical) for r in range(model.rowCount())]
    row = labels.index("Drawdown tolerance margin (pp)")
    rec = result.recommended
    dd = next(r for r in rec.validation.rows if r.rule.startswith("Drawdown"))
    col = [c.name for c in result.candidates].index(rec.name)
    value = model.data(model.index(row, col), Qt.ItemDataRole.EditRole)
    assert value == (result.profile.max_drawdown + dd.actual) * 100  # limit - loss, in pp


@pytest.mark.slow
def test_the_exported_memo_carries_the_measured_pick_stability(
    qtbot, window, tmp_path, monkeypatch
):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QFileDialog

    panel = window.tab_widgets["allocation"].pick_stability_panel
    panel.samples_spin.setValue(10)
    with qtbot.waitSignal(panel.stability_ready, timeout=60_000) as blocker:
        panel.run_button.click()
    qtbot.waitUntil(lambda: not panel.busy, timeout=5_000)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    controller = window.export_controller
    with qtbot.waitSignal(controller.export_finished, timeout=180_000) as done:
        window.findChild(QAction, "action_export_report").trigger()
    assert done.args[0], done.args
    qtbot.waitUntil(lambda: not controller.is_running(), timeout=10_000)
    memo = (tmp_path / "investment_memo.md").read_text(encoding="utf-8")
    assert f"How sure is the pick? {blocker.args[0].sentence()}" in memo
    assert "drawdown tolerance by" in memo  # every candidate's verdict with its margin
