"""Atomic publication of a folder of report files.

Files are written into a private staging folder next to the destination; only when every
file was written are they moved into place. Moving is all-or-nothing too: each file that would
be replaced is first moved aside into a private backup folder (``os.replace``, same file
system), then the staged files are moved in, the manifest (``run_manifest.json``) last. If any
move fails (a workbook open in Excel, no permission, disk full), the files already moved are
taken out again and the backups put back, so the destination is byte-for-byte what it was.
Stage and backup folders are removed in every case.

A report folder holds one run. The files the previous manifest listed that this run does not
write (an old memo PDF, an old trade list, charts of a profile no longer exported) are moved
aside into the same backup folder before the new files go in, so they disappear with the same
all-or-nothing step and come back on a rollback; a subfolder they leave empty is removed.
Only files a previous manifest listed are ever removed: a file that no manifest lists (the
user's own notes, a report written before manifests existed) is kept, and
:func:`unlisted_files` names it so the caller can say so.

Publishing replaces only regular files at the report's own file names. Anything else in the way
(a folder named ``investment_memo.pdf``, a link, a file named ``charts`` where the charts folder
goes) was not written by a report: the export stops before anything moves, with a message naming
the path and what to do, and the previous report stays as it was.

A replaced file keeps its permission bits (a report shared with colleagues stays readable by
them); a new file gets the permissions ``open()`` gives it, i.e. those of the umask.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from core.errors import IPSStudioError

MANIFEST_NAME = "run_manifest.json"


class PublishError(IPSStudioError):
    """The report could not be written; the previous files are untouched."""


def _safe_relative(name: object) -> str | None:
    """``name`` as a relative path inside the folder, or None (absolute, ``..``, stage names)."""
    if not isinstance(name, str) or not name or "\\" in name:
        return None
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("", ".", "..") for part in path.parts):
        return None
    if path.parts[0].startswith((".ips-stage-", ".ips-backup-")):
        return None
    return path.as_posix()


def listed_files(folder: str | Path) -> set[str]:
    """Relative paths of the report files ``folder``'s manifest lists, the manifest included.

    An absent, unreadable or malformed manifest lists nothing (so nothing is ever removed on its
    word); entries that would point outside the folder are ignored.
    """
    manifest = Path(folder) / MANIFEST_NAME
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return set()
    listed = {rel for rel in map(_safe_relative, files) if rel is not None}
    return listed | {MANIFEST_NAME}


def unlisted_files(folder: str | Path) -> list[str]:
    """Files in ``folder`` that its manifest does not list (the user's own), sorted, relative.

    After :func:`publish` these are exactly the files it kept because no report wrote them.
    """
    root = Path(folder)
    if not root.is_dir():
        return []
    listed = listed_files(root)
    found = (p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return sorted(rel for rel in found if rel not in listed and _safe_relative(rel) is not None)


def _stale(dest: Path, stage: Path) -> list[str]:
    """Files of the previous run (its manifest lists them) that this run does not write."""
    new = {p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file()}
    root = dest.resolve()
    return sorted(
        rel
        for rel in listed_files(dest) - new
        if (dest / rel).is_file()
        and not (dest / rel).is_symlink()
        and (dest / rel).resolve().is_relative_to(root)
    )


def _order(files: list[Path], stage: Path) -> list[Path]:
    # The manifest goes in last: a reader who sees it sees a complete report.
    return sorted(
        files, key=lambda p: (p.relative_to(stage).as_posix() == MANIFEST_NAME, p.as_posix())
    )


_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space on it or choose another folder, then export "
    "again",
    errno.EROFS: "the folder is read-only: choose another folder",
    errno.EACCES: "if a file is open in another program (for example the workbook in Excel), "
    "close it and export again; otherwise choose a folder you may write to",
    errno.EPERM: "if a file is open in another program (for example the workbook in Excel), "
    "close it and export again; otherwise choose a folder you may write to",
}
_DEFAULT_ADVICE = (
    "if a file is open in another program (for example the workbook in Excel), close it and "
    "export again"
)
if hasattr(errno, "EDQUOT"):
    _ADVICE[errno.EDQUOT] = "the disk quota is used up: free some space or choose another folder"


def _failed_path(exc: OSError, dest: Path, stage: Path | None) -> Path:
    """The path the user would look for: a staged file named as its place in ``dest``."""
    name = getattr(exc, "filename", None)
    if not name:
        return dest
    path = Path(os.fsdecode(name))
    if stage is not None:
        for private in (stage, stage.with_name(stage.name.replace(".ips-stage-", ".ips-backup-"))):
            if path == private or path.is_relative_to(private):
                return dest / path.relative_to(private)
    return path


def _message(exc: OSError, dest: Path, stage: Path | None = None, *, unchanged: bool = True) -> str:
    where = _failed_path(exc, dest, stage)
    reason = exc.strerror or "the system refused the write"
    advice = _ADVICE.get(exc.errno or 0, _DEFAULT_ADVICE)
    tail = " The previous report is unchanged." if unchanged else ""
    return f"The report was not written: {where}: {reason}; {advice}.{tail}"


_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFLNK: "a link", stat.S_IFREG: "a file"}


def _in_the_way(dest: Path, stage: Path) -> str | None:
    """A message when something the report did not write occupies a path it writes, else None.

    A report file may replace a regular file of the same name; a folder, link or other object at
    a report file's path, or a non-folder where a report subfolder goes, is the user's.
    """
    for src in sorted(p for p in stage.rglob("*") if p.is_file()):
        relative = src.relative_to(stage)
        for depth in range(1, len(relative.parts) + 1):
            target = dest.joinpath(*relative.parts[:depth])
            is_file_place = depth == len(relative.parts)
            if not os.path.lexists(target):
                break
            mode = target.lstat().st_mode
            if is_file_place and stat.S_ISREG(mode):
                break
            if not is_file_place and stat.S_ISDIR(mode):
                continue
            kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
            wanted = "the report file" if is_file_place else "the report folder"
            return (
                f"The report was not written: {target} is {kind}, where the export writes "
                f"{wanted} {relative.parts[depth - 1]!r}. Nothing was changed (the previous "
                f"report is unchanged). Move or rename {target}, or export to another folder."
            )
    return None


def _keep_mode(src: Path, target: Path) -> None:
    # os.replace gives the target the new file's mode; a report others could read must stay so.
    os.chmod(src, stat.S_IMODE(target.stat().st_mode))


def _swap_in(dest: Path, stage: Path, backup: Path, stale: list[str]) -> list[Path]:
    """Move the ``stale`` files aside and the staged files into ``dest``, backing up what they
    replace; undo everything on failure."""
    moved_aside: list[tuple[Path, Path]] = []  # (backup copy, original place)
    placed: list[Path] = []
    try:
        for relative_name in stale:
            aside = backup / relative_name
            aside.parent.mkdir(parents=True, exist_ok=True)
            os.replace(dest / relative_name, aside)
            moved_aside.append((aside, dest / relative_name))
        for src in _order([p for p in stage.rglob("*") if p.is_file()], stage):
            relative = src.relative_to(stage)
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_file():
                _keep_mode(src, target)
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
            target.parent.mkdir(parents=True, exist_ok=True)
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
        collision = _in_the_way(dest, stage)
        if collision is not None:
            raise PublishError(collision)
        backup.mkdir()
        stale = _stale(dest, stage)
        published = _swap_in(dest, stage, backup, stale)
        shutil.rmtree(backup, ignore_errors=True)  # the replaced files of the previous report
        _remove_emptied_folders(dest, stale)
        return published
    except OSError as exc:
        kept = [p for p in backup.rglob("*") if p.is_file()] if backup.exists() else []
        if kept:  # the undo itself failed: say where the previous files are
            raise PublishError(
                f"{_message(exc, dest, stage, unchanged=False)} Some previous files could not be put "
                f"back; they are in {backup}."
            ) from None
        raise PublishError(_message(exc, dest, stage)) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if backup.exists() and not any(p.is_file() for p in backup.rglob("*")):
            shutil.rmtree(backup, ignore_errors=True)


def _remove_emptied_folders(dest: Path, removed: list[str]) -> None:
    """Remove the subfolders of ``dest`` that held removed files and are now empty."""
    folders = {(dest / rel).parent for rel in removed}
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        while folder != dest and folder.is_dir() and not any(folder.iterdir()):
            try:
                folder.rmdir()
            except OSError:
                break  # the report is published; an empty folder left behind does no harm
            folder = folder.parent
