"""The feature registry: one line per tab, in tab order.

A new tab is one ``core`` module, one feature package under ``app/`` whose tab subclasses
:class:`app.kit.feature.FeatureTab` (the contract: what the window, the project and the export
may ask of a tab), one line here, and their tests.
"""

from __future__ import annotations

from app.kit.feature import Feature

FEATURES: tuple[Feature, ...] = (
    Feature("ips", "IPS", "app.ips.tab", "IPSTab"),
    Feature("allocation", "Allocation", "app.allocation.tab", "AllocationTab"),
    Feature("risk", "Risk", "app.risk.tab", "RiskTab"),
    Feature("stress", "Stress", "app.stress.tab", "StressTab"),
    Feature("outlook", "Outlook", "app.outlook.tab", "OutlookTab"),
    Feature("rebalancing", "Rebalancing", "app.rebalancing.tab", "RebalanceTab"),
    Feature("compare", "Compare", "app.compare.tab", "CompareTab"),
)
