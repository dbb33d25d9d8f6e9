"""The IPS profile: every policy number in one validated, immutable object.

A profile holds what the original engine kept in hard-coded tables keyed by profile name
(ETF minimums and caps, group limits, anchor weights) plus the fields an IPS really has
(horizon, liquidity need, risk tolerance, drift bands). All weights and limits are
decimal fractions of portfolio value (0.15 = 15%); volatility and drawdown limits are
annualized volatility and peak-to-trough loss as positive fractions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from core.errors import PolicyError
from core.universe import ASSET_CLASSES, Universe

SCHEMA_VERSION = 1


class RiskTolerance(str, Enum):
    CONSERVATIVE = "conservative"
    MODERATE = "moderate"
    GROWTH = "growth"
    AGGRESSIVE = "aggressive"


class LiquidityNeed(str, Enum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


@dataclass(frozen=True)
class Range:
    """A closed interval [minimum, maximum] of portfolio weight."""

    minimum: float = 0.0
    maximum: float = 1.0


@dataclass(frozen=True)
class GroupLimit:
    """A limit on the summed weight of several ETFs, e.g. EFA + EEM <= 25%."""

    name: str
    tickers: tuple[str, ...]
    minimum: float | None = None
    maximum: float | None = None


class SpendingKind(str, Enum):
    """How the policy pays out cash (a negative value is a contribution)."""

    NONE = "none"
    FIXED_AMOUNT = "fixed_amount"  # value: currency a year
    PERCENT_OF_ASSETS = "percent_of_assets"  # value: decimal of assets a year (0.05 = 5% rule)


class ReturnBasis(str, Enum):
    """How the numeric return objective is stated."""

    NOMINAL = "nominal"  # target_return is the nominal return a year
    INFLATION_PLUS = "inflation_plus"  # target_return is x in "inflation + x%" (a real return)


DEFAULT_INFLATION = 0.025
"""The inflation assumption a profile starts with: 2.5% a year, an assumption to edit (close to
the 10-year breakeven inflation of U.S. Treasuries in 2023-2025)."""


def nominal_objective(basis: ReturnBasis, value: float, inflation: float) -> float:
    """The nominal return a year the objective asks for.

    NOMINAL: ``value``. INFLATION_PLUS: real compounding at a constant inflation,
    ``(1 + inflation) * (1 + value) - 1`` (inflation 3% + 4% is 7.12% a year, so that wealth
    grows by 4% a year in purchasing power), not the additive ``inflation + value``.
    """
    if basis is ReturnBasis.INFLATION_PLUS:
        return (1.0 + inflation) * (1.0 + value) - 1.0
    return value


@dataclass(frozen=True)
class SpendingPolicy:
    """Spending (positive) or contributions (negative), paid in twelve monthly parts.

    FIXED_AMOUNT: ``value`` in currency a year; PERCENT_OF_ASSETS: ``value`` a decimal of the
    assets a year (an endowment's 5% rule is 0.05); NONE: ``value`` is ignored (keep it 0).
    """

    kind: SpendingKind = SpendingKind.NONE
    value: float = 0.0

    def describe(self) -> str:
        if self.kind is SpendingKind.NONE or self.value == 0:
            return "none"
        verb = "spend" if self.value > 0 else "contribute"
        if self.kind is SpendingKind.FIXED_AMOUNT:
            return f"{verb} ${abs(self.value):,.0f} a year, paid monthly"
        return f"{verb} {abs(self.value):.2%} of assets a year, paid monthly"


@dataclass(frozen=True)
class DriftBands:
    """Rebalancing tolerance bands.

    absolute : |current - target| that triggers a rebalance for one ETF (0.05 = 5 pp).
    relative : |current - target| / target that also triggers it (0.25 = 25% of target), or None.
    asset_class : |class current - class target| that triggers a class-level breach, or None.
    """

    absolute: float = 0.05
    relative: float | None = None
    asset_class: float | None = None


@dataclass(frozen=True)
class IPSProfile:
    """A validated Investment Policy Statement profile (see module docstring for units)."""

    name: str
    objective: str
    return_objective: str
    risk_tolerance: RiskTolerance
    horizon_years: float
    liquidity_need: LiquidityNeed
    max_volatility: float
    max_drawdown: float
    max_single_weight: float
    class_ranges: dict[str, Range]
    asset_minimums: dict[str, float] = field(default_factory=dict)
    asset_caps: dict[str, float] = field(default_factory=dict)
    groups: tuple[GroupLimit, ...] = ()
    anchor_weights: dict[str, float] | None = None
    drift_bands: DriftBands = field(default_factory=DriftBands)
    benchmark: dict[str, float] = field(default_factory=lambda: {"SPY": 0.6, "AGG": 0.4})
    risk_aversion: float = 4.0
    concentration_penalty: float = 0.05
    notes: str = ""
    target_return: float | None = None
    """The return objective as a number, annual decimal (0.07 = 7% a year): nominal, or the
    ``x`` of "inflation + x%" when ``return_basis`` is INFLATION_PLUS; None when the IPS states
    none (the Outlook then asks only to preserve capital: 0% nominal, or inflation + 0%)."""
    return_basis: ReturnBasis = ReturnBasis.NOMINAL
    inflation: float = DEFAULT_INFLATION
    """The stated inflation assumption, annual decimal; used by the INFLATION_PLUS objective."""
    spending: SpendingPolicy = field(default_factory=SpendingPolicy)
    liquidity_reserve: float = 0.0
    """Assets that must remain, a decimal of the starting assets (0.05 = 5%)."""

    def __post_init__(self) -> None:
        _check_profile(self)

    # -- derived -------------------------------------------------------------------------
    @property
    def nominal_target_return(self) -> float:
        """The objective the Outlook tests, nominal annual decimal (:func:`nominal_objective`;
        no stated objective counts as 0, i.e. preserve capital or purchasing power)."""
        value = self.target_return if self.target_return is not None else 0.0
        return nominal_objective(self.return_basis, value, self.inflation)

    def describe_return_target(self) -> str:
        """``"7.00% a year (nominal)"`` or ``"inflation (2.50% assumed) + 4.00% = 6.60% a year"``."""
        if self.return_basis is ReturnBasis.INFLATION_PLUS:
            x = self.target_return if self.target_return is not None else 0.0
            return (
                f"inflation ({self.inflation:.2%} assumed) + {x:.2%} = "
                f"{self.nominal_target_return:.2%} a year nominal (real compounding)"
            )
        if self.target_return is None:
            return "none stated (preserve capital: 0% a year)"
        return f"{self.target_return:.2%} a year (nominal)"

    @property
    def return_basis_text(self) -> str:
        """Short: ``"nominal"`` or ``"inflation 2.50% + 4.00%"``."""
        if self.return_basis is ReturnBasis.INFLATION_PLUS:
            x = self.target_return if self.target_return is not None else 0.0
            return f"inflation {self.inflation:.2%} + {x:.2%}"
        return "nominal"

    @property
    def benchmark_label(self) -> str:
        """``"SPY 60% / AGG 40%"``."""
        return " / ".join(
            f"{t} {w:.0%}" if abs(w * 100 - round(w * 100)) < 1e-9 else f"{t} {w:.1%}"
            for t, w in self.benchmark.items()
        )

    def with_changes(self, **changes: Any) -> IPSProfile:
        """A copy with some fields replaced, validated again."""
        return replace(self, **changes)

    def check_universe(self, universe: Universe) -> None:
        """Raise :class:`PolicyError` if the profile names tickers or classes the universe lacks."""
        known = set(universe.tickers)
        where: list[tuple[str, Mapping[str, float] | tuple[str, ...]]] = [
            ("ETF minimums", self.asset_minimums),
            ("ETF caps", self.asset_caps),
            ("benchmark", self.benchmark),
        ]
        if self.anchor_weights is not None:
            where.append(("anchor weights", self.anchor_weights))
        for group in self.groups:
            where.append((f"group '{group.name}'", group.tickers))
        for label, tickers in where:
            unknown = sorted(set(tickers) - known)
            if unknown:
                raise PolicyError(
                    f"Profile '{self.name}': {label} name {', '.join(unknown)}, which "
                    f"{'is' if len(unknown) == 1 else 'are'} not in the universe "
                    f"({', '.join(universe.tickers)}). Remove {'it' if len(unknown) == 1 else 'them'} "
                    "or add the ETF to the universe."
                )
        unknown_classes = sorted(set(self.class_ranges) - set(universe.asset_classes))
        if unknown_classes:
            raise PolicyError(
                f"Profile '{self.name}': asset class {', '.join(unknown_classes)} is not one of "
                f"{', '.join(universe.asset_classes)}."
            )


def _fraction(profile: str, label: str, value: float, *, allow_zero: bool = True) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise PolicyError(f"Profile '{profile}': {label} must be a number, got {value!r}.")
    low_ok = value >= 0 if allow_zero else value > 0
    if not low_ok or value > 1:
        bound = "between 0% and 100%" if allow_zero else "above 0% and at most 100%"
        raise PolicyError(f"Profile '{profile}': {label} is {value:.2%}; it must be {bound}.")


def _check_profile(p: IPSProfile) -> None:
    if not p.name or not p.name.strip():
        raise PolicyError("A profile needs a name.")
    n = p.name
    if not isinstance(p.horizon_years, (int, float)) or not (0 < p.horizon_years <= 200):
        raise PolicyError(
            f"Profile '{n}': horizon must be between 0 and 200 years, got {p.horizon_years!r}."
        )
    _fraction(n, "maximum volatility target", p.max_volatility, allow_zero=False)
    _fraction(n, "maximum drawdown tolerance", p.max_drawdown, allow_zero=False)
    _fraction(n, "maximum single-ETF weight", p.max_single_weight, allow_zero=False)
    if not math.isfinite(p.risk_aversion) or p.risk_aversion <= 0:
        raise PolicyError(
            f"Profile '{n}': risk aversion must be a positive number, got {p.risk_aversion!r}."
        )
    if not math.isfinite(p.concentration_penalty) or p.concentration_penalty < 0:
        raise PolicyError(f"Profile '{n}': concentration penalty must be zero or positive.")
    for cls, rng in p.class_ranges.items():
        if cls not in ASSET_CLASSES:
            raise PolicyError(
                f"Profile '{n}': unknown asset class {cls!r}; use one of {', '.join(ASSET_CLASSES)}."
            )
        _fraction(n, f"{cls} minimum", rng.minimum)
        _fraction(n, f"{cls} maximum", rng.maximum)
        if rng.minimum > rng.maximum:
            raise PolicyError(
                f"Profile '{n}': {cls} minimum {rng.minimum:.1%} is above its maximum {rng.maximum:.1%}: "
                "lower the minimum or raise the maximum."
            )
    for ticker, value in p.asset_minimums.items():
        _fraction(n, f"{ticker} minimum", value)
    for ticker, value in p.asset_caps.items():
        _fraction(n, f"{ticker} cap", value)
    for ticker in set(p.asset_minimums) & set(p.asset_caps):
        if p.asset_minimums[ticker] > p.asset_caps[ticker]:
            raise PolicyError(
                f"Profile '{n}': {ticker} minimum {p.asset_minimums[ticker]:.1%} is above its cap "
                f"{p.asset_caps[ticker]:.1%}: lower the minimum or raise the cap."
            )
    for group in p.groups:
        if not group.tickers:
            raise PolicyError(f"Profile '{n}': group '{group.name}' lists no ETFs.")
        if group.minimum is None and group.maximum is None:
            raise PolicyError(
                f"Profile '{n}': group '{group.name}' needs a minimum, a maximum or both."
            )
        if group.minimum is not None:
            _fraction(n, f"group '{group.name}' minimum", group.minimum)
        if group.maximum is not None:
            _fraction(n, f"group '{group.name}' maximum", group.maximum)
        if (
            group.minimum is not None
            and group.maximum is not None
            and group.minimum > group.maximum
        ):
            raise PolicyError(f"Profile '{n}': group '{group.name}' minimum is above its maximum.")
    _check_weights(n, "benchmark", p.benchmark)
    if p.anchor_weights is not None:
        _check_weights(n, "anchor weights", p.anchor_weights)
    if p.target_return is not None and (
        isinstance(p.target_return, bool)
        or not isinstance(p.target_return, (int, float))
        or not -0.5 < p.target_return < 1.0
    ):
        raise PolicyError(
            f"Profile '{n}': the numeric return objective must be a yearly decimal between -50% "
            f"and 100% (0.07 = 7% a year), got {p.target_return!r}."
        )
    if not isinstance(p.return_basis, ReturnBasis):
        raise PolicyError(
            f"Profile '{n}': the return basis must be one of "
            f"{', '.join(b.value for b in ReturnBasis)}, got {p.return_basis!r}."
        )
    if (
        isinstance(p.inflation, bool)
        or not isinstance(p.inflation, (int, float))
        or not -0.1 <= p.inflation <= 0.25
    ):
        raise PolicyError(
            f"Profile '{n}': the inflation assumption must be a yearly decimal between -10% and "
            f"25% (0.025 = 2.5% a year), got {p.inflation!r}."
        )
    _check_spending(n, p.spending)
    _fraction(n, "liquidity reserve", p.liquidity_reserve)
    if p.liquidity_reserve >= 1:
        raise PolicyError(f"Profile '{n}': the liquidity reserve must be below 100% of assets.")
    bands = p.drift_bands
    _fraction(n, "absolute drift band", bands.absolute, allow_zero=False)
    if bands.relative is not None and not (0 < bands.relative <= 10):
        raise PolicyError(
            f"Profile '{n}': relative drift band must be above 0 (e.g. 0.25 = 25% of target)."
        )
    if bands.asset_class is not None:
        _fraction(n, "asset-class drift band", bands.asset_class, allow_zero=False)


def _check_spending(profile: str, spending: SpendingPolicy) -> None:
    value = spending.value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PolicyError(
            f"Profile '{profile}': the spending value must be a number, got {value!r}."
        )
    if spending.kind is SpendingKind.PERCENT_OF_ASSETS and not -1 <= value <= 1:
        raise PolicyError(
            f"Profile '{profile}': spending of {value:.2%} of assets a year is outside -100%..100%; "
            "write 0.05 for a 5% rule."
        )


def _check_weights(profile: str, label: str, weights: Mapping[str, float]) -> None:
    if not weights:
        raise PolicyError(f"Profile '{profile}': {label} must name at least one ETF.")
    for ticker, w in weights.items():
        _fraction(profile, f"{label} weight of {ticker}", w)
    total = sum(weights.values())
    if abs(total - 1.0) > 1e-6:
        raise PolicyError(
            f"Profile '{profile}': {label} add up to {total:.2%}; they must add up to 100%."
        )
