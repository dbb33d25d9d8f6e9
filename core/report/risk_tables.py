"""Tidy tables (pandas DataFrames) of a :class:`~core.analytics.risk_report.RiskReport`, one per
risk CSV. Every table starts with ``profile_name, portfolio_name``; the writer adds
``data_mode``. Decimals throughout (0.15 = 15%); volatilities and contributions annualized.

``risk_contribution_summary.csv`` (:func:`risk_contribution_summary`)
    One row per ETF (``level = "ETF"``), per asset class (``"Asset class"``) and a ``"Total"``
    row. Columns: level, name, asset_class, weight, marginal_risk_contribution (ETF rows only),
    component_risk_contribution (sums to ex-ante volatility), percent_risk_contribution (sums to
    1), benchmark_weight, benchmark_percent_risk_contribution, active_weight,
    active_risk_contribution (sums to the ex-ante tracking error), active_percent_risk_contribution;
    on the Total row only: ex_ante_volatility, ex_ante_tracking_error, diversification_ratio,
    effective_number_of_bets, concentrated, summary.
``factor_exposure_summary.csv`` / ``equity_sleeve_factor_summary.csv`` (:func:`factor_exposure_summary`,
:func:`equity_sleeve_factor_summary`)
    One row per (scope, model, term): scope (Portfolio / Benchmark / Equity sleeve), model, term
    (Alpha or a factor), coefficient (alpha monthly), std_error (Newey-West HAC), t_stat,
    p_value, alpha_annualized (12 x alpha, on every row of the regression), r_squared,
    adj_r_squared, observations, hac_lags, start, end, factor_source, notes. The sleeve table
    adds sleeve_composition ("SPY 33.1%, ...").
``rolling_risk_metrics.csv`` (:func:`rolling_risk_metrics`)
    One row per (date, series): window_months, date, series and the rolling metric columns of
    :mod:`core.analytics.rolling`.
``efficient_frontier.csv`` (:func:`efficient_frontier_table`)
    One row per frontier point: point, target_return, expected_return, volatility, sharpe_ratio,
    is_max_sharpe, risk_free, then weight_<TICKER> (ex-ante, annual).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from core.analytics.factors import FactorRegression
from core.analytics.risk_report import RiskReport

RiskTableBuilder = Callable[[RiskReport], pd.DataFrame]


def _head(report: RiskReport, frame: pd.DataFrame) -> pd.DataFrame:
    frame.insert(0, "portfolio_name", report.portfolio_name)
    frame.insert(0, "profile_name", report.profile_name)
    return frame


def risk_contribution_summary(report: RiskReport) -> pd.DataFrame:
    """ETF, asset-class and total rows of the risk decomposition (module docstring)."""
    total, bench, active = report.portfolio_risk, report.benchmark_risk, report.active_risk
    n = len(total.tickers)
    active_component = active.component if active is not None else np.zeros(n)
    active_weights = active.weights if active is not None else np.zeros(n)
    te = report.tracking_error
    etf = pd.DataFrame(
        {
            "level": "ETF",
            "name": list(total.tickers),
            "asset_class": [report.asset_class_of[t] for t in total.tickers],
            "weight": total.weights,
            "marginal_risk_contribution": total.marginal,
            "component_risk_contribution": total.component,
            "percent_risk_contribution": total.percent,
            "benchmark_weight": bench.weights,
            "benchmark_percent_risk_contribution": bench.percent,
            "active_weight": active_weights,
            "active_risk_contribution": active_component,
            "active_percent_risk_contribution": active_component / te if te > 0 else np.zeros(n),
        }
    )
    sums = (
        etf.groupby("asset_class", sort=False)[
            [
                "weight",
                "component_risk_contribution",
                "percent_risk_contribution",
                "benchmark_weight",
                "benchmark_percent_risk_contribution",
                "active_weight",
                "active_risk_contribution",
                "active_percent_risk_contribution",
            ]
        ]
        .sum()
        .reindex(list(report.asset_classes), fill_value=0.0)
    )
    classes = sums.reset_index().assign(level="Asset class", name=lambda f: f["asset_class"])
    totals = etf.drop(columns=["level", "name", "asset_class", "marginal_risk_contribution"]).sum()
    # Active weights sum to 0 up to round-off; print 0, not -2.4e-16.
    totals = totals.where(totals.abs() > 1e-12, 0.0)
    total_row = pd.DataFrame(
        [
            {
                "level": "Total",
                "name": "Portfolio",
                "asset_class": "",
                **totals.to_dict(),
                "ex_ante_volatility": total.volatility,
                "ex_ante_tracking_error": te,
                "diversification_ratio": report.diversification_ratio,
                "effective_number_of_bets": report.effective_bets,
                "concentrated": report.concentration.concentrated,
                "summary": report.summary,
            }
        ]
    )
    frame = pd.concat(
        [etf, classes[etf.columns.drop("marginal_risk_contribution")], total_row], ignore_index=True
    )
    return _head(report, frame)


def _regression_rows(reg: FactorRegression) -> pd.DataFrame:
    frame = reg.to_frame()
    frame.insert(0, "model", reg.label)
    frame.insert(0, "scope", reg.scope)
    frame = frame.assign(
        alpha_annualized=reg.alpha_annualized,
        r_squared=reg.r_squared,
        adj_r_squared=reg.adj_r_squared,
        observations=reg.observations,
        hac_lags=reg.lags,
        start=reg.start,
        end=reg.end,
        notes=" ".join(reg.notes),
    )
    return frame


def _factor_frame(
    report: RiskReport, regressions: list[FactorRegression], scope: str
) -> pd.DataFrame:
    notes = " ".join(report.factors.notes)
    if not regressions:  # one row that says why, rather than an empty file
        return _head(
            report, pd.DataFrame({"scope": [scope], "model": [""], "term": [""], "notes": [notes]})
        )
    frame = pd.concat([_regression_rows(r) for r in regressions], ignore_index=True)
    frame["notes"] = (frame["notes"] + " " + notes).str.strip()
    return _head(report, frame)


def factor_exposure_summary(report: RiskReport) -> pd.DataFrame:
    """Portfolio and benchmark regressions on the equity and multi-asset models (module docstring)."""
    return _factor_frame(
        report, [*report.factors.portfolio, *report.factors.benchmark], "Portfolio"
    )


def equity_sleeve_factor_summary(report: RiskReport) -> pd.DataFrame:
    """The equity sleeve's regression, with the sleeve's composition (module docstring)."""
    sleeve = report.factors.sleeve
    frame = _factor_frame(report, [sleeve] if sleeve is not None else [], "Equity sleeve")
    weights = report.factors.sleeve_weights
    composition = (
        "" if weights is None else ", ".join(f"{t} {w:.1%}" for t, w in weights.items() if w > 0)
    )
    frame.insert(3, "sleeve_composition", composition)
    return frame


def rolling_risk_metrics(report: RiskReport) -> pd.DataFrame:
    """The report's rolling metrics with the window length (module docstring)."""
    frame = report.rolling.copy()
    frame.insert(0, "window_months", report.window)
    return _head(report, frame)


def efficient_frontier_table(report: RiskReport) -> pd.DataFrame:
    """The frontier's points and weights (module docstring)."""
    frontier = report.frontier
    frame = frontier.to_frame()
    frame.insert(5, "is_max_sharpe", frame.index == frontier.max_sharpe_index)
    frame.insert(6, "risk_free", frontier.risk_free)
    return _head(report, frame)


RISK_TABLES: dict[str, RiskTableBuilder] = {
    "risk_contribution_summary.csv": risk_contribution_summary,
    "factor_exposure_summary.csv": factor_exposure_summary,
    "equity_sleeve_factor_summary.csv": equity_sleeve_factor_summary,
    "rolling_risk_metrics.csv": rolling_risk_metrics,
    "efficient_frontier.csv": efficient_frontier_table,
}
"""File name -> table builder; :func:`core.report.files.write_analysis_files` writes each."""
