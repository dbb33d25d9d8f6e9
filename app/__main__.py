"""Entry point: ``python -m app`` opens the window; ``python -m app report ...`` runs headless.

The ``report`` branch is dispatched before any Qt import so that batch runs never load Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def run_gui(argv: Sequence[str]) -> int:
    """Create the application and the main window, and run the event loop."""
    from PySide6.QtWidgets import QApplication

    from app import APP_NAME
    from app.main_window import MainWindow

    qt_app = QApplication.instance() or QApplication(list(argv))
    qt_app.setApplicationName(APP_NAME)
    qt_app.setOrganizationName("IPS Allocation Studio")
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    code = qt_app.exec()
    window.runner.cancel_all()  # quit without a close event must not strand a worker
    window.runner.wait_for_done()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point (``ips-studio``); ``argv`` defaults to ``sys.argv``."""
    args = list(sys.argv if argv is None else argv)
    if args[1:2] == ["report"]:
        from app.cli import main as cli_main

        return cli_main(args[1:])
    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
