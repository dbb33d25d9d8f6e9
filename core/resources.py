"""Locate the bundled ``resources/`` folder (universe, IPS profiles, calibration, scenarios).

The folder sits beside the ``core`` package in a source checkout or editable install, and
beside the executable in a frozen (PyInstaller) build. ``IPS_STUDIO_RESOURCES`` overrides both.

Per-user data (the market-data cache, downloaded Fama-French factors; the window's autosaves and
logs) lives under one root, :func:`user_data_root`: ``platformdirs.user_data_dir`` unless the
environment variable :data:`USER_DIR_ENV` points elsewhere (tests, portable installs).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DATA_NAME = "IPS Allocation Studio"
USER_DIR_ENV = "IPS_STUDIO_USER_DIR"


def resources_dir() -> Path:
    """Return the folder holding the bundled data files."""
    override = os.environ.get("IPS_STUDIO_RESOURCES")
    if override:
        return Path(override)
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of one bundled file, e.g. ``resource_path("profiles", "balanced_growth.json")``."""
    return resources_dir().joinpath(*parts)


def user_data_root() -> Path:
    """Root of the per-user data files: ``$IPS_STUDIO_USER_DIR`` when set, else platformdirs'
    ``user_data_dir("IPS Allocation Studio")``. Not created here: writers create what they need."""
    override = os.environ.get(USER_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_DATA_NAME, appauthor=False))
