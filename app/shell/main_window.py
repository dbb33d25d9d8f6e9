"""The main window: the tab widget, status bar, data-mode badge and undo stack.

What the window does lives in objects of their own, each in this package: the feature tabs in
:class:`~app.shell.workspace.Workspace`, Optimize and the result on screen in
:class:`~app.shell.analysis_controller.AnalysisController`, actions and menus in
:mod:`app.shell.actions`, projects in :mod:`app.shell.project_controller`, the Data menu in
:mod:`app.shell.data_controller`, the export in :mod:`app.shell.export_controller`. The window
keeps a few pass-through names (``result``, ``dataset``, ``optimize``, ``tab_widgets``...) so
that callers and tests speak to the window, not to its parts.
"""

from __future__ import annotations

import dataclasses
import math

from PySide6.QtCore import Slot
from PySide6.QtGui import QCloseEvent, QUndoStack
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QTabWidget,
    QWidget,
)

from app import APP_NAME, DISCLAIMER, SHORT_DISCLAIMER
from app.compare.decision_controller import DecisionController
from app.ips.tab import IPSTab
from app.kit import theme
from app.kit.context import StudioContext
from app.kit.feature import FeatureTab
from app.kit.views import keep_place
from app.kit.workers import Job, JobRunner
from app.shell import settings
from app.shell.actions import WindowActions, build_menus_and_toolbar
from app.shell.analysis_controller import ANALYSIS_JOB, AnalysisController, analyse
from app.shell.data_controller import DataController
from app.shell.export_controller import ExportController
from app.shell.project_controller import ProjectController
from app.shell.workspace import Workspace
from core.data.dataset import DataMode, ReturnsDataset
from core.pipeline import AnalysisResult, AnalysisSettings
from core.policy.profile import IPSProfile
from core.policy.profile_io import DEFAULT_PROFILE_NAME, bundled_profiles
from core.universe import Universe, default_universe

__all__ = ["ANALYSIS_JOB", "MainWindow", "analyse", "data_mode_text"]

MODE_STYLES = {
    DataMode.SYNTHETIC: "background: #fff3cd; color: #7a4f01; border: 1px solid #d9a520;",
    DataMode.MARKET: "background: #d4edda; color: #155724; border: 1px solid #5cb85c;",
    DataMode.IMPORTED: "background: #d6e4f7; color: #123d73; border: 1px solid #5b8fd4;",
}
BADGE_STYLE = "font-weight: bold; padding: 2px 8px; border-radius: 3px; {}"
PENDING_STYLE = "background: #eeeeee; color: #444444; border: 1px solid #bbbbbb;"


def data_mode_text(dataset: ReturnsDataset | None) -> str:
    """Badge text such as ``"Data: SYNTHETIC (deterministic, seed 20240601)"``."""
    if dataset is None:
        return "Data: loading…"
    prov = dataset.provenance
    if prov.mode is DataMode.SYNTHETIC:
        seed = f", seed {prov.seed}" if prov.seed is not None else ""
        return f"Data: SYNTHETIC (deterministic{seed})"
    verb = "fetched" if prov.mode is DataMode.MARKET else "read"
    fetched = f", {verb} {prov.fetched_at[:16].replace('T', ' ')} UTC" if prov.fetched_at else ""
    return f"Data: {prov.mode.value} ({prov.start[:7]} to {prov.end[:7]}{fetched})"


def data_mode_tooltip(dataset: ReturnsDataset) -> str:
    prov = dataset.provenance
    lines = [
        prov.source,
        f"{prov.months} monthly returns, {prov.start} to {prov.end}",
        f"Returns SHA-256: {prov.returns_sha256[:16]}…",
    ]
    if prov.fetched_at:
        lines.append(f"Fetched {prov.fetched_at} (UTC)")
    lines += [f"Proxy: {ticker} uses {text}" for ticker, text in prov.proxies.items()]
    if prov.mode is DataMode.SYNTHETIC:
        lines.append("Synthetic numbers are illustrative, not market history.")
    return "\n".join(lines)


class MainWindow(QMainWindow):
    """The IPS Allocation Studio window (object name ``MainWindow``)."""

    def __init__(self, parent: QWidget | None = None, *, run_at_start: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.undo_stack = QUndoStack(self)
        self.runner = JobRunner(self)
        self.analysis = AnalysisController(self, self.runner)
        self.result_ready = self.analysis.result_ready
        self.result_shown = self.analysis.result_shown
        self.analysis_failed = self.analysis.analysis_failed

        self.tabs = QTabWidget()
        self.tabs.setObjectName("tabs")
        self.setCentralWidget(self.tabs)
        self.workspace = Workspace(self.tabs, self.undo_stack, self)
        self.workspace.status_message.connect(self._on_workspace_status_message)
        self.workspace.result_replaced.connect(self.analysis.accept_result)
        self.workspace.profile_changed.connect(self._on_workspace_profile_changed)
        profiles = bundled_profiles()
        default = DEFAULT_PROFILE_NAME if DEFAULT_PROFILE_NAME in profiles else next(iter(profiles))
        self.workspace.install(default_universe(), profiles[default])  # the first workspace
        self.workspace.show_settings(self.analysis.settings)

        self.actions = WindowActions(self)
        self.action_optimize = self.actions.optimize
        self.action_undo, self.action_redo = self.actions.undo, self.actions.redo
        self.action_quit, self.action_about = self.actions.quit, self.actions.about
        self.export_controller = ExportController(self)  # File > Export report... (Ctrl+E)
        self.action_export_report = self.export_controller.action
        self.project_controller = ProjectController(self)  # File > New / Open / Save, autosave
        self.workspace.project_source = self.project_controller.current_project
        self.decision_controller = DecisionController(self)  # Committee > Decision log...
        self.data_controller = DataController(self)  # Data menu
        self.action_refresh_data = self.data_controller.action_refresh
        from app.book.controller import BookController

        self.book_controller = BookController(self)  # File > Open book... (the firm's book)
        self._build_status_bar()
        self.toolbar = build_menus_and_toolbar(self)
        self.undo_stack.cleanChanged.connect(self._on_undo_stack_clean_changed)
        self.undo_stack.indexChanged.connect(self._on_undo_stack_index_changed)
        self.workspace.project_modified.connect(self.project_controller.mark_modified)
        self.workspace.settings_requested.connect(self._on_workspace_settings_requested)
        self.update_title()
        self.show_data_mode()
        if run_at_start:
            self.optimize()

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("progress_bar")
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.hide()
        keep_place(self.progress_bar)  # its showing and hiding must not re-lay the window out
        self.disclaimer_label = QLabel(SHORT_DISCLAIMER)
        self.disclaimer_label.setObjectName("disclaimer_label")
        self.disclaimer_label.setToolTip(DISCLAIMER)
        self.disclaimer_label.setStyleSheet(theme.disclaimer_style())
        status.addPermanentWidget(self.progress_bar)
        status.addPermanentWidget(self.disclaimer_label)

    # -- pass-through names ------------------------------------------------------------------
    @property
    def result(self) -> AnalysisResult | None:
        """The result on screen (the last successful analysis)."""
        return self.analysis.result

    @property
    def dataset(self) -> ReturnsDataset | None:
        """The data set in use (None until the first one is loaded)."""
        return self.analysis.dataset

    @property
    def analysis_settings(self) -> AnalysisSettings:
        return self.analysis.settings

    @analysis_settings.setter
    def analysis_settings(self, value: AnalysisSettings) -> None:
        self.analysis.settings = value
        self.workspace.show_settings(value)

    @property
    def tab_widgets(self) -> dict[str, FeatureTab]:
        return self.workspace.tabs

    @property
    def ips_tab(self) -> IPSTab:
        return self.workspace.ips_tab

    @property
    def context(self) -> StudioContext:
        assert self.workspace.context is not None  # installed in __init__
        return self.workspace.context

    def optimize(self) -> Job:
        """Start an analysis of the current IPS in the worker; a running one is superseded."""
        return self.analysis.optimize()

    # -- state shown -------------------------------------------------------------------------
    def set_dataset(self, dataset: ReturnsDataset, *, user_choice: bool = True) -> None:
        """Use ``dataset`` from now on and re-optimize; a user's choice marks the project modified."""
        self.analysis.dataset = dataset
        self.show_data_mode()
        self.update_title()
        if user_choice:
            self.project_controller.mark_modified()
        self.optimize()

    def install_workspace(self, universe: Universe, profile: IPSProfile) -> None:
        """(Re)build every tab for ``universe`` with ``profile`` current; the undo history, the
        result on screen and the data set (unless it covers ``universe``) are dropped."""
        self.analysis.supersede()  # its result belongs to the workspace about to go
        # Dropped before the undo stack is cleared: clearing it emits indexChanged, which would
        # re-state the old result and start handing it to the tabs about to be deleted.
        self.analysis.result = None
        self.undo_stack.clear()  # its commands point at the models about to go
        self.workspace.install(universe, profile)
        self.workspace.show_settings(self.analysis.settings)
        dataset = self.analysis.dataset
        if dataset is not None and not set(universe.tickers) <= set(dataset.tickers):
            self.analysis.dataset = None
        self.update_title()
        self.show_data_mode()

    def update_title(self) -> None:
        dataset = self.analysis.dataset
        mode = f" [{dataset.mode.value}]" if dataset is not None else ""
        self.setWindowTitle(
            f"{APP_NAME} — {self.ips_tab.profile().name}{mode} — "
            f"{self.project_controller.name()}[*]"
        )

    def show_data_mode(self) -> None:
        dataset = self.analysis.dataset
        text = data_mode_text(dataset)
        colours = MODE_STYLES[dataset.mode] if dataset is not None else PENDING_STYLE
        tooltip = data_mode_tooltip(dataset) if dataset is not None else ""
        # One badge, on the toolbar (which cannot be hidden): the data mode is always in view.
        self.data_mode_label.setText(text)
        self.data_mode_label.setStyleSheet(BADGE_STYLE.format(colours))
        self.data_mode_label.setToolTip(tooltip)

    # -- slots -------------------------------------------------------------------------------
    @Slot(object)
    def _on_workspace_profile_changed(self, profile: IPSProfile) -> None:
        self.update_title()
        self.workspace.set_profile(profile)

    @Slot(object)
    def _on_workspace_settings_requested(self, fields: dict) -> None:
        """A tab chose analysis settings (the estimators): unsaved changes, and re-optimize."""
        changed = dataclasses.replace(self.analysis.settings, **fields)
        if changed == self.analysis.settings:
            return
        self.analysis_settings = changed
        self.project_controller.mark_modified()
        self.optimize()

    @Slot(str)
    def _on_workspace_status_message(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)

    @Slot(bool)
    def _on_undo_stack_clean_changed(self, _clean: bool) -> None:
        self.project_controller.update_modified()

    @Slot(int)
    def _on_undo_stack_index_changed(self, _index: int) -> None:
        self.analysis.restate_value()  # an edited account moves the dollar figures

    def set_portfolio_value(self, value: float) -> None:
        """The value behind the dollar figures when no holdings are loaded (an unsaved change)."""
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"A portfolio value must be a positive amount (got {value!r}).")
        self.analysis.settings = dataclasses.replace(self.analysis.settings, portfolio_value=value)
        self.project_controller.mark_modified()
        self.analysis.restate_value()

    @Slot()
    def ask_portfolio_value(self) -> None:
        value, ok = QInputDialog.getDouble(
            self,
            "Portfolio value",
            "Portfolio value behind dollar VaR and stress P&L, in dollars\n"
            "(while holdings are loaded, the account's own value is used):",
            self.analysis.settings.portfolio_value,
            1.0,
            1e13,
            0,
        )
        if ok:
            self.set_portfolio_value(value)
            used = self.analysis.effective_settings()
            self.statusBar().showMessage(f"Dollar figures on {used.portfolio_value_text}.", 10000)

    @Slot()
    def show_about(self) -> None:
        from app.shell.about import about_html
        from app.shell.logging_setup import log_file

        log_path = log_file()
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            about_html(self.analysis.dataset, str(log_path) if log_path else None),
        )

    # -- shutdown ----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self.project_controller.close_requested():  # Save / Discard / Cancel
            event.ignore()
            return
        settings.save_window_state(self, self.tab_widgets)
        self.analysis.supersede()  # a result still being handed to the tabs stops here
        # Shutdown is the one place where waiting is right: no job may outlive the window.
        self.runner.cancel_all()
        self.workspace.retire()
        self.runner.wait_for_done(10_000)
        super().closeEvent(event)
