"""``python -m app report`` never loads Qt; app modules do not import heavy libraries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_report_dispatches_to_cli_without_qt():
    code = (
        "import sys, types\n"
        "fake = types.ModuleType('app.cli')\n"
        "fake.main = lambda argv: print('CLI', argv) or 7\n"
        "fake.exit_code_before_gui = lambda argv: None\n"
        "sys.modules['app.cli'] = fake\n"
        "from app.__main__ import main\n"
        "code = main(['prog', 'report', '--out', 'x'])\n"
        "assert code == 7, code\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'pyqtgraph')))\n"
        "assert not qt, qt\n"
    )
    done = run(code)
    assert done.returncode == 0, done.stderr
    assert "CLI ['report', '--out', 'x']" in done.stdout


@pytest.mark.slow
def test_app_imports_stay_light():
    code = (
        "import sys\n"
        "import app, app.shell.main_window, app.kit.workers, app.features\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('pyqtgraph', 'openpyxl', 'yfinance'))\n"
        "assert not heavy, heavy\n"
    )
    done = run(code)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("word", "code", "stream", "text"),
    [
        ("books", 2, "stderr", "unknown command 'books'"),  # an unknown command: the usage
        ("book", 0, "stdout", "usage: python -m app book"),  # the book command's own help
    ],
)
def test_a_command_help_exits_instead_of_opening_the_window(word, code, stream, text):
    """``python -m app book --help`` opened the window and never returned (issue 15, #18); it
    is a command since issue 19, and an unknown word still prints the usage with status 2."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "app", word, "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == code, done.stderr
    assert text in getattr(done, stream) and "usage:" in getattr(done, stream)
