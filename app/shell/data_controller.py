"""The Data menu: refresh market data, synthetic / cached / imported data, edit the universe.

:class:`DataController` owns the Data actions. Every data source is loaded by a worker job of
one kind (:data:`DATA_JOB`, so starting one cancels the previous one) running a pure body of
this module; the window receives the finished :class:`~core.data.dataset.ReturnsDataset` only
on success (:meth:`app.shell.main_window.MainWindow.set_dataset`, which re-optimizes). A failure or a
cancel leaves the data in use untouched: a dataset is always whole and of one mode.

Tests inject ``downloader`` (a stand-in for ``yfinance.download``) and ``cache`` (a
:class:`~core.data.cache.PriceCache` in a temporary folder); None means yfinance and the
per-user cache. ``data_finished(ok, text)`` reports every outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from app.kit.views import status_job_widgets
from app.kit.workers import Job
from app.shell.actions import make_action
from core.data.dataset import DataMode

if TYPE_CHECKING:
    from core.data.cache import PriceCache
    from core.data.dataset import ReturnsDataset
    from core.jobs import CancelToken, ProgressCallback
    from core.universe import Universe

DATA_JOB = "data"


# -- worker bodies (no Qt) ---------------------------------------------------------------------
def market_job(
    universe: Universe,
    cache: PriceCache | None,
    downloader: Callable[..., Any] | None,
    factor_downloader: Callable[[str], bytes] | None = None,
    fetch_factors: bool = True,
    *,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> ReturnsDataset:
    """Prices first (all-or-nothing); then the Fama-French factors, attached only if they cover
    every month. A factor failure keeps the prices and says so in the provenance notes."""
    import dataclasses

    from core.data import french
    from core.data.market import fetch_market_dataset
    from core.errors import DataError

    dataset = fetch_market_dataset(
        universe, cache=cache, downloader=downloader, progress=progress, cancel=cancel
    )
    if not fetch_factors:
        return dataset
    progress(0.95, "Downloading the Fama-French factors")
    try:
        factors = french.fetch_french_factors(
            downloader=factor_downloader,
            cache_dir=cache.path.parent if cache is not None else None,
            cancel=cancel,
        )
        return french.attach_factors(dataset, factors)
    except DataError as exc:
        note = (
            f"Fama-French factors not attached ({exc}); the equity factor regressions use the market "
            "proxy only."
        )
        return dataclasses.replace(
            dataset,
            provenance=dataclasses.replace(
                dataset.provenance, notes=(*dataset.provenance.notes, note)
            ),
        )


def cached_job(
    universe: Universe, cache: PriceCache | None, *, progress: ProgressCallback, cancel: CancelToken
) -> ReturnsDataset:
    from core.data.market import load_cached_market_dataset

    progress(0.1, "Reading the local market-data cache")
    dataset = load_cached_market_dataset(universe, cache)
    cancel.raise_if_cancelled()
    return dataset


def synthetic_job(
    universe: Universe, *, progress: ProgressCallback, cancel: CancelToken
) -> ReturnsDataset:
    from core.data.synthetic import generate_synthetic_dataset

    progress(0.1, "Generating synthetic returns")
    dataset = generate_synthetic_dataset(universe)
    cancel.raise_if_cancelled()
    return dataset


def import_job(
    path: str, universe: Universe, *, progress: ProgressCallback, cancel: CancelToken
) -> ReturnsDataset:
    from core.data.importer import load_returns_file

    progress(0.1, f"Reading {path}")
    dataset = load_returns_file(path, universe)
    cancel.raise_if_cancelled()
    return dataset


class DataController(QObject):
    """The Data menu of a :class:`~app.shell.main_window.MainWindow` (module docstring)."""

    data_finished = Signal(bool, str)
    """(True, description) when new data is in use; (False, reason) after a failure or cancel."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._window = window
        self.downloader: Callable[..., Any] | None = None
        self.factor_downloader: Callable[[str], bytes] | None = None
        """Fetches the Fama-French zip; tests inject one. With an injected price downloader and
        no factor downloader, factors are not fetched (so a test never reaches the network)."""
        self.cache: PriceCache | None = None
        self.import_path: str | None = None
        """The file of the IMPORTED data in use (saved with the project)."""
        self._pending_import: str | None = None
        self._job: Job | None = None
        self._label = ""
        self._fallback = False  # a project's data that cannot be loaded falls back to synthetic
        self._user_choice = True

        self.action_refresh = make_action(
            window,
            "action_refresh_data",
            "&Refresh market data",
            "F5",
            "Download the universe's adjusted closes from Yahoo Finance and re-optimize",
        )
        self.action_cancel = make_action(
            window,
            "action_cancel_refresh",
            "&Cancel refresh",
            "Shift+F5",
            "Stop the data download; the data in use stays",
        )
        self.action_cancel.setEnabled(False)
        self.action_synthetic = make_action(
            window,
            "action_use_synthetic",
            "Use &synthetic data",
            "Ctrl+Shift+Y",
            "Switch to the deterministic synthetic data set",
        )
        self.action_cached = make_action(
            window,
            "action_use_cached",
            "Use ca&ched market data",
            "Ctrl+Shift+M",
            "Use the last successful market-data download, offline",
        )
        self.action_import = make_action(
            window,
            "action_import_returns",
            "&Import returns file…",
            "Ctrl+I",
            "Use a CSV of monthly returns or prices (date column plus one per ticker)",
        )
        self.action_universe = make_action(
            window,
            "action_edit_universe",
            "Edit &universe…",
            "Ctrl+U",
            "Add or remove an ETF and its asset class",
        )
        self.action_refresh.triggered.connect(self.refresh)
        self.action_cancel.triggered.connect(self.cancel)
        self.action_synthetic.triggered.connect(self.use_synthetic)
        self.action_cached.triggered.connect(self.use_cached)
        self.action_import.triggered.connect(self._on_action_import_triggered)
        self.action_universe.triggered.connect(self._on_action_universe_triggered)

        self.progress_bar, self.cancel_button = status_job_widgets("data", self.action_cancel, 140)

    def build_menu(self, menu: QMenu) -> None:
        menu.addAction(self.action_refresh)
        menu.addAction(self.action_cancel)
        menu.addSeparator()
        for action in (self.action_synthetic, self.action_cached, self.action_import):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.action_universe)
        status = self._window.statusBar()
        status.insertPermanentWidget(0, self.progress_bar)
        status.insertPermanentWidget(1, self.cancel_button)

    # -- state ---------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._job is not None

    def _universe(self) -> Universe:
        return self._window.context.universe

    # -- starting --------------------------------------------------------------------------------
    def refresh(self) -> Job:
        """Download market data for the universe (network); success switches to MARKET mode."""
        fetch_factors = self.factor_downloader is not None or self.downloader is None
        return self._start(
            "Refreshing market data",
            market_job,
            self._universe(),
            self.cache,
            self.downloader,
            self.factor_downloader,
            fetch_factors,
        )

    def use_cached(self) -> Job:
        return self._start("Loading cached market data", cached_job, self._universe(), self.cache)

    def use_synthetic(self) -> Job:
        return self._start("Generating synthetic data", synthetic_job, self._universe())

    def import_file(self, path: str) -> Job:
        job = self._start("Importing returns", import_job, str(path), self._universe())
        self._pending_import = str(path)
        return job

    def load_for_project(self, mode: DataMode, import_path: str | None) -> Job:
        """A project's data: synthetic, the cached market data or its imported file; when the
        last two cannot be loaded, synthetic data is used and the message says why."""
        self.import_path = import_path
        if mode is DataMode.MARKET:
            job = self.use_cached()
        elif mode is DataMode.IMPORTED and import_path:
            job = self.import_file(import_path)
        else:
            job = self.use_synthetic()
        self._fallback, self._user_choice = mode is not DataMode.SYNTHETIC, False
        return job

    def cancel(self) -> None:
        """Cancel the running data job; its result, if it still arrives, is dropped."""
        if self._job is not None:
            self._job.cancel()
            self._finish(False, f"{self._label} was cancelled; the data in use is unchanged.")

    def _start(self, label: str, fn: Callable[..., Any], *args: Any) -> Job:
        if self._job is not None:
            self._job.cancel()
        self._label, self._fallback, self._user_choice, self._pending_import = (
            label,
            False,
            True,
            None,
        )
        job = self._window.runner.start(Job(DATA_JOB, fn, *args))
        self._job = job
        job.connect(
            progress=self._on_job_progress,
            result=self._on_job_result,
            error=self._on_job_error,
        )
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("%p%")
        self.progress_bar.setToolTip(label)
        self.progress_bar.show()
        self.cancel_button.show()
        self.action_cancel.setEnabled(True)
        self._window.statusBar().showMessage(f"{label}…")
        return job

    def _current(self) -> bool:
        return self._job is not None and self.sender() is self._job.signals

    # -- outcomes --------------------------------------------------------------------------------
    @Slot(float, str)
    def _on_job_progress(self, fraction: float, message: str) -> None:
        if self._current():
            self.progress_bar.setValue(round(fraction * 100))
            self.progress_bar.setToolTip(message)
            self._window.statusBar().showMessage(f"{message}…")

    @Slot(object)
    def _on_job_result(self, dataset: ReturnsDataset) -> None:
        if not self._current():
            return
        self.import_path = self._pending_import if dataset.mode is DataMode.IMPORTED else None
        user_choice = self._user_choice
        prov = dataset.provenance
        fetched = f", fetched {prov.fetched_at}" if prov.fetched_at else ""
        self._finish(
            True,
            f"Now using {prov.mode.value} data: {prov.months} months {prov.start} to "
            f"{prov.end}{fetched}. Re-optimizing…",
        )
        self._window.set_dataset(dataset, user_choice=user_choice)

    @Slot(str)
    def _on_job_error(self, message: str) -> None:
        if not self._current():
            return
        fallback, label = self._fallback, self._label
        dataset = self._window.dataset
        in_use = dataset.mode.value if dataset is not None else "the built-in synthetic data"
        if fallback:
            self._finish(False, message)
            self.use_synthetic()
            QMessageBox.warning(
                self._window,
                "Project data not loaded",
                f"{message}\n\nSynthetic data is used instead. Use the Data menu to "
                "refresh market data or import the file again.",
            )
            return
        self._finish(False, message)
        QMessageBox.warning(
            self._window,
            f"{label} failed",
            f"{message}\n\nThe data in use ({in_use}) is unchanged.",
        )

    def _finish(self, ok: bool, text: str) -> None:
        self._job = None
        self.progress_bar.hide()
        self.cancel_button.hide()
        self.action_cancel.setEnabled(False)
        self._window.statusBar().showMessage(text, 15000)
        self.data_finished.emit(ok, text)

    # -- dialogs ---------------------------------------------------------------------------------
    @Slot()
    def _on_action_import_triggered(self) -> None:
        from app.shell import settings

        path, _ = QFileDialog.getOpenFileName(
            self._window,
            "Import monthly returns or prices",
            settings.last_folder(),
            "CSV files (*.csv);;All files (*)",
        )
        if path:
            settings.set_last_folder(path)
            self.import_file(path)

    @Slot()
    def _on_action_universe_triggered(self) -> None:
        from app.shell.universe_dialog import UniverseDialog

        controller = self._window.project_controller
        dialog = UniverseDialog(controller.current_project(), self._window)
        if dialog.exec() and dialog.changed():
            controller.apply_universe(dialog.universe())
