"""Committee > Decision log...: the window's action that opens the Compare tab's dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QMenu

from app.shell.actions import make_action

if TYPE_CHECKING:
    from app.shell.main_window import MainWindow


class DecisionController(QObject):
    """Owns the *Decision log...* action (the tabs are rebuilt with a workspace; it is not)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.action = make_action(
            window,
            "action_decision_log",
            "&Decision log…",
            "Ctrl+Shift+D",
            "Record the committee's decision (branch, portfolio, approver, vote) and read the "
            "append-only log",
        )
        self.action.triggered.connect(self.open_dialog)

    def build_menu(self, menu: QMenu) -> None:
        menu.addAction(self.action)

    @Slot()
    def open_dialog(self) -> Any:
        """Open the decision log of the project on screen; returns the dialog."""
        from app.compare.tab import CompareTab

        tab = self._window.tab_widgets.get("compare")
        if not isinstance(tab, CompareTab):
            raise RuntimeError("the 'compare' feature must be the Compare tab")
        return tab.open_decision_dialog()
