"""Loading and saving IPS profile files from the IPS tab."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QFileDialog

from core.policy.profile_io import load_profile, profile_to_dict


def test_save_then_load_a_user_profile(window, tmp_path, monkeypatch):
    tab = window.ips_tab
    path = tmp_path / "committee.json"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )
    tab.save_button.click()
    assert load_profile(path) == tab.profile()

    data = profile_to_dict(tab.profile())
    data["name"] = "Committee 2026"
    data["max_volatility"] = 0.11
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )
    tab.load_button.click()
    assert tab.profile().name == "Committee 2026"
    assert tab.profile().max_volatility == 0.11
    assert tab.profile_combo.currentText() == "Committee 2026"
    assert window.isWindowModified()
    window.undo_stack.undo()
    assert tab.profile().name == "Balanced Growth"


def test_a_bad_profile_file_is_refused_and_nothing_changes(window, tmp_path, monkeypatch):
    tab = window.ips_tab
    before = tab.profile()
    messages = []
    tab.status_message.connect(messages.append)
    path = tmp_path / "bad.json"
    data = profile_to_dict(before)
    data["asset_class_ranges"]["Equity"] = [0.9, 0.5]
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )
    tab.load_button.click()
    assert tab.profile() == before
    assert (
        messages
        and "Profile not loaded" in messages[-1]
        and "Equity minimum 90.0% is above its maximum" in messages[-1]
    )
