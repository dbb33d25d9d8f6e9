"""What every tab receives at construction: shared undo stack, universe and profiles."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QUndoStack

from core.policy.profile import IPSProfile
from core.universe import Universe


@dataclass
class StudioContext:
    """Shared, window-owned state handed to each tab factory."""

    undo_stack: QUndoStack
    universe: Universe
    profiles: dict[str, IPSProfile]
    default_profile: str
