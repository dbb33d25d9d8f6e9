"""The walk-forward in the report: the "Out-of-Sample" sheets, ``walk_forward_results.csv``
and the memo's out-of-sample part.

Built from :class:`core.backtest.results.WalkForwardResult` (one per profile), as
:mod:`core.report.outlook_tables` does for the Outlook.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.backtest.results import Figures, WalkForwardResult
from core.backtest.settings import BENCHMARK_RULE, RECOMMENDATION_RULE

if TYPE_CHECKING:
    from core.analytics.factors import FactorRegression
    from core.pipeline import AnalysisResult

WALK_FORWARD_SHEET = "Out-of-Sample"
WALK_FORWARD_PERIODS_SHEET = "Out-of-Sample Periods"
WALK_FORWARD_CSV = "walk_forward_results.csv"
SIGNIFICANT_T = 2.0


def walk_forward_summary(walks: Sequence[WalkForwardResult]) -> pd.DataFrame:
    """Every profile's in-sample vs out-of-sample table stacked (one row per rule)."""
    return pd.concat([w.summary_frame() for w in walks], ignore_index=True)


def walk_forward_periods(walks: Sequence[WalkForwardResult]) -> pd.DataFrame:
    """Every profile's rows of ``walk_forward_results.csv`` (one per rule and period)."""
    return pd.concat([w.periods_frame() for w in walks], ignore_index=True)


def sheet_formats(frame: pd.DataFrame) -> dict[str, str | None]:
    """Number formats the column names do not imply: costs and ``w_<ticker>`` weights."""
    return {
        c: "0.00%"
        for c in frame.columns
        if c.startswith("w_") or c == "cost" or c.endswith("_cost")
    }


def out_of_sample_alpha(result: AnalysisResult, walk: WalkForwardResult) -> FactorRegression | None:
    """The selection rule's out-of-sample net returns regressed on the factors of the analysis's
    first portfolio model, over the out-of-sample months only (Newey-West t-statistics, as
    :func:`core.analytics.factors.regress_on_factors`). None when no factor model applies or the
    months are too few."""
    from core.analytics.factors import (
        FactorOrigin,
        dataset_factor_origin,
        factor_table,
        regress_on_factors,
    )
    from core.analytics.risk_report import factor_models
    from core.errors import DataError

    returns = walk.rule(RECOMMENDATION_RULE).returns
    universe = result.universe
    table = factor_table(
        result.dataset.returns[list(universe.tickers)],
        result.dataset.risk_free,
        result.dataset.factors,
        cash_ticker=universe.cash_ticker,
        origin=dataset_factor_origin(result.dataset) or FactorOrigin.DATASET,
    )
    models = [(model, cols) for model, cols in factor_models(table) if cols]
    if not models:
        return None
    model, cols = models[0]
    rf = table.risk_free.loc[returns.index]
    try:
        return regress_on_factors(
            returns - rf,
            table.factors.loc[returns.index, cols],
            scope="Selection rule, out of sample",
            model=model,
            factor_sources={c: table.sources[c] for c in cols},
            origin=table.origin(cols),
        )
    except DataError:
        return None


def _pct(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2%}"


def _pair(ins: Figures | None, oos: Figures, key: str, *, ratio: bool = False) -> str:
    """``in / out`` of one figure; ``n/a`` for a rule with no in-sample figures."""
    b = getattr(oos, key)
    if ratio:
        return f"{getattr(ins, key):.2f} / {b:.2f}" if ins else f"n/a / {b:.2f}"
    return f"{_pct(getattr(ins, key)) if ins else 'n/a'} / {_pct(b)}"


def walk_forward_section(result: AnalysisResult, walk: WalkForwardResult) -> list[str]:
    """Markdown lines: how the test ran, then in-sample vs out-of-sample per rule."""
    lines = [
        "### Out-of-sample evidence (walk-forward)",
        "",
        f"{walk.describe()} Each rule sees only the months up to each decision date; the "
        "in-sample figures are the full-sample weights over the whole sample (what the tables "
        "above show). Returns are annualized (CAGR), volatility and tracking error annualized, "
        "drawdown peak to trough of the monthly path, turnover the sum of |weight changes| a "
        "year, after trading costs.",
        "",
        "| Rule | Return in / out | Volatility in / out | Sharpe in / out | Max drawdown in / out "
        "| Tracking error in / out | Turnover a year (out) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for outcome in walk.rules:
        ins, oos = outcome.in_sample, outcome.out_of_sample

        lines.append(
            f"| {outcome.rule} | {_pair(ins, oos, 'annualized_return')} | "
            f"{_pair(ins, oos, 'volatility')} | {_pair(ins, oos, 'sharpe_ratio', ratio=True)} | "
            f"{_pair(ins, oos, 'max_drawdown')} | {_pair(ins, oos, 'tracking_error')} | "
            f"{_pct(oos.turnover)} |"
        )
    rec, bench = walk.rule(RECOMMENDATION_RULE), walk.rule(BENCHMARK_RULE)
    gap = rec.out_of_sample.annualized_return - bench.out_of_sample.annualized_return
    picks = sorted({p.note.removeprefix("Selected: ") for p in rec.periods if p.note})
    lines += [
        "",
        f"Out of sample the selection rule returned {rec.out_of_sample.annualized_return:.2%} a "
        f"year against {bench.out_of_sample.annualized_return:.2%} for the benchmark "
        f"({gap * 100:+.2f} pp), with a maximum drawdown of "
        f"{rec.out_of_sample.max_drawdown:.2%}; in sample its return was "
        f"{rec.in_sample.annualized_return if rec.in_sample else math.nan:.2%}. Over the "
        f"{walk.decisions} decisions it chose {', '.join(picks)}.",
    ]
    lines += [f"Note: {note}" for note in walk.notes]
    return lines


def alpha_sentence(reg: FactorRegression | None) -> str:
    """The out-of-sample alpha in words (or why there is none)."""
    if reg is None:
        return (
            "No out-of-sample alpha could be measured (no factor model, or too few "
            "out-of-sample months)."
        )
    t = float(reg.t_stats[0])
    words = (
        "not distinguishable from zero"
        if abs(t) < SIGNIFICANT_T
        else f"different from zero at |t| >= {SIGNIFICANT_T:g}"
    )
    return (
        f"Out of sample (the walk-forward's selection rule, {reg.observations} months "
        f"{reg.start[:7]} to {reg.end[:7]}, after costs), alpha ({reg.label}) is "
        f"{reg.alpha_annualized:.2%} a year (t {t:.2f}), {words}."
    )


def growth_frame(walk: WalkForwardResult) -> pd.DataFrame:
    """Growth of 1 out of sample (after costs) per rule: a ``date`` column, one column per rule."""
    frame = pd.DataFrame({o.rule: (1.0 + o.returns).cumprod() for o in walk.rules})
    frame.insert(0, "date", frame.index)
    return frame.reset_index(drop=True)


def write_sheets(wb: Any, walks: Sequence[WalkForwardResult]) -> None:
    """The "Out-of-Sample" sheet (in-sample vs out-of-sample per rule, every profile, and a native
    chart of the first profile's out-of-sample growth) and "Out-of-Sample Periods" (the rows of
    ``walk_forward_results.csv``)."""
    from core.report import workbook_charts as charts
    from core.report.workbook_sheets import write_frame_sheet

    summary = walk_forward_summary(walks)
    ws = wb.create_sheet(WALK_FORWARD_SHEET)
    write_frame_sheet(ws, summary, formats=sheet_formats(summary))
    growth = growth_frame(walks[0])
    growth_ws = wb.create_sheet(f"{WALK_FORWARD_SHEET} Growth")
    write_frame_sheet(growth_ws, growth, formats={c: "0.00" for c in growth.columns[1:]})
    rules = [str(c) for c in growth.columns[1:]]
    charts.line_chart(
        ws,
        growth_ws,
        growth,
        values=rules,
        titles=rules,
        title=f"Out-of-sample growth of $1 after costs ({walks[0].profile_name})",
        anchor=f"B{len(summary) + 4}",
        number_format="0.00",
    )
    ws.cell(row=len(summary) + 3, column=1, value=walks[0].describe())
    periods = walk_forward_periods(walks)
    write_frame_sheet(
        wb.create_sheet(WALK_FORWARD_PERIODS_SHEET), periods, formats=sheet_formats(periods)
    )


def oos_parts(result: AnalysisResult, walk: WalkForwardResult | None) -> tuple[list[str], str]:
    """The memo's out-of-sample lines (after the risk-and-return section) and the out-of-sample
    alpha sentence for the factor section; empty without a walk-forward."""
    if walk is None:
        return [], ""
    return ["", *walk_forward_section(result, walk)], alpha_sentence(
        out_of_sample_alpha(result, walk)
    )
