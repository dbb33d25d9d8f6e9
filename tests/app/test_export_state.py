"""Issue 15, #1-4: an export is computed from the state on screen at the moment of the click:
edited holdings, an edited IPS, custom scenarios, a rebalance still running. The run manifest
records the state it was made from."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from PySide6.QtWidgets import QMessageBox

from app.ips.constraints_model import MAXIMUM
from app.rebalancing.holdings_model import SHARES

EXPORT_TIMEOUT_MS = 180_000
pytestmark = pytest.mark.slow  # whole-report exports


def export(qtbot, window, folder):
    controller = window.export_controller
    with qtbot.waitSignal(controller.export_finished, timeout=EXPORT_TIMEOUT_MS) as done:
        controller.export_to(folder)
    qtbot.waitUntil(lambda: not controller.is_running(), timeout=10_000)
    assert done.args[0], done.args[1]
    return json.loads((folder / "run_manifest.json").read_text(encoding="utf-8"))


def test_edited_holdings_without_rebalance_reach_the_trade_list(qtbot, window, tmp_path):
    tab = window.tab_widgets["rebalancing"]
    model = tab.holdings_model
    row = list(tab.holdings().positions).index("SPY")
    assert model.setData(model.index(row, SHARES), "2000")  # Rebalance is not pressed
    manifest = export(qtbot, window, tmp_path)
    trades = pd.read_csv(tmp_path / "rebalancing_trades.csv").set_index("ticker")
    assert trades.loc["SPY", "current_shares"] == 2000  # not the 762 of the old plan
    assert manifest["made_from"]["account"]["positions"]["SPY"] == 2000


def test_an_edited_ips_without_optimize_is_the_reported_policy(qtbot, window, tmp_path):
    model = window.ips_tab.constraints_model
    assert model.setData(model.index(model.row_of("Asset class", "Equity"), MAXIMUM), "55")
    manifest = export(qtbot, window, tmp_path)
    validation = pd.read_csv(tmp_path / "constraints_validation.csv")
    equity = validation[validation["rule"].str.startswith("Equity allocation")].iloc[0]
    assert "55.00%" in equity["limit"]  # the policy on screen, not the bundled 45-70%
    ranges = manifest["made_from"]["profiles"]["Balanced Growth"]["asset_class_ranges"]
    assert ranges["Equity"] == pytest.approx([0.45, 0.55])


def test_custom_scenarios_are_in_every_output(qtbot, window, tmp_path):
    stress = window.tab_widgets["stress"]
    assert stress.custom_model.add_scenario()
    name = stress.custom_model.scenarios()[-1].name
    manifest = export(qtbot, window, tmp_path)
    assert name in (tmp_path / "stress_test_results.csv").read_text(encoding="utf-8")
    assert name in (tmp_path / "investment_memo.md").read_text(encoding="utf-8")
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "investment_committee_report.xlsx", read_only=True)
    cells = {
        str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    }
    assert name in cells
    assert [s["name"] for s in manifest["made_from"]["custom_scenarios"]] == [name]


def test_an_export_during_a_rebalance_includes_the_trades(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    tab = window.tab_widgets["rebalancing"]
    tab.run()  # a rebalance job is running when Export is clicked
    assert tab.busy() or tab.rebalance_plan() is not None
    export(qtbot, window, tmp_path)
    trades = pd.read_csv(tmp_path / "rebalancing_trades.csv")
    assert len(trades) > 1 and (tmp_path / "rebalancing_compliance.csv").exists()
