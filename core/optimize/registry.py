"""The candidate strategies of the selection, in the order they are listed (ties in the
selection go to the first): one call per strategy that builds it or raises a typed error."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from core.optimize import candidates as strategies
from core.optimize.candidates import Candidate, Strategy
from core.optimize.class_risk_parity import class_risk_parity_candidate
from core.optimize.estimation import MarketInputs
from core.optimize.ips_optimum import ips_optimum
from core.policy.constraints import ConstraintSet
from core.policy.profile import IPSProfile
from core.universe import Universe

Builder = tuple[Strategy, Callable[[], Candidate]]


def candidate_builders(
    profile: IPSProfile,
    universe: Universe,
    inputs: MarketInputs,
    cs: ConstraintSet,
    returns: pd.DataFrame,
) -> list[Builder]:
    """Every candidate strategy of the selection, in the order listed (ties go to the first),
    each as a call that builds it or raises a typed error."""
    builders: list[Builder] = []
    if profile.anchor_weights is not None:
        anchor = universe.vector(profile.anchor_weights)
        builders.append((Strategy.POLICY_ANCHOR, lambda: strategies.policy_anchor(anchor, cs)))
    builders += [
        (Strategy.MIN_VOLATILITY, lambda: strategies.minimum_volatility(inputs, cs)),
        (Strategy.MAX_SHARPE, lambda: strategies.maximum_sharpe(inputs, cs)),
        (
            Strategy.TARGET_VOLATILITY,
            lambda: strategies.target_volatility(inputs, cs, profile.max_volatility),
        ),
        (Strategy.RISK_PARITY, lambda: strategies.risk_parity(inputs, cs)),
        (
            Strategy.CLASS_RISK_PARITY,
            lambda: class_risk_parity_candidate(inputs, cs, universe),
        ),
        (
            Strategy.MEAN_VARIANCE,
            lambda: strategies.mean_variance_utility(
                inputs,
                cs,
                profile.risk_aversion,
                profile.concentration_penalty,
                profile.max_volatility,
            ),
        ),
        (
            Strategy.IPS_OPTIMUM,
            lambda: ips_optimum(
                inputs,
                cs,
                returns.to_numpy(),
                risk_aversion=profile.risk_aversion,
                gamma=profile.concentration_penalty,
                vol_target=profile.max_volatility,
                drawdown_tolerance=profile.max_drawdown,
            ),
        ),
    ]
    return builders
