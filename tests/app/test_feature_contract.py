"""The tab contract: a feature is one package and one registry line; the window, the project
and the export talk to every tab through :class:`app.kit.feature.FeatureTab`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QVBoxLayout

from app.features import FEATURES
from app.kit.context import StudioContext
from app.kit.feature import Feature, FeatureTab, merged

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_MS = 60_000


class ProbeTab(FeatureTab):
    """A minimal feature's tab, registered by the test below: it records what it is given."""

    SHOWS_RESULTS = True

    def __init__(self, context: StudioContext, parent=None) -> None:
        super().__init__(parent)
        self.results: list = []
        self.profiles: list = []
        self.label = QLabel("probe")
        QVBoxLayout(self).addWidget(self.label)
        self.universe = context.universe

    def show_result(self, result) -> None:
        self.results.append(result)
        self.label.setText(result.recommended_name)

    def set_profile(self, profile) -> None:
        self.profiles.append(profile)


class NotATab:
    def __init__(self, *args) -> None:
        pass


def test_every_registered_feature_is_a_feature_tab_in_its_own_package(qapp):
    keys = [feature.key for feature in FEATURES]
    assert keys == ["ips", "allocation", "risk", "stress", "outlook", "rebalancing", "compare"]
    for feature in FEATURES:
        package = feature.module.rsplit(".", 1)[0]
        assert (ROOT / package.replace(".", "/") / "__init__.py").exists(), feature
        assert package.startswith("app.") and package.count(".") == 1, feature


def test_a_class_that_is_not_a_feature_tab_is_refused(qapp):
    with pytest.raises(TypeError, match="not a FeatureTab"):
        Feature("x", "X", __name__, "NotATab").create(None)  # type: ignore[arg-type]


def test_two_tabs_claiming_one_project_field_is_an_error(qtbot):
    first, second = FeatureTab(), FeatureTab()
    qtbot.addWidget(first)
    qtbot.addWidget(second)
    first.project_fields = lambda: {"holdings": 1}  # type: ignore[method-assign]
    second.project_fields = lambda: {"holdings": 2}  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="holdings"):
        merged({"a": first, "b": second}, lambda tab: tab.project_fields())
    assert merged({"a": first}, lambda tab: tab.project_fields()) == {"holdings": 1}


def test_a_new_feature_is_one_registry_line(qtbot, monkeypatch):
    """Registering one more Feature is all it takes: the window builds the tab, hands it every
    result and IPS edit, and retires it with the workspace."""
    import app.shell.workspace as workspace
    from app.shell.main_window import MainWindow

    probe = Feature("probe", "Probe", __name__, "ProbeTab")
    monkeypatch.setattr(workspace, "FEATURES", (*FEATURES, probe))
    window = MainWindow(run_at_start=False)
    qtbot.addWidget(window)
    tab = window.tab_widgets["probe"]
    assert isinstance(tab, ProbeTab) and tab.objectName() == "tab_probe"
    assert window.tabs.tabText(window.tabs.indexOf(tab)) == "Probe"
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS) as ready:
        window.optimize()
    assert tab.results == [ready.args[0]]
    assert tab.label.text() == ready.args[0].recommended_name
    profile = window.ips_tab.profile()
    window.workspace.profile_changed.emit(profile)
    assert tab.profiles[-1] == profile
    window.install_workspace(window.context.universe, profile)
    assert window.tab_widgets["probe"] is not tab  # rebuilt with the workspace
    window.close()


def test_the_shell_never_probes_tab_attributes_by_name():
    """Controllers call the contract; hasattr/getattr on tabs was how the window found out what
    a tab offered (17 probes in 4 modules before the contract)."""
    offenders = []
    for path in sorted((ROOT / "app" / "shell").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"hasattr", "getattr"}
            ):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_a_workspace_rebuild_drops_a_result_being_handed_out(qtbot, window):
    """Found by bench/soak.py: clearing the undo stack in a rebuild re-stated the old result for
    a new portfolio value, and its delivery then reached a deleted tab ("Internal C++ object
    already deleted", raised in the event loop: pytest-qt fails the test on it)."""
    import dataclasses

    from core.rebalance import Holdings

    window.tab_widgets["rebalancing"].set_holdings(Holdings({}, {}, 0.0))  # no account value
    model = window.ips_tab.constraints_model  # an undoable edit: the rebuild clears the stack
    assert model.setData(model.index(model.row_of("Asset class", "Equity"), 3), "69")
    window.analysis.settings = dataclasses.replace(window.analysis.settings, portfolio_value=5e6)
    old_tabs = dict(window.tab_widgets)
    window.install_workspace(window.context.universe, window.ips_tab.profile())
    # Nothing of the old result may still be on its way to a tab (its next step would reach a
    # tab deleted as soon as the event loop runs its deferred deletes).
    assert window.analysis._next_delivery is None and not window.analysis._delivery_timer.isActive()
    qtbot.wait(300)
    assert window.result is None
    assert all(window.tab_widgets[k] is not old_tabs[k] for k in old_tabs)
    with qtbot.waitSignal(window.result_ready, timeout=TIMEOUT_MS) as ready:
        window.optimize()
    assert ready.args[0].settings.portfolio_value == pytest.approx(
        window.tab_widgets["rebalancing"].holdings().total_value
    )
