"""The Stress tab: results table and charts, custom-scenario editing, refusals, conditional panel."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QTableView

from app.kit import formatting as fmt
from app.kit.chart_kit import Figure
from app.shell.main_window import ANALYSIS_JOB, MainWindow
from app.stress.results_model import BREACH, BREACH_COLUMN
from app.stress.scenarios_model import CustomScenariosModel
from core.stress.conditional import conditional_shocks, covariance_frame
from core.stress.engine import stress_analysis
from core.stress.scenarios import Scenario, ScenarioKind, load_scenarios, save_scenarios
from core.universe import default_universe

DISPLAY, EDIT = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole
TIMEOUT_MS = 60_000
TICKERS = default_universe().tickers


@pytest.fixture
def stress_window(qtbot):
    """The window with its first result and that result's stress tests shown."""
    win = MainWindow(run_at_start=False)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    tab = win.tab_widgets["stress"]
    win.tabs.setCurrentWidget(tab)
    with qtbot.waitSignal(tab.stress_ready, timeout=TIMEOUT_MS):
        win.optimize()
    settle(qtbot, win)
    return win


def settle(qtbot, win):
    qtbot.waitUntil(
        lambda: (
            not win.runner.is_running(ANALYSIS_JOB)
            and not any(t.busy() for t in win.tab_widgets.values() if hasattr(t, "busy"))
            and not win.tab_widgets["stress"].deferred.pending()
        ),
        timeout=10_000,
    )


def edit_and_rerun(qtbot, win, action):
    """Run ``action`` (which changes the custom scenarios) and wait for the new stress result."""
    tab = win.tab_widgets["stress"]
    with qtbot.waitSignal(tab.stress_ready, timeout=TIMEOUT_MS) as blocker:
        assert action() is not False
    settle(qtbot, win)
    return blocker.args[0]


def test_results_table_rows_equal_the_stress_result(stress_window):
    tab = stress_window.tab_widgets["stress"]
    expected = stress_analysis(stress_window.result)
    assert tab.stress.scenario_names == expected.scenario_names
    table = stress_window.findChild(QTableView, "stress_results_table")
    model = table.model()
    assert model.rowCount() == len(expected.outcomes) + 1 >= 15  # + the derived reverse stress
    header = Qt.Orientation.Horizontal
    assert model.headerData(3, header, DISPLAY) == "Path drawdown"
    gfc = expected.outcome("Global Financial Crisis")  # the path falls below where it ends
    assert gfc.has_path and gfc.path_drawdown < gfc.portfolio_return
    for row, outcome in enumerate(expected.outcomes):
        cells = [model.data(model.index(row, c), DISPLAY) for c in range(model.columnCount())]
        assert cells == [
            outcome.name,
            outcome.kind.label,
            fmt.format_value(outcome.portfolio_return, fmt.PERCENT, 2),
            fmt.format_value(outcome.path_drawdown, fmt.PERCENT, 2),
            fmt.format_value(outcome.benchmark_return, fmt.PERCENT, 2),
            fmt.format_value(outcome.relative_performance, fmt.PERCENT, 2),
            fmt.format_value(outcome.portfolio_pnl, fmt.CURRENCY),
            BREACH if outcome.breaches_drawdown_tolerance else "no",
        ]
    assert (
        "2022 Rate Shock" in tab.summary_label.text()
        or expected.worst.name in tab.summary_label.text()
    )


def test_grouped_bar_chart_and_contributions_follow_the_selection(qtbot, stress_window):
    tab = stress_window.tab_widgets["stress"]
    stress = tab.stress
    chart = stress_window.findChild(Figure, "stress_chart")
    bars = [i for i in chart.plot.items if isinstance(i, pg.BarGraphItem)]
    assert len(bars) == 2
    x0, width = np.asarray(bars[0].opts["x0"]), np.asarray(bars[0].opts["width"])
    signed = np.where(x0 < 0, x0, width)  # a bar spans [min(v, 0), max(v, 0)]
    # the bars are the path drawdowns (what the breach flag tests) ...
    np.testing.assert_allclose(signed, [o.path_drawdown * 100 for o in stress.outcomes], atol=1e-9)
    # ... and the diamonds the start-to-end returns
    markers = [i for i in chart.plot.items if isinstance(i, pg.ScatterPlotItem)]
    assert len(markers) == 2
    np.testing.assert_allclose(
        markers[0].getData()[0], [o.portfolio_return * 100 for o in stress.outcomes], atol=1e-9
    )
    row = stress.scenario_names.index("COVID Crash")
    tab.results_table.selectRow(row)
    qtbot.waitUntil(lambda: not tab.deferred.pending(), timeout=5_000)  # drawn in the next turn
    contributions = tab.contribution_chart
    assert contributions.plots[0].titleLabel.text.startswith("COVID Crash")
    class_bars = [i for i in contributions.plots[1].items if isinstance(i, pg.BarGraphItem)]
    outcome = stress.outcome("COVID Crash")
    np.testing.assert_allclose(
        np.abs(class_bars[0].opts["width"]), np.abs(outcome.class_contributions * 100)
    )


@pytest.mark.slow
def test_custom_scenario_add_edit_undo_redo(qtbot, stress_window):
    tab = stress_window.tab_widgets["stress"]
    model = tab.custom_model
    stack = stress_window.undo_stack
    stress = edit_and_rerun(qtbot, stress_window, tab.custom_panel.add_button.click)
    assert model.rowCount() == 1 and stack.count() == 1
    assert "Custom scenario 1" in stress.scenario_names
    cell = model.index(0, 1 + TICKERS.index("SPY"))
    stress = edit_and_rerun(qtbot, stress_window, lambda: model.setData(cell, "-30"))
    assert model.data(cell, DISPLAY) == "-30.0%" and model.data(cell, EDIT) == pytest.approx(-30.0)
    assert tab.custom_scenarios()[0].shocks["SPY"] == pytest.approx(-0.30)
    weight = stress_window.result.recommended.weights["SPY"]
    assert stress.outcome("Custom scenario 1").portfolio_return == pytest.approx(-0.30 * weight)
    assert stack.count() == 2
    edit_and_rerun(qtbot, stress_window, stress_window.action_undo.trigger)
    assert model.data(cell, DISPLAY) == "0.0%"
    edit_and_rerun(qtbot, stress_window, stress_window.action_redo.trigger)
    assert model.data(cell, DISPLAY) == "-30.0%"
    name = model.index(0, 0)
    edit_and_rerun(qtbot, stress_window, lambda: model.setData(name, "Deep recession"))
    assert tab.custom_scenarios()[0].name == "Deep recession"
    tab.custom_panel.table.selectRow(0)
    stress = edit_and_rerun(qtbot, stress_window, tab.custom_panel.delete_button.click)
    assert model.rowCount() == 0 and "Deep recession" not in stress.scenario_names
    edit_and_rerun(qtbot, stress_window, stack.undo)
    assert model.rowCount() == 1 and tab.custom_scenarios()[0].name == "Deep recession"


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("-150", "below -100%"),
        ("-150%", "below -100%"),
        ("a lot", "not a number"),
        ("", "type 0 for unchanged"),
    ],
)
def test_bad_shocks_are_refused_with_a_message(qtbot, stress_window, typed, words):
    tab = stress_window.tab_widgets["stress"]
    model = tab.custom_model
    edit_and_rerun(qtbot, stress_window, tab.custom_panel.add_button.click)
    before, count = model.scenarios(), stress_window.undo_stack.count()
    cell = model.index(0, 1 + TICKERS.index("TLT"))
    with qtbot.waitSignal(tab.status_message, timeout=1_000) as blocker:
        assert not model.setData(cell, typed)
    assert words in blocker.args[0]
    assert words in stress_window.statusBar().currentMessage()
    assert model.scenarios() == before and model.data(cell, DISPLAY) == "0.0%"
    assert stress_window.undo_stack.count() == count


def test_an_unknown_ticker_is_refused_from_a_paste_and_from_a_file(
    qtbot, stress_window, tmp_path, monkeypatch
):
    tab = stress_window.tab_widgets["stress"]
    model = tab.custom_model
    count = stress_window.undo_stack.count()
    with qtbot.waitSignal(tab.status_message, timeout=1_000) as blocker:
        assert not model.paste("Name\tSPY\tXYZ\r\nMelt-down\t-40%\t-10\r\n", 0, 0)
    assert "XYZ" in blocker.args[0] and "not in the universe" in blocker.args[0]
    assert model.rowCount() == 0 and stress_window.undo_stack.count() == count

    path = tmp_path / "bad.json"
    path.write_text(
        '{"schema_version": 1, "scenarios": [{"name": "X", "kind": "custom", '
        '"shocks": {"SPY": -0.1, "FOO": -0.2}}]}',
        encoding="utf-8",
    )
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )
    with qtbot.waitSignal(
        tab.status_message, timeout=10_000, check_params_cb=lambda m: "not loaded" in m
    ) as blocker:
        tab.custom_panel.load_button.click()
    assert "FOO" in blocker.args[0] and "not loaded" in blocker.args[0]
    assert model.rowCount() == 0


def test_a_pasted_block_is_one_command(qtbot, stress_window):
    tab = stress_window.tab_widgets["stress"]
    model = tab.custom_model
    block = "Name\t" + "\t".join(TICKERS) + "\r\n"
    block += "Stagflation\t" + "\t".join("-10%" for _ in TICKERS) + "\r\n"
    block += "Melt-up\t" + "\t".join("5" for _ in TICKERS) + "\r\n"
    stress = edit_and_rerun(qtbot, stress_window, lambda: model.paste(block, 0, 0))
    assert stress_window.undo_stack.count() == 1
    assert [s.name for s in tab.custom_scenarios()] == ["Stagflation", "Melt-up"]
    assert stress.outcome("Melt-up").portfolio_return == pytest.approx(0.05)
    edit_and_rerun(qtbot, stress_window, stress_window.undo_stack.undo)
    assert model.rowCount() == 0


def test_a_bundled_name_or_a_duplicate_is_refused(qtbot, stress_window):
    tab = stress_window.tab_widgets["stress"]
    model = tab.custom_model
    edit_and_rerun(qtbot, stress_window, tab.custom_panel.add_button.click)
    edit_and_rerun(qtbot, stress_window, tab.custom_panel.add_button.click)
    assert not model.setData(model.index(1, 0), "COVID Crash")
    assert not model.setData(model.index(1, 0), "custom scenario 1")
    assert [s.name for s in tab.custom_scenarios()] == ["Custom scenario 1", "Custom scenario 2"]


def test_a_breach_is_flagged_in_red(qtbot, stress_window):
    tab = stress_window.tab_widgets["stress"]
    crash = Scenario("Total wipe-out", ScenarioKind.CUSTOM, dict.fromkeys(TICKERS, -0.6))
    stress = edit_and_rerun(qtbot, stress_window, lambda: tab.custom_model.add_scenario(crash))
    assert "Total wipe-out" in stress.breaches
    model = tab.results_model
    row = stress.scenario_names.index("Total wipe-out")
    cell = model.index(row, model.column_of(BREACH_COLUMN))
    assert model.data(cell, DISPLAY) == BREACH
    colour = model.data(cell, Qt.ItemDataRole.ForegroundRole).color()
    assert colour.red() > 100 and colour.green() < 60
    assert "breach" in tab.summary_label.text()


def test_save_and_load_custom_scenarios(qtbot, stress_window, tmp_path, monkeypatch):
    tab = stress_window.tab_widgets["stress"]
    scenario = Scenario(
        "Stagflation", ScenarioKind.CUSTOM, {**dict.fromkeys(TICKERS, -0.05), "GLD": 0.12}
    )
    edit_and_rerun(qtbot, stress_window, lambda: tab.custom_model.add_scenario(scenario))
    path = tmp_path / "mine.json"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )
    tab.custom_panel.save_button.click()
    assert load_scenarios(path) == (scenario,)

    other = Scenario("Rates up", ScenarioKind.CUSTOM, dict.fromkeys(TICKERS, -0.02))
    save_scenarios([other], path)
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )
    edit_and_rerun(qtbot, stress_window, tab.custom_panel.load_button.click)
    assert tab.custom_scenarios() == (other,)
    edit_and_rerun(qtbot, stress_window, stress_window.undo_stack.undo)
    assert tab.custom_scenarios() == (scenario,)


def test_set_custom_scenarios_restores_without_undo(qtbot, stress_window):
    tab = stress_window.tab_widgets["stress"]
    restored = (Scenario("Saved one", ScenarioKind.CUSTOM, dict.fromkeys(TICKERS, 0.01)),)
    stress = edit_and_rerun(qtbot, stress_window, lambda: tab.set_custom_scenarios(restored))
    assert tab.custom_scenarios() == restored and stress_window.undo_stack.count() == 0
    assert "Saved one" in stress.scenario_names


def test_conditional_panel_matches_core_and_adds_a_scenario(qtbot, stress_window):
    tab = stress_window.tab_widgets["stress"]
    panel = tab.conditional_panel
    result = stress_window.result
    covariance = covariance_frame(result.inputs.covariance, result.inputs.tickers)
    panel.first_combo.setCurrentText("SPY")
    panel.first_spin.setValue(-20.0)
    expected = conditional_shocks(covariance, {"SPY": -0.20})
    shown = panel.implied_model.frame()["shock"]
    pd.testing.assert_series_equal(shown, expected.rename("shock"), check_names=False, rtol=1e-12)
    assert panel.implied_model.data(panel.implied_model.index(1, 0), DISPLAY) == fmt.format_value(
        expected.iloc[1], fmt.PERCENT, 2
    )

    panel.second_check.setChecked(True)
    panel.second_combo.setCurrentText("AGG")
    panel.second_spin.setValue(-8.0)
    expected = conditional_shocks(covariance, {"SPY": -0.20, "AGG": -0.08})
    np.testing.assert_allclose(
        panel.implied_model.frame()["shock"].to_numpy(), expected.to_numpy(), rtol=1e-12
    )

    panel.second_combo.setCurrentText("SPY")
    assert not panel.add_button.isEnabled() and "two different ETFs" in panel.message_label.text()
    panel.second_combo.setCurrentText("AGG")
    assert panel.add_button.isEnabled()
    stress = edit_and_rerun(qtbot, stress_window, panel.add_button.click)
    added = tab.custom_scenarios()[0]
    assert added.kind is ScenarioKind.CONDITIONAL and added.shocks["AGG"] == pytest.approx(-0.08)
    assert stress.outcome(added.name).kind is ScenarioKind.CONDITIONAL
    assert stress_window.undo_stack.count() == 1


def test_stress_results_run_off_the_gui_thread(qtbot, stress_window, monkeypatch):
    tab = stress_window.tab_widgets["stress"]
    threads = []
    import app.stress.jobs as jobs

    original = jobs.stress_analysis

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(jobs, "stress_analysis", spy)
    edit_and_rerun(qtbot, stress_window, tab.custom_panel.add_button.click)
    assert threads and threads[0] is not threading.main_thread()


def test_stress_models_pass_model_tester(qtmodeltester, qtbot, stress_window):
    tab = stress_window.tab_widgets["stress"]
    edit_and_rerun(qtbot, stress_window, tab.custom_panel.add_button.click)
    for model in (tab.results_model, tab.custom_model, tab.conditional_panel.implied_model):
        qtmodeltester.check(model)


def test_scenarios_model_alone(qtmodeltester):
    model = CustomScenariosModel(TICKERS)
    assert model.add_scenario()
    assert model.paste("-5\t-6", 0, 1)
    assert model.scenarios()[0].shocks["SPY"] == pytest.approx(-0.05)
    assert model.scenarios()[0].shocks["QQQ"] == pytest.approx(-0.06)
    assert not model.paste("1\t2\t3", 0, len(TICKERS))  # wider than the table
    qtmodeltester.check(model)


def test_scenario_names_get_the_spare_width_not_the_breach_column(stress_window):
    """Issue 15, #17: names were cut while the yes/no Breach column stretched."""
    tab = stress_window.tab_widgets["stress"]
    table, model = tab.results_table, tab.results_model
    header = table.horizontalHeader()
    breach = (
        model.column_of("breaches_drawdown_tolerance")
        if model.column_of("breaches_drawdown_tolerance") >= 0
        else model.columnCount() - 1
    )
    assert header.sectionSize(0) > 2 * header.sectionSize(breach)
    assert not header.stretchLastSection()
    # The names take every pixel the figures leave (no empty band, no stretched Breach).
    others = header.length() - header.sectionSize(0)
    assert header.sectionSize(0) >= table.viewport().width() - others - 1


def test_thousands_of_scenarios_make_a_legible_chart(qtbot):
    """Issue 15, #8: 10,000 pasted scenarios drew a black block of labels. The chart shows the
    30 worst for the portfolio and says how many more the table holds."""
    from app.kit import chart_kit as kit
    from app.stress.charts import MAX_BARS, draw_stress_results, shown_outcomes
    from core.pipeline import load_default_dataset, run_analysis
    from core.policy.profile_io import bundled_profiles
    from core.stress.engine import stress_analysis

    result = run_analysis(bundled_profiles()["Balanced Growth"], load_default_dataset())
    custom = tuple(
        Scenario(f"S{k}", ScenarioKind.CUSTOM, dict.fromkeys(TICKERS, -0.001 * k))
        for k in range(1, 201)
    )
    stress = stress_analysis(result, custom)
    shown = shown_outcomes(stress)
    assert len(shown) == MAX_BARS
    worst = sorted(stress.outcomes, key=lambda o: o.portfolio_return)[:MAX_BARS]
    assert {o.name for o in shown} == {o.name for o in worst}
    order = [o.name for o in stress.outcomes]
    assert [o.name for o in shown] == sorted((o.name for o in shown), key=order.index)
    fig = kit.Figure("many_scenarios")
    qtbot.addWidget(fig)
    draw_stress_results(fig, stress)
    ticks = fig.plot.getAxis("left")._tickLevels[0]
    assert len(ticks) == MAX_BARS
    assert f"{len(stress.outcomes) - MAX_BARS:,} more in the table" in fig.plot.titleLabel.text


def test_a_flagged_bar_crosses_the_tolerance_line(qtbot):
    """Issue 16: the breach flag uses the path drawdown, so the chart draws the path drawdown:
    at a 20% tolerance the GFC replay of Balanced Growth ends inside the line (start to end)
    but fell beyond it on the way; its bar must cross the line."""
    from app.kit import chart_kit as kit
    from app.stress.charts import draw_stress_results
    from core.pipeline import load_default_dataset, run_analysis
    from core.policy.profile_io import bundled_profiles

    profile = bundled_profiles()["Balanced Growth"].with_changes(max_drawdown=0.20)
    stress = stress_analysis(run_analysis(profile, load_default_dataset()))
    flagged = [o for o in stress.outcomes if o.breaches_drawdown_tolerance]
    assert flagged, "the case needs a breach"
    assert any(o.portfolio_return > -0.20 for o in flagged)  # inside the line start to end
    fig = kit.Figure("breach_chart")
    qtbot.addWidget(fig)
    draw_stress_results(fig, stress)
    bars = [i for i in fig.plot.items if isinstance(i, pg.BarGraphItem)][0]
    left_ends = np.asarray(bars.opts["x0"])  # a negative bar starts at its value
    line = -stress.drawdown_tolerance * 100
    for k, outcome in enumerate(stress.outcomes):
        assert (left_ends[k] < line) == outcome.breaches_drawdown_tolerance, outcome.name
    labels = [t for _, t in fig.plot.getAxis("left")._tickLevels[0]]
    assert all(labels[stress.outcomes.index(o)].startswith("⚠") for o in flagged)


def test_reverse_stress_is_stated_beside_the_scenarios(stress_window):
    """Issue 17: the most plausible shock that costs the drawdown tolerance, from core."""
    from core.outlook.reverse_stress import recommended_reverse_stress

    tab = stress_window.tab_widgets["stress"]
    reverse = recommended_reverse_stress(stress_window.result)
    text = tab.reverse_label.text()
    assert text.startswith("Reverse stress of")
    assert f"{reverse.distance:.2f} standard deviations away" in text
    assert f"{reverse.tolerance:.0%} drawdown tolerance" in text
    # and as the last row of the results, marked as derived, its loss exactly the tolerance
    from app.stress.results_model import DERIVED_KIND

    model = tab.results_model
    frame = model.frame()
    assert len(frame) == len(tab.stress.outcomes) + 1
    last = frame.iloc[-1]
    assert last["scenario"] == "Reverse stress (most plausible breach)"
    assert last["kind"] == DERIVED_KIND and last["breach"] == "= tolerance"
    assert last["portfolio_return"] == pytest.approx(-reverse.tolerance)
    benchmark = stress_window.result.benchmark_weights
    assert last["benchmark_return"] == pytest.approx(
        float(benchmark.reindex(reverse.etf_shocks.index, fill_value=0) @ reverse.etf_shocks)
    )
    index = model.index(model.rowCount() - 1, 0)
    assert model.data(index, Qt.ItemDataRole.FontRole).italic()
    assert "Derived, not a scenario" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    qtmodeltester_rows = model.rowCount()
    tab.results_table.selectRow(qtmodeltester_rows - 1)  # no contributions for a derived row


def test_thousands_of_pasted_scenarios_are_read_on_the_tabs_runner(qtbot, stress_window):
    """Issue 15, #8: a large scenario paste in the window is read in the background on the
    Stress tab's own job runner (so retiring the tab cancels it), says so over the table, and
    lands as one undo step that the stress test then runs on."""
    from app.kit.editable_model import BACKGROUND_PASTE_CELLS

    tab = stress_window.tab_widgets["stress"]
    model = tab.custom_model
    tickers = TICKERS
    rows = BACKGROUND_PASTE_CELLS // (len(tickers) + 1) + 10
    block = ["Name\t" + "\t".join(tickers)]
    block += [f"Pasted {k}\t" + "\t".join(["-3"] * len(tickers)) for k in range(rows)]
    count = stress_window.undo_stack.count()
    with qtbot.waitSignal(model.paste_finished, timeout=TIMEOUT_MS) as finished:
        assert model.paste("\r\n".join(block), 0, 0)
        assert tab.runner.is_running(f"paste {id(model)}")
        assert "Reading" in tab.custom_panel.refusal_label.text()
    assert finished.args == [True]
    assert model.rowCount() == rows and stress_window.undo_stack.count() == count + 1
    qtbot.waitUntil(lambda: len(tab.stress.outcomes) > rows, timeout=TIMEOUT_MS)
