"""What the app remembers between sessions (QSettings) and where it writes per-user files.

Settings are an INI file in the user scope (``QSettings.IniFormat``), so ``QSettings.setPath``
redirects them on every platform: the test suite points it at a temporary folder and never
touches the real user settings. Remembered: window geometry and toolbar state, the splitter
positions of each tab, the last folder of a file dialog and the recent project files.

Per-user folders (:func:`user_dir`) come from ``QStandardPaths`` (autosaves under
``AppDataLocation/autosave``, logs under ``AppLocalDataLocation/logs``); the environment
variable :data:`USER_DIR_ENV` overrides their root (tests, portable installs).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

from app import APP_NAME
from core.resources import USER_DIR_ENV

ORGANIZATION = "IPS Allocation Studio"
MAX_RECENT_FILES = 8
RECENT_KEY, LAST_FOLDER_KEY = "project/recent_files", "project/last_folder"


def app_settings() -> QSettings:
    """The user-scope INI settings of the organization and application set on the QApplication."""
    organization = QCoreApplication.organizationName() or ORGANIZATION
    application = QCoreApplication.applicationName() or APP_NAME
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, organization, application
    )


def user_dir(kind: str) -> Path:
    """The per-user folder ``kind`` (``"autosave"`` or ``"logs"``), created if missing."""
    root = os.environ.get(USER_DIR_ENV)
    if root:
        folder = Path(root) / kind
    else:
        location = (
            QStandardPaths.StandardLocation.AppLocalDataLocation
            if kind == "logs"
            else QStandardPaths.StandardLocation.AppDataLocation
        )
        folder = Path(QStandardPaths.writableLocation(location)) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- recent files and last folder ----------------------------------------------------------
def _string_list(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):  # an INI list of one item reads back as a plain string
        return [value]
    return [str(v) for v in value]  # type: ignore[union-attr]


def recent_files() -> list[str]:
    """Recent project files, most recent first (files that no longer exist included)."""
    return _string_list(app_settings().value(RECENT_KEY))


def add_recent_file(path: str | Path) -> list[str]:
    """Put ``path`` first in the recent list (no duplicates, at most :data:`MAX_RECENT_FILES`)."""
    text = str(Path(path).resolve())
    files = [text] + [f for f in recent_files() if f != text]
    app_settings().setValue(RECENT_KEY, files[:MAX_RECENT_FILES])
    return files[:MAX_RECENT_FILES]


def remove_recent_file(path: str | Path) -> list[str]:
    text = str(Path(path).resolve())
    files = [f for f in recent_files() if f != text]
    app_settings().setValue(RECENT_KEY, files)
    return files


def clear_recent_files() -> None:
    app_settings().setValue(RECENT_KEY, [])


def last_folder() -> str:
    """The folder of the last project opened or saved ("" before the first)."""
    return str(app_settings().value(LAST_FOLDER_KEY, "") or "")


def set_last_folder(path: str | Path) -> None:
    folder = Path(path)
    app_settings().setValue(LAST_FOLDER_KEY, str(folder if folder.is_dir() else folder.parent))


# -- window state --------------------------------------------------------------------------
def _splitters(widget: QWidget) -> list[QSplitter]:
    return widget.findChildren(QSplitter)


def save_window_state(window: QMainWindow, tabs: dict[str, QWidget]) -> None:
    """Geometry, toolbar/dock state and every tab's splitter sizes."""
    settings = app_settings()
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState())
    for key, tab in tabs.items():
        for number, splitter in enumerate(_splitters(tab)):
            settings.setValue(f"splitters/{key}/{number}", splitter.saveState())


def restore_geometry(window: QMainWindow) -> bool:
    """Restore geometry and toolbar state; False when nothing was saved yet."""
    settings = app_settings()
    geometry = settings.value("window/geometry")
    if geometry is None:
        return False
    window.restoreGeometry(geometry)
    state = settings.value("window/state")
    if state is not None:
        window.restoreState(state)
    return True


def restore_splitters(tabs: dict[str, QWidget]) -> None:
    """Splitter sizes saved by :func:`save_window_state` (a tab whose layout changed is skipped)."""
    settings = app_settings()
    for key, tab in tabs.items():
        for number, splitter in enumerate(_splitters(tab)):
            state = settings.value(f"splitters/{key}/{number}")
            if state is not None:
                splitter.restoreState(state)
