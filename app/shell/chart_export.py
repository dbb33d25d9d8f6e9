"""Write the report charts as PNG files, offscreen, with pyqtgraph's image exporter.

:func:`write_charts` is a path-in, files-out function: it draws each figure with the same
code as the tabs (:mod:`app.risk.charts`, :mod:`app.stress.charts`) on a hidden widget of
:data:`EXPORT_SIZE` pixels and exports it. It creates a ``QApplication`` when none exists (with
``QT_QPA_PLATFORM=offscreen`` when there is no display), so ``python -m app report`` can call
it on a server. Call it from the GUI thread only (it builds widgets).

File names, in ``folder``: ``recommended_allocation.png``,
``cumulative_performance_vs_benchmark.png``, ``drawdown_comparison.png``,
``risk_contribution.png``, ``factor_exposures.png``, ``efficient_frontier.png`` and
``stress_test_results.png`` for the FIRST profile given (the primary one), and
``outlook_fan_chart.png`` (the Outlook's wealth percentiles of the recommended portfolio) when
an Outlook was computed. Each further profile gets the same charts with its name as a suffix:
``risk_contribution__capital_preservation.png``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import IPSStudioError

if TYPE_CHECKING:
    from core.analytics.risk_report import RiskReport
    from core.outlook.analysis import AnalysisOutlook
    from core.pipeline import AnalysisResult
    from core.stress.engine import StressResult

EXPORT_SIZE = (1400, 800)
LAYOUT_TURNS = 3
"""Event-loop turns a figure gets to lay itself out before it is rendered: the layout, the label
wrapping it schedules, and the bar refit that the wrapping's resize schedules."""
CHART_NAMES = (
    "recommended_allocation",
    "cumulative_performance_vs_benchmark",
    "drawdown_comparison",
    "risk_contribution",
    "factor_exposures",
    "efficient_frontier",
    "stress_test_results",
)


OUTLOOK_FAN = "outlook_fan_chart"


class ChartExportError(IPSStudioError):
    """The charts could not be drawn or written."""


def profile_suffix(profile_name: str) -> str:
    """``"Capital Preservation"`` -> ``"__capital_preservation"`` (the suffix of non-primary charts)."""
    return "__" + (re.sub(r"[^0-9a-z]+", "_", profile_name.lower()).strip("_") or "profile")


def ensure_application() -> Any:
    """The running ``QApplication``, or a new one (offscreen when no display is available)."""
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if headless:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:
        raise ChartExportError(
            f"Charts need PySide6 and pyqtgraph ({exc}); install them or pass --no-charts."
        ) from None
    return QApplication.instance() or QApplication(sys.argv[:1])


Builder = Callable[["AnalysisResult", "RiskReport", "StressResult"], tuple[Any, Callable[[], None]]]
"""Makes an empty chart widget and returns it with the function that draws on it (two steps, so
that a caller can let the event loop run between them)."""


def _allocation(
    result: AnalysisResult, risk: RiskReport, stress: StressResult
) -> tuple[Any, Callable[[], None]]:  # noqa: ARG001
    from app.kit import charts

    plot = charts.make_plot(
        "IPS Recommended allocation by ETF",
        object_name="allocation_chart",
        x_label="Weight (% of portfolio value)",
    )
    return plot, lambda: _draw_allocation(plot, result)


def _draw_allocation(plot: Any, result: AnalysisResult) -> None:
    from app.kit import charts

    weights = result.recommended.weights
    tickers = [t for t in result.universe.tickers if t in weights.index]
    classes = [result.universe.asset_class_of(t) for t in tickers]
    charts.horizontal_bars(
        plot,
        tickers,
        [float(weights[t]) * 100 for t in tickers],
        [charts.class_color(c) for c in classes],
    )
    plot.getPlotItem().setTitle(
        f"{result.profile.name} — IPS Recommended: {result.recommended.name} "
        f"({result.dataset.mode.value} data)",
        color=charts.TEXT_COLOR,
        size="12pt",
        bold=True,
    )
    charts.add_legend(
        plot, {c: charts.class_color(c) for c in result.universe.asset_classes if c in classes}
    )


def _figure(panels: int, draw: Callable[..., Any]) -> Builder:
    def build(
        result: AnalysisResult, risk: RiskReport, stress: StressResult
    ) -> tuple[Any, Callable[[], None]]:
        from app.kit.chart_kit import Figure

        fig = Figure("export", panels)
        return fig, lambda: draw(fig, result, risk, stress)

    return build


def _builders() -> dict[str, Builder]:
    from app.risk import charts as risk_charts
    from app.stress import charts as stress_charts

    def frontier(fig: Any, result: AnalysisResult, risk: RiskReport, _stress: StressResult) -> None:
        risk_charts.draw_frontier(fig, risk, risk_charts.frontier_markers(result, risk))

    def stress_chart(
        fig: Any, result: AnalysisResult, _risk: RiskReport, stress: StressResult
    ) -> None:
        stress_charts.draw_stress_results(
            fig,
            stress,
            portfolio_label=f"IPS Recommended: {result.recommended_name}",
            benchmark_label=result.profile.benchmark_label,
        )

    return {
        "recommended_allocation": _allocation,
        "cumulative_performance_vs_benchmark": _figure(
            1, lambda f, _r, k, _s: risk_charts.draw_growth(f, k)
        ),
        "drawdown_comparison": _figure(1, lambda f, _r, k, _s: risk_charts.draw_drawdown(f, k)),
        "risk_contribution": _figure(
            2, lambda f, _r, k, _s: risk_charts.draw_risk_contribution(f, k)
        ),
        "factor_exposures": _figure(
            2, lambda f, _r, k, _s: risk_charts.draw_factor_exposures(f, k)
        ),
        "efficient_frontier": _figure(1, frontier),
        "stress_test_results": _figure(1, stress_chart),
    }


def _titled(widget: Any, result: AnalysisResult, name: str) -> None:
    """Name the profile and data mode in the figure, so a PNG read alone says what it shows."""
    from app.kit.chart_kit import Figure

    if isinstance(widget, Figure) and name != "recommended_allocation":
        widget.ci.addLabel(
            f"{result.profile.name} — data: {result.dataset.mode.value}",
            row=2,
            col=0,
            colspan=len(widget.plots),
            color="#666666",
            size="9pt",
        )


def _lay_out(widget: Any, size: tuple[int, int]) -> None:
    """Give ``widget`` (a pyqtgraph view) its export size, shown but never on screen."""
    from PySide6.QtCore import Qt

    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    widget.setUpdatesEnabled(
        False
    )  # laid out, never painted: the exporter renders the scene itself
    widget.resize(*size)
    widget.show()


def _render(widget: Any, size: tuple[int, int]) -> Any:
    """The laid-out ``widget`` as a ``QImage`` of ``size`` pixels on white."""
    from pyqtgraph.exporters import ImageExporter

    exporter = ImageExporter(widget.scene())
    exporter.parameters()["width"] = size[0]
    exporter.parameters()["height"] = size[1]
    exporter.parameters()["background"] = "w"
    image = exporter.export(toBytes=True)
    if image is None or image.isNull():
        raise ChartExportError("A chart could not be rendered.")
    return image


def save_image(image: Any, path: Path) -> Path:
    """Write a rendered chart as PNG (a ``QImage`` may be saved from any thread)."""
    if not image.save(str(path), "PNG"):
        raise ChartExportError(f"Could not write the chart {path}.")
    return path


def chart_steps(
    results: Sequence[AnalysisResult],
    risk_reports: Sequence[RiskReport],
    stress_results: Sequence[StressResult],
    *,
    plans: Mapping[str, Any] | None = None,
    outlooks: Sequence[AnalysisOutlook] = (),
) -> Iterator[tuple[str, Any] | None]:
    """The charts of :func:`write_charts` as small pieces of GUI-thread work.

    Yields ``None`` where the caller must let the event loop lay the figure out (at least one
    turn), and ``(file name, QImage)`` for each finished chart. A caller that runs one step per
    event-loop turn keeps the window responsive while the charts are drawn; the images can then
    be written by a worker (:func:`save_image`). Every figure is deleted, even on error.
    """
    if not (len(results) == len(risk_reports) == len(stress_results)) or not results:
        raise ChartExportError(
            "write_charts needs one risk report and one stress result per analysis result."
        )
    ensure_application()
    builders = _builders()
    for position, (result, risk, stress) in enumerate(
        zip(results, risk_reports, stress_results, strict=True)
    ):
        suffix = "" if position == 0 else profile_suffix(result.profile.name)
        pieces: list[tuple[str, str, Callable[[], tuple[Any, Callable[[], None]]]]] = [
            (
                name,
                f"{name}{suffix}.png",
                lambda name=name, r=result, k=risk, s=stress: builders[name](r, k, s),
            )
            for name in CHART_NAMES
        ]
        outlook = next((o for o in outlooks if o.result is result), None)
        if outlook is not None:
            pieces.append(
                (
                    OUTLOOK_FAN,
                    f"{OUTLOOK_FAN}{suffix}.png",
                    lambda outlook=outlook: _fan_figure(outlook),
                )
            )
        plan = (plans or {}).get(result.profile.name)
        if plan is not None:
            pieces.append(
                (
                    "policy_drift",
                    f"policy_drift{suffix}.png",
                    lambda plan=plan, r=result: _drift_figure(plan, r),
                )
            )
        for name, file_name, build in pieces:
            widget, draw = build()
            try:
                yield None  # making a figure and drawing on it are two pieces of work
                draw()
                if name != "policy_drift":
                    _titled(widget, result, name)
                _lay_out(widget, EXPORT_SIZE)
                for _ in range(LAYOUT_TURNS):
                    yield None
                image = _render(widget, EXPORT_SIZE)
            finally:
                _dispose(widget)
            yield file_name, image


def _fan_figure(outlook: AnalysisOutlook) -> tuple[Any, Callable[[], None]]:
    from app.kit.chart_kit import Figure
    from app.outlook.charts import draw_fan

    result = outlook.outlook
    fig = Figure("export", 1)
    return fig, lambda: draw_fan(
        fig,
        result.portfolios[0],
        result.policy.target_path(result.settings.months),
        subtitle=f"{result.settings.paths:,} paths, {result.settings.horizon_years:g} years",
    )


def _drift_figure(plan: Any, result: AnalysisResult) -> tuple[Any, Callable[[], None]]:
    from app.kit.chart_kit import Figure
    from app.rebalancing.charts import draw_drift

    fig = Figure("export", 1)
    return fig, lambda: draw_drift(
        fig, plan.drift, title=f"Drift from target by ETF — {result.profile.name}"
    )


def write_charts(
    results: Sequence[AnalysisResult],
    risk_reports: Sequence[RiskReport],
    stress_results: Sequence[StressResult],
    folder: str | Path,
    *,
    plans: Mapping[str, Any] | None = None,
    outlooks: Sequence[AnalysisOutlook] = (),
) -> list[Path]:
    """Write every chart of every profile into ``folder`` (module docstring); returns the paths.

    The three sequences are parallel (one entry per profile, primary first). ``plans`` maps a
    profile name to its rebalancing plan; each one adds ``policy_drift.png`` (drift by ETF,
    breaches in red, the band dashed); ``outlooks`` (one per profile, any order) each add
    ``outlook_fan_chart.png``. This runs :func:`chart_steps` in one go (the headless
    report); the window runs them one per event-loop turn instead.
    """
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    steps = chart_steps(results, risk_reports, stress_results, plans=plans, outlooks=outlooks)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for step in steps:
        if step is None:
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        else:
            written.append(save_image(step[1], out / step[0]))
    return written


def _dispose(widget: Any) -> None:
    """Delete a figure now, whether an event loop runs or not (rules: :mod:`app.kit.feature`).

    ``deleteLater()`` is not enough here: Qt deletes such an object only when control returns to
    an event loop, and the headless report has none (a deferred delete posted with no loop
    running waits for a loop that never starts). The figure then lived until interpreter exit,
    where it was torn down after ``QApplication``, which can crash Python. A direct delete is
    safe because of how :func:`chart_steps` runs: on the GUI thread, from its own loop or a
    timer, never inside one of the figure's event handlers or signals (the case Qt warns about);
    ``~QObject`` drops the figure's still-posted events and its child timers with it.
    """
    from shiboken6 import delete, isValid

    if isValid(widget):
        widget.close()
        delete(widget)
