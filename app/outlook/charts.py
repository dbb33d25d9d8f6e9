"""Outlook figures drawn onto :class:`app.kit.chart_kit.Figure` objects: the fan chart of wealth
percentiles over time and the histogram of terminal wealth. Wealth is in multiples of the
starting assets (1.0 = the starting value), after the IPS's cash flows.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from app.kit import chart_kit as kit
from core.outlook.answers import PortfolioOutlook
from core.outlook.simulation import FAN_PERCENTILES

OBJECTIVE_COLOR = "#2a9d8f"


def _band(item: pg.PlotItem, x: np.ndarray, low: np.ndarray, high: np.ndarray, alpha: int) -> None:
    tint = pg.mkColor(kit.PORTFOLIO_COLOR)
    tint.setAlpha(alpha)
    lower = pg.PlotDataItem(x, low, pen=pg.mkPen(tint, width=1))
    upper = pg.PlotDataItem(x, high, pen=pg.mkPen(tint, width=1))
    item.addItem(lower)
    item.addItem(upper)
    item.addItem(pg.FillBetweenItem(lower, upper, brush=pg.mkBrush(tint)))


def draw_fan(
    fig: kit.Figure, answer: PortfolioOutlook, target_path: np.ndarray, subtitle: str = ""
) -> None:
    """Percentile bands 5-95 and 25-75, the median, and the objective's own wealth path;
    ``subtitle`` (the simulation settings, for an exported image) follows the title."""
    item = fig.plot
    item.clear()
    bands = answer.wealth_percentiles
    x = np.arange(bands.shape[1]) / 12.0
    _band(item, x, bands[0], bands[4], 45)
    _band(item, x, bands[1], bands[3], 90)
    kit.add_line(item, x, bands[2], kit.PORTFOLIO_COLOR, width=2.5)
    kit.add_line(item, x, target_path, OBJECTIVE_COLOR, width=2.0)
    kit.reference_line(item, 1.0, vertical=False, dashed=True)
    kit.style_plot(
        item,
        f"{kit.elide(answer.name, 50)}: wealth percentiles over the horizon"
        + (f" ({subtitle})" if subtitle else ""),
        "Years",
        "Wealth (x starting assets, after cash flows)",
    )
    fig.set_legend(
        [
            kit.LegendEntry(kit.LINE, kit.PORTFOLIO_COLOR, "median"),
            kit.LegendEntry(kit.BAR, kit.PORTFOLIO_COLOR, "25th-75th and 5th-95th percentiles"),
            kit.LegendEntry(kit.LINE, OBJECTIVE_COLOR, "earning exactly the return objective"),
        ]
    )


def draw_histogram(fig: kit.Figure, answer: PortfolioOutlook, bins: int = 60) -> None:
    """Terminal wealth of every path, with the objective's terminal wealth and the percentiles."""
    item = fig.plot
    item.clear()
    wealth = answer.simulated.terminal_wealth
    upper = float(np.percentile(wealth, 99.5))
    counts, edges = np.histogram(np.minimum(wealth, upper), bins=bins)
    share = counts / max(len(wealth), 1) * 100
    item.addItem(
        pg.BarGraphItem(
            x0=edges[:-1],
            x1=edges[1:],
            height=share,
            brush=pg.mkBrush(kit.WEIGHT_COLOR),
            pen=pg.mkPen(kit.PORTFOLIO_COLOR, width=0.5),
        )
    )
    kit.reference_line(
        item, answer.target_wealth, vertical=True, color=OBJECTIVE_COLOR, dashed=True
    )
    kit.reference_line(
        item, answer.terminal_percentiles[50], vertical=True, color=kit.PORTFOLIO_COLOR
    )
    kit.style_plot(
        item,
        f"Terminal wealth of {len(wealth):,} paths",
        "Wealth at the horizon (x starting assets; the top 0.5% in the last bar)",
        "Share of paths (%)",
    )
    fig.set_legend(
        [
            kit.LegendEntry(
                kit.LINE, kit.PORTFOLIO_COLOR, f"median {answer.terminal_percentiles[50]:.2f}x"
            ),
            kit.LegendEntry(
                "╌╌", OBJECTIVE_COLOR, f"return objective's wealth {answer.target_wealth:.2f}x"
            ),
        ]
    )


__all__ = ["FAN_PERCENTILES", "draw_fan", "draw_histogram"]
