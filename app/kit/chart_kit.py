"""Chart primitives shared by the Risk and Stress tabs and the PNG exporter (pyqtgraph).

A :class:`Figure` is a white ``GraphicsLayoutWidget`` holding one or more styled plots side by
side and a legend row under them (coloured glyphs in a text label, so a legend never covers
data). :mod:`app.risk.charts` and :mod:`app.stress.charts` draw core results onto a Figure, so
the tab and the exported PNG show the same picture. Values are plotted in display units
(percent as 12.3, not 0.123); the axis labels say so.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QFontMetricsF, QPainter, QResizeEvent
from PySide6.QtWidgets import QApplication, QWidget

from app.kit.charts import AXIS_COLOR, TEXT_COLOR

PORTFOLIO_COLOR = "#1f5fa8"
BENCHMARK_COLOR = "#e07b25"
SLEEVE_COLOR = "#2a9d8f"
WEIGHT_COLOR = "#a9c4e4"
RISK_COLOR = "#c0392b"
BREACH_COLOR = "#b00020"
TITLE_SIZE = "11pt"
LINE, BAR, DOT, STAR = "━━", "■", "●", "★"


def font(point_size: int, bold: bool = False) -> QFont:
    result = QFont()
    result.setPointSize(point_size)
    result.setBold(bold)
    return result


def percent_text(value: float) -> str:
    """``-12.34`` (already in percent) -> ``"-12.3%"``, without ``-0.0%``."""
    return f"{value if abs(value) >= 0.05 else 0.0:.1f}%"


def epoch_seconds(index: pd.Index) -> np.ndarray:
    """Dates as UNIX seconds (the x values of a :class:`pyqtgraph.DateAxisItem`)."""
    stamps = pd.DatetimeIndex(index)
    return (stamps - pd.Timestamp("1970-01-01")) / pd.Timedelta(seconds=1)


def style_axis(axis: pg.AxisItem) -> None:
    axis.enableAutoSIPrefix(False)  # a "(x0.001)" scale on a beta or percent axis misleads
    axis.setTickFont(font(9))
    axis.setTextPen(TEXT_COLOR)
    axis.setPen(AXIS_COLOR)


def style_plot(item: pg.PlotItem, title: str = "", x_label: str = "", y_label: str = "") -> None:
    """Title, axis labels and fonts; no mouse pan/zoom, no context menu (charts are static)."""
    if title:
        item.setTitle(title, color=TEXT_COLOR, size=TITLE_SIZE, bold=True)
    for name in ("left", "bottom"):
        style_axis(item.getAxis(name))
    label_style = {"color": TEXT_COLOR, "font-size": "10pt"}
    item.setLabel("bottom", x_label, **label_style)
    item.setLabel("left", y_label, **label_style)
    item.setMenuEnabled(False)
    item.hideButtons()
    item.getViewBox().setMouseEnabled(x=False, y=False)


@dataclass(frozen=True)
class LegendEntry:
    """One legend item: a glyph (:data:`LINE`, :data:`BAR`, ...), its colour and its text."""

    glyph: str
    color: str
    label: str


class Figure(pg.GraphicsLayoutWidget):
    """One or more plots side by side with a shared legend row below them."""

    def __init__(self, object_name: str, panels: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self.setObjectName(object_name)
        self.setBackground("w")
        self.setMinimumSize(300, 260)
        self.plots: list[pg.PlotItem] = []
        for column in range(panels):
            item = self.addPlot(row=0, col=column)
            style_plot(item)
            item.getViewBox().sigResized.connect(self._on_view_box_resized)
            self.plots.append(item)
        self.legend = pg.LabelItem(justify="center")
        self.ci.addItem(self.legend, row=1, col=0, colspan=panels)
        self.ci.layout.setRowStretchFactor(0, 1)
        application = QApplication.instance()
        if application is not None:
            # Tear the scene down while Qt is whole: a pyqtgraph view still holding items when
            # Python finalizes the application can crash the interpreter on exit.
            application.aboutToQuit.connect(self.close)
        for column in range(panels):
            self.ci.layout.setColumnStretchFactor(column, 1)

    @property
    def plot(self) -> pg.PlotItem:
        return self.plots[0]

    def resizeEvent(self, event: QResizeEvent | None) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        # pyqtgraph resizes once inside its own __init__, and again in close() after deleting
        # the scene's items: the labels may not exist yet, or any more.
        if hasattr(self, "legend") and not getattr(self, "closed", False):
            self.wrap_labels()
            self._on_view_box_resized()  # again once the layout has settled

    def _on_view_box_resized(self, *_args: object) -> None:
        """Re-wrap the labels once per event-loop turn, however many view boxes resized: a
        layout pass resizes every view box several times, and each wrap costs a text layout."""
        if not getattr(self, "_relayout_pending", False) and not getattr(self, "closed", False):
            self._relayout_pending = True
            QTimer.singleShot(0, self, self._relayout)

    def _relayout(self) -> None:
        self._relayout_pending = False
        self.wrap_labels()

    def wrap_labels(self) -> None:
        """Wrap titles and the legend to the current width. A pyqtgraph label is otherwise as
        wide as its text, and a long one widens the layout past the widget (the right side of the
        figure is cut off)."""
        if getattr(self, "closed", False):
            return
        width = max(self.width() - 16, 120)
        for item in self.plots:
            wrap_title(item, (item.getViewBox().width() or width / len(self.plots)) - 10)
        self._set_legend_text(max(width - 40, 60.0))
        wrap_label(self.legend, width - 40)

    def reset(self, message: str = "") -> None:
        """Empty every panel; ``message`` (e.g. "Computing…") becomes the first panel's title."""
        for item in self.plots:
            item.clear()
            item.setTitle("")
        if message:
            self.plots[0].setTitle(message, color=AXIS_COLOR, size=TITLE_SIZE)
        self.set_legend(())

    def set_legend(self, entries: Sequence[LegendEntry]) -> None:
        self._legend_entries = tuple(entries)
        self._legend_html = ""
        self.wrap_labels()  # drawing functions set titles first and the legend last

    def _set_legend_text(self, width: float) -> None:
        """The legend's text for ``width`` pixels: lines break between entries, never inside
        one ("absolute band ±5.0 | pp" was cut mid-phrase), unless an entry is wider than a
        line on its own; then after its colon ("IPS Recommended: | Mean-Variance Utility"), or
        between its words without one, never at a hyphen ("Mean- | Variance")."""
        metrics = QFontMetricsF(font(10))
        parts = []
        for entry in getattr(self, "_legend_entries", ()):
            label = entry.label.replace("-", "\u2011")  # non-breaking hyphen
            whole = metrics.horizontalAdvance(f"{entry.glyph} {label}") + 8 <= width
            text = html.escape(label)
            glued = text.replace(" ", "&nbsp;")
            if not whole:  # break after "IPS Recommended:" if it has one, else between words
                glued = glued.replace(":&nbsp;", ": ") if ":&nbsp;" in glued else text
            parts.append(f"<span style='color: {entry.color};'>{entry.glyph}</span>&nbsp;{glued}")
        text = "&nbsp;&nbsp;&nbsp; ".join(parts)
        if text != getattr(self, "_legend_html", None):
            self._legend_html = text
            self.legend.setText(text, color=TEXT_COLOR, size="10pt")


def wrap_label(label: pg.LabelItem, width: float) -> None:
    """Give ``label`` a fixed text width (centred lines) so that it wraps instead of widening."""
    label.item.setTextWidth(max(width, 60.0))
    document = label.item.document()
    option = document.defaultTextOption()
    option.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    document.setDefaultTextOption(option)
    if not getattr(label, "ips_wrapping", False):
        # setText() recomputes the minimum from the text; keep the width free of it.
        update_min = label.updateMin

        def free_width_update_min() -> None:
            update_min()
            label.setMinimumWidth(0)

        label.updateMin = free_width_update_min
        label.ips_wrapping = True
    label.updateMin()
    label.resizeEvent(None)  # re-centre the text item for its new width (as setText does)


SETTLED_PX = 1.0
"""A width change smaller than this re-wraps no title and refits no bar chart. Refitting moves
the axis ticks, which can change the view's width by a fraction of a pixel, which would refit
again: without this dead band a chart re-laid itself out forever (about 50 times a second)."""


def wrap_title(item: pg.PlotItem, width: float) -> None:
    """Wrap a plot's title to ``width`` (the title sits over the view box only, not the axis)
    and give its row the height of the wrapped lines (pyqtgraph fixes the title row at 30 px)."""
    label = item.titleLabel
    done = getattr(label, "ips_wrapped_for", None)
    if done is not None and done[1] == label.text and abs(done[0] - width) < SETTLED_PX:
        return
    label.ips_wrapped_for = (width, label.text)
    wrap_label(label, width)
    if label.isVisible():
        height = max(30.0, label.item.boundingRect().height() + 4)
        label.setMaximumHeight(height)
        item.layout.setRowFixedHeight(0, height)


def add_text(
    item: pg.PlotItem,
    text: str,
    x: float,
    y: float,
    *,
    anchor: tuple[float, float] = (0, 0.5),
    color: str = TEXT_COLOR,
    size: int = 9,
    bold: bool = False,
) -> pg.TextItem:
    label = pg.TextItem(text, color=color, anchor=anchor)
    label.setFont(font(size, bold))
    label.setPos(x, y)
    item.addItem(label)
    return label


@dataclass(frozen=True)
class Label:
    """One label of :class:`TextLabels`: ``text`` at data point (``x``, ``y``), vertically centred,
    its left edge there (``anchor_x`` 0) or its right edge (``anchor_x`` 1); ``color`` or the item's."""

    x: float
    y: float
    text: str
    anchor_x: float = 0.0
    color: str | None = None
    clear_of: tuple[float, ...] = ()
    """Data x of thin markers on the label's row (band ticks, reference lines): a label that
    would cover one moves outward past it (:meth:`TextLabels.placed_x`)."""


class TextLabels(pg.GraphicsObject):
    """Many short labels at data points, drawn by ONE graphics item at a fixed pixel size.

    pyqtgraph's ``TextItem`` is a graphics object with its own text document per label, and its
    creation, transform updates and painting cost about a millisecond each on the GUI thread: a
    bar chart with 30 value labels spent most of its drawing time there. These labels are
    painted in device coordinates in one pass; they never widen the plot's auto range.
    """

    GAP_PX = 3.0  # between the anchor point (a bar end) and the text
    MARKER_PX = 3.0  # half the room a thin marker of ``Label.clear_of`` takes, beside its line

    def __init__(self, labels: Sequence[Label], *, size: int = 8, color: str = TEXT_COLOR) -> None:
        super().__init__()
        self._labels = tuple(labels)
        self._font = font(size)
        self._color = pg.mkColor(color)
        metrics = QFontMetricsF(self._font)
        self._widths = [metrics.horizontalAdvance(label.text) for label in self._labels]
        self._ascent, self._descent = metrics.ascent(), metrics.descent()
        self._bounds: QRectF | None = None  # cached until the view transform changes

    def texts(self) -> list[str]:
        return [label.text for label in self._labels]

    def labels(self) -> tuple[Label, ...]:
        return self._labels

    def dataBounds(self, axis: int, frac: float = 1.0, orthoRange: object = None) -> None:  # noqa: N802, ARG002
        return None  # labels follow the ranges the bars set; they never widen them

    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph hook
        self.prepareGeometryChange()  # the pixel extent of the text is a new data extent
        self._bounds = None

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        # Qt asks for this many times per paint; pyqtgraph's pixel size costs a matrix inversion.
        if self._bounds is None:
            self._bounds = self._compute_bounds()
        return QRectF(self._bounds)

    def placed_x(self, label: Label, width: float, px: float) -> float:
        """The data x the label is drawn from: its own ``x``, or past the markers of
        ``clear_of`` that its text (``width`` pixels, ``px`` data units a pixel) would cover,
        moving away from the bar (right for ``anchor_x`` 0, left for 1)."""
        outward = 1.0 if label.anchor_x < 0.5 else -1.0
        x = label.x
        span = (width + 2 * self.GAP_PX) * px
        margin = self.MARKER_PX * px
        for marker in sorted(label.clear_of, key=lambda m: outward * m):
            near, far = (x - margin, x + span) if outward > 0 else (x - span, x + margin)
            if near <= marker <= far:
                x = marker + outward * margin
        return x

    def text_rects(self) -> list[QRectF]:
        """Each label's text box in data coordinates, where :meth:`paint` draws it."""
        px, py = abs(self.pixelWidth() or 0.0), abs(self.pixelHeight() or 0.0)
        half = (self._ascent + self._descent) / 2
        rects = []
        for label, width in zip(self._labels, self._widths, strict=True):
            x = self.placed_x(label, width, px)
            left = x + self.GAP_PX * px if label.anchor_x < 0.5 else x - (self.GAP_PX + width) * px
            rects.append(QRectF(left, label.y - half * py, width * px, 2 * half * py))
        return rects

    def _compute_bounds(self) -> QRectF:
        if not self._labels:
            return QRectF()
        px, py = abs(self.pixelWidth() or 0.0), abs(self.pixelHeight() or 0.0)
        half_height = (self._ascent + self._descent) / 2 + 1
        left = min(
            self.placed_x(lb, w, px) - lb.anchor_x * (w + 2 * self.GAP_PX) * px
            for lb, w in zip(self._labels, self._widths, strict=True)
        )
        right = max(
            self.placed_x(lb, w, px) + (1 - lb.anchor_x) * (w + 2 * self.GAP_PX) * px
            for lb, w in zip(self._labels, self._widths, strict=True)
        )
        top = min(lb.y for lb in self._labels) - half_height * py
        bottom = max(lb.y for lb in self._labels) + half_height * py
        return QRectF(left, top, right - left, bottom - top)

    def paint(self, painter: QPainter, *_args: object) -> None:
        transform = painter.transform()  # data -> device
        painter.save()
        painter.resetTransform()
        painter.setFont(self._font)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        baseline = (self._ascent - self._descent) / 2
        current = None
        px = abs(self.pixelWidth() or 0.0)
        for label, width in zip(self._labels, self._widths, strict=True):
            colour = pg.mkColor(label.color) if label.color else self._color
            if colour != current:
                painter.setPen(colour)
                current = colour
            x = self.placed_x(label, width, px) if label.clear_of else label.x
            point = transform.map(QPointF(x, label.y))
            shift = self.GAP_PX if label.anchor_x < 0.5 else -self.GAP_PX - width
            painter.drawText(QPointF(point.x() + shift, point.y() + baseline), label.text)
        painter.restore()


def add_labels(item: pg.PlotItem, labels: Sequence[Label], *, size: int = 8) -> TextLabels:
    """Add ``labels`` to ``item`` as one :class:`TextLabels`."""
    labels_item = TextLabels(labels, size=size)
    item.addItem(labels_item)
    return labels_item


def add_line(
    item: pg.PlotItem,
    x: np.ndarray,
    y: np.ndarray,
    color: str,
    *,
    width: float = 2.0,
    fill: bool = False,
    name: str | None = None,
) -> pg.PlotDataItem:
    """A line, optionally filled down to zero with a translucent tint of its colour."""
    kwargs = {}
    if fill:
        tint = pg.mkColor(color)
        tint.setAlpha(45)
        kwargs = {"fillLevel": 0.0, "brush": pg.mkBrush(tint)}
    curve = pg.PlotDataItem(
        np.asarray(x, float),
        np.asarray(y, float),
        pen=pg.mkPen(color, width=width),
        name=name,
        **kwargs,
    )
    item.addItem(curve)
    return curve


def reference_line(
    item: pg.PlotItem,
    value: float,
    *,
    vertical: bool,
    color: str = AXIS_COLOR,
    dashed: bool = False,
) -> pg.InfiniteLine:
    pen = pg.mkPen(
        color, width=1.5, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
    )
    line = pg.InfiniteLine(pos=value, angle=90 if vertical else 0, pen=pen)
    item.addItem(line)
    return line


def date_axis(item: pg.PlotItem) -> None:
    """Replace the bottom axis with a date axis (x values from :func:`epoch_seconds`)."""
    axis = pg.DateAxisItem(orientation="bottom")
    item.setAxisItems({"bottom": axis})
    style_axis(axis)


@dataclass(frozen=True)
class BarSeries:
    """One series of a grouped bar chart: values in display units, one per category."""

    name: str
    values: Sequence[float]
    color: str


def category_axis(item: pg.PlotItem, labels: Sequence[str]) -> None:
    """Category labels top to bottom on the left axis, wide enough never to drop one."""
    left = item.getAxis("left")
    left.setTicks([list(enumerate(labels))])
    left.setWidth(
        max((QFontMetrics(font(9)).horizontalAdvance(t) for t in labels), default=20) + 16
    )
    item.invertY(True)


def group_offset(k: int, count: int) -> float:
    """Where bar ``k`` of ``count`` sits in its group, relative to the label's row (the layout
    of :func:`grouped_hbars`; markers drawn over the bars use it)."""
    return -0.4 + 0.8 / count * (k + 0.5)


def grouped_hbars(
    item: pg.PlotItem,
    labels: Sequence[str],
    series: Sequence[BarSeries],
    *,
    value_text: Callable[[float], str] | None = percent_text,
    texts: Sequence[Sequence[str]] | None = None,
    text_size: int = 8,
    include: Sequence[float] = (),
) -> None:
    """Horizontal bars, one group per label (top to bottom), one bar per series in each group.

    Negative values extend left of a zero line. The end of each bar carries ``texts[series][label]``
    when given, else ``value_text(value)`` (None: no labels). The x range covers the bars, the
    values in ``include`` and, whatever the plot's pixel width, the printed labels.
    """
    item.clear()
    if not labels or not series:
        return
    count = len(series)
    height = 0.8 / count
    values = np.array([[float(v) for v in s.values] for s in series])  # (series, labels)
    metrics = QFontMetrics(font(text_size))
    left_px = right_px = 0
    for k, s in enumerate(series):
        y = np.arange(len(labels)) + group_offset(k, count)
        bars = pg.BarGraphItem(
            x0=np.minimum(values[k], 0.0),
            y=y,
            height=height * 0.92,
            width=np.abs(values[k]),
            brush=pg.mkBrush(s.color),
            pen=pg.mkPen(None),
        )
        item.addItem(bars)
        if texts is None and value_text is None:
            continue
        shown = texts[k] if texts is not None else [value_text(v) for v in values[k]]  # type: ignore[misc]
        add_labels(
            item,
            [
                Label(float(value), float(position), text, 0.0 if value >= 0 else 1.0)
                for position, value, text in zip(y, values[k], shown, strict=True)
            ],
            size=text_size,
        )
        for value, text in zip(values[k], shown, strict=True):
            if value >= 0:
                right_px = max(right_px, metrics.horizontalAdvance(text) + 12)
            else:
                left_px = max(left_px, metrics.horizontalAdvance(text) + 12)
    reference_line(item, 0.0, vertical=True)
    category_axis(item, labels)
    lo = min(float(values.min()), 0.0, *include)
    hi = max(float(values.max()), 0.0, *include)
    item.ips_bar_fit = (lo, hi, left_px, right_px)  # read by _fit_bars on every resize
    if not getattr(item, "ips_bar_fit_connected", False):
        item.getViewBox().sigResized.connect(lambda _vb: _fit_bars_later(item))
        item.ips_bar_fit_connected = True
    _fit_bars(item)
    item.setYRange(-0.6, len(labels) - 0.4, padding=0)
    item.showGrid(x=True, y=False, alpha=0.2)


def _fit_bars_later(item: pg.PlotItem) -> None:
    """Refit once per event-loop turn however often the view box resizes (each refit is a range
    change that pyqtgraph propagates through the axes)."""
    if not getattr(item, "ips_bar_fit_pending", False):
        item.ips_bar_fit_pending = True
        QTimer.singleShot(0, item, lambda: _fit_bars(item))


def _fit_bars(item: pg.PlotItem) -> None:
    """Set the x range so that bar-end labels of known pixel width fit at the current width."""
    item.ips_bar_fit_pending = False
    lo, hi, left_px, right_px = item.ips_bar_fit
    width = max(float(item.getViewBox().width()), 80.0)
    fitted = getattr(item, "ips_bar_fitted", None)
    if fitted is not None and fitted[0] == item.ips_bar_fit and abs(fitted[1] - width) < SETTLED_PX:
        return  # already fitted for these bars at (about) this width
    item.ips_bar_fitted = (item.ips_bar_fit, width)
    right, left = min(right_px / width, 0.45), min(left_px / width, 0.45)
    span = max(hi - lo, 1e-9) / max(1.0 - right - left, 0.1)
    item.setXRange(lo - left * span, hi + right * span, padding=0)


def elide(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
