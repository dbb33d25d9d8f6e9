"""The drift chart of a :class:`~core.rebalance.DriftReport` on a :class:`app.kit.chart_kit.Figure`:
one bar per ETF (percentage points from its target), breaches in red, the absolute band as
dashed lines and each ETF's narrower relative band as tick marks. A bar's value label sits
outside its end and outside the band tick and dashed line on that side, never over them. Drawn by the Rebalancing tab
(and reusable by the report's chart writer for ``charts/policy_drift.png``).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from app.kit import chart_kit as kit
from app.kit.charts import AXIS_COLOR, class_color
from core.rebalance import DriftReport, effective_band

BAND_COLOR = "#555555"
TICK_COLOR = "#8a8a8a"
LABEL_MIN_PP = 1.0
LABEL_ROOM = 1.45  # x range beyond the largest bar or band, for the value labels


def drift_text(value: float) -> str:
    """``6.0`` (pp) -> ``"+6.0"``, without ``-0.0``."""
    return f"{value:+.1f}" if abs(value) >= 0.05 else "0.0"


def draw_drift(
    fig: kit.Figure, report: DriftReport, *, title: str = "Drift from target by ETF"
) -> None:
    """Bars of ``current - target`` per ETF, in percentage points (see the module docstring)."""
    item = fig.plot
    item.clear()
    labels = [e.ticker for e in report.etfs]
    values = np.array([e.drift * 100 for e in report.etfs])
    if not labels:
        fig.reset("No ETFs to show")
        return
    positions = np.arange(len(labels), dtype=float)
    brushes = [
        pg.mkBrush(kit.BREACH_COLOR if e.breach else class_color(e.asset_class))
        for e in report.etfs
    ]
    item.addItem(
        pg.BarGraphItem(
            x0=np.minimum(values, 0.0),
            y=positions,
            height=0.7,
            width=np.abs(values),
            brushes=brushes,
            pen=pg.mkPen(None),
        )
    )
    band = report.bands.absolute * 100
    kit.reference_line(item, 0.0, vertical=True, color=AXIS_COLOR)
    for edge in (-band, band):
        kit.reference_line(item, edge, vertical=True, color=BAND_COLOR, dashed=True)
    narrow = [
        (i, effective_band(e.target_weight, report.bands) * 100)
        for i, e in enumerate(report.etfs)
        if e.target_weight > 0 and effective_band(e.target_weight, report.bands) * 100 < band - 1e-9
    ]
    if narrow:
        xs = [x for _, b in narrow for x in (-b, b)]
        ys = [float(i) for i, _ in narrow for _ in (0, 1)]
        item.addItem(
            pg.ScatterPlotItem(x=xs, y=ys, symbol="|", size=11, pen=pg.mkPen(TICK_COLOR, width=1.5))
        )
    ticks = dict(narrow)
    kit.add_labels(
        item,
        [  # small drifts unlabelled: the table has them
            kit.Label(
                float(value),
                float(y),
                drift_text(value),
                0.0 if value >= 0 else 1.0,
                kit.BREACH_COLOR if etf.breach else kit.TEXT_COLOR,
                # Outside the bar end AND the row's band tick and the dashed band line on that
                # side: the labels used to be drawn over them.
                clear_of=tuple(
                    (1.0 if value >= 0 else -1.0) * edge
                    for edge in (band, ticks.get(row))
                    if edge is not None
                ),
            )
            for row, (y, value, etf) in enumerate(zip(positions, values, report.etfs, strict=True))
            if etf.breach or abs(value) >= LABEL_MIN_PP
        ],
        size=8,
    )
    kit.category_axis(item, labels)
    limit = max(float(np.abs(values).max()), band) * LABEL_ROOM
    item.setXRange(-limit, limit, padding=0)
    item.setYRange(-0.6, len(labels) - 0.4, padding=0)
    item.showGrid(x=True, y=False, alpha=0.2)
    kit.style_plot(item, title, "Current − target (percentage points)")
    legend = [
        kit.LegendEntry(kit.BAR, kit.BREACH_COLOR, f"breach ({len(report.breaches)})"),
        kit.LegendEntry("╌╌", BAND_COLOR, f"band ±{band:.1f} pp"),
    ]
    if narrow:
        # "│" (box drawing), not "|": a line may break after "|" even before a no-break space.
        legend.append(kit.LegendEntry("│", TICK_COLOR, "relative band"))
    classes = dict.fromkeys(e.asset_class for e in report.etfs if not e.breach)
    legend += [kit.LegendEntry(kit.BAR, class_color(c), c) for c in classes]
    fig.set_legend(legend)
