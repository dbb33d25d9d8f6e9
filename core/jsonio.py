"""JSON files for the data the user owns (profiles, scenarios, projects): read with a message
that names the file, write atomically (temporary file in the same folder, then replace)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.errors import IPSStudioError


def read_json(path: str | Path, error: type[IPSStudioError], what: str) -> Any:
    """Parse ``path``; any problem raises ``error`` naming the file (``what`` = "Profile file")."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
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


def write_json_atomic(data: Mapping[str, Any], path: str | Path) -> Path:
    """Write ``data`` as indented JSON atomically: a failure leaves any previous file untouched."""
    file = Path(path)
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return file
