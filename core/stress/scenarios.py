"""The scenario model: a named set of per-ETF total-return shocks, validated, saved as JSON.

Sign and unit conventions (every stress module follows them):

- a shock is the ETF's **total return over the scenario** as a decimal (``-0.25`` = -25%);
  negative is a loss; ``-1.0`` (a total loss) is the lowest value accepted;
- a scenario is one period: weights x shocks, no rebalancing. A historical replay also carries
  its **monthly path** (``path_dates`` and each ETF's ``monthly`` returns, which compound to its
  shock), from which the engine measures the peak-to-trough drawdown of the weights held.

Errors: bad scenario input raises :class:`ScenarioError`, a :class:`~core.errors.DataError`
(a scenario is input data, not IPS policy). Every message names the scenario, the ticker and
the value, and says what to change.

File format (custom scenarios, and the bundled historical replays)::

    {"schema_version": 1,
     "scenarios": [{"name": "...", "kind": "custom", "description": "...",
                    "source": "...", "period": "...",
                    "shocks": {"SPY": {"value": -0.2, "note": "...", "proxy": null}, ...}}]}

A historical replay adds ``"path_dates": ["2007-11-30", ...]`` (the month-ends after the start)
and, in each shock, ``"monthly": [...]`` (that ETF's decimal return in each of those months).

A shock may also be written as a bare number (``"SPY": -0.2``) or a percent string
(``"SPY": "-20%"``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import DataError
from core.inputs import parse_number
from core.jobs import CancelToken, ProgressCallback
from core.jsonio import read_json, shown, write_json_atomic

SCHEMA_VERSION = 1
MIN_SHOCK = -1.0


class ScenarioError(DataError):
    """A scenario is malformed: a shock below -100%, a non-number, an unknown ticker, ..."""


class ScenarioKind(Enum):
    """Where a scenario's shocks come from."""

    HYPOTHETICAL = "hypothetical"  # driver moves x per-ETF exposures (core.stress.drivers)
    HISTORICAL = "historical"  # realized total returns over a past episode
    CONDITIONAL = "conditional"  # covariance-implied from one or two shocked ETFs
    CUSTOM = "custom"  # typed in by the user

    @property
    def label(self) -> str:
        return self.value.capitalize()


def parse_shock(value: object, *, scenario: str = "", ticker: str = "") -> float:
    """Coerce one shock to a decimal total return, or raise :class:`ScenarioError`.

    Parameters
    ----------
    value
        A real number (decimal, ``-0.25``) or text: ``"-0.25"``, ``"-25%"``, ``"−25 %"``.
        Booleans, blanks, NaN and infinities are refused.
    scenario, ticker
        Named in the error message.

    Returns
    -------
    float
        Decimal total return, ``>= -1.0``.
    """
    where = _where(scenario, ticker)
    if isinstance(value, bool) or value is None:
        raise ScenarioError(
            f"{where}: the shock {shown(value)} is not a number; enter a decimal return such "
            "as -0.25 or a percent such as -25%."
        )
    if isinstance(value, str):
        try:  # the input grammar of core.inputs: "-0.25", "-25%", "−25 %", "(25)%"
            parsed = parse_number(value.replace(" ", ""), allow_percent=True, what="a shock")
        except ValueError:
            parsed = None
        if parsed is None:
            raise ScenarioError(
                f"{where}: the shock {value!r} is not a number; enter a decimal return "
                "such as -0.25 or a percent such as -25%."
            ) from None
        number = parsed
    elif isinstance(value, (Real, np.number)):
        number = float(value)  # type: ignore[arg-type]
    else:
        raise ScenarioError(
            f"{where}: the shock {shown(value)} is not a number; enter a decimal return such "
            "as -0.25 or a percent such as -25%."
        )
    if not math.isfinite(number):
        raise ScenarioError(
            f"{where}: the shock {value!r} is not a finite number; enter a decimal return."
        )
    if number < MIN_SHOCK:
        raise ScenarioError(
            f"{where}: the shock {number:.2%} is below -100%; an ETF cannot lose more than "
            "everything. Enter a return of -100% or more."
        )
    return number


def _where(scenario: str, ticker: str) -> str:
    parts = [
        f"Scenario {scenario!r}" if scenario else "Scenario",
        f"ticker {ticker}" if ticker else "",
    ]
    return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Scenario:
    """One stress scenario: per-ETF total-return shocks plus where each number comes from.

    Attributes
    ----------
    name : shown in tables and charts; unique within a set of scenarios.
    kind : :class:`ScenarioKind`.
    shocks : ``{ticker: decimal total return over the scenario}``; negative = loss, ``>= -1``.
    description : one sentence for the committee.
    notes : ``{ticker: assumption or source of that number}`` (a subset of ``shocks``' tickers).
    proxies : ``{ticker: what stood in for it}`` when the ETF's own data did not exist
        (e.g. ``{"SGOV": "BIL"}`` before SGOV's 2020 launch).
    source : where the scenario as a whole comes from.
    period : the dates of a historical episode, in words, or ``""``.
    path_dates : the month-ends of a replay's monthly path (ISO dates, after the start), or ``()``.
    monthly : ``{ticker: (decimal return in each month of path_dates, ...)}`` for every shocked
        ticker when ``path_dates`` is given (the returns compound to the shock), else empty.
    """

    name: str
    kind: ScenarioKind
    shocks: dict[str, float]
    description: str = ""
    notes: dict[str, str] = field(default_factory=dict)
    proxies: dict[str, str] = field(default_factory=dict)
    source: str = ""
    period: str = ""
    path_dates: tuple[str, ...] = ()
    monthly: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ScenarioError("A scenario needs a name: type one in the Name column.")
        object.__setattr__(self, "name", self.name.strip())
        if not isinstance(self.kind, ScenarioKind):
            raise ScenarioError(
                f"Scenario {self.name!r}: kind {self.kind!r} is not one of "
                f"{', '.join(k.value for k in ScenarioKind)}."
            )
        if not isinstance(self.shocks, Mapping) or not self.shocks:
            raise ScenarioError(
                f"Scenario {self.name!r} has no shocks: enter a return for at least one ETF."
            )
        shocks: dict[str, float] = {}
        for raw_ticker, value in self.shocks.items():
            ticker = _clean_ticker(raw_ticker, self.name, value)
            if ticker in shocks:
                raise ScenarioError(
                    f"Scenario {self.name!r} lists ticker {ticker} twice: keep one row."
                )
            shocks[ticker] = parse_shock(value, scenario=self.name, ticker=ticker)
        object.__setattr__(self, "shocks", shocks)
        for label in ("notes", "proxies"):
            mapping = getattr(self, label)
            cleaned = {
                _clean_ticker(t, self.name, text): str(text) for t, text in dict(mapping).items()
            }
            stray = sorted(set(cleaned) - set(shocks))
            if stray:
                raise ScenarioError(
                    f"Scenario {self.name!r} has {label} for {', '.join(stray)} but no shock "
                    "for them: add the shock or remove the note."
                )
            object.__setattr__(self, label, cleaned)
        self._check_path()

    def _check_path(self) -> None:
        dates = tuple(str(d) for d in self.path_dates)
        object.__setattr__(self, "path_dates", dates)
        if not dates and not self.monthly:
            return
        monthly = {
            _clean_ticker(t, self.name, values): tuple(
                parse_shock(v, scenario=self.name, ticker=str(t)) for v in values
            )
            for t, values in dict(self.monthly).items()
        }
        if not dates or set(monthly) != set(self.shocks):
            raise ScenarioError(
                f"Scenario {self.name!r}: a monthly path needs its month-end dates and a monthly "
                "return for every shocked ETF; give both or remove the path."
            )
        for ticker, values in monthly.items():
            if len(values) != len(dates):
                raise ScenarioError(
                    f"Scenario {self.name!r}, ticker {ticker}: {len(values)} monthly returns for "
                    f"{len(dates)} month-ends; give one return per month."
                )
            compounded = math.prod(1.0 + v for v in values) - 1.0
            # the file rounds the shock to 6 decimals and the monthly returns to 8
            if abs(compounded - self.shocks[ticker]) > 1e-5:
                raise ScenarioError(
                    f"Scenario {self.name!r}, ticker {ticker}: the monthly returns compound to "
                    f"{compounded:.4%}, not the shock {self.shocks[ticker]:.4%}; correct one."
                )
        object.__setattr__(self, "monthly", monthly)

    @property
    def has_path(self) -> bool:
        """True when the scenario carries a monthly path (a historical replay)."""
        return bool(self.path_dates)

    @property
    def tickers(self) -> tuple[str, ...]:
        return tuple(self.shocks)

    def shock(self, ticker: str) -> float:
        """The shock of ``ticker``; :class:`ScenarioError` if the scenario does not cover it."""
        try:
            return self.shocks[ticker]
        except KeyError:
            raise ScenarioError(
                f"Scenario {self.name!r} has no shock for {ticker}: enter one (0 for unchanged)."
            ) from None

    def note(self, ticker: str) -> str:
        """Assumption or source of one ETF's shock, with any proxy spelled out."""
        text = self.notes.get(ticker, "")
        proxy = self.proxies.get(ticker)
        if proxy:
            text = f"{text} (proxy: {proxy})" if text else f"proxy: {proxy}"
        return text


def _clean_ticker(raw: object, scenario: str, value: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ScenarioError(
            f"Scenario {scenario!r}: a shock of {value!r} has no ticker; type the ETF ticker."
        )
    return raw.strip().upper()


def check_tickers(scenario: Scenario, tickers: Iterable[str]) -> None:
    """Refuse shocks on tickers outside ``tickers`` (the universe), naming each one and its value."""
    known = tuple(tickers)
    unknown = [t for t in scenario.shocks if t not in known]
    if unknown:
        listed = ", ".join(f"{t} ({scenario.shocks[t]:.2%})" for t in unknown)
        raise ScenarioError(
            f"Scenario {scenario.name!r}: ticker {listed} is not in the universe "
            f"({', '.join(known)}); correct the ticker or delete the row."
        )


def check_unique_names(scenarios: Sequence[Scenario]) -> None:
    """Refuse two scenarios with the same name (case-insensitive): results are keyed by name."""
    seen: dict[str, str] = {}
    for s in scenarios:
        key = s.name.casefold()
        if key in seen:
            raise ScenarioError(f"Two scenarios are named {s.name!r}: rename one of them.")
        seen[key] = s.name


# -- dict / JSON ----------------------------------------------------------------------------
def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """JSON-ready dict in the file format of the module docstring."""
    shocks: dict[str, Any] = {}
    for t, v in scenario.shocks.items():
        entry: dict[str, Any] = {
            "value": v,
            "note": scenario.notes.get(t, ""),
            "proxy": scenario.proxies.get(t),
        }
        if scenario.has_path:
            entry["monthly"] = list(scenario.monthly[t])
        shocks[t] = entry
    data: dict[str, Any] = {
        "name": scenario.name,
        "kind": scenario.kind.value,
        "description": scenario.description,
        "source": scenario.source,
        "period": scenario.period,
    }
    if scenario.has_path:
        data["path_dates"] = list(scenario.path_dates)
    data["shocks"] = shocks
    return data


def scenario_from_dict(
    data: Mapping[str, Any], *, tickers: Iterable[str] | None = None, origin: str = ""
) -> Scenario:
    """Build and validate one scenario from its dict; ``tickers`` (the universe) if given is enforced."""
    where = f"{origin}: " if origin else ""
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{where}each scenario must be an object with name, kind and shocks.")
    name = data.get("name", "")
    if not isinstance(name, str):
        raise ScenarioError(
            f"{where}a scenario's 'name' is {shown(name)}; type the name as text, e.g. "
            '"Committee bear case".'
        )
    name = name.strip()
    raw_kind = data.get("kind", ScenarioKind.CUSTOM.value)
    try:
        kind = (
            raw_kind if isinstance(raw_kind, ScenarioKind) else ScenarioKind(str(raw_kind).lower())
        )
    except ValueError:
        raise ScenarioError(
            f"{where}scenario {name!r}: kind {shown(raw_kind)} is not one of "
            f"{', '.join(k.value for k in ScenarioKind)}."
        ) from None
    raw_shocks = data.get("shocks")
    if not isinstance(raw_shocks, Mapping):
        raise ScenarioError(
            f"{where}scenario {name!r} has no 'shocks' object of ticker: return, e.g. "
            '{"SPY": -0.2}.'
        )
    shocks: dict[str, object] = {}
    notes: dict[str, str] = {}
    proxies: dict[str, str] = {}
    monthly: dict[str, Any] = {}
    for ticker, entry in raw_shocks.items():
        if isinstance(entry, Mapping):
            if "value" not in entry:
                raise ScenarioError(
                    f"{where}scenario {name!r}, ticker {ticker}: the entry has no 'value'."
                )
            shocks[ticker] = entry["value"]
            if entry.get("note"):
                notes[ticker] = str(entry["note"])
            if entry.get("proxy"):
                proxies[ticker] = str(entry["proxy"])
            if entry.get("monthly") is not None:
                if not isinstance(entry["monthly"], list):
                    raise ScenarioError(
                        f"{where}scenario {name!r}, ticker {ticker}: 'monthly' must be a list "
                        "of monthly returns."
                    )
                monthly[ticker] = entry["monthly"]
        else:
            shocks[ticker] = entry
    try:
        scenario = Scenario(
            name=name,
            kind=kind,
            shocks=shocks,  # type: ignore[arg-type]
            description=str(data.get("description", "")),
            notes=notes,
            proxies=proxies,
            source=str(data.get("source", "")),
            period=str(data.get("period", "")),
            path_dates=tuple(_path_dates(data.get("path_dates", []), name, where)),
            monthly=monthly,
        )
    except ScenarioError as exc:
        raise ScenarioError(f"{where}{exc}") from None
    if tickers is not None:
        check_tickers(scenario, tickers)
    return scenario


def _path_dates(raw: object, name: str, where: str) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(d, str) for d in raw):
        raise ScenarioError(
            f"{where}scenario {name!r}: 'path_dates' must be a list of month-end dates "
            '("2008-01-31", ...).'
        )
    return raw


def scenarios_to_dict(scenarios: Sequence[Scenario]) -> dict[str, Any]:
    check_unique_names(scenarios)
    return {"schema_version": SCHEMA_VERSION, "scenarios": [scenario_to_dict(s) for s in scenarios]}


def scenarios_from_dict(
    data: Mapping[str, Any],
    *,
    tickers: Iterable[str] | None = None,
    origin: str = "",
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[Scenario, ...]:
    """Every scenario of a file-format dict, validated; names must be unique.

    ``progress(fraction, message)`` is told the share of scenarios read (a large project holds
    thousands); ``cancel`` is polled between scenarios (:class:`~core.errors.CancelledError`)."""
    where = f"{origin}: " if origin else ""
    if not isinstance(data, Mapping) or not isinstance(data.get("scenarios"), list):
        raise ScenarioError(
            f"{where}expected an object with a 'scenarios' list, e.g. "
            '{"schema_version": 1, "scenarios": [...]}.'
        )
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise ScenarioError(
            f"{where}schema_version {shown(version)} is not supported (expected {SCHEMA_VERSION})."
        )
    known = tuple(tickers) if tickers is not None else None
    items = data["scenarios"]
    step = max(1, len(items) // 100)
    built = []
    for number, item in enumerate(items):
        if number % step == 0:
            if cancel is not None:
                cancel.raise_if_cancelled()
            if progress is not None:
                progress(number / len(items), f"Reading scenario {number + 1:,} of {len(items):,}")
        built.append(scenario_from_dict(item, tickers=known, origin=origin))
    result = tuple(built)
    check_unique_names(result)
    return result


def save_scenarios(scenarios: Sequence[Scenario], path: str | Path) -> None:
    """Write scenarios atomically (temporary file, then replace): a failure leaves the old file."""
    write_json_atomic(scenarios_to_dict(scenarios), path)


def load_scenarios(
    path: str | Path,
    *,
    tickers: Iterable[str] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[Scenario, ...]:
    """Read and validate a scenario file; ``tickers`` (the universe) if given is enforced.
    ``progress`` and ``cancel`` follow the scenarios (:func:`scenarios_from_dict`)."""
    file = Path(path)
    data = read_json(file, ScenarioError, "Scenario file")
    return scenarios_from_dict(
        data, tickers=tickers, origin=file.name, progress=progress, cancel=cancel
    )
