"""core/ never imports Qt: import every core module in a fresh interpreter and look."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import core

ROOT = Path(__file__).resolve().parents[2]


def test_no_core_module_loads_qt():
    names = [
        m.name
        for m in pkgutil.walk_packages(core.__path__, "core.")
        if not m.name.endswith("__main__")
    ]
    assert len(names) > 10
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"core imported Qt modules: {out.stdout}"


def test_headless_report_command_does_not_load_qt():
    code = (
        "import sys\n"
        "import app.cli\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph')))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
