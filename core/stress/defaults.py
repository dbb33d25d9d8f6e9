"""Stated defaults for ETFs a built-in scenario does not cover: a ticker added to the universe.

The bundled scenarios cover the bundled 14 ETFs. An ETF added through Data > Edit universe (XLE,
say) has no driver exposures in ``etf_drivers.json`` and no realized return in a historical
replay, so it would have no shock, and a held ETF without a shock stops the stress test and the
report. Instead it takes, in every built-in scenario, the shock of its asset class's
representative (``class_proxies`` in ``resources/scenarios/etf_drivers.json``: SPY for Equity,
AGG for Fixed Income, VNQ for Alternatives, SGOV for Cash):

- hypothetical: the representative's driver exposures, i.e. its shock under the driver moves;
- historical: the representative's realized total return over the episode;
- conditional: the covariance already covers every ETF of the analysis; if not, the same rule.

The shock is recorded as a proxy (``Scenario.proxies``) with a note saying so
(``Scenario.note(ticker)``), which the Stress tab's tooltips, the stress CSV / workbook
(``shock_source``, ``proxy``) and the memo show. A class with no representative in the scenario
gets 0% with a note. Custom scenarios are the user's own and are left as they are (the window
gives an added ETF 0% in them, visible and editable).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from core.resources import resource_path
from core.stress.scenarios import Scenario, ScenarioError, ScenarioKind
from core.universe import Universe

BUILT_IN_KINDS = frozenset(
    {ScenarioKind.HYPOTHETICAL, ScenarioKind.HISTORICAL, ScenarioKind.CONDITIONAL}
)
DEFAULT_MARK = "stands in"
"""Every default note contains these words (:func:`defaulted_tickers` finds them by it)."""

_MISSING = {
    ScenarioKind.HYPOTHETICAL: "has no driver exposures of its own (etf_drivers.json)",
    ScenarioKind.HISTORICAL: "has no history in this replay",
    ScenarioKind.CONDITIONAL: "is not in the covariance of this scenario",
}
_TAKEN = {
    ScenarioKind.HYPOTHETICAL: "shock under the same driver moves",
    ScenarioKind.HISTORICAL: "realized total return over the episode",
    ScenarioKind.CONDITIONAL: "implied shock",
}


def load_class_proxies(path: str | Path | None = None) -> dict[str, str]:
    """``{asset class: representative ticker}`` from ``class_proxies`` of the drivers file."""
    from core.jsonio import read_json

    file = Path(path) if path is not None else resource_path("scenarios", "etf_drivers.json")
    data: Any = read_json(file, ScenarioError, "Scenario data file")
    section = data.get("class_proxies") if isinstance(data, Mapping) else None
    classes = section.get("classes") if isinstance(section, Mapping) else None
    if not isinstance(classes, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in classes.items()
    ):
        raise ScenarioError(
            f"{file.name}: 'class_proxies.classes' must map each asset class to a ticker, e.g. "
            '{"Equity": "SPY"}.'
        )
    return dict(classes)


def _default_note(ticker: str, asset_class: str, proxy: str, kind: ScenarioKind) -> str:
    return (
        f"{ticker} {_MISSING[kind]}: {proxy}'s {_TAKEN[kind]} {DEFAULT_MARK} for it "
        f"({proxy} represents {asset_class}). Add a custom scenario to give {ticker} its own shock."
    )


def _zero_note(ticker: str, asset_class: str, kind: ScenarioKind) -> str:
    return (
        f"{ticker} {_MISSING[kind]} and no {asset_class} representative is in this scenario: "
        f"0% {DEFAULT_MARK} for its shock. Add a custom scenario to give {ticker} its own shock."
    )


def with_class_proxies(
    scenario: Scenario, universe: Universe, class_proxies: Mapping[str, str]
) -> Scenario:
    """``scenario`` covering every ETF of ``universe``: a built-in scenario gives each missing
    ETF its class representative's shock (or 0%), stated in a note; shocks of ETFs outside the
    universe are dropped. A custom scenario is returned unchanged."""
    if scenario.kind not in BUILT_IN_KINDS:
        return scenario
    known = set(universe.tickers)
    missing = [t for t in universe.tickers if t not in scenario.shocks]
    outside = [t for t in scenario.shocks if t not in known]
    if not missing and not outside:
        return scenario
    shocks = {t: v for t, v in scenario.shocks.items() if t in known}
    notes = {t: v for t, v in scenario.notes.items() if t in known}
    proxies = {t: v for t, v in scenario.proxies.items() if t in known}
    monthly = {t: v for t, v in scenario.monthly.items() if t in known}
    months = len(scenario.path_dates)
    for ticker in missing:
        asset_class = universe.asset_class_of(ticker)
        proxy = class_proxies.get(asset_class)
        if proxy is not None and proxy in scenario.shocks:
            shocks[ticker] = scenario.shocks[proxy]
            notes[ticker] = _default_note(ticker, asset_class, proxy, scenario.kind)
            proxies[ticker] = proxy
            if scenario.has_path:  # the path follows the shock: the representative's months
                monthly[ticker] = scenario.monthly[proxy]
        else:
            shocks[ticker] = 0.0
            notes[ticker] = _zero_note(ticker, asset_class, scenario.kind)
            if scenario.has_path:
                monthly[ticker] = (0.0,) * months
    return dataclasses.replace(
        scenario, shocks=shocks, notes=notes, proxies=proxies, monthly=monthly
    )


def cover_universe(
    scenarios: Iterable[Scenario],
    universe: Universe,
    class_proxies: Mapping[str, str] | None = None,
) -> tuple[Scenario, ...]:
    """:func:`with_class_proxies` for each scenario (the bundled class proxies by default)."""
    scenarios = tuple(scenarios)
    if all(
        s.kind not in BUILT_IN_KINDS or set(s.shocks) == set(universe.tickers) for s in scenarios
    ):
        return scenarios
    proxies = class_proxies if class_proxies is not None else load_class_proxies()
    return tuple(with_class_proxies(s, universe, proxies) for s in scenarios)


def defaulted_tickers(scenarios: Sequence[Scenario]) -> dict[str, str]:
    """``{ticker: what stands in}`` over ``scenarios`` for the shocks :func:`with_class_proxies`
    supplied ("SPY", or "0%"); empty when every shock is the scenario's own."""
    found: dict[str, str] = {}
    for scenario in scenarios:
        for ticker, note in scenario.notes.items():
            if DEFAULT_MARK in note and ticker not in found:
                found[ticker] = scenario.proxies.get(ticker, "0%")
    return found
