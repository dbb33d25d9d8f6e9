"""Driver-based hypothetical scenarios: market driver moves x per-ETF exposures -> per-ETF shocks.

Each ETF has exposures to a few market drivers (``resources/scenarios/etf_drivers.json``) and
each hypothetical scenario is a set of driver moves (``resources/scenarios/hypothetical.json``),
each number with its rationale next to it. An ETF's shock is

.. math::

    r = -D\\,\\Delta y + \\tfrac12 C\\,\\Delta y^2
        - SD\\,(s_{IG}\\,\\Delta s_{IG} + s_{HY}\\,\\Delta s_{HY})
        + \\beta_{eq} R_{eq} + \\beta_{usd} R_{usd} + \\beta_{cmd} R_{cmd} + \\beta_{gold} R_{gold}

with ``D`` effective duration (years), ``C`` convexity (years^2), ``SD`` spread duration of the
credit holdings, ``s_IG`` / ``s_HY`` the fund's investment-grade / high-yield credit shares,
``Delta y`` the parallel Treasury yield change and ``Delta s`` the spread changes (decimal:
100bp = 0.01), and ``R`` the equity, dollar, commodity and gold moves (decimal returns).
The result is the ETF's decimal total return over the scenario (negative = loss); it is an
instantaneous repricing (no carry or income). A shock below -100% is refused.

So a +150bp rate shock costs TLT (D 16.5) about 21%, AGG (D 6) about 9% and SHY (D 1.9)
about 3%; and credit widening reaches AGG through its ~27% credit share.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import Enum
from pathlib import Path
from typing import Any

from core.resources import resource_path
from core.stress.scenarios import Scenario, ScenarioError, ScenarioKind

BASIS_POINT = 1e-4
MAX_RATE_MOVE_BP = 300.0


class Driver(Enum):
    """A market driver of a hypothetical scenario; the value is its key in the JSON files."""

    EQUITY = "equity"  # U.S. equity total return (S&P 500), decimal
    RATES = "rates_bp"  # parallel Treasury yield change, basis points
    IG_SPREAD = "ig_spread_bp"  # investment-grade OAS change, basis points
    HY_SPREAD = "hy_spread_bp"  # high-yield OAS change, basis points
    DOLLAR = "dollar"  # broad trade-weighted USD change, decimal
    COMMODITIES = "commodities"  # broad commodity index return, decimal
    GOLD = "gold"  # gold price change in USD, decimal

    @property
    def in_basis_points(self) -> bool:
        return self.value.endswith("_bp")

    def decimal(self, move: float) -> float:
        """The move as a decimal (basis points divided by 10,000)."""
        return move * BASIS_POINT if self.in_basis_points else move


@dataclass(frozen=True)
class DriverExposure:
    """One ETF's sensitivities to the drivers (units in the module docstring); absent = 0."""

    ticker: str
    duration: float = 0.0
    convexity: float = 0.0
    spread_duration: float = 0.0
    ig_credit_share: float = 0.0
    hy_credit_share: float = 0.0
    equity_beta: float = 0.0
    dollar_beta: float = 0.0
    commodity_beta: float = 0.0
    gold_beta: float = 0.0
    notes: dict[str, str] = field(default_factory=dict)


EXPOSURE_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(DriverExposure) if f.name not in ("ticker", "notes")
)


@dataclass(frozen=True)
class DriverScenario:
    """A hypothetical scenario as driver moves.

    ``moves`` maps each :class:`Driver` to its move (basis points for rates and spreads,
    decimal otherwise); a driver left out does not move. ``rationale`` says why each number.
    """

    name: str
    moves: dict[Driver, float]
    description: str = ""
    rationale: dict[Driver, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ScenarioError("A driver scenario needs a name.")
        for driver, move in self.moves.items():
            if not isinstance(driver, Driver):
                raise ScenarioError(
                    f"Scenario {self.name!r}: {driver!r} is not a driver; use "
                    f"{', '.join(d.value for d in Driver)}."
                )
            if (
                isinstance(move, bool)
                or not isinstance(move, (int, float))
                or not math.isfinite(move)
            ):
                raise ScenarioError(
                    f"Scenario {self.name!r}, driver {driver.value}: {move!r} is not a number."
                )
            if driver is Driver.RATES and abs(move) > MAX_RATE_MOVE_BP:
                # the duration-convexity expansion stops being monotone near dy = D / C (about
                # 470bp for TLT), so larger moves would give nonsense rather than bigger losses
                raise ScenarioError(
                    f"Scenario {self.name!r}: a rate move of {move:+g}bp is beyond the "
                    f"+/-{MAX_RATE_MOVE_BP:g}bp the duration-convexity formula handles; use a "
                    "historical or custom scenario for larger moves."
                )
            if not driver.in_basis_points and move < -1.0:
                raise ScenarioError(
                    f"Scenario {self.name!r}, driver {driver.value}: {move:.0%} is below -100%."
                )

    def move(self, driver: Driver) -> float:
        """The driver's move in decimal (basis points converted)."""
        return driver.decimal(self.moves.get(driver, 0.0))


def shock_components(exposure: DriverExposure, scenario: DriverScenario) -> dict[str, float]:
    """The terms of the formula for one ETF, each a decimal return; their sum is the shock.

    Keys: ``rates``, ``convexity``, ``credit``, ``equity``, ``dollar``, ``commodities``, ``gold``.
    """
    dy = scenario.move(Driver.RATES)
    spread = exposure.ig_credit_share * scenario.move(
        Driver.IG_SPREAD
    ) + exposure.hy_credit_share * scenario.move(Driver.HY_SPREAD)
    return {
        "rates": -exposure.duration * dy,
        "convexity": 0.5 * exposure.convexity * dy**2,
        "credit": -exposure.spread_duration * spread,
        "equity": exposure.equity_beta * scenario.move(Driver.EQUITY),
        "dollar": exposure.dollar_beta * scenario.move(Driver.DOLLAR),
        "commodities": exposure.commodity_beta * scenario.move(Driver.COMMODITIES),
        "gold": exposure.gold_beta * scenario.move(Driver.GOLD),
    }


def driver_shock(exposure: DriverExposure, scenario: DriverScenario) -> float:
    """One ETF's decimal total return under a driver scenario (the module formula)."""
    return float(sum(shock_components(exposure, scenario).values()))


def explain_shock(exposure: DriverExposure, scenario: DriverScenario) -> str:
    """The non-zero terms in words, e.g. ``"rates -24.75% + convexity +3.94% = -20.81%"``."""
    parts = [
        f"{k} {v:+.2%}" for k, v in shock_components(exposure, scenario).items() if abs(v) > 5e-7
    ]
    total = driver_shock(exposure, scenario)
    return (
        (" + ".join(parts) + f" = {total:+.2%}")
        if parts
        else "no exposure to the scenario's drivers: 0%"
    )


def hypothetical_scenario(
    scenario: DriverScenario, exposures: Mapping[str, DriverExposure]
) -> Scenario:
    """Turn driver moves into a :class:`Scenario` with one shock (and its breakdown) per ETF."""
    shocks = {t: driver_shock(e, scenario) for t, e in exposures.items()}
    notes = {t: explain_shock(e, scenario) for t, e in exposures.items()}
    moves = "; ".join(f"{d.value} {scenario.moves[d]:+g}" for d in Driver if d in scenario.moves)
    return Scenario(
        name=scenario.name,
        kind=ScenarioKind.HYPOTHETICAL,
        shocks=shocks,
        description=scenario.description,
        notes=notes,
        source=f"Driver moves ({moves}) x ETF exposures; resources/scenarios/*.json",
    )


# -- loading -------------------------------------------------------------------------------
def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"Scenario data file {path} does not exist.") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"{path.name}: not valid JSON at line {exc.lineno}: {exc.msg}."
        ) from None


def _number(entry: object, where: str) -> tuple[float, str]:
    """``{"value": x, "note"/"rationale": text}`` or a bare number -> (value, text)."""
    text = ""
    if isinstance(entry, Mapping):
        text = str(entry.get("note", entry.get("rationale", "")))
        entry = entry.get("value")
    if isinstance(entry, bool) or not isinstance(entry, (int, float)):
        raise ScenarioError(f"{where}: {entry!r} is not a number.")
    return float(entry), text


def exposures_from_dict(
    data: Mapping[str, Any], origin: str = "etf_drivers.json"
) -> dict[str, DriverExposure]:
    """Parse the ``etfs`` object of an exposures file into ``{ticker: DriverExposure}``."""
    etfs = data.get("etfs") if isinstance(data, Mapping) else None
    if not isinstance(etfs, Mapping):
        raise ScenarioError(f"{origin}: expected an 'etfs' object of ticker: exposures.")
    result: dict[str, DriverExposure] = {}
    for ticker, raw in etfs.items():
        if not isinstance(raw, Mapping):
            raise ScenarioError(f"{origin}, {ticker}: expected an object of exposures.")
        unknown = sorted(set(raw) - set(EXPOSURE_FIELDS))
        if unknown:
            raise ScenarioError(
                f"{origin}, {ticker}: unknown exposure {', '.join(unknown)}; use "
                f"{', '.join(EXPOSURE_FIELDS)}."
            )
        values: dict[str, float] = {}
        notes: dict[str, str] = {}
        for name, entry in raw.items():
            values[name], notes[name] = _number(entry, f"{origin}, {ticker}, {name}")
        result[ticker] = DriverExposure(ticker=ticker, notes=notes, **values)
    return result


def driver_scenarios_from_dict(
    data: Mapping[str, Any], origin: str = "hypothetical.json"
) -> tuple[DriverScenario, ...]:
    """Parse the ``scenarios`` list of a hypothetical-scenario file."""
    items = data.get("scenarios") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise ScenarioError(f"{origin}: expected a 'scenarios' list.")
    result = []
    for item in items:
        if not isinstance(item, Mapping):
            raise ScenarioError(f"{origin}: each scenario must be an object with name and moves.")
        name = str(item.get("name", "")).strip()
        moves: dict[Driver, float] = {}
        rationale: dict[Driver, str] = {}
        for key, entry in dict(item.get("moves", {})).items():
            try:
                driver = Driver(key)
            except ValueError:
                raise ScenarioError(
                    f"{origin}, scenario {name!r}: unknown driver {key!r}; use "
                    f"{', '.join(d.value for d in Driver)}."
                ) from None
            moves[driver], rationale[driver] = _number(entry, f"{origin}, scenario {name!r}, {key}")
        result.append(
            DriverScenario(
                name=name,
                moves=moves,
                description=str(item.get("description", "")),
                rationale=rationale,
            )
        )
    return tuple(result)


def load_exposures(path: str | Path | None = None) -> dict[str, DriverExposure]:
    """The ETF exposures file; the bundled ``resources/scenarios/etf_drivers.json`` by default."""
    file = Path(path) if path is not None else resource_path("scenarios", "etf_drivers.json")
    return exposures_from_dict(_read_json(file), origin=file.name)


def load_driver_scenarios(path: str | Path | None = None) -> tuple[DriverScenario, ...]:
    """The driver-move scenarios; the bundled ``resources/scenarios/hypothetical.json`` by default."""
    file = Path(path) if path is not None else resource_path("scenarios", "hypothetical.json")
    return driver_scenarios_from_dict(_read_json(file), origin=file.name)


def hypothetical_scenarios(
    scenarios: tuple[DriverScenario, ...] | None = None,
    exposures: Mapping[str, DriverExposure] | None = None,
) -> tuple[Scenario, ...]:
    """The bundled six hypothetical scenarios (or the given ones) as per-ETF :class:`Scenario` s."""
    exposures = exposures if exposures is not None else load_exposures()
    scenarios = scenarios if scenarios is not None else load_driver_scenarios()
    return tuple(hypothetical_scenario(s, exposures) for s in scenarios)
