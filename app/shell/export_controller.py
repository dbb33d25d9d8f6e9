"""File > Export report... (Ctrl+E): the whole committee report into a folder, off the GUI thread.

:class:`ExportController` owns the ``action_export_report`` action. Its handler is the only
place that asks for a folder (``QFileDialog``); :meth:`ExportController.export_to` then runs:

1. a worker job turning the project on screen (profile, universe, holdings, trade settings,
   custom scenarios, data) into the risk reports, stress results and rebalancing plan
   (:func:`core.report.inputs.prepare_project_report`, the path ``python -m app report
   --project`` takes too);
2. the charts, drawn on the GUI thread (pyqtgraph widgets must live there) one small step per
   event-loop turn (:func:`app.shell.chart_export.chart_steps`), so the window stays responsive;
3. a worker job publishing every file atomically (:func:`core.report.publish.publish` of
   :func:`core.report.package.write_report_package`, with :func:`app.shell.memo_pdf.render_memo_pdf`);
   the chart images are PNG-encoded into its stage folder (:func:`drawn_charts`), so a failure
   names the report file it concerns.

Progress goes to the status bar. ``export_finished(ok, text)`` reports the folder on success or
the reason on failure; a failure leaves the previous report in the folder unchanged. The files
of an earlier report that this one does not write are removed; files of the user's own are
kept and the status bar says so.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.kit.workers import Job

if TYPE_CHECKING:
    from core.data.dataset import ReturnsDataset
    from core.jobs import CancelToken, ProgressCallback
    from core.pipeline import AnalysisResult
    from core.project import Project
    from core.report.package import ReportBundle

PREPARE_JOB, PUBLISH_JOB = "export_prepare", "export_publish"


def prepare_job(
    project: Project,
    dataset: ReturnsDataset,
    analyses: list[AnalysisResult],
    *,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> ReportBundle:
    """Worker body of step 1: the project on screen through the one core path the headless
    report also takes (:func:`core.report.inputs.prepare_project_report`); the result on
    screen is reused when it was computed from the same inputs."""
    from core.report.inputs import prepare_project_report

    # The Outlook files follow the project's Outlook settings (the Outlook tab's); a project
    # with what-if branches gets the Policy Comparison (as `report --branches all` writes it).
    return prepare_project_report(
        project,
        dataset,
        analyses=analyses,
        branches=len(project.branches.names) > 1,
        progress=progress,
        cancel=cancel,
    )


def drawn_charts(images: list[tuple[str, Any]], cancel: CancelToken) -> Callable[..., list[Path]]:
    """A chart writer (:data:`core.report.package.ChartWriter`) that PNG-encodes the images drawn
    on the GUI thread straight into the report's stage folder.

    Written there, a failure (a full disk) is reported by the publisher as the report file it
    would have become (``<folder>/charts/<name>.png``), not as a private temporary path.
    """
    from app.shell.chart_export import ChartExportError, save_image

    def write(*_inputs: object, **_plans: object) -> list[Path]:
        target = Path(_inputs[3])  # (results, risk_reports, stress_results, folder)
        paths = []
        for name, image in images:
            cancel.raise_if_cancelled()
            try:
                paths.append(save_image(image, target / name))
            except ChartExportError:  # QImage.save says only "no"; a full disk is the usual why
                full = shutil.disk_usage(target).free < _FULL_DISK_BYTES
                raise OSError(
                    errno.ENOSPC if full else errno.EIO,
                    os.strerror(errno.ENOSPC) if full else "the chart image could not be written",
                    str(target / name),
                ) from None
        return paths

    return write


_FULL_DISK_BYTES = 1 << 20


def publish_job(
    bundle: ReportBundle,
    folder: str,
    charts: Path | None,
    images: list[tuple[str, Any]] | None = None,
    *,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> list[Path]:
    """Worker body of step 3: stage every file (the drawn chart images PNG-encoded into the
    stage), then move them into ``folder`` together.

    ``charts`` is a folder of chart images already written (used when ``images`` is empty).
    """
    from app.shell.memo_pdf import render_memo_pdf
    from core.report.package import write_report_package
    from core.report.publish import publish

    chart_source = drawn_charts(images, cancel) if images else charts
    return publish(
        folder,
        lambda stage: write_report_package(
            bundle,
            stage,
            charts=chart_source,
            render_pdf=render_memo_pdf,
            progress=progress,
            cancel=cancel,
        ),
    )


class ExportController(QObject):
    """The export action of a :class:`~app.shell.main_window.MainWindow` (module docstring)."""

    export_finished = Signal(bool, str)
    """(True, folder) after a successful export; (False, reason) after a failure."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._window = window
        self._folder = ""
        self._last_folder = ""
        self._charts_dir: Path | None = None
        self._bundle: ReportBundle | None = None
        self._chart_steps: Iterator[tuple[str, Any] | None] | None = None
        self._images: list[tuple[str, Any]] = []
        self._step_timer = QTimer(self)  # a real zero timer: input and painting run between steps
        self._step_timer.setSingleShot(True)
        self._step_timer.setInterval(0)
        self._step_timer.timeout.connect(self._on_chart_step)
        self.action = QAction("&Export report…", window)
        self.action.setObjectName("action_export_report")
        self.action.setShortcut(QKeySequence("Ctrl+E"))
        self.action.setToolTip(
            "Write the workbook, memo (Markdown and PDF), CSVs and charts into a folder (Ctrl+E)"
        )
        self.action.setStatusTip(self.action.toolTip())
        self.action.triggered.connect(self._on_action_triggered)

    # -- state -------------------------------------------------------------------------------
    def is_running(self) -> bool:
        runner = self._window.runner
        return (
            runner.is_running(PREPARE_JOB)
            or runner.is_running(PUBLISH_JOB)
            or self._charts_dir is not None
        )

    def _status(self, text: str, timeout: int = 0) -> None:
        self._window.statusBar().showMessage(text, timeout)

    # -- the action ----------------------------------------------------------------------------
    @Slot()
    def _on_action_triggered(self) -> None:
        if self._window.result is None:
            self._status("Nothing to export yet: wait for the first analysis.", 8000)
            return
        folder = QFileDialog.getExistingDirectory(
            self._window, "Export the committee report to a folder", self._last_folder
        )
        if folder:
            self.export_to(folder)

    def export_to(self, folder: str | Path) -> Job | None:
        """Export the result on screen into ``folder``; returns the first job (None when refused)."""
        result = self._window.result
        if result is None or self.is_running():
            self._status(
                "An export is already running." if result is not None else "Nothing to export yet.",
                8000,
            )
            return None
        self._folder = self._last_folder = str(folder)
        self.action.setEnabled(False)
        project = self._window.project_controller.current_project()
        job = self._window.runner.start(
            Job(PREPARE_JOB, prepare_job, project, result.dataset, [result])
        )
        job.connect(
            progress=self._on_job_progress,
            result=self._on_prepare_result,
            error=self._on_job_error,
            cancelled=self._on_job_cancelled,
        )
        self._status("Exporting the report… preparing")
        return job

    @Slot(float, str)
    def _on_job_progress(self, fraction: float, message: str) -> None:
        self._status(f"Exporting the report… {fraction:.0%} {message}")

    @Slot(object)
    def _on_prepare_result(self, bundle: ReportBundle) -> None:
        # The pick stability the user measured in the Allocation tab goes into the report.
        answer = self._window.tab_widgets["allocation"].pick_stability_panel.answer
        if answer is not None and answer.recommended == bundle.results[0].recommended_name:
            bundle = dataclasses.replace(bundle, pick_stability=(answer,))
        self._status("Exporting the report… drawing the charts")
        self._charts_dir = Path(tempfile.mkdtemp(prefix="ips-charts-"))
        self._bundle, self._images = bundle, []
        try:
            from app.shell.chart_export import chart_steps

            self._chart_steps = chart_steps(
                bundle.results,
                bundle.risk_reports,
                bundle.stress_results,
                plans=bundle.plans,
                outlooks=bundle.outlooks,
            )
        except Exception as exc:  # noqa: BLE001 - any drawing failure is reported, never swallowed
            self._finish(False, f"The charts could not be drawn: {exc}")
            return
        self._step_timer.start()

    @Slot()
    def _on_chart_step(self) -> None:
        """One piece of chart drawing per event-loop turn; the publish job once all are drawn."""
        if self._chart_steps is None:
            return
        try:
            step = next(self._chart_steps)
        except StopIteration:
            self._chart_steps = None
            self._start_publish()
            return
        except Exception as exc:  # noqa: BLE001 - any drawing failure is reported, never swallowed
            self._chart_steps = None
            self._finish(False, f"The charts could not be drawn: {exc}")
            return
        if step is not None:
            self._images.append(step)
            self._status(f"Exporting the report… drawing the charts ({len(self._images)} done)")
        self._step_timer.start()

    def _start_publish(self) -> None:
        bundle, images = self._bundle, self._images
        self._bundle, self._images = None, []
        job = self._window.runner.start(
            Job(PUBLISH_JOB, publish_job, bundle, self._folder, self._charts_dir, images)
        )
        job.connect(
            progress=self._on_job_progress,
            result=self._on_publish_result,
            error=self._on_job_error,
            cancelled=self._on_job_cancelled,
        )

    @Slot(object)
    def _on_publish_result(self, paths: list[Path]) -> None:
        from core.report.publish import unlisted_files

        kept = unlisted_files(self._folder)
        note = f"; kept {len(kept)} file(s) of your own: {', '.join(kept[:3])}" if kept else ""
        self._finish(True, self._folder, count=len(paths), note=note)

    @Slot(str)
    def _on_job_error(self, message: str) -> None:
        self._finish(False, message)

    @Slot()
    def _on_job_cancelled(self) -> None:
        self._finish(False, "The export was cancelled; the previous report is unchanged.")

    def _finish(self, ok: bool, text: str, *, count: int = 0, note: str = "") -> None:
        if self._chart_steps is not None:
            self._chart_steps.close()  # deletes the figure being drawn
            self._chart_steps = None
        self._bundle, self._images = None, []
        if self._charts_dir is not None:
            shutil.rmtree(self._charts_dir, ignore_errors=True)
            self._charts_dir = None
        self.action.setEnabled(True)
        if ok:
            self._status(f"Report exported to {text} ({count} files{note}).", 15000)
        else:
            self._status("Export failed; the previous report is unchanged.", 15000)
            QMessageBox.warning(self._window, "Export failed", text)
        self.export_finished.emit(ok, text)
