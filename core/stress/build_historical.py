"""Build ``resources/scenarios/historical.json`` once from a month-end adjusted price file.

Usage::

    python -m core.stress.build_historical /work/shared/realdata/etf_monthly_prices.csv \
        [--out resources/scenarios/historical.json]

The price file has a ``date`` column (calendar month-end, YYYY-MM-DD) and one column of
split- and dividend-adjusted closes per ticker (empty before a fund existed). An episode's
return is ``close(end) / close(start) - 1``: the compounded monthly total returns of the months
after ``start`` up to and including ``end``. Each episode starts at the pre-crisis peak: the
last month-end high of its lead asset before the fall (SPY for the equity crises, AGG for the
2013 taper tantrum), so the path of monthly returns that the file also records (``path_dates``
and each ETF's ``monthly`` returns) measures the peak-to-trough fall from the start. Where an ETF has no price at ``start`` (it did not
exist yet), a stated proxy is used and recorded in the file next to the number. The price file
itself is not copied into the project; the app and the tests read the committed JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import DataError
from core.jsonio import write_json_atomic
from core.resources import resource_path
from core.stress.scenarios import (
    SCHEMA_VERSION,
    ScenarioKind,
    scenarios_from_dict,
)
from core.universe import default_universe

SOURCE_NOTE = "Yahoo adjusted closes, month-end, see shared realdata SOURCES.md"

# ticker -> (proxy ticker, why), tried in order when the ticker has no price at an episode's start
PROXIES: dict[str, tuple[tuple[str, str], ...]] = {
    "SGOV": (
        (
            "BIL",
            "SGOV launched 2020-06; BIL (SPDR 1-3 Month T-Bill ETF) is the closest T-bill fund",
        ),
        ("SHV", "SGOV launched 2020-06; SHV (iShares Short Treasury, 0-1 year) stands in"),
    ),
}


@dataclass(frozen=True)
class Episode:
    """A historical window between two month-end closes (``start`` excluded as a return month)."""

    name: str
    start: str
    end: str
    period: str
    description: str


EPISODES: tuple[Episode, ...] = (
    Episode(
        "Global Financial Crisis",
        "2007-10-31",
        "2009-03-31",
        "Nov 2007 - Mar 2009 monthly returns, compounded (2007-10-31 close, the S&P 500's month-end peak, "
        "to the 2009-03-31 close)",
        "From the 2007 equity peak to the end of March 2009, after the first rebound month: the "
        "start-to-end return understates the fall, so the path drawdown (through SPY's 2009-02-28 "
        "month-end trough) is what the drawdown tolerance is compared with.",
    ),
    Episode(
        "COVID Crash",
        "2019-12-31",
        "2020-03-31",
        "Jan - Mar 2020 monthly returns, compounded (2019-12-31 close, the S&P 500's month-end peak, "
        "to the 2020-03-31 close)",
        "The pandemic sell-off and dash for cash, before the recovery from April 2020.",
    ),
    Episode(
        "2022 Rate Shock",
        "2021-12-31",
        "2022-12-31",
        "Calendar 2022 (2021-12-31 close to 2022-12-31 close)",
        "Inflation and the fastest Fed hiking cycle in decades: stocks and bonds fell together.",
    ),
    Episode(
        "2013 Taper Tantrum",
        "2013-04-30",
        "2013-06-30",
        "May - Jun 2013 monthly returns, compounded (2013-04-30 close to 2013-06-30 close)",
        "Yields jumped after the Fed signalled tapering of bond purchases (22 May and 19 June 2013); "
        "emerging markets and gold fell.",
    ),
    Episode(
        "Q4 2018 Sell-off",
        "2018-09-30",
        "2018-12-31",
        "Oct - Dec 2018 monthly returns, compounded (2018-09-30 close to 2018-12-31 close)",
        "Growth and Fed-tightening fears: equities fell about 14% while Treasuries rallied.",
    ),
)


def read_prices(path: str | Path) -> pd.DataFrame:
    """Month-end adjusted closes indexed by date (ISO strings), one column per ticker."""
    try:
        frame = pd.read_csv(path, dtype={"date": str})
    except FileNotFoundError:
        raise DataError(f"Price file {path} does not exist.") from None
    if "date" not in frame.columns:
        raise DataError(f"Price file {path} has no 'date' column.")
    return frame.set_index("date")


def _price(prices: pd.DataFrame, ticker: str, date: str) -> float | None:
    if ticker not in prices.columns:
        return None
    if date not in prices.index:
        raise DataError(f"The price file has no row for {date}; use a calendar month-end date.")
    value = prices.at[date, ticker]
    return None if pd.isna(value) else float(value)


def episode_return(
    prices: pd.DataFrame, episode: Episode, ticker: str
) -> tuple[float, str | None, str]:
    """One ETF's decimal total return over the episode: (value, proxy ticker or None, note)."""
    candidates = ((ticker, ""),) + PROXIES.get(ticker, ())
    for source, why in candidates:
        start, end = _price(prices, source, episode.start), _price(prices, source, episode.end)
        if start is not None and end is not None:
            note = f"{SOURCE_NOTE}; {episode.start} to {episode.end}"
            if source != ticker:
                note += f"; {why}"
            return end / start - 1.0, (source if source != ticker else None), note
    raise DataError(
        f"{episode.name}: {ticker} has no price at {episode.start} or {episode.end} and no proxy "
        f"does either; add a proxy to PROXIES or shorten the episode."
    )


def episode_path(
    prices: pd.DataFrame, episode: Episode, source: str
) -> tuple[list[str], list[float]]:
    """The month-ends after ``episode.start`` through ``episode.end`` and ``source``'s decimal
    return in each: ``close(t) / close(t-1) - 1``; they compound to ``close(end) / close(start) - 1``."""
    dates = list(prices.index)
    first, last = dates.index(episode.start), dates.index(episode.end)
    closes = [_price(prices, source, d) for d in dates[first : last + 1]]
    if any(c is None for c in closes):
        raise DataError(
            f"{episode.name}: {source} has a missing month-end close between {episode.start} and "
            f"{episode.end}; the monthly path needs every month."
        )
    values = [float(c) for c in closes if c is not None]
    returns = [values[k] / values[k - 1] - 1.0 for k in range(1, len(values))]
    return dates[first + 1 : last + 1], returns


def build_historical(
    prices: pd.DataFrame,
    tickers: Sequence[str],
    episodes: Sequence[Episode] = EPISODES,
    *,
    source_file: str = "",
    source_sha256: str = "",
) -> dict[str, Any]:
    """The historical-scenario file (scenario file format of ``core.stress.scenarios``) as a dict."""
    scenarios = []
    for episode in episodes:
        shocks: dict[str, Any] = {}
        path_dates: list[str] = []
        for ticker in tickers:
            value, proxy, note = episode_return(prices, episode, ticker)
            path_dates, monthly = episode_path(prices, episode, proxy or ticker)
            shocks[ticker] = {
                "value": round(value, 6),
                "note": note,
                "proxy": proxy,
                "monthly": [round(r, 8) for r in monthly],
            }
        scenarios.append(
            {
                "name": episode.name,
                "kind": ScenarioKind.HISTORICAL.value,
                "description": episode.description,
                "source": SOURCE_NOTE,
                "period": episode.period,
                "path_dates": path_dates,
                "shocks": shocks,
            }
        )
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "generated_by": "python -m core.stress.build_historical <etf_monthly_prices.csv>",
        "source": SOURCE_NOTE,
        "source_file": source_file,
        "source_sha256": source_sha256,
        "method": "close(end) / close(start) - 1 on split- and dividend-adjusted month-end closes, i.e. the "
        "compounded monthly total returns of the months after start through end; proxies as noted. "
        "'monthly' lists each ETF's return in each month of 'path_dates' (close(t) / close(t-1) - 1), "
        "the path the stress engine measures the peak-to-trough drawdown on.",
        "scenarios": scenarios,
    }
    scenarios_from_dict(
        data, tickers=tickers, origin="historical"
    )  # validate before anything is written
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.stress.build_historical", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "prices", help="month-end adjusted price CSV (date, then one column per ticker)"
    )
    parser.add_argument("--out", default=str(resource_path("scenarios", "historical.json")))
    args = parser.parse_args(argv)
    path = Path(args.prices)
    prices = read_prices(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    data = build_historical(
        prices, default_universe().tickers, source_file=path.name, source_sha256=digest
    )
    out = Path(args.out)
    write_json_atomic(data, out)
    print(f"Wrote {len(data['scenarios'])} historical scenarios to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
