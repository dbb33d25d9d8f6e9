"""The stress results as a tidy long table: one row per profile x scenario x ETF.

Written as ``stress_test_results.csv``. The first thirteen columns are the original engine's
(reference section 6), in its order; the new ones follow. Conventions: weights, shocks,
contributions and returns are decimals (negative = loss); P&L columns are in the portfolio's
currency; ``asset_class_contribution`` is the portfolio's contribution of the row's asset class
(repeated on every ETF row of that class); the per-scenario totals are repeated on every row.
``portfolio_path_drawdown`` / ``benchmark_path_drawdown`` are the peak-to-trough falls of the
monthly path of a historical replay (``min(return, 0)`` for a one-period scenario), negative
decimals; ``breaches_drawdown_tolerance`` compares the tolerance with the portfolio's path
drawdown (:mod:`core.stress.engine`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from core.stress.engine import StressResult

STRESS_COLUMNS: tuple[str, ...] = (
    "profile_name",
    "scenario_name",
    "ticker",
    "asset_class",
    "scenario_return",
    "portfolio_weight",
    "benchmark_weight",
    "etf_contribution",
    "benchmark_etf_contribution",
    "asset_class_contribution",
    "portfolio_scenario_return",
    "benchmark_scenario_return",
    "relative_performance",
    # new in this application
    "scenario_kind",
    "benchmark_asset_class_contribution",
    "etf_pnl",
    "portfolio_pnl",
    "benchmark_pnl",
    "portfolio_path_drawdown",
    "benchmark_path_drawdown",
    "drawdown_tolerance",
    "breaches_drawdown_tolerance",
    "shock_source",
    "proxy",
)


def stress_test_results(stress: StressResult, profile_name: str | None = None) -> pd.DataFrame:
    """Long table of one :class:`StressResult` (columns :data:`STRESS_COLUMNS`)."""
    profile = stress.profile_name if profile_name is None else profile_name
    rows: list[dict[str, object]] = []
    for o in stress.outcomes:
        contrib, bench_contrib = o.contributions, o.benchmark_contributions
        by_class, bench_by_class = o.class_contributions, o.benchmark_class_contributions
        totals = {
            "portfolio_scenario_return": o.portfolio_return,
            "benchmark_scenario_return": o.benchmark_return,
            "relative_performance": o.relative_performance,
            "portfolio_path_drawdown": o.path_drawdown,
            "benchmark_path_drawdown": o.benchmark_path_drawdown,
        }
        for ticker in o.shocks.index:
            asset_class = o.asset_classes[ticker]
            rows.append(
                {
                    "profile_name": profile,
                    "scenario_name": o.name,
                    "ticker": ticker,
                    "asset_class": asset_class,
                    "scenario_return": o.shocks[ticker],
                    "portfolio_weight": o.weights[ticker],
                    "benchmark_weight": o.benchmark_weights[ticker],
                    "etf_contribution": contrib[ticker],
                    "benchmark_etf_contribution": bench_contrib[ticker],
                    "asset_class_contribution": by_class[asset_class],
                    **totals,
                    "scenario_kind": o.kind.value,
                    "benchmark_asset_class_contribution": bench_by_class[asset_class],
                    "etf_pnl": contrib[ticker] * o.portfolio_value,
                    "portfolio_pnl": o.portfolio_pnl,
                    "benchmark_pnl": o.benchmark_pnl,
                    "drawdown_tolerance": o.drawdown_tolerance,
                    "breaches_drawdown_tolerance": o.breaches_drawdown_tolerance,
                    "shock_source": o.scenario.notes.get(ticker, o.scenario.source),
                    "proxy": o.scenario.proxies.get(ticker, ""),
                }
            )
    return pd.DataFrame(rows, columns=list(STRESS_COLUMNS))


def stacked_stress_test_results(results: Sequence[StressResult]) -> pd.DataFrame:
    """Several profiles' long tables stacked (the file's layout for a multi-profile report)."""
    if not results:
        return pd.DataFrame(columns=list(STRESS_COLUMNS))
    return pd.concat([stress_test_results(r) for r in results], ignore_index=True)
