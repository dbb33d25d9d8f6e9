"""File > Open book…: the book is checked in a worker, its exceptions shown (sortable,
filterable, read-only), and an account opens in the Rebalancing tab with its profile."""

from __future__ import annotations

import csv

import pytest

from bench.make_book import make_book

TIMEOUT_MS = 120_000


@pytest.fixture
def book(tmp_path):
    folder = make_book(
        tmp_path / "book", 4, seed=2, drift=0.0, whole_shares=False, varied_settings=False
    )
    rows = list(csv.reader((folder / "holdings.csv").open()))
    for row in rows[1:]:  # account A000002 buys far too much SPY: outside the IPS
        if row[0] == "A000002" and row[1] == "SPY":
            row[2] = str(float(row[2]) * 6)
    with (folder / "holdings.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return folder


def test_open_book_lists_the_exceptions_and_opens_an_account(qtbot, window, book, monkeypatch):
    monkeypatch.setattr(window.project_controller, "maybe_save", lambda: True)
    job = window.book_controller.open_book(book)
    assert job is not None
    qtbot.waitUntil(
        lambda: (
            window.book_controller.panel is not None and window.book_controller.panel.isVisible()
        ),
        timeout=TIMEOUT_MS,
    )
    panel = window.book_controller.panel
    assert set(panel.visible_accounts()) == {"A000002"}
    assert "4 accounts checked, 1 outside" in panel.summary.text()
    rules = [panel.model.data(panel.model.index(r, 5)) for r in range(panel.model.rowCount())]
    assert "Max single ETF weight" in rules
    panel.filter_edit.setText("no such account")
    assert panel.model.rowCount() == 0
    panel.filter_edit.setText("a000002")
    assert panel.model.rowCount() == len(rules)
    answer = window.book_controller.answer
    account = answer.account("A000002")
    panel.table.setCurrentIndex(panel.model.index(0, 0))
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        panel.open_button.click()
    qtbot.waitUntil(lambda: window.runner.idle(), timeout=TIMEOUT_MS)
    assert window.tabs.currentWidget() is window.tab_widgets["rebalancing"]
    assert window.ips_tab.profile().name == answer.targets[account.profile].profile.name
    shown = window.tab_widgets["rebalancing"].holdings()
    assert shown.positions["SPY"] == pytest.approx(account.holdings.positions["SPY"])
    assert window.project_controller.path is None and window.project_controller.is_modified()


def test_the_filter_matches_words_in_any_searched_column(qtbot):
    import pandas as pd

    from app.book.panel import BookPanel

    frame = pd.DataFrame(
        {
            "account_id": ["A1", "A2", "A3", "A4"],
            "account_name": ["Smith Trust", "Jones IRA", "Lee", "Smith 401k"],
            "household": ["Smith", None, "Lee", "Smith"],
            "profile": ["Balanced Growth"] * 2 + ["Capital Preservation"] * 2,
            "kind": ["outside the IPS", "outside its drift band"] * 2,
            "rule": ["SPY minimum", "HYG drift", "Cash allocation", "SPY minimum"],
            "limit": ["x"] * 4,
            "value": [0.1] * 4,
            "margin": [-0.01] * 4,
        }
    )
    panel = BookPanel()
    qtbot.addWidget(panel)
    panel.show_exceptions(frame, "a long summary of the book, " * 12)
    panel.show()
    room = panel.screen().availableGeometry()  # the window fits the screen, summary wrapped
    assert panel.width() <= room.width() and panel.height() <= room.height()
    for words, expected in [
        ("smith", ["A1", "A4"]),  # name and household, any case
        ("spy min", ["A1", "A4"]),  # a phrase within the rule
        ("capital", ["A3", "A4"]),
        ("drift band", ["A2", "A4"]),
        ("jones a2", []),  # the words are one phrase, not a set of words
        ("  LEE ", ["A3"]),  # trimmed
        ("", ["A1", "A2", "A3", "A4"]),
        ("none", []),  # an empty household is not the word "None"
    ]:
        panel.filter_edit.setText(words)
        assert panel.visible_accounts() == expected, words
