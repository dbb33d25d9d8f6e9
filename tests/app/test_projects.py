"""Projects: new / open / save / save as, the unsaved mark, the close prompt, autosave and recovery,
damaged files, recent files and window settings. Dialogs are patched; files live in tmp_path."""

from __future__ import annotations

import json
import os

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QSplitter

from app.ips.constraints_model import MINIMUM
from app.shell import settings
from app.shell.main_window import ANALYSIS_JOB, MainWindow
from app.shell.project_controller import UNTITLED
from core.project import load_project

TIMEOUT_MS = 60_000
Button = QMessageBox.StandardButton


def equity_minimum_cell(window):
    model = window.ips_tab.constraints_model
    return model, model.index(model.row_of("Asset class", "Equity"), MINIMUM)


def edit_equity_minimum(window, text="50"):
    model, cell = equity_minimum_cell(window)
    assert model.setData(cell, text)
    return window.ips_tab.profile()


def wait_idle(qtbot, window):
    qtbot.waitUntil(lambda: window.runner.idle() and window.result is not None, timeout=TIMEOUT_MS)


def reload(qtbot, window, action):
    """Run ``action`` (new / open) and wait for the project's data and its first analysis."""
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        assert action() is not False
    wait_idle(qtbot, window)


@pytest.fixture
def answers(monkeypatch):
    """Patch the Save/Discard/Cancel prompt (QMessageBox.warning): set ``answers.reply``."""

    class Answers:
        reply = Button.Cancel
        asked: list = []

    def warning(*args):
        Answers.asked.append(args)
        return Answers.reply

    Answers.asked = []
    monkeypatch.setattr(QMessageBox, "warning", warning)
    return Answers


def test_save_new_open_round_trip_with_title_and_recent_files(qtbot, window, tmp_path):
    controller = window.project_controller
    assert window.windowTitle().endswith(f"{UNTITLED}[*]") and not window.isWindowModified()
    edited = edit_equity_minimum(window)
    assert window.isWindowModified()

    path = tmp_path / "committee"
    assert controller.save_to(path)
    saved = tmp_path / "committee.ipsproj"
    assert controller.path == saved.resolve() and not window.isWindowModified()
    assert "committee[*]" in window.windowTitle()
    assert load_project(saved).profile == edited
    assert settings.recent_files() == [str(saved.resolve())]
    assert [a.toolTip() for a in controller.recent_menu.actions()[:1]] == [str(saved.resolve())]

    reload(qtbot, window, controller.new_project)
    assert controller.path is None and window.windowTitle().endswith(f"{UNTITLED}[*]")
    assert window.ips_tab.profile() != edited and window.undo_stack.count() == 0

    reload(qtbot, window, lambda: controller.open_project(saved))
    assert window.ips_tab.profile() == edited and window.result.profile == edited
    assert not window.isWindowModified() and window.undo_stack.count() == 0
    model, cell = equity_minimum_cell(window)
    assert model.data(cell) == "50.0%"


def test_the_unsaved_mark_follows_the_undo_stack(window):
    edit_equity_minimum(window)
    assert window.isWindowModified()
    window.undo_stack.undo()
    assert not window.isWindowModified()
    window.undo_stack.redo()
    assert window.isWindowModified()


def test_closing_with_unsaved_changes_asks_first(qtbot, window, answers, tmp_path):
    edit_equity_minimum(window)
    answers.reply = Button.Cancel
    assert not window.close() and window.isVisible() and len(answers.asked) == 1
    assert "unsaved changes" in answers.asked[0][2]

    window.project_controller.path = tmp_path / "kept.ipsproj"
    answers.reply = Button.Save
    assert window.close()
    assert load_project(tmp_path / "kept.ipsproj").profile == window.ips_tab.profile()


def test_close_discards_and_removes_the_autosave(qtbot, window, answers):
    edit_equity_minimum(window)
    autosave = window.project_controller.autosave_now()
    assert autosave is not None and autosave.exists()
    answers.reply = Button.Discard
    assert window.close() and not autosave.exists()


def test_new_and_open_ask_before_dropping_changes(qtbot, window, answers, monkeypatch):
    edited = edit_equity_minimum(window)
    opened = []
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: opened.append(a) or ("", ""))
    )
    answers.reply = Button.Cancel
    window.project_controller.action_new.trigger()
    window.project_controller.action_open.trigger()
    assert len(answers.asked) == 2 and not opened
    assert window.ips_tab.profile() == edited and window.isWindowModified()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'{"schema_version": 1, "profile": {', "truncated"),
        (b"", "empty"),
        (b"\x80\x81 not text", "not a text"),
        (json.dumps({"schema_version": 99}).encode(), "newer version"),
        (
            json.dumps({"schema_version": 1, "universe": {"assets": []}, "profile": {}}).encode(),
            "universe",
        ),
    ],
)
def test_a_damaged_file_is_refused_and_nothing_changes(
    qtbot, window, answers, tmp_path, content, words
):
    edited = edit_equity_minimum(window)
    path = tmp_path / "damaged.ipsproj"
    path.write_bytes(content)
    tabs, result, title = dict(window.tab_widgets), window.result, window.windowTitle()
    loader = window.project_controller.loader
    with qtbot.waitSignal(loader.finished, timeout=TIMEOUT_MS) as finished:
        window.project_controller.open_project(path)
    assert finished.args[1] is False
    assert (
        len(answers.asked) == 1
        and words in answers.asked[0][2]
        and "Nothing was changed" in answers.asked[0][2]
    )
    assert window.tab_widgets == tabs and window.result is result and window.windowTitle() == title
    assert window.ips_tab.profile() == edited and window.project_controller.path is None
    assert window.isWindowModified() and settings.recent_files() == []
    assert not window.runner.is_running(ANALYSIS_JOB)


def test_autosave_is_offered_for_recovery_at_start(qtbot, window, tmp_path, monkeypatch):
    controller = window.project_controller
    assert controller.save_to(tmp_path / "plan.ipsproj")
    assert controller.autosave_now() is None  # nothing unsaved, nothing written
    edited = edit_equity_minimum(window, "55")
    autosave = controller.autosave_now()
    assert (
        autosave.name.startswith("plan-")
        and autosave.name.endswith(".autosave.ipsproj")
        and load_project(autosave).profile == edited
    )
    saved = tmp_path / "plan.ipsproj"
    os.utime(saved, (saved.stat().st_mtime - 60,) * 2)  # the crash: the autosave is newer

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args) or Button.Yes)
    second = MainWindow()
    qtbot.addWidget(second)
    with qtbot.waitSignal(second.result_ready, timeout=TIMEOUT_MS):
        second.show()
    wait_idle(qtbot, second)
    with qtbot.waitSignal(second.result_ready, timeout=TIMEOUT_MS):
        assert second.project_controller.offer_recovery()
    wait_idle(qtbot, second)
    assert len(asked) == 1 and "plan.ipsproj" in asked[0][2]
    assert second.ips_tab.profile() == edited and second.isWindowModified()
    assert second.project_controller.path == saved.resolve()
    assert second.project_controller.save()  # a clean save removes the autosave
    assert not autosave.exists() and not second.isWindowModified()
    assert second.project_controller.recovery_candidate() is None


def test_declined_recovery_removes_the_autosave(qtbot, window, monkeypatch):
    edit_equity_minimum(window)
    autosave = window.project_controller.autosave_now()
    assert autosave.name == "untitled.autosave.ipsproj"
    monkeypatch.setattr(QMessageBox, "question", lambda *args: Button.No)
    assert not window.project_controller.offer_recovery()
    assert not autosave.exists() and window.project_controller.recovery_candidate() is None


def test_recent_files_and_window_state_persist(qtbot, window, tmp_path):
    controller = window.project_controller
    for name in ("a", "b", "a"):
        assert controller.save_to(tmp_path / name)
    assert settings.recent_files() == [
        str((tmp_path / f).resolve()) for f in ("a.ipsproj", "b.ipsproj")
    ]
    assert [a.text() for a in controller.recent_menu.actions()[:2]] == [
        "&1 a.ipsproj",
        "&2 b.ipsproj",
    ]
    assert settings.last_folder() == str(tmp_path.resolve())

    splitter = window.ips_tab.findChild(QSplitter)
    splitter.setSizes([300, 900])
    sizes = splitter.sizes()
    settings.save_window_state(window, window.tab_widgets)
    other = MainWindow(run_at_start=False)  # restores the splitters while building its tabs
    qtbot.addWidget(other)
    assert settings.restore_geometry(other)
    # (the offscreen screen is smaller than the window, so Qt clamps the restored size: not compared)
    assert settings.app_settings().value("window/geometry") == window.saveGeometry()
    other.resize(window.size())
    other.show()
    qtbot.waitUntil(lambda: other.ips_tab.findChild(QSplitter).sizes()[0] > 100, timeout=5_000)
    restored = other.ips_tab.findChild(QSplitter).sizes()
    assert abs(restored[0] - sizes[0]) <= 2 and abs(restored[1] - sizes[1]) <= 2


def test_settings_live_in_the_test_sandbox(window):
    sandbox = os.path.dirname(os.environ["IPS_STUDIO_USER_DIR"])
    assert settings.app_settings().fileName().startswith(sandbox)
    assert str(settings.user_dir("autosave")).startswith(sandbox)
    assert str(window.project_controller.autosave_file()).startswith(sandbox)


def test_trade_settings_are_saved_with_the_project_and_restored(qtbot, window, tmp_path):
    from core.rebalance.plan import RebalanceMethod
    from core.rebalance.settings import TradeSettings

    tab = next(t for t in window.tab_widgets.values() if hasattr(t, "trade_settings"))
    tab.method_combo.setCurrentIndex(1)
    tab.cost_spin.setValue(12.5)
    tab.min_trade_spin.setValue(20_000)
    tab.buffer_spin.setValue(1.5)
    tab.contribution_spin.setValue(-75_000)
    wanted = TradeSettings(RebalanceMethod.TO_BAND_EDGE, 12.5, 20_000.0, 0.015, -75_000.0)
    assert tab.trade_settings() == wanted
    controller = window.project_controller
    assert controller.save_to(tmp_path / "trades.ipsproj")
    saved = tmp_path / "trades.ipsproj"
    assert load_project(saved).trade_settings == wanted

    reload(qtbot, window, controller.new_project)
    tab = next(t for t in window.tab_widgets.values() if hasattr(t, "trade_settings"))
    assert tab.trade_settings() == TradeSettings()
    reload(qtbot, window, lambda: controller.open_project(saved))
    tab = next(t for t in window.tab_widgets.values() if hasattr(t, "trade_settings"))
    assert tab.trade_settings() == wanted
    assert tab.method_combo.currentIndex() == 1 and tab.buffer_spin.value() == 1.5
