"""A book of accounts and what the nightly pass finds for each (frozen result types).

Conventions: weights are decimal fractions of an account's value including cash; amounts are in
currency; a **margin** is how far a value is inside its limit (decimal weight; negative = outside
by that much). Row numbers are the file's own (the header is row 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from core.rebalance.account import Holdings
from core.rebalance.cells import CellProblem
from core.rebalance.settings import TradeSettings


@dataclass(frozen=True)
class BookProblem:
    """One bad cell (or a missing row) of the book: where it is and what to change."""

    account_id: str
    source: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return (
            f"Account {self.account_id}, {self.source} row {self.row}, column {self.column}: "
            f"{self.message}"
        )

    @classmethod
    def from_cell(cls, account_id: str, source: str, problem: CellProblem) -> BookProblem:
        return cls(account_id, source, problem.row, problem.column, problem.message)


@dataclass(frozen=True)
class BookAccount:
    """One account ready for the pass: its holdings priced, its profile named, its settings."""

    account_id: str
    name: str
    household: str
    profile: str
    holdings: Holdings
    settings: TradeSettings = field(default_factory=TradeSettings)


@dataclass(frozen=True)
class Book:
    """The accounts that loaded, the ones skipped with every problem found, and the book's hash.

    ``profiles`` maps each profile key the accounts use (a bundled name or a file path as
    written in the book) to the profile; ``sha256`` is the hash of the book's bytes (every file
    of a folder, in name order).
    """

    accounts: tuple[BookAccount, ...]
    skipped: tuple[tuple[str, tuple[BookProblem, ...]], ...]
    profiles: dict[str, object]
    sha256: str
    source: str

    @property
    def skipped_ids(self) -> tuple[str, ...]:
        return tuple(account_id for account_id, _ in self.skipped)

    @property
    def problems(self) -> tuple[BookProblem, ...]:
        return tuple(p for _, problems in self.skipped for p in problems)


class ExceptionKind(str, Enum):
    """Why an account is on the exceptions list."""

    IPS = "outside the IPS"
    BAND = "outside its drift band"
    POST_TRADE = "outside the IPS after the trades"


@dataclass(frozen=True)
class AccountException:
    """One rule or band an account breaks, with its margin (negative = outside by that much).

    ``value`` and ``limit`` are decimal weights for IPS rules and bands (``limit`` the band
    half-width for a band); currency for the cash buffer rule (``unit``).
    """

    kind: ExceptionKind
    rule: str
    limit: str
    value: float
    margin: float
    unit: str


@dataclass(frozen=True)
class TradeRow:
    """One ETF trade of an account: signed whole shares (+ buy), price, notional and cost."""

    ticker: str
    shares: float
    price: float
    notional: float
    cost: float


@dataclass(frozen=True)
class AccountResult:
    """What the pass found for one account.

    ``error`` is the reason the account could not be traded (a plan the trade program could not
    make); it then has no trades. Value and cash are before trading, currency; turnover is the
    traded notional (buys + sells) over the account value, decimal.
    """

    account_id: str
    name: str
    household: str
    profile: str
    value: float
    cash: float
    in_ips: bool
    in_bands: bool
    post_trade_in_ips: bool | None
    exceptions: tuple[AccountException, ...]
    trades: tuple[TradeRow, ...]
    turnover: float
    cost: float
    cash_after: float | None
    limits_relaxed: bool = False
    error: str = ""

    @property
    def worst_margin(self) -> float:
        """The most negative margin of the account's exceptions (0 when it has none)."""
        return min((e.margin for e in self.exceptions if e.unit == "weight"), default=0.0)
