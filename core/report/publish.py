"""Atomic publication of a folder of report files.

Files are written into a private staging folder next to the destination; only when every
file was written are they moved into place (``os.replace`` per file, same file system).
A failure before that leaves the destination exactly as it was and removes the stage.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from core.errors import IPSStudioError


class PublishError(IPSStudioError):
    """The report could not be written; the previous files are untouched."""


def publish(out_dir: str | Path, write: Callable[[Path], None]) -> list[Path]:
    """Call ``write(stage)`` to fill a staging folder, then move its files into ``out_dir``.

    Returns the published paths (relative structure preserved). Raises :class:`PublishError`
    with the reason when the stage cannot be created or ``write`` fails.
    """
    dest = Path(out_dir)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".ips-stage-", dir=dest))
    except OSError as exc:
        raise PublishError(f"Cannot write to {dest}: {exc.strerror or exc}. Choose another folder.") from None
    try:
        write(stage)
        files = sorted(p for p in stage.rglob("*") if p.is_file())
        published = []
        for src in files:
            target = dest / src.relative_to(stage)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, target)
            published.append(target)
        return published
    except OSError as exc:
        name = getattr(exc, "filename", None)
        where = f" ({name})" if name else ""
        raise PublishError(
            f"The report was not written{where}: {exc.strerror or exc}. If a file is open in another "
            "program, close it and export again; the previous report is unchanged."
        ) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
