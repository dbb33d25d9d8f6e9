"""The contract between the window and a feature's tab.

A feature is one package under ``app/`` (``app/stress/``: its tab, panels, charts, jobs and
models) and one :class:`Feature` line in :data:`app.features.FEATURES`. Its tab subclasses
:class:`FeatureTab`, which declares everything the window, the project and the export
controllers may ask of a tab, each with a default that means "this tab does not offer it":

===========================  ==========================================================
capability                   what the tab overrides
===========================  ==========================================================
results                      ``SHOWS_RESULTS = True`` and :meth:`FeatureTab.show_result`
IPS edits                    :meth:`FeatureTab.set_profile` (the shown result may be stale)
messages                     emits :attr:`FeatureTab.status_message` (status bar)
unsaved changes              emits :attr:`FeatureTab.project_modified` when a project field
                             changes outside the undo stack (a setting)
a new analysis result        emits :attr:`FeatureTab.result_replaced` (e.g. a resampled
                             candidate added to the result on screen)
analysis settings            emits :attr:`FeatureTab.settings_requested` (the window applies
                             the fields, marks the project modified and re-optimizes) and
                             shows them in :meth:`FeatureTab.show_settings`
another IPS                  emits :attr:`FeatureTab.profile_requested` (the IPS tab makes
                             it current as one undo step)
jobs                         sets :attr:`FeatureTab.runner` (a :class:`JobRunner` it owns)
deferred drawing             sets :attr:`FeatureTab.deferred` (a :class:`DeferredWork`)
project state and report     :meth:`FeatureTab.project_fields` and
                             :meth:`FeatureTab.restore_project`: the committee report is
                             built from the project on screen (:mod:`core.report.inputs`,
                             the same path as ``python -m app report --project``), so what a
                             tab puts in the project is what it contributes to the report
scrolling page               :meth:`FeatureTab.full_page` (screenshots of the whole page)
===========================  ==========================================================

Controllers iterate over every tab and call these; nothing probes attribute names.

Object lifetime: the one place these rules are written. Read them before changing a tab, a
chart, an export or a job; ``bench/soak.py`` (issue 13) checks them over hundreds of cycles.

Who owns what

* The window owns every tab (Qt parent: the tab widget). A workspace rebuild or the window's
  close calls :meth:`FeatureTab.retire` on each tab first: deferred drawing is dropped and the
  tab's running jobs are cancelled. A tab's :class:`JobRunner` may outlive its tab until its
  jobs finish: the window re-parents it to itself (``retire`` returns it) and drops it when
  idle; a job's result is delivered to the runner, never to a tab that is gone.
* A tab owns its charts. A chart is a pyqtgraph widget made on first use inside a
  :class:`~app.kit.views.ChartSlot`, a child of the tab, so it lives exactly as long as its tab;
  nothing keeps a chart in a module or class variable, and a chart's timers and deferred calls
  name it as their context (``QTimer.singleShot(0, chart, fn)``) so they die with it.
* Export figures belong to no tab: :func:`app.shell.chart_export.chart_steps` makes each one
  top-level, renders it and deletes it in the same step (or when the export is abandoned).

When a Qt object may be deleted

* Inside the window: with ``deleteLater()``, never ``del``: queued events, timers and the call
  stack may still name the object; the event loop deletes it once control returns there.
* ``deleteLater()`` needs an event loop. With none running (the headless report, a test
  between two loops) the object waits for a loop that never comes and is torn down at
  interpreter exit, after the ``QApplication``: a crash. Code that must free Qt objects with no
  loop deletes them directly (``shiboken6.delete``), on their own thread and never from inside
  one of their own event handlers or signals (``chart_export._dispose``). Never flush
  ``DeferredDelete`` events by hand: that deletes every other pending object too.
* Nothing is frozen out of the garbage collector (``gc.freeze()`` is not used): pyqtgraph objects
  live in reference cycles, and frozen ones kept dead views registered until a later paint
  crashed on them. A tab's Python side is freed by the cyclic collector, its C++ side by Qt.
* The cyclic collector runs on the GUI thread only (:mod:`app.kit.collector`, installed by
  ``run_gui``, the smoke test, the screenshots and the test suite): run automatically it fired
  in whichever thread allocated, and a collection in a rebalance worker freed Qt wrappers of the
  GUI thread mid-paint (a segmentation fault). Anything that makes a window and runs jobs
  installs it first.

Which thread may do what

* The GUI thread alone makes, changes and deletes widgets and imports Qt-based modules
  (PySide6, pyqtgraph, our chart modules). pyqtgraph is imported by the first chart drawn
  (``ChartSlot``), never to open the window and never in another thread: importing Qt extension
  modules off the GUI thread is nothing Qt or pyqtgraph promise, and it crashed at exit.
* Workers are :class:`~app.kit.workers.Job` runnables of a :class:`JobRunner` (no bare
  ``threading.Thread``). Their bodies are plain functions of ``core`` data (``jobs.py`` of each
  feature) that import only ``core`` and non-Qt libraries (numpy, openpyxl) and never touch a
  widget; their answers reach the GUI thread through queued signals. Quitting cancels and waits
  for every job (``app.__main__.run_gui``, ``MainWindow.closeEvent``): no thread outlives the
  window.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from app.kit.context import StudioContext
    from app.kit.deferred import DeferredWork
    from app.kit.workers import JobRunner
    from core.pipeline import AnalysisResult, AnalysisSettings
    from core.policy.profile import IPSProfile
    from core.project import Project


class FeatureTab(QWidget):
    """Base class of every feature's tab: the capabilities of the module docstring."""

    SHOWS_RESULTS: ClassVar[bool] = False
    """True when the tab shows analysis results (the window hands each new one to it)."""

    status_message = Signal(str)
    """A message for the window's status bar (a refused edit, a failed job)."""
    result_replaced = Signal(object)
    """A new :class:`~core.pipeline.AnalysisResult` made by this tab replaces the one on screen."""
    project_modified = Signal()
    """A project field changed outside the undo stack (e.g. a trade setting): unsaved changes."""
    settings_requested = Signal(object)
    """A request to change :class:`~core.pipeline.AnalysisSettings` fields (keyword: value), e.g.
    the estimators chosen on the Allocation tab; the window applies them and re-optimizes."""
    profile_requested = Signal(object, str)
    """A request to make an :class:`~core.policy.profile.IPSProfile` the one edited, as one undo
    step named by the text (e.g. a what-if branch switched to); the IPS tab applies it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner: JobRunner | None = None
        self.deferred: DeferredWork | None = None
        self._page: QWidget | None = None

    # -- results and IPS edits -----------------------------------------------------------------
    def show_result(self, result: AnalysisResult) -> None:
        """Show a new analysis result (only called when :attr:`SHOWS_RESULTS`)."""

    def set_profile(self, profile: IPSProfile) -> None:
        """The IPS on screen changed: what the tab shows may now be stale."""

    def show_settings(self, settings: AnalysisSettings) -> None:
        """The window's analysis settings (a project opened, a request applied)."""

    # -- jobs ----------------------------------------------------------------------------------
    def busy(self) -> bool:
        """True while one of the tab's own jobs runs (screenshots and benchmarks wait)."""
        return self.runner is not None and not self.runner.idle()

    def retire(self) -> JobRunner | None:
        """Stop drawing and cancel every job, before the tab goes. Returns the tab's job runner
        when jobs are still winding down: the caller keeps it alive until it is idle."""
        if self.deferred is not None:
            self.deferred.clear()
        if self.runner is None:
            return None
        self.runner.cancel_all()
        return None if self.runner.idle() else self.runner

    # -- project state (and so the report) -----------------------------------------------------------
    def project_fields(self) -> dict[str, Any]:
        """The :class:`~core.project.Project` fields this tab owns, as keyword arguments."""
        return {}

    def restore_project(self, project: Project) -> None:
        """Show the fields of ``project`` this tab owns (no undo step)."""

    def full_page(self) -> QWidget | None:
        """The whole scrolling page, when the tab scrolls (for full-page screenshots)."""
        return self._page

    def scrolling_page(self, object_name: str) -> QWidget:
        """The widget to lay the tab's content out on, inside a frameless scroll area that fills
        the tab: the content keeps its own minimum size and scrolls in a small window (a
        1280x720 screen) instead of forcing the window's minimum size up."""
        from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout

        scroll = QScrollArea(self)
        scroll.setObjectName(object_name)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        page = QWidget()
        scroll.setWidget(page)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._page = page
        return page


@dataclass(frozen=True)
class Feature:
    """One registered feature: a key (used in object names), its tab title and its tab class."""

    key: str
    title: str
    module: str
    class_name: str

    def create(self, context: StudioContext, parent: QWidget | None = None) -> FeatureTab:
        """Import the tab module (lazily: heavy imports wait for window creation) and build it."""
        cls = getattr(importlib.import_module(self.module), self.class_name)
        if not (isinstance(cls, type) and issubclass(cls, FeatureTab)):
            raise TypeError(f"{self.module}.{self.class_name} is not a FeatureTab")
        widget = cls(context, parent)
        widget.setObjectName(f"tab_{self.key}")
        return widget


def merged(
    tabs: Mapping[str, FeatureTab], fields_of: Callable[[FeatureTab], dict[str, Any]]
) -> dict[str, Any]:
    """The keyword arguments every tab gives (e.g. ``FeatureTab.project_fields``), merged;
    two tabs claiming one key is a programming error."""
    out: dict[str, Any] = {}
    for key, tab in tabs.items():
        fields = fields_of(tab)
        clash = set(out) & set(fields)
        if clash:
            raise RuntimeError(f"tab {key!r} claims {sorted(clash)}, already given by another tab")
        out.update(fields)
    return out
