"""Issue 15 #18: an unknown command or option exits with the usage, never opens the window."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import USAGE, Command, exit_code_before_gui, route

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["fund.ipsproj"],
        ["C:/Users/me/Fund.IPSPROJ"],
        ["--smoke-test"],
        ["-platform", "offscreen", "fund.ipsproj"],
        ["-psn_0_12345"],
    ],
)
def test_the_window_is_opened_only_for_its_own_arguments(argv):
    assert route(argv).command is Command.GUI
    assert exit_code_before_gui(argv) is None


def test_the_report_command_goes_to_the_report_parser():
    assert route(["report", "--out", "x"]).command is Command.REPORT
    assert exit_code_before_gui(["report", "--bogus"]) is None  # argparse names the option


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["books", "--help"], "'books'"),
        (["--help", "books"], "'--help'"),
        (["reprot", "--out", "x"], "'reprot'"),
        (["--smoke"], "'--smoke'"),
        (["fund.ipsproj", "--verbose"], "'--verbose'"),
        (["-platform"], "-platform needs a value"),
    ],
)
def test_anything_else_is_a_usage_error_with_status_2(argv, word, capsys):
    outcome = route(argv)
    assert outcome.command is Command.ERROR and outcome.exit_code == 2
    assert word in outcome.message and USAGE in outcome.message
    assert exit_code_before_gui(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and USAGE in captured.err


def test_help_prints_the_usage_and_exits_0(capsys):
    assert exit_code_before_gui(["--help"]) == 0
    assert capsys.readouterr().out == USAGE


def test_an_unknown_command_returns_2_with_the_usage_without_qt_or_a_window():
    code = (
        "import app.cli, sys\n"
        "code = app.cli.main(['books', '--help'])\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "assert not qt, qt\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 2, done.stderr
    assert "unknown command 'books'" in done.stderr and USAGE in done.stderr
    assert done.stdout == ""
