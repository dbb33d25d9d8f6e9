"""A new user on the Allocation tab: Black-Litterman with one view, then capital market
assumptions imported from a CSV; edits are undoable, refusals name the cell, the project keeps
them, and the prior / posterior table shows what the analysis used."""

from __future__ import annotations

import numpy as np
import pytest

from app.allocation.committee_models import CONFIDENCE, KIND, LONG, RETURN, SHORT
from app.shell.main_window import ANALYSIS_JOB
from core.optimize.black_litterman import View, ViewKind
from core.optimize.estimation import ReturnEstimator

TIMEOUT_MS = 60_000
DISPLAY = 0


def _choose(qtbot, window, tab, estimator):
    combo = tab.returns_combo
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS) as ready:
        combo.setCurrentIndex(combo.findData(estimator.name))
    return ready.args[0]


def _edit(qtbot, window, model, row, column, text):
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS) as ready:
        assert model.setData(model.index(row, column), text)
    return ready.args[0]


def test_one_view_re_optimizes_and_shows_prior_and_posterior(qtbot, window, qtmodeltester):
    tab = window.tab_widgets["allocation"]
    panel = tab.committee_panel
    assert not panel.isVisibleTo(tab)  # the default (Bayes-Stein) needs no committee input
    result = _choose(qtbot, window, tab, ReturnEstimator.BLACK_LITTERMAN)
    assert panel.isVisibleTo(tab) and panel.views_box.isVisibleTo(panel)
    bl = result.inputs.black_litterman
    np.testing.assert_array_equal(bl.posterior, bl.prior)  # no views yet
    model = panel.views_model
    qtmodeltester.check(model)

    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        panel.add_view_button.click()
    _edit(qtbot, window, model, 0, LONG, "EFA")
    _edit(qtbot, window, model, 0, SHORT, "SPY")  # a short side makes the view relative
    assert model.data(model.index(0, KIND), DISPLAY) == "Relative"
    _edit(qtbot, window, model, 0, RETURN, "2")
    result = _edit(qtbot, window, model, 0, CONFIDENCE, "100%")
    assert window.analysis_settings.views == (
        View(ViewKind.RELATIVE, ("EFA",), ("SPY",), 0.02, 1.0),
    )
    assert window.isWindowModified()
    bl = result.inputs.black_litterman
    t = list(result.universe.tickers)
    # 100% confidence: the posterior meets the view; the optimizer used the posterior.
    assert bl.posterior[t.index("EFA")] - bl.posterior[t.index("SPY")] == pytest.approx(
        0.02, abs=1e-12
    )
    np.testing.assert_array_equal(result.inputs.expected_returns, bl.posterior)

    returns = panel.returns_model
    assert returns.rowCount() == len(t)
    row = t.index("EFA")
    shown = [returns.data(returns.index(row, c), DISPLAY) for c in range(3)]
    assert shown == [
        f"{bl.prior[row]:.2%}",
        f"{bl.posterior[row]:.2%}",
        f"{bl.difference[row]:.2%}",
    ]
    note = panel.returns_note.text()
    assert "delta = 4" in note and "tau = 0.05" in note and "implied confidence 100%" in note

    # a refused edit names the cell and changes nothing
    with qtbot.waitSignal(model.edit_rejected, timeout=1_000) as refused:
        assert not model.setData(model.index(0, LONG), "ARKK")
    assert refused.args[0].startswith("View 1, Long: ARKK is not an ETF")
    with qtbot.waitSignal(model.edit_rejected, timeout=1_000) as refused:
        assert not model.setData(model.index(0, CONFIDENCE), "150")
    assert "View 1, Confidence" in refused.args[0]

    # undo restores the previous confidence (the new view's 50%) and re-optimizes
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        window.undo_stack.undo()
    assert window.analysis_settings.views[0].confidence == 0.5
    assert (
        window.project_controller.current_project().settings.views == window.analysis_settings.views
    )
    qtbot.waitUntil(lambda: not window.runner.is_running(ANALYSIS_JOB), timeout=5_000)


def test_assumptions_import_with_sources(qtbot, window, tmp_path):
    tab = window.tab_widgets["allocation"]
    panel = tab.committee_panel
    csv = tmp_path / "ltcma.csv"
    rows = ["asset,expected_return,source", "Equity,7,JPM LTCMA 2026", "QQQ,8%,committee"]
    rows += ["Fixed Income,4.5,JPM LTCMA 2026", "Alternatives,5,committee", "Cash,3.5,committee"]
    csv.write_text("\n".join(rows) + "\n")
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        assert panel.import_assumptions(csv)  # chosen later: the first result uses Bayes-Stein
    result = _choose(qtbot, window, tab, ReturnEstimator.CAPITAL_MARKET_ASSUMPTIONS)
    assert panel.assumptions_box.isVisibleTo(panel) and not panel.views_box.isVisibleTo(panel)
    t = list(result.universe.tickers)
    assert result.inputs.expected_returns[t.index("QQQ")] == 0.08
    returns = panel.returns_model
    row = t.index("SPY")
    assert returns.data(returns.index(row, 0), DISPLAY) == "7.00%"
    assert returns.data(returns.index(row, 1), DISPLAY) == "JPM LTCMA 2026, via Equity"
    bad = tmp_path / "bad.csv"
    bad.write_text("asset,expected_return,source\nXYZ,5,committee\n")
    with qtbot.waitSignal(panel.status_message, timeout=1_000) as message:
        assert not panel.import_assumptions(bad)
    assert "XYZ" in message.args[0] and "not an ETF" in message.args[0]
    assert len(panel.assumptions_model.assumptions()) == 5
    qtbot.waitUntil(lambda: not window.runner.is_running(ANALYSIS_JOB), timeout=5_000)
