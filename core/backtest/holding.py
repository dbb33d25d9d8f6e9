"""Holding a decision's weights until the next one: drift or monthly rebalancing, trading costs.

Conventions
-----------
* Returns are monthly simple returns, decimal; weights are decimal and sum to 1.
* Turnover of a trade is ``sum_i |w_target_i - w_before_i|`` (buys plus sells, as a fraction of
  the portfolio); its cost is ``cost_bps / 10_000 x turnover`` of the portfolio's value, taken
  from the portfolio just before the month that follows the trade:
  ``1 + r_net = (1 - cost) (1 + r_gross)``.
* ``DRIFT``: the weights bought at the decision drift with the ETFs' returns until the next
  decision (``w_{t+1} = w_t (1 + r_t) / (1 + w_t' r_t)``), no trade in between.
  ``MONTHLY``: the portfolio is traded back to the decision's weights at every month-end, and
  those trades pay the cost too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

BPS = 10_000.0


class WithinPeriod(str, Enum):
    """What happens between two decision dates."""

    DRIFT = "Drift with the markets until the next decision"
    MONTHLY = "Rebalanced to the decision's weights every month"


@dataclass(frozen=True)
class HoldingOutcome:
    """The months of one holding period.

    net_returns, gross_returns : shape (m,), monthly decimal; net is after trading costs.
    turnover : sum of ``|trade|`` over the period's trades (the decision's and, when rebalanced
        monthly, the month-end ones), fraction of the portfolio.
    cost : sum of the costs paid, fraction of the portfolio value at each trade.
    end_weights : shape (n,), the weights after the last month (drifted), sum 1.
    """

    net_returns: np.ndarray
    gross_returns: np.ndarray
    turnover: float
    cost: float
    end_weights: np.ndarray


def drift(weights: np.ndarray, month_returns: np.ndarray) -> np.ndarray:
    """Weights after one month of returns ``month_returns`` (shape (n,)), renormalized to 1."""
    grown = weights * (1.0 + month_returns)
    return grown / grown.sum()


def hold(
    target: np.ndarray,
    before: np.ndarray,
    returns: np.ndarray,
    *,
    cost_bps: float,
    within: WithinPeriod = WithinPeriod.DRIFT,
) -> HoldingOutcome:
    """Trade from ``before`` to ``target`` and hold through ``returns`` (module conventions).

    Parameters
    ----------
    target, before : ndarray, shape (n,)
        The decision's weights and the (drifted) weights held just before the decision.
    returns : ndarray, shape (m, n)
        The ETFs' monthly returns of the holding period, m >= 1.
    cost_bps : float
        Cost per unit of turnover, basis points (5 = 0.05%).
    """
    rate = cost_bps / BPS
    held = before
    gross, net = np.empty(len(returns)), np.empty(len(returns))
    turnover = cost = 0.0
    for k, month in enumerate(returns):
        if k == 0 or within is WithinPeriod.MONTHLY:
            traded = float(np.abs(target - held).sum())
            turnover += traded
            paid = rate * traded
            cost += paid
            held = target
        else:
            paid = 0.0
        gross[k] = float(held @ month)
        net[k] = (1.0 - paid) * (1.0 + gross[k]) - 1.0
        held = drift(held, month)
    return HoldingOutcome(net, gross, turnover, cost, held)
