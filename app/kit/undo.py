"""The one undo command the editable models use: swap a whole immutable value.

Profiles, holdings and scenario tuples are immutable, so an edit, a paste or a file load is
"replace the value"; undo puts the previous value back. ``apply`` is the model's method that
installs a value and announces it (one model reset or ``dataChanged``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand


class ReplaceValueCommand(QUndoCommand):
    """Redo installs ``after`` through ``apply``; undo installs ``before``."""

    def __init__(self, apply: Callable[[Any], None], before: Any, after: Any, text: str) -> None:
        super().__init__(text)
        self._apply, self._before, self._after = apply, before, after

    def redo(self) -> None:
        self._apply(self._after)

    def undo(self) -> None:
        self._apply(self._before)
