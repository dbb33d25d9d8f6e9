"""Smoke test of the frozen build: launch it offscreen, run one optimize, fail on a traceback.

Run by hand (too slow for CI): ``python packaging/smoke_test.py [--rebuild]``. It builds the
one-dir bundle with PyInstaller when missing (``pip install pyinstaller``), then runs
``ips-studio --smoke-test`` with ``QT_QPA_PLATFORM=offscreen`` and checks both the exit code
and that no traceback was printed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DIST = HERE / "dist" / "ips-studio"
EXE = DIST / ("ips-studio.exe" if os.name == "nt" else "ips-studio")


def build() -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--distpath",
            str(HERE / "dist"),
            "--workpath",
            str(HERE / "build"),
            str(HERE / "ips_studio.spec"),
        ],
        cwd=ROOT,
        check=True,
    )


def main() -> int:
    if "--rebuild" in sys.argv or not EXE.exists():
        build()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [str(EXE), "--smoke-test"], env=env, capture_output=True, text=True, timeout=300
    )
    output = proc.stdout + proc.stderr
    print(output)
    if proc.returncode != 0 or "Traceback" in output:
        print(f"SMOKE TEST FAILED (exit {proc.returncode})", file=sys.stderr)
        return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
