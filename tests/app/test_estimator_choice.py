"""The committee chooses the estimators on the Allocation tab: an unsaved change and a new
optimization with them; a project's choice is shown in the combo boxes."""

from __future__ import annotations

import dataclasses

from app.shell.main_window import ANALYSIS_JOB
from core.optimize.estimation import CovarianceEstimator, ReturnEstimator

TIMEOUT_MS = 60_000


def test_choosing_an_estimator_marks_the_project_modified_and_re_optimizes(qtbot, window):
    tab = window.tab_widgets["allocation"]
    assert tab.returns_combo.currentData() == window.analysis_settings.expected_returns.name
    window.project_controller._mark_saved()
    combo = tab.covariance_combo
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS) as ready:
        combo.setCurrentIndex(combo.findData(CovarianceEstimator.EXPONENTIAL.name))
    result = ready.args[0]
    assert window.isWindowModified()
    assert result.settings.covariance is CovarianceEstimator.EXPONENTIAL
    assert result.inputs.covariance_estimator is CovarianceEstimator.EXPONENTIAL
    assert result.inputs.half_life == window.analysis_settings.covariance_half_life
    assert result.settings.expected_returns is ReturnEstimator.BAYES_STEIN  # the default
    combo = tab.returns_combo
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS) as ready:
        combo.setCurrentIndex(combo.findData(ReturnEstimator.HISTORICAL_MEAN.name))
    assert ready.args[0].inputs.return_estimator is ReturnEstimator.HISTORICAL_MEAN
    assert window.project_controller.current_project().settings.expected_returns is (
        ReturnEstimator.HISTORICAL_MEAN
    )
    qtbot.waitUntil(lambda: not window.runner.is_running(ANALYSIS_JOB), timeout=5_000)


def test_settings_from_a_project_are_shown_without_a_new_request(qtbot, window):
    tab = window.tab_widgets["allocation"]
    requests: list[dict] = []
    tab.settings_requested.connect(requests.append)
    window.analysis_settings = dataclasses.replace(
        window.analysis_settings,
        expected_returns=ReturnEstimator.EQUILIBRIUM,
        covariance=CovarianceEstimator.SAMPLE,
    )
    assert tab.returns_combo.currentText() == ReturnEstimator.EQUILIBRIUM.value
    assert tab.covariance_combo.currentText() == CovarianceEstimator.SAMPLE.value
    assert requests == []
