"""The Outlook tab (issue 17): a worker simulation with progress and cancel, the answers across
portfolios (checked against core called directly), fan chart and histogram, reverse stress."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.outlook.tab import OutlookTab
from core.outlook.analysis import BENCHMARK, analysis_outlook
from core.outlook.simulation import ReturnModel
from core.pipeline import load_default_dataset, run_analysis
from core.policy.profile_io import bundled_profiles

TIMEOUT_MS = 60_000
ENDOWMENT = "Long-Term Endowment Growth"


@pytest.fixture(scope="module")
def endowment_result():
    return run_analysis(bundled_profiles()[ENDOWMENT], load_default_dataset())


@pytest.fixture
def context():
    from PySide6.QtGui import QUndoStack

    from app.kit.context import StudioContext
    from core.universe import default_universe

    profiles = bundled_profiles()
    return StudioContext(QUndoStack(), default_universe(), profiles, ENDOWMENT)


@pytest.fixture
def tab(qtbot, context):
    widget = OutlookTab(context)
    qtbot.addWidget(widget)
    widget.resize(1300, 900)
    widget.show()
    return widget


def _settle(qtbot, tab):
    qtbot.waitUntil(lambda: not tab.busy() and not tab.deferred.pending(), timeout=10_000)


def test_a_result_is_simulated_and_agrees_with_core(qtbot, qtmodeltester, tab, endowment_result):
    tab.paths_spin.setValue(600)
    with qtbot.waitSignal(tab.outlook_ready, timeout=TIMEOUT_MS):
        tab.show_result(endowment_result)
    _settle(qtbot, tab)
    assert tab.horizon_spin.value() == 30.0  # the profile's horizon
    shown = tab.outlook.outlook
    direct = analysis_outlook(endowment_result, tab.settings()).outlook
    names = [p.name for p in shown.portfolios]
    assert names[0] == endowment_result.recommended_name and names[-1] == BENCHMARK
    assert tab.answers_model.rowCount() == len(names) == len(endowment_result.candidates) + 1
    for ours, core_answer in zip(shown.portfolios, direct.portfolios, strict=True):
        assert ours.prob_objective == core_answer.prob_objective
        np.testing.assert_array_equal(
            ours.simulated.terminal_wealth, core_answer.simulated.terminal_wealth
        )
    # the 5% spending rule of the endowment reaches the simulation
    assert shown.policy.cash_flows.annual == pytest.approx(0.05)
    first = tab.answers_model.index(0, 1)
    assert tab.answers_model.data(first, Qt.ItemDataRole.DisplayRole).endswith("%")
    qtmodeltester.check(tab.answers_model)
    qtmodeltester.check(tab.reverse_model)
    reverse = tab.outlook.reverse[0]
    assert tab.reverse_model.rowCount() == len(reverse.drivers) == 7
    assert f"{reverse.distance:.2f} standard deviations away" in tab.reverse_label.text()
    assert "Basis: stress drivers" in tab.reverse_label.text()
    assert tab.fan_slot.is_made() and tab.histogram_slot.is_made()
    assert tab.fan_chart.plot.listDataItems()
    assert "chance of earning 7.50% a year over 30 years" in tab.summary_label.text()
    assert "no holdings" in tab.holdings_label.text()


def test_the_accounts_holdings_are_simulated_beside_the_others(
    qtbot, context, tab, endowment_result
):
    from core.outlook.holdings import CURRENT_HOLDINGS
    from core.rebalance.account import Holdings

    account = Holdings({"SPY": 100.0, "AGG": 200.0}, {"SPY": 500.0, "AGG": 100.0}, cash=30_000.0)
    context.account = lambda: account
    tab._account = context.account  # the context is read when the tab is made
    tab.paths_spin.setValue(300)
    with qtbot.waitSignal(tab.outlook_ready, timeout=TIMEOUT_MS):
        tab.show_result(endowment_result)
    _settle(qtbot, tab)
    names = [p.name for p in tab.outlook.outlook.portfolios]
    assert names[-2:] == [CURRENT_HOLDINGS, BENCHMARK]
    assert tab.answers_model.rowCount() == len(names)
    assert "$100,000 account" in tab.holdings_label.text()
    direct = analysis_outlook(endowment_result, tab.settings(), holdings=account).outlook
    assert tab.outlook.outlook.portfolio(CURRENT_HOLDINGS).prob_objective == (
        direct.portfolio(CURRENT_HOLDINGS).prob_objective
    )


def test_choosing_a_portfolio_redraws_the_charts(qtbot, tab, endowment_result):
    tab.paths_spin.setValue(300)
    with qtbot.waitSignal(tab.outlook_ready, timeout=TIMEOUT_MS):
        tab.show_result(endowment_result)
    _settle(qtbot, tab)
    tab.portfolio_combo.setCurrentIndex(tab.portfolio_combo.count() - 1)
    _settle(qtbot, tab)
    assert BENCHMARK in tab.fan_chart.plot.titleLabel.text


def test_settings_change_the_run_and_a_run_can_be_cancelled(qtbot, tab, endowment_result):
    tab.paths_spin.setValue(300)
    with qtbot.waitSignal(tab.outlook_ready, timeout=TIMEOUT_MS):
        tab.show_result(endowment_result)
    _settle(qtbot, tab)
    tab.seed_spin.setValue(99)
    tab.horizon_spin.setValue(5.0)
    with qtbot.waitSignal(tab.outlook_ready, timeout=TIMEOUT_MS) as blocker:
        tab.run_button.click()
    assert blocker.args[0].outlook.settings.seed == 99
    assert blocker.args[0].outlook.settings.months == 60
    _settle(qtbot, tab)
    tab.paths_spin.setValue(200_000)
    job = tab.run()
    assert job is not None and tab.cancel_button.isEnabled()
    with qtbot.waitSignal(job.signals.cancelled, timeout=TIMEOUT_MS):
        tab.cancel_button.click()
    _settle(qtbot, tab)
    assert not tab.progress.isVisible()
    assert tab.outlook.outlook.settings.seed == 99  # the cancelled run replaced nothing


def test_the_window_has_an_outlook_tab_after_stress(qtbot):
    from app.shell.main_window import MainWindow

    win = MainWindow(run_at_start=False)
    qtbot.addWidget(win)
    titles = [win.tabs.tabText(i) for i in range(win.tabs.count())]
    assert titles.index("Outlook") == titles.index("Stress") + 1
    assert isinstance(win.tab_widgets["outlook"], OutlookTab)


@pytest.mark.slow
def test_a_new_user_sets_a_spending_rule_runs_reads_and_exports(
    qtbot, window, tmp_path, monkeypatch
):
    """Issue 17, tried as a new user would: a 5% spending rule on the endowment profile typed in
    the IPS table, Optimize, the Outlook tab read, the report exported and its Outlook read."""
    import pandas as pd
    from openpyxl import load_workbook
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QFileDialog

    from core.outlook.holdings import CURRENT_HOLDINGS
    from core.policy.profile import ReturnBasis

    ips = window.tab_widgets["ips"]
    ips.profile_combo.setCurrentText(ENDOWMENT)
    assert ips.profile().name == ENDOWMENT
    model = ips.constraints_model
    spending = model.index(model.row_of("Outlook", "spending_percent"), 3)
    assert model.setData(spending, "")  # start from no spending, then type the rule
    assert model.setData(spending, "5%")
    # "inflation + 4%" with a 3% inflation assumption: chosen in the form, typed in the table
    form = ips.policy_form
    form.basis_combo.setCurrentIndex(form.basis_combo.findData(ReturnBasis.INFLATION_PLUS.value))
    assert model.setData(model.index(model.row_of("Outlook", "target_return"), 3), "4")
    assert model.setData(model.index(model.row_of("Outlook", "inflation"), 3), "3%")
    assert ips.profile().nominal_target_return == pytest.approx(1.03 * 1.04 - 1)
    assert "= 7.12% a year" in form.return_target_label.text()
    tab = window.tab_widgets["outlook"]
    window.tabs.setCurrentWidget(tab)
    with qtbot.waitSignal(tab.outlook_ready, timeout=TIMEOUT_MS):
        window.optimize()
    qtbot.waitUntil(lambda: not tab.busy() and not tab.deferred.pending(), timeout=TIMEOUT_MS)
    assert "spending 5.00% of assets a year" in tab.summary_label.text()
    assert "chance of earning 7.12% a year (inflation 3.00% + 4.00%) over 30 years" in (
        tab.summary_label.text()
    )
    assert tab.outlook.outlook.policy.return_objective == pytest.approx(0.0712)
    # the Rebalancing tab's (demo) account is simulated too, before the benchmark
    names = [p.name for p in tab.outlook.outlook.portfolios]
    assert names[-2:] == [CURRENT_HOLDINGS, BENCHMARK]
    assert tab.answers_model.rowCount() == len(window.result.candidates) + 2

    out = tmp_path / "committee"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(out))
    controller = window.export_controller
    with qtbot.waitSignal(controller.export_finished, timeout=180_000) as blocker:
        window.findChild(QAction, "action_export_report").trigger()
    qtbot.waitUntil(lambda: not controller.is_running(), timeout=10_000)
    assert blocker.args[0], blocker.args
    summary = pd.read_csv(out / "monte_carlo_summary.csv")
    assert summary["cash_flows"].str.contains("5.00% of assets").all()
    assert (summary["paths"] == 10_000).all() and (summary["horizon_years"] == 30).all()
    sheet = load_workbook(out / "investment_committee_report.xlsx")["Outlook"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("portfolio") + 1).value == (
        window.result.recommended_name
    )
    memo = (out / "investment_memo.md").read_text()
    assert "### Outlook over the horizon" in memo
    assert CURRENT_HOLDINGS in memo and "inflation (3.00% assumed) + 4.00% = 7.12%" in memo
    assert "Reverse stress (derived, not a scenario)" in memo
    assert CURRENT_HOLDINGS in set(summary["portfolio"])
    assert (summary["return_objective"] - 0.0712).abs().max() < 1e-12
    ips_sheet = load_workbook(out / "investment_committee_report.xlsx")["IPS Profile"]
    labels = {row[0].value: row[1].value for row in ips_sheet.iter_rows()}
    assert labels["Return objective basis"] == "inflation + x%"
    assert labels["Inflation assumption (annual)"] == pytest.approx(0.03)
    assert labels["Return objective tested (annual, nominal)"] == pytest.approx(0.0712)


def test_settings_are_project_fields_and_are_restored(qtbot, tab, endowment_result):
    from core.outlook.request import OutlookRequest
    from core.project import Project

    tab.paths_spin.setValue(300)
    with qtbot.waitSignal(tab.outlook_ready, timeout=TIMEOUT_MS):
        tab.show_result(endowment_result)
    _settle(qtbot, tab)
    assert tab.project_fields() == {
        "outlook": OutlookRequest(paths=300, horizon_years=None, block_length=12.0, seed=17)
    }
    with qtbot.waitSignal(tab.project_modified, timeout=1_000):
        tab.model_combo.setCurrentIndex(1)
    assert tab.project_fields()["outlook"].model is ReturnModel.PARAMETRIC
    with qtbot.waitSignal(tab.outlook_ready, timeout=TIMEOUT_MS) as blocker:
        tab.run_button.click()
    assert blocker.args[0].outlook.settings.model is ReturnModel.PARAMETRIC
    assert "capital market" in tab.summary_label.text()
    _settle(qtbot, tab)
    tab.model_combo.setCurrentIndex(0)
    with qtbot.waitSignal(tab.project_modified, timeout=1_000):
        tab.horizon_spin.setValue(12.0)
    assert tab.project_fields()["outlook"].horizon_years == 12.0
    request = OutlookRequest(paths=1234, horizon_years=None, block_length=3.0, seed=8)
    project = Project(
        profile=endowment_result.profile, universe=endowment_result.universe, outlook=request
    )
    with qtbot.assertNotEmitted(tab.project_modified):
        tab.restore_project(project)
    assert tab.project_fields()["outlook"] == request
    assert tab.horizon_spin.value() == endowment_result.profile.horizon_years
