"""The Allocation tab's out-of-sample panel: the walk-forward runs in a worker, its table shows
the core's figures, Cancel stops it, and the cost comes from the project's trade settings."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.allocation.walk_forward_panel import WalkForwardPanel
from app.kit.workers import JobRunner
from core.backtest.holding import WithinPeriod
from core.backtest.settings import RECOMMENDATION_RULE, WindowKind
from core.backtest.walk_forward import walk_forward
from core.pipeline import load_default_dataset, run_analysis
from core.policy.profile_io import bundled_profiles


@pytest.fixture(scope="module")
def result():
    dataset = load_default_dataset()
    short = dataclasses.replace(
        dataset, returns=dataset.returns.iloc[:96], risk_free=dataset.risk_free.iloc[:96]
    )
    return run_analysis(bundled_profiles()["Balanced Growth"], short)


@pytest.fixture
def panel(qtbot):
    runner = JobRunner()
    widget = WalkForwardPanel(runner)
    qtbot.addWidget(widget)
    yield widget
    runner.cancel_all()
    qtbot.waitUntil(runner.idle, timeout=30_000)


def test_run_shows_in_and_out_of_sample_per_rule(qtbot, panel, result):
    panel.set_result(result)
    panel.set_cost_bps(12.0)
    panel.within_combo.setCurrentIndex(panel.within_combo.findData(WithinPeriod.MONTHLY.name))
    settings = panel.settings()
    assert settings.cost_bps == 12.0 and settings.within is WithinPeriod.MONTHLY
    assert settings.window is WindowKind.EXPANDING
    job = panel.start()
    with qtbot.waitSignal(job.signals.finished, timeout=60_000):
        pass
    expected, kinds = walk_forward(result, settings).comparison_frame()
    model = panel.model
    assert model.rowCount() == len(expected) and model.columnCount() == expected.shape[1]
    header = str(model.headerData(0, Qt.Orientation.Horizontal))
    assert "IPS rule" in header  # the selection rule comes first
    shown = np.array(
        [
            [model.data(model.index(r, c), Qt.ItemDataRole.EditRole) for c in range(3)]
            for r in range(model.rowCount())
        ],
        dtype=float,
    )
    percent = np.array([100.0 if k.value == "percent" else 1.0 for k in kinds])[:, None]
    np.testing.assert_allclose(  # percent rows are edited in percent units
        shown, percent * expected.iloc[:, :3].to_numpy(dtype=float), rtol=1e-8
    )
    assert expected.columns[0] == RECOMMENDATION_RULE
    assert "12 bps" in panel.summary.text()
    qtbot.waitUntil(lambda: not panel.busy, timeout=5_000)
    assert not panel.progress.isVisible() and not panel.cancel_button.isEnabled()


def test_cancel_stops_the_walk_and_says_so(qtbot, panel, result):
    panel.set_result(result)
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    job = panel.start()
    panel.cancel_button.click()  # before the worker's first decision: it stops there
    with qtbot.waitSignal(job.signals.finished, timeout=60_000):
        pass
    assert messages and "cancelled" in messages[-1]
    assert panel.model.rowCount() == 0


def test_without_a_result_nothing_starts(panel):
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    assert panel.start() is None
    assert "wait for the first analysis" in messages[-1]
