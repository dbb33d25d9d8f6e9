"""Start-up work kept off the critical path (issue 8): charts are made on first use and pyqtgraph is
not imported to open the window. The object-lifetime rules of ``app.kit.feature`` (issue 13):
pyqtgraph is imported on the GUI thread only, nothing is frozen out of the garbage collector, the
kit does not depend on the shell, and quitting at any moment leaves no thread behind."""

from __future__ import annotations

import ast
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
def test_window_opens_without_pyqtgraph_and_charts_import_it_on_the_gui_thread():
    script = textwrap.dedent("""
        import sys, threading

        class WatchImports:  # which thread imports pyqtgraph
            seen = []
            def find_spec(self, name, path=None, target=None):
                if name == "pyqtgraph":
                    self.seen.append(threading.current_thread() is threading.main_thread())
                return None

        watch = WatchImports()
        sys.meta_path.insert(0, watch)
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
        loop = QEventLoop()
        window.result_ready.connect(loop.quit)
        QTimer.singleShot(60_000, loop.quit)
        window.optimize()
        loop.exec()
        tab = window.tab_widgets["allocation"]
        tab.deferred.drained.connect(loop.quit)
        window.tabs.setCurrentWidget(tab)
        if tab.deferred.pending():
            loop.exec()
        print("pyqtgraph" in sys.modules, watch.seen)
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
    ).stdout.splitlines()
    assert out[-2].split() == ["False", "False", "False"]
    assert out[-1] == "True [True]"  # imported once, by the first chart, on the GUI thread


def test_the_kit_does_not_import_the_shell():
    # app.kit is shared by every feature; the shell (window, controllers) is built on it.
    offenders = []
    for path in sorted((ROOT / "app" / "kit").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("app.shell")]
    assert offenders == []


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
    import gc, sys, threading
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication
    import app.shell.main_window as main_window

    original_init = main_window.MainWindow.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.result_ready.connect(lambda _result: QApplication.instance().quit())

    main_window.MainWindow.__init__ = init
    from app.__main__ import run_gui
    code = run_gui(["ips-studio"])
    print("threads", [t.name for t in threading.enumerate()])
    print("pool", QThreadPool.globalInstance().activeThreadCount())
    print("frozen", gc.get_freeze_count())
    sys.exit(code)
""")


@pytest.mark.slow
def test_quitting_right_after_the_first_result_exits_cleanly(tmp_path):
    # Once a race: a background thread still importing pyqtgraph when the interpreter exited
    # crashed about every other run. No such thread exists any more, so one run decides: when
    # run_gui returns, only the main thread is left and no pool job runs; exit is clean.
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        PYTHONFAULTHANDLER="1",
        XDG_CONFIG_HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path),
        XDG_CACHE_HOME=str(tmp_path),
        XDG_STATE_HOME=str(tmp_path),
    )
    done = subprocess.run(
        [sys.executable, "-c", QUIT_AFTER_FIRST_RESULT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Fatal Python error" not in done.stderr
    assert done.stdout.splitlines()[-3:] == ["threads ['MainThread']", "pool 0", "frozen 0"]
