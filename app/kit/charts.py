"""pyqtgraph helpers: white plots with readable fonts, labelled axes and bar charts.

Imported when a tab is built (not at application import) because pyqtgraph is heavy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetrics

TEXT_COLOR = "#222222"
AXIS_COLOR = "#777777"
ASSET_CLASS_COLORS: dict[str, str] = {
    "Equity": "#2f6db5",
    "Fixed Income": "#3a9a5b",
    "Alternatives": "#d98a1c",
    "Cash": "#8c8c8c",
}
FALLBACK_COLOR = "#6a51a3"


def class_color(asset_class: str) -> str:
    return ASSET_CLASS_COLORS.get(asset_class, FALLBACK_COLOR)


def _font(point_size: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSize(point_size)
    font.setBold(bold)
    return font


def make_plot(
    title: str, *, object_name: str, x_label: str = "", y_label: str = ""
) -> pg.PlotWidget:
    """A static (no mouse pan/zoom) white plot with a title, axis labels and light grid."""
    pg.setConfigOptions(antialias=True)
    plot = pg.PlotWidget(background="w")
    plot.setObjectName(object_name)
    item = plot.getPlotItem()
    item.setTitle(title, color=TEXT_COLOR, size="11pt", bold=True)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setTickFont(_font(9))
        axis.setTextPen(TEXT_COLOR)
        axis.setPen(AXIS_COLOR)
    label_style = {"color": TEXT_COLOR, "font-size": "10pt"}
    if x_label:
        item.setLabel("bottom", x_label, **label_style)
    if y_label:
        item.setLabel("left", y_label, **label_style)
    item.showGrid(x=True, y=False, alpha=0.2)
    item.setMenuEnabled(False)
    item.hideButtons()
    plot.setMouseEnabled(x=False, y=False)
    return plot


def horizontal_bars(
    plot: pg.PlotWidget,
    labels: Sequence[str],
    values: Sequence[float],
    colors: Sequence[str],
    *,
    value_text: Callable[[float], str] = lambda v: f"{v if abs(v) >= 0.05 else 0.0:.1f}%",
) -> None:
    """Replace the plot's content with one bar per label, top to bottom, values printed at the ends."""
    item = plot.getPlotItem()
    item.clear()
    if item.legend is not None:
        item.legend.clear()
    positions = list(range(len(labels)))
    if not positions:
        return
    bars = pg.BarGraphItem(
        x0=0.0,
        y=positions,
        height=0.7,
        width=list(values),
        brushes=[pg.mkBrush(c) for c in colors],
        pen=pg.mkPen(None),  # a zero weight draws nothing
    )
    item.addItem(bars)
    left = item.getAxis("left")
    left.setTicks([list(zip(positions, labels, strict=True))])
    left.setStyle(tickLength=0)  # a tick beside a zero bar read as a minus sign ("-0.0%")
    # A fixed width from the longest label: otherwise pyqtgraph drops labels wider than the
    # width it guessed on the first paint.
    left.setWidth(max(QFontMetrics(_font(9)).horizontalAdvance(t) for t in labels) + 18)
    item.invertY(True)
    for y, value in zip(positions, values, strict=True):
        text = pg.TextItem(value_text(value), color=TEXT_COLOR, anchor=(0, 0.5))
        text.setFont(_font(9))
        text.setPos(value, y)
        item.addItem(text)
    top = max(max(values, default=0.0), 1e-9)
    item.setXRange(0.0, top * 1.22, padding=0)
    major = next((step for step in (1, 2, 5, 10, 20, 25, 50) if top * 1.22 / step <= 8), 100)
    item.getAxis("bottom").setTickSpacing(major=major, minor=major)
    item.setYRange(-0.6, len(positions) - 0.4, padding=0)


def add_legend(plot: pg.PlotWidget, entries: Mapping[str, str]) -> None:
    """A legend of coloured squares, bottom right of the plot area."""
    item = plot.getPlotItem()
    legend = item.legend if item.legend is not None else item.addLegend(offset=(-10, -10))
    legend.setLabelTextColor(TEXT_COLOR)
    legend.setBrush(pg.mkBrush(255, 255, 255, 230))
    legend.setPen(pg.mkPen(AXIS_COLOR))
    legend.clear()
    for name, color in entries.items():
        sample = pg.ScatterPlotItem(
            symbol="s", size=11, brush=pg.mkBrush(color), pen=pg.mkPen(color)
        )
        legend.addItem(sample, name)
