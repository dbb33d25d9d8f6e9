"""Write the report charts as PNG files, offscreen, with pyqtgraph's image exporter.

:func:`write_charts` is a path-in, files-out function: it draws each figure with the same
code as the tabs (:mod:`app.risk_charts`, :mod:`app.stress_charts`) on a hidden widget of
:data:`EXPORT_SIZE` pixels and exports it. It creates a ``QApplication`` when none exists (with
``QT_QPA_PLATFORM=offscreen`` when there is no display), so ``python -m app report`` can call
it on a server. Call it from the GUI thread only (it builds widgets).

File names, in ``folder``: ``recommended_allocation.png``,
``cumulative_performance_vs_benchmark.png``, ``drawdown_comparison.png``,
``risk_contribution.png``, ``factor_exposures.png``, ``efficient_frontier.png`` and
``stress_test_results.png`` for the FIRST profile given (the primary one). Each further profile
gets the same charts with its name as a suffix: ``risk_contribution__capital_preservation.png``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import IPSStudioError

if TYPE_CHECKING:
    from core.analytics.risk_report import RiskReport
    from core.pipeline import AnalysisResult
    from core.stress.engine import StressResult

EXPORT_SIZE = (1400, 800)
CHART_NAMES = (
    "recommended_allocation",
    "cumulative_performance_vs_benchmark",
    "drawdown_comparison",
    "risk_contribution",
    "factor_exposures",
    "efficient_frontier",
    "stress_test_results",
)


class ChartExportError(IPSStudioError):
    """The charts could not be drawn or written."""


def profile_suffix(profile_name: str) -> str:
    """``"Capital Preservation"`` -> ``"__capital_preservation"`` (the suffix of non-primary charts)."""
    return "__" + (re.sub(r"[^0-9a-z]+", "_", profile_name.lower()).strip("_") or "profile")


def ensure_application() -> Any:
    """The running ``QApplication``, or a new one (offscreen when no display is available)."""
    headless = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                          or os.environ.get("WAYLAND_DISPLAY"))
    if headless:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:
        raise ChartExportError(f"Charts need PySide6 and pyqtgraph ({exc}); install them or pass "
                               "--no-charts.") from None
    return QApplication.instance() or QApplication(sys.argv[:1])


def _allocation(result: AnalysisResult, risk: RiskReport, stress: StressResult) -> Any:  # noqa: ARG001
    from app import charts

    plot = charts.make_plot("IPS Recommended allocation by ETF", object_name="allocation_chart",
                            x_label="Weight (% of portfolio value)")
    weights = result.recommended.weights
    tickers = [t for t in result.universe.tickers if t in weights.index]
    classes = [result.universe.asset_class_of(t) for t in tickers]
    charts.horizontal_bars(plot, tickers, [float(weights[t]) * 100 for t in tickers],
                           [charts.class_color(c) for c in classes])
    plot.getPlotItem().setTitle(f"{result.profile.name} — IPS Recommended: {result.recommended.name} "
                                f"({result.dataset.mode.value} data)",
                                color=charts.TEXT_COLOR, size="12pt", bold=True)
    charts.add_legend(plot, {c: charts.class_color(c) for c in result.universe.asset_classes if c in classes})
    return plot


def _figure(panels: int, draw: Callable[..., Any]) -> Callable[..., Any]:
    def build(result: AnalysisResult, risk: RiskReport, stress: StressResult) -> Any:
        from app.chart_kit import Figure

        fig = Figure("export", panels)
        draw(fig, result, risk, stress)
        return fig
    return build


def _builders() -> dict[str, Callable[[AnalysisResult, RiskReport, StressResult], Any]]:
    from app import risk_charts, stress_charts

    def frontier(fig: Any, result: AnalysisResult, risk: RiskReport, _stress: StressResult) -> None:
        risk_charts.draw_frontier(fig, risk, risk_charts.frontier_markers(result, risk))

    def stress_chart(fig: Any, result: AnalysisResult, _risk: RiskReport, stress: StressResult) -> None:
        stress_charts.draw_stress_results(fig, stress, portfolio_label=f"IPS Recommended: {result.recommended_name}",
                                          benchmark_label=result.profile.benchmark_label)

    return {
        "recommended_allocation": _allocation,
        "cumulative_performance_vs_benchmark": _figure(1, lambda f, _r, k, _s: risk_charts.draw_growth(f, k)),
        "drawdown_comparison": _figure(1, lambda f, _r, k, _s: risk_charts.draw_drawdown(f, k)),
        "risk_contribution": _figure(2, lambda f, _r, k, _s: risk_charts.draw_risk_contribution(f, k)),
        "factor_exposures": _figure(2, lambda f, _r, k, _s: risk_charts.draw_factor_exposures(f, k)),
        "efficient_frontier": _figure(1, frontier),
        "stress_test_results": _figure(1, stress_chart),
    }


def _titled(widget: Any, result: AnalysisResult, name: str) -> None:
    """Name the profile and data mode in the figure, so a PNG read alone says what it shows."""
    from app.chart_kit import Figure

    if isinstance(widget, Figure) and name != "recommended_allocation":
        widget.ci.addLabel(f"{result.profile.name} — data: {result.dataset.mode.value}", row=2, col=0,
                           colspan=len(widget.plots), color="#666666", size="9pt")


def export_widget(widget: Any, path: Path, size: tuple[int, int] = EXPORT_SIZE) -> Path:
    """Lay ``widget`` (a pyqtgraph view) out at ``size`` without showing it, and export a PNG."""
    from pyqtgraph.exporters import ImageExporter
    from PySide6.QtCore import QEventLoop, Qt
    from PySide6.QtWidgets import QApplication

    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    widget.resize(*size)
    widget.show()
    for _ in range(2):  # the layout, then the label wrapping it schedules; never user input here
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    exporter = ImageExporter(widget.scene())
    exporter.parameters()["width"] = size[0]
    exporter.parameters()["height"] = size[1]
    exporter.parameters()["background"] = "w"
    if not exporter.export(str(path)):
        raise ChartExportError(f"Could not write the chart {path}.")
    return path


def write_charts(results: Sequence[AnalysisResult], risk_reports: Sequence[RiskReport],
                 stress_results: Sequence[StressResult], folder: str | Path, *,
                 plans: Mapping[str, Any] | None = None) -> list[Path]:
    """Write every chart of every profile into ``folder`` (module docstring); returns the paths.

    The three sequences are parallel (one entry per profile, primary first). ``plans`` maps a
    profile name to its rebalancing plan; each one adds ``policy_drift.png`` (drift by ETF,
    breaches in red, the band dashed).
    """
    if not (len(results) == len(risk_reports) == len(stress_results)) or not results:
        raise ChartExportError("write_charts needs one risk report and one stress result per analysis result.")
    ensure_application()
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    builders = _builders()
    written: list[Path] = []
    for position, (result, risk, stress) in enumerate(zip(results, risk_reports, stress_results, strict=True)):
        suffix = "" if position == 0 else profile_suffix(result.profile.name)
        for name in CHART_NAMES:
            widget = builders[name](result, risk, stress)
            try:
                _titled(widget, result, name)
                written.append(export_widget(widget, out / f"{name}{suffix}.png"))
            finally:
                _dispose(widget)
        plan = (plans or {}).get(result.profile.name)
        if plan is not None:
            from app.chart_kit import Figure
            from app.rebalance_charts import draw_drift

            fig = Figure("export", 1)
            try:
                draw_drift(fig, plan.drift, title=f"Drift from target by ETF — {result.profile.name}")
                written.append(export_widget(fig, out / f"policy_drift{suffix}.png"))
            finally:
                _dispose(fig)
    return written


def _dispose(widget: Any) -> None:
    """Delete a pyqtgraph view: one left alive until interpreter exit can crash Python. With
    no event loop running (the headless report) the deletion is done here and now."""
    from PySide6.QtCore import QEvent, QThread
    from PySide6.QtWidgets import QApplication

    widget.close()
    widget.deleteLater()
    if QThread.currentThread().loopLevel() == 0:
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
