"""The firm's book: loading with planted problems, the pass, the engines, the output files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.make_book import book_targets, make_book
from core.book.check import profile_targets
from core.book.engine import BookProgress, run_book
from core.book.files import publish_book
from core.book.loader import load_book
from core.book.model import ExceptionKind
from core.jobs import CancelledError, CancelToken
from core.pipeline import load_default_dataset
from core.policy.profile_io import bundled_profiles
from core.universe import default_universe

MISSING = "GLD"  # held by every account of every profile; its data price is withheld below


@pytest.fixture(scope="module")
def data():
    dataset = load_default_dataset()
    return dataset, default_universe()


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)


def _planted_book(folder: Path) -> tuple[Path, dict[str, tuple[int, str]], dict[str, float]]:
    """200 accounts exactly at their targets (fractional shares, no cash), every GLD row
    priced by hand, then four planted problems. Returns the folder, {account: (file row,
    column)} of the planted bad cells, and the prices without GLD (the 'data set')."""
    make_book(folder, 200, seed=3, drift=0.0, whole_shares=False, varied_settings=False)
    _, prices = book_targets()
    holdings = _rows(folder / "holdings.csv")
    planted: dict[str, tuple[int, str]] = {}
    for number, row in enumerate(holdings[1:], start=2):
        account, ticker = row[0], row[1]
        if ticker == MISSING and account != "A000020":
            row[3] = f"{prices[MISSING]:.2f}"
        if account == "A000020" and ticker == MISSING:
            planted[account] = (number, "price")  # no price and the data set has none
        if account == "A000040" and ticker == "AGG":
            row[2] = "-5"
            planted[account] = (number, "shares")
        if account == "A000010" and ticker == "SPY":
            row[2] = str(float(row[2]) * 6)  # far above the single-ETF cap
    at = next(i for i, r in enumerate(holdings) if r[0] == "A000030")
    holdings.insert(at + 1, ["A000030", "XYZ", "10", "50", ""])
    planted["A000030"] = (at + 2, "ticker")
    # rows after the insertion moved down by one
    for account, (number, column) in list(planted.items()):
        if account != "A000030" and number > at + 1:
            planted[account] = (number + 1, column)
    _write(folder / "holdings.csv", holdings)
    return folder, planted, {t: p for t, p in prices.items() if t != MISSING}


@pytest.fixture(scope="module")
def planted(tmp_path_factory, data):
    dataset, universe = data
    folder, cells, prices = _planted_book(tmp_path_factory.mktemp("book") / "planted")
    book = load_book(folder, universe=universe, prices=prices)
    targets = {k: profile_targets(k, p, dataset, universe) for k, p in book.profiles.items()}
    return book, cells, targets, prices


def test_the_bad_accounts_are_skipped_with_every_planted_cell_named(planted):
    book, cells, _, _ = planted
    assert set(book.skipped_ids) == {"A000020", "A000030", "A000040"}
    assert len(book.accounts) == 197
    for account_id, problems in book.skipped:
        row, column = cells[account_id]
        assert [(p.row, p.column) for p in problems] == [(row, column)], problems
        assert problems[0].source == "holdings.csv"
    messages = {a: p[0].message for a, p in book.skipped}
    assert "no price for GLD" in messages["A000020"]
    assert "'XYZ' is not in the universe" in messages["A000030"]
    assert "negative" in messages["A000040"]


@pytest.mark.slow
def test_the_pass_finds_exactly_the_planted_exception_with_its_margin(planted, tmp_path):
    book, _, targets, _ = planted
    results = run_book(book.accounts, targets)
    assert [r.account_id for r in results] == [a.account_id for a in book.accounts]
    flagged = {r.account_id for r in results if r.exceptions}
    assert flagged == {"A000010"}
    broken = next(r for r in results if r.account_id == "A000010")
    assert not broken.in_ips and broken.post_trade_in_ips and not broken.error
    # the single-ETF cap's margin by hand: cap - SPY's weight
    account = next(a for a in book.accounts if a.account_id == "A000010")
    h = account.holdings
    spy = h.positions["SPY"] * h.prices["SPY"] / h.total_value
    cap = bundled_profiles()[account.profile].max_single_weight
    row = next(e for e in broken.exceptions if e.rule == "Max single ETF weight")
    assert row.kind is ExceptionKind.IPS
    assert row.value == pytest.approx(spy) and row.margin == pytest.approx(cap - spy)
    # the trades keep the account's cash non-negative and bring SPY under the cap
    post_spy = h.positions["SPY"] + sum(t.shares for t in broken.trades if t.ticker == "SPY")
    value_after = (
        sum(
            (h.positions.get(t, 0.0) + sum(x.shares for x in broken.trades if x.ticker == t))
            * h.prices[t]
            for t in h.prices
        )
        + broken.cash_after
    )
    assert post_spy * h.prices["SPY"] / value_after <= cap + 1e-6
    files = publish_book(tmp_path, book, results, targets, run={"engine": "in-process"})
    assert {p.name for p in files} == {
        "book_exceptions.xlsx",
        "book_trades.csv",
        "book_orders.csv",
        "book_accounts.csv",
        "run_manifest.json",
    }
    accounts = pd.read_csv(tmp_path / "book_accounts.csv")
    assert (accounts["status"] == "skipped").sum() == 3 and len(accounts) == 200
    import json

    from core.book.check import BOOK_OPTIMALITY_GAP

    manifest = json.loads((tmp_path / "run_manifest.json").read_text(encoding="utf-8"))
    assert manifest["trades"]["absolute_gap_fraction"] == BOOK_OPTIMALITY_GAP  # the gap stated
    assert f"{BOOK_OPTIMALITY_GAP:g} x the account's value" in manifest["trades"]["optimality_gap"]
    import zipfile

    with zipfile.ZipFile(tmp_path / "book_exceptions.xlsx") as archive:  # a native chart
        assert any(n.startswith("xl/charts/chart") for n in archive.namelist())
    summary = pd.read_excel(tmp_path / "book_exceptions.xlsx", sheet_name="Summary")
    assert summary["accounts"].sum() == 200 and summary["outside_ips"].sum() == 1
    notes = summary.iloc[:, 0].astype(str)  # the gap is stated where the counts are read
    assert notes.str.contains(f"{BOOK_OPTIMALITY_GAP:g} x the account's value").any()
    assert notes.str.contains("not investment advice").any()
    exceptions = pd.read_excel(tmp_path / "book_exceptions.xlsx", sheet_name="Exceptions")
    assert set(exceptions["account_id"]) == {"A000010"}
    trades = pd.read_csv(tmp_path / "book_trades.csv")
    orders = pd.read_csv(tmp_path / "book_orders.csv").set_index("ticker")
    by_hand = trades.groupby("ticker")["shares"].sum()
    assert np.allclose(orders.loc[by_hand.index, "net_shares"], by_hand)


def test_orders_net_the_trades_by_hand():
    from core.book.tables import orders_table

    trades = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "a"],
            "profile": ["p"] * 4,
            "ticker": ["SPY", "SPY", "SPY", "AGG"],
            "shares": [10.0, -4.0, 3.0, -2.0],
            "price": [500.0, 500.0, 500.0, 100.0],
            "notional": [5000.0, -2000.0, 1500.0, -200.0],
            "cost": [0.0] * 4,
        }
    )
    orders = orders_table(trades).set_index("ticker")
    assert orders.loc["SPY"].tolist() == [13.0, 4.0, 9.0, 4500.0, 3]
    assert orders.loc["AGG"].tolist() == [0.0, 2.0, -2.0, -200.0, 1]


def test_cancel_stops_the_pass_and_returns_nothing(planted):
    book, _, targets, _ = planted
    token = CancelToken()
    seen: list[BookProgress] = []

    def progress(p: BookProgress) -> None:
        seen.append(p)
        if p.done >= 2:
            token.cancel()

    with pytest.raises(CancelledError):
        run_book(book.accounts[:6], targets, chunk_size=2, progress=progress, cancel=token)
    assert seen[-1].done == 2 and seen[-1].remaining == 4


def test_an_unreadable_book_or_profile_is_named(tmp_path, data):
    _, universe = data
    from core.errors import DataError

    with pytest.raises(DataError, match="does not exist"):
        load_book(tmp_path / "none.csv", universe=universe, prices={})
    (tmp_path / "one.csv").write_text(
        "account_id,profile,ticker,shares,price\nX1,Nope,SPY,10,500\nX2,Balanced Growth,SPY,10,500\n"
    )
    book = load_book(tmp_path / "one.csv", universe=universe, prices=None)
    assert book.skipped_ids == ("X1",)
    assert "neither a bundled profile" in book.problems[0].message and book.problems[0].row == 2
    assert [a.account_id for a in book.accounts] == ["X2"]


def test_an_xlsx_book_with_two_sheets_reads_as_the_folder(tmp_path, data):
    from openpyxl import Workbook

    _, universe = data
    folder = make_book(tmp_path / "f", 5, seed=1)
    workbook = Workbook()
    for index, name in enumerate(("accounts", "holdings")):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = name
        for row in _rows(folder / f"{name}.csv"):
            sheet.append(
                [
                    float(c) if c.replace(".", "", 1).lstrip("-").isdigit() else (c or None)
                    for c in row
                ]
            )
    workbook.save(tmp_path / "book.xlsx")
    _, prices = book_targets()
    from_folder = load_book(folder, universe=universe, prices=prices)
    from_xlsx = load_book(tmp_path / "book.xlsx", universe=universe, prices=prices)
    assert not from_xlsx.skipped and len(from_xlsx.accounts) == 5
    for a, b in zip(from_folder.accounts, from_xlsx.accounts, strict=True):
        assert (a.account_id, a.profile, a.settings) == (b.account_id, b.profile, b.settings)
        assert a.holdings.positions == pytest.approx(b.holdings.positions)
        assert a.holdings.cash == pytest.approx(b.holdings.cash)


def test_exceptions_past_the_sheet_row_limit_continue_on_more_sheets(tmp_path, data, monkeypatch):
    import core.book.files as files
    from core.book.tables import exceptions_table

    dataset, universe = data
    book = load_book(make_book(tmp_path / "b", 6, seed=2), universe=universe, prices=dataset.prices)
    targets = {k: profile_targets(k, p, dataset, universe) for k, p in book.profiles.items()}
    results = run_book(book.accounts, targets)
    expected = exceptions_table(results)
    assert len(expected) > 14  # enough rows for three sheets of 7
    monkeypatch.setattr(files, "MAX_SHEET_ROWS", 7)
    publish_book(tmp_path / "out", book, results, targets, run={"engine": "in-process"})
    path = tmp_path / "out" / "book_exceptions.xlsx"
    sheets = pd.read_excel(path, sheet_name=None)
    parts = [
        f"Exceptions {n}" if n > 1 else "Exceptions" for n in range(1, 1 + -(-len(expected) // 7))
    ]
    assert list(sheets) == [*parts, "Summary", "Skipped"]
    assert all(len(sheets[name]) == 7 for name in parts[:-1])
    spilled = pd.concat([sheets[name] for name in parts], ignore_index=True)
    assert list(spilled["account_id"]) == list(expected["account_id"])  # worst first, none lost
    assert np.allclose(spilled["margin"], expected["margin"])
