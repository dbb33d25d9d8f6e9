"""The Outlook of an analysis result: every portfolio of the result simulated under its IPS.

The one entry point the window's worker, the report package and the CLI share, so the three
agree. Portfolios: the recommended one first, then the other candidates, then the account's
current holdings (when there are any), then the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.jobs import CancelToken, ProgressCallback, no_progress
from core.outlook.answers import OutlookPolicy, OutlookResult, outlook
from core.outlook.holdings import (
    CURRENT_HOLDINGS,
    NO_HOLDINGS,
    describe_holdings,
    has_holdings,
    holdings_weights,
)
from core.outlook.request import OutlookRequest
from core.outlook.reverse_stress import (
    ReverseStress,
    driver_model,
    format_move,
    portfolio_reverse_stress,
)
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
from core.rebalance.account import Holdings

BENCHMARK = "Benchmark"
__all__ = ["BENCHMARK", "AnalysisOutlook", "OutlookRequest", "analysis_outlook", "policy_of"]


def policy_of(profile: IPSProfile, portfolio_value: float) -> OutlookPolicy:
    """The profile's objective, tolerance, spending and reserve in simulation units (a fixed
    amount becomes a fraction of ``portfolio_value``, the starting assets in currency; an
    "inflation + x%" objective becomes its nominal rate, ``(1 + inflation)(1 + x) - 1``)."""
    spending = profile.spending
    if spending.kind is SpendingKind.PERCENT_OF_ASSETS:
        flows = CashFlows(CashFlowKind.PERCENT, spending.value)
    elif spending.kind is SpendingKind.FIXED_AMOUNT and portfolio_value > 0:
        flows = CashFlows(CashFlowKind.FIXED, spending.value / portfolio_value)
    else:
        flows = CashFlows()
    return OutlookPolicy(
        return_objective=profile.nominal_target_return,
        objective_description=profile.return_basis_text,
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
    holdings_note: str = ""
    """What the current-holdings row is (the account's value, cash), or that there is none."""

    @property
    def recommended_name(self) -> str:
        return self.result.recommended_name

    def summary_frame(self) -> pd.DataFrame:
        """``monte_carlo_summary.csv``: :meth:`OutlookResult.summary_frame` with the profile
        and portfolio as columns and the recommended portfolio flagged."""
        frame = self.outlook.summary_frame().reset_index()
        frame.insert(0, "profile_name", self.result.profile.name)
        frame.insert(2, "recommended", frame["portfolio"] == self.result.recommended_name)
        frame["holdings_note"] = self.holdings_note
        return frame

    def reverse_frame(self) -> pd.DataFrame:
        """``reverse_stress.csv``: one row per (portfolio, driver) with the driver's move (bp for
        rates and spreads, decimal return otherwise; ``unit`` says which), its annual standard
        deviation and its size in standard deviations; the portfolio-level figures repeated."""
        rows = []
        for r in self.reverse:
            for driver, row in r.drivers.iterrows():
                rows.append(
                    {
                        "profile_name": self.result.profile.name,
                        "portfolio": r.portfolio,
                        "driver": driver.value,
                        "move": float(row["move"]),
                        "unit": row["unit"],
                        "move_text": format_move(driver, float(row["move"])),
                        "annual_standard_deviation": float(row["standard_deviation"]),
                        "standard_deviations": float(row["standard_deviations"]),
                        "portfolio_loss": r.loss,
                        "portfolio_loss_with_convexity": r.loss_with_convexity,
                        "drawdown_tolerance": r.tolerance,
                        "mahalanobis_distance": r.distance,
                        "horizon_months": r.window_months,
                        "worst_historical_window_return": r.worst_window_return,
                        "worst_historical_window_end": (
                            r.worst_window_end.date().isoformat() if r.worst_window_end else ""
                        ),
                        "covariance_months": r.months,
                        "basis": r.basis,
                    }
                )
        return pd.DataFrame(rows)


def analysis_outlook(
    result: AnalysisResult,
    settings: SimulationSettings | None = None,
    *,
    holdings: Holdings | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> AnalysisOutlook:
    """Simulate the recommended portfolio, every other candidate, the account's current
    ``holdings`` (valued at the data set's prices; :mod:`core.outlook.holdings`) and the
    benchmark of ``result`` (its data set's monthly returns, its profile's policy) and
    reverse-stress the recommended portfolio and the benchmark. Without holdings (None or an
    empty account) :attr:`AnalysisOutlook.holdings_note` says so."""
    settings = settings if settings is not None else default_settings(result.profile)
    policy = policy_of(result.profile, result.settings.portfolio_value)
    recommended = result.recommended
    portfolios = [(recommended.name, recommended.weights)]
    portfolios += [(c.name, c.weights) for c in result.candidates if c.name != recommended.name]
    if holdings is not None and has_holdings(holdings):
        portfolios.append((CURRENT_HOLDINGS, holdings_weights(holdings, result.universe)))
        note = f"{CURRENT_HOLDINGS}: {describe_holdings(holdings, result.universe)}."
    else:
        note = NO_HOLDINGS
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
    model = driver_model(result)
    reverse = tuple(
        portfolio_reverse_stress(result, name, weights, model)
        for name, weights in (portfolios[0], portfolios[-1])
    )
    return AnalysisOutlook(result, outlook(simulated, policy, settings), reverse, note)
