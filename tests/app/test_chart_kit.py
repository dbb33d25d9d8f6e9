"""Chart primitives: bar value labels drawn by one item (app.kit.chart_kit.TextLabels)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from app.kit import chart_kit as kit


def _figure(qtbot) -> kit.Figure:
    fig = kit.Figure("test_bars")
    qtbot.addWidget(fig)
    fig.resize(600, 360)
    fig.show()
    return fig


def _render(fig: kit.Figure) -> np.ndarray:
    image = fig.grab().toImage().convertToFormat(QImage.Format.Format_ARGB32)
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return data.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, : image.width(), :3]


def test_grouped_bars_label_every_bar_end_with_one_item(qtbot):
    fig = _figure(qtbot)
    values = [12.5, -3.25, 0.0]
    kit.grouped_hbars(fig.plot, ["A", "B", "C"], [kit.BarSeries("s", values, "#1f5fa8")])
    labels = [i for i in fig.plot.items if isinstance(i, kit.TextLabels)]
    assert len(labels) == 1
    assert labels[0].texts() == [kit.percent_text(v) for v in values]
    # a positive value is labelled right of its bar end, a negative one left of it
    assert [lb.anchor_x for lb in labels[0].labels()] == [0.0, 1.0, 0.0]
    assert [lb.x for lb in labels[0].labels()] == values


def test_labels_are_painted_beside_the_bar_end(qtbot):
    fig = _figure(qtbot)
    kit.grouped_hbars(
        fig.plot, ["A"], [kit.BarSeries("s", [10.0], "#ffffff")]
    )  # white bar: only text is dark
    for _ in range(3):
        QApplication.processEvents()
    item = next(i for i in fig.plot.items if isinstance(i, kit.TextLabels))
    end = fig.mapFromScene(item.mapToScene(QPointF(10.0, 0.0)))
    pixels = _render(fig)
    x, y = int(end.x()), int(end.y())
    right = pixels[y - 6 : y + 6, x + 2 : x + 40]
    assert (right.min(axis=2) < 128).sum() > 10  # dark text pixels just right of the bar end
    item.hide()
    hidden = _render(fig)[y - 6 : y + 6, x + 2 : x + 40]
    assert (hidden.min(axis=2) < 128).sum() == 0  # ... and they are the label's
