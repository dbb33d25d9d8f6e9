"""Drawing work that waits until its page is on screen, and then runs one piece per event-loop turn.

A new analysis result reaches every tab at once. Drawing all their charts and fitting all their
tables in that one call kept the GUI thread busy for half a second (issue 8: the event loop may
stall for at most 50 ms). A tab therefore queues its drawing in a :class:`DeferredWork`:

- while the tab is hidden, pieces wait, keyed (a newer piece of the same key replaces the older
  one: only the latest chart of a result is ever drawn) and run when the tab is next shown;
- while the tab is shown, the queue drains one piece per event-loop turn, so input, timers and
  painting get their turn between two charts. The first chart drawn in the process imports
  pyqtgraph, on the GUI thread (the object-lifetime rules of :mod:`app.kit.feature`).

:meth:`DeferredWork.flush` runs everything now (for the exporter, screenshots and tests).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid


class DeferredWork(QObject):
    """The drawing queue of one page (module docstring)."""

    drained = Signal()
    """Emitted when the last queued piece has run."""

    def __init__(self, page: QWidget) -> None:
        super().__init__(page)
        self._page = page
        self._pending: dict[str, Callable[[], None]] = {}
        # A real zero-interval timer, not QTimer.singleShot(0, ...): that one posts an event, and
        # posted events run back to back in one pass of the loop, before any timer or input.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._on_timer)
        page.installEventFilter(self)

    def add(self, key: str, work: Callable[[], None]) -> None:
        """Queue ``work`` under ``key`` (replacing a queued piece of that key)."""
        self._pending.pop(key, None)
        self._pending[key] = work
        self._schedule()

    def pending(self) -> tuple[str, ...]:
        """Keys of the pieces still waiting, in the order they will run."""
        return tuple(self._pending)

    def discard(self, key: str) -> None:
        """Drop a queued piece (its drawing is no longer wanted)."""
        self._pending.pop(key, None)

    def clear(self) -> None:
        """Drop every queued piece (the page is going away: its window closes, or a new
        workspace replaces it)."""
        self._pending.clear()
        self._timer.stop()

    def flush(self) -> None:
        """Run every queued piece now, in order, whether the page is shown or not."""
        while self._pending:
            self._run_one()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        # getattr: Qt may still filter the page's last events while this object is torn down.
        if watched is getattr(self, "_page", None) and event.type() == QEvent.Type.Show:
            self._schedule()
        return False

    def _page_shown(self) -> bool:
        return isValid(self._page) and self._page.isVisible()

    def _schedule(self) -> None:
        if self._pending and not self._timer.isActive() and self._page_shown():
            self._timer.start(0)

    def _on_timer(self) -> None:
        if self._pending and self._page_shown():
            self._run_one()
            self._schedule()

    def _run_one(self) -> None:
        key = next(iter(self._pending))
        work = self._pending.pop(key)
        page = self._page
        try:
            work()
        except RuntimeError:
            if isValid(page):
                raise
            self._pending.clear()  # the page went away while drawing (its window closed): stop
            return
        if not self._pending:
            self.drained.emit()
