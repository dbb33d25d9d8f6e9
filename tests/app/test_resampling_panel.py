"""The Allocation tab's resampled-frontier panel: progress, result in the comparison, cancel."""

from __future__ import annotations

from PySide6.QtCore import Qt


def test_resampling_adds_the_candidate_to_every_view(qtbot, window):
    panel = window.tab_widgets["allocation"].resampling_panel
    panel.resamples_spin.setValue(40)
    with qtbot.waitSignal(window.result_ready, timeout=60_000) as blocker:
        panel.run_button.click()
    result = blocker.args[0]
    names = [c.name for c in result.candidates]
    assert "Resampled Frontier" in names
    # The robustness check did not silently change the decision (issue 15, #15).
    assert result.recommended_name != "Resampled Frontier"
    assert "for comparison only" in result.selection_reason
    tab = window.tab_widgets["allocation"]
    headers = [
        str(tab.weights_model.headerData(i, Qt.Orientation.Horizontal)).replace("\n", " ")
        for i in range(tab.weights_model.columnCount())
    ]
    assert any("Resampled Frontier" in h for h in headers)
    assert panel.model.rowCount() == len(result.universe.tickers)
    assert "draws" in panel.summary.text()
    qtbot.waitUntil(lambda: not panel.busy, timeout=5_000)


def test_cancel_leaves_the_analysis_unchanged(qtbot, window):
    panel = window.tab_widgets["allocation"].resampling_panel
    before = window.tab_widgets["allocation"].result
    panel.resamples_spin.setValue(5000)
    messages = []
    panel.status_message.connect(messages.append)
    job = panel.start()
    with qtbot.waitSignal(job.signals.finished, timeout=60_000):
        panel.cancel_button.click()
    assert window.tab_widgets["allocation"].result is before
    assert messages and "cancelled" in messages[-1]
