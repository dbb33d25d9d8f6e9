"""Native Excel charts (openpyxl.chart) of the committee workbook.

Every chart reads cells of the workbook (never a picture or a file path), so it follows the
numbers if a committee member edits them. All charts show the selected (first) profile, whose
rows come first in every stacked table.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

SERIES_COLORS = ("1F4E78", "A5A5A5", "C55A11", "548235")
WIDE_CM, TALL_CM = 17.0, 8.5


def _finish(
    chart: Any,
    title: str,
    *,
    y_title: str = "",
    x_title: str = "",
    number_format: str = "0%",
    width: float = WIDE_CM,
    height: float = TALL_CM,
) -> Any:
    chart.title = title
    chart.width, chart.height = width, height
    chart.y_axis.title = y_title or None
    chart.x_axis.title = x_title or None
    chart.y_axis.number_format = number_format
    chart.x_axis.delete = False  # openpyxl 3.1 hides axes unless told otherwise
    chart.y_axis.delete = False
    if len(chart.series) > 1:
        chart.legend.position = "b"
    else:
        chart.legend = None
    for k, series in enumerate(chart.series):
        _colour(
            series,
            SERIES_COLORS[k % len(SERIES_COLORS)],
            line_only=type(chart).__name__ != "BarChart",
        )
    return chart


def _colour(series: Any, colour: str, *, line_only: bool) -> None:
    from openpyxl.chart.shapes import GraphicalProperties
    from openpyxl.drawing.line import LineProperties

    props = GraphicalProperties(ln=LineProperties(solidFill=colour, w=22000 if line_only else None))
    if not line_only:
        props.solidFill = colour
    series.graphicalProperties = props


def _column(frame: pd.DataFrame, name: str) -> int:
    return list(frame.columns).index(name) + 1


def _first_profile_rows(
    frame: pd.DataFrame, header_row: int = 1, mask: pd.Series | None = None
) -> tuple[int, int]:
    """Sheet rows (first, last) of the first profile's rows (optionally filtered by a contiguous mask)."""
    first_profile = frame["profile_name"].iloc[0]
    keep = frame["profile_name"] == first_profile
    if mask is not None:
        keep &= mask
    positions = [i for i, k in enumerate(keep) if k]
    return header_row + 1 + positions[0], header_row + 1 + positions[-1]


def bar_chart(
    ws: Any,
    frame: pd.DataFrame,
    *,
    category: str,
    values: list[str],
    title: str,
    anchor: str,
    horizontal: bool = False,
    mask: pd.Series | None = None,
    number_format: str = "0%",
    header_row: int = 1,
    height: float = TALL_CM,
    titles: list[str] | None = None,
) -> Any:
    """A clustered bar chart of some columns of a table on ``ws`` (first profile's rows)."""
    from openpyxl.chart import BarChart, Reference, Series

    first, last = _first_profile_rows(frame, header_row, mask)
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.grouping = "clustered"
    for k, name in enumerate(values):
        col = _column(frame, name)
        series = Series(
            Reference(ws, min_col=col, min_row=first, max_row=last),
            title=(titles[k] if titles else name.replace("_", " ")),
        )
        chart.series.append(series)
    chart.set_categories(
        Reference(ws, min_col=_column(frame, category), min_row=first, max_row=last)
    )
    if horizontal:
        chart.x_axis.scaling.orientation = "maxMin"  # first row at the top, as in the table
        chart.x_axis.tickLblPos = "low"  # labels left of the plot even when values are negative
    _finish(chart, title, number_format=number_format, height=height)
    ws.add_chart(chart, anchor)
    return chart


def class_allocation_chart(ws: Any, header_row: int, last_row: int, anchor: str) -> Any:
    """Portfolio vs benchmark weight by asset class (Executive Summary table, columns A-C)."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.add_data(
        Reference(ws, min_col=2, max_col=3, min_row=header_row, max_row=last_row),
        titles_from_data=True,
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=last_row))
    _finish(chart, "Asset-class allocation: portfolio vs benchmark", height=7.5)
    ws.add_chart(chart, anchor)
    return chart


def line_chart(
    target_ws: Any,
    data_ws: Any,
    frame: pd.DataFrame,
    *,
    values: list[str],
    titles: list[str],
    title: str,
    anchor: str,
    number_format: str,
) -> Any:
    """A line chart over the ``date`` column of a table on ``data_ws``, placed on ``target_ws``."""
    from openpyxl.chart import LineChart, Reference, Series

    chart = LineChart()
    last = len(frame) + 1
    for name, label in zip(values, titles, strict=True):
        col = _column(frame, name)
        series = Series(Reference(data_ws, min_col=col, min_row=2, max_row=last), title=label)
        series.smooth = False
        chart.series.append(series)
    from openpyxl.chart.axis import DateAxis

    chart.y_axis.crossAx = 500
    chart.x_axis = DateAxis(crossAx=100)
    chart.x_axis.number_format = "yyyy"
    chart.x_axis.majorTimeUnit = "years"
    chart.x_axis.majorUnit = 2
    chart.set_categories(
        Reference(data_ws, min_col=_column(frame, "date"), min_row=2, max_row=last)
    )
    _finish(chart, title, number_format=number_format)
    target_ws.add_chart(chart, anchor)
    return chart


def frontier_chart(ws: Any, frame: pd.DataFrame, anchor: str) -> Any:
    """Expected return against volatility along the first profile's efficient frontier."""
    from openpyxl.chart import Reference, ScatterChart, Series

    first, last = _first_profile_rows(frame)
    chart = ScatterChart()
    chart.style = 13
    x = Reference(ws, min_col=_column(frame, "volatility"), min_row=first, max_row=last)
    y = Reference(ws, min_col=_column(frame, "expected_return"), min_row=first, max_row=last)
    series = Series(y, x, title="Efficient frontier (ex-ante)")
    series.marker.symbol = "circle"
    chart.series.append(series)
    chart.x_axis.number_format = "0.0%"
    _finish(
        chart,
        "Efficient frontier: expected return vs volatility",
        number_format="0.0%",
        x_title="Volatility (annual)",
        y_title="Expected return (annual)",
    )
    ws.add_chart(chart, anchor)
    return chart


def anchor_beside(
    frame: pd.DataFrame, *, header_row: int = 1, wide: int = 9, short: int = 45
) -> str:
    """Where a chart goes: right of a narrow table, below a short wide one, else right of it."""
    from openpyxl.utils import get_column_letter

    columns, rows = len(frame.columns), len(frame)
    if columns <= wide or rows > short:
        return f"{get_column_letter(columns + 2)}{header_row + 1}"
    return f"B{header_row + rows + 3}"


def fan_chart(target_ws: Any, data_ws: Any, frame: pd.DataFrame, *, title: str, anchor: str) -> Any:
    """Wealth percentiles over the years (the Outlook fan) as lines, from a ``year`` column and
    ``wealth_p*`` / ``objective_wealth`` columns of a table on ``data_ws``."""
    from openpyxl.chart import LineChart, Reference, Series

    chart = LineChart()
    last = len(frame) + 1
    for name in [c for c in frame.columns if c != "year"]:
        col = _column(frame, name)
        label = (
            "earning the objective"
            if name == "objective_wealth"
            else name.replace("wealth_p", "") + "th percentile"
        )
        series = Series(Reference(data_ws, min_col=col, min_row=2, max_row=last), title=label)
        series.smooth = False
        chart.series.append(series)
    chart.set_categories(
        Reference(data_ws, min_col=_column(frame, "year"), min_row=2, max_row=last)
    )
    _finish(
        chart,
        title,
        y_title="Wealth (x starting assets)",
        x_title="Years",
        number_format="0.00",
    )
    target_ws.add_chart(chart, anchor)
    return chart
