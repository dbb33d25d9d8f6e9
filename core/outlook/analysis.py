"""The Outlook of an analysis result: every portfolio of the result simulated under its IPS.

The one entry point the window's worker, the report package and the CLI share, so the three
agree. Portfolios: the recommended one first, then the other candidates, then the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.jobs import CancelToken, ProgressCallback, no_progress
from core.outlook.answers import OutlookPolicy, OutlookResult, outlook
from core.outlook.request import OutlookRequest
from core.outlook.reverse_stress import ReverseStress, reverse_stress
from core.outlook.simulation import (
    DEFAULT_BLOCK_LENGTH,
    DEFAULT_PATHS,
    DEFAULT_SEED,
    CapitalMarket,
    CashFlowKind,
    CashFlows,
    SimulationSettings,
    simulate,
)
from core.pipeline import AnalysisResult
from core.policy.profile import IPSProfile, SpendingKind

BENCHMARK = "Benchmark"
__all__ = ["BENCHMARK", "AnalysisOutlook", "OutlookRequest", "analysis_outlook", "policy_of"]


def policy_of(profile: IPSProfile, portfolio_value: float) -> OutlookPolicy:
    """The profile's objective, tolerance, spending and reserve in simulation units (a fixed
    amount becomes a fraction of ``portfolio_value``, the starting assets in currency)."""
    spending = profile.spending
    if spending.kind is SpendingKind.PERCENT_OF_ASSETS:
        flows = CashFlows(CashFlowKind.PERCENT, spending.value)
    elif spending.kind is SpendingKind.FIXED_AMOUNT and portfolio_value > 0:
        flows = CashFlows(CashFlowKind.FIXED, spending.value / portfolio_value)
    else:
        flows = CashFlows()
    return OutlookPolicy(
        return_objective=profile.target_return if profile.target_return is not None else 0.0,
        drawdown_tolerance=profile.max_drawdown,
        cash_flows=flows,
        reserve=profile.liquidity_reserve,
    )


def default_settings(
    profile: IPSProfile,
    *,
    paths: int = DEFAULT_PATHS,
    horizon_years: float | None = None,
    block_length: float = DEFAULT_BLOCK_LENGTH,
    seed: int = DEFAULT_SEED,
) -> SimulationSettings:
    """Settings with the profile's horizon unless another is given."""
    return SimulationSettings(
        paths=paths,
        horizon_years=horizon_years if horizon_years is not None else profile.horizon_years,
        block_length=block_length,
        seed=seed,
    )


@dataclass(frozen=True)
class AnalysisOutlook:
    """The simulation answers and the reverse stress of the recommended portfolio and the
    benchmark, for one analysis result."""

    result: AnalysisResult
    outlook: OutlookResult
    reverse: tuple[ReverseStress, ...]

    @property
    def recommended_name(self) -> str:
        return self.result.recommended_name

    def summary_frame(self) -> pd.DataFrame:
        """``monte_carlo_summary.csv``: :meth:`OutlookResult.summary_frame` with the profile
        and portfolio as columns and the recommended portfolio flagged."""
        frame = self.outlook.summary_frame().reset_index()
        frame.insert(0, "profile_name", self.result.profile.name)
        frame.insert(2, "recommended", frame["portfolio"] == self.result.recommended_name)
        return frame

    def reverse_frame(self) -> pd.DataFrame:
        """``reverse_stress.csv``: one row per (portfolio, ETF) with the shock (decimal return),
        its size in the ETF's standard deviations, and the portfolio-level figures repeated."""
        rows = []
        for r in self.reverse:
            for ticker in r.shocks.index:
                rows.append(
                    {
                        "profile_name": self.result.profile.name,
                        "portfolio": r.portfolio,
                        "ticker": ticker,
                        "shock_return": float(r.shocks[ticker]),
                        "shock_standard_deviations": float(r.standard_deviations[ticker]),
                        "portfolio_loss": r.loss,
                        "drawdown_tolerance": r.tolerance,
                        "mahalanobis_distance": r.distance,
                        "worst_historical_12m_return": r.worst_window_return,
                        "worst_historical_12m_end": (
                            r.worst_window_end.date().isoformat() if r.worst_window_end else ""
                        ),
                        "basis": r.basis,
                    }
                )
        return pd.DataFrame(rows)


def analysis_outlook(
    result: AnalysisResult,
    settings: SimulationSettings | None = None,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> AnalysisOutlook:
    """Simulate the recommended portfolio, every other candidate and the benchmark of
    ``result`` (its data set's monthly returns, its profile's policy) and reverse-stress the
    recommended portfolio and the benchmark."""
    settings = settings if settings is not None else default_settings(result.profile)
    policy = policy_of(result.profile, result.settings.portfolio_value)
    recommended = result.recommended
    portfolios = [(recommended.name, recommended.weights)]
    portfolios += [(c.name, c.weights) for c in result.candidates if c.name != recommended.name]
    portfolios.append((BENCHMARK, result.benchmark_weights))
    inputs = result.inputs
    simulated = simulate(
        result.dataset.returns,
        portfolios,
        settings,
        policy.cash_flows,
        policy.reserve,
        market=CapitalMarket(inputs.tickers, inputs.expected_returns, inputs.covariance),
        progress=progress,
        cancel=cancel,
    )
    covariance = pd.DataFrame(
        result.inputs.covariance, index=result.inputs.tickers, columns=result.inputs.tickers
    )
    reverse = tuple(
        reverse_stress(name, weights, covariance, policy.drawdown_tolerance, result.dataset.returns)
        for name, weights in (portfolios[0], portfolios[-1])
    )
    return AnalysisOutlook(result, outlook(simulated, policy, settings), reverse)
