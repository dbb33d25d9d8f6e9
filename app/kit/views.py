"""Small view widgets shared by the tabs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt
from PySide6.QtGui import QAction, QFont, QFontMetrics, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.kit import theme

FIT_SAMPLE_ROWS = 100
"""Rows measured at each end of a long table when fitting columns (the middle is not read)."""


class FittedTableView(QTableView):
    """A table whose columns fit their contents and share any spare width evenly.

    Unlike ``QHeaderView.Stretch`` no column gets narrower than its contents (no elided
    headers); unlike ``ResizeToContents`` no empty band is left on the right.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

    def setModel(self, model: QAbstractItemModel | None) -> None:  # noqa: N802 - Qt override
        super().setModel(model)
        if model is not None:
            model.modelReset.connect(self.fit_columns)

    def fit_columns(self) -> None:
        """Size columns to their contents, then spread the remaining viewport width over them.

        A hidden table (one on a tab not shown) only notes that it needs fitting and fits when it
        is shown. Widths come from each cell's display text measured in the bold font, one model
        call per cell: Qt's own ``resizeColumnsToContents`` asks the delegate for a size hint,
        i.e. about eight model calls per cell, on the GUI thread.
        """
        model = self.model()
        if model is None or model.columnCount() == 0:
            return
        if not self.isVisible():
            self._fit_pending = True
            return
        self._fit_pending = False
        header = self.horizontalHeader()
        columns = model.columnCount()
        for column, width in enumerate(self.content_widths()):
            header.resizeSection(column, width)
        spare = self.viewport().width() - header.length()
        if spare > columns:
            extra, rest = divmod(spare - 1, columns)
            for column in range(columns):
                header.resizeSection(column, header.sectionSize(column) + extra + (column < rest))

    def content_widths(self, sample: int = FIT_SAMPLE_ROWS) -> list[int]:
        """Per column, the width of the widest display text (of the first and last ``sample``
        rows, each measured in the font the model gives it) or of the header, whichever is wider,
        with the cell margins."""
        model = self.model()
        header = self.horizontalHeader()
        plain = QFontMetrics(self.font())
        metrics: dict[str, QFontMetrics] = {}
        margin = (
            2 * (self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1)
            + 2
        )
        rows = model.rowCount()
        sampled = (
            range(rows) if rows <= 2 * sample else [*range(sample), *range(rows - sample, rows)]
        )
        display, font_role = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.FontRole
        widths = []
        for column in range(model.columnCount()):
            width = header.sectionSizeFromContents(column).width()
            for row in sampled:
                index = model.index(row, column)
                text = model.data(index, display)
                if text is None:
                    continue
                font = model.data(index, font_role)
                if isinstance(font, QFont):
                    key = font.key()
                    if key not in metrics:
                        metrics[key] = QFontMetrics(font)
                    measure = metrics[key]
                else:
                    measure = plain
                width = max(width, measure.horizontalAdvance(str(text)) + margin)
            widths.append(width)
        return widths

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if getattr(self, "_fit_pending", False):
            self.fit_columns()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.fit_columns()


class ChartSlot(QWidget):
    """The place of a chart that is made on first use.

    Charts are pyqtgraph widgets, and pyqtgraph costs about half a second to import and a few
    tens of milliseconds per chart to build. A tab lays out slots instead, so the window opens
    without either; :meth:`chart` makes the chart (calling ``factory``) the first time something
    draws on it, which happens when its tab is shown (:mod:`app.kit.deferred`). Until then the slot
    shows ``message``.
    """

    def __init__(
        self,
        factory: Callable[[], QWidget],
        message: str = "Waiting for the analysis…",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._factory = factory
        self._chart: Any = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._placeholder = QLabel(message)
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setStyleSheet("background: white; color: #777777;")
        self._layout.addWidget(self._placeholder)
        self.setMinimumSize(300, 260)

    def is_made(self) -> bool:
        return self._chart is not None

    def chart(self) -> Any:
        """The chart widget, made now if it does not exist yet."""
        if self._chart is None:
            chart = self._factory()
            if not isValid(self._layout):  # torn down (its window closed) while the chart was made
                chart.deleteLater()
                raise RuntimeError("The chart's place was removed while the chart was being made.")
            self._chart = chart
            self._layout.removeWidget(self._placeholder)
            self._placeholder.deleteLater()
            self._layout.addWidget(self._chart)
        return self._chart


def figure_slot(
    object_name: str, panels: int = 1, message: str = "Waiting for the analysis…"
) -> ChartSlot:
    """A :class:`ChartSlot` for an :class:`app.kit.chart_kit.Figure` (imported when first made)."""

    def make() -> QWidget:
        from app.kit.chart_kit import Figure

        return Figure(object_name, panels=panels)

    slot = ChartSlot(make, message)
    slot.setObjectName(f"{object_name}_slot")
    return slot


def resize_within_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize ``widget`` to ``width`` x ``height``, less where its screen's available area is
    smaller (a margin left for the frame and title bar): windows and dialogs opened on a
    1366x768 laptop must show all of themselves."""
    screen = widget.screen()
    room = screen.availableGeometry() if screen is not None else None
    if room is not None and room.width() > 0 and room.height() > 0:
        width, height = min(width, room.width() - 40), min(height, room.height() - 80)
    widget.resize(width, height)


def keep_place(widget: QWidget) -> QWidget:
    """Let ``widget`` keep its room in the layout while hidden.

    Showing or hiding a banner (e.g. "the IPS changed since this result") otherwise moves every
    widget below it, and each chart that moves is laid out and repainted again, on the GUI thread.
    """
    policy = widget.sizePolicy()
    policy.setRetainSizeWhenHidden(True)
    widget.setSizePolicy(policy)
    return widget


class SlotChart:
    """Class attribute reading the chart of a :class:`ChartSlot` attribute, made on first use:
    ``growth_chart = SlotChart("growth_slot")``."""

    def __init__(self, slot_attribute: str) -> None:
        self._slot_attribute = slot_attribute

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return getattr(instance, self._slot_attribute).chart()


WARNING_STYLE = "background: #fff3cd; color: #664d03; border: 1px solid #e0c36a; padding: 4px;"


def warning_banner(object_name: str) -> QLabel:
    """A hidden, word-wrapped warning label (e.g. "the IPS changed since this result") that keeps
    its place in the layout, so showing it moves no chart below it (:func:`keep_place`)."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setStyleSheet(WARNING_STYLE)
    keep_place(label)
    label.hide()
    return label


def refusal_bar(model: QAbstractItemModel, object_name: str) -> QLabel:
    """An inline message over an editable table: why the last edit or paste of ``model`` (an
    :class:`~app.kit.editable_model.EditableTableModel`) was refused, whole and where the eye
    is, until the next accepted change hides it (the status bar cuts long messages and drops
    them after a few seconds)."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()

    def refused(message: str) -> None:
        label.setStyleSheet(
            f"color: {theme.text_colour('error')}; font-weight: bold; padding: 2px 4px;"
        )
        label.setText(f"⚠ {message}")
        label.show()

    def busy(message: str) -> None:
        # A large paste read in the background says so here until it ends ("" hides it).
        if not message:
            label.hide()
            return
        label.setStyleSheet(f"color: {theme.text_colour('muted')}; padding: 2px 4px;")
        label.setText(f"⏳ {message}")
        label.show()

    model.edit_rejected.connect(refused)  # type: ignore[attr-defined]
    model.state_changed.connect(label.hide)  # type: ignore[attr-defined]
    model.paste_busy.connect(busy)  # type: ignore[attr-defined]
    return label


def push_button(object_name: str, text: str, tooltip: str) -> QPushButton:
    """A named push button with its tooltip."""
    button = QPushButton(text)
    button.setObjectName(object_name)
    button.setToolTip(tooltip)
    return button


def button_row(*buttons: QWidget) -> QHBoxLayout:
    """The buttons left to right, the spare width after them."""
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row


def hint_label(text: str) -> QLabel:
    """A grey, word-wrapped line of help under a table."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {theme.text_colour('muted')};")
    return label


def group_box(title: str, *widgets: QWidget, stretch_last: bool = True) -> QGroupBox:
    """A titled box with ``widgets`` top to bottom; the last one takes the spare height."""
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(6, 6, 6, 6)
    for position, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if stretch_last and position == len(widgets) - 1 else 0)
    return box


RESIZE_PRECISION_ROWS = 200


def read_only_table(
    object_name: str,
    model: QAbstractItemModel,
    table: QTableView | None = None,
    *,
    row_height: int = 21,
    selection: QAbstractItemView.SelectionMode = QAbstractItemView.SelectionMode.ContiguousSelection,
) -> QTableView:
    """``table`` (a plain ``QTableView`` by default) showing ``model``, not editable, centred
    headers; sorts by a header click (a third click restores the table's own order) and copies
    a selected block (Ctrl+C, or the context menu) as Excel pastes it. Every read-only table of
    the app is made here."""
    table = table if table is not None else QTableView()
    table.setObjectName(object_name)
    table.setModel(model)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(selection)
    table.verticalHeader().setDefaultSectionSize(row_height)
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
    # Fitting columns measures the rows on screen and this many more, not Qt's 1,000: thousands
    # of stress scenarios took over a second of the GUI thread to fit.
    header.setResizeContentsPrecision(RESIZE_PRECISION_ROWS)
    header.setSortIndicatorClearable(True)
    header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the model's own order first
    table.setSortingEnabled(True)
    install_copy(table)
    return table


def copy_selection(table: QTableView, *, with_headers: bool = False) -> str:
    """The selected cells' bounding block as tab-separated text with CRLF line ends (what Excel
    pastes), full precision (the model's ``CLIP_ROLE`` where it has one, else the display
    text); cells inside the block but not selected stay empty."""
    from app.kit.dataframe_model import CLIP_ROLE

    model = table.model()
    chosen = {(i.row(), i.column()) for i in table.selectionModel().selectedIndexes()}
    if model is None or not chosen:
        return ""
    rows = range(min(r for r, _ in chosen), max(r for r, _ in chosen) + 1)
    columns = range(min(c for _, c in chosen), max(c for _, c in chosen) + 1)

    def text(row: int, column: int) -> str:
        if (row, column) not in chosen:
            return ""
        index = model.index(row, column)
        value = model.data(index, CLIP_ROLE)
        if value is None:
            value = model.data(index, Qt.ItemDataRole.DisplayRole)
        return "" if value is None else str(value).replace("\t", " ").replace("\n", " ")

    lines = []
    if with_headers:
        corner = [""] if not table.verticalHeader().isHidden() else []
        titles = [
            str(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
            for c in columns
        ]
        lines.append("\t".join(corner + titles))
    for row in rows:
        label = (
            [str(model.headerData(row, Qt.Orientation.Vertical) or "").strip()]
            if with_headers and not table.verticalHeader().isHidden()
            else []
        )
        lines.append("\t".join(label + [text(row, c) for c in columns]))
    return "\r\n".join(lines) + "\r\n"


def install_copy(table: QTableView) -> None:
    """Ctrl+C copies the selected block; the context menu offers it with or without headers."""
    from PySide6.QtGui import QAction, QGuiApplication, QKeySequence

    def copy(with_headers: bool) -> None:
        text = copy_selection(table, with_headers=with_headers)
        if text:
            QGuiApplication.clipboard().setText(text)

    plain = QAction("Copy", table)
    plain.setObjectName(f"{table.objectName() or 'table'}_copy")
    plain.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
    plain.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    plain.triggered.connect(lambda: copy(False))
    headed = QAction("Copy with headers", table)
    headed.setObjectName(f"{table.objectName() or 'table'}_copy_with_headers")
    headed.triggered.connect(lambda: copy(True))
    table.addAction(plain)
    table.addAction(headed)
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)


class ResizeWatch(QObject):
    """Calls ``callback`` after every resize of ``widget`` (an event filter on it)."""

    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize:
            self._callback()
        return False


def status_job_widgets(
    prefix: str, cancel: QAction, width: int
) -> tuple[QProgressBar, QToolButton]:
    """A status-bar progress bar (``{prefix}_progress_bar``, at most ``width`` px) and a text
    button for ``cancel`` (``{prefix}_cancel_button``), both hidden until a job runs."""
    bar = QProgressBar()
    bar.setObjectName(f"{prefix}_progress_bar")
    bar.setRange(0, 100)
    bar.setMaximumWidth(width)
    bar.hide()
    button = QToolButton()
    button.setObjectName(f"{prefix}_cancel_button")
    button.setDefaultAction(cancel)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.hide()
    return bar, button
