"""One way to build a main-window action: object name, text, shortcut and a tooltip naming it."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence


def make_action(parent: QObject, name: str, text: str, shortcut: str, tip: str) -> QAction:
    """A ``QAction`` whose tooltip and status tip end with its shortcut, e.g. ``"… (F5)"``."""
    action = QAction(text, parent)
    action.setObjectName(name)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
        tip = f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
    action.setToolTip(tip)
    action.setStatusTip(tip)
    return action
