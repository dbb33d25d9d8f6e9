"""Entry point: ``python -m app`` opens the window; ``python -m app report ...`` runs headless.

The ``report`` branch is dispatched before any Qt import so that batch runs never load Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def run_gui(argv: Sequence[str]) -> int:
    """Create the application and the main window, and run the event loop.

    ``python -m app PROJECT.ipsproj`` opens a project. Before that, logging goes to the rotating
    file in the user log folder, unexpected exceptions to an error dialog, the palette follows
    the system, and a newer autosave of an unsaved project is offered for recovery.
    """
    from PySide6.QtWidgets import QApplication

    from app import APP_NAME
    from app.kit.theme import follow_system_theme
    from app.kit.views import resize_within_screen
    from app.shell.error_dialog import ErrorReporter
    from app.shell.logging_setup import configure_logging
    from app.shell.main_window import MainWindow
    from app.shell.settings import ORGANIZATION, restore_geometry
    from core.project import SUFFIX

    qt_app = QApplication.instance() or QApplication(list(argv))
    qt_app.setApplicationName(APP_NAME)
    qt_app.setOrganizationName(ORGANIZATION)
    configure_logging()
    follow_system_theme(qt_app)
    from app.kit import collector

    collector.install(qt_app)  # cyclic garbage collection on the GUI thread only
    window = MainWindow()
    reporter = ErrorReporter(lambda: window)
    reporter.install()
    if not restore_geometry(window):
        resize_within_screen(window, 1400, 900)
    window.show()
    projects = [a for a in argv[1:] if a.lower().endswith(SUFFIX)]
    if not window.project_controller.offer_recovery() and projects:
        window.project_controller.open_project(projects[0])
    code = qt_app.exec()
    reporter.uninstall()
    window.runner.cancel_all()  # quit without a close event must not strand a worker
    window.runner.wait_for_done()
    collector.uninstall()
    return code


def run_smoke_test(argv: Sequence[str], timeout_ms: int = 120_000) -> int:
    """Open the window, let the first analysis finish, trigger Optimize once more, then exit.

    Exit code 0 when both analyses succeed; 1 on an analysis error or an uncaught exception
    (a traceback is printed); 3 on time-out. Used by the frozen build's smoke test.
    """
    import traceback

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.kit import collector
    from app.shell.main_window import MainWindow

    qt_app = QApplication.instance() or QApplication(list(argv))
    collector.install(qt_app)  # as run_gui: garbage collection on the GUI thread only
    window = MainWindow()
    outcome = {"code": 3, "results": 0}

    def finish(code: int) -> None:
        outcome["code"] = code
        qt_app.quit()

    def on_result(_result: object) -> None:
        outcome["results"] += 1
        if outcome["results"] == 1:
            window.action_optimize.trigger()
        else:
            print(f"smoke test: {outcome['results']} analyses completed")
            finish(0)

    def on_failure(message: str) -> None:
        print(f"smoke test: analysis failed: {message}", file=sys.stderr)
        finish(1)

    def on_exception(kind, value, tb) -> None:  # noqa: ANN001
        traceback.print_exception(kind, value, tb)
        finish(1)

    sys.excepthook = on_exception
    window.result_ready.connect(on_result)
    window.analysis_failed.connect(on_failure)
    QTimer.singleShot(timeout_ms, lambda: finish(3))
    window.show()
    qt_app.exec()
    window.runner.cancel_all()
    window.runner.wait_for_done()
    window.close()
    collector.uninstall()
    if outcome["code"] == 3:
        print("smoke test: timed out waiting for the analysis", file=sys.stderr)
    return outcome["code"]


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point (``ips-studio``); ``argv`` defaults to ``sys.argv``."""
    args = list(sys.argv if argv is None else argv)
    from app.cli import exit_code_before_gui  # Qt-free: unknown commands never open the window

    if (code := exit_code_before_gui(args[1:])) is not None:
        return code
    if args[1:2] in (["report"], ["book"]):
        from app.cli import main as cli_main

        return cli_main(args[1:])
    if "--smoke-test" in args[1:]:
        return run_smoke_test([a for a in args if a != "--smoke-test"])
    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
