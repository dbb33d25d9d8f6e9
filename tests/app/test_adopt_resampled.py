"""Adopt resampled portfolio as recommendation (issue 15, #15): an undoable edit that marks the
project modified, is saved and restored with the project, is labelled as the adopted resampled
portfolio on screen and in the exports, and says so when an IPS change invalidates it."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from app.ips.constraints_model import MAXIMUM
from core.adoption import ADOPTED_NAME
from core.policy.profile_io import bundled_profiles
from core.project import Project, load_project, save_project
from core.universe import default_universe

TIMEOUT_MS = 60_000
# Capital Preservation: its resampled portfolio keeps every IPS rule on the synthetic data (Balanced
# Growth's breaks the drawdown tolerance, and cannot be adopted: tests/core/test_adoption.py).
PROFILE = "Capital Preservation"


def idle(qtbot, window):
    qtbot.waitUntil(
        lambda: window.runner.idle() and not window.workspace.busy(), timeout=TIMEOUT_MS
    )


@pytest.fixture
def resampled(qtbot, window, tmp_path):
    """The window on a Capital Preservation project, resampled (20 draws), nothing adopted."""
    path = save_project(
        Project(bundled_profiles()[PROFILE], default_universe()), tmp_path / "cp.ipsproj"
    )
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        window.project_controller.open_project(path)
    idle(qtbot, window)
    tab = window.tab_widgets["allocation"]
    tab.resampling_panel.resamples_spin.setValue(20)
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        tab.resampling_panel.run_button.click()
    qtbot.waitUntil(lambda: not tab.resampling_panel.busy, timeout=TIMEOUT_MS)
    assert window.result.recommended_name != ADOPTED_NAME and not window.isWindowModified()
    return tab


def adopt(qtbot, window, tab):
    assert tab.resampling_panel.adopt_button.isEnabled()
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        tab.resampling_panel.adopt_button.click()
    return window.result


def test_adopt_is_an_undoable_edit_labelled_on_screen(qtbot, window, resampled):
    tab = resampled
    pick = window.result.recommended_name
    compared = window.result.candidate(ADOPTED_NAME).weights
    result = adopt(qtbot, window, tab)
    assert result.recommended_name == ADOPTED_NAME and result.adoption is not None
    pd.testing.assert_series_equal(result.recommended.weights, compared)
    assert window.isWindowModified() and window.undo_stack.count() == 1
    assert window.undo_stack.undoText() == "Adopt the resampled portfolio as the recommendation"
    assert "adopted resampled portfolio" in tab.recommended_label.text()
    assert tab.adoption_label.isVisibleTo(tab) and pick in tab.adoption_label.text()
    assert not tab.resampling_panel.adopt_button.isEnabled()
    assert tab.resampling_panel.optimizer_button.isEnabled()

    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        window.undo_stack.undo()
    assert window.result.recommended_name == pick and window.result.adoption is None
    assert not window.isWindowModified() and not tab.adoption_label.isVisibleTo(tab)
    assert "adopted" not in tab.recommended_label.text()
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        window.undo_stack.redo()
    assert window.result.recommended_name == ADOPTED_NAME and window.isWindowModified()

    # "Use the optimizer's pick" is an undoable edit too.
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        tab.resampling_panel.optimizer_button.click()
    assert window.result.recommended_name == pick and window.undo_stack.count() == 2
    idle(qtbot, window)


@pytest.mark.slow
def test_an_adoption_is_saved_restored_and_said_stale_after_an_ips_edit(
    qtbot, window, resampled, tmp_path
):
    tab = resampled
    adopted = adopt(qtbot, window, tab)
    record = adopted.adoption.record
    saved = tmp_path / "adopted.ipsproj"
    assert window.project_controller.save_to(saved)
    assert load_project(saved).adopted == record
    assert json.loads(saved.read_text())["adopted_recommendation"]["resamples"] == 20

    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        window.project_controller.new_project()
    idle(qtbot, window)
    assert window.result.recommended_name != ADOPTED_NAME
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        window.project_controller.open_project(saved)
    idle(qtbot, window)
    tab = window.tab_widgets["allocation"]
    result = window.result
    assert result.recommended_name == ADOPTED_NAME and result.adoption.record == record
    pd.testing.assert_series_equal(result.recommended.weights, adopted.recommended.weights)
    assert "adopted resampled portfolio" in tab.recommended_label.text()
    assert not window.isWindowModified()

    # An IPS edit invalidates the adoption: the optimizer's pick, and a banner that says why.
    model = window.ips_tab.constraints_model
    row = model.row_of("Asset class", "Equity")
    current = float(model.index(row, MAXIMUM).data().rstrip("%"))
    assert model.setData(model.index(row, MAXIMUM), f"{current - 2:g}")
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        window.optimize()
    idle(qtbot, window)
    assert window.result.recommended_name != ADOPTED_NAME and window.result.adoption is None
    assert "NOT applied: the IPS changed" in window.result.selection_reason
    assert tab.adoption_label.isVisibleTo(tab)
    assert "NOT applied: the IPS changed" in tab.adoption_label.text()


@pytest.mark.slow
def test_the_export_shows_the_adopted_portfolio(qtbot, window, resampled, tmp_path):
    adopted = adopt(qtbot, window, resampled)
    record = adopted.adoption.record
    controller = window.export_controller
    with qtbot.waitSignal(controller.export_finished, timeout=180_000) as done:
        controller.export_to(tmp_path)
    qtbot.waitUntil(lambda: not controller.is_running(), timeout=10_000)
    assert done.args[0], done.args[1]
    manifest = json.loads((tmp_path / "run_manifest.json").read_text(encoding="utf-8"))
    assert manifest["recommended"] == {PROFILE: ADOPTED_NAME}
    assert manifest["adopted_recommendation"][PROFILE] == record.to_dict()
    allocation = pd.read_csv(tmp_path / "recommended_allocation.csv")
    assert set(allocation["selected_strategy"]) == {ADOPTED_NAME}
    by_ticker = allocation.set_index("ticker")["weight"]
    for ticker, weight in record.weights.items():
        assert by_ticker.get(ticker, 0.0) == pytest.approx(weight, abs=1e-9)
    memo = (tmp_path / "investment_memo.md").read_text(encoding="utf-8")
    assert f"is **{ADOPTED_NAME}** (adopted by the committee)" in memo
    assert "Adopted by the committee" in memo and record.replaced in memo
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "investment_committee_report.xlsx", read_only=True)
    cells = [str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c]
    assert any(c.startswith(f"{ADOPTED_NAME} (adopted by the committee;") for c in cells)
