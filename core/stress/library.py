"""The bundled scenario library: six hypothetical, five historical, three conditional.

Files under ``resources/scenarios/``: ``etf_drivers.json`` and ``hypothetical.json`` (driver
moves, see :mod:`core.stress.drivers`), ``historical.json`` (built once by
:mod:`core.stress.build_historical`) and ``conditional.json`` (the shocked ETFs; the other
ETFs follow the analysis covariance, see :mod:`core.stress.conditional`).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from core.resources import resource_path
from core.stress.conditional import conditional_scenario, load_conditional_specs
from core.stress.drivers import hypothetical_scenarios
from core.stress.scenarios import Scenario, check_unique_names, load_scenarios


def historical_scenarios(tickers: Iterable[str] | None = None) -> tuple[Scenario, ...]:
    """The bundled historical replays (GFC, COVID, 2022, 2013 taper tantrum, Q4 2018)."""
    return load_scenarios(resource_path("scenarios", "historical.json"), tickers=tickers)


def conditional_scenarios(covariance: pd.DataFrame) -> tuple[Scenario, ...]:
    """The bundled conditional scenarios, propagated through ``covariance`` (tickers on both axes)."""
    return tuple(conditional_scenario(spec, covariance) for spec in load_conditional_specs())


def bundled_scenarios(covariance: pd.DataFrame | None = None) -> tuple[Scenario, ...]:
    """Hypothetical, then historical, then (when a covariance is given) conditional scenarios."""
    scenarios = hypothetical_scenarios() + historical_scenarios()
    if covariance is not None:
        scenarios += conditional_scenarios(covariance)
    check_unique_names(scenarios)
    return scenarios
