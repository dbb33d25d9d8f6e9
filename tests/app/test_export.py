"""File > Export report...: the folder dialog (patched), the worker jobs, every file written,
and a failure that leaves the previous report as it was."""

from __future__ import annotations

import hashlib
import json

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

import core.report.package as package

EXPORT_TIMEOUT_MS = 180_000
CSV_FILES = (
    "recommended_allocation.csv",
    "portfolio_weights.csv",
    "portfolio_risk_summary.csv",
    "constraints_validation.csv",
    "monthly_returns.csv",
    "risk_contribution_summary.csv",
    "factor_exposure_summary.csv",
    "equity_sleeve_factor_summary.csv",
    "rolling_risk_metrics.csv",
    "efficient_frontier.csv",
    "stress_test_results.csv",
    "monte_carlo_summary.csv",
    "reverse_stress.csv",
)


def export(qtbot, window, folder, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(folder))
    controller = window.export_controller
    with qtbot.waitSignal(controller.export_finished, timeout=EXPORT_TIMEOUT_MS) as blocker:
        window.findChild(QAction, "action_export_report").trigger()
        assert not controller.action.isEnabled()  # one export at a time
    qtbot.waitUntil(lambda: not controller.is_running(), timeout=10_000)
    assert controller.action.isEnabled()
    return blocker.args


def test_the_action_is_in_the_file_menu_with_ctrl_e(window):
    action = window.findChild(QAction, "action_export_report")
    assert action is window.action_export_report
    assert action.shortcut() == QKeySequence("Ctrl+E")
    file_menu = window.menuBar().actions()[0].menu()
    assert action in file_menu.actions()


@pytest.mark.slow
def test_export_writes_every_file(qtbot, window, tmp_path, monkeypatch):
    out = tmp_path / "committee"
    out.mkdir()
    ok, text = export(qtbot, window, out, monkeypatch)
    assert ok and text == str(out)
    assert str(out) in window.statusBar().currentMessage()
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    expected = {
        *CSV_FILES,
        "data_provenance.json",
        "investment_committee_report.xlsx",
        "investment_memo.md",
        "investment_memo.pdf",
        "run_manifest.json",
        "charts/recommended_allocation.png",
    }
    assert expected <= names
    assert not [p for p in out.iterdir() if p.name.startswith(".ips-")]
    assert (out / "investment_memo.pdf").read_bytes()[:5] == b"%PDF-"
    assert (out / "investment_memo.pdf").stat().st_size > 50_000  # the charts are embedded
    memo = (out / "investment_memo.md").read_text()
    assert "(charts/recommended_allocation.png)" in memo
    assert window.result.recommended_name in memo
    manifest = json.loads((out / "run_manifest.json").read_text())
    assert set(manifest["files"]) == names - {"run_manifest.json"}
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == entry["sha256"], name
    assert manifest["data_mode"] == window.result.dataset.mode.value


@pytest.mark.slow
def test_a_failed_export_reports_why_and_keeps_the_previous_report(
    qtbot, window, tmp_path, monkeypatch
):
    out = tmp_path / "committee"
    out.mkdir()
    (out / "investment_memo.md").write_text("the previous memo")
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device", "investment_committee_report.xlsx")

    monkeypatch.setattr(package, "write_workbook", disk_full)
    ok, text = export(qtbot, window, out, monkeypatch)
    assert not ok and "No space left on device" in text and "previous report is unchanged" in text
    assert warnings == [text]
    assert (out / "investment_memo.md").read_text() == "the previous memo"
    assert sorted(p.name for p in out.iterdir()) == ["investment_memo.md"]


def test_cancelling_the_dialog_exports_nothing(qtbot, window, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: "")
    window.action_export_report.trigger()
    assert not window.export_controller.is_running()
