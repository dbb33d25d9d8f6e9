"""What every tab receives at construction: shared undo stack, universe and profiles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoStack

from core.policy.profile import IPSProfile
from core.project import Project
from core.universe import Universe

if TYPE_CHECKING:
    from core.rebalance.account import Holdings


def _no_account() -> Holdings | None:
    return None


@dataclass
class StudioContext:
    """Shared, window-owned state handed to each tab factory."""

    undo_stack: QUndoStack
    universe: Universe
    profiles: dict[str, IPSProfile]
    default_profile: str
    account: Callable[[], Holdings | None] = field(default=_no_account)
    """The account on screen (the Rebalancing tab's holdings, at the data set's prices), read
    when a tab needs it (the Outlook simulates it); None when there is none."""
    project: Callable[[], Project] | None = None
    """Everything on screen as a :class:`~core.project.Project` (the window's project
    controller), for a tab whose job needs the whole project (the policy comparison)."""
