"""The Qt shell of IPS Allocation Studio.

``app`` adapts :mod:`core` to PySide6 and holds no finance math. Importing this package loads
no Qt module, so ``python -m app report ...`` stays headless.
"""

from __future__ import annotations

from core import DISCLAIMER

APP_NAME = "IPS Allocation Studio"
SHORT_DISCLAIMER = "Educational software — not investment advice"

__all__ = ["APP_NAME", "DISCLAIMER", "SHORT_DISCLAIMER"]
