"""Python's cyclic garbage collector runs on the GUI thread only.

Why: the automatic collector runs in whichever thread happens to allocate when a threshold is
crossed. In a worker (a rebalance job building pandas frames) that collection may free a cycle
holding PySide wrappers of the GUI thread's Qt objects (pyqtgraph items and widgets live in
reference cycles), and their C++ destructors then run on the worker while the GUI thread paints:
a segmentation fault, seen in the test suite as "Garbage-collecting" on the worker's stack
beside the GUI thread in a model's ``data()``. Reference counting still frees acyclic objects at
once, in any thread; workers hold only ``core`` data, so nothing Qt reaches a zero count there.

How: :func:`install` turns the automatic collector off and a :class:`QTimer` on the GUI thread
runs the generation a threshold asks for (the same thresholds as Python's own collector), so
memory behaves as before and every collection runs on the GUI thread. :func:`uninstall` restores
automatic collection (the window's close, tests). The headless report runs no threads and does
not install it.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QThread, QTimer

INTERVAL_MS = 500
"""How often the GUI thread checks the allocation counts (collections take a few ms)."""

_state: dict[str, GuiThreadCollector | None] = {"collector": None}


class GuiThreadCollector(QObject):
    """Runs ``gc.collect(generation)`` from a timer on the GUI thread (module docstring)."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self.collections = 0

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()

    def check(self) -> int:
        """Collect the oldest generation whose count passed its threshold; returns the number
        of unreachable objects found (0 when nothing was due)."""
        if QThread.currentThread() is not self.thread():
            raise RuntimeError("the garbage collector must run on the GUI thread")
        counts = gc.get_count()
        for generation in (2, 1, 0):
            threshold = self._thresholds[generation]
            if threshold and counts[generation] >= threshold:
                self.collections += 1
                return gc.collect(generation)
        return 0


def install(parent: QObject | None = None) -> GuiThreadCollector:
    """Disable automatic collection and collect from the GUI thread from now on (idempotent)."""
    collector = _state["collector"]
    if collector is None:
        collector = GuiThreadCollector(parent)
        _state["collector"] = collector
    collector.start()
    return collector


def uninstall() -> None:
    """Collect once on this (GUI) thread and give collection back to Python."""
    collector = _state["collector"]
    if collector is not None:
        collector.stop()
    gc.collect()


def collect_if_due() -> int:
    """Run now, on this (GUI) thread, the collection the timer would run next (0 when none is
    due or the collector is not installed); returns the unreachable objects found."""
    collector = _state["collector"]
    return collector.check() if collector is not None and installed() else 0


def installed() -> bool:
    return _state["collector"] is not None and not gc.isenabled()
