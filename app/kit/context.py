"""What every tab receives at construction: shared undo stack, universe and profiles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QUndoStack

from core.policy.profile import IPSProfile
from core.project import Project
from core.universe import Universe


@dataclass
class StudioContext:
    """Shared, window-owned state handed to each tab factory."""

    undo_stack: QUndoStack
    universe: Universe
    profiles: dict[str, IPSProfile]
    default_profile: str
    project: Callable[[], Project] | None = None
    """Everything on screen as a :class:`~core.project.Project` (the window's project
    controller), for a tab whose job needs the whole project (the policy comparison)."""
