"""Stress testing: hypothetical (driver-based), historical, conditional and custom scenarios.

Public API::

    from core.stress import Scenario, ScenarioKind, run_stress, stress_analysis

- :mod:`core.stress.scenarios` - the scenario model, validation, JSON save/load;
- :mod:`core.stress.drivers` - driver moves x ETF exposures -> per-ETF shocks;
- :mod:`core.stress.conditional` - covariance-implied shocks, ``Sigma_oS Sigma_SS^-1 s``;
- :mod:`core.stress.library` - the bundled scenarios in ``resources/scenarios``;
- :mod:`core.stress.engine` - :func:`run_stress` -> :class:`StressResult`;
- :mod:`core.stress.build_historical` - the one-off builder of ``historical.json``.

Conventions: shocks and returns are decimal total returns over the scenario, negative = loss.
"""

from __future__ import annotations

from core.stress.conditional import (
    ConditionalSpec,
    conditional_betas,
    conditional_scenario,
    conditional_shocks,
)
from core.stress.drivers import (
    Driver,
    DriverExposure,
    DriverScenario,
    driver_shock,
    hypothetical_scenarios,
)
from core.stress.engine import ScenarioOutcome, StressResult, run_stress, stress_analysis
from core.stress.library import bundled_scenarios, historical_scenarios
from core.stress.scenarios import (
    Scenario,
    ScenarioError,
    ScenarioKind,
    load_scenarios,
    parse_shock,
    save_scenarios,
)

__all__ = [
    "ConditionalSpec",
    "Driver",
    "DriverExposure",
    "DriverScenario",
    "Scenario",
    "ScenarioError",
    "ScenarioKind",
    "ScenarioOutcome",
    "StressResult",
    "bundled_scenarios",
    "conditional_betas",
    "conditional_scenario",
    "conditional_shocks",
    "driver_shock",
    "historical_scenarios",
    "hypothetical_scenarios",
    "load_scenarios",
    "parse_shock",
    "run_stress",
    "save_scenarios",
    "stress_analysis",
]
