"""Guard against a Qt binding that leaks references to None (PySide6 6.12.0 on Python < 3.12: it
aborts this test with "none_dealloc"; the pin in pyproject.toml says when it was last checked)."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def test_void_qt_calls_do_not_drop_references_to_none(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(20_000):
        widget.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    # A leaking binding drops one reference per call (20,000 here); normal noise is a handful.
    assert abs(sys.getrefcount(None) - before) < 100
