"""File > New / Open… / Save / Save As… / Recent files, the unsaved mark, autosave and recovery.

A project (:class:`core.project.Project`) gathers the IPS profile, universe, holdings (a tab
with ``holdings()`` / ``set_holdings()``), custom scenarios (``custom_scenarios()`` /
``set_custom_scenarios()``), the analysis settings and the data mode. :class:`ProjectController`
owns the File actions; dialogs appear only in the action handlers, and the methods they call
(:meth:`~ProjectController.open_project`, :meth:`~ProjectController.save_to`,
:meth:`~ProjectController.new_project`) take paths, for tests.

*Unsaved changes* is the undo stack's clean state, plus the changes that rebuild the tabs and so
cannot be undone (universe, data mode, a recovered autosave). The window title carries ``[*]``.
New, Open and closing the window ask Save / Discard / Cancel first (``QMessageBox.warning``).

Every :data:`AUTOSAVE_INTERVAL_MS` a modified project is written to
``autosave_path(path, user_dir("autosave"))``; a save or a close without changes removes it. At
start-up :meth:`~ProjectController.offer_recovery` proposes the newest autosave that is newer
than its project. Files are read in a worker with progress and Cancel
(:mod:`app.shell.project_loader`): the window stays usable, and a file that cannot be read is
refused with its :class:`~core.project.ProjectFileError` message and nothing changes.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from app.kit.workers import Job
from app.shell import settings
from app.shell.actions import make_action
from app.shell.project_loader import ProjectLoader
from core.data.dataset import DataMode
from core.errors import IPSStudioError
from core.project import SUFFIX, Project, autosave_path, save_project
from core.rebalance.holdings import Holdings
from core.universe import Universe

AUTOSAVE_INTERVAL_MS = 3 * 60 * 1000
FILE_FILTER = f"IPS Allocation Studio project (*{SUFFIX});;All files (*)"
UNTITLED = "Untitled"
NOT_OPENED = "Project not opened"
Button = QMessageBox.StandardButton


def _without(mapping: dict[str, Any], removed: set[str]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in removed}


class ProjectController(QObject):
    """The project actions of a :class:`~app.shell.main_window.MainWindow` (module docstring)."""

    project_saved = Signal(str)
    project_opened = Signal(str)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._window = window
        self.path: Path | None = None
        self._changed_outside_undo = False
        self.action_new = make_action(
            window,
            "action_new_project",
            "&New project",
            "Ctrl+N",
            "Start a new project from the default IPS and universe",
        )
        self.action_open = make_action(
            window,
            "action_open_project",
            "&Open project…",
            "Ctrl+O",
            f"Open a project file ({SUFFIX})",
        )
        self.action_save = make_action(
            window,
            "action_save_project",
            "&Save project",
            "Ctrl+S",
            "Save the IPS, universe, holdings, scenarios and data choice",
        )
        self.action_save_as = make_action(
            window,
            "action_save_project_as",
            "Save project &as…",
            "Ctrl+Shift+S",
            "Save the project under a new name",
        )
        self.loader = ProjectLoader(window)  # reads files in a worker, progress and Cancel
        self.recent_menu = QMenu("Recent &projects", window)
        self.recent_menu.setObjectName("recent_menu")
        self.recent_menu.setToolTipsVisible(True)
        self.action_new.triggered.connect(self._on_action_new_triggered)
        self.action_open.triggered.connect(self._on_action_open_triggered)
        self.action_save.triggered.connect(self._on_action_save_triggered)
        self.action_save_as.triggered.connect(self._on_action_save_as_triggered)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setObjectName("autosave_timer")
        self.autosave_timer.setInterval(AUTOSAVE_INTERVAL_MS)
        self.autosave_timer.timeout.connect(self.autosave_now)
        self.autosave_timer.start()
        self.update_recent_menu()

    def build_menu(self, menu: QMenu) -> None:
        for action in (self.action_new, self.action_open, self.loader.action_cancel):
            menu.addAction(action)
        menu.addMenu(self.recent_menu)
        menu.addSeparator()
        menu.addAction(self.action_save)
        menu.addAction(self.action_save_as)

    # -- state ---------------------------------------------------------------------------------
    def name(self) -> str:
        return self.path.stem if self.path is not None else UNTITLED

    def is_modified(self) -> bool:
        return self._changed_outside_undo or not self._window.undo_stack.isClean()

    def mark_modified(self) -> None:
        """A change that is not on the undo stack (universe, data mode, recovery)."""
        self._changed_outside_undo = True
        self.update_modified()

    def update_modified(self) -> None:
        self._window.setWindowModified(self.is_modified())

    def _mark_saved(self) -> None:
        self._changed_outside_undo = False
        self._window.undo_stack.setClean()
        self.update_modified()
        self._window.update_title()

    def current_project(self) -> Project:
        """Everything on screen as a :class:`Project`."""
        window = self._window
        dataset = window.dataset
        mode = dataset.mode if dataset is not None else DataMode.SYNTHETIC
        import_path = window.data_controller.import_path if mode is DataMode.IMPORTED else None
        return Project(
            profile=window.ips_tab.profile(),
            universe=window.context.universe,
            settings=window.analysis_settings,
            data_mode=mode,
            import_path=import_path,
            **window.workspace.project_fields(),  # holdings, custom scenarios, ...
        )

    def apply_project(self, project: Project) -> None:
        """Show ``project``: tabs rebuilt for its universe, its data loaded, then an analysis."""
        window = self._window
        window.analysis_settings = project.settings
        window.install_workspace(project.universe, project.profile)
        window.workspace.restore_project(project)
        window.undo_stack.clear()
        window.data_controller.load_for_project(project.data_mode, project.import_path)

    # -- new / open / save ---------------------------------------------------------------------
    def new_project(self) -> None:
        from core.policy.profile_io import DEFAULT_PROFILE_NAME, bundled_profiles
        from core.universe import default_universe

        profiles = bundled_profiles()
        profile = profiles.get(DEFAULT_PROFILE_NAME) or next(iter(profiles.values()))
        self.loader.cancel()  # a file still being read would replace the new project
        self.remove_autosave()
        self.apply_project(Project(profile=profile, universe=default_universe()))
        self.path = None
        self._mark_saved()

    def open_project(self, path: str | Path) -> Job:
        """Start reading ``path`` in a worker (:mod:`app.shell.project_loader`); the project is
        shown when it was read whole. A file that cannot be read is refused with its message
        and nothing changes; ``loader.finished(path, opened, message)`` reports every outcome."""
        edits = self._window.undo_stack.index(), self.is_modified()
        return self.loader.start(
            path, lambda project: self._opened(project, path, edits), failure_title=NOT_OPENED
        )

    def _opened(self, project: Project, path: str | Path, edits: tuple[int, bool]) -> None:
        # The window stayed usable while the file was read: edits made meanwhile are asked
        # about (Save / Discard / Cancel) before the opened project replaces them.
        if edits != (self._window.undo_stack.index(), self.is_modified()) and not self.maybe_save():
            self._window.statusBar().showMessage(f"{Path(path).name} was not opened.", 10000)
            return
        self.remove_autosave()
        self.apply_project(project)
        self.path = Path(path).resolve()
        self._mark_saved()
        self._remember(self.path)
        self.project_opened.emit(str(self.path))
        self._window.statusBar().showMessage(f"Opened {self.path}.", 8000)

    def save(self) -> bool:
        """Save to the current file, or ask for one (Save As) when the project is untitled."""
        if self.path is None:
            return self._ask_and_save_as()
        return self.save_to(self.path)

    def save_to(self, path: str | Path) -> bool:
        """Write the project atomically to ``path`` and make it the current file."""
        target = Path(path)
        if target.suffix.lower() != SUFFIX:
            target = target.with_name(target.name + SUFFIX)
        try:
            save_project(self.current_project(), target)
        except (OSError, IPSStudioError) as exc:
            reason = (exc.strerror if isinstance(exc, OSError) else None) or exc
            QMessageBox.warning(
                self._window,
                "Project not saved",
                f"{target} could not be written: {reason}.\n\n"
                "The previous file, if any, is unchanged.",
            )
            return False
        self.remove_autosave()
        self.path = target.resolve()
        self._mark_saved()
        self._remember(self.path)
        self.project_saved.emit(str(self.path))
        self._window.statusBar().showMessage(f"Saved {self.path}.", 8000)
        return True

    def maybe_save(self) -> bool:
        """Ask Save / Discard / Cancel when there are unsaved changes; True to go on."""
        if not self.is_modified():
            return True
        answer = QMessageBox.warning(
            self._window,
            "Unsaved changes",
            f"The project '{self.name()}' has unsaved changes. Save them first?",
            Button.Save | Button.Discard | Button.Cancel,
            Button.Save,
        )
        if answer == Button.Save:
            return self.save()
        return answer == Button.Discard

    def close_requested(self) -> bool:
        """The window is closing: True to accept (the autosave is then removed)."""
        if not self.maybe_save():
            return False
        self.autosave_timer.stop()
        self.remove_autosave()
        return True

    def _remember(self, path: Path) -> None:
        settings.add_recent_file(path)
        settings.set_last_folder(path)
        self.update_recent_menu()

    # -- universe --------------------------------------------------------------------------------
    def apply_universe(self, universe: Universe) -> None:
        """Rebuild for an edited universe (validated by :mod:`app.shell.universe_dialog`): scenarios get
        0% shocks for added ETFs, removed ETFs leave scenarios and the account."""
        project = self.current_project()
        removed = set(project.universe.tickers) - set(universe.tickers)
        added = [t for t in universe.tickers if t not in project.universe.tickers]
        scenarios = tuple(
            dataclasses.replace(
                s,
                shocks={**_without(s.shocks, removed), **dict.fromkeys(added, 0.0)},
                notes=_without(s.notes, removed),
                proxies=_without(s.proxies, removed),
            )
            for s in project.custom_scenarios
        )
        holdings = project.holdings
        if holdings is not None and removed:
            holdings = Holdings(
                positions=_without(dict(holdings.positions), removed),
                prices=_without(dict(holdings.prices), removed),
                cash=holdings.cash,
                cost_basis=_without(dict(holdings.cost_basis), removed),
            )
        self.apply_project(
            dataclasses.replace(
                project, universe=universe, custom_scenarios=scenarios, holdings=holdings
            )
        )
        self.mark_modified()
        self._window.statusBar().showMessage(
            f"Universe now {universe.n} ETFs ({', '.join(added) or 'none'} added, "
            f"{', '.join(sorted(removed)) or 'none'} removed). Re-optimizing…",
            10000,
        )

    # -- autosave and recovery -------------------------------------------------------------------
    def autosave_file(self, path: Path | None = None) -> Path:
        return autosave_path(path if path is not None else self.path, settings.user_dir("autosave"))

    @Slot()
    def autosave_now(self) -> Path | None:
        """Write the autosave copy when there are unsaved changes; return its path (None if clean)."""
        if not self.is_modified():
            return None
        target = self.autosave_file()
        try:
            save_project(self.current_project(), target)
        except (OSError, IPSStudioError) as exc:
            self._window.statusBar().showMessage(f"Autosave failed: {exc}", 10000)
            return None
        return target

    def remove_autosave(self) -> None:
        self.autosave_file().unlink(missing_ok=True)

    def recovery_candidate(self) -> tuple[Path, Path | None] | None:
        """The newest autosave newer than its project: (autosave, project path or None)."""
        found: list[tuple[float, Path, Path | None]] = []
        for project in [None, *map(Path, settings.recent_files())]:
            autosave = self.autosave_file(project)
            if not autosave.exists():
                continue
            stamp = autosave.stat().st_mtime
            if project is None or not project.exists() or stamp > project.stat().st_mtime:
                found.append((stamp, autosave, project))
        if not found:
            return None
        _stamp, autosave, project = max(found, key=lambda item: item[0])
        return autosave, project

    def offer_recovery(self) -> bool:
        """At start-up: offer the :meth:`recovery_candidate`; True when its reading started (the
        recovered project is shown when the worker has read it)."""
        candidate = self.recovery_candidate()
        if candidate is None:
            return False
        autosave, project = candidate
        when = datetime.fromtimestamp(autosave.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        name = project.name if project is not None else "an untitled project"
        answer = QMessageBox.question(
            self._window,
            "Recover unsaved changes?",
            f"An autosave of {name} from {when} is newer than the saved file: the application may "
            "have stopped before it was saved. Recover it?",
            Button.Yes | Button.No,
            Button.Yes,
        )
        if answer != Button.Yes:
            autosave.unlink(missing_ok=True)
            return False
        self.loader.start(
            autosave,
            lambda recovered: self._recovered(recovered, project),
            failure_title="Autosave not recovered",
        )
        return True

    def _recovered(self, recovered: Project, project: Path | None) -> None:
        self.apply_project(recovered)
        self.path = project.resolve() if project is not None and project.exists() else None
        self._window.undo_stack.setClean()
        self.mark_modified()
        self._window.update_title()

    # -- menus and dialogs -----------------------------------------------------------------------
    def update_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = settings.recent_files()
        for number, file in enumerate(files, start=1):
            action = self.recent_menu.addAction(f"&{number} {Path(file).name}")
            action.setToolTip(file)
            action.setData(file)
            action.triggered.connect(self._on_recent_action_triggered)
        if files:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear the list").triggered.connect(
                self._on_clear_recent_triggered
            )
        self.recent_menu.setEnabled(bool(files))

    @Slot()
    def _on_recent_action_triggered(self) -> None:
        path = self.sender().data()
        if not Path(path).exists():
            settings.remove_recent_file(path)
            self.update_recent_menu()
            QMessageBox.warning(self._window, "Project not found", f"{path} no longer exists.")
            return
        if self.maybe_save():
            self.open_project(path)

    @Slot()
    def _on_clear_recent_triggered(self) -> None:
        settings.clear_recent_files()
        self.update_recent_menu()

    @Slot()
    def _on_action_new_triggered(self) -> None:
        if self.maybe_save():
            self.new_project()

    @Slot()
    def _on_action_open_triggered(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(
            self._window, "Open project", settings.last_folder(), FILE_FILTER
        )
        if path:
            self.open_project(path)

    @Slot()
    def _on_action_save_triggered(self) -> None:
        self.save()

    @Slot()
    def _on_action_save_as_triggered(self) -> None:
        self._ask_and_save_as()

    def _ask_and_save_as(self) -> bool:
        start = str(Path(settings.last_folder() or ".") / f"{self.name()}{SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self._window, "Save project as", start, FILE_FILTER)
        return self.save_to(path) if path else False
