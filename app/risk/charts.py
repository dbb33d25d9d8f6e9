"""Risk figures drawn from a :class:`~core.analytics.risk_report.RiskReport` onto
:class:`app.kit.chart_kit.Figure` objects: growth of $1, drawdowns, risk contribution, factor
exposures, rolling metrics and the efficient frontier. Shared by the Risk tab and
:mod:`app.shell.chart_export`; nothing here computes finance figures, it only plots core's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyqtgraph as pg

from app.kit import chart_kit as kit
from app.kit.charts import TEXT_COLOR
from app.risk.rolling_metrics import ROLLING_METRICS, RollingMetric  # noqa: F401 - re-exported
from core.analytics.factors import FactorOrigin, FactorRegression, factor_legs
from core.analytics.risk_report import BENCHMARK_SERIES, RiskReport
from core.pipeline import AnalysisResult

MAX_SHARPE_COLOR = "#2a9d8f"
FACTOR_LABELS = {
    "MKT_RF": "Market (MKT-RF)",
    "SMB": "Size (SMB)",
    "HML": "Value (HML)",
    "RMW": "Profitability (RMW)",
    "CMA": "Investment (CMA)",
    "TERM": "Rates / term",
    "CREDIT": "Credit",
    "COMMODITY": "Inflation / commodity",
    "DOLLAR": "Dollar",
}


def _names(report: RiskReport) -> tuple[str, str]:
    return f"IPS Recommended: {report.portfolio_name}", report.benchmark_label


def draw_growth(fig: kit.Figure, report: RiskReport) -> None:
    item = fig.plot
    item.clear()
    kit.date_axis(item)
    x = kit.epoch_seconds(report.paths.index)
    portfolio, benchmark = report.paths["portfolio_growth"], report.paths["benchmark_growth"]
    kit.add_line(item, x, benchmark.to_numpy(), kit.BENCHMARK_COLOR)
    kit.add_line(item, x, portfolio.to_numpy(), kit.PORTFOLIO_COLOR)
    kit.reference_line(item, 1.0, vertical=False, dashed=True)
    kit.style_plot(item, "Growth of $1 invested (monthly)", "Month", "Value of $1 ($)")
    item.showGrid(x=False, y=True, alpha=0.2)
    mine, theirs = _names(report)
    fig.set_legend(
        [
            kit.LegendEntry(kit.LINE, kit.PORTFOLIO_COLOR, f"{mine} (${portfolio.iloc[-1]:.2f})"),
            kit.LegendEntry(kit.LINE, kit.BENCHMARK_COLOR, f"{theirs} (${benchmark.iloc[-1]:.2f})"),
        ]
    )


def draw_drawdown(fig: kit.Figure, report: RiskReport) -> None:
    item = fig.plot
    item.clear()
    kit.date_axis(item)
    x = kit.epoch_seconds(report.paths.index)
    portfolio = report.paths["portfolio_drawdown"].to_numpy() * 100
    benchmark = report.paths["benchmark_drawdown"].to_numpy() * 100
    kit.add_line(item, x, benchmark, kit.BENCHMARK_COLOR, width=1.6)
    kit.add_line(item, x, portfolio, kit.PORTFOLIO_COLOR, width=1.8, fill=True)
    kit.style_plot(item, "Drawdown from the previous peak", "Month", "Drawdown (%)")
    item.showGrid(x=False, y=True, alpha=0.2)
    mine, theirs = _names(report)
    fig.set_legend(
        [
            kit.LegendEntry(
                kit.LINE, kit.PORTFOLIO_COLOR, f"{mine} (worst {portfolio.min():.1f}%)"
            ),
            kit.LegendEntry(
                kit.LINE, kit.BENCHMARK_COLOR, f"{theirs} (worst {benchmark.min():.1f}%)"
            ),
        ]
    )


def draw_risk_contribution(fig: kit.Figure, report: RiskReport) -> None:
    """Panel 0: share of risk vs weight by ETF held; panel 1: the same by asset class."""
    frame = report.portfolio_risk.to_frame()
    held = frame[(frame["weight"].abs() > 1e-6) | (frame["percent"].abs() > 1e-6)]
    etf, by_class = fig.plots[0], fig.plots[1] if len(fig.plots) > 1 else None

    def bars(item: pg.PlotItem, table: pd.DataFrame, labels: list[str]) -> None:
        kit.grouped_hbars(
            item,
            labels,
            [
                kit.BarSeries("Weight", table["weight"].to_numpy() * 100, kit.WEIGHT_COLOR),
                kit.BarSeries("Share of risk", table["percent"].to_numpy() * 100, kit.RISK_COLOR),
            ],
        )

    bars(etf, held, list(held.index))
    vol = report.portfolio_risk.volatility
    kit.style_plot(
        etf, f"By ETF held (ex-ante volatility {vol:.1%} a year)", "Percent of portfolio (%)"
    )
    if by_class is not None:
        classes = report.class_risk[
            (report.class_risk["weight"].abs() > 1e-6) | (report.class_risk["percent"].abs() > 1e-6)
        ]
        bars(by_class, classes, list(classes.index))
        kit.style_plot(by_class, "By asset class", "Percent of portfolio (%)")
    fig.set_legend(
        [
            kit.LegendEntry(kit.BAR, kit.WEIGHT_COLOR, "Weight"),
            kit.LegendEntry(kit.BAR, kit.RISK_COLOR, "Share of ex-ante risk (Euler contribution)"),
        ]
    )


def _factor_panel(
    item: pg.PlotItem, regressions: list[FactorRegression], colors: list[str]
) -> list[kit.BarSeries]:
    """Grouped bars of the betas of several regressions on the first one's factors."""
    terms = list(regressions[0].terms[1:])
    series, texts = [], []
    for regression, color in zip(regressions, colors, strict=False):
        betas = dict(zip(regression.terms[1:], regression.coefficients[1:], strict=True))
        t_stats = dict(zip(regression.terms[1:], regression.t_stats[1:], strict=True))
        series.append(kit.BarSeries(regression.scope, [betas.get(t, 0.0) for t in terms], color))
        texts.append([f"{betas[t]:.2f} (t {t_stats[t]:.1f})" if t in betas else "" for t in terms])
    kit.grouped_hbars(
        item, [factor_label(t, regressions[0].origin) for t in terms], series, texts=texts
    )
    return series


def factor_label(term: str, origin: FactorOrigin) -> str:
    """A factor's axis label: its research name for the Fama-French factors, else what the proxy
    is ("HML = SPY - QQQ"), so a proxy is never read as the research factor."""
    if origin in (FactorOrigin.FAMA_FRENCH, FactorOrigin.DATASET):
        return FACTOR_LABELS.get(term, term)
    legs = factor_legs(term, origin)
    if legs is None:
        return f"{term} (synthetic)" if origin is FactorOrigin.SYNTHETIC else term
    return f"{term} = {legs[0]} - {legs[1]}"


def draw_factor_exposures(fig: kit.Figure, report: RiskReport) -> None:
    """Panel 0: equity-factor betas of the portfolio and the equity sleeve; panel 1: the
    portfolio's multi-asset betas. Bars are betas; labels give beta and Newey-West t-stat."""
    diag = report.factors
    legend: list[kit.LegendEntry] = []
    equity = list(diag.portfolio[:1]) + ([diag.sleeve] if diag.sleeve is not None else [])
    panels = [
        (equity, [kit.PORTFOLIO_COLOR, kit.SLEEVE_COLOR]),
        (list(diag.portfolio[1:2]), [kit.PORTFOLIO_COLOR]),
    ]
    for item, (regressions, colors) in zip(fig.plots, panels, strict=False):
        item.clear()
        if not regressions:
            kit.style_plot(item, "No regression for this model (see notes)")
            continue
        series = _factor_panel(item, regressions, colors)
        fits = ", ".join(f"{r.scope.lower()} {r.r_squared:.2f}" for r in regressions)
        kit.style_plot(
            item,
            f"{regressions[0].model.value}, {regressions[0].origin.short} — R²: {fits}",
            "Beta (per unit of factor return)",
        )
        for s in series:
            if s.name not in {e.label for e in legend}:
                legend.append(kit.LegendEntry(kit.BAR, s.color, s.name))
    months = diag.portfolio[0].observations if diag.portfolio else 0
    fig.set_legend(
        legend
        + [kit.LegendEntry("", TEXT_COLOR, f"labels: beta (Newey-West t-stat), {months} months")]
    )


def rolling_metric(column: str) -> RollingMetric:
    return next(m for m in ROLLING_METRICS if m.column == column)


def draw_rolling(
    fig: kit.Figure,
    rolling: pd.DataFrame,
    column: str,
    window: int,
    portfolio_label: str,
    benchmark_label: str,
) -> None:
    """One rolling metric over time for the portfolio (and the benchmark where meaningful)."""
    metric = rolling_metric(column)
    item = fig.plot
    item.clear()
    kit.date_axis(item)
    scale = 100.0 if metric.percent else 1.0
    legend = []
    for name, color, label in (
        (BENCHMARK_SERIES, kit.BENCHMARK_COLOR, benchmark_label),
        (None, kit.PORTFOLIO_COLOR, portfolio_label),
    ):
        rows = (
            rolling[rolling["series"] == name]
            if name
            else rolling[rolling["series"] != BENCHMARK_SERIES]
        )
        if name and not metric.benchmark_shown:
            continue
        values = rows[column].to_numpy(dtype=float) * scale
        kit.add_line(item, kit.epoch_seconds(rows["date"]), values, color)
        legend.insert(0, kit.LegendEntry(kit.LINE, color, label))
    if column == "rolling_beta":
        kit.reference_line(item, 1.0, vertical=False, dashed=True)
    else:
        kit.reference_line(item, 0.0, vertical=False)
    kit.style_plot(
        item,
        f"Rolling {window}-month {metric.label.lower()}",
        "Window end",
        f"{metric.label} ({'%' if metric.percent else 'ratio'})",
    )
    item.showGrid(x=False, y=True, alpha=0.2)
    if not metric.benchmark_shown:
        legend.append(kit.LegendEntry("", TEXT_COLOR, "(the benchmark is 1 / 0 against itself)"))
    fig.set_legend(legend)


@dataclass(frozen=True)
class FrontierMarker:
    """A labelled point of the frontier chart: a candidate or the benchmark (ex-ante, annual)."""

    name: str
    volatility: float
    expected_return: float
    weights: pd.Series
    recommended: bool = False
    benchmark: bool = False


def frontier_markers(result: AnalysisResult, report: RiskReport) -> list[FrontierMarker]:
    """Every candidate and the benchmark, positioned by the analysis' ex-ante inputs."""
    markers = [
        FrontierMarker(
            c.name,
            c.expected_volatility,
            c.expected_return,
            c.weights,
            recommended=c.name == result.recommended_name,
        )
        for c in result.candidates
    ]
    tickers = list(result.inputs.tickers)
    bench = result.benchmark_weights.reindex(tickers).fillna(0.0)
    markers.append(
        FrontierMarker(
            report.benchmark_label,
            report.benchmark_risk.volatility,
            result.benchmark_expected_return,
            bench,
            benchmark=True,
        )
    )
    return markers


def weights_text(title: str, expected_return: float, volatility: float, weights: pd.Series) -> str:
    lines = [
        title,
        f"Expected return {expected_return:.2%}, volatility {volatility:.2%} (ex-ante, a year)",
    ]
    lines += [f"  {t}: {w:.1%}" for t, w in weights.items() if abs(w) >= 0.0005]
    return "\n".join(lines)


@dataclass
class FrontierItems:
    """What :func:`draw_frontier` drew: the two hoverable scatters and what each point means."""

    frontier: pg.ScatterPlotItem
    markers: pg.ScatterPlotItem
    details: dict[tuple[str, int], tuple[str, float, float, pd.Series]]


def _label_positions(xs: np.ndarray, ys: np.ndarray, x_span: float, gap: float) -> np.ndarray:
    """Label heights that keep labels of nearby points ``gap`` apart (greedy, top down)."""
    order = np.argsort(-ys, kind="stable")
    placed: list[tuple[float, float]] = []
    out = ys.copy()
    for i in order:
        y = ys[i]
        for px, py in placed:
            if abs(xs[i] - px) < 0.3 * x_span and y > py - gap:
                y = py - gap
        out[i] = y
        placed.append((xs[i], y))
    return out


def draw_frontier(
    fig: kit.Figure,
    report: RiskReport,
    markers: list[FrontierMarker],
    on_point: Callable[[str, int], None] | None = None,
) -> FrontierItems:
    """The frontier line and points, every candidate and the benchmark as labelled points.

    Hovering a point shows its weights in a tooltip; ``on_point(kind, index)`` is called when
    one is clicked (kind "frontier" or "marker").
    """
    item = fig.plot
    item.clear()
    frontier = report.frontier
    x, y = frontier.volatilities * 100, frontier.returns * 100
    details: dict[tuple[str, int], tuple[str, float, float, pd.Series]] = {}
    for k in range(frontier.points):
        details[("frontier", k)] = (
            f"Frontier point {k + 1} of {frontier.points}",
            frontier.returns[k],
            frontier.volatilities[k],
            frontier.weights_frame().iloc[k],
        )
    for i, m in enumerate(markers):
        details[("marker", i)] = (m.name, m.expected_return, m.volatility, m.weights)

    def tip(x: float, y: float, data: tuple[str, int]) -> str:  # noqa: ARG001 - pyqtgraph's signature
        title, ret, vol, weights = details[data]
        return weights_text(title, ret, vol, weights)

    kit.add_line(item, x, y, kit.PORTFOLIO_COLOR, width=2)
    line_points = pg.ScatterPlotItem(
        x=x,
        y=y,
        size=8,
        brush=pg.mkBrush("#ffffff"),
        pen=pg.mkPen(kit.PORTFOLIO_COLOR, width=1.5),
        data=[("frontier", k) for k in range(frontier.points)],
        hoverable=True,
        tip=tip,
        hoverSize=12,
        name="Efficient frontier",
    )
    item.addItem(line_points)
    best = frontier.max_sharpe_index
    item.addItem(
        pg.ScatterPlotItem(
            x=[x[best]],
            y=[y[best]],
            size=18,
            brush=pg.mkBrush(None),
            pen=pg.mkPen(MAX_SHARPE_COLOR, width=2),
        )
    )

    mx = np.array([m.volatility * 100 for m in markers])
    my = np.array([m.expected_return * 100 for m in markers])
    colors = [
        kit.BENCHMARK_COLOR if m.benchmark else ("#d4a017" if m.recommended else "#555555")
        for m in markers
    ]
    symbols = ["d" if m.benchmark else ("star" if m.recommended else "o") for m in markers]
    sizes = [14 if m.benchmark else (20 if m.recommended else 11) for m in markers]
    scatter = pg.ScatterPlotItem(
        x=mx,
        y=my,
        size=sizes,
        symbol=symbols,
        brush=[pg.mkBrush(c) for c in colors],
        pen=pg.mkPen("#222222", width=1),
        data=[("marker", i) for i in range(len(markers))],
        hoverable=True,
        tip=tip,
        name="Candidates and benchmark",
    )
    item.addItem(scatter)
    all_x, all_y = np.concatenate([x, mx]), np.concatenate([y, my])
    x_span = float(np.ptp(all_x)) or 1.0
    y_span = float(np.ptp(all_y)) or 1.0
    # Labels sit below right of their point, away from the concave frontier above it.
    label_y = _label_positions(mx, my, x_span, 0.06 * y_span)
    for m, px, py, ly in zip(markers, mx, my, label_y, strict=True):
        text = f"★ {m.name}" if m.recommended else m.name
        kit.add_text(
            item,
            text,
            px + 0.012 * x_span,
            ly - 0.012 * y_span,
            anchor=(0, 0),
            size=9,
            bold=m.recommended,
        )
        if abs(ly - py) > 1e-12:
            item.addItem(
                pg.PlotDataItem(
                    [px, px + 0.012 * x_span], [py, ly - 0.012 * y_span], pen=pg.mkPen("#999999")
                )
            )
    item.setXRange(all_x.min() - 0.05 * x_span, all_x.max() + 0.45 * x_span, padding=0)
    item.setYRange(all_y.min() - 0.12 * y_span, all_y.max() + 0.08 * y_span, padding=0)
    kit.style_plot(
        item,
        "Efficient frontier under the IPS constraints (ex-ante)",
        "Expected volatility (% a year)",
        "Expected return (% a year)",
    )
    item.showGrid(x=True, y=True, alpha=0.2)
    fig.set_legend(
        [
            kit.LegendEntry(
                f"{kit.LINE}{kit.DOT}", kit.PORTFOLIO_COLOR, f"Frontier ({frontier.points} points)"
            ),
            kit.LegendEntry("◯", MAX_SHARPE_COLOR, "Max-Sharpe frontier point"),
            kit.LegendEntry(kit.STAR, "#d4a017", "IPS Recommended"),
            kit.LegendEntry(kit.DOT, "#555555", "Other candidates"),
            kit.LegendEntry("◆", kit.BENCHMARK_COLOR, "Benchmark"),
        ]
    )
    if on_point is not None:
        for scatter_item in (line_points, scatter):
            scatter_item.sigClicked.connect(
                lambda _item, points, _ev: on_point(*points[0].data()) if len(points) else None
            )
    return FrontierItems(line_points, scatter, details)
