"""Import the chart modules (pyqtgraph) in a background thread once the window shows its first result.

The window opens without pyqtgraph (charts are made on first use, :class:`app.kit.views.ChartSlot`),
which saves about half a second of start-up. Importing it later on the GUI thread would freeze the
window for that long the first time a tab with charts is opened, so it is imported here, off the
GUI thread, while the user reads the first result: module code runs under the import lock and
the GIL is handed back to the GUI thread every few milliseconds. Importing defines classes and
makes no widget, which is why it is safe outside the GUI thread.
"""

from __future__ import annotations

import gc
import importlib
import logging
import threading

log = logging.getLogger(__name__)

CHART_MODULES = (
    "app.kit.chart_kit",
    "app.kit.charts",
    "app.risk.charts",
    "app.stress.charts",
    "app.rebalancing.charts",
)
_thread: threading.Thread | None = None


def _import_all() -> None:
    for name in CHART_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the GUI thread imports it again and reports the error there
            log.exception("Background import of %s failed", name)
            return


def start() -> threading.Thread | None:
    """Start the background import (once per process); returns the thread, or None if already started."""
    global _thread
    if _thread is not None:
        return None
    # Not a daemon: a daemon thread stopped mid-import at interpreter exit crashed the process.
    thread = threading.Thread(target=_import_all, name="chart-prewarm")
    thread.start()
    _thread = thread
    return thread


def importing() -> bool:
    """True while the background import runs. Drawing should wait for it: importing a chart
    module on the GUI thread meanwhile would block on that import, with the window frozen."""
    return _thread is not None and _thread.is_alive()


def freeze_import_objects() -> int:
    """Move every object alive now out of the cyclic garbage collector's passes; call it once,
    after the imports and before the window exists. Returns the number of objects frozen.

    What the imports made (modules, classes, tables) lives as long as the program. A full
    collection otherwise walks all of it while holding the interpreter lock, so the GUI thread
    waits even when a worker's allocations triggered it: measured, such pauses halve. Nothing of
    the window may be frozen: a workspace rebuilt later must stay collectable (freezing the window
    kept dead pyqtgraph views alive and crashed a later paint).
    """
    gc.freeze()
    return gc.get_freeze_count()
