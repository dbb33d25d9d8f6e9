"""Worker body of the Rebalancing tab: :func:`core.rebalance.rebalance` with the ``progress`` /
``cancel`` protocol of :mod:`core.jobs`, run by :class:`app.kit.workers.Job` off the GUI thread.

The answer carries its request, so the tab can tell whether the plan still matches the holdings
and inputs on screen. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.data.dataset import DataMode
from core.jobs import CancelToken, ProgressCallback
from core.policy.profile import DriftBands, IPSProfile
from core.rebalance import Holdings, RebalanceMethod, RebalancePlan, rebalance
from core.universe import Universe

REBALANCE_JOB = "rebalance"


@dataclass(frozen=True)
class RebalanceRequest:
    """Everything one rebalance needs; amounts in currency, ``cash_buffer`` a decimal fraction."""

    holdings: Holdings
    targets: pd.Series
    bands: DriftBands
    universe: Universe
    method: RebalanceMethod = RebalanceMethod.TO_TARGET
    cost_bps: float = 5.0
    min_trade_value: float = 0.0
    cash_buffer: float = 0.0
    contribution: float = 0.0
    profile_name: str = ""
    """Labels the trade list (as in ``rebalancing_trades.csv``)."""
    data_mode: DataMode | None = None
    profile: IPSProfile | None = None
    """Its hard limits bind the post-trade portfolio (the plan's compliance table)."""

    def same_inputs(self, other: RebalanceRequest) -> bool:
        """True when ``other`` asks for the same plan (targets compared by value)."""
        return (
            self.holdings == other.holdings
            and self.holdings.price_sources == other.holdings.price_sources
            and self.profile == other.profile
            and self.bands == other.bands
            and self.targets.equals(other.targets)
            and (
                self.method,
                self.cost_bps,
                self.min_trade_value,
                self.cash_buffer,
                self.contribution,
            )
            == (
                other.method,
                other.cost_bps,
                other.min_trade_value,
                other.cash_buffer,
                other.contribution,
            )
        )


@dataclass(frozen=True)
class RebalanceAnswer:
    request: RebalanceRequest
    plan: RebalancePlan
    trades: pd.DataFrame
    """The plan's trade list (:func:`core.report.rebalance_tables.rebalancing_trades`), built in
    the worker so that the GUI thread only displays it."""


def rebalance_job(
    request: RebalanceRequest, *, progress: ProgressCallback, cancel: CancelToken
) -> RebalanceAnswer:
    progress(0.0, "Rebalancing")
    plan = rebalance(
        request.holdings,
        request.targets,
        bands=request.bands,
        method=request.method,
        asset_classes=request.universe,
        cost_bps=request.cost_bps,
        min_trade_value=request.min_trade_value,
        cash_buffer=request.cash_buffer,
        contribution=request.contribution,
        profile=request.profile,
    )
    cancel.raise_if_cancelled()
    from core.report.rebalance_tables import rebalancing_trades

    trades = rebalancing_trades(
        plan, profile_name=request.profile_name, data_mode=request.data_mode
    )
    progress(1.0, "Rebalancing")
    return RebalanceAnswer(request, plan, trades)
