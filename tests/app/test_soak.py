"""The soak script's checks, small (bench/soak.py runs them 100 and 30 times): fresh processes
start and quit cleanly, and one window switches data and profile, rebuilds its workspace and
exports, with no crash, no thread left behind and no network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_soak_starts_quits_switches_and_exports_cleanly():
    done = subprocess.run(
        [sys.executable, "bench/soak.py", "--starts", "3", "--exports", "2", "--quiet"],
        cwd=ROOT,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONFAULTHANDLER="1"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "start/quit (3 fresh processes): 3 completed" in done.stdout
    assert "export cycles (2, one window): 2 completed" in done.stdout
    assert "OK: no crash" in done.stdout
