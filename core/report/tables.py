"""Tidy tables (pandas DataFrames) of an analysis, one per output file.

Column conventions: weights and returns are decimals (0.15 = 15%); VaR, CVaR and drawdown
are returns (negative = loss); dollar figures are in the portfolio's currency.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from core.pipeline import AnalysisResult

RECOMMENDED_LABEL = "IPS Recommended Portfolio"


def _weights_rows(result: AnalysisResult, names: Sequence[str]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for name in names:
        cand = result.candidate(name)
        for ticker, weight in cand.weights.items():
            rows.append(
                {
                    "profile_name": result.profile.name,
                    "portfolio_name": name,
                    "is_recommended": name == result.recommended_name,
                    "ticker": ticker,
                    "asset_class": result.universe.asset_class_of(str(ticker)),
                    "weight": float(weight),
                }
            )
    return rows


def portfolio_weights(result: AnalysisResult) -> pd.DataFrame:
    """Every candidate's weights, long format."""
    return pd.DataFrame(_weights_rows(result, [c.name for c in result.candidates]))


def recommended_allocation(result: AnalysisResult) -> pd.DataFrame:
    """The recommended portfolio's weights, long format, with its strategy name."""
    frame = pd.DataFrame(_weights_rows(result, [result.recommended_name]))
    frame.insert(2, "selected_strategy", frame.pop("portfolio_name"))
    frame.insert(2, "portfolio_name", RECOMMENDED_LABEL)
    return frame.drop(columns="is_recommended")


def risk_summary(result: AnalysisResult) -> pd.DataFrame:
    """One row per candidate plus the benchmark, every metric of :class:`PerformanceMetrics`."""
    rows: list[dict[str, object]] = []
    for cand in result.candidates:
        rows.append(
            {
                "profile_name": result.profile.name,
                "portfolio_name": cand.name,
                "is_recommended": cand.name == result.recommended_name,
                "passes_policy": cand.passes,
                "expected_return_ex_ante": cand.expected_return,
                "volatility_ex_ante": cand.expected_volatility,
                "penalized_utility": cand.utility,
                **cand.metrics.to_dict(),
            }
        )
    rows.append(
        {
            "profile_name": result.profile.name,
            "portfolio_name": f"Benchmark ({result.profile.benchmark_label})",
            "is_recommended": False,
            "passes_policy": None,
            "expected_return_ex_ante": result.benchmark_expected_return,
            "volatility_ex_ante": result.benchmark_expected_volatility,
            "penalized_utility": None,
            **result.benchmark_metrics.to_dict(),
        }
    )
    return pd.DataFrame(rows)


def constraints_validation(result: AnalysisResult) -> pd.DataFrame:
    """The recommended portfolio's validation table."""
    frame = result.recommended.validation.to_frame()
    frame.insert(0, "portfolio_name", result.recommended_name)
    frame.insert(0, "profile_name", result.profile.name)
    return frame
