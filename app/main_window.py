"""The main window: tabs from the registry, the Optimize action, undo, data-mode badge.

The window owns the undo stack, the job runner, the data set in use and the latest
:class:`AnalysisResult`. It asks :func:`core.pipeline.run_analysis` for results in a worker
thread and hands them to every tab; a failed run leaves the previous result on screen and says
why. Projects (File menu) live in :mod:`app.project_controller`, the Data menu in
:mod:`app.data_controller`, the export in :mod:`app.export_controller`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSizePolicy,
    QTabWidget,
    QToolBar,
    QWidget,
)

from app import APP_NAME, DISCLAIMER, SHORT_DISCLAIMER, prewarm, settings, theme
from app.context import StudioContext
from app.data_controller import DataController
from app.export_controller import ExportController
from app.project_controller import ProjectController
from app.tabs import TABS
from app.views import keep_place
from app.workers import Job, JobRunner
from core.data.dataset import DataMode, ReturnsDataset
from core.jobs import CancelToken, ProgressCallback
from core.pipeline import AnalysisResult, AnalysisSettings, run_analysis
from core.policy.profile import IPSProfile
from core.policy.profile_io import DEFAULT_PROFILE_NAME, bundled_profiles
from core.universe import Universe, default_universe

ANALYSIS_JOB = "analysis"
MODE_STYLES = {
    DataMode.SYNTHETIC: "background: #fff3cd; color: #7a4f01; border: 1px solid #d9a520;",
    DataMode.MARKET: "background: #d4edda; color: #155724; border: 1px solid #5cb85c;",
    DataMode.IMPORTED: "background: #d6e4f7; color: #123d73; border: 1px solid #5b8fd4;",
}
BADGE_STYLE = "font-weight: bold; padding: 2px 8px; border-radius: 3px; {}"
PENDING_STYLE = "background: #eeeeee; color: #444444; border: 1px solid #bbbbbb;"


def analyse(
    profile: IPSProfile,
    dataset: ReturnsDataset | None,
    universe: Universe | None = None,
    settings: AnalysisSettings | None = None,
    *,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> AnalysisResult:
    """Worker body: synthetic data for the universe on first use, then the analysis."""
    if dataset is None:
        from core.data.synthetic import generate_synthetic_dataset

        progress(0.0, "Loading data")
        dataset = generate_synthetic_dataset(universe)
        cancel.raise_if_cancelled()
    return run_analysis(profile, dataset, universe, settings, progress=progress, cancel=cancel)


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

    result_ready = Signal(object)
    """A new result was handed to every tab (the last of them a few event-loop turns later)."""
    result_shown = Signal(object)
    """A new result is on screen: the tab being looked at shows it (the others follow)."""
    analysis_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, run_at_start: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.undo_stack = QUndoStack(self)
        self.runner = JobRunner(self)
        self.analysis_settings = AnalysisSettings()
        self._dataset: ReturnsDataset | None = None
        self._result: AnalysisResult | None = None
        self._retired_runners: list[JobRunner] = []
        self._delivery = 0  # generation of the result being handed to the tabs
        self._next_delivery: Any = None
        self._delivery_timer = QTimer(self)
        self._delivery_timer.setSingleShot(True)
        self._delivery_timer.setInterval(0)
        self._delivery_timer.timeout.connect(self._on_delivery_timer_timeout)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("tabs")
        self.tab_widgets: dict[str, Any] = {}
        self.setCentralWidget(self.tabs)
        profiles = bundled_profiles()
        default = DEFAULT_PROFILE_NAME if DEFAULT_PROFILE_NAME in profiles else next(iter(profiles))
        self.install_workspace(default_universe(), profiles[default])

        self._build_actions()
        self.export_controller = ExportController(self)  # File > Export report... (Ctrl+E)
        self.action_export_report = self.export_controller.action
        self.project_controller = ProjectController(self)  # File > New / Open / Save, autosave
        self.data_controller = DataController(self)  # Data menu
        self.action_refresh_data = self.data_controller.action_refresh
        self._build_status_bar()
        self._build_menus_and_toolbar()
        self.undo_stack.cleanChanged.connect(self._on_undo_stack_clean_changed)
        self.update_title()
        self._show_data_mode()
        if run_at_start:
            self.optimize()

    # -- construction ----------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.action_optimize = QAction("&Optimize", self)
        self.action_optimize.setObjectName("action_optimize")
        self.action_optimize.setShortcut(QKeySequence("Ctrl+R"))
        self.action_optimize.setToolTip(
            "Recompute the candidates and the IPS Recommended portfolio (Ctrl+R)"
        )
        self.action_optimize.setStatusTip(self.action_optimize.toolTip())
        self.action_optimize.triggered.connect(self._on_action_optimize_triggered)

        self.action_undo = self.undo_stack.createUndoAction(self, "&Undo")
        self.action_undo.setObjectName("action_undo")
        self.action_undo.setShortcut(QKeySequence("Ctrl+Z"))
        self.action_redo = self.undo_stack.createRedoAction(self, "&Redo")
        self.action_redo.setObjectName("action_redo")
        self.action_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])

        self.action_quit = QAction("&Quit", self)
        self.action_quit.setObjectName("action_quit")
        self.action_quit.setShortcut(QKeySequence("Ctrl+Q"))
        self.action_quit.setToolTip(
            "Close the window; unsaved changes are asked about first (Ctrl+Q)"
        )
        self.action_quit.triggered.connect(self.close)
        self.action_about = QAction(f"&About {APP_NAME}", self)
        self.action_about.setObjectName("action_about")
        self.action_about.setShortcut(QKeySequence("F1"))
        self.action_about.setToolTip("Version, data sources and the disclaimer (F1)")
        self.action_about.triggered.connect(self._on_action_about_triggered)

    def _badge(self, object_name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(object_name)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label

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
        self.status_data_mode_label = self._badge("status_data_mode_label")
        status.addPermanentWidget(self.progress_bar)
        status.addPermanentWidget(self.disclaimer_label)
        status.addPermanentWidget(self.status_data_mode_label)

    def _build_menus_and_toolbar(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        self.project_controller.build_menu(file_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.action_export_report)
        file_menu.addSeparator()
        file_menu.addAction(self.action_quit)
        edit_menu = menus.addMenu("&Edit")
        edit_menu.addAction(self.action_undo)
        edit_menu.addAction(self.action_redo)
        analysis_menu = menus.addMenu("&Analysis")
        analysis_menu.addAction(self.action_optimize)
        self.data_controller.build_menu(menus.addMenu("&Data"))
        help_menu = menus.addMenu("&Help")
        help_menu.addAction(self.action_about)

        toolbar = QToolBar("Main toolbar")
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.action_optimize)
        toolbar.addAction(self.action_refresh_data)
        toolbar.addSeparator()
        toolbar.addAction(self.action_undo)
        toolbar.addAction(self.action_redo)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        self.data_mode_label = self._badge("data_mode_label")
        toolbar.addWidget(self.data_mode_label)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar

    # -- state shown -----------------------------------------------------------------------
    @property
    def result(self) -> AnalysisResult | None:
        """The result on screen (the last successful analysis)."""
        return self._result

    @property
    def dataset(self) -> ReturnsDataset | None:
        """The data set in use (None until the first one is loaded)."""
        return self._dataset

    def set_dataset(self, dataset: ReturnsDataset, *, user_choice: bool = True) -> None:
        """Use ``dataset`` from now on and re-optimize; a user's choice marks the project modified."""
        self._dataset = dataset
        self._show_data_mode()
        self.update_title()
        if user_choice:
            self.project_controller.mark_modified()
        self.optimize()

    def install_workspace(self, universe: Universe, profile: IPSProfile) -> None:
        """(Re)build every tab for ``universe`` with ``profile`` current; the undo history, the
        result on screen and the data set (unless it covers ``universe``) are dropped."""
        self.runner.cancel(ANALYSIS_JOB)  # its result belongs to the workspace about to go
        self._delivery += 1  # and so does a result still being handed to the tabs
        self.undo_stack.clear()  # its commands point at the models about to go
        for widget in self.tab_widgets.values():
            if hasattr(widget, "deferred"):
                widget.deferred.clear()  # nothing may be drawn on a tab about to go
            runner = getattr(widget, "runner", None)
            if isinstance(runner, JobRunner):  # outlives its tab until its jobs have finished
                runner.cancel_all()
                runner.setParent(self)
                self._retired_runners.append(runner)
            widget.deleteLater()
        self._retired_runners = [r for r in self._retired_runners if not r.idle()]
        self.tabs.clear()
        profiles = bundled_profiles()
        profiles.setdefault(profile.name, profile)
        self.context = StudioContext(self.undo_stack, universe, profiles, profile.name)
        self.tab_widgets = {spec.key: spec.create(self.context, self.tabs) for spec in TABS}
        for spec in TABS:
            self.tabs.addTab(self.tab_widgets[spec.key], spec.title)
            if hasattr(self.tab_widgets[spec.key], "status_message"):
                self.tab_widgets[spec.key].status_message.connect(self._on_tab_status_message)
            if hasattr(
                self.tab_widgets[spec.key], "result_replaced"
            ):  # e.g. a resampled candidate added
                self.tab_widgets[spec.key].result_replaced.connect(self._on_job_result)
        self.ips_tab = self.tab_widgets["ips"]
        if self.ips_tab.profile() != profile:
            self.ips_tab.constraints_model.replace_profile(profile)
            self.undo_stack.clear()
        self.ips_tab.profile_changed.connect(self._on_ips_tab_profile_changed)
        settings.restore_splitters(self.tab_widgets)
        self._result = None
        if self._dataset is not None and not set(universe.tickers) <= set(self._dataset.tickers):
            self._dataset = None
        if hasattr(self, "project_controller"):
            self.update_title()
            self._show_data_mode()

    def update_title(self) -> None:
        mode = f" [{self._dataset.mode.value}]" if self._dataset is not None else ""
        self.setWindowTitle(
            f"{APP_NAME} — {self.ips_tab.profile().name}{mode} — "
            f"{self.project_controller.name()}[*]"
        )

    def _show_data_mode(self) -> None:
        text = data_mode_text(self._dataset)
        colours = MODE_STYLES[self._dataset.mode] if self._dataset is not None else PENDING_STYLE
        tooltip = data_mode_tooltip(self._dataset) if self._dataset is not None else ""
        for label in (self.data_mode_label, self.status_data_mode_label):
            label.setText(text)
            label.setStyleSheet(BADGE_STYLE.format(colours))
            label.setToolTip(tooltip)

    # -- optimize --------------------------------------------------------------------------
    def optimize(self) -> Job:
        """Start an analysis of the current IPS in the worker; a running one is superseded."""
        job = self.runner.start(
            Job(
                ANALYSIS_JOB,
                analyse,
                self.ips_tab.profile(),
                self._dataset,
                self.context.universe,
                self.analysis_settings,
            )
        )
        # Connected after start on purpose: the runner's own finished handler runs first,
        # so is_running() is already False in ours. Nothing is missed (see app.workers).
        job.signals.started.connect(self._on_job_started)
        job.signals.progress.connect(self._on_job_progress)
        job.signals.result.connect(self._on_job_result)
        job.signals.error.connect(self._on_job_error)
        job.signals.finished.connect(self._on_job_finished)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("Starting…")
        self.progress_bar.show()
        return job

    @Slot()
    def _on_action_optimize_triggered(self) -> None:
        self.optimize()

    @Slot()
    def _on_job_started(self) -> None:
        self.statusBar().showMessage(f"Optimizing {self.ips_tab.profile().name}…")

    @Slot(float, str)
    def _on_job_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(round(fraction * 100))
        self.progress_bar.setFormat(f"{message} %p%")

    @Slot(object)
    def _on_job_result(self, result: AnalysisResult) -> None:
        """Hand ``result`` to the tab on screen now and to each other tab in a later event-loop
        turn (one tab a turn: the GUI thread never spends long in one go), then emit
        ``result_ready``. A newer result supersedes the delivery of this one."""
        self._result = result
        self._dataset = result.dataset
        self._delivery += 1
        current = self.tabs.currentWidget()
        receivers = sorted(
            (w for w in self.tab_widgets.values() if hasattr(w, "show_result")),
            key=lambda w: w is not current,
        )
        self.update_title()
        self._show_data_mode()
        self.statusBar().showMessage(
            f"Optimized {result.profile.name}: IPS Recommended is {result.recommended_name}.", 8000
        )
        if (
            current not in receivers
        ):  # the tab on screen (the IPS) shows no results: the window is up to date
            self.result_shown.emit(result)
        self._deliver(self._delivery, result, receivers)

    @Slot()
    def _on_delivery_timer_timeout(self) -> None:
        step, self._next_delivery = self._next_delivery, None
        if step is not None:
            step()

    def _deliver(
        self, delivery: int, result: AnalysisResult, receivers: list[Any], *, first: bool = True
    ) -> None:
        if delivery != self._delivery:
            return  # superseded by a newer result (or a new workspace)
        if receivers:
            receivers[0].show_result(result)
            if first and receivers[0] is self.tabs.currentWidget():  # served first: now on screen
                self.result_shown.emit(result)
            if len(receivers) > 1:
                self._next_delivery = lambda: self._deliver(
                    delivery, result, receivers[1:], first=False
                )
                self._delivery_timer.start()  # a real timer: input and painting get their turn
                return
        current = self.ips_tab.profile()
        if current != result.profile:
            self._on_ips_tab_profile_changed(current)
        self.result_ready.emit(result)
        prewarm.start()  # charts' modules, off the GUI thread, while the first result is read

    @Slot(str)
    def _on_job_error(self, message: str) -> None:
        self.statusBar().showMessage(
            "Optimization failed; the previous result is still shown.", 10000
        )
        self.analysis_failed.emit(message)
        if (
            getattr(self.sender(), "unexpected_details", None) is None
        ):  # else the error dialog shows it
            QMessageBox.warning(
                self, "Optimization failed", f"{message}\n\nThe previous result is still shown."
            )

    @Slot()
    def _on_job_finished(self) -> None:
        if not self.runner.is_running(ANALYSIS_JOB):
            self.progress_bar.hide()

    # -- IPS edits -------------------------------------------------------------------------
    @Slot(object)
    def _on_ips_tab_profile_changed(self, profile: IPSProfile) -> None:
        self.update_title()
        for widget in self.tab_widgets.values():
            if hasattr(widget, "set_profile"):
                widget.set_profile(profile)

    @Slot(str)
    def _on_tab_status_message(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)

    @Slot(bool)
    def _on_undo_stack_clean_changed(self, _clean: bool) -> None:
        self.project_controller.update_modified()

    @Slot()
    def _on_action_about_triggered(self) -> None:
        from app.about import about_html
        from app.logging_setup import log_file

        log_path = log_file()
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            about_html(self._dataset, str(log_path) if log_path else None),
        )

    # -- shutdown --------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self.project_controller.close_requested():  # Save / Discard / Cancel
            event.ignore()
            return
        settings.save_window_state(self, self.tab_widgets)
        self._delivery += 1  # a result still being handed to the tabs stops here
        # Shutdown is the one place where waiting is right: no job may outlive the window.
        self.runner.cancel_all()
        for widget in self.tab_widgets.values():
            if hasattr(widget, "deferred"):
                widget.deferred.clear()
            if isinstance(getattr(widget, "runner", None), JobRunner):
                widget.runner.cancel_all()
        self.runner.wait_for_done(10_000)
        super().closeEvent(event)
