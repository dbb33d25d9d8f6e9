"""The tables of the committee workbook, as DataFrames.

:func:`csv_tables` returns, for every CSV of the report that the workbook shows, the exact
frame the CSV holds (built by the same table builders from the same result objects, with the
``data_mode`` column in front): a sheet and its CSV therefore hold the same numbers. The other
builders make the tables that have no CSV (IPS profile, candidate comparison, stress summary,
cumulative performance). Decimals throughout (0.15 = 15%); dollars in the portfolio currency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.policy.profile import ReturnBasis
from core.report import tables
from core.report.files import with_data_mode
from core.report.margin_tables import candidate_margins
from core.report.risk_tables import RISK_TABLES
from core.report.stress_tables import stacked_stress_test_results

if TYPE_CHECKING:
    from core.analytics.risk_report import RiskReport
    from core.pipeline import AnalysisResult
    from core.stress.engine import StressResult

REBALANCING_CSV = "rebalancing_trades.csv"
COMPLIANCE_CSV = "rebalancing_compliance.csv"

CSV_SHEETS: dict[str, str] = {
    "recommended_allocation.csv": "Recommended Allocation",
    "portfolio_risk_summary.csv": "Risk Metrics",
    "constraints_validation.csv": "Constraint Validation",
    "risk_contribution_summary.csv": "Risk Contribution",
    "factor_exposure_summary.csv": "Factor Exposure",
    "equity_sleeve_factor_summary.csv": "Equity Sleeve Factors",
    "rolling_risk_metrics.csv": "Rolling Risk",
    "efficient_frontier.csv": "Efficient Frontier",
    "stress_test_results.csv": "Stress Tests",
    REBALANCING_CSV: "Drift and Rebalancing",
    COMPLIANCE_CSV: "Post-trade Compliance",
}
"""CSV file name -> the sheet that tabulates it."""


def rebalance_plans(results: Sequence[AnalysisResult], rebalance: Any) -> dict[str, Any]:
    """Normalize the ``rebalance`` argument to ``{profile name: RebalancePlan}``.

    ``rebalance`` is None, one plan (for the first profile) or a mapping by profile name.
    """
    if rebalance is None:
        return {}
    if isinstance(rebalance, Mapping):
        return {str(k): v for k, v in rebalance.items() if v is not None}
    return {results[0].profile.name: rebalance}


def rebalancing_frame(
    results: Sequence[AnalysisResult], plans: Mapping[str, Any]
) -> pd.DataFrame | None:
    """The stacked trade lists of the profiles that have a plan (``rebalancing_trades.csv``), or None."""
    if not plans:
        return None
    from core.report.rebalance_tables import rebalancing_trades

    frames = [
        rebalancing_trades(
            plans[r.profile.name], profile_name=r.profile.name, data_mode=r.dataset.mode
        )
        for r in results
        if r.profile.name in plans
    ]
    return pd.concat(frames, ignore_index=True) if frames else None


def compliance_frame(
    results: Sequence[AnalysisResult], plans: Mapping[str, Any]
) -> pd.DataFrame | None:
    """The stacked compliance tables of the plans that have one (``rebalancing_compliance.csv``),
    or None."""
    from core.report.rebalance_tables import rebalancing_compliance

    frames = [
        rebalancing_compliance(
            plans[r.profile.name], profile_name=r.profile.name, data_mode=r.dataset.mode
        )
        for r in results
        if r.profile.name in plans and plans[r.profile.name].compliance is not None
    ]
    return pd.concat(frames, ignore_index=True) if frames else None


def csv_tables(
    results: Sequence[AnalysisResult],
    risk_reports: Sequence[RiskReport],
    stress_results: Sequence[StressResult],
    plans: Mapping[str, Any] | None = None,
) -> dict[str, pd.DataFrame]:
    """``{csv name: frame exactly as written}`` for the CSVs of :data:`CSV_SHEETS`."""
    mode = results[0].dataset.mode.value

    def stack(builder: Any, items: Sequence[Any]) -> pd.DataFrame:
        return pd.concat([builder(x) for x in items], ignore_index=True)

    out = {
        "recommended_allocation.csv": stack(tables.recommended_allocation, results),
        "portfolio_risk_summary.csv": stack(tables.risk_summary, results),
        "constraints_validation.csv": stack(tables.constraints_validation, results),
    }
    for name, builder in RISK_TABLES.items():
        out[name] = stack(builder, risk_reports)
    out["stress_test_results.csv"] = stacked_stress_test_results(stress_results)
    trades = rebalancing_frame(results, plans or {})
    if trades is not None:
        out[REBALANCING_CSV] = trades
    compliance = compliance_frame(results, plans or {})
    if compliance is not None:
        out[COMPLIANCE_CSV] = compliance
    return {name: with_data_mode(frame, mode) for name, frame in out.items() if name in CSV_SHEETS}


def _pct_range(lo: float | None, hi: float | None) -> str:
    if lo is None and hi is None:
        return ""
    if hi is None:
        return f">= {lo:.2%}"
    if lo is None:
        return f"<= {hi:.2%}"
    return f"{lo:.2%} to {hi:.2%}"


def ips_profile_frame(results: Sequence[AnalysisResult]) -> tuple[pd.DataFrame, list[str | None]]:
    """Rows = policy fields, one column per profile; plus each row's number format kind.

    Returns the frame (columns ``field`` then profile names) and, per row, ``"percent"``,
    ``"ratio"``, ``"years"`` or None (text).
    """
    profiles = [r.profile for r in results]
    rows: list[tuple[str, str | None, list[Any]]] = [
        ("Objective", None, [p.objective for p in profiles]),
        ("Return objective", None, [p.return_objective for p in profiles]),
        (
            "Return objective basis",
            None,
            [
                "inflation + x%" if p.return_basis is ReturnBasis.INFLATION_PLUS else "nominal"
                for p in profiles
            ],
        ),
        (
            "Return objective (annual: nominal, or x above inflation)",
            "percent",
            [p.target_return for p in profiles],
        ),
        ("Inflation assumption (annual)", "percent", [p.inflation for p in profiles]),
        (
            "Return objective tested (annual, nominal)",
            "percent",
            [p.nominal_target_return for p in profiles],
        ),
        ("Return objective, stated", None, [p.describe_return_target() for p in profiles]),
        ("Spending policy", None, [p.spending.describe() for p in profiles]),
        (
            "Liquidity reserve (of starting assets)",
            "percent",
            [p.liquidity_reserve for p in profiles],
        ),
        ("Risk tolerance", None, [p.risk_tolerance.value for p in profiles]),
        ("Horizon (years)", "years", [p.horizon_years for p in profiles]),
        ("Liquidity need", None, [p.liquidity_need.value for p in profiles]),
        ("Maximum volatility (ex-ante, annual)", "percent", [p.max_volatility for p in profiles]),
        ("Maximum drawdown tolerance", "percent", [p.max_drawdown for p in profiles]),
        ("Maximum single-ETF weight", "percent", [p.max_single_weight for p in profiles]),
    ]
    classes = list(dict.fromkeys(c for r in results for c in r.universe.asset_classes))
    for cls in classes:
        for side in ("minimum", "maximum"):
            values = [
                getattr(p.class_ranges[cls], side) if cls in p.class_ranges else None
                for p in profiles
            ]
            rows.append((f"{cls} {side}", "percent", values))
    tickers = list(dict.fromkeys(t for r in results for t in r.universe.tickers))
    for ticker in tickers:
        if any(ticker in p.asset_minimums for p in profiles):
            rows.append(
                (f"{ticker} minimum", "percent", [p.asset_minimums.get(ticker) for p in profiles])
            )
        if any(ticker in p.asset_caps for p in profiles):
            rows.append((f"{ticker} cap", "percent", [p.asset_caps.get(ticker) for p in profiles]))
    group_names = list(dict.fromkeys(g.name for p in profiles for g in p.groups))
    for name in group_names:
        texts = []
        for p in profiles:
            group = next((g for g in p.groups if g.name == name), None)
            texts.append(
                ""
                if group is None
                else f"{' + '.join(group.tickers)}: {_pct_range(group.minimum, group.maximum)}"
            )
        rows.append((f"Group: {name}", None, texts))
    rows += [
        ("Drift band (absolute)", "percent", [p.drift_bands.absolute for p in profiles]),
        ("Drift band (relative to target)", "percent", [p.drift_bands.relative for p in profiles]),
        ("Drift band (asset class)", "percent", [p.drift_bands.asset_class for p in profiles]),
        ("Benchmark", None, [p.benchmark_label for p in profiles]),
        ("Risk aversion (lambda)", "ratio", [p.risk_aversion for p in profiles]),
        ("Concentration penalty (gamma)", "ratio", [p.concentration_penalty for p in profiles]),
        ("Notes", None, [p.notes for p in profiles]),
    ]
    frame = pd.DataFrame(
        [[label, *values] for label, _, values in rows],
        columns=["field", *[p.name for p in profiles]],
    )
    return frame, [kind for _, kind, _ in rows]


def candidate_comparison(results: Sequence[AnalysisResult]) -> pd.DataFrame:
    """Every candidate (and the benchmark) with its policy status, the failing rules and key metrics,
    and its margins to the two risk rules and its verdict in words (:mod:`core.report.margin_tables`:
    pp, positive inside the limit; empty for the benchmark).

    The numbers are those of ``portfolio_risk_summary.csv`` (same builder).
    """
    keep = [
        "profile_name",
        "portfolio_name",
        "is_recommended",
        "passes_policy",
        "failed_rules",
        "expected_return_ex_ante",
        "volatility_ex_ante",
        "penalized_utility",
        "annualized_return",
        "annualized_volatility",
        "sharpe_ratio",
        "max_drawdown",
        "tracking_error",
        "information_ratio",
        "var_95",
    ]
    frames = []
    for r in results:
        frame = tables.risk_summary(r)
        failed = {
            c.name: "; ".join(f"{f.rule}: {f.comment}" for f in c.validation.failures)
            for c in r.candidates
        }
        frame["failed_rules"] = frame["portfolio_name"].map(failed).fillna("")
        margins = candidate_margins(r).set_index("portfolio_name")
        for column in ("volatility_margin_pp", "drawdown_margin_pp", "verdict"):
            frame[column] = frame["portfolio_name"].map(margins[column])
        frames.append(frame[[*keep, "volatility_margin_pp", "drawdown_margin_pp", "verdict"]])
    return pd.concat(frames, ignore_index=True)


def stress_summary(stress_results: Sequence[StressResult]) -> pd.DataFrame:
    """One row per profile x scenario: kind, portfolio / benchmark return and P&L, breach flag."""
    frames = []
    for s in stress_results:
        frame = s.summary_frame().reset_index()
        frame.insert(0, "profile_name", s.profile_name)
        frame["drawdown_tolerance"] = s.drawdown_tolerance
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def performance_frame(risk: RiskReport) -> pd.DataFrame:
    """Growth of $1 and drawdowns of the recommended portfolio and its benchmark, by month-end."""
    frame = risk.paths.copy()
    frame.index.name = "date"
    frame = frame.reset_index()
    frame["date"] = pd.to_datetime(frame["date"])
    return frame
