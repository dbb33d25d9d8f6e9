"""Drift of an account from its policy targets, by ETF and by asset class, against the bands.

Conventions
-----------
* Weights are decimal fractions of the total account value including cash; targets are decimal
  and add up to 1 over the ETFs (the policy has no separate cash line: its cash is an ETF such
  as SGOV).
* drift = current weight - target weight (positive = overweight).
* **A band is breached only when the drift is strictly beyond it**: ``|drift| > band``, with a
  tolerance of :data:`BAND_TOLERANCE` so that a portfolio traded exactly to the band edge is
  inside. (The original engine used ``>=``; with ``>`` the band-edge rebalancer's output is
  compliant by the same rule that flagged the breach.)
* Relative band: ``|drift| / target > relative`` for a target above 0. Holding any amount of an
  ETF whose target is 0 is always a breach (``off_target``), whatever the bands.
* Asset-class drift: the sum over the class's ETFs; the account's uninvested cash counts in the
  cash class (``cash_asset_class``, "Cash" by default), so class weights also add up to 1.
* The effective band used by the band-edge rebalancer is :func:`effective_band`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from core.errors import DataError, PolicyError
from core.policy.profile import DriftBands
from core.rebalance.account import CASH_LABEL, Holdings
from core.universe import Universe

BAND_TOLERANCE = 1e-9
TARGET_SUM_TOLERANCE = 1e-6


def effective_band(target: float, bands: DriftBands) -> float:
    """Half-width of the band around one ETF's target, decimal weight.

    ``min(absolute, relative x target)`` when a relative band is set, else ``absolute``; 0 for a
    zero target, since holding any of an ETF the policy excludes is a breach (module docstring).
    """
    if target <= 0:
        return 0.0
    if bands.relative is None:
        return float(bands.absolute)
    return float(min(bands.absolute, bands.relative * target))


def check_targets(targets: pd.Series) -> pd.Series:
    """Return ``targets`` as floats, exactly summing to 1; :class:`PolicyError` if they cannot.

    Targets must be finite, >= 0, labelled by unique tickers and add up to 1 within
    :data:`TARGET_SUM_TOLERANCE` (the small residual is then removed by rescaling).
    """
    values = pd.Series(targets, dtype=float)
    if values.index.has_duplicates:
        raise PolicyError("Targets list an ETF more than once: keep one weight per ETF.")
    if values.empty:
        raise PolicyError("There are no target weights: run the allocation first.")
    if CASH_LABEL in values.index:
        raise PolicyError(
            f"Targets must not hold a '{CASH_LABEL}' line; the policy's cash is an ETF."
        )
    bad = values[~values.map(math.isfinite) | (values < 0)]
    if not bad.empty:
        raise PolicyError(f"Target weight of {bad.index[0]} is {bad.iloc[0]!r}; use 0 or more.")
    total = float(values.sum())
    if abs(total - 1.0) > TARGET_SUM_TOLERANCE:
        raise PolicyError(f"Target weights add up to {total:.4%}; they must add up to 100%.")
    return values / total


def class_map(asset_classes: Mapping[str, str] | Universe) -> dict[str, str]:
    """``{ticker: asset class}`` from a mapping or a :class:`Universe`."""
    if isinstance(asset_classes, Universe):
        return {a.ticker: a.asset_class for a in asset_classes.assets}
    return {str(t): str(c) for t, c in asset_classes.items()}


@dataclass(frozen=True)
class EtfDrift:
    """Drift of one ETF (decimal weights; see the module docstring for the rules)."""

    ticker: str
    asset_class: str
    current_weight: float
    target_weight: float
    band: float
    relative_band: float | None
    absolute_breach: bool
    relative_breach: bool
    off_target: bool

    @property
    def drift(self) -> float:
        return self.current_weight - self.target_weight

    @property
    def effective_band(self) -> float:
        """The tighter of the absolute and relative bands, decimal weight (see :func:`effective_band`)."""
        return effective_band(self.target_weight, DriftBands(self.band, self.relative_band))

    @property
    def relative_drift(self) -> float | None:
        """drift / target, or None for a zero target."""
        return self.drift / self.target_weight if self.target_weight > 0 else None

    @property
    def breach(self) -> bool:
        return self.absolute_breach or self.relative_breach or self.off_target


@dataclass(frozen=True)
class ClassDrift:
    """Drift of one asset class; ``band`` is None when the profile sets no class band."""

    asset_class: str
    current_weight: float
    target_weight: float
    band: float | None

    @property
    def drift(self) -> float:
        return self.current_weight - self.target_weight

    @property
    def breach(self) -> bool:
        return self.band is not None and abs(self.drift) > self.band + BAND_TOLERANCE


@dataclass(frozen=True)
class DriftReport:
    """Drift of every ETF (targets first in their order, then ETFs held off target) and class."""

    etfs: tuple[EtfDrift, ...]
    classes: tuple[ClassDrift, ...]
    cash_weight: float
    bands: DriftBands
    band_clauses: Mapping[str, str] = field(default_factory=dict)
    """IPS clause of each band, keyed by DriftBands field (``{"absolute": "7.1", ...}``)."""

    @property
    def etf_band_clause(self) -> str:
        """The clauses of the ETF bands, e.g. ``"7.1, 7.2"`` ("" without a profile)."""
        return ", ".join(
            self.band_clauses[b] for b in ("absolute", "relative") if b in self.band_clauses
        )

    @property
    def class_band_clause(self) -> str:
        return self.band_clauses.get("asset_class", "")

    @property
    def breaches(self) -> tuple[str, ...]:
        """Tickers with any ETF-level breach."""
        return tuple(e.ticker for e in self.etfs if e.breach)

    @property
    def class_breaches(self) -> tuple[str, ...]:
        return tuple(c.asset_class for c in self.classes if c.breach)

    @property
    def any_breach(self) -> bool:
        return bool(self.breaches or self.class_breaches)

    @property
    def max_abs_drift(self) -> float:
        return max((abs(e.drift) for e in self.etfs), default=0.0)

    def etf(self, ticker: str) -> EtfDrift:
        for row in self.etfs:
            if row.ticker == ticker:
                return row
        raise KeyError(ticker)

    def asset_class(self, name: str) -> ClassDrift:
        for row in self.classes:
            if row.asset_class == name:
                return row
        raise KeyError(name)

    def to_frame(self) -> pd.DataFrame:
        """One row per ETF: weights, drift, relative drift, band and breach flags."""
        return pd.DataFrame(
            [
                {
                    "ticker": e.ticker,
                    "asset_class": e.asset_class,
                    "current_weight": e.current_weight,
                    "target_weight": e.target_weight,
                    "drift": e.drift,
                    "relative_drift": e.relative_drift,
                    "band": e.band,
                    "band_clause": self.etf_band_clause,
                    "absolute_breach": e.absolute_breach,
                    "relative_breach": e.relative_breach,
                    "off_target": e.off_target,
                    "drift_breach_flag": e.breach,
                }
                for e in self.etfs
            ]
        )

    def classes_frame(self) -> pd.DataFrame:
        """One row per asset class: weights, drift, band and breach flag."""
        return pd.DataFrame(
            [
                {
                    "asset_class": c.asset_class,
                    "current_weight": c.current_weight,
                    "target_weight": c.target_weight,
                    "drift": c.drift,
                    "band": c.band,
                    "band_clause": self.class_band_clause if c.band is not None else "",
                    "drift_breach_flag": c.breach,
                }
                for c in self.classes
            ]
        )


TARGET_ROUND_OFF = 1e-9
"""Recommended weights smaller than this (in absolute value) are solver round-off: target 0."""


def rebalance_targets(weights: pd.Series) -> pd.Series:
    """Target weights for drift and rebalancing from an optimizer's weights (decimal fractions):
    entries below :data:`TARGET_ROUND_OFF` in absolute value become exactly 0."""
    return weights.where(weights.abs() > TARGET_ROUND_OFF, 0.0)


def drift_report(
    holdings: Holdings,
    targets: pd.Series,
    bands: DriftBands,
    asset_classes: Mapping[str, str] | Universe,
    *,
    cash_asset_class: str | None = "Cash",
    band_clauses: Mapping[str, str] | None = None,
) -> DriftReport:
    """Current weights against targets, by ETF and by asset class.

    Parameters
    ----------
    holdings : Holdings
        The account; weights include its cash line.
    targets : Series
        Decimal target weights by ticker, adding up to 1 (e.g. ``result.recommended.weights``).
    bands : DriftBands
        The profile's bands (``profile.drift_bands``).
    asset_classes : mapping or Universe
        ``{ticker: asset class}`` for every target and held ETF. A Universe also fixes the class
        order (its ``asset_classes``); a mapping lists classes in first-seen order.
    cash_asset_class : str or None
        Class that the account's uninvested cash belongs to; None leaves cash out of the classes.
    band_clauses : mapping, optional
        The IPS clause of each band (:func:`core.policy.clauses.drift_band_clauses`).

    Raises
    ------
    PolicyError
        Targets are malformed.
    DataError
        An ETF has no asset class, or the account is empty.
    """
    target = check_targets(targets)
    weights = holdings.weights
    cash_weight = float(weights[CASH_LABEL])
    classes = class_map(asset_classes)
    tickers = list(target.index) + [t for t in holdings.tickers if t not in target.index]
    missing = [t for t in tickers if t not in classes]
    if missing:
        raise DataError(f"No asset class for {', '.join(missing)}: add the ETF to the universe.")
    rows = []
    for ticker in tickers:
        current = float(weights.get(ticker, 0.0))
        goal = float(target.get(ticker, 0.0))
        drift = current - goal
        relative = (
            bands.relative is not None
            and goal > 0
            and abs(drift) / goal > bands.relative + BAND_TOLERANCE
        )
        rows.append(
            EtfDrift(
                ticker=ticker,
                asset_class=classes[ticker],
                current_weight=current,
                target_weight=goal,
                band=float(bands.absolute),
                relative_band=bands.relative,
                absolute_breach=abs(drift) > bands.absolute + BAND_TOLERANCE,
                relative_breach=bool(relative),
                off_target=goal == 0 and current > 0,
            )
        )
    if isinstance(asset_classes, Universe):
        order = list(asset_classes.asset_classes)
    else:
        order = list(dict.fromkeys(classes[t] for t in tickers))
    if cash_asset_class is not None and cash_asset_class not in order:
        order.append(cash_asset_class)
    class_rows = []
    for name in order:
        current = sum(r.current_weight for r in rows if r.asset_class == name)
        if name == cash_asset_class:
            current += cash_weight
        goal = sum(r.target_weight for r in rows if r.asset_class == name)
        class_rows.append(ClassDrift(name, float(current), float(goal), bands.asset_class))
    return DriftReport(tuple(rows), tuple(class_rows), cash_weight, bands, dict(band_clauses or {}))
