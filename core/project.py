"""Project files: one JSON document holding everything a user set up.

A project holds the IPS profile, the universe, the account holdings, custom stress
scenarios, analysis settings and the data-mode choice. It is plain JSON with a schema
version; loading never executes anything (no pickle) and every problem becomes a
:class:`ProjectFileError` that names it. Saving is atomic (temporary file, then replace), and
:func:`autosave_path` names the side file the app writes every few minutes so that a crash
can be recovered from.

Layout (schema 3)::

    {"schema_version": 3, "application": "IPS Allocation Studio",
     "profile": {...profile file...}, "universe": {...universe file...},
     "holdings": {"positions": {"SPY": 1000}, "prices": {"SPY": 500.0}, "cash": 10000.0,
                  "cost_basis": {}} | null,
     "custom_scenarios": {...scenario file...},
     "settings": {"covariance": "LEDOIT_WOLF", "expected_returns": "HISTORICAL_MEAN",
                  "covariance_half_life": 36.0,
                  "views": [{"kind": "RELATIVE", "long": ["SPY"], "short": ["AGG"],
                             "expected_return": 0.02, "confidence": 0.5}],
                  "market_assumptions": [{"asset": "SPY", "expected_return": 0.065,
                                          "source": "committee"}],
                  "portfolio_value": 100000000.0, "var_level": 0.95},
     "trade_settings": {"method": "to_target", "cost_bps": 5.0, "min_trade_value": 0.0,
                        "cash_buffer": 0.0, "contribution": 0.0},
     "outlook": {"paths": 10000, "horizon_years": null, "block_length": 12.0, "seed": 17},
     "data": {"mode": "SYNTHETIC", "import_path": null},
     "branches": {"active": "Main", "policies": [{"name": "Main", "profile": {...},
                  "settings": {...}}, ...]},
     "decisions": [{"sequence": 1, ..., "entry_sha256": "..."}, ...]}

``settings.portfolio_value`` is the value the user set; dollar VaR and stress P&L use the
account's value instead whenever holdings are loaded (:func:`core.pipeline.settings_for_account`,
applied by :func:`core.report.inputs.analysis_settings`). ``trade_settings`` is
:class:`core.rebalance.settings.TradeSettings` (``cash_buffer`` a decimal fraction).

``settings.views`` (Black-Litterman committee views, :mod:`core.optimize.black_litterman`) and
``settings.market_assumptions`` (:mod:`core.optimize.market_assumptions`) are optional: a file
without them has none. They are checked against the universe when the file is read.

``adopted_recommendation`` (optional, null or absent: none) is the resampled portfolio the
committee adopted as its recommendation (:class:`core.adoption.AdoptedPortfolio`: weights and the
resampling, IPS, data and estimators that produced them).

``outlook`` (:class:`core.outlook.request.OutlookRequest`, optional: absent means the defaults)
holds the Outlook tab's simulation settings, used by the report too; a null horizon is the IPS's.

``branches`` (:mod:`core.branches.policy`, schema 3) holds the named what-if policies and which
one the working copy (``profile``/``settings``) belongs to; ``decisions``
(:mod:`core.decision.log`, schema 3) is the committee's append-only, hash-chained decision log:
a file whose log does not verify is refused with a message naming the entry.

Schema 1 (before trade settings) is still read: :func:`upgrade_document` gives it the default
trade settings, which is what the application used then. Schema 2 (before branches and
decisions) is read as a project with its main policy only and an empty decision log.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from core.adoption import AdoptedPortfolio
from core.branches.policy import BranchSet, branches_from_dict, branches_to_dict
from core.data.dataset import DataMode
from core.data.prices import PricePoint
from core.decision.log import DecisionLog, DecisionLogError
from core.errors import CancelledError, DataError, IPSStudioError
from core.jobs import CancelToken, ProgressCallback, no_progress
from core.jsonio import json_kind, shown, write_json_atomic
from core.optimize.black_litterman import check_view, view_from_dict, view_to_dict
from core.optimize.estimation import CovarianceEstimator, ReturnEstimator
from core.optimize.market_assumptions import (
    assumption_from_dict,
    assumption_to_dict,
    check_assumptions,
)
from core.outlook.request import OutlookRequest
from core.pipeline import AnalysisSettings
from core.policy.profile import IPSProfile
from core.policy.profile_io import profile_from_dict, profile_to_dict
from core.rebalance.holdings import Holdings
from core.rebalance.settings import TradeSettings
from core.stress.scenarios import Scenario, scenarios_from_dict, scenarios_to_dict
from core.universe import Universe

SCHEMA_VERSION = 3
APPLICATION = "IPS Allocation Studio"
MAX_FILE_BYTES = 20 * 1024 * 1024
SUFFIX = ".ipsproj"


class ProjectFileError(IPSStudioError):
    """A project file cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class Project:
    """Everything a user set up, as immutable data."""

    profile: IPSProfile
    universe: Universe
    holdings: Holdings | None = None
    custom_scenarios: tuple[Scenario, ...] = ()
    settings: AnalysisSettings = field(default_factory=AnalysisSettings)
    data_mode: DataMode = DataMode.SYNTHETIC
    import_path: str | None = None
    trade_settings: TradeSettings = field(default_factory=TradeSettings)
    outlook: OutlookRequest = field(default_factory=OutlookRequest)
    adopted: AdoptedPortfolio | None = None
    branches: BranchSet = field(default_factory=BranchSet)
    decisions: DecisionLog = field(default_factory=DecisionLog)


def settings_to_dict(s: AnalysisSettings) -> dict[str, Any]:
    """The ``settings`` section (the user's portfolio value, not the account's)."""
    return {
        "covariance": s.covariance.name,
        "expected_returns": s.expected_returns.name,
        "covariance_half_life": s.covariance_half_life,
        "views": [view_to_dict(v) for v in s.views],
        "market_assumptions": [assumption_to_dict(a) for a in s.market_assumptions],
        "portfolio_value": s.portfolio_value,
        "var_level": s.var_level,
    }


def project_to_dict(project: Project) -> dict[str, Any]:
    """The JSON-ready document of the module docstring."""
    holdings = None
    if project.holdings is not None:
        h = project.holdings
        holdings = {
            "positions": dict(h.positions),
            "prices": dict(h.prices),
            "cash": h.cash,
            "cost_basis": dict(h.cost_basis),
            "price_sources": {t: point.to_dict() for t, point in h.price_sources.items()},
        }
    return {
        "schema_version": SCHEMA_VERSION,
        "application": APPLICATION,
        "profile": profile_to_dict(project.profile),
        "universe": project.universe.to_dict(),
        "holdings": holdings,
        "custom_scenarios": scenarios_to_dict(project.custom_scenarios),
        "settings": settings_to_dict(project.settings),
        "trade_settings": project.trade_settings.to_dict(),
        "outlook": project.outlook.to_dict(),
        "data": {"mode": project.data_mode.value, "import_path": project.import_path},
        "adopted_recommendation": project.adopted.to_dict() if project.adopted else None,
        "branches": branches_to_dict(project),
        "decisions": project.decisions.to_list(),
    }


def upgrade_document(data: Mapping[str, Any]) -> dict[str, Any]:
    """An older document as the current schema: schema 1 gets the default trade settings (what
    it meant), schema 2 no branches and an empty decision log."""
    upgraded = dict(data)
    if upgraded.get("schema_version") == 1:
        upgraded["trade_settings"] = TradeSettings().to_dict()
        upgraded["schema_version"] = 2
    if upgraded.get("schema_version") == 2:
        upgraded["branches"] = {"active": "Main", "policies": []}
        upgraded["decisions"] = []
        upgraded["schema_version"] = 3
    return upgraded


def _section(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise ProjectFileError(f"{where}: the '{key}' section is missing.")
    value = data[key]
    if not isinstance(value, Mapping):
        raise ProjectFileError(f"{where}: '{key}' must be a JSON object, not {json_kind(value)}.")
    return value


def _enum(cls: type[Enum], raw: Any, key: str, where: str) -> Any:
    try:
        return cls[raw] if isinstance(raw, str) and raw in cls.__members__ else cls(raw)
    except (ValueError, KeyError, TypeError):
        choices = ", ".join(cls.__members__)
        raise ProjectFileError(
            f"{where}: settings '{key}' is {shown(raw)}; use one of {choices}."
        ) from None


def _amounts(raw: Any, key: str, where: str, what: str) -> dict[str, float]:
    """``holdings.<key>``: an object of ticker -> finite number, named entry by entry."""
    if not isinstance(raw, Mapping):
        raise ProjectFileError(
            f"{where}: 'holdings.{key}' must be an object of ticker: {what}, e.g. "
            f'{{"SPY": 100}}, not {json_kind(raw)}.'
        )
    out: dict[str, float] = {}
    for ticker, value in raw.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise ProjectFileError(
                f"{where}: 'holdings.{key}.{ticker}' is {shown(value)}; enter {what} as a number."
            )
        out[str(ticker)] = float(value)
    return out


def _holdings(raw: Any, universe: Universe, where: str) -> Holdings | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ProjectFileError(
            f"{where}: 'holdings' must be a JSON object or null, not {json_kind(raw)}."
        )
    cash = raw.get("cash", 0.0)
    if isinstance(cash, bool) or not isinstance(cash, (int, float)) or not math.isfinite(cash):
        raise ProjectFileError(
            f"{where}: 'holdings.cash' is {shown(cash)}; enter the cash balance as a number."
        )
    positions = _amounts(raw.get("positions", {}), "positions", where, "shares")
    prices = _amounts(raw.get("prices", {}), "prices", where, "price")
    cost_basis = _amounts(raw.get("cost_basis", {}), "cost_basis", where, "total cost")
    sources_raw = raw.get("price_sources", {})
    if not isinstance(sources_raw, Mapping):
        raise ProjectFileError(
            f"{where}: 'holdings.price_sources' must be a JSON object, not {json_kind(sources_raw)}."
        )
    try:
        sources = {str(t): PricePoint.from_dict(point) for t, point in sources_raw.items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ProjectFileError(
            f"{where}: 'holdings.price_sources' has an entry that is not a price with its source "
            "(price, source, as_of): remove it to count that price as typed."
        ) from None
    try:
        holdings = Holdings(positions, prices, cash, cost_basis, sources)
    except DataError as exc:  # "SPY has no price": say it is the holdings section's
        raise ProjectFileError(f"{where}: holdings: {exc}") from None
    unknown = sorted(set(holdings.positions) - set(universe.tickers))
    if unknown:
        raise ProjectFileError(
            f"{where}: holdings name {', '.join(unknown)}, not in the universe: add "
            "them to the universe or remove the positions."
        )
    return holdings


def _committee_inputs(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``settings.views`` and ``settings.market_assumptions`` (optional lists) as core values."""
    out: dict[str, Any] = {}
    for key, read in (("views", view_from_dict), ("market_assumptions", assumption_from_dict)):
        items = raw.get(key, [])
        if not isinstance(items, list):
            raise ProjectFileError(
                f"{where}: settings '{key}' must be a list, not {json_kind(items)}."
            )
        try:
            out[key] = tuple(read(x, where=f"settings {key} {i}") for i, x in enumerate(items, 1))
        except DataError as exc:
            raise ProjectFileError(f"{where}: {exc}") from None
    return out


def check_committee_inputs(settings: AnalysisSettings, universe: Universe) -> None:
    """Raise :class:`DataError` when a view or an assumption names what ``universe`` lacks."""
    groups = {c: universe.class_members(c) for c in universe.asset_classes}
    for i, view in enumerate(settings.views, start=1):
        check_view(view, universe.tickers, groups, where=f"settings views {i}")
    check_assumptions(settings.market_assumptions, universe.tickers, groups)


def parse_settings(raw: Any, where: str) -> AnalysisSettings:
    """The :class:`AnalysisSettings` of a ``settings`` section; :class:`ProjectFileError` naming
    the bad field otherwise."""
    return _settings(raw, where)


def _settings(raw: Any, where: str) -> AnalysisSettings:
    if not isinstance(raw, Mapping):
        raise ProjectFileError(f"{where}: 'settings' must be a JSON object, not {json_kind(raw)}.")
    defaults = AnalysisSettings()
    value = raw.get("portfolio_value", defaults.portfolio_value)
    level = raw.get("var_level", defaults.var_level)
    half_life = raw.get("covariance_half_life", defaults.covariance_half_life)
    for key, number, ok, hint in (
        ("portfolio_value", value, lambda v: v > 0, "a positive amount"),
        ("var_level", level, lambda v: 0.5 <= v < 1, "a confidence level from 0.5 to 0.999"),
        ("covariance_half_life", half_life, lambda v: v > 0, "a positive number of months"),
    ):
        if (
            isinstance(number, bool)
            or not isinstance(number, (int, float))
            or not math.isfinite(number)
            or not ok(number)
        ):
            raise ProjectFileError(
                f"{where}: settings '{key}' has an invalid value {shown(number)}; enter {hint}."
            )
    return AnalysisSettings(
        covariance=_enum(
            CovarianceEstimator,
            raw.get("covariance", defaults.covariance.name),
            "covariance",
            where,
        ),
        expected_returns=_enum(
            ReturnEstimator,
            raw.get("expected_returns", defaults.expected_returns.name),
            "expected_returns",
            where,
        ),
        portfolio_value=float(value),
        var_level=float(level),
        covariance_half_life=float(half_life),
        **_committee_inputs(raw, where),
    )


def project_from_dict(
    data: Any,
    *,
    where: str = "project",
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> Project:
    """Validate a parsed document and build a :class:`Project`; :class:`ProjectFileError` otherwise.

    ``progress(fraction, message)`` follows the custom scenarios (the bulk of a large file);
    ``cancel`` is polled between them (:class:`~core.errors.CancelledError`)."""
    if not isinstance(data, Mapping):
        raise ProjectFileError(f"{where}: a project file must hold a JSON object.")
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectFileError(
            f"{where}: 'schema_version' is missing or not a positive whole number."
        )
    if version > SCHEMA_VERSION:
        raise ProjectFileError(
            f"{where}: the file was written by a newer version of {APPLICATION} (schema {version}; "
            f"this version reads up to {SCHEMA_VERSION}). Update the application to open it."
        )
    data = upgrade_document(data)
    section = "universe"  # named by the last-resort message below
    try:
        universe = Universe.from_dict(_section(data, "universe", where), source="universe")
        section = "profile"
        profile = profile_from_dict(_section(data, "profile", where), source="profile")
        profile.check_universe(universe)
        section = "holdings"
        holdings = _holdings(data.get("holdings"), universe, where)
        section = "custom_scenarios"
        scen_raw = data.get("custom_scenarios") or {"schema_version": 1, "scenarios": []}
        if not isinstance(scen_raw, Mapping):
            raise ProjectFileError(
                f"{where}: 'custom_scenarios' must be a JSON object, not {json_kind(scen_raw)}."
            )
        scenarios = scenarios_from_dict(
            scen_raw,
            tickers=universe.tickers,
            origin="custom scenarios",
            progress=progress,
            cancel=cancel,
        )
        section = "settings"
        settings = _settings(data.get("settings") or {}, where)
        check_committee_inputs(settings, universe)
        section = "data"
        data_raw = data.get("data") or {}
        if not isinstance(data_raw, Mapping):
            raise ProjectFileError(
                f"{where}: 'data' must be a JSON object, not {json_kind(data_raw)}."
            )
        try:
            mode = DataMode(data_raw.get("mode", DataMode.SYNTHETIC.value))
        except ValueError:
            raise ProjectFileError(
                f"{where}: 'data.mode' is {shown(data_raw.get('mode'))}; use SYNTHETIC, MARKET "
                "or IMPORTED."
            ) from None
        import_path = data_raw.get("import_path")
        if import_path is not None and not isinstance(import_path, str):
            raise ProjectFileError(
                f"{where}: 'data.import_path' must be text (a file path) or null, not "
                f"{json_kind(import_path)}."
            )
        section = "trade_settings"
        trade_settings = TradeSettings.from_dict(_section(data, "trade_settings", where))
        section = "outlook"
        outlook = (
            OutlookRequest.from_dict(_section(data, "outlook", where))
            if "outlook" in data
            else OutlookRequest()
        )
        section = "adopted_recommendation"
        adopted_raw = data.get("adopted_recommendation")
        adopted = AdoptedPortfolio.from_dict(adopted_raw) if adopted_raw is not None else None
        section = "branches"
        branches = branches_from_dict(_section(data, "branches", where), where)
        section = "decisions"
        try:
            decisions = DecisionLog.from_list(data.get("decisions", []))
        except DecisionLogError as exc:
            raise ProjectFileError(f"{where}: {exc}") from None
    except (ProjectFileError, CancelledError):
        raise
    except IPSStudioError as exc:
        raise ProjectFileError(f"{where}: {exc}") from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        # A shape no check above foresaw: name the section, never Python's wording.
        raise ProjectFileError(
            f"{where}: the '{section}' section holds a value of the wrong kind; compare it with "
            "a project saved by the application and correct it."
        ) from exc
    return Project(
        profile=profile,
        universe=universe,
        holdings=holdings,
        custom_scenarios=scenarios,
        settings=settings,
        data_mode=mode,
        import_path=import_path,
        trade_settings=trade_settings,
        outlook=outlook,
        adopted=adopted,
        branches=branches,
        decisions=decisions,
    )


def save_project(project: Project, path: str | Path) -> Path:
    """Write ``project`` atomically: a failure leaves any previous file untouched."""
    return write_json_atomic(project_to_dict(project), path)


def load_project(
    path: str | Path,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> Project:
    """Read a project file; every problem is a :class:`ProjectFileError` naming it.

    A file may hold megabytes of custom scenarios, so this takes the job protocol of
    :mod:`core.jobs`: ``progress(fraction, message)`` (reading 0-10%, JSON parsing 10-30%,
    validation 30-100%) and ``cancel``, polled between the steps and between scenarios
    (:class:`~core.errors.CancelledError`). The window runs it in a worker."""
    file = Path(path)
    where = file.name
    progress(0.0, f"Reading {where}")
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ProjectFileError(f"{where}: {size:,} bytes is too large for a project file.")
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ProjectFileError(f"{where}: the file does not exist.") from None
    except OSError as exc:
        raise ProjectFileError(f"{where}: cannot be read ({exc.strerror or exc}).") from None
    try:
        text = raw.decode("utf-8-sig")  # a BOM (Notepad's "UTF-8") is not an error
    except UnicodeDecodeError:
        raise ProjectFileError(
            f"{where}: not a text (UTF-8 JSON) file; is it a project file?"
        ) from None
    if not text.strip():
        raise ProjectFileError(f"{where}: the file is empty.")
    if cancel is not None:
        cancel.raise_if_cancelled()
    progress(0.1, f"Parsing {where}")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except ProjectFileError:
        raise
    except json.JSONDecodeError as exc:
        hint = " (the file looks truncated)" if exc.pos >= len(text.rstrip()) else ""
        raise ProjectFileError(
            f"{where}: not valid JSON at line {exc.lineno}, column {exc.colno}{hint}."
        ) from None
    except RecursionError:
        raise ProjectFileError(f"{where}: the JSON is nested too deeply.") from None
    if cancel is not None:
        cancel.raise_if_cancelled()
    progress(0.3, f"Checking {where}")

    def validation(fraction: float, message: str) -> None:
        progress(0.3 + 0.7 * fraction, message)

    project = project_from_dict(data, where=where, progress=validation, cancel=cancel)
    progress(1.0, f"Read {where}")
    return project


def _refuse_constant(name: str) -> float:
    raise ProjectFileError(f"the file contains {name}, which is not a number JSON allows.")


def autosave_path(path: str | Path | None, folder: str | Path) -> Path:
    """Where the autosave copy of ``path`` (or of an unsaved project) goes, inside ``folder``."""
    if not path:
        return Path(folder) / f"untitled.autosave{SUFFIX}"
    import hashlib

    # Two projects with the same name in different folders must not share an autosave.
    digest = hashlib.sha256(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:8]
    return Path(folder) / f"{Path(path).stem}-{digest}.autosave{SUFFIX}"
