"""Locate the bundled ``resources/`` folder (universe, IPS profiles, calibration, scenarios).

The folder sits beside the ``core`` package in a source checkout or editable install, and
beside the executable in a frozen (PyInstaller) build. ``IPS_STUDIO_RESOURCES`` overrides both.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


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
