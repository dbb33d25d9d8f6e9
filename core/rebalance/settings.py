"""Trade settings: how an account is traded back to its targets, one value the window, the
project file and the headless report share.

:class:`TradeSettings` holds the method, the cost, the minimum trade, the cash buffer and the
contribution; :meth:`TradeSettings.to_dict` / :meth:`TradeSettings.from_dict` are its project
file form (``{"method": "to_target", "cost_bps": 5.0, ...}``), and every invalid value is a
:class:`~core.errors.PolicyError` that says what to change.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import PolicyError
from core.jsonio import shown
from core.rebalance.plan import RebalanceMethod

DEFAULT_COST_BPS = 5.0
MAX_COST_BPS = 500.0
MAX_CASH_BUFFER = 0.5


def _number(raw: Any, name: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise PolicyError(f"Trade setting '{name}' is {shown(raw)}; enter a finite number.")
    return float(raw)


@dataclass(frozen=True)
class TradeSettings:
    """How the account is traded (arguments of :func:`core.rebalance.rebalance`).

    Attributes
    ----------
    method : RebalanceMethod
        All the way to the targets, or only back to the band edges.
    cost_bps : float
        Transaction cost, basis points of each trade's notional, in [0, 500].
    min_trade_value : float
        Smallest trade worth making, currency, >= 0 (0 = no minimum).
    cash_buffer : float
        Cash to keep after trading, decimal fraction of the account value after the
        contribution, in [0, 0.5] (0.02 = 2%).
    contribution : float
        Cash added before trading, currency; negative for a withdrawal.
    """

    method: RebalanceMethod = RebalanceMethod.TO_TARGET
    cost_bps: float = DEFAULT_COST_BPS
    min_trade_value: float = 0.0
    cash_buffer: float = 0.0
    contribution: float = 0.0

    def __post_init__(self) -> None:
        try:
            method = RebalanceMethod(self.method)
        except ValueError:
            choices = ", ".join(m.value for m in RebalanceMethod)
            raise PolicyError(
                f"Trade method {shown(self.method)} is unknown; use one of {choices}."
            ) from None
        object.__setattr__(self, "method", method)
        for name in ("cost_bps", "min_trade_value", "cash_buffer", "contribution"):
            object.__setattr__(self, name, _number(getattr(self, name), name))
        if not 0.0 <= self.cost_bps <= MAX_COST_BPS:
            raise PolicyError(
                f"Trade cost {self.cost_bps:g} bps is outside 0..{MAX_COST_BPS:g} bps: "
                "enter the cost per trade in basis points (5 = 0.05%)."
            )
        if self.min_trade_value < 0:
            raise PolicyError(
                f"Minimum trade {self.min_trade_value:,.2f} is negative: enter 0 (no minimum) "
                "or a positive amount."
            )
        if not 0.0 <= self.cash_buffer <= MAX_CASH_BUFFER:
            raise PolicyError(
                f"Cash buffer {self.cash_buffer:.2%} is outside 0%..{MAX_CASH_BUFFER:.0%}: enter "
                "it as a fraction of the account value (0.02 = 2%)."
            )

    def rebalance_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`core.rebalance.rebalance` for these settings."""
        return {
            "method": self.method,
            "cost_bps": self.cost_bps,
            "min_trade_value": self.min_trade_value,
            "cash_buffer": self.cash_buffer,
            "contribution": self.contribution,
        }

    def to_dict(self) -> dict[str, Any]:
        """The project file form (module docstring); ``cash_buffer`` a decimal fraction."""
        return {
            "method": self.method.value,
            "cost_bps": self.cost_bps,
            "min_trade_value": self.min_trade_value,
            "cash_buffer": self.cash_buffer,
            "contribution": self.contribution,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TradeSettings:
        """Settings from their project file form; absent keys take the defaults.

        Raises
        ------
        PolicyError
            An unknown key or an invalid value, named.
        """
        if not isinstance(data, Mapping):
            raise PolicyError("Trade settings must be a JSON object.")
        known = {"method", "cost_bps", "min_trade_value", "cash_buffer", "contribution"}
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            raise PolicyError(
                f"Unknown trade setting(s) {', '.join(unknown)}; use {', '.join(sorted(known))}."
            )
        defaults = cls()
        return cls(
            method=data.get("method", defaults.method.value),
            cost_bps=data.get("cost_bps", defaults.cost_bps),
            min_trade_value=data.get("min_trade_value", defaults.min_trade_value),
            cash_buffer=data.get("cash_buffer", defaults.cash_buffer),
            contribution=data.get("contribution", defaults.contribution),
        )
