"""The IPS tab repairs an infeasible policy with one undoable click and traces each clause."""

from __future__ import annotations

from conftest import RESULT_TIMEOUT_MS

from app.ips.constraints_model import MINIMUM
from core.policy.constraints import build_constraints
from core.policy.profile import Range
from core.policy.profile_io import save_profile
from core.policy.repair import diagnose


def feasible(tab) -> bool:
    return diagnose(build_constraints(tab.profile(), tab.constraints_model.universe)) is None


def test_an_infeasible_policy_is_repaired_by_a_click_and_undo_restores_it(qtbot, window, tmp_path):
    tab = window.ips_tab
    base = tab.profile()
    # Equity >= 45% + Fixed Income >= 50% + Alternatives >= 5% + SGOV >= 5% = 105%: 5 pp over.
    bad = base.with_changes(
        name="Too much fixed income",
        class_ranges={**base.class_ranges, "Fixed Income": Range(0.50, 0.60)},
    )
    path = tmp_path / "bad.json"
    save_profile(bad, path)
    assert tab.load_profile_file(str(path))
    assert not feasible(tab)
    panel = tab.repair_panel
    assert panel.isVisible() and panel.buttons
    texts = [b.text().removesuffix(" (smallest total change)") for b in panel.buttons]
    assert "Lower the Fixed Income minimum (4.2) to 45%" in texts
    assert "Lower the Equity minimum (4.1) to 40%" in texts
    assert "Lower the SGOV minimum (5.4) to 0%" in texts
    button = panel.buttons[texts.index("Lower the Fixed Income minimum (4.2) to 45%")]
    with qtbot.waitSignal(window.result_ready, timeout=RESULT_TIMEOUT_MS):
        button.click()  # applies the fix and re-optimizes
    assert feasible(tab) and not panel.isVisible()
    assert tab.profile().class_ranges["Fixed Income"].minimum == 0.45
    assert tab.profile().clause_ids == bad.clause_ids
    assert window.result.profile == tab.profile()
    assert window.undo_stack.undoText().startswith("Relax policy: lower the Fixed Income minimum")
    window.undo_stack.undo()
    assert tab.profile() == bad and not feasible(tab)
    assert panel.isVisible()
    qtbot.waitUntil(lambda: not window.runner.is_running("analysis"), timeout=5_000)


def test_a_refused_edit_offers_the_edit_with_a_fix(qtbot, window):
    tab = window.ips_tab
    model = tab.constraints_model
    before = tab.profile()
    cell = model.index(model.row_of("ETF", "SPY"), MINIMUM)
    assert not model.setData(cell, "35")  # above the 30% maximum single-ETF weight
    assert tab.profile() == before and window.undo_stack.count() == 0
    panel = tab.repair_panel
    assert panel.isVisible()
    assert "U.S. large-cap equity minimum 35%</b> was not made" in panel.message.text()
    texts = [b.text().removesuffix(" (smallest total change)") for b in panel.buttons]
    assert "Lower the SPY minimum (5.2) to 30%" in texts  # the edit itself, made smaller
    assert "Raise the maximum single-ETF weight (5.1) to 35%" in texts  # or the edit and a fix
    button = panel.buttons[texts.index("Raise the maximum single-ETF weight (5.1) to 35%")]
    with qtbot.waitSignal(window.result_ready, timeout=RESULT_TIMEOUT_MS):
        button.click()
    after = tab.profile()
    assert after.asset_minimums["SPY"] == 0.35 and after.max_single_weight == 0.35
    assert feasible(tab) and window.undo_stack.count() == 1
    window.undo_stack.undo()
    assert tab.profile() == before
    qtbot.waitUntil(lambda: not window.runner.is_running("analysis"), timeout=5_000)


def test_the_clause_panel_shows_uses_and_margin_and_edits_wording(window):
    tab = window.ips_tab
    panel = tab.clause_panel
    assert panel.select("4.1")
    text = panel.detail.text()
    assert "Equity shall be between 45% and 70% of the portfolio." in text
    for place in ("Optimizer constraint", "Validation rule", "Memo"):
        assert place in text
    # Clause 4.2's margin, from the recommended weights: the distance to the nearer bound.
    result = window.result
    fixed_income = sum(
        float(result.recommended.weights[t]) for t in result.universe.class_members("Fixed Income")
    )
    expected = min(fixed_income - 0.20, 0.45 - fixed_income)
    assert panel.select("4.2")
    assert f"{expected * 100:+.2f} pp, PASS" in panel.detail.text()
    assert panel.select("2.2")
    assert "Stress tolerance" in panel.detail.text() and "Outlook" in panel.detail.text()
    assert tab.set_clause_wording("4.1", "Equity: {min} to {max}.")
    assert panel.select("4.1")
    assert "Equity: 45% to 70%." in panel.detail.text()
    assert "the committee's wording" in panel.detail.text()
    window.undo_stack.undo()
    assert tab.profile().clause_wording == {}
