"""Tab registry. A new tab is one module here plus one line in :data:`TABS`.

A tab class is built as ``cls(context: StudioContext, parent)`` and may define:

``show_result(result: AnalysisResult) -> None``
    called with every new analysis result;
``set_profile(profile: IPSProfile) -> None``
    called when the IPS changes (the shown result may now be stale);
``status_message`` (a ``Signal(str)``)
    messages the window shows in its status bar (refused edits, failed jobs);
``busy() -> bool``
    True while the tab's own worker jobs run (screenshots wait for them).

The IPS tab (key ``"ips"``) also emits ``profile_changed(IPSProfile)``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QWidget

from app.context import StudioContext


@dataclass(frozen=True)
class TabSpec:
    """One tab: a key (used in object names), its title and where its class lives."""

    key: str
    title: str
    module: str
    class_name: str

    def create(self, context: StudioContext, parent: QWidget | None = None) -> Any:
        """Import the tab module (lazily: heavy imports wait for window creation) and build it."""
        cls = getattr(importlib.import_module(self.module), self.class_name)
        widget = cls(context, parent)
        widget.setObjectName(f"tab_{self.key}")
        return widget


TABS: tuple[TabSpec, ...] = (
    TabSpec("ips", "IPS", "app.tabs.ips_tab", "IPSTab"),
    TabSpec("allocation", "Allocation", "app.tabs.allocation_tab", "AllocationTab"),
    TabSpec("risk", "Risk", "app.tabs.risk_tab", "RiskTab"),
    TabSpec("stress", "Stress", "app.tabs.stress_tab", "StressTab"),
    TabSpec("rebalancing", "Rebalancing", "app.tabs.rebalance_tab", "RebalanceTab"),
)
