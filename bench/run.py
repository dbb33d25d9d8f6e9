"""Run the shared peer benchmark with our adapter and keep its report under ``bench/``.

    /tmp/benchvenv/bin/python bench/run.py            # full run (about 10 minutes on 2 cores)
    /tmp/benchvenv/bin/python bench/run.py --quick    # n = 16 and 100 only

Extra arguments go to ``../shared/bench/run_anchors.py`` unchanged. The peers live in their own
virtualenv (see ``../shared/bench/README.md``); the interpreter running this script must have them
and this project installed. The report lands in ``bench/peer_results.md`` (and ``.json``);
``bench/RESULTS.md`` is the curated summary with the ratios.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT.parent / "shared" / "bench" / "run_anchors.py"


def main(argv: list[str]) -> int:
    if not RUNNER.exists():
        print(f"peer benchmark not found at {RUNNER}", file=sys.stderr)
        return 2
    cmd = [
        sys.executable,
        str(RUNNER),
        "--adapter",
        "bench.peer_adapter:solve",
        "--adapter-name",
        "ours",
        "--out",
        str(ROOT / "bench" / "peer_results.md"),
        "--json",
        str(ROOT / "bench" / "peer_results.json"),
        *argv,
    ]
    return subprocess.call(cmd, cwd=ROOT)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
