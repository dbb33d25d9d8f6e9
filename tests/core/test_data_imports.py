"""The data layer imports no Qt, and defers yfinance until a download is asked for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MODULES = ("calibrate", "synthetic", "prices", "importer", "cache", "market", "dataset")


def test_data_modules_import_without_qt_or_yfinance() -> None:
    code = (
        "import sys\n"
        + "".join(f"import core.data.{name}\n" for name in MODULES)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'PySide6', 'pyqtgraph', 'shiboken6', 'yfinance'})\n"
        "assert not bad, bad\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
