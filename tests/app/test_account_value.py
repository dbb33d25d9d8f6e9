"""The account is the unit in the window: dollar figures on the account's value while holdings
are loaded, else on the portfolio value the user sets; trade settings are unsaved changes."""

from __future__ import annotations

import pytest

from app.rebalancing.holdings_model import SHARES
from core.pipeline import ValueBasis
from core.rebalance import Holdings

TIMEOUT_MS = 60_000


def test_dollar_figures_follow_the_account_value(qtbot, window):
    result = window.result
    tab = window.tab_widgets["rebalancing"]
    account = tab.holdings()
    assert result.settings.value_basis is ValueBasis.ACCOUNT
    assert result.settings.portfolio_value == pytest.approx(account.total_value)
    # VaR in dollars is the one-month VaR return times the account value (sign: a loss < 0).
    metrics = result.recommended.metrics
    assert metrics.var_95_dollar == pytest.approx(metrics.var_95 * account.total_value)

    model = tab.holdings_model
    row = list(account.positions).index("SPY")
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS) as ready:
        assert model.setData(model.index(row, SHARES), "1778")  # 1,000 more SPY at $600
    restated = ready.args[0]
    assert restated.settings.portfolio_value == pytest.approx(account.total_value + 600_000)
    assert restated.recommended_name == result.recommended_name  # nothing re-optimized
    assert restated.recommended.weights.equals(result.recommended.weights)


def test_without_holdings_the_value_set_by_the_user_is_used(qtbot, window):
    tab = window.tab_widgets["rebalancing"]
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS):
        tab.set_holdings(Holdings({}, {}, 0.0))
        window.set_portfolio_value(5_000_000.0)
    result = window.result
    assert result.settings.value_basis is ValueBasis.USER
    assert result.settings.portfolio_value == 5_000_000.0
    assert window.isWindowModified()
    with pytest.raises(ValueError, match="positive amount"):
        window.set_portfolio_value(float("inf"))


def test_a_trade_setting_is_an_unsaved_change_but_restoring_one_is_not(qtbot, window):
    tab = window.tab_widgets["rebalancing"]
    window.project_controller._mark_saved()
    assert not window.isWindowModified()
    tab.set_trade_settings(tab.trade_settings())  # restored from a project: not a change
    assert not window.isWindowModified()
    tab.cost_spin.setValue(tab.cost_spin.value() + 1)
    assert window.isWindowModified()
