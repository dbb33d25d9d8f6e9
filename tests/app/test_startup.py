"""Start-up work kept off the critical path (issue 8): charts are made on first use, pyqtgraph is
not imported to open the window, and the chart modules are imported off the GUI thread later."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QWidget

from app.kit.views import ChartSlot

ROOT = Path(__file__).resolve().parents[2]


def test_chart_slot_makes_its_chart_once_on_first_use(qtbot):
    made: list[QWidget] = []

    def factory() -> QWidget:
        made.append(QWidget())
        return made[-1]

    slot = ChartSlot(factory, "Waiting…")
    qtbot.addWidget(slot)
    assert not slot.is_made() and slot.findChild(QLabel).text() == "Waiting…"
    chart = slot.chart()
    assert slot.chart() is chart and made == [chart] and slot.is_made()
    assert chart.parent() is slot


@pytest.mark.slow
def test_window_opens_without_pyqtgraph_or_scipy_optimize():
    script = textwrap.dedent("""
        import sys
        from PySide6.QtCore import QEventLoop, QTimer
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from app.shell.main_window import MainWindow
        window = MainWindow(run_at_start=False)
        window.resize(1400, 900)
        window.show()
        for _ in range(5):
            app.processEvents()
        print("pyqtgraph" in sys.modules, "scipy.optimize" in sys.modules, "scipy.stats" in sys.modules)
        window.close()
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    assert out[-3:] == ["False", "False", "False"]


def test_prewarm_imports_the_chart_modules_in_a_background_thread(monkeypatch):
    import threading

    from app.shell import prewarm

    seen: list[tuple[str, bool]] = []
    monkeypatch.setattr(prewarm, "_thread", None)
    monkeypatch.setattr(
        prewarm.importlib,
        "import_module",
        lambda name: seen.append((name, threading.current_thread() is threading.main_thread())),
    )
    thread = prewarm.start()
    assert thread is not None
    thread.join(10)
    assert [name for name, _ in seen] == list(prewarm.CHART_MODULES)
    assert not any(on_main for _, on_main in seen)
    assert prewarm.start() is None  # once per process


def test_fitted_columns_are_as_wide_as_qt_would_make_them(qtbot):
    import pandas as pd

    from app.kit import formatting as fmt
    from app.kit.dataframe_model import ColumnSpec, DataFrameModel
    from app.kit.views import FittedTableView

    frame = pd.DataFrame(
        {
            "name": ["SPY", "A much longer label here", "Cash"],
            "weight": [0.1234, 0.5, -0.0001],
            "value": [1_234_567.0, 5.0, -42.0],
        }
    )
    model = DataFrameModel(
        frame,
        [
            ColumnSpec("name", "Name"),
            ColumnSpec("weight", "Weight", fmt.PERCENT),
            ColumnSpec("value", "A long header for a short column", fmt.CURRENCY),
        ],
    )
    model.set_frame(frame, list(model._specs), bold_rows=[1])
    table = FittedTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    table.resize(900, 300)
    table.show()
    ours = table.content_widths()
    table.resizeColumnsToContents()  # Qt's measure, through the delegate
    header = table.horizontalHeader()
    for column, width in enumerate(ours):
        qt_width = header.sectionSize(column)
        assert qt_width - 2 <= width <= qt_width + 8, (column, width, qt_width)


QUIT_AFTER_FIRST_RESULT = textwrap.dedent("""
    import sys
    from PySide6.QtWidgets import QApplication
    import app.shell.main_window as main_window

    original_init = main_window.MainWindow.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.result_ready.connect(lambda _result: QApplication.instance().quit())

    main_window.MainWindow.__init__ = init
    from app.__main__ import run_gui
    sys.exit(run_gui(["ips-studio"]))
""")


@pytest.mark.slow
def test_quitting_right_after_the_first_result_exits_cleanly(tmp_path):
    # The chart modules are still being imported in the background then; a daemon import thread
    # stopped at interpreter exit crashed about every other run (SIGSEGV, with bytecode cached).
    # A race: repeated runs can catch it, not prove it gone.
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        XDG_CONFIG_HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path),
        XDG_CACHE_HOME=str(tmp_path),
        XDG_STATE_HOME=str(tmp_path),
    )
    codes = [
        subprocess.run(
            [sys.executable, "-c", QUIT_AFTER_FIRST_RESULT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=120,
        ).returncode
        for _ in range(4)
    ]
    assert codes == [0, 0, 0, 0]


def test_freeze_import_objects_takes_what_exists_now_and_nothing_later():
    # In a subprocess: freezing this test process would keep other tests' dead windows alive.
    script = textwrap.dedent("""
        import gc
        from app.shell.prewarm import freeze_import_objects
        frozen = freeze_import_objects()
        later = [object()]
        print(frozen > 1000, frozen == gc.get_freeze_count(), gc.is_tracked(later))
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert out == ["True", "True", "True"]
