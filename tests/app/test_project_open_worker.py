"""Opening a large project (megabytes of custom scenarios) happens in a worker with progress and
Cancel; the window keeps serving events and changes nothing until the file was read whole
(issue 15, #8)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from app.ips.constraints_model import MINIMUM
from app.shell.project_loader import OPEN_JOB
from core.policy.profile_io import bundled_profiles
from core.project import Project, project_to_dict
from core.stress.scenarios import Scenario, ScenarioKind
from core.universe import default_universe

TIMEOUT_MS = 60_000
SCENARIOS = 2500  # about 4 MB with a note per shock


@pytest.fixture(scope="module")
def large_project_file(tmp_path_factory):
    universe = default_universe()
    scenarios = tuple(
        Scenario(
            f"Library scenario {n}",
            ScenarioKind.CUSTOM,
            {t: -((n % 50) / 100) for t in universe.tickers},
            notes={
                t: f"committee view {n}, reviewed quarterly by the desk" for t in universe.tickers
            },
        )
        for n in range(SCENARIOS)
    )
    profile = bundled_profiles()["Long-Term Endowment Growth"]
    document = project_to_dict(Project(profile, universe, custom_scenarios=scenarios))
    path = tmp_path_factory.mktemp("large") / "library.ipsproj"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert path.stat().st_size > 3.5 * 1024 * 1024
    return path


@pytest.fixture
def warnings(monkeypatch):
    said: list[tuple] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: said.append(args))
    return said


def on_screen(window):
    return (
        dict(window.tab_widgets),
        window.ips_tab.profile(),
        window.tab_widgets["stress"].custom_scenarios(),
        window.windowTitle(),
        window.project_controller.path,
    )


@pytest.mark.slow
def test_a_large_project_opens_in_a_worker_while_the_event_loop_runs(
    qtbot, window, large_project_file
):
    controller = window.project_controller
    ticks: list[bool] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(controller.loader.is_running()))
    progress: list[float] = []
    controller.loader.progress.connect(lambda fraction, _message: progress.append(fraction))
    before = on_screen(window)
    timer.start(5)
    with qtbot.waitSignal(controller.project_opened, timeout=TIMEOUT_MS):
        job = controller.open_project(large_project_file)
        # open_project returned at once: the file is being read, nothing changed yet.
        assert window.runner.is_running(OPEN_JOB) and not job.done
        assert on_screen(window) == before
        assert controller.loader.progress_bar.isVisibleTo(window)
    timer.stop()
    # The GUI thread served the timer while the worker read the file, and progress rose.
    assert sum(ticks) >= 3, ticks
    assert progress == sorted(progress) and len(progress) >= 3 and progress[-1] == 1.0
    assert not controller.loader.progress_bar.isVisibleTo(window)
    assert len(window.tab_widgets["stress"].custom_scenarios()) == SCENARIOS
    assert window.ips_tab.profile().name == "Long-Term Endowment Growth"
    assert controller.path == large_project_file.resolve() and not window.isWindowModified()
    qtbot.waitUntil(lambda: window.runner.idle(), timeout=TIMEOUT_MS)


@pytest.mark.slow
def test_cancel_leaves_the_project_on_screen_untouched(qtbot, window, large_project_file):
    controller = window.project_controller
    model = window.ips_tab.constraints_model
    assert model.setData(model.index(model.row_of("Asset class", "Equity"), MINIMUM), "50")
    before = on_screen(window)
    with qtbot.waitSignal(controller.loader.finished, timeout=TIMEOUT_MS) as finished:
        controller.open_project(large_project_file)
        controller.loader.action_cancel.trigger()
    assert finished.args[1] is False and "cancelled" in finished.args[2]
    qtbot.waitUntil(lambda: not window.runner.is_running(OPEN_JOB), timeout=TIMEOUT_MS)
    qtbot.wait(50)  # a result that still arrived would have been applied by now
    assert on_screen(window) == before and window.isWindowModified()
    assert not controller.loader.cancel_button.isVisibleTo(window)


@pytest.mark.slow
def test_a_damaged_large_file_is_refused_and_nothing_changes(
    qtbot, window, large_project_file, tmp_path, warnings
):
    document = json.loads(large_project_file.read_text(encoding="utf-8"))
    document["custom_scenarios"]["scenarios"][2222]["shocks"]["TLT"]["value"] = "lots"
    damaged = tmp_path / "damaged.ipsproj"
    damaged.write_text(json.dumps(document), encoding="utf-8")
    controller = window.project_controller
    before = on_screen(window)
    with qtbot.waitSignal(controller.loader.finished, timeout=TIMEOUT_MS) as finished:
        controller.open_project(damaged)
    assert finished.args[1] is False
    assert len(warnings) == 1 and warnings[0][1] == "Project not opened"
    text = warnings[0][2]
    assert "Library scenario 2222" in text and "TLT" in text and "Nothing was changed" in text
    assert on_screen(window) == before and not window.isWindowModified()


def test_edits_made_while_the_file_is_read_are_asked_about(qtbot, window, tmp_path, monkeypatch):
    controller = window.project_controller
    saved = tmp_path / "small.ipsproj"
    assert controller.save_to(saved)
    asked: list[tuple] = []
    monkeypatch.setattr(
        QMessageBox,
        "warning",
        lambda *args: asked.append(args) or QMessageBox.StandardButton.Cancel,
    )
    model = window.ips_tab.constraints_model
    with qtbot.waitSignal(controller.loader.finished, timeout=TIMEOUT_MS):
        controller.open_project(saved)
        # The user edits the IPS while the file is read: the edit is not silently dropped.
        assert model.setData(model.index(model.row_of("Asset class", "Equity"), MINIMUM), "50")
    assert len(asked) == 1 and "unsaved changes" in asked[0][2]
    assert window.isWindowModified() and window.undo_stack.count() == 1


@pytest.mark.slow
def test_scenario_and_holdings_files_are_read_in_a_worker(
    qtbot, window, large_project_file, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    from app.rebalancing.holdings_panel import IMPORT_JOB
    from app.stress.editor import LOAD_JOB

    document = json.loads(large_project_file.read_text(encoding="utf-8"))
    scenarios_file = tmp_path / "library.json"
    library = document["custom_scenarios"]
    library["scenarios"] = library["scenarios"][:200]  # the stress run that follows stays short
    scenarios_file.write_text(json.dumps(library), encoding="utf-8")
    stress = window.tab_widgets["stress"]
    panel = stress.custom_panel
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )
    path = scenarios_file
    with qtbot.waitSignal(stress.custom_model.scenarios_changed, timeout=TIMEOUT_MS):
        panel.load_button.click()
        assert stress.runner.is_running(LOAD_JOB) and stress.custom_scenarios() == ()
    assert len(stress.custom_scenarios()) == 200 and window.undo_stack.count() == 1

    rebalancing = window.tab_widgets["rebalancing"]
    path = tmp_path / "account.csv"
    path.write_text("ticker,shares,price\nSPY,100,500\nCASH,2500,\n", encoding="utf-8")
    with qtbot.waitSignal(window.undo_stack.indexChanged, timeout=TIMEOUT_MS):
        rebalancing.holdings_panel.import_button.click()
        assert rebalancing.runner.is_running(IMPORT_JOB)
    assert rebalancing.holdings().positions == {"SPY": 100.0}
    qtbot.waitUntil(lambda: window.runner.idle() and not stress.busy(), timeout=TIMEOUT_MS)
