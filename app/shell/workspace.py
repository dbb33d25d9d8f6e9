"""The workspace: the feature tabs of one universe and IPS, built and torn down as a whole.

The window has one :class:`Workspace`. :meth:`Workspace.install` retires every tab (see the
lifetime rules in :mod:`app.kit.feature`), then builds one tab per registered feature
(:data:`app.features.FEATURES`) for the universe and profile given. The workspace relays the
tabs' signals, so the window connects to it once, whatever tabs come and go.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QTabWidget

from app.features import FEATURES
from app.ips.tab import IPSTab
from app.kit.context import StudioContext
from app.kit.feature import FeatureTab, merged
from app.kit.workers import JobRunner
from app.shell import settings
from core.pipeline import AnalysisSettings
from core.policy.profile import IPSProfile
from core.policy.profile_io import bundled_profiles
from core.project import Project
from core.rebalance.account import Holdings
from core.universe import Universe


class Workspace(QObject):
    """The tabs on screen, their shared context and the job runners of retired tabs."""

    status_message = Signal(str)
    """A tab's message for the status bar."""
    result_replaced = Signal(object)
    """A tab made a new analysis result (e.g. a resampled candidate added)."""
    profile_changed = Signal(object)
    """The IPS tab's profile changed (an edit, an undo, a loaded file)."""
    project_modified = Signal()
    settings_requested = Signal(object)
    """A tab's project field changed outside the undo stack."""

    def __init__(self, tab_widget: QTabWidget, undo_stack: QUndoStack, parent: QObject) -> None:
        super().__init__(parent)
        self._tab_widget = tab_widget
        self._undo_stack = undo_stack
        self._retired_runners: list[JobRunner] = []
        self.tabs: dict[str, FeatureTab] = {}
        self.context: StudioContext | None = None
        self._ips_tab: IPSTab | None = None
        self.project_source: Callable[[], Project] | None = None
        """The window's ``current_project`` (set once the project controller exists)."""

    @property
    def ips_tab(self) -> IPSTab:
        """The tab where the IPS profile is edited (the profile of every analysis)."""
        if self._ips_tab is None:
            raise RuntimeError("no workspace is installed")
        return self._ips_tab

    def install(self, universe: Universe, profile: IPSProfile) -> None:
        """Retire the tabs on screen and build every feature's tab for ``universe``, with
        ``profile`` current. The caller clears the undo stack first (its commands point at the
        models about to go)."""
        self.retire()
        for tab in self.tabs.values():
            tab.deleteLater()
        self._retired_runners = [r for r in self._retired_runners if not r.idle()]
        self._tab_widget.clear()
        profiles = bundled_profiles()
        key = profile.name
        if profiles.get(key, profile) != profile:  # a project's edited copy of a bundled one
            key = f"{profile.name} (project)"  # is its own item, next to the bundled profile
        profiles[key] = profile
        self.context = StudioContext(
            self._undo_stack,
            universe,
            profiles,
            key,
            account=self.holdings,
            project=self._current_project,
        )
        self.tabs = {
            feature.key: feature.create(self.context, self._tab_widget) for feature in FEATURES
        }
        for feature in FEATURES:
            tab = self.tabs[feature.key]
            self._tab_widget.addTab(tab, feature.title)
            tab.status_message.connect(self.status_message)
            tab.result_replaced.connect(self.result_replaced)
            tab.project_modified.connect(self.project_modified)
            tab.settings_requested.connect(self.settings_requested)
        ips_tab = self.tabs["ips"]
        if not isinstance(ips_tab, IPSTab):
            raise TypeError("the 'ips' feature must be the IPS tab: it holds the profile")
        self._ips_tab = ips_tab
        if ips_tab.profile() != profile:
            ips_tab.constraints_model.replace_profile(profile)
            self._undo_stack.clear()
        ips_tab.profile_changed.connect(self.profile_changed)
        for tab in self.tabs.values():
            tab.profile_requested.connect(ips_tab.constraints_model.replace_profile)
        settings.restore_splitters(self.tabs)

    def _current_project(self) -> Project:
        if self.project_source is None:
            raise RuntimeError("the window has not connected its project yet")
        return self.project_source()

    def retire(self) -> None:
        """Stop every tab's drawing and jobs (a rebuild or the window's close). Job runners
        still winding down are kept here, parented to the workspace, until they are idle."""
        for tab in self.tabs.values():
            runner = tab.retire()
            if runner is not None:
                runner.setParent(self)
                self._retired_runners.append(runner)

    # -- what the controllers ask of the tabs ------------------------------------------------
    def result_receivers(self) -> list[FeatureTab]:
        """The tabs that show results, the one on screen first."""
        current = self._tab_widget.currentWidget()
        return sorted(
            (tab for tab in self.tabs.values() if tab.SHOWS_RESULTS),
            key=lambda tab: tab is not current,
        )

    def set_profile(self, profile: IPSProfile) -> None:
        for tab in self.tabs.values():
            tab.set_profile(profile)

    def show_settings(self, settings: AnalysisSettings) -> None:
        for tab in self.tabs.values():
            tab.show_settings(settings)

    def project_fields(self) -> dict[str, Any]:
        """The :class:`~core.project.Project` fields the tabs own (holdings, scenarios, ...)."""
        return merged(self.tabs, lambda tab: tab.project_fields())

    def restore_project(self, project: Project) -> None:
        for tab in self.tabs.values():
            tab.restore_project(project)

    def holdings(self) -> Holdings | None:
        """The account on screen (the tab that owns the holdings), or None."""
        holdings = self.project_fields().get("holdings")
        return holdings if isinstance(holdings, Holdings) else None

    def account_value(self) -> float | None:
        """The value of the account on screen (positions at their prices plus cash), or None
        when no holdings are loaded: the dollar figures then use the value the user set."""
        holdings = self.project_fields().get("holdings")
        if holdings is None or (not holdings.positions and holdings.cash == 0):
            return None
        return float(holdings.total_value)

    def busy(self) -> bool:
        return any(tab.busy() for tab in self.tabs.values())
