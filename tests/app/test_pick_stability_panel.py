"""The Allocation tab's pick-stability panel: runs in a worker, shows the answer, cancels; and
each candidate column states its rule margins."""

from __future__ import annotations

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
