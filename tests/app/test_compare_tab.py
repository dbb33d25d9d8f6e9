"""The Compare tab: branches as undo steps, the comparison in a worker, the decision dialog."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt

from app.compare.jobs import COMPARE_JOB
from app.shell.main_window import ANALYSIS_JOB
from core.branches.compare import HOLDINGS
from core.branches.policy import MAIN, branch
from core.branches.table import Section
from core.optimize.estimation import CovarianceEstimator
from core.rebalance import demo_holdings

TIMEOUT_MS = 60_000


def _idle(qtbot, window):
    qtbot.waitUntil(lambda: not window.runner.is_running(ANALYSIS_JOB), timeout=TIMEOUT_MS)


def _edit_branch(qtbot, window, tab, name="Defensive"):
    """A branch of the Balanced Growth policy with a 9% volatility cap and sample covariance."""
    assert tab.create_branch(name)
    assert tab.branch_set.active == name
    stricter = window.ips_tab.profile().with_changes(max_volatility=0.09)
    window.ips_tab.constraints_model.replace_profile(stricter)
    window.tab_widgets["allocation"].settings_requested.emit(
        {"covariance": CovarianceEstimator.SAMPLE}
    )
    _idle(qtbot, window)
    return stricter


def test_a_branch_is_edited_in_the_ips_tab_and_switching_keeps_both(qtbot, window):
    tab = window.tab_widgets["compare"]
    main_profile = window.ips_tab.profile()
    stricter = _edit_branch(qtbot, window, tab)
    assert tab.switch_to(MAIN)
    _idle(qtbot, window)
    assert window.ips_tab.profile() == main_profile
    assert window.analysis_settings.covariance is CovarianceEstimator.LEDOIT_WOLF
    project = window.project_controller.current_project()
    assert branch(project, "Defensive").profile == stricter
    assert branch(project, "Defensive").settings.covariance is CovarianceEstimator.SAMPLE
    assert [tab.branch_list.item(k).data(Qt.ItemDataRole.UserRole) for k in range(2)] == [
        MAIN,
        "Defensive",
    ]
    assert not tab.create_branch("defensive")  # taken: refused with a message, nothing changes
    assert tab.branch_set.names == (MAIN, "Defensive")


@pytest.mark.slow
def test_promote_is_one_undo_step(qtbot, window):
    tab = window.tab_widgets["compare"]
    main_profile = window.ips_tab.profile()
    stricter = _edit_branch(qtbot, window, tab)
    assert tab.switch_to(MAIN)
    _idle(qtbot, window)
    assert tab.promote("Defensive")
    _idle(qtbot, window)
    assert window.ips_tab.profile() == stricter
    assert window.analysis_settings.covariance is CovarianceEstimator.SAMPLE
    assert window.undo_stack.undoText() == "Promote 'Defensive' to the main policy"
    window.action_undo.trigger()
    _idle(qtbot, window)
    assert window.ips_tab.profile() == main_profile
    assert window.analysis_settings.covariance is CovarianceEstimator.LEDOIT_WOLF
    project = window.project_controller.current_project()
    assert branch(project, MAIN).profile == main_profile
    window.action_redo.trigger()
    _idle(qtbot, window)
    assert window.ips_tab.profile() == stricter


@pytest.mark.slow
def test_compare_runs_in_a_worker_and_fills_the_table(qtbot, window, qtmodeltester):
    tab = window.tab_widgets["compare"]
    window.tab_widgets["rebalancing"].restore_project(
        dataclasses.replace(
            window.project_controller.current_project(),
            holdings=demo_holdings(window.context.universe),
        )
    )
    _edit_branch(qtbot, window, tab)
    job = tab.compare()
    with qtbot.waitSignal(job.signals.finished, timeout=TIMEOUT_MS):
        pass
    qtbot.waitUntil(lambda: not tab.runner.is_running(COMPARE_JOB), timeout=5_000)
    comparison = tab.comparison
    assert comparison is not None
    assert comparison.columns == (HOLDINGS, MAIN, "Defensive")
    qtmodeltester.check(tab.model)
    assert tab.model.columnCount() == 3 + 3
    vol = comparison.row(Section.METRICS, "Annualized volatility")
    shown = [tab.model.index(r, 1).data() for r in range(tab.model.rowCount())]
    r = shown.index("Annualized volatility")
    best = vol.best[0]
    assert tab.model.index(r, 3 + best).data(Qt.ItemDataRole.FontRole).bold()  # the best value
    tab.only_differences.setChecked(True)
    assert tab.model.rowCount() < len(comparison.rows) + 3


def test_a_decision_is_recorded_from_the_dialog_and_never_rewritten(qtbot, window):
    tab = window.tab_widgets["compare"]
    dialog = window.decision_controller.open_dialog()
    qtbot.addWidget(dialog)
    assert dialog.branch_combo.currentText() == MAIN
    assert dialog.portfolio_combo.currentText() == window.result.recommended_name
    dialog.record_button.click()  # nobody named
    assert "Not recorded" in dialog.message.text() and len(tab.decisions) == 0
    dialog.approved_by.setText("Investment Committee")
    dialog.vote.setText("5-0-1")
    other = next(
        c.name for c in window.result.candidates if c.name != window.result.recommended_name
    )
    dialog.portfolio_combo.setCurrentText(other)
    assert dialog.reason.isEnabled()
    dialog.record_button.click()
    assert "Give the reason for the override" in dialog.message.text()
    dialog.reason.setText("lower turnover for the account")
    dialog.record_button.click()
    assert "Recorded entry 1" in dialog.message.text()
    assert window.isWindowModified()
    entry = tab.decisions.entries[0]
    assert entry.draft.overrides[0].reason == "lower turnover for the account"
    assert entry.fingerprint.data_sha256 == window.dataset.provenance.returns_sha256
    assert dialog.model.rowCount() == 1
    first = tab.decisions
    dialog.corrects.setCurrentIndex(1)
    dialog.portfolio_combo.setCurrentText(window.result.recommended_name)
    dialog.record_button.click()
    assert tab.decisions.entries[:1] == first.entries
    assert tab.decisions.entries[1].draft.corrects == 1
    dialog.close()


def test_branches_and_decisions_round_trip_through_the_project_file(qtbot, window, tmp_path):
    tab = window.tab_widgets["compare"]
    _edit_branch(qtbot, window, tab)
    dialog = tab.open_decision_dialog()
    qtbot.addWidget(dialog)
    dialog.approved_by.setText("Chair")
    dialog.record_button.click()
    dialog.close()
    saved = window.project_controller.current_project()
    path = tmp_path / "c.ipsproj"
    assert window.project_controller.save_to(path)
    assert window.project_controller.open_project(path)
    qtbot.waitUntil(lambda: window.result is not None, timeout=TIMEOUT_MS)
    _idle(qtbot, window)
    tab = window.tab_widgets["compare"]
    assert tab.branch_set.active == "Defensive"
    assert tab.decisions == saved.decisions
    assert window.ips_tab.profile() == saved.profile


@pytest.mark.parametrize("name", ["", "x" * 41])
def test_bad_names_are_refused_with_a_message(qtbot, window, name):
    tab = window.tab_widgets["compare"]
    with qtbot.waitSignal(tab.status_message, timeout=1_000) as said:
        assert not tab.create_branch(name)
    assert "name" in said.args[0]


def test_the_log_dialog_closes_when_the_workspace_is_rebuilt(qtbot, window):
    tab = window.tab_widgets["compare"]
    dialog = tab.open_decision_dialog()
    assert tab.open_decision_dialog() is dialog  # one at a time
    with qtbot.waitSignal(dialog.destroyed, timeout=5_000):
        window.project_controller.new_project()
    _idle(qtbot, window)
