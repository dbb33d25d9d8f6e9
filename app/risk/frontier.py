"""The efficient-frontier panel of the Risk tab: the chart and a side table of the weights of
the point last clicked (hovering shows them in a tooltip)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from app.kit import formatting as fmt
from app.kit.dataframe_model import ColumnSpec, DataFrameModel
from app.kit.views import FittedTableView, SlotChart, figure_slot, read_only_table
from core.analytics.risk_report import RiskReport
from core.pipeline import AnalysisResult

if TYPE_CHECKING:
    from app.risk.charts import FrontierItems

SELECTED, RECOMMENDED = "selected", "recommended"


class FrontierPanel(QSplitter):
    """Frontier chart (object name ``frontier_chart``) and ``frontier_weights_table``."""

    point_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.chart_slot = figure_slot(
            "frontier_chart", message="Efficient frontier: waiting for the analysis…"
        )
        self.items: FrontierItems | None = None
        self._result: AnalysisResult | None = None

        self.weights_model = DataFrameModel(parent=self)
        self.weights_table = read_only_table(
            "frontier_weights_table", self.weights_model, FittedTableView()
        )
        self.selection_label = QLabel(
            "Click a point of the frontier chart to see its weights here."
        )
        self.selection_label.setObjectName("frontier_selection_label")
        self.selection_label.setWordWrap(True)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(4, 0, 0, 0)
        side_layout.addWidget(self.selection_label)
        side_layout.addWidget(self.weights_table, 1)
        self.addWidget(self.chart_slot)
        self.addWidget(side)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 1)
        self.setSizes([700, 260])

    chart = SlotChart("chart_slot")  # the frontier chart, made on first use

    def show_report(self, result: AnalysisResult, report: RiskReport) -> None:
        from app.risk import charts as risk_charts

        self._result = result
        markers = risk_charts.frontier_markers(result, report)
        self.items = risk_charts.draw_frontier(self.chart, report, markers, self.select)
        recommended = next(i for i, m in enumerate(markers) if m.recommended)
        self.select("marker", recommended)

    def select(self, kind: str, index: int) -> None:
        """Show the weights of frontier point ``index`` (kind "frontier") or marker ``index``."""
        if self.items is None or self._result is None:
            return
        title, expected_return, volatility, weights = self.items.details[(kind, index)]
        recommended = self._result.recommended.weights
        tickers = list(self._result.universe.tickers)
        frame = pd.DataFrame(
            {
                SELECTED: weights.reindex(tickers).fillna(0.0),
                RECOMMENDED: recommended.reindex(tickers).fillna(0.0),
            },
            index=tickers,
        )
        self.weights_model.set_frame(
            frame,
            [
                ColumnSpec(SELECTED, "Selected", fmt.PERCENT, tooltip=title),
                ColumnSpec(
                    RECOMMENDED, "★ Recommended", fmt.PERCENT, tooltip=self._result.recommended_name
                ),
            ],
        )
        self.selection_label.setText(
            f"<b>{title}</b><br>Expected return {expected_return:.2%}, volatility {volatility:.2%} "
            "(ex-ante, a year)"
        )
        self.point_selected.emit(title)
