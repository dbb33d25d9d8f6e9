"""Render the Markdown memo to ``investment_memo.pdf`` with Qt (no extra dependency).

:func:`render_memo_pdf` lays the memo out with ``QTextDocument.setMarkdown`` and prints it to a
``QPdfWriter``: A4 portrait, 2 cm margins, page numbers in the footer, chart images
(``![...](charts/x.png)``, resolved against ``base_dir``) scaled to the text width, tables with
a shaded header row. It is a path-in, file-out function with the signature of
:data:`core.report.package.PdfRenderer`. Qt is imported inside the functions, so importing
this module stays cheap; it runs on a worker thread (no widget is created) and, on a machine
without a display, creates an offscreen application when none exists.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from core.errors import IPSStudioError

BODY_POINT_SIZE = 9.5
RESOLUTION_DPI = 300
MAX_IMAGE_HEIGHT_SHARE = 0.45  # of the page's text height


class MemoPdfError(IPSStudioError):
    """The memo PDF could not be written."""


def ensure_gui_application() -> Any:
    """The running Qt application, or a new one (offscreen when no display is available)."""
    from PySide6.QtCore import QCoreApplication

    existing = QCoreApplication.instance()
    if existing is not None:
        return existing
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication  # a widgets app, so charts can be drawn later too

    return QApplication(sys.argv[:1])


def _style_tables_and_images(
    document: Any, base_dir: Path, text_width: float, max_height: float
) -> None:
    """Give tables full width, padding and a shaded header; scale every image to fit the text area."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import (
        QBrush,
        QColor,
        QImage,
        QTextCursor,
        QTextDocument,
        QTextLength,
        QTextTable,
    )

    for table in document.rootFrame().childFrames():
        if not isinstance(table, QTextTable):
            continue
        fmt = table.format()
        fmt.setCellPadding(2)
        fmt.setCellSpacing(0)
        fmt.setWidth(QTextLength(QTextLength.Type.PercentageLength, 100))
        table.setFormat(fmt)
        for column in range(table.columns()):  # header row shaded
            cell = table.cellAt(0, column)
            cell_format = cell.format().toTableCellFormat()
            cell_format.setBackground(QBrush(QColor("#D9EAF7")))
            cell.setFormat(cell_format)

    images = []  # (position, length, format): collected first, the document changes below
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().isImageFormat():
                images.append(
                    (fragment.position(), fragment.length(), fragment.charFormat().toImageFormat())
                )
            it += 1
        block = block.next()
    for position, length, image_format in images:
        name = image_format.name()
        image = QImage(str(base_dir / name))
        if image.isNull():
            raise MemoPdfError(f"The chart {name} referenced by the memo could not be read.")
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        scale = min(text_width / image.width(), max_height / image.height())
        image_format.setWidth(image.width() * scale)
        image_format.setHeight(image.height() * scale)
        cursor = QTextCursor(document)
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.setCharFormat(image_format)


def render_memo_pdf(
    markdown: str, pdf_path: str | Path, base_dir: str | Path | None = None
) -> Path:
    """Write ``markdown`` as an A4 PDF at ``pdf_path`` (module docstring); returns the path.

    Raises
    ------
    MemoPdfError
        A referenced chart cannot be read or the PDF cannot be written.
    """
    ensure_gui_application()
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument

    path = Path(pdf_path)
    base = Path(base_dir) if base_dir is not None else path.parent
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    # QTextDocument.print_ adds its own 2 cm margins and the page numbers when it paginates.
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    writer.setResolution(RESOLUTION_DPI)
    heading = next((ln[2:].strip() for ln in markdown.splitlines() if ln.startswith("# ")), "")
    writer.setTitle(heading or "Investment Committee Memo")
    writer.setCreator("IPS Allocation Studio")

    document = QTextDocument()
    font = QFont()
    font.setPointSizeF(BODY_POINT_SIZE)
    document.setDefaultFont(font)
    document.setDocumentMargin(0)
    document.setMarkdown(markdown)
    # print_ lays the document out on the device (pixels at RESOLUTION_DPI) inside 2 cm margins.
    # Image sizes are read in 96-dpi CSS pixels and scaled to the device, so convert.
    dpi = writer.logicalDpiX()
    margin = 2 / 2.54 * dpi
    text_width = (writer.width() - 2 * margin) * 96 / dpi - 4
    text_height = (writer.height() - 2 * margin) * 96 / dpi
    _style_tables_and_images(document, base, text_width, text_height * MAX_IMAGE_HEIGHT_SHARE)
    document.print_(writer)
    del writer  # flushes and closes the file
    if not path.exists() or path.stat().st_size == 0:
        raise MemoPdfError(f"The memo PDF {path} could not be written.")
    return path
