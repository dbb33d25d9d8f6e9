"""Run core jobs off the GUI thread: one ``QRunnable`` job class and its signals object.

A :class:`Job` calls a core function with the ``progress`` / ``cancel`` keyword protocol of
:mod:`core.jobs`. Everything the worker thread reports travels through one private queued
signal to the :class:`JobSignals` object, which lives in the GUI thread and re-emits the
public signals there, in order (``started``, ``progress``..., then ``result`` or ``error`` or
``cancelled``, then ``finished``). Because re-emission happens in the GUI thread, a listener
connected right after :meth:`JobRunner.start` misses nothing, and a job cancelled after it
finished computing still reports ``cancelled``: its result is never delivered.

:class:`JobRunner` keeps a reference to every job until ``finished`` and cancels the previous
job of the same ``kind`` when a new one starts (cooperative: the core polls the token).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from core.errors import CancelledError, IPSStudioError
from core.jobs import CancelToken

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05
"""Minimum time between two progress emissions (the first and the last always go through)."""

UnexpectedErrorHandler = Callable[[str, str, str], None]
_unexpected_error_handlers: list[UnexpectedErrorHandler] = []


def add_unexpected_error_handler(handler: UnexpectedErrorHandler) -> None:
    """Call ``handler(kind, message, details)`` for every unexpected exception of any job."""
    _unexpected_error_handlers.append(handler)


def remove_unexpected_error_handler(handler: UnexpectedErrorHandler) -> None:
    if handler in _unexpected_error_handlers:
        _unexpected_error_handlers.remove(handler)


class JobSignals(QObject):
    """Signals of one :class:`Job`, emitted in the GUI thread."""

    started = Signal()
    progress = Signal(float, str)
    result = Signal(object)
    error = Signal(str)
    unexpected_error = Signal(str, str)
    """(message, traceback text) of an exception that is not an IPSStudioError; ``error`` follows."""
    cancelled = Signal()
    finished = Signal()

    # Worker thread -> GUI thread relay: (event name, payload). Queued because this object
    # lives in the GUI thread and the emitter does not.
    _event = Signal(str, object)

    def __init__(self, token: CancelToken, parent: QObject | None = None, kind: str = "") -> None:
        super().__init__(parent)
        self._token = token
        self._kind = kind
        self.unexpected_details: str | None = None
        """The traceback text once an unexpected exception was reported (read in ``error`` slots)."""
        self._event.connect(self._on_self_event)

    @Slot(str, object)
    def _on_self_event(self, name: str, payload: object) -> None:
        if name == "started":
            self.started.emit()
        elif name == "progress":
            if not self._token.cancelled:
                fraction, message = payload  # type: ignore[misc]
                self.progress.emit(fraction, message)
        elif name == "result":
            if self._token.cancelled:
                self.cancelled.emit()
            else:
                self.result.emit(payload)
        elif name == "unexpected":
            if not self._token.cancelled:
                message, details = payload  # type: ignore[misc]
                self.unexpected_details = details
                self.unexpected_error.emit(message, details)
                for handler in list(_unexpected_error_handlers):
                    handler(self._kind, message, details)
        elif name == "error":
            if self._token.cancelled:
                self.cancelled.emit()
            else:
                self.error.emit(str(payload))
        elif name == "cancelled":
            self.cancelled.emit()
        elif name == "finished":
            self.finished.emit()


class Job(QRunnable):
    """Run ``fn(*args, progress=..., cancel=..., **kwargs)`` in the thread pool.

    Parameters
    ----------
    kind : str
        Jobs of one kind supersede each other in :class:`JobRunner` (e.g. ``"analysis"``).
    fn : callable
        A core function honouring the ``progress(fraction, message)`` / ``cancel`` protocol.
    """

    def __init__(self, kind: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python owns the job; JobRunner holds it until finished
        self.kind = kind
        self.token = CancelToken()
        self.signals = JobSignals(self.token, kind=kind)
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._last_progress = 0.0
        self._done = threading.Event()

    def connect(
        self,
        *,
        started: Callable[..., Any] | None = None,
        progress: Callable[..., Any] | None = None,
        result: Callable[..., Any] | None = None,
        error: Callable[..., Any] | None = None,
        cancelled: Callable[..., Any] | None = None,
        finished: Callable[..., Any] | None = None,
    ) -> Job:
        """Connect the given slots to this job's signals (the others stay unconnected); returns
        the job. Connecting right after :meth:`JobRunner.start` misses nothing: every signal is
        queued to the GUI thread (see the module docstring)."""
        signals = self.signals
        for signal, slot in (
            (signals.started, started),
            (signals.progress, progress),
            (signals.result, result),
            (signals.error, error),
            (signals.cancelled, cancelled),
            (signals.finished, finished),
        ):
            if slot is not None:
                signal.connect(slot)
        return self

    def cancel(self) -> None:
        """Ask the job to stop; its result, if any, will be replaced by ``cancelled``."""
        self.token.cancel()

    @property
    def done(self) -> bool:
        """True once :meth:`run` has returned (set from the worker thread)."""
        return self._done.is_set()

    def _report_progress(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        last = fraction >= 1.0
        if not last and now - self._last_progress < PROGRESS_INTERVAL_S:
            return
        self._last_progress = now
        self._emit("progress", (float(fraction), str(message)))

    def _emit(self, event: str, payload: object) -> None:
        try:
            self.signals._event.emit(event, payload)
        except RuntimeError:
            # The signals object is gone (the window was destroyed at shutdown while this job
            # ran): nobody listens any more, so stop at the next cancellation point, quietly.
            self.token.cancel()

    def run(self) -> None:  # noqa: D102 - QRunnable override, runs in the worker thread
        emit = self._emit
        try:
            if self.token.cancelled:
                emit("cancelled", None)
                return
            emit("started", None)
            try:
                value = self._fn(
                    *self._args, progress=self._report_progress, cancel=self.token, **self._kwargs
                )
            except CancelledError:
                emit("cancelled", None)
            except IPSStudioError as exc:
                emit("error", str(exc))
            except Exception as exc:  # noqa: BLE001 - a failure must reach the GUI, not kill the thread
                log.exception("Job %s failed", self.kind)
                message = f"{type(exc).__name__}: {exc}"
                emit("unexpected", (message, traceback.format_exc()))
                emit("error", message)
            else:
                emit("result", value)
        finally:
            emit("finished", None)
            self._done.set()


class JobRunner(QObject):
    """Start jobs in the global thread pool, one live job per kind, and keep them alive."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool.globalInstance()
        self._live: dict[str, Job] = {}
        self._held: list[Job] = []

    def start(self, job: Job) -> Job:
        """Cancel the live job of ``job.kind`` (its result is dropped) and start ``job``."""
        self._prune()
        previous = self._live.get(job.kind)
        if previous is not None:
            previous.cancel()
        self._live[job.kind] = job
        self._held.append(job)
        job.signals.finished.connect(self._on_job_finished)
        self._pool.start(job)
        return job

    def is_running(self, kind: str) -> bool:
        """True while a job of ``kind`` has started and not yet reported ``finished``."""
        return kind in self._live

    def idle(self) -> bool:
        """True when no job is live and every held job has left its worker thread."""
        self._prune()
        return not self._live and not self._held

    def cancel(self, kind: str) -> None:
        """Cancel the live job of ``kind``, if any (its result is dropped)."""
        job = self._live.get(kind)
        if job is not None:
            job.cancel()

    def cancel_all(self) -> None:
        for job in list(self._live.values()):
            job.cancel()

    def wait_for_done(self, msecs: int = 10_000) -> bool:
        """Block until the pool is idle. Only for shutdown and tests, never in a normal slot."""
        return self._pool.waitForDone(msecs)

    @Slot()
    def _on_job_finished(self) -> None:
        signals = self.sender()
        for kind, job in list(self._live.items()):
            if job.signals is signals:
                del self._live[kind]
        self._prune()

    def _prune(self) -> None:
        # Drop a job only once its run() has returned in the worker thread, so the C++
        # runnable is never deleted under a thread that is still leaving run().
        live = set(map(id, self._live.values()))
        self._held = [j for j in self._held if not j.done or id(j) in live]
