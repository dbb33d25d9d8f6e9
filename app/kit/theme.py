"""Light and dark palettes that follow the system colour scheme.

With Qt >= 6.5 :meth:`QStyleHints.colorScheme` says whether the system is dark; older Qt falls
back to the lightness of the current window colour. When the system is dark but the style's
palette is light (Linux desktops without a dark platform theme), the Fusion style gets an
explicit dark palette. Charts keep their white plot background and dark text, so they stay
readable in both; badges and banners set their own background and text colours together.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QPalette

DISCLAIMER_COLOURS = {False: "#7a2e0e", True: "#ffb38a"}
DISCLAIMER_STYLE = "color: {}; font-weight: bold; padding: 0 6px;"

_DARK = {
    QPalette.ColorRole.Window: "#2b2b2b",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1f1f1f",
    QPalette.ColorRole.AlternateBase: "#2a2a2a",
    QPalette.ColorRole.ToolTipBase: "#3a3a3a",
    QPalette.ColorRole.ToolTipText: "#f0f0f0",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#353535",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Link: "#6cb4ff",
    QPalette.ColorRole.Highlight: "#3d7bd9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.PlaceholderText: "#9a9a9a",
}


def system_is_dark(app: QGuiApplication | None = None) -> bool:
    """True when the system colour scheme is dark."""
    app = app or QGuiApplication.instance()
    if app is None:
        return False
    hints = app.styleHints()
    if hasattr(hints, "colorScheme"):
        scheme = hints.colorScheme()
        if scheme != Qt.ColorScheme.Unknown:
            return scheme == Qt.ColorScheme.Dark
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7f7f7f"))
    return palette


_state = {"dark_palette_applied": False}


def apply_system_theme(app) -> bool:  # noqa: ANN001 - a QApplication
    """Match the palette to the system scheme; return True when the result is dark."""
    dark = system_is_dark(app)
    style = app.style()
    style_is_dark = style.standardPalette().color(QPalette.ColorRole.Window).lightness() < 128
    if dark and not style_is_dark:
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
        _state["dark_palette_applied"] = True
    elif not dark and _state["dark_palette_applied"]:  # back to light: undo only what we did
        app.setPalette(app.style().standardPalette())
        _state["dark_palette_applied"] = False
    return dark


def follow_system_theme(app) -> None:  # noqa: ANN001 - a QApplication
    """Apply the system scheme now and whenever it changes (Qt >= 6.5)."""
    apply_system_theme(app)
    hints = app.styleHints()
    if hasattr(hints, "colorSchemeChanged"):
        hints.colorSchemeChanged.connect(lambda _scheme: apply_system_theme(app))


def disclaimer_style(dark: bool | None = None) -> str:
    """The status-bar disclaimer's style, readable on the current palette."""
    return DISCLAIMER_STYLE.format(DISCLAIMER_COLOURS[system_is_dark() if dark is None else dark])


# -- table cell colours: the one hook every table model asks ---------------------------------
# (foreground, background) per style, for a light and a dark table background. Both are always
# set together, so text never lands light-on-light or dark-on-dark whatever the palette.
CELL_STYLES: dict[str, dict[bool, tuple[str | None, str | None]]] = {
    "subtotal": {False: ("#1f2328", "#eef1f5"), True: ("#eef1f5", "#33383f")},
    "readonly": {False: ("#1f2328", "#eef1f5"), True: ("#d8dce2", "#2c3036")},
    "highlight": {False: ("#3d2e00", "#fff4cc"), True: ("#ffe8a3", "#4a3d12")},
    "pass": {False: ("#155724", "#d4edda"), True: ("#b9f2c6", "#1d4a2a")},
    "fail": {False: ("#721c24", "#f8d7da"), True: ("#ffc7cd", "#5c1f27")},
    "blank": {False: ("#6c727b", None), True: ("#9aa0a8", None)},
}
_BRUSHES: dict[tuple[str, bool], tuple[QBrush | None, QBrush | None]] = {}


def table_is_dark() -> bool:
    """True when tables are drawn on a dark background (the palette's Base colour)."""
    app = QGuiApplication.instance()
    if app is None:
        return False
    return QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128


def cell_brushes(style: str, dark: bool | None = None) -> tuple[QBrush | None, QBrush | None]:
    """``(foreground, background)`` brushes of a table-cell ``style`` (:data:`CELL_STYLES`)
    for the current palette; None where the palette's own colour is right."""
    dark = table_is_dark() if dark is None else dark
    key = (style, dark)
    if key not in _BRUSHES:
        fg, bg = CELL_STYLES[style][dark]
        _BRUSHES[key] = (
            QBrush(QColor(fg)) if fg else None,
            QBrush(QColor(bg)) if bg else None,
        )
    return _BRUSHES[key]


# -- coloured text on the window's own background (labels, notes) ------------------------------
TEXT_COLOURS: dict[str, dict[bool, str]] = {
    "muted": {False: "#555555", True: "#a9aeb5"},
    "ok": {False: "#155724", True: "#8fe0a0"},
    "error": {False: "#721c24", True: "#ff9aa5"},
    "alert": {False: "#b00020", True: "#ff8a80"},
    "warn": {False: "#7a4f01", True: "#ffd27a"},
}


def text_colour(kind: str, dark: bool | None = None) -> str:
    """A text colour (``"#rrggbb"``) of ``kind`` readable on the window background in use.
    Labels take it when their text is set, so a palette switch shows on the next update."""
    return TEXT_COLOURS[kind][table_is_dark() if dark is None else dark]
