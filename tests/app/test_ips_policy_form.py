"""The IPS tab's qualitative fields (issue 17): each edit is one undo command, shown in the form,
saved with the profile, marks the project modified, and the horizon sets the Outlook's length."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QUndoStack

from app.ips.tab import IPSTab
from app.kit.context import StudioContext
from core.policy.profile import LiquidityNeed, ReturnBasis, RiskTolerance
from core.policy.profile_io import bundled_profiles, load_profile
from core.universe import default_universe


@pytest.fixture
def ips(qtbot):
    stack = QUndoStack()
    tab = IPSTab(StudioContext(stack, default_universe(), bundled_profiles(), "Balanced Growth"))
    qtbot.addWidget(tab)
    tab.undo_stack = stack  # kept alive with the tab
    return tab


def test_each_field_is_one_undoable_edit(ips):
    form, stack = ips.policy_form, ips.undo_stack
    before = ips.profile()
    form.objective_edit.setText("Fund the scholarship programme in perpetuity.")
    form.objective_edit.editingFinished.emit()
    form.risk_combo.setCurrentIndex(form.risk_combo.findData(RiskTolerance.AGGRESSIVE.value))
    form.horizon_spin.setValue(25.0)
    form.liquidity_combo.setCurrentIndex(form.liquidity_combo.findData(LiquidityNeed.HIGH.value))
    form.basis_combo.setCurrentIndex(form.basis_combo.findData(ReturnBasis.INFLATION_PLUS.value))
    after = ips.profile()
    assert after.objective == "Fund the scholarship programme in perpetuity."
    assert after.risk_tolerance is RiskTolerance.AGGRESSIVE
    assert after.horizon_years == 25.0 and after.liquidity_need is LiquidityNeed.HIGH
    assert after.return_basis is ReturnBasis.INFLATION_PLUS
    assert stack.count() == 5 and "horizon" in stack.text(2)
    # the same text again is no edit
    form.objective_edit.editingFinished.emit()
    assert stack.count() == 5
    for _ in range(5):
        stack.undo()
    assert ips.profile() == before
    assert form.horizon_spin.value() == before.horizon_years  # the form follows an undo
    assert form.objective_edit.text() == before.objective
    stack.redo()
    assert ips.profile().objective.startswith("Fund the scholarship")


def test_edited_fields_are_saved_with_the_profile(ips, tmp_path):
    form = ips.policy_form
    form.horizon_spin.setValue(40.0)
    form.liquidity_combo.setCurrentIndex(form.liquidity_combo.findData(LiquidityNeed.LOW.value))
    path = tmp_path / "mine.json"
    assert ips.save_profile_file(str(path))
    loaded = load_profile(path)
    assert loaded.horizon_years == 40.0 and loaded.liquidity_need is LiquidityNeed.LOW


@pytest.mark.slow
def test_a_horizon_edit_marks_the_project_modified_and_sets_the_outlook_length(qtbot, window):
    ips = window.tab_widgets["ips"]
    outlook = window.tab_widgets["outlook"]
    assert not window.project_controller.is_modified()
    ips.policy_form.horizon_spin.setValue(15.0)
    assert window.project_controller.is_modified()
    assert window.isWindowModified()
    outlook.paths_spin.setValue(200)
    window.tabs.setCurrentWidget(outlook)
    with qtbot.waitSignal(outlook.outlook_ready, timeout=60_000) as blocker:
        window.optimize()
    assert outlook.horizon_spin.value() == 15.0
    assert blocker.args[0].outlook.settings.months == 180
    assert window.project_controller.current_project().profile.horizon_years == 15.0
    qtbot.waitUntil(lambda: not outlook.busy() and not outlook.deferred.pending(), timeout=10_000)
