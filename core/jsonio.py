"""JSON files for the data the user owns (profiles, scenarios, projects): read with a message
that names the file, write atomically (temporary file in the same folder, then replace).

A file written atomically keeps the permissions of the file it replaces (a project shared in a
team folder stays readable by the team), and a new file gets those ``open()`` would give it,
i.e. ``0o666`` less the umask (``tempfile.mkstemp`` would make every file ``0o600``).
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.errors import IPSStudioError


def json_kind(value: object) -> str:
    """What a parsed JSON value is, in the words of a JSON file ("a list", "text", ...).

    Messages about a damaged file use it instead of Python's type names.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "a value of another kind"


def shown(value: object, limit: int = 40) -> str:
    """``value`` as it reads in the JSON file, shortened to ``limit`` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_json(path: str | Path, error: type[IPSStudioError], what: str) -> Any:
    """Parse ``path``; any problem raises ``error`` naming the file (``what`` = "Profile file")."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")  # a BOM, as Notepad writes, is not an error
    except FileNotFoundError:
        raise error(f"{what} {file} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{what} {file} cannot be read: {exc}.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(
            f"{file.name}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from None


def _existing_mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None


def _create_temporary(file: Path) -> tuple[int, Path]:
    """Open a new, uniquely named file next to ``file`` as ``open()`` would create it.

    ``tempfile.mkstemp`` creates ``0o600``; mode ``0o666`` here lets the kernel apply the umask,
    without reading the umask (setting it to read it would race with other threads).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    folder = file.parent
    for _attempt in range(100):
        tmp = folder / f".{file.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"No free temporary file name next to {file}.")


def write_text_atomic(text: str, path: str | Path) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically.

    The file keeps the permissions of the file it replaces; a new file gets those ``open()``
    gives (``0o666`` less the umask). A failure leaves any previous file untouched and no
    temporary file behind.
    """
    file = Path(path)
    mode = _existing_mode(file)
    fd, tmp = _create_temporary(file)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, file)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return file


def write_json_atomic(data: Mapping[str, Any], path: str | Path) -> Path:
    """Write ``data`` as indented JSON atomically: a failure leaves any previous file untouched."""
    return write_text_atomic(json.dumps(data, indent=2, allow_nan=False) + "\n", path)
