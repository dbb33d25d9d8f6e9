"""Read and write IPS profiles as JSON files (schema below), with messages that name the field.

File layout (all weights decimal fractions)::

    {
      "schema_version": 1,
      "name": "Balanced Growth",
      "objective": "...", "return_objective": "...",
      "risk_tolerance": "moderate", "horizon_years": 10, "liquidity_need": "low",
      "max_volatility": 0.13, "max_drawdown": 0.25, "max_single_weight": 0.30,
      "asset_class_ranges": {"Equity": [0.45, 0.70], ...},
      "asset_bounds": {"SPY": {"min": 0.15}, "HYG": {"max": 0.10}},
      "groups": [{"name": "International equity", "tickers": ["EFA", "EEM"], "max": 0.25}],
      "anchor_weights": {"SPY": 0.20, ...},
      "drift_bands": {"absolute": 0.05, "relative": 0.25, "asset_class": 0.05},
      "benchmark": {"SPY": 0.60, "AGG": 0.40},
      "risk_aversion": 4.0, "concentration_penalty": 0.05,
      "target_return": 0.06, "return_basis": "nominal", "inflation": 0.025,
      "spending": {"kind": "percent_of_assets", "value": 0.05},
      "liquidity_reserve": 0.02
    }

The last five are optional (schema 1 files without them load with no numeric objective, no
spending and no reserve): ``target_return`` annual decimal or null, nominal or, with
``return_basis`` ``inflation_plus``, the x of "inflation + x%" (``inflation`` the stated
assumption, annual decimal, 0.025 when absent); ``spending.kind`` one
of none / fixed_amount (value: currency a year) / percent_of_assets (value: decimal a year);
``liquidity_reserve`` a decimal of the starting assets.

Bundled profiles live in ``resources/profiles`` and are never rewritten by a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.errors import PolicyError
from core.jsonio import json_kind, read_json, shown, write_json_atomic
from core.policy.profile import (
    DEFAULT_INFLATION,
    SCHEMA_VERSION,
    DriftBands,
    GroupLimit,
    IPSProfile,
    LiquidityNeed,
    Range,
    ReturnBasis,
    RiskTolerance,
    SpendingKind,
    SpendingPolicy,
)
from core.resources import resource_path

_REQUIRED = (
    "name",
    "max_volatility",
    "max_drawdown",
    "max_single_weight",
    "asset_class_ranges",
    "benchmark",
)


def _number(data: Mapping[str, Any], key: str, where: str) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PolicyError(f"{where}: field '{key}' must be a number, got {shown(value)}.")
    return float(value)


def _weights(value: Any, key: str, where: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise PolicyError(
            f"{where}: field '{key}' must map tickers to weights, e.g. {{\"SPY\": 0.6}}."
        )
    out: dict[str, float] = {}
    for ticker, w in value.items():
        if isinstance(w, bool) or not isinstance(w, (int, float)):
            raise PolicyError(f"{where}: field '{key}.{ticker}' must be a number, got {shown(w)}.")
        out[str(ticker).strip().upper()] = float(w)
    return out


def profile_from_dict(data: Mapping[str, Any], *, source: str = "profile") -> IPSProfile:
    """Build a validated profile from parsed JSON; :class:`PolicyError` names the bad field."""
    if not isinstance(data, Mapping):
        raise PolicyError(f"{source}: a profile must be a JSON object.")
    version = data.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise PolicyError(
            f"{source}: 'schema_version' is {shown(version)}; it must be a whole number "
            f"({SCHEMA_VERSION} for this program)."
        )
    if version > SCHEMA_VERSION:
        raise PolicyError(
            f"{source}: schema_version {shown(version)} is newer than this program understands "
            f"({SCHEMA_VERSION}); update IPS Allocation Studio."
        )
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise PolicyError(
            f"{source}: missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}."
        )
    where = f"{source} ('{data.get('name', '?')}')"

    ranges_raw = data["asset_class_ranges"]
    if not isinstance(ranges_raw, Mapping):
        raise PolicyError(f"{where}: 'asset_class_ranges' must map asset classes to [min, max].")
    class_ranges: dict[str, Range] = {}
    for cls, pair in ranges_raw.items():
        if (
            not isinstance(pair, (list, tuple))
            or len(pair) != 2
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in pair)
        ):
            raise PolicyError(
                f"{where}: 'asset_class_ranges.{cls}' must be [min, max] numbers, got {shown(pair)}."
            )
        class_ranges[str(cls)] = Range(float(pair[0]), float(pair[1]))

    minimums: dict[str, float] = {}
    caps: dict[str, float] = {}
    bounds_raw = data.get("asset_bounds", {})
    if not isinstance(bounds_raw, Mapping):
        raise PolicyError(
            f'{where}: \'asset_bounds\' must map tickers to {{"min": .., "max": ..}}.'
        )
    for ticker, spec in bounds_raw.items():
        key = str(ticker).strip().upper()
        if not isinstance(spec, Mapping) or not set(spec) <= {"min", "max"} or not spec:
            raise PolicyError(f"{where}: 'asset_bounds.{ticker}' must hold 'min' and/or 'max'.")
        if "min" in spec:
            minimums[key] = _number(spec, "min", f"{where} asset_bounds.{ticker}")
        if "max" in spec:
            caps[key] = _number(spec, "max", f"{where} asset_bounds.{ticker}")

    groups: list[GroupLimit] = []
    groups_raw = data.get("groups", []) or []
    if not isinstance(groups_raw, list):
        raise PolicyError(
            f"{where}: 'groups' must be a list of groups, e.g. "
            '[{"name": "International equity", "tickers": ["EFA", "EEM"], "max": 0.25}], '
            f"not {json_kind(groups_raw)}."
        )
    for i, g in enumerate(groups_raw):
        if (
            not isinstance(g, Mapping)
            or not isinstance(g.get("tickers"), list)
            or not all(isinstance(t, str) and t.strip() for t in g["tickers"])
        ):
            raise PolicyError(
                f"{where}: 'groups[{i}]' needs 'name', 'tickers' (a list of tickers) and "
                "'min' and/or 'max'."
            )
        groups.append(
            GroupLimit(
                name=str(g.get("name", f"Group {i + 1}")),
                tickers=tuple(str(t).strip().upper() for t in g["tickers"]),
                minimum=_number(g, "min", f"{where} groups[{i}]") if "min" in g else None,
                maximum=_number(g, "max", f"{where} groups[{i}]") if "max" in g else None,
            )
        )

    bands_raw = data.get("drift_bands", {"absolute": data.get("rebalancing_threshold", 0.05)})
    if not isinstance(bands_raw, Mapping) or "absolute" not in bands_raw:
        raise PolicyError(f"{where}: 'drift_bands' must hold at least 'absolute'.")
    bands = DriftBands(
        absolute=_number(bands_raw, "absolute", f"{where} drift_bands"),
        relative=_number(bands_raw, "relative", f"{where} drift_bands")
        if bands_raw.get("relative") is not None
        else None,
        asset_class=_number(bands_raw, "asset_class", f"{where} drift_bands")
        if bands_raw.get("asset_class") is not None
        else None,
    )

    def enum(cls: type, key: str, default: str) -> Any:
        raw = str(data.get(key, default)).strip().lower()
        try:
            return cls(raw)
        except ValueError:
            choices = ", ".join(m.value for m in cls)  # type: ignore[attr-defined]
            raise PolicyError(f"{where}: '{key}' is {raw!r}; use one of {choices}.") from None

    spending_raw = data.get("spending")
    spending = SpendingPolicy()
    if spending_raw is not None:
        if not isinstance(spending_raw, Mapping) or "kind" not in spending_raw:
            raise PolicyError(
                f'{where}: \'spending\' must be like {{"kind": "percent_of_assets", "value": 0.05}}.'
            )
        raw_kind = str(spending_raw["kind"]).strip().lower()
        try:
            kind = SpendingKind(raw_kind)
        except ValueError:
            choices = ", ".join(m.value for m in SpendingKind)
            raise PolicyError(
                f"{where}: 'spending.kind' is {raw_kind!r}; use one of {choices}."
            ) from None
        value = (
            _number(spending_raw, "value", f"{where} spending") if "value" in spending_raw else 0.0
        )
        spending = SpendingPolicy(kind, value)
    target_raw = data.get("target_return")

    anchor = data.get("anchor_weights")
    try:
        return IPSProfile(
            name=str(data["name"]),
            objective=str(data.get("objective", "")),
            return_objective=str(data.get("return_objective", "")),
            risk_tolerance=enum(RiskTolerance, "risk_tolerance", "moderate"),
            horizon_years=_number(data, "horizon_years", where)
            if "horizon_years" in data
            else 10.0,
            liquidity_need=enum(LiquidityNeed, "liquidity_need", "moderate"),
            max_volatility=_number(data, "max_volatility", where),
            max_drawdown=_number(data, "max_drawdown", where),
            max_single_weight=_number(data, "max_single_weight", where),
            class_ranges=class_ranges,
            asset_minimums=minimums,
            asset_caps=caps,
            groups=tuple(groups),
            anchor_weights=_weights(anchor, "anchor_weights", where)
            if anchor is not None
            else None,
            drift_bands=bands,
            benchmark=_weights(data["benchmark"], "benchmark", where),
            risk_aversion=_number(data, "risk_aversion", where) if "risk_aversion" in data else 4.0,
            concentration_penalty=(
                _number(data, "concentration_penalty", where)
                if "concentration_penalty" in data
                else 0.05
            ),
            notes=str(data.get("notes", "")),
            target_return=_number(data, "target_return", where) if target_raw is not None else None,
            return_basis=enum(ReturnBasis, "return_basis", ReturnBasis.NOMINAL.value),
            inflation=(
                _number(data, "inflation", where) if "inflation" in data else DEFAULT_INFLATION
            ),
            spending=spending,
            liquidity_reserve=(
                _number(data, "liquidity_reserve", where) if "liquidity_reserve" in data else 0.0
            ),
        )
    except PolicyError as exc:
        msg = str(exc)
        raise PolicyError(msg if msg.startswith(source) else f"{source}: {msg}") from None


def profile_to_dict(profile: IPSProfile) -> dict[str, Any]:
    """The JSON-ready form of a profile (inverse of :func:`profile_from_dict`)."""
    bounds: dict[str, dict[str, float]] = {}
    for t, v in profile.asset_minimums.items():
        bounds.setdefault(t, {})["min"] = v
    for t, v in profile.asset_caps.items():
        bounds.setdefault(t, {})["max"] = v
    groups = []
    for g in profile.groups:
        row: dict[str, Any] = {"name": g.name, "tickers": list(g.tickers)}
        if g.minimum is not None:
            row["min"] = g.minimum
        if g.maximum is not None:
            row["max"] = g.maximum
        groups.append(row)
    bands: dict[str, float] = {"absolute": profile.drift_bands.absolute}
    if profile.drift_bands.relative is not None:
        bands["relative"] = profile.drift_bands.relative
    if profile.drift_bands.asset_class is not None:
        bands["asset_class"] = profile.drift_bands.asset_class
    return {
        "schema_version": SCHEMA_VERSION,
        "name": profile.name,
        "objective": profile.objective,
        "return_objective": profile.return_objective,
        "risk_tolerance": profile.risk_tolerance.value,
        "horizon_years": profile.horizon_years,
        "liquidity_need": profile.liquidity_need.value,
        "max_volatility": profile.max_volatility,
        "max_drawdown": profile.max_drawdown,
        "max_single_weight": profile.max_single_weight,
        "asset_class_ranges": {c: [r.minimum, r.maximum] for c, r in profile.class_ranges.items()},
        "asset_bounds": bounds,
        "groups": groups,
        "anchor_weights": dict(profile.anchor_weights)
        if profile.anchor_weights is not None
        else None,
        "drift_bands": bands,
        "benchmark": dict(profile.benchmark),
        "risk_aversion": profile.risk_aversion,
        "concentration_penalty": profile.concentration_penalty,
        "notes": profile.notes,
        "target_return": profile.target_return,
        "return_basis": profile.return_basis.value,
        "inflation": profile.inflation,
        "spending": {"kind": profile.spending.kind.value, "value": profile.spending.value},
        "liquidity_reserve": profile.liquidity_reserve,
    }


def load_profile(path: str | Path) -> IPSProfile:
    """Load one profile file; every problem becomes a :class:`PolicyError` naming the file and field."""
    data = read_json(path, PolicyError, "Profile file")
    return profile_from_dict(data, source=Path(path).name)


def save_profile(profile: IPSProfile, path: str | Path) -> None:
    """Write a profile atomically (temporary file, then replace): a failure leaves the old file."""
    write_json_atomic(profile_to_dict(profile), path)


BUNDLED_PROFILE_FILES = (
    "capital_preservation.json",
    "balanced_growth.json",
    "long_term_endowment_growth.json",
)
DEFAULT_PROFILE_NAME = "Balanced Growth"


def bundled_profiles() -> dict[str, IPSProfile]:
    """The three shipped profiles, keyed by name, in risk order."""
    profiles = [load_profile(resource_path("profiles", f)) for f in BUNDLED_PROFILE_FILES]
    return {p.name: p for p in profiles}
