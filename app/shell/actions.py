"""The window's actions, menus and toolbar.

:func:`make_action` is the one way to build an action (object name, text, shortcut and a
tooltip naming the shortcut). :class:`WindowActions` holds the window's own actions (Optimize,
Undo/Redo, Quit, About); the controllers own theirs (File > project and export actions, the
Data menu) and :func:`build_menus_and_toolbar` places them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolBar, QWidget

from app import APP_NAME

if TYPE_CHECKING:
    from app.shell.main_window import MainWindow


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


class WindowActions:
    """Optimize (Ctrl+R), Undo / Redo, Quit (Ctrl+Q) and About (F1), connected to the window."""

    def __init__(self, window: MainWindow) -> None:
        self.optimize = make_action(
            window,
            "action_optimize",
            "&Optimize",
            "Ctrl+R",
            "Recompute the candidates and the IPS Recommended portfolio",
        )
        self.optimize.triggered.connect(window.optimize)
        self.portfolio_value = make_action(
            window,
            "action_portfolio_value",
            "Portfolio &value…",
            "",
            "The value behind dollar VaR and stress P&L when no holdings are loaded "
            "(with holdings, the account's value is used)",
        )
        self.portfolio_value.triggered.connect(window.ask_portfolio_value)
        self.undo = window.undo_stack.createUndoAction(window, "&Undo")
        self.undo.setObjectName("action_undo")
        self.undo.setShortcut(QKeySequence("Ctrl+Z"))
        self.redo = window.undo_stack.createRedoAction(window, "&Redo")
        self.redo.setObjectName("action_redo")
        self.redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.quit = make_action(
            window,
            "action_quit",
            "&Quit",
            "Ctrl+Q",
            "Close the window; unsaved changes are asked about first",
        )
        self.quit.triggered.connect(window.close)
        self.about = make_action(
            window,
            "action_about",
            f"&About {APP_NAME}",
            "F1",
            "Version, data sources and the disclaimer",
        )
        self.about.triggered.connect(window.show_about)


def badge(object_name: str) -> QLabel:
    """A centred label for the data-mode badge (styled by the window)."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def build_menus_and_toolbar(window: MainWindow) -> QToolBar:
    """File, Edit, Analysis, Data and Help menus and the main toolbar (with the data badge)."""
    actions = window.actions
    menus = window.menuBar()
    file_menu = menus.addMenu("&File")
    window.project_controller.build_menu(file_menu)
    file_menu.addSeparator()
    file_menu.addAction(window.export_controller.action)
    file_menu.addAction(window.book_controller.action)
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    edit_menu = menus.addMenu("&Edit")
    edit_menu.addAction(actions.undo)
    edit_menu.addAction(actions.redo)
    analysis_menu = menus.addMenu("&Analysis")
    analysis_menu.addAction(actions.optimize)
    analysis_menu.addAction(actions.portfolio_value)
    window.data_controller.build_menu(menus.addMenu("&Data"))
    window.decision_controller.build_menu(menus.addMenu("&Committee"))
    help_menu = menus.addMenu("&Help")
    help_menu.addAction(actions.about)

    toolbar = QToolBar("Main toolbar")
    toolbar.setObjectName("main_toolbar")
    toolbar.setMovable(False)
    toolbar.toggleViewAction().setEnabled(False)  # it carries the data-mode badge: never hidden
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    toolbar.addAction(actions.optimize)
    toolbar.addAction(window.data_controller.action_refresh)
    toolbar.addSeparator()
    toolbar.addAction(actions.undo)
    toolbar.addAction(actions.redo)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    toolbar.addWidget(spacer)
    window.data_mode_label = badge("data_mode_label")
    toolbar.addWidget(window.data_mode_label)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    return toolbar
