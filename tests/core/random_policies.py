"""Random IPS policies for property-style tests: a bundled profile with its class ranges moved and
a few random ETF caps added (a test helper, not a test module)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.policy.profile import IPSProfile, Range
from core.policy.profile_io import bundled_profiles
from core.universe import Universe


@dataclass(frozen=True)
class PolicyDraw:
    """A drawn policy, not yet validated: :meth:`profile` may raise PolicyError (e.g. a minimum
    above a drawn cap), which a test treats as "skip this draw"."""

    base: IPSProfile
    class_ranges: dict[str, Range]
    asset_caps: dict[str, float]

    def profile(self, **changes: Any) -> IPSProfile:
        return self.base.with_changes(
            class_ranges=self.class_ranges, asset_caps=self.asset_caps, **changes
        )


def perturbed_policy(
    rng: np.random.Generator,
    universe: Universe,
    *,
    spread: float,
    caps: tuple[float, float],
    most_caps: int,
    decimals: int,
    pinned_share: float | None = None,
) -> PolicyDraw:
    """A bundled profile (drawn at random) whose class minimums and maximums each move by up to
    ``spread`` (clipped to [0, 1], maximum >= minimum), with up to ``most_caps - 1`` random ETF
    caps drawn from ``caps``; with ``pinned_share``, that share of the classes get maximum equal
    to minimum. Values are rounded to ``decimals``; draws are taken from ``rng`` in a fixed order."""
    profiles = list(bundled_profiles().values())
    base = profiles[rng.integers(len(profiles))]
    ranges = {}
    for cls, limits in base.class_ranges.items():
        lo = float(np.clip(limits.minimum + rng.uniform(-spread, spread), 0, 1))
        if pinned_share is not None and rng.random() < pinned_share:
            hi = lo
        else:
            hi = float(np.clip(limits.maximum + rng.uniform(-spread, spread), lo, 1))
        ranges[cls] = Range(round(lo, decimals), round(hi, decimals))
    extra = {
        str(t): round(float(rng.uniform(*caps)), decimals)
        for t in rng.choice(universe.tickers, size=rng.integers(0, most_caps), replace=False)
    }
    return PolicyDraw(base, ranges, {**base.asset_caps, **extra})
