"""The investable universe: tickers, asset classes and descriptions, loaded from data.

Shapes: a :class:`Universe` of ``n`` assets fixes the column order of every weight
vector, returns frame and constraint matrix in the core.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import PolicyError
from core.resources import resource_path

ASSET_CLASSES: tuple[str, ...] = ("Equity", "Fixed Income", "Alternatives", "Cash")


@dataclass(frozen=True)
class Asset:
    """One ETF of the universe."""

    ticker: str
    asset_class: str
    name: str = ""
    description: str = ""


@dataclass(frozen=True)
class Universe:
    """An ordered set of assets; the order is the column order used everywhere."""

    assets: tuple[Asset, ...]
    asset_classes: tuple[str, ...] = ASSET_CLASSES
    cash_ticker: str | None = "SGOV"
    name: str = "Universe"

    def __post_init__(self) -> None:
        tickers = [a.ticker for a in self.assets]
        if not tickers:
            raise PolicyError("The universe is empty: add at least one ETF.")
        duplicates = sorted({t for t in tickers if tickers.count(t) > 1})
        if duplicates:
            raise PolicyError(
                f"The universe lists {', '.join(duplicates)} more than once: keep one row each."
            )
        for asset in self.assets:
            if asset.asset_class not in self.asset_classes:
                raise PolicyError(
                    f"{asset.ticker} has asset class {asset.asset_class!r}; use one of "
                    f"{', '.join(self.asset_classes)}."
                )
            if not asset.ticker or asset.ticker != asset.ticker.strip().upper():
                raise PolicyError(f"Ticker {asset.ticker!r} must be upper-case with no spaces.")
        if self.cash_ticker is not None and self.cash_ticker not in tickers:
            raise PolicyError(f"Cash ticker {self.cash_ticker} is not in the universe.")

    @property
    def tickers(self) -> tuple[str, ...]:
        return tuple(a.ticker for a in self.assets)

    @property
    def n(self) -> int:
        return len(self.assets)

    def index(self, ticker: str) -> int:
        """Column position of ``ticker``; :class:`PolicyError` if it is not in the universe."""
        try:
            return self.tickers.index(ticker)
        except ValueError:
            raise PolicyError(
                f"Ticker {ticker} is not in the universe ({', '.join(self.tickers)})."
            ) from None

    def asset_class_of(self, ticker: str) -> str:
        return self.assets[self.index(ticker)].asset_class

    def class_members(self, asset_class: str) -> tuple[str, ...]:
        return tuple(a.ticker for a in self.assets if a.asset_class == asset_class)

    def class_matrix(self) -> np.ndarray:
        """Indicator matrix, shape (n_classes, n): row k has 1 where the asset is in class k."""
        return np.array(
            [[1.0 if a.asset_class == c else 0.0 for a in self.assets] for c in self.asset_classes]
        )

    def vector(self, values: Mapping[str, float], default: float = 0.0) -> np.ndarray:
        """Dense vector in universe order from a ``{ticker: value}`` mapping (unknown tickers refused)."""
        for ticker in values:
            self.index(ticker)
        return np.array([float(values.get(t, default)) for t in self.tickers])

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "name": self.name,
            "asset_classes": list(self.asset_classes),
            "cash_ticker": self.cash_ticker,
            "assets": [
                {
                    "ticker": a.ticker,
                    "asset_class": a.asset_class,
                    "name": a.name,
                    "description": a.description,
                }
                for a in self.assets
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "Universe") -> Universe:
        """A universe from its file form; :class:`PolicyError` names the entry to correct.

        ``source`` names the document in messages (a file name, or "'universe'" in a project).
        """
        if not isinstance(data, Mapping):
            raise PolicyError(f"{source} must be a JSON object with an 'assets' list.")
        rows = data.get("assets")
        if not isinstance(rows, list):
            raise PolicyError(
                f"{source}: 'assets' must be a list of objects with 'ticker' and 'asset_class'."
            )
        assets = []
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise PolicyError(
                    f"{source}: 'assets[{i}]' must be an object with 'ticker' and 'asset_class'."
                )
            for key in ("ticker", "asset_class"):
                if not isinstance(row.get(key), str) or not row[key].strip():
                    raise PolicyError(
                        f"{source}: 'assets[{i}].{key}' is missing or not text; each asset "
                        "needs a ticker and an asset class, e.g. "
                        '{"ticker": "SPY", "asset_class": "Equity"}.'
                    )
            assets.append(
                Asset(
                    ticker=row["ticker"].strip().upper(),
                    asset_class=row["asset_class"],
                    name=str(row.get("name", "")),
                    description=str(row.get("description", "")),
                )
            )
        classes = data.get("asset_classes", ASSET_CLASSES)
        if not isinstance(classes, (list, tuple)) or not all(isinstance(c, str) for c in classes):
            raise PolicyError(
                f"{source}: 'asset_classes' must be a list of names, e.g. "
                '["Equity", "Fixed Income", "Alternatives", "Cash"].'
            )
        cash_ticker = data.get("cash_ticker")
        if cash_ticker is not None and not isinstance(cash_ticker, str):
            raise PolicyError(f"{source}: 'cash_ticker' must be a ticker (text) or null.")
        try:
            return cls(
                assets=tuple(assets),
                asset_classes=tuple(classes),
                cash_ticker=cash_ticker,
                name=str(data.get("name", "Universe")),
            )
        except PolicyError as exc:
            raise PolicyError(f"{source}: {exc}") from None

    def subset(self, tickers: Iterable[str]) -> Universe:
        keep = set(tickers)
        cash = self.cash_ticker if self.cash_ticker in keep else None
        return Universe(
            tuple(a for a in self.assets if a.ticker in keep), self.asset_classes, cash, self.name
        )


def load_universe(path: str | Path | None = None) -> Universe:
    """Load a universe JSON file; the bundled default when ``path`` is None."""
    file = Path(path) if path is not None else resource_path("universe.json")
    try:
        data = json.loads(file.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise PolicyError(f"Universe file {file} does not exist.") from None
    except json.JSONDecodeError as exc:
        raise PolicyError(
            f"Universe file {file} is not valid JSON (line {exc.lineno}): {exc.msg}."
        ) from None
    return Universe.from_dict(data, source=f"Universe file {file.name}")


def default_universe() -> Universe:
    """The bundled 14-ETF universe (SPY ... SGOV)."""
    return load_universe()
