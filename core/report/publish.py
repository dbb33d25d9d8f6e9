"""Atomic publication of a folder of report files.

Files are written into a private staging folder next to the destination; only when every
file was written are they moved into place. Moving is all-or-nothing too: each file that would
be replaced is first moved aside into a private backup folder (``os.replace``, same file
system), then the staged files are moved in, the manifest (``run_manifest.json``) last. If any
move fails (a workbook open in Excel, no permission, disk full), the files already moved are
taken out again and the backups put back, so the destination is byte-for-byte what it was.
Stage and backup folders are removed in every case; files of an earlier report that the new
one does not write are left alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from core.errors import IPSStudioError

MANIFEST_NAME = "run_manifest.json"


class PublishError(IPSStudioError):
    """The report could not be written; the previous files are untouched."""


def _order(files: list[Path], stage: Path) -> list[Path]:
    # The manifest goes in last: a reader who sees it sees a complete report.
    return sorted(
        files, key=lambda p: (p.relative_to(stage).as_posix() == MANIFEST_NAME, p.as_posix())
    )


def _message(exc: OSError, *, unchanged: bool = True) -> str:
    name = getattr(exc, "filename", None)
    where = f" ({name})" if name else ""
    tail = "; the previous report is unchanged." if unchanged else "."
    return (
        f"The report was not written{where}: {exc.strerror or exc}. If a file is open in another "
        f"program (for example the workbook in Excel), close it and export again{tail}"
    )


def _swap_in(dest: Path, stage: Path, backup: Path) -> list[Path]:
    """Move staged files into ``dest``, backing up what they replace; undo everything on failure."""
    moved_aside: list[tuple[Path, Path]] = []  # (backup copy, original place)
    placed: list[Path] = []
    try:
        for src in _order([p for p in stage.rglob("*") if p.is_file()], stage):
            relative = src.relative_to(stage)
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                aside = backup / relative
                aside.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, aside)
                moved_aside.append((aside, target))
            os.replace(src, target)
            placed.append(target)
        return placed
    except OSError:
        for target in reversed(placed):
            try:
                target.unlink()
            except OSError:
                pass
        for aside, target in reversed(moved_aside):
            os.replace(aside, target)  # a rename on the same file system; if even this fails the
            # backup folder is kept (see publish) so no previous file is lost
        raise


def publish(out_dir: str | Path, write: Callable[[Path], object]) -> list[Path]:
    """Call ``write(stage)`` to fill a staging folder, then move its files into ``out_dir``.

    Returns the published paths (relative structure preserved). Raises :class:`PublishError`
    with the reason when the stage cannot be created, ``write`` fails with an ``OSError`` or the
    files cannot be moved in; any other exception of ``write`` propagates. In every failure the
    destination is left as it was.
    """
    dest = Path(out_dir)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".ips-stage-", dir=dest))
    except OSError as exc:
        raise PublishError(
            f"Cannot write to {dest}: {exc.strerror or exc}. Choose another folder."
        ) from None
    backup = stage.with_name(stage.name.replace(".ips-stage-", ".ips-backup-"))
    try:
        write(stage)
        backup.mkdir()
        published = _swap_in(dest, stage, backup)
        shutil.rmtree(backup, ignore_errors=True)  # the replaced files of the previous report
        return published
    except OSError as exc:
        kept = [p for p in backup.rglob("*") if p.is_file()] if backup.exists() else []
        if kept:  # the undo itself failed: say where the previous files are
            raise PublishError(
                f"{_message(exc, unchanged=False)} Some previous files could not be put "
                f"back; they are in {backup}."
            ) from None
        raise PublishError(_message(exc)) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if backup.exists() and not any(p.is_file() for p in backup.rglob("*")):
            shutil.rmtree(backup, ignore_errors=True)
