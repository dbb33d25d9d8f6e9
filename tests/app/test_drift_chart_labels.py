"""The drift chart's value labels sit clear of the bars, the band ticks and the dashed band lines,
and chart legends wrap between entries, never inside one (issue 15, #17). Geometry is compared in
scene coordinates, where the chart is painted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt

from app.kit import chart_kit as kit
from app.rebalancing.charts import draw_drift
from core.policy.profile import DriftBands
from core.rebalance import Holdings
from core.rebalance.drift import drift_report
from core.universe import default_universe

# Target and current weights in percent, where the old placement drew labels over markers:
# QQQ -2.9 pp ends just inside its relative-band tick (-3.1), IWM -1.9 just inside its tick
# (-1.975), SPY +4.8 just inside the dashed +5 pp band line; breaches AGG -5.5 and HYG +5.5.
WEIGHTS = {
    "SPY": (20.5, 25.3),
    "QQQ": (12.4, 9.5),
    "IWM": (7.9, 6.0),
    "EFA": (2.3, 2.3),
    "EEM": (5.5, 5.5),
    "AGG": (15.0, 9.5),
    "TLT": (13.2, 11.9),
    "SHY": (8.8, 8.8),
    "LQD": (1.4, 1.4),
    "HYG": (3.9, 9.4),
    "VNQ": (0.0, 0.0),
    "GLD": (7.1, 7.1),
    "DBC": (0.0, 0.0),
    "SGOV": (2.0, 2.0),
}


def report():
    universe = default_universe()
    value = 2_000_000.0
    positions = {t: now / 100 * value / 100.0 for t, (_target, now) in WEIGHTS.items() if now}
    cash = value - sum(positions.values()) * 100.0
    holdings = Holdings(positions, dict.fromkeys(universe.tickers, 100.0), cash=cash)
    targets = pd.Series({t: target / 100 for t, (target, _now) in WEIGHTS.items()})
    return drift_report(holdings, targets, DriftBands(0.05, 0.25), universe)


def scene_rect(item, rect: QRectF) -> QRectF:
    return item.mapRectToScene(rect)


def drawn(qtbot, width, height):
    figure = kit.Figure("drift_test")
    qtbot.addWidget(figure)
    figure.resize(width, height)
    figure.show()
    qtbot.waitExposed(figure)
    draw_drift(figure, report(), title="Drift from target")
    for _ in range(3):
        qtbot.wait(20)  # the layout settles and the labels re-wrap
    return figure


def obstacles(plot):
    """Scene rectangles of every bar and band tick, and the scene x of the dashed band lines."""
    rects, lines = [], []
    for item in plot.items:
        if isinstance(item, pg.BarGraphItem):
            opts = item.opts
            for x0, y, w in zip(opts["x0"], opts["y"], opts["width"], strict=True):
                h = opts["height"]
                rects.append(scene_rect(item, QRectF(x0, y - h / 2, w, h)))
        elif isinstance(item, pg.ScatterPlotItem):
            for point in item.points():
                centre = item.mapToScene(QPointF(point.pos().x(), point.pos().y()))
                half = point.size() / 2
                # A "|" tick: a vertical stroke about 4 px wide as drawn, ``size`` px tall.
                rects.append(QRectF(centre.x() - 2.0, centre.y() - half, 4.0, 2 * half))
        elif isinstance(item, pg.InfiniteLine) and item.pen.style() == Qt.PenStyle.DashLine:
            lines.append(item.mapToScene(QPointF(item.value(), 0)).x())
    return rects, lines


@pytest.mark.parametrize(("width", "height"), [(330, 360), (420, 380), (700, 420)])
def test_value_labels_sit_clear_of_bars_ticks_and_band_lines(qtbot, width, height):
    figure = drawn(qtbot, width, height)
    plot = figure.plot
    labels = next(i for i in plot.items if isinstance(i, kit.TextLabels))
    boxes = [scene_rect(labels, r) for r in labels.text_rects()]
    assert {lb.text for lb in labels.labels()} >= {"+4.8", "-2.9", "-1.9", "-5.5", "+5.5"}
    rects, lines = obstacles(plot)
    assert len(lines) == 2 and len(rects) > 14
    view = plot.getViewBox().sceneBoundingRect()
    for label, box in zip(labels.labels(), boxes, strict=True):
        for rect in rects:
            assert not box.intersects(rect), (label.text, box, rect)
        for x in lines:
            assert not box.left() <= x <= box.right(), (label.text, box, x)
        assert view.contains(box), (label.text, box, view)  # never cut off by the plot edge


def test_legend_lines_break_between_entries_only(qtbot):
    figure = drawn(qtbot, 330, 360)
    document = figure.legend.item.document()
    block = document.begin()
    layout = block.layout()
    text = block.text()
    lines = [
        text[line.textStart() : line.textStart() + line.textLength()]
        for line in (layout.lineAt(i) for i in range(layout.lineCount()))
    ]
    assert len(lines) >= 2  # narrow enough to wrap
    # Each glyph stays with its words: the glyph, a no-break space, the label, on one line.
    entries = ["╌╌ band ±5.0 pp", "│ relative band", "■ Fixed Income", "■ breach (2)"]
    for entry in entries:
        whole = entry.replace(" ", "\xa0")
        assert any(whole in line for line in lines), (entry, lines)


def test_the_label_moves_past_a_marker_it_would_cover():
    # Unit check of the placement rule, in data units at 0.1 units a pixel: a 30 px label right
    # of x = 1 would span 1.3 to 4.3 (gap 3 px); a marker at 2 is inside, so the label starts
    # past it (2 + 3 px margin), and a marker at 9 (beyond the new span) is ignored.
    item = kit.TextLabels([kit.Label(1.0, 0.0, "x", 0.0, clear_of=(9.0, 2.0))])
    assert item.placed_x(item.labels()[0], 30.0, 0.1) == pytest.approx(2.3)
    left = kit.Label(-1.0, 0.0, "x", 1.0, clear_of=(-2.0,))
    assert item.placed_x(left, 30.0, 0.1) == pytest.approx(-2.3)
    assert item.placed_x(kit.Label(1.0, 0.0, "x", 0.0, clear_of=(5.0,)), 30.0, 0.1) == 1.0
    assert np.isfinite(item.placed_x(item.labels()[0], 30.0, 0.0))


def legend_lines(figure):
    block = figure.legend.item.document().begin()
    layout, text = block.layout(), block.text()
    return [
        text[line.textStart() : line.textStart() + line.textLength()]
        for line in (layout.lineAt(i) for i in range(layout.lineCount()))
    ]


def test_an_entry_wider_than_a_line_breaks_between_words_never_at_its_hyphen(qtbot):
    # The Risk tab's growth chart at 1366x768: "IPS Recommended: Mean- | Variance Utility".
    figure = kit.Figure("legend_test")
    qtbot.addWidget(figure)
    figure.resize(330, 300)
    figure.show()
    qtbot.waitExposed(figure)
    long = "IPS Recommended: Mean-Variance Utility ($2.22)"
    figure.set_legend(
        [
            kit.LegendEntry(kit.LINE, "#1f5fa8", long),
            kit.LegendEntry(kit.LINE, "#e07b20", "SPY 60% / AGG 40% ($2.36)"),
        ]
    )
    qtbot.wait(20)
    lines = legend_lines(figure)
    assert len(lines) >= 2
    assert any("Mean\u2011Variance" in line for line in lines), lines  # never "Mean-" | "Variance"
    # Broken after its colon, the rest of the phrase whole.
    assert any("Mean\u2011Variance\xa0Utility\xa0($2.22)" in line for line in lines), lines
    assert any("SPY\xa060%\xa0/\xa0AGG\xa040%\xa0($2.36)" in line for line in lines), lines
