"""Stress figures drawn from a :class:`~core.stress.engine.StressResult` onto
:class:`app.kit.chart_kit.Figure` objects: portfolio vs benchmark by scenario, and one scenario's
contributions by ETF and by asset class. Shared by the Stress tab and :mod:`app.shell.chart_export`.
"""

from __future__ import annotations

from app.kit import chart_kit as kit
from core.stress.engine import ScenarioOutcome, StressResult

LABEL_LIMIT = 42
MAX_BARS = 30
"""Most scenarios one chart draws: the worst ones for the portfolio, the others counted in the
title ("and 9,986 more in the table"), so thousands of pasted scenarios stay a legible chart."""


def shown_outcomes(stress: StressResult, limit: int = MAX_BARS) -> tuple[ScenarioOutcome, ...]:
    """Every outcome when there are at most ``limit``; else the ``limit`` worst for the
    portfolio, in the table's order."""
    outcomes = stress.outcomes
    if len(outcomes) <= limit:
        return outcomes
    worst = set(sorted(range(len(outcomes)), key=lambda k: outcomes[k].portfolio_return)[:limit])
    return tuple(o for k, o in enumerate(outcomes) if k in worst)


def _dollars(value: float) -> str:
    return f"{'-' if value < 0 else '+'}${abs(value):,.0f}"


def _contribution_text(value: float) -> str:
    """Bar-end label in percent; nothing for a zero contribution (an ETF the series does not hold)."""
    return "" if abs(value) < 0.005 else f"{value:.2f}%"


def scenario_label(outcome: ScenarioOutcome, limit: int = LABEL_LIMIT) -> str:
    text = kit.elide(outcome.name, limit)
    return f"⚠ {text}" if outcome.breaches_drawdown_tolerance else text


START_TO_END = "◆"


def draw_stress_results(
    fig: kit.Figure,
    stress: StressResult,
    *,
    portfolio_label: str = "Portfolio",
    benchmark_label: str = "Benchmark",
    value_labels: bool = True,
    label_limit: int = LABEL_LIMIT,
) -> None:
    """Grouped bars of every scenario's portfolio and benchmark **path drawdown** (the deepest
    peak-to-trough fall of the monthly path; the loss itself for a one-period scenario), with
    each one's start-to-end return as a diamond marker on its bar, and the IPS drawdown
    tolerance as a dashed line. The breach flag (⚠) compares the path drawdown with the
    tolerance, so a flagged scenario's portfolio bar always crosses the line, even when its
    start-to-end return (after a rebound) sits inside it. ``value_labels`` prints each bar's
    value (off where a table beside the chart gives the numbers); scenario names longer than
    ``label_limit`` characters are shortened with "…"."""
    import numpy as np
    import pyqtgraph as pg

    item = fig.plot
    outcomes = shown_outcomes(stress)
    hidden = len(stress.outcomes) - len(outcomes)
    ends = [
        [o.portfolio_return * 100 for o in outcomes],
        [o.benchmark_return * 100 for o in outcomes],
    ]
    kit.grouped_hbars(
        item,
        [scenario_label(o, label_limit) for o in outcomes],
        [
            kit.BarSeries(
                portfolio_label, [o.path_drawdown * 100 for o in outcomes], kit.PORTFOLIO_COLOR
            ),
            kit.BarSeries(
                benchmark_label,
                [o.benchmark_path_drawdown * 100 for o in outcomes],
                kit.BENCHMARK_COLOR,
            ),
        ],
        # room for the whole diamond at the end of the axis: the markers' values, 5% further out
        include=[-stress.drawdown_tolerance * 100 * 1.05, *(v * 1.05 for v in ends[0] + ends[1])],
        value_text=kit.percent_text if value_labels else None,
    )
    for k, (values, color) in enumerate(
        zip(ends, (kit.PORTFOLIO_COLOR, kit.BENCHMARK_COLOR), strict=True)
    ):
        item.addItem(
            pg.ScatterPlotItem(
                x=np.asarray(values, dtype=float),
                y=np.arange(len(outcomes)) + kit.group_offset(k, 2),
                symbol="d",
                size=9,
                brush=pg.mkBrush("w"),
                pen=pg.mkPen(color, width=1.6),
                name=f"start-to-end {k}",
            )
        )
    tolerance = -stress.drawdown_tolerance * 100
    kit.reference_line(item, tolerance, vertical=True, color=kit.BREACH_COLOR, dashed=True)
    item.setYRange(
        -1.2, len(outcomes) - 0.4, padding=0
    )  # room above the first group for the line's label
    kit.add_text(
        item,
        f"IPS drawdown tolerance {tolerance:.0f}%",
        tolerance,
        -0.75,
        anchor=(-0.03, 0.5),
        color=kit.BREACH_COLOR,
        size=8,
    )
    more = f"; the worst {len(outcomes)}, {hidden:,} more in the table" if hidden else ""
    kit.style_plot(
        item,
        f"Scenario path drawdown, ◆ start to end{more}",
        "Path drawdown: bars; start-to-end return: ◆ (%)",
    )
    legend = [
        kit.LegendEntry(kit.BAR, kit.PORTFOLIO_COLOR, f"{portfolio_label}: path drawdown"),
        kit.LegendEntry(kit.BAR, kit.BENCHMARK_COLOR, f"{benchmark_label}: path drawdown"),
        kit.LegendEntry(START_TO_END, kit.PORTFOLIO_COLOR, "start-to-end return"),
        kit.LegendEntry("╌╌", kit.BREACH_COLOR, "IPS drawdown tolerance"),
    ]
    if stress.breaches:
        legend.append(
            kit.LegendEntry(
                "⚠",
                kit.BREACH_COLOR,
                f"breach: path drawdown beyond tolerance ({len(stress.breaches)})",
            )
        )
    fig.set_legend(legend)


def draw_contributions(
    fig: kit.Figure,
    outcome: ScenarioOutcome,
    *,
    portfolio_label: str = "Portfolio",
    benchmark_label: str = "Benchmark",
) -> None:
    """Panel 0: contribution to the scenario return by ETF; panel 1: by asset class (both for
    the portfolio and the benchmark, in percent of portfolio value)."""
    held = [
        t
        for t in outcome.weights.index
        if abs(outcome.weights[t]) > 1e-6 or abs(outcome.benchmark_weights[t]) > 1e-6
    ]
    etf = fig.plots[0]
    kit.grouped_hbars(
        etf,
        held,
        [
            kit.BarSeries(
                portfolio_label, outcome.contributions[held].to_numpy() * 100, kit.PORTFOLIO_COLOR
            ),
            kit.BarSeries(
                benchmark_label,
                outcome.benchmark_contributions[held].to_numpy() * 100,
                kit.BENCHMARK_COLOR,
            ),
        ],
        value_text=_contribution_text,
    )
    kit.style_plot(
        etf,
        f"{kit.elide(outcome.name, 60)}: contribution by ETF",
        "Contribution to the scenario return (% of value)",
    )
    if len(fig.plots) > 1:
        classes = outcome.class_contributions
        bench = outcome.benchmark_class_contributions.reindex(classes.index, fill_value=0.0)
        kit.grouped_hbars(
            fig.plots[1],
            list(classes.index),
            [
                kit.BarSeries(portfolio_label, classes.to_numpy() * 100, kit.PORTFOLIO_COLOR),
                kit.BarSeries(benchmark_label, bench.to_numpy() * 100, kit.BENCHMARK_COLOR),
            ],
            value_text=_contribution_text,
        )
        kit.style_plot(fig.plots[1], "By asset class", "Contribution (% of value)")
    fig.set_legend(
        [
            kit.LegendEntry(
                kit.BAR,
                kit.PORTFOLIO_COLOR,
                f"{portfolio_label}: {outcome.portfolio_return:+.2%} ({_dollars(outcome.portfolio_pnl)})",
            ),
            kit.LegendEntry(
                kit.BAR, kit.BENCHMARK_COLOR, f"{benchmark_label}: {outcome.benchmark_return:+.2%}"
            ),
        ]
    )
